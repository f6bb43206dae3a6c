/* Loads and stores that fault leave the architectural state as it was
 * (PEM 6.1: the instruction is restartable): no GPR, CR or XER changes,
 * no update of rA, no reservation set.  Data translation is on (MSR[DR])
 * with no BATs and an empty page table, so every data access takes a DSI. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/lib/cpuenv.h"

#define ENC_D(op, d, a, imm) (((uint32_t)(op) << 26) | ((d) << 21) | ((a) << 16) | ((imm) & 0xFFFFu))
#define ENC_X(s, a, b, xo, rc) ((31u << 26) | ((s) << 21) | ((a) << 16) | ((b) << 11) | ((xo) << 1) | (rc))
#define B_SELF 0x48000000u
#define AT 0x1000u
#define EA_BASE 0x00400000u /* r4: nothing maps it */
#define HTAB 0x00080000u    /* an all-zero 64 KiB hashed page table */

typedef struct FaultCase {
    const char *what;
    uint32_t insn;
    uint32_t want_dar;
    bool store;
} FaultCase;

/* r4 = EA_BASE, r5 = 8, XER byte count 8 */
static const FaultCase fault_cases[] = {
    { "lwz", ENC_D(32, 3u, 4u, 8), EA_BASE + 8, false },
    { "lwzu", ENC_D(33, 3u, 4u, 8), EA_BASE + 8, false },
    { "lbzux", ENC_X(3u, 4u, 5u, 119, 0), EA_BASE + 8, false },
    { "lhau", ENC_D(43, 3u, 4u, 2), EA_BASE + 2, false },
    { "lhbrx", ENC_X(3u, 4u, 5u, 790, 0), EA_BASE + 8, false },
    { "stwu", ENC_D(37, 6u, 4u, 8), EA_BASE + 8, true },
    { "sthux", ENC_X(6u, 4u, 5u, 439, 0), EA_BASE + 8, true },
    { "stbu", ENC_D(39, 6u, 4u, 1), EA_BASE + 1, true },
    { "lmw", ENC_D(46, 20u, 4u, 0), EA_BASE, false },
    { "stmw", ENC_D(47, 20u, 4u, 0), EA_BASE, true },
    { "lswi", ENC_X(5u, 4u, 8u, 597, 0), EA_BASE, false },
    { "lswx", ENC_X(5u, 4u, 5u, 533, 0), EA_BASE + 8, false },
    { "stswi", ENC_X(5u, 4u, 8u, 725, 0), EA_BASE, true },
    { "lwarx", ENC_X(3u, 4u, 5u, 20, 0), EA_BASE + 8, false },
    { "dcbst", ENC_X(0u, 4u, 5u, 54, 0), EA_BASE + 8, false },
    { "dcbf", ENC_X(0u, 4u, 5u, 86, 0), EA_BASE + 8, false },
    { "icbi", ENC_X(0u, 4u, 5u, 982, 0), EA_BASE + 8, false },
};

static CpuEnv *fault_env(void)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t park = B_SELF;
    cpuenv_put_code(e, 0x300, &park, 1);
    e->cpu.sdr1 = HTAB;
    e->cpu.hid0 |= HID0_DCE;
    ppc_set_msr(&e->cpu, e->cpu.msr | MSR_DR);
    return e;
}

static void set_regs(PPCState *s)
{
    for (unsigned r = 0; r < 32; r++)
        s->gpr[r] = 0x11110000u + r;
    s->gpr[4] = EA_BASE;
    s->gpr[5] = 8;
    s->xer = 0xA0000008; /* SO, CA, byte count 8 */
    s->cr = 0x12345678;
}

START_TEST(faults_change_nothing)
{
    CpuEnv *e = fault_env();
    PPCState *s = &e->cpu;
    for (size_t i = 0; i < sizeof fault_cases / sizeof fault_cases[0]; i++) {
        const FaultCase *c = &fault_cases[i];
        uint32_t before[32];
        set_regs(s);
        s->reserve_valid = false;
        memcpy(before, s->gpr, sizeof before);
        cpuenv_put_code(e, AT, &c->insn, 1);
        s->pc = AT;
        ppc_set_msr(s, MSR_FP | MSR_DR);
        ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
        ck_assert_msg(s->pc == 0x300, "%s: pc 0x%x, no DSI", c->what, s->pc);
        ck_assert_msg(s->srr0 == AT, "%s: srr0 0x%x", c->what, s->srr0);
        ck_assert_msg(s->dar == c->want_dar, "%s: dar 0x%x want 0x%x", c->what, s->dar, c->want_dar);
        ck_assert_msg(s->dsisr == (DSISR_NOTRANS | (c->store ? DSISR_STORE : 0)), "%s: dsisr 0x%x",
                      c->what, s->dsisr);
        ck_assert_msg(!memcmp(before, s->gpr, sizeof before), "%s: a GPR changed", c->what);
        ck_assert_msg(s->xer == 0xA0000008 && s->cr == 0x12345678, "%s: XER/CR changed", c->what);
        ck_assert_msg(!s->reserve_valid, "%s: reservation set", c->what);
    }
    cpuenv_free(e);
}
END_TEST

/* A successful-looking stwcx. that faults keeps CR0 as it was */
START_TEST(stwcx_fault)
{
    CpuEnv *e = fault_env();
    PPCState *s = &e->cpu;
    set_regs(s);
    uint32_t insn = ENC_X(6u, 4u, 5u, 150, 1);
    cpuenv_put_code(e, AT, &insn, 1);
    s->reserve_valid = true;
    s->reserve_addr = EA_BASE + 8;
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dsisr, DSISR_NOTRANS | DSISR_STORE);
    ck_assert_uint_eq(s->cr, 0x12345678);
    cpuenv_free(e);
}
END_TEST

/* dcbz faults like a store; dcbt/dcbtst never fault (PEM 8, "dcbt") */
START_TEST(cache_op_faults)
{
    CpuEnv *e = fault_env();
    PPCState *s = &e->cpu;
    set_regs(s);
    uint32_t insn = ENC_X(0u, 4u, 5u, 1014, 0);
    cpuenv_put_code(e, AT, &insn, 1);
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dsisr, DSISR_NOTRANS | DSISR_STORE);
    static const uint32_t touch[] = { ENC_X(0u, 4u, 5u, 278, 0), ENC_X(0u, 4u, 5u, 246, 0) };
    for (unsigned i = 0; i < 2; i++) {
        ppc_set_msr(s, MSR_FP | MSR_DR);
        cpuenv_put_code(e, AT, &touch[i], 1);
        s->pc = AT;
        ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
        ck_assert_uint_eq(s->pc, AT + 4);
    }
    cpuenv_free(e);
}
END_TEST

/* lwarx/stwcx. to write-through memory: DSI with DSISR[5] (PEM 6.4.3).
 * DBAT0 maps EA 0-128K to PA 0 with WIMG = 1000, PP = read/write. */
START_TEST(reservation_write_through)
{
    CpuEnv *e = fault_env();
    PPCState *s = &e->cpu;
    s->dbat[0] = 0x00000002; /* BEPI 0, BL 128K, Vs */
    s->dbat[1] = 0x00000042; /* BRPN 0, W=1, PP=10 */
    ppc_tlb_flush(s);
    set_regs(s);
    s->gpr[4] = 0x8000;
    s->gpr[5] = 0;
    uint32_t insn = ENC_X(3u, 4u, 5u, 20, 0); /* lwarx r3,r4,r5 */
    cpuenv_put_code(e, AT, &insn, 1);
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dsisr, DSISR_DIRECT);
    ck_assert_uint_eq(s->dar, 0x8000);
    ck_assert_uint_eq(s->gpr[3], 0x11110003);
    ck_assert(!s->reserve_valid);
    /* after a store to the page (which must not leave a soft-TLB write tag
     * for a W=1 page) lwarx still faults */
    insn = ENC_D(36, 6u, 4u, 0); /* stw r6,0(r4) */
    cpuenv_put_code(e, AT, &insn, 1);
    ppc_set_msr(s, MSR_FP | MSR_DR);
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, AT + 4);
    ck_assert_uint_eq(cpuenv_read32(e, 0x8000), 0x11110006);
    insn = ENC_X(3u, 4u, 5u, 20, 0);
    cpuenv_put_code(e, AT, &insn, 1);
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dsisr, DSISR_DIRECT);
    /* a plain load through the same BAT works */
    insn = ENC_X(3u, 4u, 5u, 23, 0); /* lwzx */
    cpuenv_write32(e, 0x8000, 0x5555AAAA);
    cpuenv_put_code(e, AT, &insn, 1);
    ppc_set_msr(s, MSR_FP | MSR_DR);
    s->pc = AT;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, AT + 4);
    ck_assert_uint_eq(s->gpr[3], 0x5555AAAA);
    cpuenv_free(e);
}
END_TEST

Suite *suite_ldst_fault(void)
{
    Suite *s = suite_create("ldst_fault");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, faults_change_nothing);
    tcase_add_test(tc, stwcx_fault);
    tcase_add_test(tc, cache_op_faults);
    tcase_add_test(tc, reservation_write_through);
    suite_add_tcase(s, tc);
    return s;
}
