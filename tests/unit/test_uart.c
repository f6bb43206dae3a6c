/* The 16550A UART through the bus, as Linux's 8250 driver sees it
 * (linux-notes.md "What the devices see"); no CPU involved. */
#include <check.h>
#include <string.h>

#include "boards/uart16550.h"
#include "mem/bus.h"

#define BASE 0x800003F8u

typedef struct {
    Bus bus;
    Uart16550 u;
    uint8_t out[256];
    unsigned nout;
    int irq_level;
    unsigned irq_changes;
} UEnv;

static void tx(void *opaque, uint8_t b)
{
    UEnv *e = opaque;
    if (e->nout < sizeof(e->out))
        e->out[e->nout++] = b;
}

static void set_irq(void *opaque, int n, bool level)
{
    UEnv *e = opaque;
    ck_assert_int_eq(n, 9);
    e->irq_level = level;
    e->irq_changes++;
}

static UEnv *uenv_new(void)
{
    static UEnv e;
    memset(&e, 0, sizeof(e));
    ck_assert_int_eq(bus_init(&e.bus, 1 << 20, 0xFFF00000u, 1 << 20), 0);
    uart_init(&e.u, (IrqLine){ set_irq, &e, 9 }, tx, &e);
    ck_assert_int_eq(bus_add_region(&e.bus, BASE, 8, &uart_ops, &e.u, "uart"), 0);
    return &e;
}

static void uenv_free(UEnv *e) { bus_free(&e->bus); }
static uint32_t rd(UEnv *e, unsigned reg) { return bus_read(&e->bus, BASE + reg, 1); }
static void wr(UEnv *e, unsigned reg, uint32_t v) { bus_write(&e->bus, BASE + reg, v, 1); }

START_TEST(reset_values)
{
    UEnv *e = uenv_new();
    ck_assert_uint_eq(rd(e, UART_LSR), 0x60); /* THRE | TEMT, idle */
    ck_assert_uint_eq(rd(e, UART_MSR), 0xB0); /* DCD, DSR, CTS */
    ck_assert_uint_eq(rd(e, UART_IIR), 0x01); /* no interrupt, FIFO off */
    ck_assert_uint_eq(rd(e, UART_IER), 0x00);
    ck_assert_uint_eq(rd(e, UART_LCR), 0x00);
    ck_assert_int_eq(e->irq_level, 0);
    uenv_free(e);
}
END_TEST

START_TEST(ier_keeps_low_four_bits)
{
    UEnv *e = uenv_new();
    wr(e, UART_IER, 0xFF);
    ck_assert_uint_eq(rd(e, UART_IER), 0x0F);
    wr(e, UART_IER, 0x00);
    ck_assert_uint_eq(rd(e, UART_IER), 0x00);
    /* XScale UUE bit (0x40) must not stick, or Linux says "XScale" */
    wr(e, UART_IER, 0x40);
    ck_assert_uint_eq(rd(e, UART_IER) & 0x40, 0);
    uenv_free(e);
}
END_TEST

START_TEST(fifo_enable_shows_c0)
{
    UEnv *e = uenv_new();
    wr(e, UART_IIR, 0x01); /* FCR: enable FIFOs */
    ck_assert_uint_eq(rd(e, UART_IIR), 0xC1);
    /* with LCR = 0xBF register 2 still reads IIR: no EFR, a 16550A */
    wr(e, UART_LCR, 0xBF);
    ck_assert_uint_eq(rd(e, UART_IIR), 0xC1);
    wr(e, UART_LCR, 0x80);
    ck_assert_uint_eq(rd(e, UART_IIR), 0xC1);
    wr(e, UART_LCR, 0x00);
    /* 64-byte FIFO bit (16750 probe) must not show in IIR bit 5 */
    wr(e, UART_IIR, 0x21);
    ck_assert_uint_eq(rd(e, UART_IIR) >> 5, 6);
    wr(e, UART_IIR, 0x00);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x01);
    uenv_free(e);
}
END_TEST

START_TEST(dlab_divisor_latch)
{
    UEnv *e = uenv_new();
    wr(e, UART_IER, 0x05);
    wr(e, UART_LCR, 0x83);
    wr(e, UART_RBR, 0x01); /* DLL */
    wr(e, UART_IER, 0x00); /* DLM */
    ck_assert_uint_eq(rd(e, UART_RBR), 0x01);
    ck_assert_uint_eq(rd(e, UART_IER), 0x00);
    ck_assert_int_eq(e->nout, 0); /* a DLL write is not a transmission */
    wr(e, UART_LCR, 0x03);
    ck_assert_uint_eq(rd(e, UART_IER), 0x05); /* IER untouched by DLM */
    ck_assert_uint_eq(rd(e, UART_LCR), 0x03);
    uenv_free(e);
}
END_TEST

START_TEST(scratch_register)
{
    UEnv *e = uenv_new();
    wr(e, UART_SCR, 0xA5);
    ck_assert_uint_eq(rd(e, UART_SCR), 0xA5);
    wr(e, UART_SCR, 0x5A);
    ck_assert_uint_eq(rd(e, UART_SCR), 0x5A);
    uenv_free(e);
}
END_TEST

START_TEST(loopback_msr)
{
    UEnv *e = uenv_new();
    /* Linux's autoconfig: MCR = LOOP | OUT2 | RTS gives MSR & 0xF0 = 0x90 */
    wr(e, UART_MCR, 0x1A);
    ck_assert_uint_eq(rd(e, UART_MSR) & 0xF0, 0x90);
    wr(e, UART_MCR, 0x00);
    ck_assert_uint_eq(rd(e, UART_MSR) & 0xF0, 0xB0);
    uenv_free(e);
}
END_TEST

START_TEST(loopback_data)
{
    UEnv *e = uenv_new();
    wr(e, UART_MCR, 0x10);
    wr(e, UART_RBR, 'Q');
    ck_assert_int_eq(e->nout, 0);
    ck_assert_uint_eq(rd(e, UART_LSR) & 1, 1);
    ck_assert_uint_eq(rd(e, UART_RBR), 'Q');
    ck_assert_uint_eq(rd(e, UART_LSR) & 1, 0);
    uenv_free(e);
}
END_TEST

START_TEST(transmit)
{
    UEnv *e = uenv_new();
    wr(e, UART_RBR, 'h');
    wr(e, UART_RBR, 'i');
    ck_assert_int_eq(e->nout, 2);
    ck_assert_int_eq(e->out[0], 'h');
    ck_assert_int_eq(e->out[1], 'i');
    ck_assert_uint_eq(rd(e, UART_LSR), 0x60);
    uenv_free(e);
}
END_TEST

START_TEST(thre_reasserted_when_etbei_set)
{
    UEnv *e = uenv_new();
    /* serial8250_startup's THRE test: enable THRI, IIR says THRE; disable,
     * enable again: THRE must come back */
    wr(e, UART_IER, 0x02);
    ck_assert_int_eq(e->irq_level, 1);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x02);
    /* reading IIR cleared it */
    ck_assert_int_eq(e->irq_level, 0);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x01);
    wr(e, UART_IER, 0x00);
    wr(e, UART_IER, 0x02);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x02);
    /* a transmission empties THR again: THRE again */
    wr(e, UART_RBR, 'x');
    ck_assert_int_eq(e->irq_level, 1);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x02);
    uenv_free(e);
}
END_TEST

START_TEST(receive_and_priority)
{
    UEnv *e = uenv_new();
    wr(e, UART_IIR, 0xC1); /* FIFO on, trigger 14 */
    wr(e, UART_IER, 0x03); /* RDI and THRI */
    ck_assert_uint_eq(uart_receive(&e->u, (const uint8_t *)"ab", 2), 2);
    ck_assert_int_eq(e->irq_level, 1);
    /* received data outranks THRE; below the trigger level: timeout 0x0C */
    ck_assert_uint_eq(rd(e, UART_IIR), 0xCC);
    ck_assert_uint_eq(rd(e, UART_LSR) & 0x01, 1);
    ck_assert_uint_eq(rd(e, UART_RBR), 'a');
    ck_assert_uint_eq(rd(e, UART_RBR), 'b');
    ck_assert_uint_eq(rd(e, UART_LSR) & 0x01, 0);
    /* data gone: THRE shows now, and reading IIR clears it */
    ck_assert_uint_eq(rd(e, UART_IIR), 0xC2);
    ck_assert_uint_eq(rd(e, UART_IIR), 0xC1);
    ck_assert_int_eq(e->irq_level, 0);
    uenv_free(e);
}
END_TEST

START_TEST(rx_trigger_level)
{
    UEnv *e = uenv_new();
    wr(e, UART_IIR, 0x41); /* FIFO on, trigger 4 */
    wr(e, UART_IER, 0x01);
    uart_receive(&e->u, (const uint8_t *)"abc", 3);
    ck_assert_uint_eq(rd(e, UART_IIR), 0xCC);
    uart_receive(&e->u, (const uint8_t *)"d", 1);
    ck_assert_uint_eq(rd(e, UART_IIR), 0xC4);
    uenv_free(e);
}
END_TEST

START_TEST(fifo_capacity)
{
    UEnv *e = uenv_new();
    uint8_t buf[40];
    memset(buf, 'z', sizeof(buf));
    /* FIFO off: a single holding register */
    ck_assert_uint_eq(uart_receive(&e->u, buf, sizeof(buf)), 1);
    rd(e, UART_RBR);
    wr(e, UART_IIR, 0x01);
    ck_assert_uint_eq(uart_receive(&e->u, buf, sizeof(buf)), 16);
    ck_assert_uint_eq(uart_can_receive(&e->u), 0);
    /* FCR bit 1 empties the receive FIFO */
    wr(e, UART_IIR, 0x03);
    ck_assert_uint_eq(rd(e, UART_LSR) & 1, 0);
    ck_assert_uint_eq(uart_can_receive(&e->u), 16);
    uenv_free(e);
}
END_TEST

START_TEST(interrupt_masked_by_ier)
{
    UEnv *e = uenv_new();
    uart_receive(&e->u, (const uint8_t *)"k", 1);
    ck_assert_int_eq(e->irq_level, 0);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x01);
    wr(e, UART_IER, 0x01);
    ck_assert_int_eq(e->irq_level, 1);
    ck_assert_uint_eq(rd(e, UART_IIR), 0x04);
    wr(e, UART_IER, 0x00);
    ck_assert_int_eq(e->irq_level, 0);
    uenv_free(e);
}
END_TEST

Suite *suite_uart(void)
{
    Suite *s = suite_create("uart");
    TCase *tc = tcase_create("16550a");
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, ier_keeps_low_four_bits);
    tcase_add_test(tc, fifo_enable_shows_c0);
    tcase_add_test(tc, dlab_divisor_latch);
    tcase_add_test(tc, scratch_register);
    tcase_add_test(tc, loopback_msr);
    tcase_add_test(tc, loopback_data);
    tcase_add_test(tc, transmit);
    tcase_add_test(tc, thre_reasserted_when_etbei_set);
    tcase_add_test(tc, receive_and_priority);
    tcase_add_test(tc, rx_trigger_level);
    tcase_add_test(tc, fifo_capacity);
    tcase_add_test(tc, interrupt_masked_by_ier);
    suite_add_tcase(s, tc);
    return s;
}
