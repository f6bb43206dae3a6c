# Bare-metal guest test programs: tests/guest/NAME.c (or NAME.S) becomes
# $(BUILD)/tests/guest/NAME.elf, linked with the runtime in tests/guest/rt/.
# tests/steps/guest.sh runs them under build/ppcemu.

GUEST_DIR := $(BUILD)/tests/guest
GUEST_XFLAGS := -mcpu=750 -m32 -mbig-endian -msoft-float -ffreestanding \
    -fno-pic -fno-pie -msdata=none -G 0 -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -O2 -g -Wall -Wextra -Werror -std=gnu11 -Wa,-mregnames -Itests/guest/rt -I.
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
    -Wl,-T,tests/guest/rt/guest.lds -Wl,--no-warn-rwx-segments
GUEST_RT_SRCS := $(wildcard tests/guest/rt/*.c tests/guest/rt/*.S)
GUEST_RT_OBJS := $(patsubst tests/guest/rt/%,$(GUEST_DIR)/rt/%.o,$(GUEST_RT_SRCS))
GUEST_SRCS := $(wildcard tests/guest/*.c tests/guest/*.S)
GUEST_ELFS := $(patsubst tests/guest/%,$(GUEST_DIR)/%,$(basename $(GUEST_SRCS)))
GUEST_ELFS := $(addsuffix .elf,$(GUEST_ELFS))
GUEST_HDRS := $(wildcard tests/guest/rt/*.h tests/guest/*.h) boards/bootinfo.h

$(GUEST_DIR)/rt/%.o: tests/guest/rt/% $(GUEST_HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) $(GUEST_XFLAGS) -c $< -o $@

$(GUEST_DIR)/%.o: tests/guest/%.c $(GUEST_HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) $(GUEST_XFLAGS) -c $< -o $@

$(GUEST_DIR)/%.o: tests/guest/%.S $(GUEST_HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) $(GUEST_XFLAGS) -c $< -o $@

$(GUEST_DIR)/%.elf: $(GUEST_DIR)/%.o $(GUEST_RT_OBJS) tests/guest/rt/guest.lds
	$(XCC) $(GUEST_XFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_RT_OBJS) -lgcc

.PRECIOUS: $(GUEST_DIR)/%.o $(GUEST_DIR)/rt/%.o
guests: $(GUEST_ELFS)
all: guests

# linux_layout: its own link script (virtual != physical), no runtime
$(GUEST_DIR)/linux_layout.elf: $(GUEST_DIR)/linux_layout.o tests/guest/linux_layout.lds
	$(XCC) $(GUEST_XFLAGS) -nostdlib -static -no-pie -Wl,--build-id=none \
	    -Wl,-T,tests/guest/linux_layout.lds -Wl,--no-warn-rwx-segments -o $@ $<
