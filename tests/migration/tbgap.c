/*
 * The guest side of "the TB jump across a migration equals the downtime"
 * (timebase.md rule 9, issue 10.3): read the timebase in a tight loop and
 * print every step between two consecutive reads above 20 ms, in
 * microseconds, the moment it is seen.  A migration's handover is seen by
 * the first read on the destination, so the first GAP line in the
 * destination's serial log is the jump the guest saw across it (under
 * -tb-clock vm there is none: the TB stood still).  A TB that went
 * backwards is a BACK line.  'q' on the serial line ends it (exit 0).
 *
 *   TBGAP READY freq
 *   GAP us            (a step above 20 ms)
 *   BACK              (the TB went backwards)
 */
#include "../guest/timer.h"
#include "boards/bootinfo.h"

int main(void)
{
    uint32_t freq = mmio_read32(BOOTINFO_PHYS + BI_TB_FREQ);
    uint64_t thresh = (uint64_t)freq / 50, prev = tb_read();
    rt_printf("TBGAP READY %u\n", freq);
    for (;;) {
        uint64_t now = tb_read();
        if (now < prev) {
            rt_printf("BACK\n");
        } else if (now - prev > thresh) {
            /* ticks to us without 64-bit division helpers: freq >= 1 MHz */
            uint32_t per_us = freq / 1000000u;
            uint64_t d = now - prev;
            uint32_t us = 0;
            /* shift-subtract division of d by per_us */
            for (int b = 31; b >= 0; b--)
                if ((uint64_t)per_us << b <= d) {
                    d -= (uint64_t)per_us << b;
                    us |= 1u << b;
                }
            rt_printf("GAP %u\n", us);
            now = tb_read(); /* the print is not a gap */
        }
        prev = now;
        if (uart_reg_read(UART_LSR) & LSR_DR && uart_reg_read(UART_RBR) == 'q') {
            rt_printf("TBGAP DONE\n");
            return 0;
        }
    }
}
