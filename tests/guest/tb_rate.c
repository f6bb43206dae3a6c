/*
 * The TB rate as the guest sees it, against the host's clock: the guest
 * cannot see host time, so tests/steps/guest.sh (tb_rate.rate) types a byte,
 * notes its own clock, and the guest answers with the TB it read when the
 * byte arrived; twice, 1.5 s apart.  guest.sh compares the TB difference
 * with the host interval at the frequency the guest reports (boot-info
 * block), within 5 % (serial latency on a loaded host; the 100 ppm rule is
 * checked by the timebase unit tests).
 */
#include "timer.h"

int main(void)
{
    rt_printf("TBFREQ %u\n", tb_freq());
    rt_puts("RX-READY\n");
    for (int k = 1; k <= 2; k++) {
        while (!(uart_reg_read(UART_LSR) & LSR_DR))
            ;
        uint64_t t = tb_read();
        (void)uart_reg_read(UART_RBR);
        rt_printf("TBREPLY %d %llu END\n", k, t);   /* END: the line is complete */
    }
    return 0;
}
