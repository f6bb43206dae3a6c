#include "tests/lib/cpuenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CpuEnv *cpuenv_new(uint32_t ram_mib)
{
    return cpuenv_new_rom(ram_mib, 1u << 20);
}

CpuEnv *cpuenv_new_rom(uint32_t ram_mib, uint32_t rom_size)
{
    CpuEnv *e = calloc(1, sizeof(*e));
    if (!e || bus_init(&e->bus, ram_mib << 20, 0xFFF00000u, rom_size) || ppc_init(&e->cpu, &e->bus)) {
        fprintf(stderr, "cpuenv: out of memory\n");
        exit(1);
    }
    e->cpu.pc = 0;
    e->cpu.msr = MSR_FP;
    /* PPCEMU_ACCEL=jit|lockstep runs every CPU test under that engine */
    const char *accel = getenv("PPCEMU_ACCEL");
    int engine = !accel || !strcmp(accel, "interp") ? PPC_ENGINE_INTERP
                 : !strcmp(accel, "jit")            ? PPC_ENGINE_JIT
                 : !strcmp(accel, "lockstep")       ? PPC_ENGINE_LOCKSTEP
                                                    : -1;
    if (engine < 0 || ppc_set_engine(&e->cpu, engine)) {
        fprintf(stderr, "cpuenv: PPCEMU_ACCEL=%s: no such engine on this host\n", accel);
        exit(1);
    }
    return e;
}

void cpuenv_free(CpuEnv *e)
{
    ppc_free(&e->cpu);
    bus_free(&e->bus);
    free(e);
}

void cpuenv_put_code(CpuEnv *e, uint32_t pa, const uint32_t *insns, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        bus_write(&e->bus, pa + 4 * i, insns[i], 4);
    ppc_invalidate_code(&e->cpu, pa, 4 * n);
}

int cpuenv_exec1(CpuEnv *e, uint32_t insn)
{
    cpuenv_put_code(e, 0, &insn, 1);
    e->cpu.pc = 0;
    return ppc_run(&e->cpu, 1);
}

uint32_t cpuenv_read32(CpuEnv *e, uint32_t pa) { return bus_read(&e->bus, pa, 4); }
void cpuenv_write32(CpuEnv *e, uint32_t pa, uint32_t v) { bus_write(&e->bus, pa, v, 4); }
