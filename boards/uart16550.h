/*
 * ns16550A UART: eight byte-wide registers (reg-shift 0).  Transmission is
 * instantaneous (THR empties at once), reception comes from the host through
 * uart_receive() into the 16-byte receive FIFO.
 */
#ifndef BOARDS_UART16550_H
#define BOARDS_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boards/irq.h"
#include "mem/bus.h"
#include "migration/snapstate.h"

#define UART_FIFO_SIZE 16

/* register offsets (with DLAB = LCR bit 7 selecting DLL/DLM at 0/1) */
enum { UART_RBR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3, UART_MCR = 4,
       UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };

typedef struct Uart16550 {
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t dll, dlm;
    uint8_t rx[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    bool thr_ipending;   /* THRE interrupt latched (cleared by IIR read / THR write) */
    IrqLine irq;
    bool irq_level;
    /* where transmitted bytes go */
    void (*tx_fn)(void *opaque, uint8_t byte);
    void *tx_opaque;
} Uart16550;

extern const MemOps uart_ops;

void uart_init(Uart16550 *u, IrqLine irq, void (*tx_fn)(void *, uint8_t), void *tx_opaque);
void uart_reset(Uart16550 *u);
/* How many bytes the receive FIFO can take now. */
unsigned uart_can_receive(const Uart16550 *u);
/* Host input: queue up to len bytes; returns how many were taken. */
size_t uart_receive(Uart16550 *u, const uint8_t *buf, size_t len);
uint32_t uart_read(void *opaque, uint32_t off, unsigned size);
/* After a snapshot replaced the registers: drive the interrupt output from
 * them, whatever level it had before (their post_load). */
void uart_post_load(Uart16550 *u);
void uart_write(void *opaque, uint32_t off, uint32_t val, unsigned size);
/* The UART's snapshot state (section "uart0"); opaque: the Uart16550 */
extern const SnapStateDesc uart_state_desc;

#endif /* BOARDS_UART16550_H */
