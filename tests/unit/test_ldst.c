/* Integer loads and stores in every width and addressing form, multiple
 * and string forms, lwarx/stwcx., the cache instructions, icbi with
 * self-modifying code, eciwx/ecowx (PEM chapter 8, 750 UM 4.5.6). */
#include <check.h>
#include <stdio.h>

#include "tests/lib/cpuenv.h"

#define ENC_D(op, d, a, imm) (((uint32_t)(op) << 26) | ((d) << 21) | ((a) << 16) | ((imm) & 0xFFFFu))
#define ENC_X(s, a, b, xo, rc) ((31u << 26) | ((s) << 21) | ((a) << 16) | ((b) << 11) | ((xo) << 1) | (rc))
#define ENC_ADDI(d, a, imm) ENC_D(14, d, a, imm)
#define B_SELF 0x48000000u /* b . */
#define AT 0x1000u
#define DATA 0x4000u
#define OUT 0x4100u

/* Runs insn at AT; the exception vectors hold "b ." so that an exception
 * costs one more instruction and leaves pc at the vector. */
static void run_at(CpuEnv *e, uint32_t insn)
{
    static const uint32_t vectors[] = { 0x300, 0x600, 0x700 };
    uint32_t park = B_SELF;
    for (unsigned i = 0; i < 3; i++)
        cpuenv_put_code(e, vectors[i], &park, 1);
    cpuenv_put_code(e, AT, &insn, 1);
    e->cpu.pc = AT;
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
}

static void put_bytes(CpuEnv *e, uint32_t pa, const uint8_t *b, unsigned n)
{
    ck_assert_int_eq(bus_write_ram(&e->bus, pa, b, n), 0);
}

typedef struct LdCase {
    const char *what;
    uint32_t insn, r4, r5;
    uint32_t want_r3, want_r4;
} LdCase;

/* memory at DATA: 80 81 F2 F3 11 22 33 44; r3 starts as 0xDEAD, r0 as
 * 0x1000 (which the (rA|0) forms must ignore) */
static const LdCase ld_cases[] = {
    { "lbz", ENC_D(34, 3u, 4u, 1), DATA, 0, 0x81, DATA },
    { "lbz rA=0", ENC_D(34, 3u, 0u, DATA), 0, 0, 0x80, 0 },
    { "lbzu", ENC_D(35, 3u, 4u, 1), DATA, 0, 0x81, DATA + 1 },
    { "lbzx", ENC_X(3u, 4u, 5u, 87, 0), DATA, 2, 0xF2, DATA },
    { "lbzx rA=0", ENC_X(3u, 0u, 5u, 87, 0), 0, DATA + 3, 0xF3, 0 },
    { "lbzux", ENC_X(3u, 4u, 5u, 119, 0), DATA, 3, 0xF3, DATA + 3 },
    { "lhz", ENC_D(40, 3u, 4u, 0), DATA, 0, 0x8081, DATA },
    { "lhz +2", ENC_D(40, 3u, 4u, 2), DATA, 0, 0xF2F3, DATA },
    { "lhzu", ENC_D(41, 3u, 4u, 4), DATA, 0, 0x1122, DATA + 4 },
    { "lhzx", ENC_X(3u, 4u, 5u, 279, 0), DATA, 6, 0x3344, DATA },
    { "lhzux", ENC_X(3u, 4u, 5u, 311, 0), DATA, 2, 0xF2F3, DATA + 2 },
    { "lha negative", ENC_D(42, 3u, 4u, 0), DATA, 0, 0xFFFF8081, DATA },
    { "lha positive", ENC_D(42, 3u, 4u, 4), DATA, 0, 0x1122, DATA },
    { "lhau", ENC_D(43, 3u, 4u, 2), DATA, 0, 0xFFFFF2F3, DATA + 2 },
    { "lhax", ENC_X(3u, 4u, 5u, 343, 0), DATA, 0, 0xFFFF8081, DATA },
    { "lhaux", ENC_X(3u, 4u, 5u, 375, 0), DATA, 2, 0xFFFFF2F3, DATA + 2 },
    { "lwz", ENC_D(32, 3u, 4u, 0), DATA, 0, 0x8081F2F3, DATA },
    { "lwz rA=0", ENC_D(32, 3u, 0u, DATA + 4), 0, 0, 0x11223344, 0 },
    { "lwz negative d", ENC_D(32, 3u, 4u, 0xFFFC), DATA + 8, 0, 0x11223344, DATA + 8 },
    { "lwzu", ENC_D(33, 3u, 4u, 4), DATA, 0, 0x11223344, DATA + 4 },
    { "lwzx", ENC_X(3u, 4u, 5u, 23, 0), DATA, 4, 0x11223344, DATA },
    { "lwzux", ENC_X(3u, 4u, 5u, 55, 0), DATA, 4, 0x11223344, DATA + 4 },
    { "lwz misaligned", ENC_D(32, 3u, 4u, 2), DATA, 0, 0xF2F31122, DATA },
    { "lhz misaligned", ENC_D(40, 3u, 4u, 3), DATA, 0, 0xF311, DATA },
    { "lhbrx", ENC_X(3u, 4u, 5u, 790, 0), DATA, 0, 0x8180, DATA },
    { "lhbrx rA=0", ENC_X(3u, 0u, 5u, 790, 0), 0, DATA + 2, 0xF3F2, 0 },
    { "lwbrx", ENC_X(3u, 4u, 5u, 534, 0), DATA, 4, 0x44332211, DATA },
    /* invalid form rA = rD: the loaded value wins (our choice, see ldst.c) */
    { "lwzu rA=rD", ENC_D(33, 4u, 4u, 4), DATA, 0, 0xDEAD, 0x11223344 },
};

START_TEST(loads)
{
    static const uint8_t mem[] = { 0x80, 0x81, 0xF2, 0xF3, 0x11, 0x22, 0x33, 0x44 };
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    put_bytes(e, DATA, mem, sizeof mem);
    for (size_t i = 0; i < sizeof ld_cases / sizeof ld_cases[0]; i++) {
        const LdCase *c = &ld_cases[i];
        s->gpr[0] = 0x1000;
        s->gpr[3] = 0xDEAD;
        s->gpr[4] = c->r4;
        s->gpr[5] = c->r5;
        run_at(e, c->insn);
        ck_assert_msg(s->pc == AT + 4, "%s: pc 0x%x", c->what, s->pc);
        ck_assert_msg(s->gpr[3] == c->want_r3, "%s: r3 0x%08x want 0x%08x", c->what, s->gpr[3], c->want_r3);
        ck_assert_msg(s->gpr[4] == c->want_r4, "%s: r4 0x%08x want 0x%08x", c->what, s->gpr[4], c->want_r4);
        ck_assert_uint_eq(s->gpr[0], 0x1000);
    }
    cpuenv_free(e);
}
END_TEST

typedef struct StCase {
    const char *what;
    uint32_t insn, r4, r5;
    uint32_t want_w0, want_w1, want_r4;
} StCase;

/* r6 = 0x11223344 is stored into zeroed memory at OUT */
static const StCase st_cases[] = {
    { "stb", ENC_D(38, 6u, 4u, 1), OUT, 0, 0x00440000, 0, OUT },
    { "stbu", ENC_D(39, 6u, 4u, 5), OUT, 0, 0, 0x00440000, OUT + 5 },
    { "stbx", ENC_X(6u, 4u, 5u, 215, 0), OUT, 3, 0x00000044, 0, OUT },
    { "stbx rA=0", ENC_X(6u, 0u, 5u, 215, 0), 0, OUT + 4, 0, 0x44000000, 0 },
    { "stbux", ENC_X(6u, 4u, 5u, 247, 0), OUT, 2, 0x00004400, 0, OUT + 2 },
    { "sth", ENC_D(44, 6u, 4u, 2), OUT, 0, 0x00003344, 0, OUT },
    { "sthu", ENC_D(45, 6u, 4u, 4), OUT, 0, 0, 0x33440000, OUT + 4 },
    { "sthx", ENC_X(6u, 4u, 5u, 407, 0), OUT, 6, 0, 0x00003344, OUT },
    { "sthux", ENC_X(6u, 4u, 5u, 439, 0), OUT, 0, 0x33440000, 0, OUT },
    { "stw", ENC_D(36, 6u, 4u, 4), OUT, 0, 0, 0x11223344, OUT },
    { "stw rA=0", ENC_D(36, 6u, 0u, OUT), 0, 0, 0x11223344, 0, 0 },
    { "stwu", ENC_D(37, 6u, 4u, 4), OUT, 0, 0, 0x11223344, OUT + 4 },
    { "stwx", ENC_X(6u, 4u, 5u, 151, 0), OUT, 0, 0x11223344, 0, OUT },
    { "stwux", ENC_X(6u, 4u, 5u, 183, 0), OUT, 4, 0, 0x11223344, OUT + 4 },
    { "stw misaligned", ENC_D(36, 6u, 4u, 2), OUT, 0, 0x00001122, 0x33440000, OUT },
    { "sthbrx", ENC_X(6u, 4u, 5u, 918, 0), OUT, 0, 0x44330000, 0, OUT },
    { "stwbrx", ENC_X(6u, 4u, 5u, 662, 0), OUT, 4, 0, 0x44332211, OUT },
    /* rS = rA: the old value of rA is stored, then rA is updated */
    { "stwu rS=rA", ENC_D(37, 4u, 4u, 4), OUT, 0, 0, OUT, OUT + 4 },
};

START_TEST(stores)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    for (size_t i = 0; i < sizeof st_cases / sizeof st_cases[0]; i++) {
        const StCase *c = &st_cases[i];
        cpuenv_write32(e, OUT, 0);
        cpuenv_write32(e, OUT + 4, 0);
        s->gpr[0] = 0x1000;
        s->gpr[4] = c->r4;
        s->gpr[5] = c->r5;
        s->gpr[6] = 0x11223344;
        run_at(e, c->insn);
        ck_assert_msg(s->pc == AT + 4, "%s: pc 0x%x", c->what, s->pc);
        uint32_t w0 = cpuenv_read32(e, OUT), w1 = cpuenv_read32(e, OUT + 4);
        ck_assert_msg(w0 == c->want_w0 && w1 == c->want_w1, "%s: memory %08x %08x want %08x %08x",
                      c->what, w0, w1, c->want_w0, c->want_w1);
        ck_assert_msg(s->gpr[4] == c->want_r4, "%s: r4 0x%08x want 0x%08x", c->what, s->gpr[4], c->want_r4);
    }
    cpuenv_free(e);
}
END_TEST

START_TEST(multiple)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    cpuenv_write32(e, DATA + 0x100, 0x11111111);
    cpuenv_write32(e, DATA + 0x104, 0x22222222);
    cpuenv_write32(e, DATA + 0x108, 0x33333333);
    s->gpr[4] = DATA;
    /* lmw r29,0x100(r4) */
    run_at(e, ENC_D(46, 29u, 4u, 0x100));
    ck_assert_uint_eq(s->gpr[29], 0x11111111);
    ck_assert_uint_eq(s->gpr[30], 0x22222222);
    ck_assert_uint_eq(s->gpr[31], 0x33333333);
    ck_assert_uint_eq(s->gpr[28], 0);
    /* stmw r30,0x200(r4) */
    cpuenv_write32(e, DATA + 0x208, 0xEEEEEEEE);
    run_at(e, ENC_D(47, 30u, 4u, 0x200));
    ck_assert_uint_eq(cpuenv_read32(e, DATA + 0x200), 0x22222222);
    ck_assert_uint_eq(cpuenv_read32(e, DATA + 0x204), 0x33333333);
    ck_assert_uint_eq(cpuenv_read32(e, DATA + 0x208), 0xEEEEEEEE);
    /* stmw r0 stores all 32 registers; lmw r0 with rA=0 reads them back */
    for (unsigned r = 0; r < 32; r++)
        s->gpr[r] = 0xA0000000u + r;
    run_at(e, ENC_D(47, 0u, 0u, 0x5000));
    for (unsigned r = 0; r < 32; r++)
        ck_assert_uint_eq(cpuenv_read32(e, 0x5000 + 4 * r), 0xA0000000u + r);
    for (unsigned r = 0; r < 32; r++)
        s->gpr[r] = 0;
    run_at(e, ENC_D(46, 0u, 0u, 0x5000));
    for (unsigned r = 0; r < 32; r++)
        ck_assert_uint_eq(s->gpr[r], 0xA0000000u + r);
    cpuenv_free(e);
}
END_TEST

/* lmw/stmw/lwarx/stwcx. need a word-aligned EA: alignment exception with
 * DAR = EA and DSISR from the opcode (750 UM 4.5.6), registers untouched */
START_TEST(multiple_alignment)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    s->gpr[4] = DATA;
    s->gpr[29] = 0x29;
    /* lmw r29,2(r4): D-form, opcode 46 = 101110: DSISR[17] = 0,
     * DSISR[18-21] = 0111, rD = 29, rA = 4 */
    run_at(e, ENC_D(46, 29u, 4u, 2));
    ck_assert_uint_eq(s->pc, 0x600);
    ck_assert_uint_eq(s->srr0, AT);
    ck_assert_uint_eq(s->dar, DATA + 2);
    ck_assert_uint_eq(s->dsisr, (0x7u << 10) | (29u << 5) | 4u);
    ck_assert_uint_eq(s->gpr[29], 0x29);
    /* lwarx r3,r4,r5 with EA 0x4002: X-form, XO 20 = 0000010100 in bits
     * 21-30: DSISR[15-16] = bits 29-30 = 00, [17] = bit 25 = 0,
     * [18-21] = bits 21-24 = 0000 */
    s->gpr[3] = 0x33;
    s->gpr[5] = 2;
    run_at(e, ENC_X(3u, 4u, 5u, 20, 0));
    ck_assert_uint_eq(s->pc, 0x600);
    ck_assert_uint_eq(s->dar, DATA + 2);
    ck_assert_uint_eq(s->dsisr, (3u << 5) | 4u);
    ck_assert_uint_eq(s->gpr[3], 0x33);
    ck_assert(!s->reserve_valid);
    cpuenv_free(e);
}
END_TEST

START_TEST(strings)
{
    static const uint8_t text[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh";
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    put_bytes(e, DATA, text, 34);
    s->gpr[0] = 0x1000;
    s->gpr[4] = DATA;
    /* lswi r5,r4,7: r5 full, r6 gets 3 bytes and a zero low byte */
    s->gpr[6] = 0xFFFFFFFF;
    run_at(e, ENC_X(5u, 4u, 7u, 597, 0));
    ck_assert_uint_eq(s->gpr[5], 0x41424344);
    ck_assert_uint_eq(s->gpr[6], 0x45464700);
    /* lswi r31,r4,8 wraps to r0 */
    run_at(e, ENC_X(31u, 4u, 8u, 597, 0));
    ck_assert_uint_eq(s->gpr[31], 0x41424344);
    ck_assert_uint_eq(s->gpr[0], 0x45464748);
    /* NB = 0 means 32 bytes: r24..r31 */
    s->gpr[23] = 0x23;
    run_at(e, ENC_X(24u, 4u, 0u, 597, 0));
    ck_assert_uint_eq(s->gpr[24], 0x41424344);
    ck_assert_uint_eq(s->gpr[31], 0x63646566); /* "cdef" */
    ck_assert_uint_eq(s->gpr[23], 0x23);
    /* lswi with rA = 0 addresses from 0, not from r0 */
    static const uint8_t wxyz[] = { 'W', 'X', 'Y', 'Z' };
    put_bytes(e, 0, wxyz, 4);
    s->gpr[0] = 0x1000;
    run_at(e, ENC_X(5u, 0u, 2u, 597, 0));
    ck_assert_uint_eq(s->gpr[5], 0x57580000);
    /* lswx r5,r4,r7 with XER count 5 from DATA+1 */
    s->gpr[7] = 1;
    s->xer = 0x20000005;
    run_at(e, ENC_X(5u, 4u, 7u, 533, 0));
    ck_assert_uint_eq(s->gpr[5], 0x42434445);
    ck_assert_uint_eq(s->gpr[6], 0x46000000);
    ck_assert_uint_eq(s->xer, 0x20000005);
    /* lswx with count 0 leaves rD alone */
    s->xer = 0;
    s->gpr[5] = 0x55;
    run_at(e, ENC_X(5u, 4u, 7u, 533, 0));
    ck_assert_uint_eq(s->gpr[5], 0x55);
    ck_assert_uint_eq(s->pc, AT + 4);
    /* stswi r5,r4,6 to OUT: 6 bytes, the 7th untouched */
    cpuenv_write32(e, OUT, 0xEEEEEEEE);
    cpuenv_write32(e, OUT + 4, 0xEEEEEEEE);
    s->gpr[4] = OUT;
    s->gpr[5] = 0x11223344;
    s->gpr[6] = 0x55667788;
    run_at(e, ENC_X(5u, 4u, 6u, 725, 0));
    ck_assert_uint_eq(cpuenv_read32(e, OUT), 0x11223344);
    ck_assert_uint_eq(cpuenv_read32(e, OUT + 4), 0x5566EEEE);
    /* stswx r6,r4,r7 with count 3 at OUT+1 */
    s->xer = 3;
    run_at(e, ENC_X(6u, 4u, 7u, 661, 0));
    ck_assert_uint_eq(cpuenv_read32(e, OUT), 0x11556677);
    ck_assert_uint_eq(cpuenv_read32(e, OUT + 4), 0x5566EEEE);
    cpuenv_free(e);
}
END_TEST

#define LWARX(d, a, b) ENC_X(d, a, b, 20, 0)
#define STWCX(sv, a, b) ENC_X(sv, a, b, 150, 1)

START_TEST(reservation)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    cpuenv_write32(e, DATA, 0x1234);
    s->gpr[4] = DATA;
    s->gpr[6] = 0xCAFE;
    s->cr = 0x0000000F;
    run_at(e, LWARX(3u, 0u, 4u));
    ck_assert_uint_eq(s->gpr[3], 0x1234);
    ck_assert(s->reserve_valid);
    /* success: stored, CR0 = EQ, other fields kept */
    run_at(e, STWCX(6u, 0u, 4u));
    ck_assert_uint_eq(cpuenv_read32(e, DATA), 0xCAFE);
    ck_assert_uint_eq(s->cr, 0x2000000F);
    ck_assert(!s->reserve_valid);
    /* no reservation any more: fails, memory unchanged, CR0 = 0 */
    s->gpr[6] = 0xBEEF;
    run_at(e, STWCX(6u, 0u, 4u));
    ck_assert_uint_eq(cpuenv_read32(e, DATA), 0xCAFE);
    ck_assert_uint_eq(s->cr, 0x0000000F);
    /* CR0[SO] copies XER[SO] on failure and on success */
    s->xer = 0x80000000;
    run_at(e, STWCX(6u, 0u, 4u));
    ck_assert_uint_eq(s->cr, 0x1000000F);
    run_at(e, LWARX(3u, 0u, 4u));
    run_at(e, STWCX(6u, 0u, 4u));
    ck_assert_uint_eq(s->cr, 0x3000000F);
    ck_assert_uint_eq(cpuenv_read32(e, DATA), 0xBEEF);
    /* a stwcx. outside the reserved 32-byte granule fails */
    s->xer = 0;
    s->gpr[5] = DATA + 0x40;
    run_at(e, LWARX(3u, 0u, 4u));
    run_at(e, STWCX(6u, 0u, 5u));
    ck_assert_uint_eq(s->cr, 0x0000000F);
    ck_assert_uint_eq(cpuenv_read32(e, DATA + 0x40), 0);
    /* an exception between them (here an illegal instruction) drops it */
    run_at(e, LWARX(3u, 0u, 4u));
    run_at(e, 0);
    ck_assert_uint_eq(s->pc, 0x700);
    run_at(e, STWCX(6u, 0u, 4u));
    ck_assert_uint_eq(s->cr, 0x0000000F);
    cpuenv_free(e);
}
END_TEST

START_TEST(dcbz)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    for (uint32_t a = 0x86F0; a < 0x8760; a += 4)
        cpuenv_write32(e, a, 0xFFFFFFFF);
    /* data cache off (the reset state): alignment exception, DAR = the EA,
     * memory untouched (750 UM 4.5.6) */
    s->gpr[4] = 0x8710;
    s->gpr[5] = 4;
    run_at(e, ENC_X(0u, 4u, 5u, 1014, 0));
    ck_assert_uint_eq(s->pc, 0x600);
    ck_assert_uint_eq(s->dar, 0x8714);
    ck_assert_uint_eq(cpuenv_read32(e, 0x8714), 0xFFFFFFFF);
    /* dcbz r4,r5 with EA 0x8714 and the cache on: zeroes 0x8700-0x871F */
    s->hid0 = HID0_DCE;
    run_at(e, ENC_X(0u, 4u, 5u, 1014, 0));
    ck_assert_uint_eq(cpuenv_read32(e, 0x86FC), 0xFFFFFFFF);
    for (uint32_t a = 0x8700; a < 0x8720; a += 4)
        ck_assert_uint_eq(cpuenv_read32(e, a), 0);
    ck_assert_uint_eq(cpuenv_read32(e, 0x8720), 0xFFFFFFFF);
    /* dcbz 0,r5: rA = 0 means 0, not r0 */
    s->gpr[0] = 0x100;
    s->gpr[5] = 0x8723;
    run_at(e, ENC_X(0u, 0u, 5u, 1014, 0));
    ck_assert_uint_eq(cpuenv_read32(e, 0x8720), 0);
    ck_assert_uint_eq(cpuenv_read32(e, 0x873C), 0);
    ck_assert_uint_eq(cpuenv_read32(e, 0x8740), 0xFFFFFFFF);
    cpuenv_free(e);
}
END_TEST

START_TEST(cache_hints)
{
    static const uint32_t xo[] = { 86, 54, 278, 246, 470 }; /* dcbf dcbst dcbt dcbtst dcbi */
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    cpuenv_write32(e, DATA, 0x12345678);
    s->gpr[4] = DATA;
    for (unsigned i = 0; i < 5; i++) {
        run_at(e, ENC_X(0u, 0u, 4u, xo[i], 0));
        ck_assert_msg(s->pc == AT + 4, "xo %u: pc 0x%x", xo[i], s->pc);
    }
    ck_assert_uint_eq(cpuenv_read32(e, DATA), 0x12345678);
    /* dcbi is privileged */
    s->msr |= MSR_PR;
    run_at(e, ENC_X(0u, 0u, 4u, 470, 0));
    ck_assert_uint_eq(s->pc, 0x700);
    ck_assert(s->srr1 & SRR1_PRIV);
    cpuenv_free(e);
}
END_TEST

/* 0x2000: addi r3,r3,1 ; b . */
static void put_target(CpuEnv *e)
{
    uint32_t t[] = { ENC_ADDI(3u, 3u, 1), B_SELF };
    cpuenv_put_code(e, 0x2000, t, 2);
}

static void run_target(CpuEnv *e)
{
    e->cpu.pc = 0x2000;
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
}

/* Memory changed behind the translator's back (a host-pointer write the
 * bus is not told of; every bus write would drop the code): the old
 * translation stays until icbi invalidates it. */
START_TEST(icbi_invalidates)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    put_target(e);
    run_target(e);
    ck_assert_uint_eq(s->gpr[3], 1);
    uint32_t insn = ENC_ADDI(3u, 3u, 16);
    uint8_t *host = e->bus.ram + 0x2000; /* no bus_ram_written */
    for (unsigned i = 0; i < 4; i++)
        host[i] = (uint8_t)(insn >> (24 - 8 * i));
    run_target(e);
    ck_assert_uint_eq(s->gpr[3], 2); /* still the cached translation */
    s->gpr[4] = 0x201C;              /* any address in the block */
    run_at(e, ENC_X(0u, 0u, 4u, 982, 0));
    ck_assert_uint_eq(s->pc, AT + 4);
    run_target(e);
    ck_assert_uint_eq(s->gpr[3], 18);
    cpuenv_free(e);
}
END_TEST

/* The guest patches its own code: stw ; dcbst ; sync ; icbi ; isync ; b */
START_TEST(self_modifying_code)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    put_target(e);
    run_target(e);
    ck_assert_uint_eq(s->gpr[3], 1);
    uint32_t prog[] = {
        ENC_D(36, 5u, 6u, 0),          /* stw r5,0(r6) */
        ENC_X(0u, 0u, 6u, 54, 0),      /* dcbst 0,r6 */
        0x7C0004AC,                    /* sync */
        ENC_X(0u, 0u, 6u, 982, 0),     /* icbi 0,r6 */
        0x4C00012C,                    /* isync */
        0x48000000u | (0x2000 - (AT + 20)), /* b 0x2000 */
    };
    cpuenv_put_code(e, AT, prog, 6);
    s->gpr[5] = ENC_ADDI(3u, 3u, 16);
    s->gpr[6] = 0x2000;
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 7), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->gpr[3], 17);
    ck_assert_uint_eq(s->pc, 0x2004);
    cpuenv_free(e);
}
END_TEST

/* eciwx/ecowx: DSI with DSISR[11] while EAR[E] = 0 (750 UM 2.3.4.3) */
START_TEST(external_control)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    cpuenv_write32(e, DATA, 0x600DF00D);
    s->gpr[4] = DATA;
    s->gpr[3] = 0x33;
    s->ear = 0;
    run_at(e, ENC_X(3u, 0u, 4u, 310, 0));
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dsisr, 0x00100000);
    ck_assert_uint_eq(s->dar, DATA);
    ck_assert_uint_eq(s->gpr[3], 0x33);
    run_at(e, ENC_X(3u, 0u, 4u, 438, 0));
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dsisr, 0x02100000);
    s->ear = 0x80000000;
    run_at(e, ENC_X(3u, 0u, 4u, 310, 0));
    ck_assert_uint_eq(s->gpr[3], 0x600DF00D);
    s->gpr[3] = 0x0BADCAFE;
    run_at(e, ENC_X(3u, 0u, 4u, 438, 0));
    ck_assert_uint_eq(cpuenv_read32(e, DATA), 0x0BADCAFE);
    cpuenv_free(e);
}
END_TEST

Suite *suite_ldst(void)
{
    Suite *s = suite_create("ldst");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, loads);
    tcase_add_test(tc, stores);
    tcase_add_test(tc, multiple);
    tcase_add_test(tc, multiple_alignment);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, reservation);
    tcase_add_test(tc, dcbz);
    tcase_add_test(tc, cache_hints);
    tcase_add_test(tc, icbi_invalidates);
    tcase_add_test(tc, self_modifying_code);
    tcase_add_test(tc, external_control);
    suite_add_tcase(s, tc);
    return s;
}
