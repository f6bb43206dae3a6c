/*
 * Page-table translation with a real hashed page table (PEM 7.6): primary
 * and secondary PTEG, the API compare, R and C written back by the table
 * search (750 UM 5.4.1), tlbie after a PTE change, and code remapped to a
 * different physical page while the EA stays the same.
 */
#include "mmu.h"

uint32_t htab[HTAB_SIZE / 4] __attribute__((aligned(HTAB_SIZE)));
static uint32_t pages[6][1024] __attribute__((aligned(4096)));

#define VSID4 0x0012340u
#define EA_A  0x40000000u  /* primary PTEG */
#define EA_B  0x40001000u  /* secondary PTEG */
#define EA_C  0x40002000u  /* remapped data */
#define EA_X  0x40003000u  /* remapped code */
#define EA_Y  0x40400000u  /* same PTEG as EA_A, different API */

static volatile int dsi_taken;
static volatile uint32_t dsi_dar, dsi_dsisr;
static void on_dsi(ExcFrame *f)
{
    dsi_taken++;
    dsi_dar = f->dar;
    dsi_dsisr = f->dsisr;
    exc_skip(f);
}

static volatile uint32_t r[8];

static void t_rw(void)
{
    volatile uint32_t *a = (volatile uint32_t *)EA_A, *b = (volatile uint32_t *)EA_B;
    r[0] = a[1];                 /* load: sets R */
    b[2] = 0x0B0B0B0B;           /* store: sets R and C */
    r[1] = b[3];
}

static void t_load_c(void) { r[2] = *(volatile uint32_t *)EA_C; }
static void t_load_y(void) { r[3] = *(volatile uint32_t *)EA_Y; }
static void t_call_x(void) { r[4] = ((uint32_t (*)(void))EA_X)(); }

int main(void)
{
    bats_clear();
    bats_identity();
    htab_init();
    for (unsigned sr = 0; sr < 16; sr++)
        mtsr(sr, VSID4 + sr);
    exc_set_handler(0x300, on_dsi);
    uint32_t msr = mfmsr(), tmsr = msr | MSR_IR | MSR_DR;

    pages[0][1] = 0xAAAA0001;
    pages[1][3] = 0xBBBB0003;
    volatile uint32_t *pa = pte_map(VSID4 + 4, EA_A, (uint32_t)pages[0], WIMG_M, PP_RW, 0, 5);
    volatile uint32_t *pb = pte_map(VSID4 + 4, EA_B, (uint32_t)pages[1], WIMG_M, PP_RW, 1, 2);
    rt_printf("  PTE A at %p, B (secondary) at %p\n", (void *)pa, (void *)pb);
    CHECK((pa[1] & (PTE_R | PTE_C)) == 0, "R, C clear before any access");

    rt_run_msr(t_rw, tmsr);
    CHECK_EQ(dsi_taken, 0, "no DSI for mapped pages");
    CHECK_EQ(r[0], 0xAAAA0001, "load through a primary-PTEG PTE");
    CHECK_EQ(r[1], 0xBBBB0003, "load through a secondary-PTEG PTE");
    CHECK_EQ(pages[1][2], 0x0B0B0B0B, "store through a secondary-PTEG PTE reached the page");
    CHECK_EQ(pa[1] & (PTE_R | PTE_C), PTE_R, "load set R only");
    CHECK_EQ(pb[1] & (PTE_R | PTE_C), PTE_R | PTE_C, "store set R and C");
    CHECK_EQ(pa[0], pte_w0(VSID4 + 4, EA_A, 0), "PTE word 0 unchanged");

    /* API compare: EA_Y hashes to EA_A's PTEG, but A's PTE must not match */
    dsi_taken = 0;
    rt_run_msr(t_load_y, tmsr);
    CHECK_EQ(dsi_taken, 1, "EA with a different API misses");
    CHECK_EQ(dsi_dar, EA_Y, "DAR of the API miss");
    CHECK_EQ(dsi_dsisr, 0x40000000, "DSISR of the API miss");

    /* tlbie: remap EA_C from page 2 to page 3 */
    pages[2][0] = 0x22222222;
    pages[3][0] = 0x33333333;
    volatile uint32_t *pc = pte_map(VSID4 + 4, EA_C, (uint32_t)pages[2], WIMG_M, PP_RW, 0, 0);
    rt_run_msr(t_load_c, tmsr);
    CHECK_EQ(r[2], 0x22222222, "EA_C maps page 2");
    pte_unmap(pc, EA_C);
    pte_map(VSID4 + 4, EA_C, (uint32_t)pages[3], WIMG_M, PP_RW, 0, 0);
    rt_run_msr(t_load_c, tmsr);
    CHECK_EQ(r[2], 0x33333333, "after tlbie EA_C maps page 3");
    /* unmapped and invalidated: DSI */
    pte_unmap(pc, EA_C);
    dsi_taken = 0;
    rt_run_msr(t_load_c, tmsr);
    CHECK_EQ(dsi_taken, 1, "after invalidation and tlbie the page faults");

    /* executed code remapped to another physical page */
    pages[4][0] = 0x38600004; /* li r3,4 */
    pages[4][1] = 0x4E800020; /* blr */
    pages[5][0] = 0x38600005; /* li r3,5 */
    pages[5][1] = 0x4E800020;
    rt_sync_icache(pages[4], 8);
    rt_sync_icache(pages[5], 8);
    volatile uint32_t *px = pte_map(VSID4 + 4, EA_X, (uint32_t)pages[4], WIMG_M, PP_RW, 0, 1);
    rt_run_msr(t_call_x, tmsr);
    CHECK_EQ(r[4], 4, "EA_X runs the code of page 4");
    pte_unmap(px, EA_X);
    pte_map(VSID4 + 4, EA_X, (uint32_t)pages[5], WIMG_M, PP_RW, 0, 1);
    rt_run_msr(t_call_x, tmsr);
    CHECK_EQ(r[4], 5, "after remap EA_X runs the code of page 5");
    CHECK(px[1] & PTE_R, "instruction fetch set R");

    return rt_result("mmu_pte");
}
