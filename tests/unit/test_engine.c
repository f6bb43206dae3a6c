/* The block engine itself: budgets, block ends, self-modifying code. */
#include <check.h>

#include "tests/lib/cpuenv.h"

START_TEST(budget_is_exact)
{
    CpuEnv *e = cpuenv_new(1);
    /* addi r3,r3,1 x 8, then b . */
    uint32_t code[9];
    for (int i = 0; i < 8; i++)
        code[i] = 0x38630001;
    code[8] = 0x48000000;
    cpuenv_put_code(e, 0x100, code, 9);
    e->cpu.pc = 0x100;
    ck_assert_int_eq(ppc_run(&e->cpu, 5), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.gpr[3], 5);
    ck_assert_uint_eq(e->cpu.pc, 0x114);
    ck_assert_uint_eq(e->cpu.icount, 5);
    ck_assert_int_eq(ppc_run(&e->cpu, 10), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.gpr[3], 8);
    ck_assert_uint_eq(e->cpu.pc, 0x120);
    ck_assert_uint_eq(e->cpu.icount, 15);
    cpuenv_free(e);
}
END_TEST

START_TEST(store_into_code_retranslates)
{
    CpuEnv *e = cpuenv_new(1);
    /* 0x100: addi r3,r3,1 ; b 0x200
     * 0x200: stw r5,0x100(0) ; b 0x100   (r5 = addi r3,r3,16) */
    uint32_t a[] = { 0x38630001, 0x48000100 - 4 };
    uint32_t b[] = { 0x90A00100, 0x4BFFFF00 - 4 };
    a[1] = 0x48000000 | (0x200 - 0x104);
    b[1] = 0x48000000 | ((0x100 - 0x204) & 0x03FFFFFC);
    cpuenv_put_code(e, 0x100, a, 2);
    cpuenv_put_code(e, 0x200, b, 2);
    e->cpu.gpr[5] = 0x38630010;
    e->cpu.pc = 0x100;
    ck_assert_int_eq(ppc_run(&e->cpu, 5), PPC_RUN_BUDGET); /* addi, b, stw, b, addi(new) */
    ck_assert_uint_eq(e->cpu.gpr[3], 1 + 16);
    cpuenv_free(e);
}
END_TEST

START_TEST(faulting_vector_does_not_hang)
{
    CpuEnv *e = cpuenv_new(1);
    /* an illegal word at 0 and at the program vector 0x700: every entry
     * faults again at once and no instruction ever completes */
    uint32_t bad = 0x00000000;
    cpuenv_put_code(e, 0, &bad, 1);
    cpuenv_put_code(e, 0x700, &bad, 1);
    e->cpu.pc = 0;
    ck_assert_int_eq(ppc_run(&e->cpu, 1000), PPC_RUN_EXIT_REQ);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.icount, 0);
    cpuenv_free(e);
}
END_TEST

Suite *suite_engine(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, budget_is_exact);
    tcase_add_test(tc, store_into_code_retranslates);
    tcase_add_test(tc, faulting_vector_does_not_hang);
    suite_add_tcase(s, tc);
    return s;
}
