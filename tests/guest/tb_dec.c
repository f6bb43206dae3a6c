/*
 * Timebase and decrementer, as the guest sees them (750 UM 2.1.5/2.1.6,
 * PEM 2.2 and OEA "Decrementer"; ../shared/spec/timebase.md rules 1-2):
 * TB monotonic; mttbl/mttbu; DEC counts down at the TB rate; a DEC
 * exception for D ticks never arrives early; a software write that changes DEC bit 0 from 0
 * to 1 requests the exception, one that leaves it at 1 does not.
 * (The TB rate against the host clock is checked host-side by h-tb's tests;
 * the guest cannot see host time: tb_rate does a rough end-to-end check.
 * Pending-while-EE=0 is dec_pending.)
 */
#include "timer.h"

static void tb_monotonic(void)
{
    uint64_t prev = tb_read();
    int back = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t t = tb_read();
        if (t < prev)
            back++;
        prev = t;
    }
    CHECK_EQ(back, 0, "TB never goes backwards");
    uint64_t a = tb_read();
    rt_delay_ticks(1000);
    CHECK(tb_read() >= a + 1000, "TB advances");
}

static void tb_write_read(void)
{
    tb_write(0x1234567800000000ull);
    uint64_t t = tb_read();
    CHECK_EQ((uint32_t)(t >> 32), 0x12345678, "mttbu value reads back");
    CHECK((uint32_t)t < tb_freq() / 10, "mttbl 0 reads back small (under 100 ms)");

    /* a carry from TBL into TBU, 50 ms after the write (room for a busy host) */
    tb_write(0x0000000600000000ull - tb_freq() / 20);
    uint64_t start = tb_read();
    CHECK_EQ((uint32_t)(start >> 32), 5, "TBU before the carry");
    uint64_t t2;
    int n = 0;
    do {
        t2 = tb_read();
    } while ((t2 >> 32) == 5 && ++n < 10000000);
    CHECK_EQ((uint32_t)(t2 >> 32), 6, "TBL carries into TBU");
    CHECK((uint32_t)t2 < tb_freq() / 2, "TBL wrapped to a small value");
    tb_write(0);
}

static void dec_counts_down(void)
{
    dec_quiesce();
    dec_write(0x10000000);
    uint32_t d1 = dec_read();
    rt_delay_ticks(5000);
    uint32_t d2 = dec_read();
    CHECK(d1 <= 0x10000000, "DEC at most the value written");
    CHECK(d2 + 5000 <= d1, "DEC went down by at least the TB ticks waited");
    CHECK(d1 - d2 < 5000 + tb_freq() / 10, "DEC went down by about the TB ticks waited");
}

/* D ticks: the exception (DEC bit 0 going 0 -> 1) must not come before
 * TB = t_write + D; `late` bounds scheduling noise generously. */
static void dec_deadline(uint32_t d)
{
    dec_quiesce();
    uint32_t msr = mfmsr();
    uint64_t late = tb_freq() / 2;
    mtmsr(msr | MSR_EE);
    uint64_t t0 = tb_read();
    dec_write(d);
    uint64_t limit = t0 + d + 2 * late;
    while (!dec_taken && tb_read() < limit)
        ;
    mtmsr(msr);
    rt_printf("  DEC %u ticks: taken %d, after %u ticks\n", d, dec_taken, (uint32_t)(dec_tb - t0));
    CHECK_EQ(dec_taken, 1, "DEC exception taken once");
    CHECK(dec_tb >= t0 + d, "DEC exception not early");
    CHECK(dec_tb <= t0 + d + late, "DEC exception not later than 0.5 s");
    CHECK_EQ(dec_srr1, (msr | MSR_EE) & 0xFF73u, "DEC SRR1 = MSR bits");
}

/* counts, and leaves DEC as it is (negative) */
static void dec_handler_keep(ExcFrame *f)
{
    (void)f;
    dec_taken++;
}

static void dec_write_bit0(void)
{
    uint32_t msr = mfmsr();
    /* positive DEC, write a negative value: bit 0 changes 0 -> 1 */
    dec_quiesce();
    dec_write(0x7FFFFFFF);
    dec_write(0x80001000u);
    rt_delay_ticks(100);
    mtmsr(msr | MSR_EE);
    __asm__ volatile("nop; nop" ::: "memory");
    mtmsr(msr);
    CHECK_EQ(dec_taken, 1, "mtdec 0 -> 1 in bit 0 requests a DEC exception");

    /* DEC negative, write another negative value: bit 0 stays 1, no request */
    dec_quiesce();
    exc_set_handler(0x900, dec_handler_keep);
    dec_write(0x90000000u);          /* 0 -> 1: a request ... */
    mtmsr(msr | MSR_EE);             /* ... taken here; DEC stays negative */
    mtmsr(msr);
    CHECK_EQ(dec_taken, 1, "mtdec 0 -> 1 taken");
    CHECK((int32_t)dec_read() < 0, "DEC still negative");
    dec_write(0xA0000000u);          /* 1 -> 1: no new request */
    mtmsr(msr | MSR_EE);
    rt_delay_ticks(1000);
    mtmsr(msr);
    CHECK_EQ(dec_taken, 1, "mtdec 1 -> 1 in bit 0 adds no request");
    exc_set_handler(0x900, dec_handler);
}

int main(void)
{
    rt_printf("timebase %u Hz\n", tb_freq());
    tb_monotonic();
    tb_write_read();
    dec_counts_down();
    dec_deadline(0);
    dec_deadline(1);
    dec_deadline(100);
    dec_deadline(tb_freq() / 1000);
    dec_deadline(tb_freq() / 50);
    dec_write_bit0();
    dec_write(0x7FFFFFFF);
    return rt_result("tb_dec");
}
