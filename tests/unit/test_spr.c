/* SPRs: masks, read-only registers, privilege, unknown numbers, the user
 * copies of the performance monitor, mftb without a timebase, DEC as a
 * plain register, TLB flushes on BAT/SDR1 writes (750 UM 2.1). */
#include <check.h>

#include "tests/unit/test_sys_insn.h"
#include "timebase/tb.h"

static PPCOp op_at(CpuEnv *e, uint32_t ea)
{
    PPCOp op = { 0 };
    e->cpu.block_ea = ea;
    return op;
}

static uint32_t rd(CpuEnv *e, unsigned spr)
{
    PPCOp op = op_at(e, 0x3000);
    uint32_t v = 0xDEAD;
    ck_assert_int_eq(ppc_mfspr(&e->cpu, &op, spr, &v), 0);
    return v;
}

static void wr(CpuEnv *e, unsigned spr, uint32_t v)
{
    PPCOp op = op_at(e, 0x3000);
    ck_assert_int_eq(ppc_mtspr(&e->cpu, &op, spr, v), 0);
}

/* Write all-ones, read back: the field masks of PEM 7.4.3 (BATs), 7.7.1.1
 * (SDR1), 750 UM 2.1.1 (XER) */
static const struct {
    unsigned spr;
    uint32_t readback;
} masks[] = {
    { 1, 0xE000007F },   /* XER */
    { 25, 0xFFFF01FF },  /* SDR1 */
    { 528, 0xFFFE1FFF }, /* IBAT0U */
    { 529, 0xFFFE007B }, /* IBAT0L */
    { 543, 0xFFFE007B }, /* DBAT3L */
    { 542, 0xFFFE1FFF }, /* DBAT3U */
    { 287, 0x00080200 }, /* PVR: read-only */
    { 1017, 0xFFFFFFFE }, /* L2CR: L2IP reads 0, invalidation done at once */
    { 272, 0xFFFFFFFF }, { 275, 0xFFFFFFFF }, /* SPRG0, SPRG3 */
    { 26, 0xFFFFFFFF },  { 27, 0xFFFFFFFF },  /* SRR0, SRR1 */
    { 18, 0xFFFFFFFF },  { 19, 0xFFFFFFFF },  /* DSISR, DAR */
    { 1008, 0xFFFFF3FF }, /* HID0: ICFI and DCFI clear themselves */
    { 1009, 0 },         /* HID1: read-only */
    { 22, 0xFFFFFFFF },  /* DEC, a plain register without a timebase */
    { 953, 0xFFFFFFFF }, { 952, 0xFFFFFFFF }, { 955, 0xFFFFFFFF }, /* PMC1 MMCR0 SIA */
    { 1019, 0xFFFFFFFF }, { 1020, 0xFFFFFFFF }, { 1022, 0xFFFFFFFF }, /* ICTC THRM1 THRM3 */
    { 1010, 0xFFFFFFFF }, /* IABR */
    { 282, 0x8000003F }, /* EAR: E and RID */
};

START_TEST(spr_masks)
{
    CpuEnv *e = sys_env();
    e->cpu.msr = 0; /* supervisor; IABR all-ones would break at ~0 only */
    wr(e, masks[_i].spr, 0xFFFFFFFF);
    ck_assert_uint_eq(rd(e, masks[_i].spr), masks[_i].readback);
    cpuenv_free(e);
}
END_TEST

/* PEM 3.3.16: SPR numbers with 0x10 set are privileged */
static const unsigned priv_sprs[] = { 18, 19, 22, 25, 26, 27, 272, 287, 528, 1008, 1013, 953 };

START_TEST(privileged_spr_in_user_mode)
{
    CpuEnv *e = sys_env();
    PPCOp op = op_at(e, 0x3004);
    uint32_t v = 0x1234;
    e->cpu.msr = MSR_PR | MSR_FP;
    ck_assert_int_eq(ppc_mfspr(&e->cpu, &op, priv_sprs[_i], &v), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    ck_assert_uint_eq(e->cpu.srr1, 0x00040000u | MSR_PR | MSR_FP);
    ck_assert_uint_eq(v, 0x1234);
    e->cpu.msr = MSR_PR;
    e->cpu.sprg[0] = 7;
    ck_assert_int_eq(ppc_mtspr(&e->cpu, &op, 272, 1), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.sprg[0], 7);
    ck_assert_uint_eq(e->cpu.srr1, 0x00040000u | MSR_PR);
    cpuenv_free(e);
}
END_TEST

START_TEST(user_sprs_in_user_mode)
{
    CpuEnv *e = sys_env();
    e->cpu.msr = MSR_PR;
    wr(e, 8, 0x1111);
    ck_assert_uint_eq(e->cpu.lr, 0x1111);
    wr(e, 9, 0x2222);
    ck_assert_uint_eq(rd(e, 9), 0x2222);
    /* UPMC1/UMMCR0/USIA (937/936/939) read the supervisor registers and
     * ignore writes (750 UM 2.1.2.4) */
    e->cpu.pmc[0] = 0x42;
    e->cpu.mmcr[0] = 0x43;
    e->cpu.sia = 0x44;
    e->cpu.pmc[3] = 0x45;
    ck_assert_uint_eq(rd(e, 937), 0x42);
    ck_assert_uint_eq(rd(e, 936), 0x43);
    ck_assert_uint_eq(rd(e, 939), 0x44);
    ck_assert_uint_eq(rd(e, 942), 0x45);
    wr(e, 937, 0x99);
    ck_assert_uint_eq(e->cpu.pmc[0], 0x42);
    /* unknown user SPR: reads 0, write ignored */
    wr(e, 3, 0x77);
    ck_assert_uint_eq(rd(e, 3), 0);
    ck_assert_uint_eq(e->cpu.pc, 0);
    cpuenv_free(e);
}
END_TEST

START_TEST(unknown_supervisor_spr)
{
    CpuEnv *e = sys_env();
    e->cpu.msr = 0;
    wr(e, 1023, 0x77);
    ck_assert_uint_eq(rd(e, 1023), 0);
    ck_assert_uint_eq(e->cpu.pc, 0);
    cpuenv_free(e);
}
END_TEST

/* Without a timebase TB reads 0; mftb works in user mode; a TBR other
 * than 268/269 is an illegal instruction (PEM 8, mftb) */
START_TEST(mftb_without_timebase)
{
    CpuEnv *e = sys_env();
    PPCOp op = op_at(e, 0x3000);
    uint32_t v = 5;
    e->cpu.msr = MSR_PR;
    ck_assert_int_eq(ppc_mftb(&e->cpu, &op, 268, &v), 0);
    ck_assert_uint_eq(v, 0);
    v = 5;
    ck_assert_int_eq(ppc_mftb(&e->cpu, &op, 269, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(ppc_mftb(&e->cpu, &op, 270, &v), PPC_FAULT);
    ck_assert_uint_eq(e->cpu.pc, 0x700);
    ck_assert_uint_eq(e->cpu.srr1, 0x00080000u | MSR_PR);
    cpuenv_free(e);
}
END_TEST

/* With a timebase under -icount 0 (one tick per instruction, TB 0 at
 * icount 0): mftb reads the exact instruction count inside a block, mtdec/
 * mfdec count down with it, mttbl/mttbu rebase TB.  Encodings: mftb r4 =
 * 0x7C8C42E6, mftbu r5 = 0x7CAD42E6, mtdec r6 = 0x7CD603A6, mfdec r7 =
 * 0x7CF602A6, mttbl r8 = 0x7D1C43A6, mttbu r9 = 0x7D3D43A6. */
START_TEST(timebase_and_decrementer)
{
    CpuEnv *e = sys_env();
    e->cpu.tb = tb_new(ppc_tb_links(&e->cpu), 1000000, 0, TB_CLOCK_VM);
    ck_assert_ptr_nonnull(e->cpu.tb);
    uint32_t code[] = { I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), 0x7C8C42E6, 0x7CD603A6,
                        I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), 0x7CF602A6, 0x7D1C43A6,
                        0x7D3D43A6, 0x7CAD42E6, I_BSELF };
    e->cpu.gpr[6] = 100;
    e->cpu.gpr[8] = 0xFFFFFFF0;
    e->cpu.gpr[9] = 0x12;
    cpuenv_put_code(e, 0x3000, code, 11);
    e->cpu.pc = 0x3000;
    e->cpu.msr = MSR_FP;
    /* arming timer events asks the run loop to return: run on until done */
    for (int i = 0; i < 20 && e->cpu.icount < 10; i++)
        ppc_run(&e->cpu, 10 - e->cpu.icount);
    ck_assert_uint_eq(e->cpu.icount, 10);
    ck_assert_uint_eq(e->cpu.gpr[4], 2);        /* mftb is instruction 2 */
    ck_assert_uint_eq(e->cpu.gpr[7], 100 - 3);  /* mtdec at 3, mfdec at 6 */
    /* mttbl at 7 (TB = 0xFFFFFFF0), mttbu at 8 (TB = 0x12_FFFFFFF1),
     * mftbu at 9: TB = 0x12_FFFFFFF2 */
    ck_assert_uint_eq(e->cpu.gpr[5], 0x12);
    tb_free(e->cpu.tb);
    e->cpu.tb = NULL;
    cpuenv_free(e);
}
END_TEST

static bool tlb_empty(const PPCState *s)
{
    for (unsigned i = 0; i < PPC_TLB_SIZE; i++)
        if (s->tlb[i].tag_r != PPC_TLB_INVALID || s->tlb[i].tag_w != PPC_TLB_INVALID ||
            s->tlb[i].tag_x != PPC_TLB_INVALID)
            return false;
    return true;
}

/* Registers whose writes change translation flush the soft TLB */
static const unsigned flushing[] = { 25, 528, 531, 536, 543, 1013 };

START_TEST(translation_sprs_flush_tlb)
{
    CpuEnv *e = sys_env();
    uint32_t code[] = { I_LWZ(4, 0, 3), I_STW(4, 4, 3), I_BSELF };
    e->cpu.gpr[3] = 0x5000;
    sys_run(e, 0x3000, code, 3, MSR_FP, 2);
    ck_assert(!tlb_empty(&e->cpu));
    e->cpu.msr = 0;
    wr(e, flushing[_i], 0);
    ck_assert(tlb_empty(&e->cpu));
    cpuenv_free(e);
}
END_TEST

Suite *suite_spr(void)
{
    Suite *s = suite_create("spr");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, spr_masks, 0, sizeof(masks) / sizeof(masks[0]));
    tcase_add_loop_test(tc, privileged_spr_in_user_mode, 0, sizeof(priv_sprs) / sizeof(priv_sprs[0]));
    tcase_add_test(tc, user_sprs_in_user_mode);
    tcase_add_test(tc, unknown_supervisor_spr);
    tcase_add_test(tc, mftb_without_timebase);
    tcase_add_test(tc, timebase_and_decrementer);
    tcase_add_loop_test(tc, translation_sprs_flush_tlb, 0, sizeof(flushing) / sizeof(flushing[0]));
    suite_add_tcase(s, tc);
    return s;
}
