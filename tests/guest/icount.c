/*
 * Deterministic mode (-icount 0, see icount.args; timebase.md rule 7): TB
 * advances one tick per executed instruction and no host clock is read.
 * Checks the exact distances, then prints "DET" lines (instruction counts
 * and TB values at fixed points, DEC arrival) that tests/steps/guest.sh
 * compares between two runs (icount.twice).
 */
#include "timer.h"

/* r3 = TB, 10 nops, r4 = TB: the two mftb are 11 instructions apart */
__asm__(".text\n.globl tb_gap\n"
        "tb_gap: mftb r5\n"
        "  nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n"
        "  mftb r6\n"
        "  subf r3, r5, r6\n"
        "  blr\n");
uint32_t tb_gap(void);

static uint32_t work(uint32_t n)
{
    uint32_t x = 1;
    for (uint32_t i = 0; i < n; i++)
        x = x * 1103515245u + 12345u + (x >> 7);
    return x;
}

int main(void)
{
    CHECK_EQ(tb_gap(), 11, "TB advances one tick per instruction under -icount 0");

    uint64_t t0 = tb_read(), i0 = rt_icount();
    rt_printf("DET start tb=%llu icount=%llu\n", t0, i0);
    uint32_t x = work(100000);
    uint64_t t1 = tb_read(), i1 = rt_icount();
    rt_printf("DET work x=%08x tb=%llu icount=%llu\n", x, t1, i1);
    CHECK(t1 - t0 >= 100000, "TB followed the work loop");

    dec_quiesce();
    uint32_t msr = mfmsr();
    uint64_t td = tb_read();
    dec_write(5000);
    mtmsr(msr | MSR_EE);
    while (!dec_taken)
        ;
    mtmsr(msr);
    rt_printf("DET dec tb_write=%llu tb_handler=%llu srr0=%08x\n", td, (uint64_t)dec_tb, dec_srr0);
    CHECK(dec_tb >= td + 5000, "DEC not early under -icount");

    /* idle under -icount: the TB jumps to the deadline, deterministically */
    dec_quiesce();
    td = tb_read();
    dec_write(20000);
    while (!dec_taken) {
        mtmsr(msr | MSR_EE | MSR_POW);
        mtmsr(msr);
    }
    rt_printf("DET idle tb_write=%llu tb_handler=%llu icount=%llu\n", td, (uint64_t)dec_tb, rt_icount());
    CHECK(dec_tb >= td + 20000, "idle DEC not early under -icount");
    dec_write(0x7FFFFFFF);
    return rt_result("icount");
}
