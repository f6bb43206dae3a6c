/*
 * UART0 receive, polled: tests/steps/guest.sh types uart_rx_poll.input
 * into the serial line once "RX-READY" appears; read it back through LSR
 * DR and RBR.
 */
#include "timer.h"

static const char want[] = "ppcemu-rx-poll";

int main(void)
{
    char got[sizeof(want)] = {0};
    unsigned n = 0;
    rt_puts("RX-READY\n");
    uint64_t give_up = tb_read() + (uint64_t)tb_freq() * 20;
    while (n < sizeof(want) - 1 && tb_read() < give_up) {
        if (uart_reg_read(UART_LSR) & LSR_DR)
            got[n++] = (char)uart_reg_read(UART_RBR);
    }
    rt_printf("received %u byte(s): '%s'\n", n, got);
    CHECK_EQ(n, sizeof(want) - 1, "byte count");
    for (unsigned i = 0; i < sizeof(want) - 1; i++)
        CHECK_EQ(got[i], want[i], "received byte");
    CHECK_EQ(uart_reg_read(UART_LSR) & LSR_DR, 0, "nothing more: DR clear");
    return rt_result("uart_rx_poll");
}
