/*
 * The TB rate as the guest sees it, against the host's clock: the guest
 * cannot see host time, so tests/steps/guest.sh (tb_rate.rate) types a byte,
 * notes its own clock, and the guest answers with the TB it read when the
 * byte arrived, in pairs 2 s apart (up to three pairs: guest.sh measures
 * again when a loaded host brackets a sample too loosely).  guest.sh checks
 * that the frequency the guest reports (boot-info block) lies within the
 * rate bounds the host's send and receive times bracket; the 100 ppm rule
 * is checked by the timebase unit tests.  A 'q' ends the program.
 */
#include "timer.h"

int main(void)
{
    rt_printf("TBFREQ %u\n", tb_freq());
    rt_puts("RX-READY\n");
    for (int k = 1;; k++) {
        while (!(uart_reg_read(UART_LSR) & LSR_DR))
            ;
        uint64_t t = tb_read();
        if (uart_reg_read(UART_RBR) == 'q')
            return 0;
        rt_printf("TBREPLY %d %llu END\n", k, t);   /* END: the line is complete */
    }
}
