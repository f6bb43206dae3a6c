# Live migration tests (tests/steps/migration.sh): bare-metal guests built with the
# runtime of tests/guest/ (guest.mk); the driver talks to ppcemu with
# tests/snapshot's monitor client.

MIGT_DIR := $(BUILD)/tests/migration
MIGT_SRCS := $(wildcard tests/migration/*.c)
MIGT_GUESTS := $(MIGT_SRCS)
MIGT_ELFS := $(patsubst tests/migration/%.c,$(MIGT_DIR)/%.elf,$(MIGT_GUESTS))

$(MIGT_DIR)/%.o: tests/migration/%.c $(GUEST_HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) $(GUEST_XFLAGS) -c $< -o $@

$(MIGT_DIR)/%.elf: $(MIGT_DIR)/%.o $(GUEST_RT_OBJS) tests/guest/rt/guest.lds
	$(XCC) $(GUEST_XFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_RT_OBJS) -lgcc

.PRECIOUS: $(MIGT_DIR)/%.o
all: $(MIGT_ELFS)

# make migbench: live migration figures, ppcemu vs qemu-system-ppc -M 40p
# (tools/migbench.sh; figures, not a test).  MIGBENCH=ppcemu|qemu|both
.PHONY: migbench
migbench: $(BUILD)/ppcemu
	tools/migbench.sh $(BUILD) $(or $(MIGBENCH),both)
