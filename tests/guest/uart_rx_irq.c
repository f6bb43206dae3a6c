/*
 * UART0 receive, interrupt driven: received-data interrupt (IER ERBFI)
 * through the IPIC (source 9) to the external exception; the handler drains
 * RBR.  The input (uart_rx_irq.input) is typed by tests/steps/guest.sh after
 * "RX-READY", when everything is already enabled; the program idles in
 * MSR[POW] between interrupts.
 */
#include "timer.h"

static const char want[] = "irq-driven-rx!";
static volatile char got[32];
static volatile unsigned n;
static volatile int irqs, bad_vec;

static void on_ext(ExcFrame *f)
{
    (void)f;
    irqs++;
    if ((ipic_read(IPIC_SIVCR) & 0x7F) != UART0_IPIC_SRC)
        bad_vec++;
    while (uart_reg_read(UART_LSR) & LSR_DR) {
        uint8_t c = uart_reg_read(UART_RBR);
        if (n < sizeof(got) - 1)
            got[n++] = (char)c;
    }
}

int main(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0x500, on_ext);
    dec_quiesce();
    uart_reg_write(UART_FCR, 0x01);    /* FIFO on, RX trigger level 1 */
    uart_reg_write(UART_MCR, 0x0B);
    uart_reg_write(UART_IER, 0x01);    /* ERBFI */
    ipic_write(IPIC_SIMSR_H, IPIC_UART0_BIT);
    rt_puts("RX-READY\n");
    uint64_t give_up = tb_read() + (uint64_t)tb_freq() * 20;
    while (n < sizeof(want) - 1 && tb_read() < give_up) {
        dec_write(tb_freq() / 10);     /* wake at least every 100 ms */
        mtmsr(msr | MSR_EE | MSR_POW);
        mtmsr(msr);
    }
    uart_reg_write(UART_IER, 0);
    ipic_write(IPIC_SIMSR_H, 0);
    dec_write(0x7FFFFFFF);
    got[n] = 0;
    rt_printf("received %u byte(s) in %d interrupt(s): '%s'\n", n, irqs, (const char *)got);
    CHECK_EQ(n, sizeof(want) - 1, "byte count");
    for (unsigned i = 0; i < sizeof(want) - 1; i++)
        CHECK_EQ(got[i], want[i], "received byte");
    CHECK(irqs >= 1, "at least one receive interrupt");
    CHECK_EQ(bad_vec, 0, "SIVCR = 9 in every interrupt");
    return rt_result("uart_rx_irq");
}
