/*
 * DSI (750 UM 4.5.3) and ISI (4.5.4) with their exact DSISR/DAR/SRR0/SRR1.
 *
 * DSISR bits (IBM numbering): 1 = no translation (0x40000000), 4 =
 * protection (0x08000000), 5 = direct-store segment, SR[T]=1 (0x04000000),
 * 6 = store (0x02000000), 9 = DABR match (0x00400000), 11 = eciwx/ecowx
 * with EAR[E]=0 (0x00100000).  DAR = the EA; SRR0 = the instruction.
 * ISI SRR1: 1 = no translation (0x40000000), 3 = direct-store, no-execute
 * segment or guarded memory (0x10000000), 4 = protection (0x08000000);
 * SRR0 = the EA that could not be fetched.  Both: SRR1 also gets MSR bits
 * 16-23, 25-27, 30-31.
 */
#include "mmu.h"

#define SRR1_MSR_MASK 0x0000FF73u
uint32_t htab[HTAB_SIZE / 4] __attribute__((aligned(HTAB_SIZE)));
static uint8_t page_data[4096] __attribute__((aligned(4096)));
static uint32_t page_code[1024] __attribute__((aligned(4096)));

__asm__(".text\n"
        ".globl p_lwz, p_stw, p_eciwx, p_ecowx\n"
        "p_lwz:   lwz r3, 0(r3)\n  blr\n"
        "p_stw:   stw r4, 0(r3)\n  blr\n"
        "p_eciwx: eciwx r3, 0, r3\n  blr\n"
        "p_ecowx: ecowx r4, 0, r3\n  blr\n");
extern char p_lwz[], p_stw[], p_eciwx[], p_ecowx[];
static uint32_t lwz(uint32_t ea) { return ((uint32_t (*)(uint32_t))p_lwz)(ea); }
static void stw(uint32_t ea, uint32_t v) { ((void (*)(uint32_t, uint32_t))p_stw)(ea, v); }

static volatile ExcFrame last;
static volatile int taken;

static void on_dsi(ExcFrame *f)
{
    last = *f;
    taken++;
    exc_skip(f);
}

/* ISI: the faulting fetch was a call through CTR: return to the caller */
static void on_isi(ExcFrame *f)
{
    last = *f;
    taken++;
    f->srr0 = f->lr;
}

static uint32_t run_msr;  /* MSR the translated part runs with */

static void expect_dsi(uint32_t srr0, uint32_t dar, uint32_t dsisr, const char *what)
{
    rt_printf("  %s: taken %d vec %x srr0 %08x srr1 %08x dar %08x dsisr %08x\n", what, taken,
              last.vector, last.srr0, last.srr1, last.dar, last.dsisr);
    if (taken != 1) {
        CHECK_EQ(taken, 1, what);
        return;
    }
    CHECK_EQ(last.vector, 0x300, what);
    CHECK_EQ(last.srr0, srr0, what);
    CHECK_EQ(last.srr1, run_msr & SRR1_MSR_MASK, what);
    CHECK_EQ(last.dar, dar, what);
    CHECK_EQ(last.dsisr, dsisr, what);
}

static void expect_isi(uint32_t srr0, uint32_t bits, const char *what)
{
    rt_printf("  %s: taken %d vec %x srr0 %08x srr1 %08x\n", what, taken, last.vector, last.srr0, last.srr1);
    if (taken != 1) {
        CHECK_EQ(taken, 1, what);
        return;
    }
    CHECK_EQ(last.vector, 0x400, what);
    CHECK_EQ(last.srr0, srr0, what);
    CHECK_EQ(last.srr1, (run_msr & SRR1_MSR_MASK) | bits, what);
}

#define VSID(sr) (0x00ABC0u + (sr))

/* ---- data side, run with IR|DR (and PR for the user cases) ---- */
static volatile uint32_t got;

static void d_miss_load(void) { got = lwz(0x50000010); }
static void d_miss_store(void) { stw(0x50000020, 1); }
static void d_ro_load(void) { got = lwz(0x50001004); }
static void d_ro_store(void) { stw(0x50001008, 2); }
static void d_pp00_load(void) { got = lwz(0x50002000); }
static void d_pp01_store(void) { stw(0x5000600C, 0x0D0D0D0D); }
static void d_pp01_load(void) { got = lwz(0x5000600C); }
static void d_ks_load(void) { got = lwz(0x40007010); }
static void d_direct_store_load(void) { got = lwz(0x70000040); }
static void d_direct_store_store(void) { stw(0x70000044, 3); }

static void data_side(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0x300, on_dsi);

    run_msr = msr | MSR_IR | MSR_DR;
    taken = 0;
    rt_run_msr(d_miss_load, run_msr);
    expect_dsi((uint32_t)p_lwz, 0x50000010, 0x40000000, "load, no translation");

    taken = 0;
    rt_run_msr(d_miss_store, run_msr);
    expect_dsi((uint32_t)p_stw, 0x50000020, 0x42000000, "store, no translation");

    /* PP=11: read-only for either key */
    ((volatile uint32_t *)page_data)[1] = 0xCAFEF00D;
    pte_map(VSID(5), 0x50001000, (uint32_t)page_data, WIMG_M, PP_RO3, 0, 0);
    taken = 0;
    rt_run_msr(d_ro_load, run_msr);
    CHECK_EQ(taken, 0, "load from a PP=11 page");
    CHECK_EQ(got, 0xCAFEF00D, "load from a PP=11 page reads the mapped page");
    rt_run_msr(d_ro_store, run_msr);
    expect_dsi((uint32_t)p_stw, 0x50001008, 0x0A000000, "store to a PP=11 page");

    /* PP=00 with key 1 (user, SR[Kp]=1): no access */
    pte_map(VSID(5), 0x50002000, (uint32_t)page_data, WIMG_M, PP_NONE, 0, 0);
    taken = 0;
    rt_run_msr(d_pp00_load, run_msr);
    CHECK_EQ(taken, 0, "supervisor (key 0) load from a PP=00 page");
    run_msr = msr | MSR_IR | MSR_DR | MSR_PR;
    rt_run_msr(d_pp00_load, run_msr);
    expect_dsi((uint32_t)p_lwz, 0x50002000, 0x08000000, "user load from a PP=00 page (key 1)");

    /* PP=01: key 0 read/write, key 1 read-only (PEM 7.5.4, Table 7-10) */
    pte_map(VSID(5), 0x50006000, (uint32_t)page_data, WIMG_M, PP_RO, 0, 0);
    taken = 0;
    run_msr = msr | MSR_IR | MSR_DR;
    rt_run_msr(d_pp01_store, run_msr);
    CHECK_EQ(taken, 0, "supervisor (key 0) store to a PP=01 page");
    run_msr = msr | MSR_IR | MSR_DR | MSR_PR;
    rt_run_msr(d_pp01_load, run_msr);
    CHECK_EQ(taken, 0, "user (key 1) load from a PP=01 page");
    CHECK_EQ(got, 0x0D0D0D0D, "user load from a PP=01 page reads what the supervisor stored");
    rt_run_msr(d_pp01_store, run_msr);
    expect_dsi((uint32_t)p_stw, 0x5000600C, 0x0A000000, "user store to a PP=01 page (key 1)");

    /* SR[Ks] = 1 in segment 4: the supervisor has key 1, PP=00 -> no access */
    mtsr(4, SR_KS | SR_KP | VSID(4));
    pte_map(VSID(4), 0x40007000, (uint32_t)page_data, WIMG_M, PP_NONE, 0, 0);
    run_msr = msr | MSR_IR | MSR_DR;
    taken = 0;
    rt_run_msr(d_ks_load, run_msr);
    expect_dsi((uint32_t)p_lwz, 0x40007010, 0x08000000, "supervisor load, key 1 (SR[Ks]), PP=00");

    /* SR[T] = 1: direct-store segment, not supported by the 750 -> DSI */
    run_msr = msr | MSR_IR | MSR_DR;
    taken = 0;
    rt_run_msr(d_direct_store_load, run_msr);
    expect_dsi((uint32_t)p_lwz, 0x70000040, 0x04000000, "load from a T=1 segment");
    taken = 0;
    rt_run_msr(d_direct_store_store, run_msr);
    expect_dsi((uint32_t)p_stw, 0x70000044, 0x06000000, "store to a T=1 segment");

    /* DABR (750 UM 2.1.2.3): DR-bit match on a read, BT=0 (MSR[DR]=0) */
    run_msr = msr;
    static volatile uint32_t watched[4];
    mtspr(SPR_DABR, ((uint32_t)&watched[2] & ~7u) | 0x1);
    taken = 0;
    got = lwz((uint32_t)&watched[2]);
    mtspr(SPR_DABR, 0);
    expect_dsi((uint32_t)p_lwz, (uint32_t)&watched[2], 0x00400000, "DABR read match");

    /* eciwx/ecowx with EAR[E] = 0 */
    mtspr(SPR_EAR, 0);
    taken = 0;
    ((uint32_t (*)(uint32_t))p_eciwx)((uint32_t)&watched[0]);
    expect_dsi((uint32_t)p_eciwx, (uint32_t)&watched[0], 0x00100000, "eciwx with EAR[E]=0");
    taken = 0;
    ((void (*)(uint32_t, uint32_t))p_ecowx)((uint32_t)&watched[0], 1);
    expect_dsi((uint32_t)p_ecowx, (uint32_t)&watched[0], 0x02100000, "ecowx with EAR[E]=0");
}

/* ---- instruction side ---- */
static volatile uint32_t ret;
static void i_call(uint32_t ea) { ret = ((uint32_t (*)(void))ea)(); }
static void i_ok(void) { i_call(0x50003000); }
static void i_miss(void) { i_call(0x50010000); }
static void i_noexec(void) { i_call(0x60003000); }
static void i_guarded(void) { i_call(0x50004000); }
static void i_pp00(void) { i_call(0x50005000); }
static void i_direct_store(void) { i_call(0x70001000); }

static void instruction_side(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0x400, on_isi);
    page_code[0] = 0x38600077; /* li r3,0x77 */
    page_code[1] = 0x4E800020; /* blr */
    rt_sync_icache(page_code, 8);
    pte_map(VSID(5), 0x50003000, (uint32_t)page_code, WIMG_M, PP_RW, 0, 1);
    pte_map(VSID(6), 0x60003000, (uint32_t)page_code, WIMG_M, PP_RW, 0, 1);
    pte_map(VSID(5), 0x50004000, (uint32_t)page_code, WIMG_M | WIMG_G, PP_RW, 0, 1);
    pte_map(VSID(5), 0x50005000, (uint32_t)page_code, WIMG_M, PP_NONE, 0, 1);

    run_msr = msr | MSR_IR | MSR_DR;
    taken = 0;
    ret = 0;
    rt_run_msr(i_ok, run_msr);
    CHECK_EQ(taken, 0, "fetch from a mapped page");
    CHECK_EQ(ret, 0x77, "code in a mapped page runs");

    taken = 0;
    rt_run_msr(i_miss, run_msr);
    expect_isi(0x50010000, 0x40000000, "fetch, no translation");

    taken = 0;
    rt_run_msr(i_noexec, run_msr);
    expect_isi(0x60003000, 0x10000000, "fetch from a no-execute segment (SR[N]=1)");

    taken = 0;
    rt_run_msr(i_guarded, run_msr);
    expect_isi(0x50004000, 0x10000000, "fetch from a guarded page (PTE G=1)");

    taken = 0;
    rt_run_msr(i_direct_store, run_msr);
    expect_isi(0x70001000, 0x10000000, "fetch from a direct-store segment (SR[T]=1)");

    run_msr = msr | MSR_IR | MSR_DR | MSR_PR;
    taken = 0;
    rt_run_msr(i_pp00, run_msr);
    expect_isi(0x50005000, 0x08000000, "user fetch from a PP=00 page (key 1)");
}

int main(void)
{
    bats_clear();
    bats_identity();
    htab_init();
    for (unsigned sr = 0; sr < 16; sr++)
        mtsr(sr, SR_KP | VSID(sr));          /* supervisor key 0, user key 1 */
    mtsr(6, SR_KP | SR_N | VSID(6));         /* no-execute */
    mtsr(7, SR_T | 0x00000123u);             /* direct-store */
    data_side();
    instruction_side();
    return rt_result("mmu_exc");
}
