/*
 * Benchmark workloads: freestanding C compiled twice, as a static PowerPC
 * program (rt-ppc.c: _start, write and exit through `sc`) and as a host
 * program (rt-host.c).  Each workload defines bench_run(), which returns a
 * checksum that must be the same on every target, and bench_name.
 * BENCH_SCALE (compile time) multiplies the amount of work and BENCH_DIV
 * divides it, for runs under slow tools (make bench-insns runs them under
 * valgrind); the workloads size their loops with BENCH_REPS(n), which is n
 * when both are 1 and never less than one pass.
 */
#ifndef TOOLS_BENCH_BENCH_H
#define TOOLS_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#ifndef BENCH_DIV
#define BENCH_DIV 1
#endif
/* BENCH_BASE: no pass at all, only the start-up and the checksum, whose
 * cost make bench-insns subtracts */
#ifdef BENCH_BASE
#define BENCH_REPS(n) 0
#else
#define BENCH_REPS(n) ((n) * BENCH_SCALE / BENCH_DIV > 0 ? (n) * BENCH_SCALE / BENCH_DIV : 1)
#endif

extern const char bench_name[];
uint64_t bench_run(void);

#endif /* TOOLS_BENCH_BENCH_H */
