/* Fixed-point arithmetic, logical, rotate/shift, compare and CR
 * instructions, one at a time, with hand-computed results (PEM chapter 8).
 * Registers: rD/rA-result = r3, first source r4, second source r5; r0 holds
 * a non-zero value so that "(rA|0)" forms show they ignore it. */
#include <check.h>
#include <stdio.h>

#include "tests/lib/cpuenv.h"

/* ---- encoders (PEM Appendix A) ---- */
#define ENC_D(op, d, a, imm) (((uint32_t)(op) << 26) | ((d) << 21) | ((a) << 16) | ((imm) & 0xFFFFu))
#define ENC_XO(d, a, b, oe, xo, rc) \
    ((31u << 26) | ((d) << 21) | ((a) << 16) | ((b) << 11) | ((oe) << 10) | ((xo) << 1) | (rc))
#define ENC_X(s, a, b, xo, rc) ((31u << 26) | ((s) << 21) | ((a) << 16) | ((b) << 11) | ((xo) << 1) | (rc))
#define ENC_M(op, s, a, sh, mb, me, rc) \
    (((uint32_t)(op) << 26) | ((s) << 21) | ((a) << 16) | ((sh) << 11) | ((mb) << 6) | ((me) << 1) | (rc))
#define ENC_XL(bt, ba, bb, xo) ((19u << 26) | ((bt) << 21) | ((ba) << 16) | ((bb) << 11) | ((xo) << 1))

/* rD = r3, rA = r4, rB = r5 */
#define XO3(xo, oe, rc) ENC_XO(3u, 4u, 5u, oe, xo, rc)
/* rA = r3, rS = r4, rB = r5 */
#define X3(xo, rc) ENC_X(4u, 3u, 5u, xo, rc)

#define SO 0x80000000u
#define OV 0x40000000u
#define CA 0x20000000u
#define CR0_LT 0x80000000u
#define CR0_GT 0x40000000u
#define CR0_EQ 0x20000000u
#define CR0_SO 0x10000000u

typedef struct IntCase {
    const char *what;
    uint32_t insn;
    uint32_t r3, r4, r5, xer, cr;          /* before */
    uint32_t want_r3, want_xer, want_cr;   /* after */
} IntCase;

static void run_cases(const IntCase *c, size_t n)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    for (size_t i = 0; i < n; i++, c++) {
        s->gpr[0] = 0x1000;
        s->gpr[3] = c->r3;
        s->gpr[4] = c->r4;
        s->gpr[5] = c->r5;
        s->xer = c->xer;
        s->cr = c->cr;
        ck_assert_int_eq(cpuenv_exec1(e, c->insn), PPC_RUN_BUDGET);
        ck_assert_msg(s->pc == 4, "%s: pc 0x%x (exception?)", c->what, s->pc);
        ck_assert_msg(s->gpr[3] == c->want_r3, "%s: r3 0x%08x want 0x%08x", c->what, s->gpr[3], c->want_r3);
        ck_assert_msg(s->xer == c->want_xer, "%s: xer 0x%08x want 0x%08x", c->what, s->xer, c->want_xer);
        ck_assert_msg(s->cr == c->want_cr, "%s: cr 0x%08x want 0x%08x", c->what, s->cr, c->want_cr);
        ck_assert_msg(s->gpr[4] == c->r4 && s->gpr[5] == c->r5 && s->gpr[0] == 0x1000,
                      "%s: a source register changed", c->what);
    }
    cpuenv_free(e);
}

#define RUN(tbl) run_cases(tbl, sizeof(tbl) / sizeof(tbl[0]))

/* XO-form opcodes */
enum { ADD = 266, ADDC = 10, ADDE = 138, ADDME = 234, ADDZE = 202, SUBF = 40, SUBFC = 8,
       SUBFE = 136, SUBFME = 232, SUBFZE = 200, NEG = 104, MULLW = 235, MULHW = 75,
       MULHWU = 11, DIVW = 491, DIVWU = 459 };

static const IntCase arith_cases[] = {
    { "add", XO3(ADD, 0, 0), 0, 1, 2, 0, 0, 3, 0, 0 },
    { "addo overflow", XO3(ADD, 1, 0), 0, 0x7FFFFFFF, 1, 0, 0, 0x80000000, SO | OV, 0 },
    { "addo. keeps SO, clears nothing else", XO3(ADD, 1, 1), 0, 1, 1, SO, 0, 2, SO, CR0_GT | CR0_SO },
    { "addo clears OV, SO sticky", XO3(ADD, 1, 0), 0, 1, 1, SO | OV, 0, 2, SO, 0 },
    { "add. zero with SO", XO3(ADD, 0, 1), 0, 5, 0xFFFFFFFB, SO, 0, 0, SO, CR0_EQ | CR0_SO },
    { "add leaves CA", XO3(ADD, 0, 0), 0, 0xFFFFFFFF, 1, CA, 0, 0, CA, 0 },
    { "addc carry", XO3(ADDC, 0, 0), 0, 0xFFFFFFFF, 1, 0, 0, 0, CA, 0 },
    { "addc clears CA", XO3(ADDC, 0, 0), 0, 1, 1, CA, 0, 2, 0, 0 },
    { "addc no OV without OE", XO3(ADDC, 0, 0), 0, 0x80000000, 0x80000000, 0, 0, 0, CA, 0 },
    { "addco. CA OV", XO3(ADDC, 1, 1), 0, 0x80000000, 0x80000000, 0, 0, 0, CA | OV | SO, CR0_EQ | CR0_SO },
    { "adde carry in and out", XO3(ADDE, 0, 0), 0, 0xFFFFFFFF, 0, CA, 0, 0, CA, 0 },
    { "adde carry in", XO3(ADDE, 0, 0), 0, 1, 2, CA, 0, 4, 0, 0 },
    { "addeo overflow via carry", XO3(ADDE, 1, 0), 0, 0x7FFFFFFF, 0, CA, 0, 0x80000000, SO | OV, 0 },
    { "addme no CA", XO3(ADDME, 0, 0), 0, 0, 0, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "addme CA", XO3(ADDME, 0, 0), 0, 0, 0, CA, 0, 0, CA, 0 },
    { "addmeo overflow", XO3(ADDME, 1, 0), 0, 0x80000000, 0, 0, 0, 0x7FFFFFFF, CA | OV | SO, 0 },
    { "addze CA", XO3(ADDZE, 0, 0), 0, 0xFFFFFFFF, 0, CA, 0, 0, CA, 0 },
    { "addzeo overflow", XO3(ADDZE, 1, 0), 0, 0x7FFFFFFF, 0, CA, 0, 0x80000000, SO | OV, 0 },
    { "subf", XO3(SUBF, 0, 0), 0, 5, 3, CA, 0, 0xFFFFFFFE, CA, 0 },
    { "subf. negative", XO3(SUBF, 0, 1), 0, 5, 3, 0, 0, 0xFFFFFFFE, 0, CR0_LT },
    { "subfo overflow", XO3(SUBF, 1, 0), 0, 1, 0x80000000, 0, 0, 0x7FFFFFFF, SO | OV, 0 },
    { "subfc borrow", XO3(SUBFC, 0, 0), 0, 5, 3, CA, 0, 0xFFFFFFFE, 0, 0 },
    { "subfc no borrow", XO3(SUBFC, 0, 0), 0, 3, 5, 0, 0, 2, CA, 0 },
    { "subfc 0-0", XO3(SUBFC, 0, 0), 0, 0, 0, 0, 0, 0, CA, 0 },
    { "subfe CA=0", XO3(SUBFE, 0, 0), 0, 1, 3, 0, 0, 1, CA, 0 },
    { "subfe CA=1", XO3(SUBFE, 0, 0), 0, 1, 3, CA, 0, 2, CA, 0 },
    { "subfe borrow", XO3(SUBFE, 0, 0), 0, 3, 3, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "subfme", XO3(SUBFME, 0, 0), 0, 0, 0, 0, 0, 0xFFFFFFFE, CA, 0 },
    { "subfme CA", XO3(SUBFME, 0, 0), 0, 0xFFFFFFFF, 0, CA, 0, 0, CA, 0 },
    { "subfme no carry", XO3(SUBFME, 0, 0), 0, 0xFFFFFFFF, 0, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "subfze CA", XO3(SUBFZE, 0, 0), 0, 0, 0, CA, 0, 0, CA, 0 },
    { "subfze", XO3(SUBFZE, 0, 0), 0, 1, 0, 0, 0, 0xFFFFFFFE, 0, 0 },
    { "subfzeo overflow", XO3(SUBFZE, 1, 0), 0, 0x80000000, 0, CA, 0, 0x80000000, SO | OV, 0 },
    { "neg", XO3(NEG, 0, 0), 0, 5, 0, CA, 0, 0xFFFFFFFB, CA, 0 },
    { "nego min", XO3(NEG, 1, 0), 0, 0x80000000, 0, 0, 0, 0x80000000, SO | OV, 0 },
    { "nego. zero", XO3(NEG, 1, 1), 0, 0, 0, OV, 0, 0, 0, CR0_EQ },
    { "mullw low word", XO3(MULLW, 0, 0), 0, 0x10000, 0x10000, 0, 0, 0, 0, 0 },
    { "mullwo overflow", XO3(MULLW, 1, 0), 0, 0x10000, 0x10000, 0, 0, 0, SO | OV, 0 },
    { "mullw signed", XO3(MULLW, 0, 1), 0, 0xFFFFFFFD, 7, 0, 0, 0xFFFFFFEB, 0, CR0_LT },
    { "mullwo -1*min", XO3(MULLW, 1, 0), 0, 0xFFFFFFFF, 0x80000000, 0, 0, 0x80000000, SO | OV, 0 },
    { "mullwo fits", XO3(MULLW, 1, 0), 0, 0x7FFFFFFF, 1, OV, 0, 0x7FFFFFFF, 0, 0 },
    { "mulhw -1*1", XO3(MULHW, 0, 0), 0, 0xFFFFFFFF, 1, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "mulhw. min*min", XO3(MULHW, 0, 1), 0, 0x80000000, 0x80000000, 0, 0, 0x40000000, 0, CR0_GT },
    { "mulhwu", XO3(MULHWU, 0, 0), 0, 0xFFFFFFFF, 2, 0, 0, 1, 0, 0 },
    { "divw truncates", XO3(DIVW, 0, 0), 0, 0xFFFFFFF9, 2, 0, 0, 0xFFFFFFFD, 0, 0 },
    { "divw +/0 -> 0", XO3(DIVW, 0, 0), 0, 7, 0, 0, 0, 0, 0, 0 },
    { "divw -/0 -> -1", XO3(DIVW, 0, 0), 0, 0xFFFFFFF9, 0, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "divwo min/-1", XO3(DIVW, 1, 0), 0, 0x80000000, 0xFFFFFFFF, 0, 0, 0xFFFFFFFF, SO | OV, 0 },
    { "divwo. 5/0", XO3(DIVW, 1, 1), 0, 5, 0, 0, 0, 0, SO | OV, CR0_EQ | CR0_SO },
    { "divwo ok clears OV", XO3(DIVW, 1, 0), 0, 100, 7, OV, 0, 14, 0, 0 },
    { "divwu", XO3(DIVWU, 0, 0), 0, 0xFFFFFFFF, 2, 0, 0, 0x7FFFFFFF, 0, 0 },
    { "divwuo /0", XO3(DIVWU, 1, 0), 0, 0xFFFFFFFF, 0, 0, 0, 0, SO | OV, 0 },
    /* D-form */
    { "li ignores r0", ENC_D(14, 3u, 0u, 0xFFFF), 0, 0, 0, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "addi", ENC_D(14, 3u, 4u, 0xFFFF), 0, 0, 0, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "lis", ENC_D(15, 3u, 0u, 0x1234), 0, 0, 0, 0, 0, 0x12340000, 0, 0 },
    { "addis", ENC_D(15, 3u, 4u, 0x8000), 0, 1, 0, 0, 0, 0x80000001, 0, 0 },
    { "addic carry", ENC_D(12, 3u, 4u, 1), 0, 0xFFFFFFFF, 0, 0, 0, 0, CA, 0 },
    { "addic. -1", ENC_D(13, 3u, 4u, 0xFFFF), 0, 1, 0, SO, 0, 0, SO | CA, CR0_EQ | CR0_SO },
    { "addic uses r0", ENC_D(12, 3u, 0u, 1), 0, 0, 0, 0, 0, 0x1001, 0, 0 },
    { "subfic borrow", ENC_D(8, 3u, 4u, 0), 0, 1, 0, CA, 0, 0xFFFFFFFF, 0, 0 },
    { "subfic", ENC_D(8, 3u, 4u, 5), 0, 5, 0, 0, 0, 0, CA, 0 },
    { "mulli", ENC_D(7, 3u, 4u, 0xFFFD), 0, 0xFFFFFFFE, 0, 0, 0, 6, 0, 0 },
};

START_TEST(arith)
{
    RUN(arith_cases);
}
END_TEST

static const IntCase logic_cases[] = {
    { "and", X3(28, 0), 0, 0xF0F0F0F0, 0xFF00FF00, 0, 0, 0xF000F000, 0, 0 },
    { "and.", X3(28, 1), 0, 0xF0F0F0F0, 0xFF00FF00, 0, 0, 0xF000F000, 0, CR0_LT },
    { "andc", X3(60, 0), 0, 0xF0F0F0F0, 0xFF00FF00, 0, 0, 0x00F000F0, 0, 0 },
    { "or", X3(444, 0), 0, 0x0F, 0xF0, 0, 0, 0xFF, 0, 0 },
    { "orc.", X3(412, 1), 0, 0, 0xFFFFFFFF, 0, 0, 0, 0, CR0_EQ },
    { "xor", X3(316, 0), 0, 0xFF00, 0x0FF0, 0, 0, 0xF0F0, 0, 0 },
    { "nand", X3(476, 0), 0, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 0, 0, 0 },
    { "nor.", X3(124, 1), 0, 0, 0, SO, 0, 0xFFFFFFFF, SO, CR0_LT | CR0_SO },
    { "eqv", X3(284, 0), 0, 0x12345678, 0x12345678, 0, 0, 0xFFFFFFFF, 0, 0 },
    { "extsb neg", X3(954, 0), 0, 0x80, 0, 0, 0, 0xFFFFFF80, 0, 0 },
    { "extsb pos", X3(954, 0), 0, 0x17F, 0, 0, 0, 0x7F, 0, 0 },
    { "extsh neg", X3(922, 0), 0, 0x8000, 0, 0, 0, 0xFFFF8000, 0, 0 },
    { "extsh.", X3(922, 1), 0, 0x12347FFF, 0, 0, 0, 0x7FFF, 0, CR0_GT },
    { "cntlzw 0", X3(26, 0), 0, 0, 0, 0, 0, 32, 0, 0 },
    { "cntlzw 1", X3(26, 0), 0, 1, 0, 0, 0, 31, 0, 0 },
    { "cntlzw. msb", X3(26, 1), 0, 0x80000000, 0, 0, 0, 0, 0, CR0_EQ },
    { "ori", ENC_D(24, 4u, 3u, 0x8000), 0, 0x10000, 0, 0, 0, 0x18000, 0, 0 },
    { "nop", ENC_D(24, 0u, 0u, 0), 0x55, 0, 0, 0, 0, 0x55, 0, 0 },
    { "oris", ENC_D(25, 4u, 3u, 0x8000), 0, 0x10000, 0, 0, 0, 0x80010000, 0, 0 },
    { "xori", ENC_D(26, 4u, 3u, 0xFFFF), 0, 0x1234F0F0, 0, 0, 0, 0x12340F0F, 0, 0 },
    { "xoris", ENC_D(27, 4u, 3u, 0xFFFF), 0, 0x1234F0F0, 0, 0, 0, 0xEDCBF0F0, 0, 0 },
    { "andi. zero", ENC_D(28, 4u, 3u, 0x00F0), 0, 0xFFFF0F0F, 0, SO, 0, 0, SO, CR0_EQ | CR0_SO },
    { "andis.", ENC_D(29, 4u, 3u, 0x8000), 0, 0x80000001, 0, 0, 0, 0x80000000, 0, CR0_LT },
};

START_TEST(logic)
{
    RUN(logic_cases);
}
END_TEST

static const IntCase rotate_cases[] = {
    { "rotlwi 8", ENC_M(21, 4u, 3u, 8u, 0u, 31u, 0), 0, 0x12345678, 0, 0, 0, 0x34567812, 0, 0 },
    { "clrlwi 24", ENC_M(21, 4u, 3u, 0u, 24u, 31u, 0), 0, 0x12345678, 0, 0, 0, 0x78, 0, 0 },
    { "rlwinm wrapped mask", ENC_M(21, 4u, 3u, 4u, 28u, 3u, 0), 0, 0x12345678, 0, 0, 0, 0x20000001, 0, 0 },
    { "rlwinm.", ENC_M(21, 4u, 3u, 1u, 31u, 31u, 1), 0, 0x80000000, 0, 0, 0, 1, 0, CR0_GT },
    { "slwi 31 via rlwinm", ENC_M(21, 4u, 3u, 31u, 0u, 0u, 0), 0, 1, 0, 0, 0, 0x80000000, 0, 0 },
    { "rlwnm low 5 bits", ENC_M(23, 4u, 3u, 5u, 0u, 31u, 0), 0, 0x12345678, 0x24, 0, 0, 0x23456781, 0, 0 },
    { "rlwnm. masked", ENC_M(23, 4u, 3u, 5u, 16u, 31u, 1), 0, 0x12345678, 16, 0, 0, 0x1234, 0, CR0_GT },
    { "rlwimi insert", ENC_M(20, 4u, 3u, 8u, 16u, 23u, 0), 0xAAAAAAAA, 0xCD, 0, 0, 0, 0xAAAACDAA, 0, 0 },
    { "rlwimi.", ENC_M(20, 4u, 3u, 0u, 0u, 0u, 1), 0x7FFFFFFF, 0x80000000, 0, 0, 0, 0xFFFFFFFF, 0, CR0_LT },
    { "slw 31", X3(24, 0), 0, 1, 31, 0, 0, 0x80000000, 0, 0 },
    { "slw 32", X3(24, 0), 0, 1, 32, 0, 0, 0, 0, 0 },
    { "slw 63", X3(24, 0), 0, 0xFFFFFFFF, 63, 0, 0, 0, 0, 0 },
    { "slw uses 6 bits", X3(24, 0), 0, 1, 0x44, 0, 0, 0x10, 0, 0 },
    { "slw.", X3(24, 1), 0, 3, 32, 0, 0, 0, 0, CR0_EQ },
    { "srw 31", X3(536, 0), 0, 0x80000000, 31, 0, 0, 1, 0, 0 },
    { "srw 32", X3(536, 0), 0, 0x80000000, 32, 0, 0, 0, 0, 0 },
    { "sraw no ones out", X3(792, 0), 0, 0x80000000, 4, CA, 0, 0xF8000000, 0, 0 },
    { "sraw ones out", X3(792, 0), 0, 0x80000001, 1, 0, 0, 0xC0000000, CA, 0 },
    { "sraw 32 neg", X3(792, 0), 0, 0x80000000, 32, 0, 0, 0xFFFFFFFF, CA, 0 },
    { "sraw 40 pos", X3(792, 0), 0, 0x7FFFFFFF, 40, CA, 0, 0, 0, 0 },
    { "sraw 0", X3(792, 0), 0, 0xFFFFFFFF, 0, CA, 0, 0xFFFFFFFF, 0, 0 },
    { "sraw. pos ones out", X3(792, 1), 0, 0x0000000F, 4, 0, 0, 0, 0, CR0_EQ },
    { "srawi 1 neg", ENC_X(4u, 3u, 1u, 824, 0), 0, 0xFFFFFFFF, 0, 0, 0, 0xFFFFFFFF, CA, 0 },
    { "srawi 4 pos", ENC_X(4u, 3u, 4u, 824, 0), 0, 0x10, 0, CA, 0, 1, 0, 0 },
    { "srawi 0 neg", ENC_X(4u, 3u, 0u, 824, 0), 0, 0x80000000, 0, CA, 0, 0x80000000, 0, 0 },
    { "srawi. 31", ENC_X(4u, 3u, 31u, 824, 1), 0, 0x80000000, 0, 0, 0, 0xFFFFFFFF, 0, CR0_LT },
};

START_TEST(rotate_shift)
{
    RUN(rotate_cases);
}
END_TEST

/* compare into field crf: X-form rd field = crf << 2 */
#define CMP(crf, xo) ENC_X((crf) << 2, 4u, 5u, xo, 0)
#define CMPI(op, crf, imm) ENC_D(op, (crf) << 2, 4u, imm)

static const IntCase cmp_cases[] = {
    { "cmp cr5 lt", CMP(5u, 0), 9, 0xFFFFFFFF, 1, 0, 0, 9, 0, 0x800 },
    { "cmpl cr5 gt", CMP(5u, 32), 9, 0xFFFFFFFF, 1, 0, 0, 9, 0, 0x400 },
    { "cmp keeps other fields", CMP(0u, 0), 9, 3, 3, 0, 0x0FFFFFFF, 9, 0, 0x2FFFFFFF },
    { "cmpi cr7 eq so", CMPI(11, 7u, 0xFFFF), 9, 0xFFFFFFFF, 0, SO, 0, 9, SO, 0x3 },
    { "cmpli cr0 gt", CMPI(10, 0u, 0xFFFF), 9, 0x10000, 0, 0, 0xF0000000, 9, 0, CR0_GT },
    { "cmpli is unsigned", CMPI(10, 0u, 0xFFFF), 9, 5, 0, 0, 0, 9, 0, CR0_LT },
    { "cmpi cr1 signed imm", CMPI(11, 1u, 0xFFFB), 9, 5, 0, 0, 0, 9, 0, 0x04000000 },
};

START_TEST(compare)
{
    RUN(cmp_cases);
}
END_TEST

static const IntCase cr_cases[] = {
    { "crand", ENC_XL(0u, 2u, 3u, 257), 0, 0, 0, 0, 0x30000000, 0, 0, 0xB0000000 },
    { "crandc", ENC_XL(31u, 2u, 3u, 129), 0, 0, 0, 0, 0x30000001, 0, 0, 0x30000000 },
    { "crxor", ENC_XL(31u, 2u, 31u, 193), 0, 0, 0, 0, 0x30000000, 0, 0, 0x30000001 },
    { "crclr", ENC_XL(3u, 3u, 3u, 193), 0, 0, 0, 0, 0x30000000, 0, 0, 0x20000000 },
    { "crnor", ENC_XL(4u, 0u, 1u, 33), 0, 0, 0, 0, 0x30000000, 0, 0, 0x38000000 },
    { "crnand", ENC_XL(2u, 2u, 3u, 225), 0, 0, 0, 0, 0x30000000, 0, 0, 0x10000000 },
    { "cror", ENC_XL(5u, 0u, 3u, 449), 0, 0, 0, 0, 0x30000000, 0, 0, 0x34000000 },
    { "creqv", ENC_XL(2u, 2u, 0u, 289), 0, 0, 0, 0, 0x30000000, 0, 0, 0x10000000 },
    { "crorc", ENC_XL(0u, 0u, 1u, 417), 0, 0, 0, 0, 0x30000000, 0, 0, 0xB0000000 },
    { "mcrf cr7,cr0", ENC_XL(7u << 2, 0u << 2, 0u, 0), 0, 0, 0, 0, 0x90000000, 0, 0, 0x90000009 },
    { "mcrxr cr2", ENC_X(2u << 2, 0u, 0u, 512, 0), 0, 0, 0, 0xE000007F, 0, 0, 0x7F, 0x00E00000 },
    { "mtcrf 0x81", ENC_X(4u, 0x8u, 0x2u, 144, 0), 0, 0x12345678, 0, 0, 0xAAAAAAAA, 0, 0, 0x1AAAAAA8 },
    { "mtcr", ENC_X(4u, 0xFu, 0x1Eu, 144, 0), 0, 0x12345678, 0, 0, 0xAAAAAAAA, 0, 0, 0x12345678 },
    { "mfcr", ENC_X(3u, 0u, 0u, 19, 0), 0, 0, 0, 0, 0xDEADBEEF, 0xDEADBEEF, 0, 0xDEADBEEF },
};

START_TEST(cr_ops)
{
    RUN(cr_cases);
}
END_TEST

/* A short program: 64-bit add with addc/adde and a carry chain */
START_TEST(carry_chain_program)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    /* (r3:r4) = (r5:r6) + (r7:r8) */
    uint32_t code[] = {
        ENC_XO(4u, 6u, 8u, 0, ADDC, 0),
        ENC_XO(3u, 5u, 7u, 0, ADDE, 0),
    };
    cpuenv_put_code(e, 0x100, code, 2);
    s->gpr[5] = 0x00000001; s->gpr[6] = 0xFFFFFFFF;
    s->gpr[7] = 0x00000002; s->gpr[8] = 0x00000001;
    s->pc = 0x100;
    ck_assert_int_eq(ppc_run(s, 2), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->gpr[3], 4);
    ck_assert_uint_eq(s->gpr[4], 0);
    ck_assert_uint_eq(s->xer, 0);
    cpuenv_free(e);
}
END_TEST

Suite *suite_int(void)
{
    Suite *s = suite_create("int");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, arith);
    tcase_add_test(tc, logic);
    tcase_add_test(tc, rotate_shift);
    tcase_add_test(tc, compare);
    tcase_add_test(tc, cr_ops);
    tcase_add_test(tc, carry_chain_program);
    suite_add_tcase(s, tc);
    return s;
}
