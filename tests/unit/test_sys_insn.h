/* Instruction encoders and a test machine for the supervisor/MMU tests
 * (test_sys.c, test_exc.c, test_mmu.c, test_spr.c).  Encodings from PEM
 * chapter 8 / appendix A. */
#ifndef TESTS_UNIT_TEST_SYS_INSN_H
#define TESTS_UNIT_TEST_SYS_INSN_H

#include "tests/lib/cpuenv.h"

#define I_ADDI(rd, ra, imm) ((14u << 26) | ((rd) << 21) | ((ra) << 16) | ((uint32_t)(imm) & 0xFFFF))
#define I_ADDIS(rd, ra, imm) ((15u << 26) | ((rd) << 21) | ((ra) << 16) | ((uint32_t)(imm) & 0xFFFF))
#define I_LWZ(rd, d, ra) ((32u << 26) | ((rd) << 21) | ((ra) << 16) | ((uint32_t)(d) & 0xFFFF))
#define I_STW(rs, d, ra) ((36u << 26) | ((rs) << 21) | ((ra) << 16) | ((uint32_t)(d) & 0xFFFF))
#define I_B(off) ((18u << 26) | ((uint32_t)(off) & 0x03FFFFFC))
#define I_BSELF 0x48000000u
#define I_SC 0x44000002u
#define I_RFI 0x4C000064u
#define I_ISYNC 0x4C00012Cu
#define I_X31(xo, d, a, b) ((31u << 26) | ((d) << 21) | ((a) << 16) | ((b) << 11) | ((xo) << 1))
#define I_MFMSR(rd) I_X31(83u, rd, 0u, 0u)
#define I_MTMSR(rs) I_X31(146u, rs, 0u, 0u)
#define I_MTSR(sr, rs) I_X31(210u, rs, sr, 0u)
#define I_MTSRIN(rs, rb) I_X31(242u, rs, 0u, rb)
#define I_MFSR(rd, sr) I_X31(595u, rd, sr, 0u)
#define I_MFSRIN(rd, rb) I_X31(659u, rd, 0u, rb)
#define I_TLBIE(rb) I_X31(306u, 0u, 0u, rb)
#define I_TLBSYNC 0x7C00046Cu
#define I_TLBIA 0x7C0002E4u
#define I_TW(to, ra, rb) I_X31(4u, to, ra, rb)
#define I_ORI(ra, rs, imm) ((24u << 26) | ((rs) << 21) | ((ra) << 16) | ((uint32_t)(imm) & 0xFFFF))
/* mtspr/mfspr: the SPR number's 5-bit halves are swapped in the encoding */
#define I_SPRF(spr) ((((spr) & 31u) << 16) | (((spr) >> 5) << 11))
#define I_MTSPR(spr, rs) ((31u << 26) | ((rs) << 21) | I_SPRF(spr) | (467u << 1))
#define I_MFSPR(rd, spr) ((31u << 26) | ((rd) << 21) | I_SPRF(spr) | (339u << 1))
#define I_TWI(to, ra, simm) ((3u << 26) | ((to) << 21) | ((ra) << 16) | ((uint32_t)(simm) & 0xFFFF))

/* A machine whose low exception vectors each hold "b ." so that a test can
 * run past an exception and find the CPU parked at the vector. */
static inline CpuEnv *sys_env(void)
{
    static const uint32_t vecs[] = { 0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700, 0x800,
                                     0x900, 0xC00, 0xD00, 0xF00, 0x1300, 0x1400, 0x1700 };
    CpuEnv *e = cpuenv_new(16);
    for (unsigned i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
        uint32_t b = I_BSELF;
        cpuenv_put_code(e, vecs[i], &b, 1);
    }
    return e;
}

/* Run code placed at pa from pc = pa with the given MSR for n instructions */
static inline int sys_run(CpuEnv *e, uint32_t pa, const uint32_t *code, unsigned ncode,
                          uint32_t msr, uint64_t n)
{
    cpuenv_put_code(e, pa, code, ncode);
    e->cpu.msr = msr;
    ppc_tlb_flush(&e->cpu);
    e->cpu.pc = pa;
    return ppc_run(&e->cpu, n);
}

#endif /* TESTS_UNIT_TEST_SYS_INSN_H */
