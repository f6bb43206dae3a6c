/* Exceptions: every vector with its SRR0/SRR1 (and DSISR/DAR where the
 * exception sets them), interrupt priorities and masking (750 UM Table
 * 4-3), trace (750 UM 4.5.11), IABR (4.5.14), alignment DSISR (4.5.6). */
#include <check.h>

#include "tests/unit/test_sys_insn.h"
#include "timebase/sched.h"
#include "timebase/tb.h"

/* Interrupt lines, each with its vector; SRR0 is the next instruction */
static const struct {
    uint32_t line, vector;
} lines[] = {
    { PPC_IRQ_EXTERNAL, 0x500 }, { PPC_IRQ_DEC, 0x900 },   { PPC_IRQ_SMI, 0x1400 },
    { PPC_IRQ_PERF, 0xF00 },     { PPC_IRQ_THERM, 0x1700 }, { PPC_IRQ_RESET, 0x100 },
    { PPC_IRQ_MCHECK, 0x200 },
};

START_TEST(interrupt_vectors)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), I_BSELF };
    cpuenv_put_code(e, 0x3000, code, 3);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_FP | MSR_ME | MSR_EE | MSR_RI;
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
    ppc_set_irq(&e->cpu, lines[_i].line, true);
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    ck_assert_uint_eq(e->cpu.srr1, 0xB002); /* EE FP ME RI */
    ck_assert_uint_eq(e->cpu.pc, lines[_i].vector);
    /* machine check clears ME (750 UM 4.5.2), the others keep it */
    ck_assert_uint_eq(e->cpu.msr, lines[_i].line == PPC_IRQ_MCHECK ? 0 : MSR_ME);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    cpuenv_free(e);
}
END_TEST

START_TEST(vectors_follow_msr_ip)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_BSELF };
    cpuenv_put_code(e, 0x3000, code, 1);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_IP | MSR_EE;
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL, true);
    ppc_run(&e->cpu, 0);
    ck_assert_uint_eq(e->cpu.pc, 0xFFF00500);
    ck_assert_uint_eq(e->cpu.msr, MSR_IP);
    ck_assert_uint_eq(e->cpu.srr1, MSR_IP | MSR_EE);
    cpuenv_free(e);
}
END_TEST

/* With EE clear the maskable ones wait; reset and machine check do not */
START_TEST(ee_masks)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), I_BSELF };
    cpuenv_put_code(e, 0x3000, code, 3);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_FP | MSR_ME;
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL | PPC_IRQ_DEC | PPC_IRQ_SMI | PPC_IRQ_PERF |
                         PPC_IRQ_THERM, true);
    ck_assert_int_eq(ppc_run(&e->cpu, 2), PPC_RUN_EXIT_REQ);
    ck_assert_int_eq(ppc_run(&e->cpu, 2), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.gpr[3], 2);
    ck_assert_uint_eq(e->cpu.pc, 0x3008);
    ppc_set_irq(&e->cpu, PPC_IRQ_RESET, true);
    ppc_run(&e->cpu, 0);
    ck_assert_uint_eq(e->cpu.pc, 0x100);
    ck_assert_uint_eq(e->cpu.srr0, 0x3008);
    cpuenv_free(e);
}
END_TEST

/* 750 UM Table 4-3: MC > SRESET > SMI > EI > PFM > DEC > TMI */
START_TEST(priorities)
{
    static const uint32_t order[] = { 0x200, 0x100, 0x1400, 0x500, 0xF00, 0x900, 0x1700 };
    CpuEnv *e = sys_env();
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL | PPC_IRQ_DEC | PPC_IRQ_SMI | PPC_IRQ_PERF |
                         PPC_IRQ_THERM | PPC_IRQ_RESET | PPC_IRQ_MCHECK, true);
    static const uint32_t drop[] = { 0, 0, PPC_IRQ_SMI, PPC_IRQ_EXTERNAL, PPC_IRQ_PERF, 0,
                                     PPC_IRQ_THERM };
    for (unsigned i = 0; i < 7; i++) {
        e->cpu.pc = 0x3000;
        e->cpu.msr = MSR_EE | MSR_ME;
        ppc_run(&e->cpu, 0);
        ck_assert_uint_eq(e->cpu.pc, order[i]);
        /* levels stay until the source drops them; the latched ones clear */
        if (drop[i])
            ppc_set_irq(&e->cpu, drop[i], false);
    }
    ck_assert_uint_eq(e->cpu.irq_pending, 0);
    cpuenv_free(e);
}
END_TEST

/* External is a level: taken again after rfi while still asserted; DEC is
 * latched: cleared when taken (linux-notes, 750 UM 4.5.9) */
START_TEST(external_level_dec_latched)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_BSELF };
    cpuenv_put_code(e, 0x3000, code, 1);
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL, true);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_EE;
    ppc_run(&e->cpu, 0);
    ck_assert_uint_eq(e->cpu.pc, 0x500);
    ck_assert(e->cpu.irq_pending & PPC_IRQ_EXTERNAL);
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL, false);
    ppc_set_irq(&e->cpu, PPC_IRQ_DEC, true);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_EE;
    ppc_run(&e->cpu, 0);
    ck_assert_uint_eq(e->cpu.pc, 0x900);
    ck_assert_uint_eq(e->cpu.irq_pending, 0);
    cpuenv_free(e);
}
END_TEST

/* rfi that sets EE with an interrupt pending: taken at once, SRR0 = the
 * rfi's target (PEM 6.4, "rfi ... enables pending exceptions") */
START_TEST(rfi_opens_pending_interrupt)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_RFI };
    uint32_t tgt[] = { I_ADDI(3, 3, 1), I_BSELF };
    cpuenv_put_code(e, 0x2000, tgt, 2);
    e->cpu.srr0 = 0x2000;
    e->cpu.srr1 = MSR_EE | MSR_PR;
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL, false);
    e->cpu.irq_pending = PPC_IRQ_EXTERNAL;
    sys_run(e, 0x3000, code, 1, 0, 2);
    ck_assert_uint_eq(e->cpu.srr0, 0x2000);
    ck_assert_uint_eq(e->cpu.srr1, MSR_EE | MSR_PR);
    ck_assert_uint_eq(e->cpu.pc, 0x500);
    ck_assert_uint_eq(e->cpu.gpr[3], 0);
    cpuenv_free(e);
}
END_TEST

/* The decrementer end to end under -icount 0 (TB = icount): mtdec 5 at
 * TB 0 puts the deadline at 5; DEC passes 0 -> -1 at TB 6, i.e. after six
 * instructions (mtdec and five addi), so 0x900 is taken with SRR0 = the
 * seventh (0x3018).  The loop is the board's: run for the scheduler's
 * budget, then fire due events. */
START_TEST(decrementer_interrupt_exact)
{
    CpuEnv *e = sys_env();
    TimeBase *tb = tb_new(ppc_tb_links(&e->cpu), 1000000, 0, TB_CLOCK_VM);
    ck_assert_ptr_nonnull(tb);
    e->cpu.tb = tb;
    uint32_t code[12] = { 0x7CD603A6 }; /* mtdec r6 */
    for (int i = 1; i < 11; i++)
        code[i] = I_ADDI(3, 3, 1);
    code[11] = I_BSELF;
    cpuenv_put_code(e, 0x3000, code, 12);
    e->cpu.gpr[6] = 5;
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_EE | MSR_FP;
    for (int i = 0; i < 50 && e->cpu.pc != 0x900; i++) {
        uint64_t budget = sched_insn_budget(tb_scheduler(tb), e->cpu.icount);
        ppc_run(&e->cpu, budget > 100 ? 100 : budget);
        tb_run_due(tb, e->cpu.icount);
    }
    ck_assert_uint_eq(e->cpu.pc, 0x900);
    ck_assert_uint_eq(e->cpu.srr0, 0x3018);
    ck_assert_uint_eq(e->cpu.gpr[3], 5);
    ck_assert_uint_eq(e->cpu.irq_pending & PPC_IRQ_DEC, 0);
    e->cpu.tb = NULL;
    tb_free(tb);
    cpuenv_free(e);
}
END_TEST

/* A decrementer edge nobody has reported yet (the board's event loop or
 * host timer is late) is pending the moment mtmsr sets EE: here no one
 * calls tb_run_due, yet the edge at TB 6 is taken right after the mtmsr
 * at 0x3030 (750 UM 4.5.9) */
START_TEST(late_decrementer_edge_taken_at_ee)
{
    CpuEnv *e = sys_env();
    TimeBase *tb = tb_new(ppc_tb_links(&e->cpu), 1000000, 0, TB_CLOCK_VM);
    ck_assert_ptr_nonnull(tb);
    e->cpu.tb = tb;
    uint32_t code[16] = { 0x7CD603A6 }; /* mtdec r6 */
    for (int i = 1; i < 12; i++)
        code[i] = I_ADDI(3, 3, 1);
    code[12] = I_MTMSR(7);
    code[13] = I_ADDI(4, 4, 1);
    code[14] = I_BSELF;
    cpuenv_put_code(e, 0x3000, code, 15);
    e->cpu.gpr[6] = 5;
    e->cpu.gpr[7] = MSR_EE | MSR_FP;
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_FP;
    for (int i = 0; i < 50 && e->cpu.icount < 13; i++)
        ppc_run(&e->cpu, 13 - e->cpu.icount);
    ck_assert_uint_eq(e->cpu.gpr[3], 11);
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(e->cpu.srr0, 0x3034);
    ck_assert_uint_eq(e->cpu.pc, 0x900);
    ck_assert_uint_eq(e->cpu.gpr[4], 0);
    e->cpu.tb = NULL;
    tb_free(tb);
    cpuenv_free(e);
}
END_TEST

START_TEST(machine_check_without_me_stops)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_BSELF };
    cpuenv_put_code(e, 0x3000, code, 1);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_EE;
    ppc_set_irq(&e->cpu, PPC_IRQ_MCHECK, true);
    ck_assert_int_eq(ppc_run(&e->cpu, 10), PPC_RUN_STOPPED);
    ck_assert_ptr_nonnull(e->cpu.stop_reason);
    ck_assert_uint_eq(e->cpu.pc, 0x3000);
    /* raised while no exit is requested: still nothing more runs */
    e->cpu.irq_pending = PPC_IRQ_MCHECK;
    e->cpu.exit_request = 0;
    ck_assert_int_eq(ppc_run(&e->cpu, 10), PPC_RUN_STOPPED);
    ck_assert_uint_eq(e->cpu.icount, 0);
    cpuenv_free(e);
}
END_TEST

START_TEST(fp_unavailable_vector)
{
    CpuEnv *e = sys_env();
    PPCOp op = { 0 };
    op.idx = 2;
    e->cpu.block_ea = 0x3000;
    e->cpu.msr = MSR_PR | MSR_EE;
    ck_assert_int_eq(ppc_fpu_unavailable(&e->cpu, &op), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.pc, 0x800);
    ck_assert_uint_eq(e->cpu.srr0, 0x3008);
    ck_assert_uint_eq(e->cpu.srr1, 0xC000);
    cpuenv_free(e);
}
END_TEST

/* Alignment DSISR by hand from PEM Table 6-11 / 750 UM 4.5.6:
 *  lmw r3,1(r4) (D-form, opcode 46 = 101110): bit17 = 0, 18-21 = 0111,
 *    rD 3, rA 4 -> 0x1C64
 *  stwcx. r5,r6,r7 (X-form xo 150): 15-16 = 10, 17 = 0, 18-21 = 0010,
 *    rS 5, rA 6 -> 0x108A6
 *  stfd f1,8(r2) (opcode 54 = 110110): 0, 1011, 1, 2 -> 0x2C22 */
static const struct {
    uint32_t insn, dsisr;
} align_cases[] = {
    { 0xB8640001u, 0x1C64 },
    { 0x7CA6392Du, 0x108A6 },
    { 0xD8220008u, 0x2C22 },
};

START_TEST(alignment_dsisr_dar)
{
    CpuEnv *e = sys_env();
    PPCOp op = { 0 };
    op.insn = align_cases[_i].insn;
    op.idx = 1;
    e->cpu.block_ea = 0x3000;
    e->cpu.msr = MSR_FP | MSR_DR;
    ck_assert_int_eq(ppc_alignment_exc(&e->cpu, &op, 0x12345), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.pc, 0x600);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    ck_assert_uint_eq(e->cpu.srr1, MSR_FP | MSR_DR);
    ck_assert_uint_eq(e->cpu.dsisr, align_cases[_i].dsisr);
    ck_assert_uint_eq(e->cpu.dar, 0x12345);
    cpuenv_free(e);
}
END_TEST

/* dcbz: alignment when the data cache is off or the page is W/I=1 */
START_TEST(dcbz_checks)
{
    CpuEnv *e = sys_env();
    PPCOp op = { 0 };
    op.insn = 0x7C0327ECu; /* dcbz r3,r4 */
    e->cpu.block_ea = 0x3000;
    uint32_t pa;
    e->cpu.msr = 0;
    ck_assert_int_eq(ppc_dcbz_check(&e->cpu, &op, 0x5014, &pa), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.pc, 0x600);
    ck_assert_uint_eq(e->cpu.dar, 0x5014);
    e->cpu.hid0 = HID0_DCE;
    e->cpu.msr = 0;
    ck_assert_int_eq(ppc_dcbz_check(&e->cpu, &op, 0x5014, &pa), 0);
    ck_assert_uint_eq(pa, 0x5000);
    /* DBAT0: EA 0 -> PA 0, 128 KiB, I=1 (WIMG 0100), PP rw */
    e->cpu.dbat[0] = 0x00000002;
    e->cpu.dbat[1] = 0x00000022;
    e->cpu.msr = MSR_DR;
    ck_assert_int_eq(ppc_dcbz_check(&e->cpu, &op, 0x5014, &pa), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.pc, 0x600);
    cpuenv_free(e);
}
END_TEST

START_TEST(single_step_trace)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), I_BSELF };
    sys_run(e, 0x3000, code, 3, MSR_SE | MSR_FP, 1);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert_uint_eq(e->cpu.pc, 0xD00);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    ck_assert_uint_eq(e->cpu.srr1, MSR_SE | MSR_FP);
    ck_assert_uint_eq(e->cpu.msr, 0);
    ck_assert_uint_eq(e->cpu.icount, 1);
    cpuenv_free(e);
}
END_TEST

START_TEST(branch_trace)
{
    CpuEnv *e = sys_env();
    /* 0x3000 addi ; 0x3004 b 0x300C ; 0x3008 addi ; 0x300C b . */
    uint32_t code[] = { I_ADDI(3, 3, 1), I_B(8), I_ADDI(3, 3, 0x10), I_BSELF };
    sys_run(e, 0x3000, code, 4, MSR_BE | MSR_FP, 2);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert_uint_eq(e->cpu.pc, 0xD00);
    ck_assert_uint_eq(e->cpu.srr0, 0x300C);
    ck_assert_uint_eq(e->cpu.srr1, MSR_BE | MSR_FP);
    cpuenv_free(e);
}
END_TEST

/* No trace after sc (it raised an exception), nor after rfi (the target's
 * first instruction is traced), nor after isync on the 750 */
START_TEST(trace_exclusions)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_SC };
    sys_run(e, 0x3000, code, 1, MSR_SE, 1);
    ck_assert_uint_eq(e->cpu.pc, 0xC00);
    uint32_t tgt[] = { I_ADDI(3, 3, 1), I_BSELF };
    cpuenv_put_code(e, 0x2000, tgt, 2);
    uint32_t ret[] = { I_RFI };
    e->cpu.srr0 = 0x2000;
    e->cpu.srr1 = MSR_SE;
    sys_run(e, 0x3000, ret, 1, 0, 1);
    ck_assert_uint_eq(e->cpu.pc, 0x2000);
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.pc, 0xD00);
    ck_assert_uint_eq(e->cpu.srr0, 0x2004);
    PPCOp tmp;
    if (ppc_decode(I_ISYNC, &tmp)) { /* isync belongs to cpu/branch.c */
        uint32_t is[] = { I_ISYNC, I_BSELF };
        sys_run(e, 0x3000, is, 2, MSR_SE, 1);
        ck_assert_uint_eq(e->cpu.pc, 0x3004);
    }
    cpuenv_free(e);
}
END_TEST

START_TEST(iabr_breaks_before_execution)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), I_BSELF };
    e->cpu.iabr = 0x3004 | 2; /* BE, TE = 0 matches MSR[IR] = 0 */
    sys_run(e, 0x3000, code, 3, MSR_FP, 5);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    ck_assert_uint_eq(e->cpu.srr1, MSR_FP);
    ck_assert_uint_eq(e->cpu.pc, 0x1300);
    /* TE = 1 does not match with translation off */
    e->cpu.iabr = 0x3004 | 3;
    e->cpu.gpr[3] = 0;
    sys_run(e, 0x3000, code, 3, MSR_FP, 2);
    ck_assert_uint_eq(e->cpu.gpr[3], 2);
    cpuenv_free(e);
}
END_TEST

/* IABR on its own vector (0x1300) breaks again before the vector's first
 * instruction each time, completing nothing, as the 750 would: ppc_run must
 * still come back to its caller (the event loop, the monitor) instead of
 * spinning inside with the budget never reached. */
START_TEST(iabr_on_its_vector_returns)
{
    CpuEnv *e = sys_env();
    /* addi r3,r3,1 ; ba 0x1300 */
    uint32_t code[] = { I_ADDI(3, 3, 1), (18u << 26) | 0x1300 | 2 };
    e->cpu.iabr = 0x1300 | 2; /* BE, TE = 0: MSR[IR] = 0 at the vector */
    int r = sys_run(e, 0x3000, code, 2, MSR_FP, UINT64_MAX);
    ck_assert_int_eq(r, PPC_RUN_EXIT_REQ);
    ck_assert_uint_eq(e->cpu.gpr[3], 1); /* the addi ran, once */
    ck_assert_uint_eq(e->cpu.pc, 0x1300);
    ck_assert_uint_eq(e->cpu.srr0, 0x1300);
    ck_assert_uint_eq(e->cpu.icount, 2);
    /* a second call comes back too */
    ck_assert_int_eq(ppc_run(&e->cpu, UINT64_MAX), PPC_RUN_EXIT_REQ);
    ck_assert_uint_eq(e->cpu.icount, 2);
    cpuenv_free(e);
}
END_TEST

/* The same from a page that is not RAM or ROM (run_uncached): with no ROM
 * and MSR[IP] set, the vectors at 0xFFF0_0000 are unmapped and read
 * 0xFFFF_FFFF, an fnmadd., which with MSR[FP] clear raises an FP
 * unavailable exception to a vector that does the same again, for ever.
 * ppc_run must come back. */
START_TEST(fault_loop_from_unmapped_returns)
{
    CpuEnv *e = cpuenv_new_rom(1, 0);
    /* addi r3,r3,1 ; ba 0xFFF00700 (sign-extended LI: -0x100000 + 0x700) */
    uint32_t code[] = { I_ADDI(3, 3, 1), (18u << 26) | (0x3FFFFFCu & 0xFFF00700u) | 2 };
    cpuenv_put_code(e, 0x3000, code, 2);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_IP;
    ck_assert_int_eq(ppc_run(&e->cpu, UINT64_MAX), PPC_RUN_EXIT_REQ);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert_uint_eq(e->cpu.icount, 2);
    ck_assert_uint_eq(e->cpu.pc, 0xFFF00800);
    ck_assert_uint_eq(e->cpu.srr0, 0xFFF00800);
    ck_assert_uint_eq(e->cpu.msr, MSR_IP);
    ck_assert_int_eq(ppc_run(&e->cpu, UINT64_MAX), PPC_RUN_EXIT_REQ);
    ck_assert_uint_eq(e->cpu.icount, 2);
    cpuenv_free(e);
}
END_TEST

Suite *suite_exc(void)
{
    Suite *s = suite_create("exc");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, interrupt_vectors, 0, sizeof(lines) / sizeof(lines[0]));
    tcase_add_test(tc, vectors_follow_msr_ip);
    tcase_add_test(tc, ee_masks);
    tcase_add_test(tc, priorities);
    tcase_add_test(tc, external_level_dec_latched);
    tcase_add_test(tc, rfi_opens_pending_interrupt);
    tcase_add_test(tc, machine_check_without_me_stops);
    tcase_add_test(tc, decrementer_interrupt_exact);
    tcase_add_test(tc, late_decrementer_edge_taken_at_ee);
    tcase_add_test(tc, fp_unavailable_vector);
    tcase_add_loop_test(tc, alignment_dsisr_dar, 0, sizeof(align_cases) / sizeof(align_cases[0]));
    tcase_add_test(tc, dcbz_checks);
    tcase_add_test(tc, single_step_trace);
    tcase_add_test(tc, branch_trace);
    tcase_add_test(tc, trace_exclusions);
    tcase_add_test(tc, iabr_breaks_before_execution);
    tcase_add_test(tc, iabr_on_its_vector_returns);
    tcase_add_test(tc, fault_loop_from_unmapped_returns);
    suite_add_tcase(s, tc);
    return s;
}
