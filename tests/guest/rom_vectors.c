/*
 * MSR[IP] = 1 moves the exception vectors to 0xFFF00000 (750 UM 4.2,
 * Table 4-2): an sc then lands in the boot ROM, whose unexpected-exception
 * stub reports SRR0/SRR1 and idles.  The program never exits:
 * rom_vectors.hang tells tests/steps/guest.sh to expect the idle and to find
 * the "EXPECT: " line below, verbatim, in the ROM's output.
 */
#include "rt.h"

__asm__(".text\n.globl rv_sc, rv_after\n"
        "rv_sc: sc\n"
        "rv_after: blr\n");
extern char rv_sc[], rv_after[];

int main(void)
{
    uint32_t msr = mfmsr() | MSR_IP;
    /* SRR1 of sc = MSR bits 16-23, 25-27, 30-31 (mask 0xFF73) */
    rt_printf("EXPECT: boot ROM: unexpected exception 0x00000c00 srr0 0x%08x srr1 0x%08x dar 0x%08x"
              " dsisr 0x%08x; halted\n",
              (uint32_t)rv_after, msr & 0xFF73u, mfspr(SPR_DAR), mfspr(SPR_DSISR));
    mtmsr(msr);
    ((void (*)(void))rv_sc)();
    mtmsr(msr & ~MSR_IP);
    rt_puts("FAIL: sc with MSR[IP]=1 came back\n");
    return 1;
}
