/*
 * Misaligned accesses in page 0 never use an invalid soft-TLB entry (issue
 * 15, item 1; the full matrix is tests/unit/test_tlb_tag.c).  The emulator
 * used to match `EA & (PAGE_MASK | size - 1) == 1` against its invalid tag
 * (1) and use the entry's stale host pointer:
 *  - `lwz r4,5(0)` as main's first instruction must read PA 5..8;
 *  - with a read-only DBAT over EA 0 (-> PA 0x200000), after an aligned
 *    read filled the entry, a misaligned `stw` to EA 1 must take a DSI
 *    (protection, store; PEM 7.4.4) and change nothing;
 *  - back in real mode (the MSR change flushed the entry, leaving the BAT's
 *    host pointer behind), `lwz r4,5(0)` must read PA 5, not PA 0x200005.
 * The 750 does misaligned integer accesses in hardware (750 UM 4.5.6).
 */
#include "mmu.h"

#define ALIAS 0x00200000u

static volatile int dsi_taken;
static volatile uint32_t dsi_dar, dsi_dsisr;
static void on_dsi(ExcFrame *f)
{
    dsi_taken++;
    dsi_dar = f->dar;
    dsi_dsisr = f->dsisr;
    exc_skip(f);
}

static uint32_t bytes_be(uint32_t pa)
{
    const volatile uint8_t *p = (const volatile uint8_t *)pa;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* runs with MSR[DR] = 1 and only DBAT0 (EA 0..128K -> ALIAS, read-only):
 * no stack, no data outside page 0 */
__asm__(".text\n"
        ".globl ro_probe\n"
        "ro_probe:\n"
        "  lwz r5, 0(0)\n"   /* aligned read: fills the entry for page 0 */
        "  li r6, -1\n"
        "  stw r6, 1(0)\n"   /* misaligned store through a read-only BAT */
        "  sth r6, 3(0)\n"
        "  blr\n");
extern void ro_probe(void);

int main(void)
{
    uint32_t v;
    __asm__ volatile("lwz %0, 5(0)" : "=r"(v) :: "memory");
    CHECK_EQ(v, bytes_be(5), "lwz r4,5(0) first thing (real mode)");

    for (uint32_t i = 0; i < 16; i++)
        *(volatile uint8_t *)(ALIAS + i) = (uint8_t)(0xA0 + i);
    CHECK(bytes_be(ALIAS + 5) != bytes_be(5), "the alias page differs from page 0");

    exc_set_handler(0x300, on_dsi);
    bats_clear();
    SET_DBAT(0, batu(0, BAT_BL_128K, BAT_VS | BAT_VP), batl(ALIAS, 0, PP_RO));
    __asm__ volatile("isync" ::: "memory");
    rt_run_msr(ro_probe, mfmsr() | MSR_DR);
    __asm__ volatile("lwz %0, 5(0)" : "=r"(v) :: "memory");
    uint32_t after = bytes_be(5);
    bats_clear();

    CHECK_EQ(dsi_taken, 2, "DSIs for stw 1(0) and sth 3(0) through a read-only BAT");
    CHECK_EQ(dsi_dsisr, 0x0A000000u, "DSISR: protection, store");
    CHECK_EQ(dsi_dar, 3, "DAR of the sth");
    CHECK_EQ(bytes_be(ALIAS), 0xA0A1A2A3u, "read-only alias page unchanged (0..3)");
    CHECK_EQ(bytes_be(ALIAS + 4), 0xA4A5A6A7u, "read-only alias page unchanged (4..7)");
    CHECK_EQ(v, after, "lwz r4,5(0) in real mode after the BAT mapping was flushed");
    return rt_result("tlb_tag");
}
