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

# make bench-insns: host instructions per guest instruction (JIT,
# interpreter, qemu-ppc) counted by valgrind, tools/bench/insns.sh.  Each
# workload is built reduced to 1/BENCH_INSNS_DIV of its work (run) and
# with no pass (base, the start-up, subtracted).
#
#   make bench-insns [BENCH_INSNS_DIV=n]

BENCH_INSNS_DIV ?= 10
BENCH_INSNS_DIR := $(BUILD)/bench-insns

$(BENCH_INSNS_DIR)/%-run-ppc: tools/bench/%.c tools/bench/rt-ppc.c $(BENCH_RT_HDR) $(DEPS_STAMP) FORCE_BENCH
	@mkdir -p $(dir $@)
	$(XCC) $(BENCH_XFLAGS0) -DBENCH_DIV=$(BENCH_INSNS_DIV) -o $@ $< tools/bench/rt-ppc.c -lgcc

$(BENCH_INSNS_DIR)/%-base-ppc: tools/bench/%.c tools/bench/rt-ppc.c $(BENCH_RT_HDR) $(DEPS_STAMP) FORCE_BENCH
	@mkdir -p $(dir $@)
	$(XCC) $(BENCH_XFLAGS0) -DBENCH_BASE -o $@ $< tools/bench/rt-ppc.c -lgcc

.PHONY: bench-insns
bench-insns: $(BENCH_USER) $(foreach n,$(BENCH_NAMES),$(BENCH_INSNS_DIR)/$(n)-run-ppc $(BENCH_INSNS_DIR)/$(n)-base-ppc)
	@command -v valgrind >/dev/null 2>&1 || tools/deps.sh bench
	@tools/bench/insns.sh $(BUILD) $(BENCH_NAMES)
