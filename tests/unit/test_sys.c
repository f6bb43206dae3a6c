/* Supervisor instructions: mfmsr/mtmsr, rfi, sc, tw/twi, segment registers,
 * tlbie/tlbsync/tlbia, privilege.  Expected values worked out by hand from
 * PEM chapter 8 and 750 UM chapter 4. */
#include <check.h>

#include "tests/unit/test_sys_insn.h"

START_TEST(mtmsr_mfmsr_keep_750_bits_only)
{
    CpuEnv *e = sys_env();
    /* r3 = 0xFFFA2000: reserved bits and FP; only FP (0x2000) exists */
    uint32_t code[] = { I_MTMSR(3), I_MFMSR(4), I_BSELF };
    e->cpu.gpr[3] = 0xFFFA2000;
    sys_run(e, 0x3000, code, 3, 0, 2);
    ck_assert_uint_eq(e->cpu.msr, 0x2000);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x2000);
    ck_assert_uint_eq(e->cpu.pc, 0x3008);
    cpuenv_free(e);
}
END_TEST

/* Each privileged instruction in user mode: program exception, SRR1[13]
 * (0x00040000) + MSR[16-31], SRR0 = the instruction, nothing changed. */
static const uint32_t priv_insns[] = {
    I_MFMSR(4), I_MTMSR(3), I_RFI, I_MFSR(4, 2), I_MFSRIN(4, 3), I_MTSR(2, 3),
    I_MTSRIN(3, 3), I_TLBIE(3), I_TLBSYNC,
};

START_TEST(privileged_in_user_mode)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { priv_insns[_i], I_BSELF };
    e->cpu.gpr[3] = 0x20000000;
    e->cpu.gpr[4] = 0x5555;
    e->cpu.srr0 = 0x4444;
    ck_assert_int_eq(sys_run(e, 0x3000, code, 2, MSR_PR | MSR_FP | MSR_EE, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.srr0, 0x3000);
    ck_assert_uint_eq(e->cpu.srr1, 0x00040000u | 0xE000);
    ck_assert_uint_eq(e->cpu.msr, 0);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x5555);
    ck_assert_uint_eq(e->cpu.sr[2], 0);
    cpuenv_free(e);
}
END_TEST

START_TEST(supervisor_runs_them)
{
    CpuEnv *e = sys_env();
    /* mtsr 2,r3 ; mfsr r4,2 ; mtsrin r5,r6 ; mfsrin r7,r6 ; tlbie r3 ; tlbsync */
    uint32_t code[] = { I_MTSR(2, 3), I_MFSR(4, 2), I_MTSRIN(5, 6), I_MFSRIN(7, 6),
                        I_TLBIE(3), I_TLBSYNC, I_BSELF };
    e->cpu.gpr[3] = 0x60000123;
    e->cpu.gpr[5] = 0x10ABCDEF;
    e->cpu.gpr[6] = 0xA0001234; /* SR 10 */
    sys_run(e, 0x3000, code, 7, MSR_FP, 6);
    ck_assert_uint_eq(e->cpu.sr[2], 0x60000123);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x60000123);
    ck_assert_uint_eq(e->cpu.sr[10], 0x10ABCDEF);
    ck_assert_uint_eq(e->cpu.gpr[7], 0x10ABCDEF);
    ck_assert_uint_eq(e->cpu.pc, 0x3018);
    cpuenv_free(e);
}
END_TEST

/* rfi restores MSR[16-23,25-27,30-31] only: with SRR1 = 0xFFFF4088 the new
 * MSR takes PR (0x4000) and nothing else of it; PM (0x4, bit 29), outside
 * the set, keeps its old value 1 although SRR1[29] = 0; POW (0x40000) is
 * not restored. */
START_TEST(rfi_restores_architected_bits)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_RFI };
    uint32_t tgt = I_BSELF;
    cpuenv_put_code(e, 0x2000, &tgt, 1);
    e->cpu.srr0 = 0x2003;
    e->cpu.srr1 = 0xFFFF4088;
    sys_run(e, 0x3000, code, 1, MSR_FP | MSR_PM, 1);
    ck_assert_uint_eq(e->cpu.msr, 0x4004);
    ck_assert_uint_eq(e->cpu.pc, 0x2000);
    ck_assert(!e->cpu.halted);
    cpuenv_free(e);
}
END_TEST

START_TEST(sc_saves_next_address)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_ADDI(3, 0, 7), I_SC, I_BSELF };
    e->cpu.reserve_valid = true;
    sys_run(e, 0x3000, code, 3, MSR_PR | MSR_EE | MSR_FP | MSR_ME | MSR_PM | MSR_RI, 2);
    ck_assert_uint_eq(e->cpu.pc, 0xC00);
    ck_assert_uint_eq(e->cpu.srr0, 0x3008);
    ck_assert_uint_eq(e->cpu.srr1, 0xF006); /* EE PR FP ME PM RI: MSR[16-31] */
    ck_assert_uint_eq(e->cpu.msr, MSR_ME);  /* ME kept, the rest cleared */
    ck_assert(!e->cpu.reserve_valid);
    ck_assert_uint_eq(e->cpu.icount, 2);    /* sc completes */
    cpuenv_free(e);
}
END_TEST

START_TEST(sc_with_ip_and_ile)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_SC };
    sys_run(e, 0x3000, code, 1, MSR_IP | MSR_ILE | MSR_FP, 1);
    ck_assert_uint_eq(e->cpu.pc, 0xFFF00C00);
    ck_assert_uint_eq(e->cpu.srr1, 0x2040); /* ILE (bit 15) is not in SRR1[16-31] */
    ck_assert_uint_eq(e->cpu.msr, MSR_IP | MSR_ILE | MSR_LE);
    cpuenv_free(e);
}
END_TEST

/* tw TO,rA,rB: a = -1, b = 1.  a < b signed, a > b unsigned. */
static const struct {
    unsigned to;
    uint32_t a, b;
    bool trap;
} tw_cases[] = {
    { 0x10, 0xFFFFFFFF, 1, true },  { 0x08, 0xFFFFFFFF, 1, false },
    { 0x04, 0xFFFFFFFF, 1, false }, { 0x02, 0xFFFFFFFF, 1, false },
    { 0x01, 0xFFFFFFFF, 1, true },  { 0x04, 5, 5, true },
    { 0x1B, 5, 5, false },          { 0x00, 5, 5, false },
    { 0x1F, 0, 0, true },           { 0x08, 1, 0xFFFFFFFF, true },
    { 0x02, 1, 0xFFFFFFFF, true },
};

START_TEST(tw_conditions)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_TW(tw_cases[_i].to, 3u, 4u), I_BSELF };
    e->cpu.gpr[3] = tw_cases[_i].a;
    e->cpu.gpr[4] = tw_cases[_i].b;
    sys_run(e, 0x3000, code, 2, MSR_FP, 1);
    if (tw_cases[_i].trap) {
        ck_assert_uint_eq(e->cpu.pc, 0x700);
        ck_assert_uint_eq(e->cpu.srr0, 0x3000);
        ck_assert_uint_eq(e->cpu.srr1, 0x00020000u | MSR_FP);
    } else {
        ck_assert_uint_eq(e->cpu.pc, 0x3004);
    }
    cpuenv_free(e);
}
END_TEST

START_TEST(twi_sign_extends)
{
    CpuEnv *e = sys_env();
    /* twi 4 (eq), r3, -0x8000: r3 = 0xFFFF8000 traps */
    uint32_t code[] = { I_TWI(4u, 3u, 0x8000), I_TWI(4u, 3u, 0x7FFF), I_BSELF };
    e->cpu.gpr[3] = 0x00007FFF;
    sys_run(e, 0x3000, code, 3, MSR_FP, 1);
    ck_assert_uint_eq(e->cpu.pc, 0x3004);
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    e->cpu.gpr[3] = 0xFFFF8000;
    sys_run(e, 0x3000, code, 3, MSR_FP, 1);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.srr0, 0x3000);
    cpuenv_free(e);
}
END_TEST

/* The 750 has no tlbia: illegal instruction (750 UM 2.3.6.3.3) */
START_TEST(tlbia_is_illegal)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_TLBIA };
    sys_run(e, 0x3000, code, 1, MSR_FP, 1);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.srr0, 0x3000);
    ck_assert_uint_eq(e->cpu.srr1, 0x00080000u | MSR_FP);
    cpuenv_free(e);
}
END_TEST

/* mtmsr POW|EE waits; an external interrupt wakes it with SRR0 = the
 * instruction after mtmsr and POW cleared. */
START_TEST(pow_waits_for_interrupt)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_MTMSR(3), I_ADDI(4, 4, 1), I_BSELF };
    e->cpu.gpr[3] = MSR_POW | MSR_EE | MSR_FP;
    ck_assert_int_eq(sys_run(e, 0x3000, code, 3, MSR_FP, 100), PPC_RUN_HALTED);
    ck_assert(e->cpu.halted);
    ck_assert_int_eq(ppc_run(&e->cpu, 100), PPC_RUN_HALTED);
    ck_assert_uint_eq(e->cpu.gpr[4], 0);
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL, true);
    ppc_run(&e->cpu, 1);
    ck_assert(!e->cpu.halted);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    ck_assert_uint_eq(e->cpu.srr1, MSR_EE | MSR_FP);
    ck_assert_uint_eq(e->cpu.pc, 0x500);
    ck_assert_uint_eq(e->cpu.msr & MSR_POW, 0);
    cpuenv_free(e);
}
END_TEST

Suite *suite_sys(void)
{
    Suite *s = suite_create("sys");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mtmsr_mfmsr_keep_750_bits_only);
    tcase_add_loop_test(tc, privileged_in_user_mode, 0, sizeof(priv_insns) / sizeof(priv_insns[0]));
    tcase_add_test(tc, supervisor_runs_them);
    tcase_add_test(tc, rfi_restores_architected_bits);
    tcase_add_test(tc, sc_saves_next_address);
    tcase_add_test(tc, sc_with_ip_and_ile);
    tcase_add_loop_test(tc, tw_conditions, 0, sizeof(tw_cases) / sizeof(tw_cases[0]));
    tcase_add_test(tc, twi_sign_extends);
    tcase_add_test(tc, tlbia_is_illegal);
    tcase_add_test(tc, pow_waits_for_interrupt);
    suite_add_tcase(s, tc);
    return s;
}
