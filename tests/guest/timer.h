/* Shared helpers of the timebase/decrementer programs. */
#ifndef TESTS_GUEST_TIMER_H
#define TESTS_GUEST_TIMER_H

#include "boards/bootinfo.h"
#include "rt.h"

static inline uint32_t tb_freq(void)
{
    /* the timebase frequency in use, from the boot-info block */
    uint32_t f = mmio_read32(BOOTINFO_PHYS + BI_TB_FREQ);
    return f ? f : 33333333u;
}

static volatile int dec_taken;
static volatile uint64_t dec_tb;     /* TB at handler entry */
static volatile uint32_t dec_srr0, dec_srr1;

/* The handler leaves DEC far in the future so the exception is not
 * requested again while the test looks at the result. */
static void dec_handler(ExcFrame *f)
{
    dec_taken++;
    dec_tb = ((uint64_t)f->tbu << 32) | f->tbl;
    dec_srr0 = f->srr0;
    dec_srr1 = f->srr1;
    dec_write(0x7FFFFFFF);
}

/* DEC far away, any request left from before taken and forgotten */
static inline void dec_quiesce(void)
{
    exc_set_handler(0x900, dec_handler);
    uint32_t msr = mfmsr();
    dec_write(0x7FFFFFFF);
    mtmsr(msr | MSR_EE);
    mtmsr(msr & ~MSR_EE);
    dec_taken = 0;
}

#endif /* TESTS_GUEST_TIMER_H */
