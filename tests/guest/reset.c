/*
 * System reset request (board.md): 0x52535445 to RPR (SoC +0x918), then
 * bit 0x2 to RCR (+0x91C).  Under -no-reboot the emulator exits with
 * status 0; if it does not, the program exits with 1 after 100 ms.
 */
#include "timer.h"

int main(void)
{
    rt_puts("requesting a system reset\n");
    while (!(uart_reg_read(UART_LSR) & LSR_TEMT))
        ;
    mmio_write32(SOC_BASE + 0x918, 0x52535445);
    mmio_write32(SOC_BASE + 0x91C, 0x2);
    rt_delay_ticks(tb_freq() / 10);
    rt_puts("FAIL: still running 100 ms after the reset request\n");
    return 1;
}
