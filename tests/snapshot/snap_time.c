/*
 * Guest time across snapshots (../shared/spec/timebase.md rules 4-6), as
 * the guest sees it.  tests/steps/snapshot.sh saves this program while it
 * waits for a decrementer countdown, restores it in a fresh process (with
 * pauses, shifted host clocks, other clock policies) and checks the line it
 * prints at the end:
 *
 *   TBFREQ f
 *   ARMED t0 d                 (DEC programmed for d ticks at TB t0)
 *   FIRED elapsed maxgap back tbhi
 *     elapsed  TB at the DEC exception minus t0 (never below d)
 *     maxgap   the largest TB step between two consecutive reads of the
 *              wait loop: the time the guest did not run, as it saw it
 *     back     how many reads were below the previous one (must be 0)
 *     tbhi     the TB's upper word at the exception: the guest wrote
 *              TBU = 0x1234 at the start, so it must still be 0x1234
 *
 * The countdown is 2 s of timebase ticks.
 */
#include "../guest/timer.h"

#define TB_START 0x0000123400000000ull

int main(void)
{
    uint32_t f = tb_freq();
    rt_printf("TBFREQ %u\n", f);
    /* a guest-written TB (mttbu/mttbl) must survive the snapshot */
    tb_write(TB_START);
    dec_quiesce();
    uint32_t d = 2 * f;
    uint32_t msr = mfmsr();
    mtmsr(msr | MSR_EE);
    uint64_t t0 = tb_read();
    dec_write(d);
    rt_printf("ARMED %llu %u\n", t0, d);
    uint64_t prev = tb_read(), maxgap = 0;
    uint32_t back = 0;
    /* a DEC that never comes ends the test after 10 minutes of TB */
    uint64_t limit = t0 + 600ull * f;
    while (!dec_taken && prev < limit) {
        uint64_t t = tb_read();
        if (t < prev)
            back++;
        else if (t - prev > maxgap)
            maxgap = t - prev;
        prev = t;
    }
    mtmsr(msr);
    uint64_t fired = dec_taken ? dec_tb : prev;
    /* the step to the exception counts too: a deadline that passed while
     * the guest was stopped is taken before the loop reads TB again */
    if (fired > prev && fired - prev > maxgap)
        maxgap = fired - prev;
    rt_printf("FIRED %llu %llu %u %x\n", fired - t0, maxgap, back, (uint32_t)(fired >> 32));
    CHECK_EQ(dec_taken, 1, "the DEC exception came");
    CHECK(fired - t0 >= d, "the DEC exception was not early");
    CHECK_EQ(back, 0, "TB never went backwards");
    CHECK_EQ((uint32_t)(fired >> 32), 0x1234, "the guest-written TBU survived");
    return rt_result("snap_time");
}
