# Snapshots: the ppcsnap inspector, the snapshot tests' guests and helpers
# (tests/snapshot/snapshot.mk), the long fuzz run and the benchmark.
#   make fuzz-snapshot   the snapshot fuzz suite with many more variants
#   make snapbench       save/restore time and size of a 128 MiB guest
#   make snapshot-linux  Linux (make guest) saved at its shell, restored fresh

PPCSNAP := $(BUILD)/ppcsnap

$(PPCSNAP): tools/ppcsnap.c $(BUILD)/libppcemu.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libppcemu.a $(LDLIBS)

all: $(PPCSNAP)

-include tests/snapshot/snapshot.mk

.PHONY: fuzz-snapshot snapbench snapshot-linux
fuzz-snapshot: $(BUILD)/tests/unit-tests
	PPCEMU_SNAPFUZZ_VARIANTS=$${PPCEMU_SNAPFUZZ_VARIANTS:-200000} $(BUILD)/tests/unit-tests snapfuzz

snapbench: all
	tools/snapbench.sh $(BUILD)

snapshot-linux: all
	tools/snaplinux.sh $(BUILD) $(GUEST_VMLINUX)
