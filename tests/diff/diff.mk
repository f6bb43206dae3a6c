# Differential tester against qemu-ppc (tests/diff/).  Included by the Makefile.
#
#   make fuzz-diff [N=100000] [SEED=123] [DIFF_FLAGS=--fp]
#
# build/tests/diff-harness: static PowerPC program run under qemu-ppc -cpu 750
# build/tests/diff-test:    host driver linked with libppcemu

DIFF_HARNESS := $(BUILD)/tests/diff-harness
DIFF_TEST := $(BUILD)/tests/diff-test
DIFF_HDRS := tests/diff/diff.h tests/diff/gen.h
DIFF_OBJS := $(BUILD)/tests/diff/diff-test.o $(BUILD)/tests/diff/gen.o $(BUILD)/tests/lib/cpuenv.o

$(DIFF_OBJS): $(DIFF_HDRS)

$(DIFF_HARNESS): tests/diff/harness.c tests/diff/harness-asm.S tests/diff/diff.h $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(XCC) -static -no-pie -O2 -mcpu=750 -Wall -Wextra -Werror -I. -Wa,-mregnames \
	    -o $@ tests/diff/harness.c tests/diff/harness-asm.S

$(DIFF_TEST): $(DIFF_OBJS) $(BUILD)/libppcemu.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

all: $(DIFF_TEST) $(DIFF_HARNESS)

N ?= 100000
SEED ?= $(shell date +%s)
fuzz-diff: $(DIFF_TEST) $(DIFF_HARNESS)
	$(DIFF_TEST) --harness $(DIFF_HARNESS) --seed $(SEED) -n $(N) $(DIFF_FLAGS)
