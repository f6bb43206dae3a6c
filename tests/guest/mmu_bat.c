/*
 * Block address translation (PEM 7.4, 750 UM 5.3): data and instruction
 * BATs, block offset, Vs/Vp, PP protection, BAT priority over the page
 * table.
 */
#include "mmu.h"

uint32_t htab[HTAB_SIZE / 4] __attribute__((aligned(HTAB_SIZE)));
static uint32_t block[0x20000 / 4] __attribute__((aligned(0x20000)));   /* 128 KiB */
static uint32_t other[1024] __attribute__((aligned(4096)));

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
#define EA_D 0x60000000u  /* DBAT2 -> block, RW */
#define EA_R 0x68000000u  /* DBAT3 -> block, read-only, supervisor only */
#define EA_O 0x70000000u  /* DBAT2 again, later: an 8 MiB view of physical 0 */

static void t_data(void)
{
    volatile uint32_t *d = (volatile uint32_t *)EA_D;
    r[0] = d[0x1234 / 4];
    d[0x1FFFC / 4] = 0x5EED5EED;
}

static void t_ro_load(void) { r[1] = *(volatile uint32_t *)(EA_R + 8); }
static void t_ro_store(void) { *(volatile uint32_t *)(EA_R + 12) = 1; }
static void t_code(void) { r[2] = ((uint32_t (*)(void))(EA_D + 0x100))(); }
static void t_offset(void) { r[3] = *(volatile uint32_t *)(EA_O + (uint32_t)&other[7]); }

int main(void)
{
    bats_clear();
    bats_identity();
    htab_init();
    for (unsigned sr = 0; sr < 16; sr++)
        mtsr(sr, SR_KP | (0x777000u + sr));
    exc_set_handler(0x300, on_dsi);
    uint32_t msr = mfmsr(), tmsr = msr | MSR_IR | MSR_DR;

    block[0x1234 / 4] = 0x12341234;
    block[0x100 / 4] = 0x38600042;      /* li r3,0x42 */
    block[0x104 / 4] = 0x4E800020;      /* blr */
    block[8 / 4] = 0x0F0F0F0F;
    rt_sync_icache(&block[0x100 / 4], 8);
    other[7] = 0x07070707;

    SET_DBAT(2, batu(EA_D, BAT_BL_128K, BAT_VS | BAT_VP), batl((uint32_t)block, WIMG_M, PP_RW));
    SET_IBAT(2, batu(EA_D, BAT_BL_128K, BAT_VS | BAT_VP), batl((uint32_t)block, 0, PP_RW));
    SET_DBAT(3, batu(EA_R, BAT_BL_128K, BAT_VS), batl((uint32_t)block, WIMG_M, PP_RO));
    SET_DBAT(0, batu(0, BAT_BL_8M, BAT_VS | BAT_VP), batl(0, 0, PP_RW));
    __asm__ volatile("isync");
    /* a page-table entry for EA_D that BAT2 must take precedence over */
    pte_map(0x777006u, EA_D, (uint32_t)other, WIMG_M, PP_RW, 0, 0);

    rt_run_msr(t_data, tmsr);
    CHECK_EQ(dsi_taken, 0, "DBAT accesses do not fault");
    CHECK_EQ(r[0], 0x12341234, "DBAT load with a block offset (BAT wins over the PTE)");
    CHECK_EQ(block[0x1FFFC / 4], 0x5EED5EED, "DBAT store at the end of the block");

    rt_run_msr(t_code, tmsr);
    CHECK_EQ(r[2], 0x42, "IBAT: code runs from the block");

    rt_run_msr(t_ro_load, tmsr);
    CHECK_EQ(dsi_taken, 0, "load through a read-only BAT");
    CHECK_EQ(r[1], 0x0F0F0F0F, "load through a read-only BAT reads the block");
    rt_run_msr(t_ro_store, tmsr);
    CHECK_EQ(dsi_taken, 1, "store through a read-only BAT faults");
    CHECK_EQ(dsi_dar, EA_R + 12, "DAR of the BAT protection fault");
    CHECK_EQ(dsi_dsisr, 0x0A000000, "DSISR of the BAT protection fault (protection, store)");

    /* Vp = 0: the BAT does not apply to user accesses; no PTE -> page fault */
    dsi_taken = 0;
    rt_run_msr(t_ro_load, tmsr | MSR_PR);
    CHECK_EQ(dsi_taken, 1, "user access to a Vs-only BAT misses the BAT");
    CHECK_EQ(dsi_dsisr, 0x40000000, "... and takes a page fault");

    /* an 8 MiB block at EA_O mapping physical 0: block offset arithmetic */
    SET_DBAT(2, batu(EA_O, BAT_BL_8M, BAT_VS | BAT_VP), batl(0, WIMG_M, PP_RW));
    __asm__ volatile("isync");
    dsi_taken = 0;
    rt_run_msr(t_offset, tmsr);
    CHECK_EQ(dsi_taken, 0, "8 MiB BAT access");
    CHECK_EQ(r[3], 0x07070707, "8 MiB BAT maps EA_O + x to x");

    return rt_result("mmu_bat");
}
