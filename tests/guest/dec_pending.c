/*
 * A decrementer request made while MSR[EE]=0 stays pending and is taken as
 * soon as EE is set (750 UM 4.5.9; OEA: the request is signalled when DEC
 * bit 0 goes 0 -> 1, and is cancelled only when the exception is taken).
 * Once DEC reads negative the request exists, so enabling EE must take it
 * at once.  Repeated a few times: a late request shows up as a race.
 */
#include "timer.h"

static void dec_pending_until_ee(void)
{
    dec_quiesce();
    uint32_t msr = mfmsr();
    dec_write(100);
    rt_delay_ticks(10000);
    CHECK_EQ(dec_taken, 0, "no DEC exception while EE=0");
    /* DEC has passed 0 -> -1 (bit 0 went 0 -> 1): the request is latched
     * now, so enabling EE must take it at once, before the nops finish */
    CHECK(dec_read() >> 31, "DEC negative 10000 ticks after the deadline");
    mtmsr(msr | MSR_EE);
    __asm__ volatile("nop; nop; nop; nop" ::: "memory");
    int after_ee = dec_taken;
    mtmsr(msr);
    CHECK_EQ(after_ee, 1, "pending DEC taken as soon as EE=1");
    /* the handler left DEC positive: a negative write changes bit 0 from
     * 0 to 1, one more request, one more exception, and no other */
    dec_write(0xFFFFFFF0u);
    mtmsr(msr | MSR_EE);
    rt_delay_ticks(1000);
    mtmsr(msr);
    CHECK_EQ(dec_taken, 2, "write of a negative value over a positive DEC requests one exception");
}

int main(void)
{
    for (int i = 0; i < 20; i++)
        dec_pending_until_ee();
    dec_write(0x7FFFFFFF);
    return rt_result("dec_pending");
}
