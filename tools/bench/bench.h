/*
 * Benchmark workloads: freestanding C compiled twice, as a static PowerPC
 * program (rt-ppc.c: _start, write and exit through `sc`) and as a host
 * program (rt-host.c).  Each workload defines bench_run(), which returns a
 * checksum that must be the same on every target, and bench_name.
 * BENCH_SCALE (compile time) multiplies the amount of work.
 */
#ifndef TOOLS_BENCH_BENCH_H
#define TOOLS_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif

extern const char bench_name[];
uint64_t bench_run(void);

#endif /* TOOLS_BENCH_BENCH_H */
