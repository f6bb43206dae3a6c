# The boot ROM: $(BUILD)/firmware/bootrom.elf and the raw 1 MiB image
# $(BUILD)/firmware/bootrom.bin for 0xFFF00000 (board.md).

FW_DIR := $(BUILD)/firmware
FW_XFLAGS := -mcpu=750 -m32 -mbig-endian -msoft-float -ffreestanding \
    -fno-pic -fno-pie -msdata=none -G 0 -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -Os -g -Wall -Wextra -Werror -std=gnu11 -Wa,-mregnames -I.
FW_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
    -Wl,-T,firmware/bootrom.lds -Wl,--no-warn-rwx-segments
FW_SRCS := firmware/start.S firmware/bootrom.c
FW_OBJS := $(patsubst firmware/%,$(FW_DIR)/%.o,$(FW_SRCS))
FW_ROM_SIZE := 1048576

$(FW_DIR)/%.o: firmware/% boards/bootinfo.h $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) $(FW_XFLAGS) -c $< -o $@

$(FW_DIR)/bootrom.elf: $(FW_OBJS) firmware/bootrom.lds
	$(XCC) $(FW_XFLAGS) $(FW_LDFLAGS) -o $@ $(FW_OBJS) -lgcc

# objcopy starts the image at the lowest section (.vectors at 0xFFF00000);
# pad it to exactly 1 MiB.
$(FW_DIR)/bootrom.bin: $(FW_DIR)/bootrom.elf
	$(CROSS)objcopy -O binary $< $@.tmp
	@test $$(stat -c %s $@.tmp) -le $(FW_ROM_SIZE) || { echo "boot ROM larger than 1 MiB" >&2; exit 1; }
	truncate -s $(FW_ROM_SIZE) $@.tmp
	mv $@.tmp $@

firmware: $(FW_DIR)/bootrom.bin
all: firmware
