/*
 * The page-dirtying workload of live migration's tests (issue 10.5, the
 * kind QEMU's migration test uses): round after round, write a counter
 * into the first and the last word of every free page of RAM, and before
 * overwriting check that each page still holds the previous round's value.
 * A page the migration lost or sent stale breaks the chain on the
 * destination: the program prints the page and exits with 1.
 *
 * It runs until a 'q' arrives on the serial line (tests/steps/migration.sh
 * types it into the destination after the migration), does one last full
 * check and exits with 0 through the test device.
 *
 *   MIGCOUNT READY first last      (free pages first..last-1)
 *   MIGCOUNT ROUND1                (every free page holds data now)
 *   MIGCOUNT DONE rounds
 */
#include "../guest/timer.h"
#include "boards/bootinfo.h"

static uint32_t bi(uint32_t off)
{
    return mmio_read32(BOOTINFO_PHYS + off);
}

static uint32_t value(uint32_t round, uint32_t pg)
{
    return round * 0x9E3779B1u ^ pg;
}

/* check round-1 (if any) and write round into pages lo..hi-1; the page
 * that failed, or 0 */
static uint32_t pass(uint32_t lo, uint32_t hi, uint32_t round, int write)
{
    for (uint32_t pg = lo; pg < hi; pg++) {
        volatile uint32_t *w = (volatile uint32_t *)(pg << 12);
        if (round > 1) {
            uint32_t want = value(round - 1, pg);
            if (w[0] != want || w[1023] != ~want) {
                rt_printf("MIGCOUNT BAD page %x round %u: %08x %08x, want %08x %08x\n", pg,
                          round - 1, w[0], w[1023], want, ~want);
                return pg;
            }
        }
        if (write) {
            w[0] = value(round, pg);
            w[1023] = ~value(round, pg);
        }
    }
    return 0;
}

int main(void)
{
    uint32_t lo = (bi(BI_STACK) + 0x10000u + 0xfffu) >> 12, hi = bi(BI_RAM_SIZE) >> 12;
    rt_printf("MIGCOUNT READY %x %x\n", lo, hi);
    for (uint32_t round = 1;; round++) {
        if (uart_reg_read(UART_LSR) & LSR_DR && uart_reg_read(UART_RBR) == 'q') {
            /* the last full check, nothing written */
            if (pass(lo, hi, round, 0))
                return 1;
            rt_printf("MIGCOUNT DONE %u\n", round - 1);
            return 0;
        }
        if (pass(lo, hi, round, 1))
            return 1;
        if (round == 1)
            rt_printf("MIGCOUNT ROUND1\n");
    }
}
