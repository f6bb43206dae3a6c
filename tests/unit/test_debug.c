/* The debugger's breakpoints, watchpoints and single step in the run loop
 * (cpu/exec.c, PPCState.debug_*): nothing in guest memory changes, a
 * breakpoint stops before its instruction with the count unchanged, a
 * watchpoint before the access, a resumed stop runs its instruction once. */
#include <check.h>

#include "tests/lib/cpuenv.h"

/* 0x100: addi r3,r3,1 x 4, stw r3,0x400(0), b 0x100 */
static CpuEnv *loop_env(void)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t code[6] = { 0x38630001, 0x38630001, 0x38630001, 0x38630001, 0x90600400,
                         0x48000000 | ((0x100 - 0x114) & 0x03FFFFFC) };
    cpuenv_put_code(e, 0x100, code, 6);
    e->cpu.pc = 0x100;
    return e;
}

START_TEST(breakpoint_stops_before_the_instruction)
{
    CpuEnv *e = loop_env();
    ck_assert_int_eq(ppc_debug_bp_insert(&e->cpu, 0x108), 0);
    ck_assert_uint_eq(cpuenv_read32(e, 0x108), 0x38630001); /* memory untouched */
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_int_eq(e->cpu.debug_stop, PPC_DEBUG_STOP_BP);
    ck_assert_uint_eq(e->cpu.pc, 0x108);
    ck_assert_uint_eq(e->cpu.icount, 2);
    ck_assert_uint_eq(e->cpu.gpr[3], 2);
    /* resuming runs it once, the next round stops there again */
    ppc_debug_resume(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_uint_eq(e->cpu.pc, 0x108);
    ck_assert_uint_eq(e->cpu.icount, 2 + 6);
    /* removed: the loop runs to its budget */
    ck_assert_int_eq(ppc_debug_bp_remove(&e->cpu, 0x108), 0);
    ck_assert_int_ne(ppc_debug_bp_remove(&e->cpu, 0x108), 0);
    ppc_debug_resume(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 100), PPC_RUN_BUDGET);
    ck_assert(!e->cpu.debug_active);
    cpuenv_free(e);
}
END_TEST

START_TEST(resume_elsewhere_does_not_skip)
{
    CpuEnv *e = loop_env();
    ck_assert_int_eq(ppc_debug_bp_insert(&e->cpu, 0x108), 0);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    e->cpu.pc = 0x104; /* the debugger moved the PC */
    ppc_debug_resume(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_uint_eq(e->cpu.pc, 0x108);
    ck_assert_uint_eq(e->cpu.icount, 3);
    cpuenv_free(e);
}
END_TEST

START_TEST(watchpoint_stops_before_the_store)
{
    CpuEnv *e = loop_env();
    cpuenv_write32(e, 0x400, 0x11111111);
    /* a store that went to the soft TLB's fast path before the watch */
    ck_assert_int_eq(ppc_run(&e->cpu, 6), PPC_RUN_BUDGET);
    ck_assert_uint_eq(cpuenv_read32(e, 0x400), 4);
    ck_assert_int_eq(ppc_debug_wp_insert(&e->cpu, 0x402, 1, PPC_WATCH_WRITE), 0);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_int_eq(e->cpu.debug_stop, PPC_DEBUG_STOP_WATCH);
    /* the first watched byte of the word store at 0x400: gdb matches the
     * reported address against the watchpoint's range */
    ck_assert_uint_eq(e->cpu.debug_hit_ea, 0x402);
    ck_assert_uint_eq(e->cpu.pc, 0x110);
    ck_assert_uint_eq(e->cpu.icount, 10);
    ck_assert_uint_eq(cpuenv_read32(e, 0x400), 4); /* not yet */
    ppc_debug_resume(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_uint_eq(cpuenv_read32(e, 0x400), 8);
    ck_assert_uint_eq(e->cpu.pc, 0x110);
    /* a read watchpoint does not fire on a store */
    ck_assert_int_eq(ppc_debug_wp_remove(&e->cpu, 0x402, 1, PPC_WATCH_WRITE), 0);
    ck_assert_int_eq(ppc_debug_wp_insert(&e->cpu, 0x400, 4, PPC_WATCH_READ), 0);
    ppc_debug_resume(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 60), PPC_RUN_BUDGET);
    cpuenv_free(e);
}
END_TEST

/* stfd takes the slow path under a watch (ppc_st64's two words): a watch
 * on its second word stops it before the first word is stored */
START_TEST(watchpoint_on_the_second_word_of_stfd)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t code[2] = { 0xD8200400 /* stfd f1,0x400(0) */, 0x48000000 /* b . */ };
    cpuenv_put_code(e, 0x100, code, 2);
    e->cpu.pc = 0x100;
    e->cpu.fpr[1] = 0x0123456789ABCDEFull;
    cpuenv_write32(e, 0x400, 0x11111111);
    cpuenv_write32(e, 0x404, 0x22222222);
    ck_assert_int_eq(ppc_debug_wp_insert(&e->cpu, 0x404, 4, PPC_WATCH_WRITE), 0);
    ck_assert_int_eq(ppc_run(&e->cpu, 100), PPC_RUN_DEBUG);
    ck_assert_int_eq(e->cpu.debug_stop, PPC_DEBUG_STOP_WATCH);
    ck_assert_uint_eq(e->cpu.debug_hit_ea, 0x404);
    ck_assert_uint_eq(e->cpu.pc, 0x100);
    ck_assert_uint_eq(cpuenv_read32(e, 0x400), 0x11111111); /* neither word yet */
    ck_assert_uint_eq(cpuenv_read32(e, 0x404), 0x22222222);
    ppc_debug_resume(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 10), PPC_RUN_BUDGET);
    ck_assert_uint_eq(cpuenv_read32(e, 0x400), 0x01234567);
    ck_assert_uint_eq(cpuenv_read32(e, 0x404), 0x89ABCDEF);
    cpuenv_free(e);
}
END_TEST

START_TEST(single_step_runs_one_instruction)
{
    CpuEnv *e = loop_env();
    ppc_debug_set_step(&e->cpu, true);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_int_eq(e->cpu.debug_stop, PPC_DEBUG_STOP_STEP);
    ck_assert_uint_eq(e->cpu.pc, 0x104);
    ck_assert_uint_eq(e->cpu.icount, 1);
    /* a pending interrupt waits while stepping */
    e->cpu.msr |= MSR_EE;
    ppc_set_irq(&e->cpu, PPC_IRQ_EXTERNAL, true);
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_DEBUG);
    ck_assert_uint_eq(e->cpu.pc, 0x108);
    ppc_debug_set_step(&e->cpu, false);
    ck_assert(!e->cpu.debug_active);
    cpuenv_free(e);
}
END_TEST

Suite *suite_debug(void)
{
    Suite *s = suite_create("debug");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, breakpoint_stops_before_the_instruction);
    tcase_add_test(tc, resume_elsewhere_does_not_skip);
    tcase_add_test(tc, watchpoint_stops_before_the_store);
    tcase_add_test(tc, watchpoint_on_the_second_word_of_stfd);
    tcase_add_test(tc, single_step_runs_one_instruction);
    suite_add_tcase(s, tc);
    return s;
}
