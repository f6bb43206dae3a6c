# Random-instruction guest fuzzing (issue 15), included by the Makefile.
#
#   make fuzz-guest [N=10000000] [FUZZ_SEED=S] [FUZZ_WORDS=1000000]
#
# runs tests/guest/fuzz.c under build/ppcemu until N instruction words have
# run (FUZZ_WORDS per run, seeds from FUZZ_SEED, default the time) and prints
# the words run, crashes and hangs.  A short run (3 x 100000 words) is the
# fuzz_guest step of `make check` (and of `make asan`).
.PHONY: fuzz-guest
fuzz-guest: $(BUILD)/ppcemu $(BUILD)/tests/guest/fuzz.elf
	bash tests/steps/fuzz_guest.sh $(BUILD) $(or $(N),10000000)

# Soak (issue 15): Linux under savevm/loadvm every INTERVAL s for MINUTES
# minutes; reports restored-state mismatches, lost progress and RSS growth.
#   make soak [MINUTES=10] [INTERVAL=5]
.PHONY: soak
soak: all
	tools/soak.sh $(BUILD) $(or $(MINUTES),10) $(or $(INTERVAL),5) $(GUEST_VMLINUX)
