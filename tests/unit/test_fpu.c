/* FPU unit tests with hand-derived expected values, for what the hardware
 * vectors do not cover: estimates, conversions, frsp, fsel, the FPSCR
 * instructions, single loads/stores, overflow/underflow handling, enabled
 * exceptions and FP unavailable. */
#include <check.h>
#include <string.h>

#include "cpu/fpu.h"
#include "tests/lib/cpuenv.h"

#define A_FORM(p, d, a, b, c, xo) \
    (((uint32_t)(p) << 26) | ((d) << 21) | ((a) << 16) | ((b) << 11) | ((c) << 6) | ((xo) << 1))
#define X_FORM(p, d, a, b, xo) (((uint32_t)(p) << 26) | ((d) << 21) | ((a) << 16) | ((b) << 11) | ((xo) << 1))
#define D_FORM(p, d, a, imm) (((uint32_t)(p) << 26) | ((d) << 21) | ((a) << 16) | ((imm) & 0xFFFF))

static uint64_t B(double d)
{
    uint64_t x;
    memcpy(&x, &d, 8);
    return x;
}

/* a nop (ori 0,0,0) at the program and FP-unavailable vectors: the one
 * instruction budget then ends right after the exception is taken */
#define NOP 0x60000000u
#define AFTER_PROGRAM 0x704
#define AFTER_FPU 0x804

static CpuEnv *env(void)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t nop = NOP;
    cpuenv_put_code(e, 0x700, &nop, 1);
    cpuenv_put_code(e, 0x800, &nop, 1);
    e->cpu.fpscr = 0;
    e->cpu.cr = 0;
    return e;
}

/* run one instruction with f1 = a, f2 = b, f3 = c; result in f4 */
static void run3(CpuEnv *e, uint32_t insn, uint64_t a, uint64_t b, uint64_t c)
{
    e->cpu.fpr[1] = a;
    e->cpu.fpr[2] = b;
    e->cpu.fpr[3] = c;
    e->cpu.fpr[4] = 0x1234567812345678ull;
    cpuenv_exec1(e, insn);
}

#define FADD  A_FORM(63, 4, 1, 2, 0, 21)
#define FMUL  A_FORM(63, 4, 1, 0, 3, 25)
#define FMULS A_FORM(59, 4, 1, 0, 3, 25)
#define FDIV  A_FORM(63, 4, 1, 2, 0, 18)
#define FRES  A_FORM(59, 4, 0, 2, 0, 24)
#define FRSQRTE A_FORM(63, 4, 0, 2, 0, 26)
#define FSEL  A_FORM(63, 4, 1, 2, 3, 23)
#define FRSP  X_FORM(63, 4, 0, 2, 12)
#define FCTIW X_FORM(63, 4, 0, 2, 14)
#define FCTIWZ X_FORM(63, 4, 0, 2, 15)

START_TEST(fres_estimates)
{
    CpuEnv *e = env();
    /* the 750's table estimates (test_fpu750.c has more): fres(2.0) is
     * 0x3EFFF800 on silicon, not 0.5 */
    run3(e, FRES, 0, B(2.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x3FDFFF0000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr & FPSCR_FPRF, FPRF_PNORM);
    /* fres(3.0): entry 16 exactly, 0x1554 << 9 = 0x2AA800 -> 0x3EAAA800,
     * within 1/4096 of 1/3 */
    run3(e, FRES, 0, B(3.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x3FD5550000000000ull);
    /* an estimate: XX is not among the bits fres alters; FI is the
     * estimate's extra bit, 0 here */
    ck_assert_uint_eq(e->cpu.fpscr, FPRF_PNORM);
    /* 1/2^-130 overflows single: OX, and the 750's estimate saturates at
     * FLT_MAX with FI (as for 2^-149 on silicon, test_fpu750.c) */
    run3(e, FRES, 0, B(0x1p-130), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x47EFFFFFE0000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_OX | FPSCR_FI | FPRF_PNORM);
    e->cpu.fpscr = 0;
    run3(e, FRES, 0, B(-0.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF0000000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_ZX | FPRF_NINF);
    e->cpu.fpscr = 0;
    run3(e, FRES, 0, 0xFFF0000000000000ull, 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x8000000000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPRF_NZERO);
    run3(e, FRES, 0, 0x7FF4000000000000ull, 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x7FFC000000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN | FPRF_QNAN);
    cpuenv_free(e);
}
END_TEST

START_TEST(frsqrte_estimates)
{
    CpuEnv *e = env();
    /* 0x7FF4 << 37 below 0.5: 0x3FDFFE80_00000000 (750CL table) */
    run3(e, FRSQRTE, 0, B(4.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x3FDFFE8000000000ull);
    run3(e, FRSQRTE, 0, B(2.0), 0);
    double r;
    memcpy(&r, &e->cpu.fpr[4], 8);
    ck_assert(r > 0.70710678 * (1 - 1.0 / 32) && r < 0.70710678 * (1 + 1.0 / 32));
    e->cpu.fpscr = 0;
    run3(e, FRSQRTE, 0, B(-1.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], FP_DEFAULT_QNAN);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_VX | FPSCR_VXSQRT | FPRF_QNAN);
    e->cpu.fpscr = 0;
    run3(e, FRSQRTE, 0, B(0.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x7FF0000000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_ZX | FPRF_PINF);
    e->cpu.fpscr = 0;
    run3(e, FRSQRTE, 0, 0x7FF0000000000000ull, 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0);
    ck_assert_uint_eq(e->cpu.fpscr, FPRF_PZERO);
    cpuenv_free(e);
}
END_TEST

START_TEST(fctiw_conversions)
{
    CpuEnv *e = env();
    /* 2.5 -> 2 (tie to even): inexact, not incremented */
    run3(e, FCTIW, 0, B(2.5), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000000000002ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_XX | FPSCR_FI);
    /* 3.5 -> 4: incremented */
    e->cpu.fpscr = 0;
    run3(e, FCTIW, 0, B(3.5), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000000000004ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR);
    /* -2.5 in round toward -inf -> -3 */
    e->cpu.fpscr = FP_RN_MINF;
    run3(e, FCTIW, 0, B(-2.5), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF80000FFFFFFFDull);
    /* fctiwz ignores RN */
    e->cpu.fpscr = FP_RN_PINF;
    run3(e, FCTIWZ, 0, B(-3.75), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF80000FFFFFFFDull);
    ck_assert_uint_eq(e->cpu.fpscr, FP_RN_PINF | FPSCR_FX | FPSCR_XX | FPSCR_FI);
    /* exact: no flags; FPRF untouched */
    e->cpu.fpscr = FPRF_PINF;
    run3(e, FCTIWZ, 0, B(-7.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF80000FFFFFFF9ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPRF_PINF);
    /* out of range and NaN: VXCVI, saturated */
    e->cpu.fpscr = 0;
    run3(e, FCTIW, 0, B(3e9), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF800007FFFFFFFull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_VX | FPSCR_VXCVI);
    run3(e, FCTIW, 0, B(-2147483648.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000080000000ull);
    e->cpu.fpscr = 0;
    run3(e, FCTIW, 0, 0x7FF4000000000000ull, 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000080000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_VX | FPSCR_VXCVI | FPSCR_VXSNAN);
    /* 2^31 - 0.5 rounds (to even) out of range; -2^31 - 0.5 to -2^31 */
    e->cpu.fpscr = 0;
    run3(e, FCTIW, 0, B(2147483647.5), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF800007FFFFFFFull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_VX | FPSCR_VXCVI);
    e->cpu.fpscr = 0;
    run3(e, FCTIW, 0, B(-2147483648.5), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000080000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_XX | FPSCR_FI);
    run3(e, FCTIWZ, 0, B(2147483647.75), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF800007FFFFFFFull);
    /* a zero result from a negative operand: low bit of the high word */
    run3(e, FCTIW, 0, B(-0.25), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000100000000ull);
    run3(e, FCTIWZ, 0, B(-0.0), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF8000100000000ull);
    /* in round-to-minus-infinity -0.25 gives -1: incremented */
    e->cpu.fpscr = FP_RN_MINF;
    run3(e, FCTIW, 0, B(-0.25), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0xFFF80000FFFFFFFFull);
    ck_assert_uint_eq(e->cpu.fpscr, FP_RN_MINF | FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR);
    /* enabled invalid: target unwritten */
    e->cpu.fpscr = FPSCR_VE;
    run3(e, FCTIW, 0, B(1e300), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x1234567812345678ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_VE | FPSCR_FX | FPSCR_FEX | FPSCR_VX | FPSCR_VXCVI);
    cpuenv_free(e);
}
END_TEST

START_TEST(frsp_rounding)
{
    CpuEnv *e = env();
    /* 1 + 2^-24 is a tie between 1 and 1 + 2^-23: even wins */
    run3(e, FRSP, 0, B(1.0 + 0x1p-24), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], B(1.0));
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_XX | FPSCR_FI | FPRF_PNORM);
    /* 1 + 3*2^-25 rounds up to 1 + 2^-23 */
    e->cpu.fpscr = 0;
    run3(e, FRSP, 0, B(1.0 + 3 * 0x1p-25), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], B(1.0 + 0x1p-23));
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR | FPRF_PNORM);
    /* toward zero: truncated */
    e->cpu.fpscr = FP_RN_ZERO;
    run3(e, FRSP, 0, B(-(1.0 + 3 * 0x1p-25)), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], B(-1.0));
    /* single overflow */
    e->cpu.fpscr = 0;
    run3(e, FRSP, 0, B(0x1p130), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x7FF0000000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_OX | FPSCR_XX | FPSCR_FI | FPRF_PINF);
    /* toward zero: the largest single */
    e->cpu.fpscr = FP_RN_ZERO;
    run3(e, FRSP, 0, B(0x1p130), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x47EFFFFFE0000000ull);
    /* exact single denormal: tiny but exact, no underflow (UE = 0) */
    e->cpu.fpscr = 0;
    run3(e, FRSP, 0, B(0x1p-130), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], B(0x1p-130));
    ck_assert_uint_eq(e->cpu.fpscr, FPRF_PDEN);
    /* inexact denormal: UX, XX; 2^-149 * 1.25 -> 2^-149 */
    run3(e, FRSP, 0, B(0x1p-149 * 1.25), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], B(0x1p-149));
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_UX | FPSCR_XX | FPSCR_FI | FPRF_PDEN);
    /* SNaN: quieted and cut to single width */
    e->cpu.fpscr = 0;
    run3(e, FRSP, 0, 0x7FF0000000000001ull | (1ull << 40), 0);
    ck_assert_uint_eq(e->cpu.fpr[4], 0x7FF8010000000000ull);
    ck_assert_uint_eq(e->cpu.fpscr, FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN | FPRF_QNAN);
    cpuenv_free(e);
}
END_TEST

START_TEST(fsel_selects)
{
    CpuEnv *e = env();
    uint64_t b = B(2.0), c = B(3.0);
    run3(e, FSEL, B(0.0), b, c);
    ck_assert_uint_eq(e->cpu.fpr[4], c);
    run3(e, FSEL, B(-0.0), b, c);
    ck_assert_uint_eq(e->cpu.fpr[4], c);
    run3(e, FSEL, B(-1e-300), b, c);
    ck_assert_uint_eq(e->cpu.fpr[4], b);
    run3(e, FSEL, FP_DEFAULT_QNAN, b, c);
    ck_assert_uint_eq(e->cpu.fpr[4], b);
    run3(e, FSEL, 0x7FF0000000000000ull, b, c);
    ck_assert_uint_eq(e->cpu.fpr[4], c);
    ck_assert_uint_eq(e->cpu.fpscr, 0);
    cpuenv_free(e);
}
END_TEST

START_TEST(fpscr_instructions)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    /* mtfsfi 7,3 (RN = 3) with Rc: CR1 from FPSCR[0:3] = 0 */
    s->cr = 0xFFFFFFFF;
    cpuenv_exec1(e, X_FORM(63, 7 << 2, 0, 3 << 1, 134) | 1);
    ck_assert_uint_eq(s->fpscr, 3);
    ck_assert_uint_eq(s->cr, 0xF0FFFFFF);
    /* mtfsb1 4 (UX): FX by the usual rule */
    cpuenv_exec1(e, X_FORM(63, 4, 0, 0, 38));
    ck_assert_uint_eq(s->fpscr, FPSCR_FX | FPSCR_UX | 3);
    /* mtfsb1 2 (VX): cannot be set explicitly */
    cpuenv_exec1(e, X_FORM(63, 2, 0, 0, 38));
    ck_assert_uint_eq(s->fpscr, FPSCR_FX | FPSCR_UX | 3);
    /* mtfsb0 0 (FX) */
    cpuenv_exec1(e, X_FORM(63, 0, 0, 0, 70));
    ck_assert_uint_eq(s->fpscr, FPSCR_UX | 3);
    /* mffs f4: 0xFFF80000 high word */
    cpuenv_exec1(e, X_FORM(63, 4, 0, 0, 583));
    ck_assert_uint_eq(s->fpr[4], 0xFFF8000000000000ull | FPSCR_UX | 3);
    /* mtfsf 0xFF,f5: FX, OX from frB; FEX and VX recomputed, not copied */
    s->fpr[5] = 0x70000000u | FPSCR_VXIDI | FPSCR_VE; /* FEX VX OX + VXIDI + VE */
    cpuenv_exec1(e, X_FORM(63, 0, 0xFF << 1, 5, 711));
    ck_assert_uint_eq(s->fpscr, FPSCR_FEX | FPSCR_VX | FPSCR_OX | FPSCR_VXIDI | FPSCR_VE);
    /* mtfsf 0x01 (field 7) only: RN = 1, others kept */
    s->fpr[5] = 0xFFFFFFF1u;
    cpuenv_exec1(e, X_FORM(63, 0, 0x01 << 1, 5, 711));
    ck_assert_uint_eq(s->fpscr, FPSCR_FEX | FPSCR_VX | FPSCR_OX | FPSCR_VXIDI | FPSCR_VE | 1);
    /* mcrfs cr2, 2 (field 2 = VXIDI..): copies, clears VXIDI, VX follows */
    s->cr = 0;
    cpuenv_exec1(e, X_FORM(63, 2 << 2, 2 << 2, 0, 64));
    ck_assert_uint_eq(ppc_get_crf(s, 2), 0x4);
    ck_assert_uint_eq(s->fpscr, FPSCR_OX | FPSCR_VE | 1);
    /* mcrfs cr0, 0: FX FEX VX OX -> CR0, OX cleared */
    cpuenv_exec1(e, X_FORM(63, 0, 0, 0, 64));
    ck_assert_uint_eq(ppc_get_crf(s, 0), 0x1);
    ck_assert_uint_eq(s->fpscr, FPSCR_VE | 1);
    cpuenv_free(e);
}
END_TEST

START_TEST(single_loads_stores)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    s->gpr[1] = 0x1000;
    /* lfs of the smallest single denormal converts exactly to 2^-149 */
    cpuenv_write32(e, 0x1000, 0x00000001);
    cpuenv_exec1(e, D_FORM(48, 4, 1, 0));
    ck_assert_uint_eq(s->fpr[4], B(0x1p-149));
    /* a larger denormal: 0x00400001 = 2^-127 + 2^-149 */
    cpuenv_write32(e, 0x1004, 0x80400001);
    cpuenv_exec1(e, D_FORM(48, 5, 1, 4));
    ck_assert_uint_eq(s->fpr[5], B(-(0x1p-127 + 0x1p-149)));
    /* lfs of a signalling NaN keeps it signalling, no FPSCR change */
    cpuenv_write32(e, 0x1008, 0x7F800001);
    cpuenv_exec1(e, D_FORM(48, 6, 1, 8));
    ck_assert_uint_eq(s->fpr[6], 0x7FF0000020000000ull);
    ck_assert_uint_eq(s->fpscr, 0);
    /* stfs converts back exactly */
    cpuenv_exec1(e, D_FORM(52, 4, 1, 0x10));
    ck_assert_uint_eq(cpuenv_read32(e, 0x1010), 0x00000001);
    cpuenv_exec1(e, D_FORM(52, 5, 1, 0x14));
    ck_assert_uint_eq(cpuenv_read32(e, 0x1014), 0x80400001);
    /* stfs truncates, it does not round: 1 + 2^-23 + 15*2^-27 -> 0x3F800001 */
    s->fpr[7] = B(1.0 + 0x1p-23 + 15 * 0x1p-27);
    cpuenv_exec1(e, D_FORM(52, 7, 1, 0x18));
    ck_assert_uint_eq(cpuenv_read32(e, 0x1018), 0x3F800001);
    /* stfs of a double in the single-denormal range shifts it: 2^-140 */
    s->fpr[7] = B(0x1p-140 * 1.5);
    cpuenv_exec1(e, D_FORM(52, 7, 1, 0x1C));
    ck_assert_uint_eq(cpuenv_read32(e, 0x101C), 0x00000300);
    /* stfsu updates rA; stfiwx stores the low word */
    cpuenv_exec1(e, D_FORM(53, 4, 1, 0x20));
    ck_assert_uint_eq(s->gpr[1], 0x1020);
    s->fpr[8] = 0xFFF80000DEADBEEFull;
    s->gpr[2] = 4;
    cpuenv_exec1(e, X_FORM(31, 8, 1, 2, 983));
    ck_assert_uint_eq(cpuenv_read32(e, 0x1024), 0xDEADBEEF);
    /* lfdux / stfdx */
    s->fpr[9] = 0x0123456789ABCDEFull;
    s->gpr[2] = 0x10;
    cpuenv_exec1(e, X_FORM(31, 9, 1, 2, 727));
    cpuenv_exec1(e, X_FORM(31, 10, 1, 2, 631));
    ck_assert_uint_eq(s->fpr[10], 0x0123456789ABCDEFull);
    ck_assert_uint_eq(s->gpr[1], 0x1030);
    cpuenv_free(e);
}
END_TEST

START_TEST(overflow_underflow)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    /* fmuls 2^-100 * 2^-40: exact single denormal, no UX */
    run3(e, FMULS, B(0x1p-100), 0, B(0x1p-40));
    ck_assert_uint_eq(s->fpr[4], B(0x1p-140));
    ck_assert_uint_eq(s->fpscr, FPRF_PDEN);
    /* (1 + 2^-20) 2^-100 * 2^-40: the low bits fall off: UX XX */
    run3(e, FMULS, B((1 + 0x1p-20) * 0x1p-100), 0, B(0x1p-40));
    ck_assert_uint_eq(s->fpr[4], B(0x1p-140));
    ck_assert_uint_eq(s->fpscr, FPSCR_FX | FPSCR_UX | FPSCR_XX | FPSCR_FI | FPRF_PDEN);
    /* double: UE enabled, 2^-600 * 2^-600 -> 2^(-1200 + 1536), UX */
    s->fpscr = FPSCR_UE;
    run3(e, FMUL, B(0x1p-600), 0, B(0x1p-600));
    ck_assert_uint_eq(s->fpr[4], B(0x1p336));
    ck_assert_uint_eq(s->fpscr, FPSCR_UE | FPSCR_FX | FPSCR_FEX | FPSCR_UX | FPRF_PNORM);
    /* OE enabled, 2^600 * 2^600 -> 2^(1200 - 1536) */
    s->fpscr = FPSCR_OE;
    run3(e, FMUL, B(0x1p600), 0, B(0x1p600));
    ck_assert_uint_eq(s->fpr[4], B(0x1p-336));
    ck_assert_uint_eq(s->fpscr, FPSCR_OE | FPSCR_FX | FPSCR_FEX | FPSCR_OX | FPRF_PNORM);
    /* single OE: FLT_MAX * 4 -> 2^(129 - 192) ... times 1.99999988 */
    s->fpscr = FPSCR_OE;
    run3(e, FMULS, 0x47EFFFFFE0000000ull, 0, B(4.0));
    ck_assert_uint_eq(s->fpr[4], 0x47EFFFFFE0000000ull - (190ull << 52));
    /* double underflow disabled: 2^-1000 * 2^-70 * 1.5 -> denormal exact */
    s->fpscr = 0;
    run3(e, FMUL, B(0x1p-1000 * 1.5), 0, B(0x1p-70));
    ck_assert_uint_eq(s->fpr[4], B(0x1p-1070 * 1.5));
    ck_assert_uint_eq(s->fpscr, FPRF_PDEN);
    /* tiny before rounding, rounds up to the smallest normal: still UX */
    run3(e, FMUL, B(0x1p-1022 * (1 - 0x1p-52)), 0, B(1.0 + 0x1p-52));
    ck_assert_uint_eq(s->fpr[4], B(0x1p-1022));
    ck_assert_uint_eq(s->fpscr & (FPSCR_UX | FPSCR_XX), FPSCR_UX | FPSCR_XX);
    ck_assert_uint_eq(s->fpscr & FPSCR_FPRF, FPRF_PNORM);
    cpuenv_free(e);
}
END_TEST

START_TEST(enabled_exceptions_trap)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    /* zero divide, ZE=1, FE0=FE1=1: program exception, frD unwritten */
    s->msr = MSR_FP | MSR_FE0 | MSR_FE1;
    s->fpscr = FPSCR_ZE;
    run3(e, FDIV, B(1.0), B(0.0), 0);
    ck_assert_uint_eq(s->pc, AFTER_PROGRAM);
    ck_assert_uint_eq(s->srr0, 0);
    ck_assert(s->srr1 & SRR1_FP_ENABLED);
    ck_assert_uint_eq(s->fpr[4], 0x1234567812345678ull);
    ck_assert_uint_eq(s->fpscr, FPSCR_ZE | FPSCR_FX | FPSCR_FEX | FPSCR_ZX);
    /* same with FE0=FE1=0: no trap, FEX still set, frD unwritten */
    s->msr = MSR_FP;
    s->fpscr = FPSCR_ZE;
    run3(e, FDIV, B(1.0), B(0.0), 0);
    ck_assert_uint_eq(s->pc, 4);
    ck_assert_uint_eq(s->fpr[4], 0x1234567812345678ull);
    ck_assert_uint_eq(s->fpscr, FPSCR_ZE | FPSCR_FX | FPSCR_FEX | FPSCR_ZX);
    /* enabled invalid (inf - inf): unwritten, FPRF kept */
    s->msr = MSR_FP | MSR_FE1;
    s->fpscr = FPSCR_VE | FPRF_PNORM;
    run3(e, FADD, 0x7FF0000000000000ull, 0xFFF0000000000000ull, 0);
    ck_assert_uint_eq(s->pc, AFTER_PROGRAM);
    ck_assert_uint_eq(s->fpr[4], 0x1234567812345678ull);
    ck_assert_uint_eq(s->fpscr, FPSCR_VE | FPSCR_FX | FPSCR_FEX | FPSCR_VX | FPSCR_VXISI | FPRF_PNORM);
    /* enabled inexact: result written, then the trap */
    s->msr = MSR_FP | MSR_FE0;
    s->fpscr = FPSCR_XE;
    run3(e, FADD, B(1.0), B(0x1p-60), 0);
    ck_assert_uint_eq(s->pc, AFTER_PROGRAM);
    ck_assert_uint_eq(s->fpr[4], B(1.0));
    ck_assert_uint_eq(s->fpscr, FPSCR_XE | FPSCR_FX | FPSCR_FEX | FPSCR_XX | FPSCR_FI | FPRF_PNORM);
    /* mtfsb1 VE with VXSNAN already set raises FEX: trap */
    s->msr = MSR_FP | MSR_FE0;
    s->fpscr = FPSCR_VXSNAN | FPSCR_VX | FPSCR_FX;
    cpuenv_exec1(e, X_FORM(63, 24, 0, 0, 38));
    ck_assert_uint_eq(s->pc, AFTER_PROGRAM);
    ck_assert_uint_eq(s->fpscr & FPSCR_FEX, FPSCR_FEX);
    cpuenv_free(e);
}
END_TEST

START_TEST(fp_unavailable)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    static const uint32_t insns[] = {
        FADD, FMULS, FRSP, FCTIW, D_FORM(50, 4, 0, 0x100), D_FORM(54, 4, 0, 0x100),
        X_FORM(63, 4, 0, 0, 583), X_FORM(63, 4, 0, 2, 72), X_FORM(63, 0, 0, 0, 64),
        D_FORM(50, 4, 0, 0x101), /* misaligned too: FP unavailable comes first */
        X_FORM(63, 0, 1, 2, 0), X_FORM(31, 4, 0, 2, 983), FRES, FRSQRTE, FSEL,
    };
    for (unsigned i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        s->msr = 0;
        s->fpscr = 0;
        cpuenv_write32(e, 0x100, 0x11223344);
        run3(e, insns[i], B(1.0), B(2.0), B(3.0));
        ck_assert_uint_eq(s->pc, AFTER_FPU);
        ck_assert_uint_eq(s->srr0, 0);
        ck_assert_uint_eq(s->fpr[4], 0x1234567812345678ull);
        ck_assert_uint_eq(s->fpscr, 0);
        ck_assert_uint_eq(cpuenv_read32(e, 0x100), 0x11223344);
    }
    cpuenv_free(e);
}
END_TEST

START_TEST(fsqrt_is_illegal)
{
    CpuEnv *e = env();
    cpuenv_exec1(e, A_FORM(63, 4, 0, 2, 0, 22));
    ck_assert_uint_eq(e->cpu.pc, AFTER_PROGRAM);
    ck_assert(e->cpu.srr1 & SRR1_ILLEGAL);
    cpuenv_exec1(e, A_FORM(59, 4, 0, 2, 0, 22));
    ck_assert_uint_eq(e->cpu.pc, AFTER_PROGRAM);
    cpuenv_free(e);
}
END_TEST

START_TEST(record_forms_cr1)
{
    CpuEnv *e = env();
    /* fadd. DBL_MAX + DBL_MAX: FX and OX -> CR1 = 1001 */
    run3(e, FADD | 1, 0x7FEFFFFFFFFFFFFFull, 0x7FEFFFFFFFFFFFFFull, 0);
    ck_assert_uint_eq(e->cpu.cr, 0x09000000);
    /* fmr. copies FPSCR[0:3] too */
    e->cpu.fpscr = FPSCR_FX | FPSCR_VX | FPSCR_VXISI;
    e->cpu.cr = 0;
    cpuenv_exec1(e, X_FORM(63, 4, 0, 2, 72) | 1);
    ck_assert_uint_eq(e->cpu.cr, 0x0A000000);
    cpuenv_free(e);
}
END_TEST

START_TEST(nan_rules)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    uint64_t qa = 0x7FF8000000000ABCull, qb = 0xFFF8000000000DEFull;
    /* frA's NaN wins over frB's (PEM 3.3.7) */
    run3(e, FADD, qa, qb, 0);
    ck_assert_uint_eq(s->fpr[4], qa);
    run3(e, FADD, B(1.0), qb, 0);
    ck_assert_uint_eq(s->fpr[4], qb);
    /* fmadd: frB before frC */
    run3(e, A_FORM(63, 4, 1, 2, 3, 29), B(1.0), qb, qa);
    ck_assert_uint_eq(s->fpr[4], qb);
    /* fnmadd does not negate a NaN result */
    run3(e, A_FORM(63, 4, 1, 2, 3, 31), B(1.0), qb, B(1.0));
    ck_assert_uint_eq(s->fpr[4], qb);
    ck_assert_uint_eq(s->fpscr, FPRF_QNAN);
    /* single precision: the NaN is cut to single width */
    run3(e, A_FORM(59, 4, 1, 2, 0, 21), 0x7FF0000123456789ull, B(1.0), 0);
    ck_assert_uint_eq(s->fpr[4], 0x7FF8000120000000ull);
    /* fcmpo with a SNaN and VE=1: VXSNAN only, no VXVC; cr2 unordered */
    s->fpscr = FPSCR_VE;
    s->cr = 0;
    run3(e, X_FORM(63, 2 << 2, 1, 2, 32), 0x7FF0000000000001ull, B(1.0), 0);
    ck_assert_uint_eq(ppc_get_crf(s, 2), 1);
    ck_assert_uint_eq(s->fpscr, FPSCR_VE | FPSCR_FX | FPSCR_FEX | FPSCR_VX | FPSCR_VXSNAN | 0x1000);
    /* fcmpu with QNaN: nothing but FPCC */
    s->fpscr = 0;
    run3(e, X_FORM(63, 0, 1, 2, 0), qa, B(1.0), 0);
    ck_assert_uint_eq(s->fpscr, 0x1000);
    ck_assert_uint_eq(ppc_get_crf(s, 0), 1);
    cpuenv_free(e);
}
END_TEST

START_TEST(directed_rounding_and_fnmadd)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    /* 1 + 2^-60 toward +inf: next double up, FR */
    s->fpscr = FP_RN_PINF;
    run3(e, FADD, B(1.0), B(0x1p-60), 0);
    ck_assert_uint_eq(s->fpr[4], B(1.0 + 0x1p-52));
    ck_assert_uint_eq(s->fpscr, FP_RN_PINF | FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR | FPRF_PNORM);
    /* fnmadd rounds a*c+b (here toward +inf) and then negates:
     * -(1 + 2^-52), where rounding -(x) toward +inf would give -1 */
    s->fpscr = FP_RN_PINF;
    run3(e, A_FORM(63, 4, 1, 2, 3, 31), B(1.0), B(0x1p-60), B(1.0));
    ck_assert_uint_eq(s->fpr[4], B(-(1.0 + 0x1p-52)));
    ck_assert_uint_eq(s->fpscr, FP_RN_PINF | FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR | FPRF_NNORM);
    /* x - x is -0 only toward -inf */
    s->fpscr = FP_RN_MINF;
    run3(e, A_FORM(63, 4, 1, 2, 0, 20), B(3.0), B(3.0), 0);
    ck_assert_uint_eq(s->fpr[4], B(-0.0));
    ck_assert_uint_eq(s->fpscr, FP_RN_MINF | FPRF_NZERO);
    cpuenv_free(e);
}
END_TEST

START_TEST(misaligned_fp_access)
{
    CpuEnv *e = env();
    PPCState *s = &e->cpu;
    uint32_t nop = NOP;
    cpuenv_put_code(e, 0x600, &nop, 1);
    s->gpr[1] = 0x1000;
    s->fpr[4] = 0x1111111111111111ull;
    /* lfd f4,2(r1): not word-aligned -> alignment exception */
    cpuenv_exec1(e, D_FORM(50, 4, 1, 2));
    ck_assert_uint_eq(s->pc, 0x604);
    ck_assert_uint_eq(s->dar, 0x1002);
    ck_assert_uint_eq(s->srr0, 0);
    /* D-form lfd (opcode 50 = 110010): DSISR[17] = bit 5 = 0, [18-21] = 1001 */
    ck_assert_uint_eq(s->dsisr, (0x9u << 10) | (4u << 5) | 1u);
    ck_assert_uint_eq(s->fpr[4], 0x1111111111111111ull);
    /* stfsux f4,r1,r2 with r2 = 1: X-form, rA not updated */
    s->msr = MSR_FP;
    s->gpr[2] = 1;
    cpuenv_exec1(e, X_FORM(31, 4, 1, 2, 695));
    ck_assert_uint_eq(s->pc, 0x604);
    ck_assert_uint_eq(s->dar, 0x1001);
    ck_assert_uint_eq(s->gpr[1], 0x1000);
    /* word-aligned lfd is fine */
    s->msr = MSR_FP;
    cpuenv_write32(e, 0x1004, 0x3FF00000);
    cpuenv_write32(e, 0x1008, 0);
    cpuenv_exec1(e, D_FORM(50, 4, 1, 4));
    ck_assert_uint_eq(s->pc, 4);
    ck_assert_uint_eq(s->fpr[4], B(1.0));
    cpuenv_free(e);
}
END_TEST

Suite *suite_fpu(void)
{
    Suite *s = suite_create("fpu");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fres_estimates);
    tcase_add_test(tc, frsqrte_estimates);
    tcase_add_test(tc, fctiw_conversions);
    tcase_add_test(tc, frsp_rounding);
    tcase_add_test(tc, fsel_selects);
    tcase_add_test(tc, fpscr_instructions);
    tcase_add_test(tc, single_loads_stores);
    tcase_add_test(tc, overflow_underflow);
    tcase_add_test(tc, enabled_exceptions_trap);
    tcase_add_test(tc, fp_unavailable);
    tcase_add_test(tc, fsqrt_is_illegal);
    tcase_add_test(tc, record_forms_cr1);
    tcase_add_test(tc, nan_rules);
    tcase_add_test(tc, misaligned_fp_access);
    tcase_add_test(tc, directed_rounding_and_fnmadd);
    suite_add_tcase(s, tc);
    return s;
}
