/*
 * A deterministic workload for -icount (timebase.md rule 7): decrementer
 * interrupts at varying distances, TB reads, guest TB writes, RAM stores
 * and UART output, all folded into a checksum.  tests/steps/snapshot.sh
 * stops it at exact instruction counts, saves, restores in a fresh process
 * and compares with an uninterrupted run: the whole machine state (the
 * snapshots taken at the same count) and the final "DET" line.
 */
#include "../guest/timer.h"

#define NBUF 4096
static uint32_t buf[NBUF];
static volatile uint32_t sum;
static volatile uint32_t ticks;

static void dec_rearm(ExcFrame *fr)
{
    ticks++;
    sum = sum * 31u + fr->tbl + fr->srr0 + ticks;
    /* the next countdown depends on what came before */
    dec_write(300 + (sum & 0xFFF));
}

static uint32_t mix(uint32_t x)
{
    return x * 1103515245u + 12345u + (x >> 7);
}

int main(void)
{
    uint32_t x = 1;
    exc_set_handler(0x900, dec_rearm);
    dec_write(1000);
    mtmsr(mfmsr() | MSR_EE);
    for (uint32_t round = 0; round < 40; round++) {
        for (uint32_t i = 0; i < NBUF; i++) {
            x = mix(x ^ i);
            buf[(x >> 5) % NBUF] += x;
        }
        sum += tb_lo() ^ (uint32_t)rt_icount();
        if (round % 8 == 7)
            tb_write(tb_read() + 100000 * round); /* guest-written TB */
        rt_printf("round %u x=%08x sum=%08x ticks=%u\n", round, x, sum, ticks);
    }
    mtmsr(mfmsr() & ~MSR_EE);
    for (uint32_t i = 0; i < NBUF; i++)
        x = mix(x ^ buf[i]);
    rt_printf("DET x=%08x sum=%08x ticks=%u tb=%llu icount=%llu\n", x, sum, ticks, tb_read(),
              rt_icount());
    CHECK(ticks > 100, "decrementer interrupts came");
    return rt_result("snap_icount");
}
