/*
 * Idle: MSR[POW] with EE set stops the core until an interrupt (750 UM
 * 10.2 power management; timebase.md rule 8).  A DEC exception must wake
 * it, not earlier than the deadline, and the sleeping core executes no
 * instructions meanwhile (the test device's instruction count shows it).
 */
#include "timer.h"

int main(void)
{
    uint32_t msr = mfmsr();
    uint32_t d = tb_freq() / 50;        /* 20 ms */
    for (int round = 0; round < 3; round++) {
        dec_quiesce();
        uint64_t ic0 = rt_icount();
        uint64_t t0 = tb_read();
        dec_write(d);
        int loops = 0;
        while (!dec_taken && loops < 1000000) {
            loops++;
            mtmsr(msr | MSR_EE | MSR_POW);   /* sleeps here */
            mtmsr(msr);
        }
        uint64_t t1 = tb_read();
        uint64_t ic1 = rt_icount();
        mtmsr(msr);
        rt_printf("  idle %d: woke after %u ticks, %u sleep loop(s), %u instructions\n", round,
                  (uint32_t)(t1 - t0), loops, (uint32_t)(ic1 - ic0));
        CHECK_EQ(dec_taken, 1, "DEC woke the idle core");
        CHECK(dec_tb >= t0 + d, "not woken before the DEC deadline");
        CHECK(loops <= 2, "one MSR[POW] sleep lasts until the interrupt");
        CHECK(ic1 - ic0 < 10000, "no instructions run while asleep");
    }
    dec_write(0x7FFFFFFF);
    return rt_result("idle");
}
