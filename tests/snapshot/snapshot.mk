# Snapshot tests (tests/steps/snapshot.sh): bare-metal guests built with the
# runtime of tests/guest/ (guest.mk), and the monitor client the driver
# talks to ppcemu with.

SNAPT_DIR := $(BUILD)/tests/snapshot
SNAPT_SRCS := $(wildcard tests/snapshot/*.c)
SNAPT_GUESTS := $(filter-out tests/snapshot/monclient.c,$(SNAPT_SRCS))
SNAPT_ELFS := $(patsubst tests/snapshot/%.c,$(SNAPT_DIR)/%.elf,$(SNAPT_GUESTS))

$(SNAPT_DIR)/%.o: tests/snapshot/%.c $(GUEST_HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) $(GUEST_XFLAGS) -c $< -o $@

$(SNAPT_DIR)/%.elf: $(SNAPT_DIR)/%.o $(GUEST_RT_OBJS) tests/guest/rt/guest.lds
	$(XCC) $(GUEST_XFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_RT_OBJS) -lgcc

$(SNAPT_DIR)/monclient: tests/snapshot/monclient.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS_SAN)

.PRECIOUS: $(SNAPT_DIR)/%.o
all: $(SNAPT_ELFS) $(SNAPT_DIR)/monclient
