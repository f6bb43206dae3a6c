/*
 * A long deterministic workload for the front-end tests
 * (tests/steps/frontends.sh, issue 15.3): about 440 million instructions
 * of arithmetic with decrementer interrupts far apart (hundreds of
 * thousands of instructions under -icount 3), so that the machine's CPU
 * slices and the decrementer events fall at different counts.  The "DET"
 * line folds everything the guest saw; two -icount runs, with and without
 * monitor traffic, must print the same line.
 */
#include "../guest/timer.h"

static volatile uint32_t sum;
static volatile uint32_t ticks;

static void dec_rearm(ExcFrame *fr)
{
    ticks++;
    sum = sum * 31u + fr->tbl + fr->srr0 + ticks;
    dec_write(20000 + (sum & 0x7FFF));
}

int main(void)
{
    uint32_t x = 7;
    rt_printf("START\n");
    exc_set_handler(0x900, dec_rearm);
    dec_write(20000);
    mtmsr(mfmsr() | MSR_EE);
    for (uint32_t round = 0; round < 400; round++) {
        for (uint32_t i = 0; i < 200000; i++)
            x = x * 1103515245u + 12345u + (x >> 9) + i;
        sum += x ^ tb_lo();
    }
    mtmsr(mfmsr() & ~MSR_EE);
    rt_printf("DET x=%08x sum=%08x ticks=%u tb=%llu icount=%llu\n", x, sum, ticks, tb_read(),
              rt_icount());
    CHECK(ticks > 10, "decrementer interrupts came");
    return rt_result("icount_spin");
}
