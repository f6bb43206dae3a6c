/*
 * The test device's instruction count (board.md: +0x4/+0x8 read "the
 * executed-instruction count") is exact at the instruction doing the read:
 * two reads 11 instructions apart differ by 11, also inside one translated
 * block.  Run under -icount 0 (icount_testdev.args) so that TB and count
 * agree too: one TB tick per instruction.
 */
#include "rt.h"

/* r5 = count, 10 nops, r6 = count: 11 instructions apart */
__asm__(".text\n.globl ic_gap, ic_tb_gap\n"
        "ic_gap: lis r7, 0x8000\n"
        "  lwz r5, 0xF04(r7)\n"
        "  nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n"
        "  lwz r6, 0xF04(r7)\n"
        "  subf r3, r5, r6\n"
        "  blr\n"
        /* count, then TB, 1 instruction apart: TB - count is constant */
        "ic_tb_gap: lis r7, 0x8000\n"
        "  lwz r5, 0xF04(r7)\n"
        "  mftb r6\n"
        "  subf r3, r5, r6\n"
        "  blr\n");
uint32_t ic_gap(void);
uint32_t ic_tb_gap(void);

int main(void)
{
    CHECK_EQ(ic_gap(), 11, "count read 11 instructions later is 11 higher");
    uint32_t d1 = ic_tb_gap();
    for (volatile int i = 0; i < 1000; i++)
        ;
    uint32_t d2 = ic_tb_gap();
    rt_printf("  TB - count: %u, then %u\n", d1, d2);
    CHECK_EQ(d2, d1, "TB - count constant under -icount 0");
    /* both start at 0 at reset and nothing here writes TB, so the TB read
     * one instruction after the count is the count + 1 (timebase.md 7) */
    CHECK_EQ(d1, 1, "TB one instruction after the count read = count + 1");
    return rt_result("icount_testdev");
}
