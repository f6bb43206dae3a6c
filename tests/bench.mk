# make bench: guest workloads (tools/bench/*.c) natively, under
# qemu-ppc -cpu 750 and under ppcemu (build/tests/bench-user), timed in the
# same run by tools/bench.sh.  Figures only: nothing fails on time.
#
#   make bench [BENCH_SCALE=n] [BENCH_DIV=n]   (work times SCALE / DIV)

BENCH_SCALE ?= 1
BENCH_DIV ?= 1
BENCH_NAMES := int sort matmul mem fp branchy
BENCH_DIR := $(BUILD)/bench
BENCH_RT_HDR := tools/bench/bench.h
# -ffp-contract=off: one IEEE operation per C operation on every target, so
# all three runs print the same checksum
BENCH_XFLAGS0 := -O2 -mcpu=750 -ffreestanding -fno-builtin -ffp-contract=off -nostdlib -static \
    -Wall -Wextra -Werror -I. -Wl,-Ttext-segment=0x100000 -e _start
BENCH_SIZE := -DBENCH_SCALE=$(BENCH_SCALE) -DBENCH_DIV=$(BENCH_DIV)
BENCH_XFLAGS := $(BENCH_XFLAGS0) $(BENCH_SIZE)
BENCH_HFLAGS := -O2 -ffp-contract=off -Wall -Wextra -Werror -I. $(BENCH_SIZE)
BENCH_USER := $(BUILD)/tests/bench-user

$(BENCH_DIR)/%-ppc: tools/bench/%.c tools/bench/rt-ppc.c $(BENCH_RT_HDR) $(DEPS_STAMP) FORCE_BENCH
	@mkdir -p $(dir $@)
	$(XCC) $(BENCH_XFLAGS) -o $@ $< tools/bench/rt-ppc.c -lgcc

$(BENCH_DIR)/%-native: tools/bench/%.c tools/bench/rt-host.c $(BENCH_RT_HDR) FORCE_BENCH
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HFLAGS) -o $@ $< tools/bench/rt-host.c

$(BUILD)/tools/bench/bench-user.o: tools/bench/bench-user.c $(HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BENCH_USER): $(BUILD)/tools/bench/bench-user.o $(BUILD)/tests/lib/cpuenv.o $(BUILD)/libppcemu.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# the workloads are rebuilt every time: BENCH_SCALE may have changed
.PHONY: FORCE_BENCH
FORCE_BENCH:

bench: $(BENCH_USER) $(foreach n,$(BENCH_NAMES),$(BENCH_DIR)/$(n)-ppc $(BENCH_DIR)/$(n)-native)
	@tools/bench.sh $(BUILD) $(BENCH_NAMES)
