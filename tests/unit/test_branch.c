/* Branches (every BO form, AA, LK), SPR moves and the sync instructions
 * (PEM 4.2.4, chapter 8). */
#include <check.h>
#include <stdio.h>

#include "tests/lib/cpuenv.h"

#define ENC_B(li, aa, lk) ((18u << 26) | ((uint32_t)(li) & 0x03FFFFFCu) | ((aa) << 1) | (lk))
#define ENC_BC(bo, bi, bd, aa, lk) \
    ((16u << 26) | ((bo) << 21) | ((bi) << 16) | ((uint32_t)(bd) & 0xFFFCu) | ((aa) << 1) | (lk))
#define ENC_BCLR(bo, bi, lk) ((19u << 26) | ((bo) << 21) | ((bi) << 16) | (16u << 1) | (lk))
#define ENC_BCCTR(bo, bi, lk) ((19u << 26) | ((bo) << 21) | ((bi) << 16) | (528u << 1) | (lk))
#define SPRF(n) ((((uint32_t)(n) & 0x1Fu) << 16) | (((uint32_t)(n) >> 5) << 11))
#define ENC_MTSPR(n, rs) ((31u << 26) | ((rs) << 21) | SPRF(n) | (467u << 1))
#define ENC_MFSPR(rd, n) ((31u << 26) | ((rd) << 21) | SPRF(n) | (339u << 1))
#define ENC_ADDI(d, a, imm) ((14u << 26) | ((d) << 21) | ((a) << 16) | ((imm) & 0xFFFFu))

#define AT 0x1000u
#define B_SELF 0x48000000u /* b . : parks an exception vector */

/* Runs insn at AT as the only instruction; the vectors hold "b ." so an
 * exception costs exactly one more instruction. */
static int run_at(CpuEnv *e, uint32_t insn)
{
    uint32_t park = B_SELF;
    cpuenv_put_code(e, 0x700, &park, 1);
    cpuenv_put_code(e, AT, &insn, 1);
    e->cpu.pc = AT;
    return ppc_run(&e->cpu, 1);
}

START_TEST(b_forms)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    s->lr = 0x55;
    run_at(e, ENC_B(0x100, 0u, 0u));
    ck_assert_uint_eq(s->pc, 0x1100);
    ck_assert_uint_eq(s->lr, 0x55);
    run_at(e, ENC_B(-0x10, 0u, 0u));
    ck_assert_uint_eq(s->pc, 0x0FF0);
    run_at(e, ENC_B(0x20, 0u, 1u));
    ck_assert_uint_eq(s->pc, 0x1020);
    ck_assert_uint_eq(s->lr, 0x1004);
    s->lr = 0;
    run_at(e, ENC_B(0x2000, 1u, 0u));
    ck_assert_uint_eq(s->pc, 0x2000);
    ck_assert_uint_eq(s->lr, 0);
    run_at(e, ENC_B(0x3000, 1u, 1u));
    ck_assert_uint_eq(s->pc, 0x3000);
    ck_assert_uint_eq(s->lr, 0x1004);
    /* absolute with a negative LI: sign-extended */
    run_at(e, ENC_B(-0x100, 1u, 0u));
    ck_assert_uint_eq(s->pc, 0xFFFFFF00);
    ck_assert_uint_eq(s->icount, 6);
    cpuenv_free(e);
}
END_TEST

/* The conditional-branch decision as PEM 4.2.4.2 states it:
 *   if !BO[2] then CTR <- CTR - 1
 *   ctr_ok  <- BO[2] | ((CTR != 0) xor BO[3])
 *   cond_ok <- BO[0] | (CR[BI] == BO[1])
 * (BO[0] is the 0x10 bit). */
static bool pem_taken(unsigned bo, unsigned crbit, uint32_t ctr, uint32_t *ctr_after)
{
    if (!(bo & 4))
        ctr--;
    *ctr_after = ctr;
    bool ctr_ok = (bo & 4) || ((ctr != 0) != ((bo & 2) != 0));
    bool cond_ok = (bo & 0x10) || (crbit == ((bo >> 3) & 1));
    return ctr_ok && cond_ok;
}

static const uint32_t ctr_values[] = { 0, 1, 2 };

/* bc, bcl, bca, bcla over all 32 BO encodings, CR bit 0/1, CTR 0/1/2 */
START_TEST(bc_every_bo)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    const unsigned bi = 13; /* CR bit 13 = CR3[GT] */
    for (unsigned bo = 0; bo < 32; bo++)
        for (unsigned bit = 0; bit < 2; bit++)
            for (unsigned c = 0; c < 3; c++)
                for (unsigned form = 0; form < 4; form++) {
                    unsigned aa = form >> 1, lk = form & 1;
                    uint32_t want_ctr;
                    bool t = pem_taken(bo, bit, ctr_values[c], &want_ctr);
                    s->cr = bit ? (1u << (31 - bi)) : 0;
                    s->ctr = ctr_values[c];
                    s->lr = 0x77;
                    ck_assert_int_eq(run_at(e, ENC_BC(bo, bi, -0x40, aa, lk)), PPC_RUN_BUDGET);
                    uint32_t target = aa ? 0xFFFFFFC0u : AT - 0x40;
                    ck_assert_msg(s->pc == (t ? target : AT + 4),
                                  "bc BO=%u bit=%u ctr=%u aa=%u lk=%u: pc 0x%x", bo, bit,
                                  ctr_values[c], aa, lk, s->pc);
                    ck_assert_msg(s->ctr == want_ctr, "bc BO=%u: ctr %u want %u", bo, s->ctr, want_ctr);
                    /* LK writes LR whether or not the branch is taken */
                    ck_assert_uint_eq(s->lr, lk ? AT + 4 : 0x77);
                }
    cpuenv_free(e);
}
END_TEST

START_TEST(bclr_every_bo)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    for (unsigned bo = 0; bo < 32; bo++)
        for (unsigned bit = 0; bit < 2; bit++)
            for (unsigned c = 0; c < 3; c++)
                for (unsigned lk = 0; lk < 2; lk++) {
                    uint32_t want_ctr;
                    bool t = pem_taken(bo, bit, ctr_values[c], &want_ctr);
                    s->cr = bit ? 0x80000000u : 0;
                    s->ctr = ctr_values[c];
                    s->lr = 0x2003; /* the low two bits are ignored */
                    ck_assert_int_eq(run_at(e, ENC_BCLR(bo, 0u, lk)), PPC_RUN_BUDGET);
                    ck_assert_msg(s->pc == (t ? 0x2000u : AT + 4), "bclr BO=%u bit=%u ctr=%u lk=%u: pc 0x%x",
                                  bo, bit, ctr_values[c], lk, s->pc);
                    ck_assert_uint_eq(s->ctr, want_ctr);
                    ck_assert_uint_eq(s->lr, lk ? AT + 4 : 0x2003);
                }
    cpuenv_free(e);
}
END_TEST

/* bcctr: BO[2] = 1 forms branch to CTR; BO[2] = 0 (decrement CTR) is an
 * invalid form, run here as an illegal instruction. */
START_TEST(bcctr_every_bo)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    for (unsigned bo = 0; bo < 32; bo++)
        for (unsigned bit = 0; bit < 2; bit++)
            for (unsigned lk = 0; lk < 2; lk++) {
                s->cr = bit ? 0x00000001u : 0;
                s->ctr = 0x3007;
                s->lr = 0x77;
                s->srr1 = 0;
                run_at(e, ENC_BCCTR(bo, 31u, lk));
                if (!(bo & 4)) {
                    ck_assert_msg(s->pc == 0x700, "bcctr BO=%u should be illegal: pc 0x%x", bo, s->pc);
                    ck_assert_uint_eq(s->srr0, AT);
                    ck_assert(s->srr1 & SRR1_ILLEGAL);
                    ck_assert_uint_eq(s->ctr, 0x3007);
                    ck_assert_uint_eq(s->lr, 0x77);
                    continue;
                }
                uint32_t ctr_after;
                bool t = pem_taken(bo, bit, 0x3007, &ctr_after);
                ck_assert_msg(s->pc == (t ? 0x3004u : AT + 4), "bcctr BO=%u bit=%u: pc 0x%x", bo, bit, s->pc);
                ck_assert_uint_eq(s->ctr, 0x3007);
                ck_assert_uint_eq(s->lr, lk ? AT + 4 : 0x77);
            }
    cpuenv_free(e);
}
END_TEST

/* A few familiar mnemonics with hand-worked outcomes */
START_TEST(bc_mnemonics)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    /* beq cr0,+8 with CR0[EQ] set: taken */
    s->cr = 0x20000000;
    run_at(e, ENC_BC(12u, 2u, 8, 0u, 0u));
    ck_assert_uint_eq(s->pc, AT + 8);
    /* bne cr0,+8 with CR0[EQ] set: not taken */
    run_at(e, ENC_BC(4u, 2u, 8, 0u, 0u));
    ck_assert_uint_eq(s->pc, AT + 4);
    /* bdnz with CTR = 1: CTR becomes 0, not taken */
    s->ctr = 1;
    run_at(e, ENC_BC(16u, 0u, 8, 0u, 0u));
    ck_assert_uint_eq(s->pc, AT + 4);
    ck_assert_uint_eq(s->ctr, 0);
    /* bdnz with CTR = 0: wraps to 0xFFFFFFFF, taken */
    run_at(e, ENC_BC(16u, 0u, 8, 0u, 0u));
    ck_assert_uint_eq(s->pc, AT + 8);
    ck_assert_uint_eq(s->ctr, 0xFFFFFFFF);
    /* bdzt 2 (BO=01010) with CTR = 1 and EQ set: taken */
    s->ctr = 1;
    run_at(e, ENC_BC(10u, 2u, 8, 0u, 0u));
    ck_assert_uint_eq(s->pc, AT + 8);
    /* bdnzf 2 (BO=00000) with CTR = 5 and EQ set: not taken, CTR 4 */
    s->ctr = 5;
    run_at(e, ENC_BC(0u, 2u, 8, 0u, 0u));
    ck_assert_uint_eq(s->pc, AT + 4);
    ck_assert_uint_eq(s->ctr, 4);
    /* blr (BO=10100) and bctrl */
    s->lr = 0x4000;
    run_at(e, ENC_BCLR(20u, 0u, 0u));
    ck_assert_uint_eq(s->pc, 0x4000);
    s->ctr = 0x5000;
    run_at(e, ENC_BCCTR(20u, 0u, 1u));
    ck_assert_uint_eq(s->pc, 0x5000);
    ck_assert_uint_eq(s->lr, AT + 4);
    /* blrl: goes to the old LR, LR becomes the return address */
    s->lr = 0x6000;
    run_at(e, ENC_BCLR(20u, 0u, 1u));
    ck_assert_uint_eq(s->pc, 0x6000);
    ck_assert_uint_eq(s->lr, AT + 4);
    cpuenv_free(e);
}
END_TEST

START_TEST(spr_moves)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    s->gpr[5] = 0x12345678;
    run_at(e, ENC_MTSPR(8u, 5u));
    ck_assert_uint_eq(s->lr, 0x12345678);
    run_at(e, ENC_MTSPR(9u, 5u));
    ck_assert_uint_eq(s->ctr, 0x12345678);
    s->gpr[5] = 0xFFFFFFFF;
    run_at(e, ENC_MTSPR(1u, 5u));
    ck_assert_uint_eq(s->xer, 0xE000007F); /* only SO OV CA and the count exist */
    ck_assert_uint_eq(s->pc, AT + 4);
    s->lr = 0xAAAA0000;
    s->ctr = 0xBBBB0000;
    s->xer = 0x2000000F;
    run_at(e, ENC_MFSPR(6u, 8u));
    ck_assert_uint_eq(s->gpr[6], 0xAAAA0000);
    run_at(e, ENC_MFSPR(6u, 9u));
    ck_assert_uint_eq(s->gpr[6], 0xBBBB0000);
    run_at(e, ENC_MFSPR(6u, 1u));
    ck_assert_uint_eq(s->gpr[6], 0x2000000F);
    ck_assert_uint_eq(s->pc, AT + 4);
    cpuenv_free(e);
}
END_TEST

/* sync, eieio, isync, mftb decode and complete (mftb's value is h-sys's) */
START_TEST(sync_and_mftb)
{
    static const uint32_t insns[] = {
        0x7C0004AC, /* sync */
        0x7C0006AC, /* eieio */
        0x4C00012C, /* isync */
        0x7CCC42E6, /* mftb r6 */
        0x7CCD42E6, /* mftbu r6 */
    };
    CpuEnv *e = cpuenv_new(1);
    for (unsigned i = 0; i < sizeof insns / sizeof insns[0]; i++) {
        run_at(e, insns[i]);
        ck_assert_msg(e->cpu.pc == AT + 4, "insn 0x%08x: pc 0x%x", insns[i], e->cpu.pc);
    }
    cpuenv_free(e);
}
END_TEST

/* li r3,0 ; mtctr r4 ; loop: addi r3,r3,1 ; bdnz loop ; b . */
START_TEST(counted_loop)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    uint32_t code[] = {
        ENC_ADDI(3u, 0u, 0), ENC_MTSPR(9u, 4u), ENC_ADDI(3u, 3u, 1), ENC_BC(16u, 0u, -4, 0u, 0u), B_SELF,
    };
    cpuenv_put_code(e, AT, code, 5);
    s->gpr[4] = 10;
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 2 + 2 * 10), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->gpr[3], 10);
    ck_assert_uint_eq(s->ctr, 0);
    ck_assert_uint_eq(s->pc, AT + 16);
    cpuenv_free(e);
}
END_TEST

Suite *suite_branch(void)
{
    Suite *s = suite_create("branch");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, b_forms);
    tcase_add_test(tc, bc_every_bo);
    tcase_add_test(tc, bclr_every_bo);
    tcase_add_test(tc, bcctr_every_bo);
    tcase_add_test(tc, bc_mnemonics);
    tcase_add_test(tc, spr_moves);
    tcase_add_test(tc, sync_and_mftb);
    tcase_add_test(tc, counted_loop);
    suite_add_tcase(s, tc);
    return s;
}
