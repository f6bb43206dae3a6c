/* A bare CPU + RAM environment for instruction tests: no board, real mode. */
#ifndef TESTS_LIB_CPUENV_H
#define TESTS_LIB_CPUENV_H

#include "cpu/ppc.h"

typedef struct CpuEnv {
    Bus bus;
    PPCState cpu;
} CpuEnv;

/* RAM of ram_mib MiB at 0, a 1 MiB ROM at 0xFFF00000, PC = 0, MSR = FP
 * (user-visible FP on, MMU off, supervisor). */
CpuEnv *cpuenv_new(uint32_t ram_mib);
/* The same with a ROM of rom_size bytes (0: none, the addresses from
 * 0xFFF00000 up unmapped) */
CpuEnv *cpuenv_new_rom(uint32_t ram_mib, uint32_t rom_size);
void cpuenv_free(CpuEnv *e);
/* Write instruction words at pa (big-endian) and invalidate decoded code. */
void cpuenv_put_code(CpuEnv *e, uint32_t pa, const uint32_t *insns, unsigned n);
/* Put one instruction at 0 and execute exactly it; returns ppc_run's result */
int cpuenv_exec1(CpuEnv *e, uint32_t insn);
uint32_t cpuenv_read32(CpuEnv *e, uint32_t pa);
void cpuenv_write32(CpuEnv *e, uint32_t pa, uint32_t v);

#endif /* TESTS_LIB_CPUENV_H */
