/*
 * The framebuffer's live migration (tests/steps/migration.sh, case_fb):
 * migcount.c's page-dirtying chain over the framebuffer region
 * (board.md: 16 MiB at 0xA0000000, MMIO to the CPU, migrated like RAM in
 * the pre-copy passes).  Round after round, the first and the last word of
 * every page of the frame (1024x768x4 = 768 pages) and of every 64th page
 * past it get a counter, each page checked first for the previous round's
 * value.  A page the migration lost, or sent stale (written after its
 * pass and not sent again), breaks the chain on the destination: the
 * program prints it and exits with 1.
 *
 * With -append idle it writes one round and then writes nothing more (an
 * idle console): the migration's stop then has no framebuffer page left
 * to send.  It runs until a 'q' arrives on the serial line, checks every
 * page once more and exits with 0 through the test device.
 *
 *   FBCOUNT READY pages
 *   FBCOUNT ROUND1                (every page holds data now)
 *   FBCOUNT DONE rounds
 */
#include "../guest/timer.h"
#include "boards/bootinfo.h"

#define FB_BASE 0xA0000000u
#define FB_PAGES 4096u   /* the 16 MiB region */
#define FRAME_PAGES 768u /* 1024 x 768 x 4 bytes */

static uint32_t value(uint32_t round, uint32_t pg)
{
    return round * 0x9E3779B1u ^ pg ^ 0xFB000000u;
}

static int used(uint32_t pg)
{
    return pg < FRAME_PAGES || pg % 64 == 0;
}

/* check round-1 (if any) and write round into every used page; the page
 * that failed + 1, or 0 */
static uint32_t pass(uint32_t round, int write)
{
    for (uint32_t pg = 0; pg < FB_PAGES; pg++) {
        if (!used(pg))
            continue;
        volatile uint32_t *w = (volatile uint32_t *)(FB_BASE + (pg << 12));
        if (round > 1) {
            uint32_t want = value(round - 1, pg);
            if (w[0] != want || w[1023] != ~want) {
                rt_printf("FBCOUNT BAD page %x round %u: %08x %08x, want %08x %08x\n", pg,
                          round - 1, w[0], w[1023], want, ~want);
                return pg + 1;
            }
        }
        if (write) {
            w[0] = value(round, pg);
            w[1023] = ~value(round, pg);
        }
    }
    return 0;
}

static int idle_mode(void)
{
    const char *c = (const char *)mmio_read32(BOOTINFO_PHYS + BI_CMDLINE_ADDR);
    if (!c)
        return 0;
    const char *want = "idle";
    while (*want && *c == *want)
        c++, want++;
    return !*want;
}

int main(void)
{
    uint32_t n = 0;
    for (uint32_t pg = 0; pg < FB_PAGES; pg++)
        n += used(pg);
    int idle = idle_mode();
    rt_printf("FBCOUNT READY %u%s\n", n, idle ? " idle" : "");
    for (uint32_t round = 1;; round++) {
        if (uart_reg_read(UART_LSR) & LSR_DR && uart_reg_read(UART_RBR) == 'q') {
            /* the last full check, nothing written */
            if (pass(round, 0))
                return 1;
            rt_printf("FBCOUNT DONE %u\n", round - 1);
            return 0;
        }
        if (idle && round > 1) {
            round--; /* nothing written: round 1's values stay */
            continue;
        }
        if (pass(round, 1))
            return 1;
        if (round == 1)
            rt_printf("FBCOUNT ROUND1\n");
    }
}
