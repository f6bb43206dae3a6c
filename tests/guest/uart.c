/*
 * UART0 registers as a 16550A (board.md; NS16550A data sheet): LSR idle
 * 0x60, IER keeps bits 0-3, IIR 0xC1 with FIFOs and nothing pending, the
 * scratch register, the divisor latch behind DLAB, THRE interrupt
 * identification (IIR 0xC2), cleared by reading IIR and re-asserted when
 * ETBEI is written again.
 */
#include "rt.h"

int main(void)
{
    rt_puts("uart: output works\n");
    while (!(uart_reg_read(UART_LSR) & LSR_TEMT))
        ;
    CHECK_EQ(uart_reg_read(UART_LSR), 0x60, "LSR idle = THRE|TEMT");
    CHECK_EQ(uart_reg_read(UART_LCR), 0x03, "LCR reads back 8N1");

    uart_reg_write(UART_IER, 0xFF);
    CHECK_EQ(uart_reg_read(UART_IER), 0x0F, "IER keeps bits 0-3");
    uart_reg_write(UART_IER, 0);
    CHECK_EQ(uart_reg_read(UART_IER), 0x00, "IER cleared");
    CHECK_EQ(uart_reg_read(UART_IIR), 0xC1, "IIR: FIFOs on, no interrupt");

    uart_reg_write(UART_SCR, 0x5A);
    CHECK_EQ(uart_reg_read(UART_SCR), 0x5A, "scratch register");
    uart_reg_write(UART_SCR, 0xA5);
    CHECK_EQ(uart_reg_read(UART_SCR), 0xA5, "scratch register again");

    uart_reg_write(UART_LCR, 0x83);
    uart_reg_write(UART_DLL, 0x34);
    uart_reg_write(UART_DLM, 0x12);
    CHECK_EQ(uart_reg_read(UART_DLL), 0x34, "DLL behind DLAB");
    CHECK_EQ(uart_reg_read(UART_DLM), 0x12, "DLM behind DLAB");
    uart_reg_write(UART_LCR, 0x03);
    CHECK_EQ(uart_reg_read(UART_IER), 0x00, "IER again without DLAB");
    uart_reg_write(UART_LCR, 0x80);
    uart_reg_write(UART_DLL, 0x01);
    uart_reg_write(UART_DLM, 0x00);
    uart_reg_write(UART_LCR, 0x03);

    uart_reg_write(UART_IER, 0x02);      /* ETBEI */
    CHECK_EQ(uart_reg_read(UART_IIR), 0xC2, "IIR: THR empty interrupt");
    CHECK_EQ(uart_reg_read(UART_IIR), 0xC1, "reading IIR cleared the THRE interrupt");
    uart_reg_write(UART_IER, 0x00);
    uart_reg_write(UART_IER, 0x02);      /* re-asserted by setting ETBEI */
    CHECK_EQ(uart_reg_read(UART_IIR), 0xC2, "THRE interrupt re-asserted by ETBEI");
    uart_reg_write(UART_IER, 0x00);
    CHECK_EQ(uart_reg_read(UART_IIR), 0xC1, "no interrupt with IER=0");
    CHECK_EQ(uart_reg_read(UART_LSR) & 0x01, 0, "no received data");
    return rt_result("uart");
}
