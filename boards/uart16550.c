/*
 * ns16550A UART, modelled on the National Semiconductor PC16550D data sheet
 * (register descriptions 8.1-8.9, interrupt priorities in Table IV), to the
 * level Linux's 8250 driver probes: it must come out as "16550A".
 *
 * Simplifications (documented, invisible to the 8250 driver):
 *  - transmission is instantaneous: THR and the transmitter are empty again
 *    as soon as a byte is written, so LSR always shows THRE|TEMT;
 *  - the receive timeout indication (IIR 0x0C) is given at once when the
 *    FIFO holds fewer bytes than the trigger level, instead of after four
 *    character times;
 *  - no overrun, parity or framing errors (the host never overruns the
 *    FIFO: the board only offers uart_can_receive() bytes);
 *  - MCR OUT2 does not gate the interrupt output (SoC UARTs do not have
 *    the PC's OUT2 interrupt gate).
 */
#include "boards/uart16550.h"

#include <string.h>

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0C
#define IIR_FIFO   0xC0 /* both FIFO-enabled bits (16550A, not 16550) */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRS 0x1E

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_DELTAS 0x0F

/* Outside loopback the modem lines are fixed: DCD, DSR and CTS asserted,
 * no ring (what a null-modem host connection looks like); reads 0xB0. */
#define MSR_IDLE (MSR_DCD | MSR_DSR | MSR_CTS)

static const unsigned rx_trigger[4] = { 1, 4, 8, 14 }; /* FCR bits 7:6 */

static bool fifo_on(const Uart16550 *u) { return u->fcr & FCR_ENABLE; }

static unsigned rx_capacity(const Uart16550 *u)
{
    return fifo_on(u) ? UART_FIFO_SIZE : 1;
}

/* The interrupt identification code of the highest-priority pending
 * condition (PC16550D Table IV), or IIR_NO_INT. */
static uint8_t iir_code(const Uart16550 *u)
{
    if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRS))
        return IIR_RLSI;
    if ((u->ier & IER_ERBFI) && u->rx_count) {
        if (fifo_on(u) && u->rx_count < rx_trigger[u->fcr >> 6])
            return IIR_CTI;
        return IIR_RDI;
    }
    if ((u->ier & IER_ETBEI) && u->thr_ipending)
        return IIR_THRI;
    if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

static void update_irq(Uart16550 *u)
{
    bool level = iir_code(u) != IIR_NO_INT;
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_line_set(&u->irq, level);
    }
}

/* Modem status inputs: in loopback (MCR bit 4) they are wired to the modem
 * control outputs, RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD (PC16550D 8.7). */
static uint8_t msr_inputs(const Uart16550 *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_IDLE;
    uint8_t m = 0;
    if (u->mcr & MCR_RTS) m |= MSR_CTS;
    if (u->mcr & MCR_DTR) m |= MSR_DSR;
    if (u->mcr & MCR_OUT1) m |= MSR_RI;
    if (u->mcr & MCR_OUT2) m |= MSR_DCD;
    return m;
}

/* Latch the delta bits for changed modem inputs; TERI is set on the
 * trailing edge of RI only. */
static void update_msr(Uart16550 *u)
{
    uint8_t now = msr_inputs(u), old = u->msr & 0xF0;
    uint8_t d = u->msr & MSR_DELTAS;
    if ((now ^ old) & MSR_CTS) d |= MSR_DCTS;
    if ((now ^ old) & MSR_DSR) d |= MSR_DDSR;
    if ((now ^ old) & MSR_DCD) d |= MSR_DDCD;
    if ((old & MSR_RI) && !(now & MSR_RI)) d |= MSR_TERI;
    u->msr = now | d;
}

static void rx_clear(Uart16550 *u)
{
    u->rx_head = u->rx_count = 0;
    u->lsr &= (uint8_t)~LSR_DR;
}

static void rx_push(Uart16550 *u, uint8_t b)
{
    if (u->rx_count >= rx_capacity(u)) {
        u->lsr |= LSR_OE; /* only reachable through loopback */
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
    u->rx_count++;
    u->lsr |= LSR_DR;
}

static uint8_t rx_pop(Uart16550 *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t b = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
    if (--u->rx_count == 0)
        u->lsr &= (uint8_t)~LSR_DR;
    return b;
}

void uart_init(Uart16550 *u, IrqLine irq, void (*tx_fn)(void *, uint8_t), void *tx_opaque)
{
    memset(u, 0, sizeof(*u));
    u->irq = irq;
    u->tx_fn = tx_fn;
    u->tx_opaque = tx_opaque;
    uart_reset(u);
}

/* Master reset values (PC16550D Table III) */
void uart_reset(Uart16550 *u)
{
    u->ier = u->lcr = u->mcr = u->fcr = u->scr = 0;
    u->dll = u->dlm = 0;
    rx_clear(u);
    u->lsr = LSR_THRE | LSR_TEMT;
    u->msr = MSR_IDLE;
    u->thr_ipending = false;
    update_irq(u);
}

void uart_post_load(Uart16550 *u)
{
    u->irq_level = iir_code(u) != IIR_NO_INT;
    irq_line_set(&u->irq, u->irq_level);
}

unsigned uart_can_receive(const Uart16550 *u)
{
    if (u->mcr & MCR_LOOP) /* the receiver listens to the transmitter only */
        return 0;
    return rx_capacity(u) - u->rx_count;
}

size_t uart_receive(Uart16550 *u, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    while (n < len && uart_can_receive(u)) {
        rx_push(u, buf[n]);
        n++;
    }
    if (n)
        update_irq(u);
    return n;
}

static uint8_t read_iir(Uart16550 *u)
{
    uint8_t code = iir_code(u);
    /* reading IIR while it reports THRE clears that interrupt (Table IV) */
    if (code == IIR_THRI)
        u->thr_ipending = false;
    return code | (fifo_on(u) ? IIR_FIFO : 0);
}

static uint8_t reg_read(Uart16550 *u, unsigned reg)
{
    uint8_t v;
    switch (reg) {
    case UART_RBR:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        return rx_pop(u);
    case UART_IER:
        return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case UART_IIR:
        /* also with LCR = 0xBF: a 16550A has no EFR behind it */
        return read_iir(u);
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        v = u->lsr;
        u->lsr &= (uint8_t)~(LSR_OE | LSR_BI); /* error bits clear on read */
        return v;
    case UART_MSR:
        v = u->msr;
        u->msr &= (uint8_t)~MSR_DELTAS;
        return v;
    default:
        return u->scr;
    }
}

static void transmit(Uart16550 *u, uint8_t b)
{
    if (u->mcr & MCR_LOOP)
        rx_push(u, b);
    else if (u->tx_fn)
        u->tx_fn(u->tx_opaque, b);
    /* the byte leaves at once: THR is empty again and says so */
    u->thr_ipending = true;
}

static void write_fcr(Uart16550 *u, uint8_t v)
{
    /* changing the FIFO enable bit clears both FIFOs (PC16550D 8.4) */
    if ((v ^ u->fcr) & FCR_ENABLE)
        rx_clear(u);
    if (v & FCR_CLEAR_RX)
        rx_clear(u);
    /* bits 1-2 self-clear, bits 3-5 are not used by a 16550A */
    u->fcr = v & 0xC1;
    if (!(u->fcr & FCR_ENABLE))
        u->fcr = 0;
}

static void reg_write(Uart16550 *u, unsigned reg, uint8_t v)
{
    switch (reg) {
    case UART_RBR:
        if (u->lcr & LCR_DLAB)
            u->dll = v;
        else
            transmit(u, v);
        break;
    case UART_IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = v;
        } else {
            /* enabling ETBEI while THR is empty raises THRE again; the
             * 8250 driver's THRE test depends on it */
            if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
                u->thr_ipending = true;
            u->ier = v & 0x0F;
        }
        break;
    case UART_IIR:
        write_fcr(u, v);
        break;
    case UART_LCR:
        u->lcr = v;
        break;
    case UART_MCR:
        u->mcr = v & 0x1F;
        update_msr(u);
        break;
    case UART_LSR:
    case UART_MSR:
        break; /* read-only (factory test registers on the real part) */
    default:
        u->scr = v;
        break;
    }
    update_irq(u);
}

/* Byte-wide registers: a wider access reaches the register at its address
 * with the value in its low byte. */
uint32_t uart_read(void *opaque, uint32_t off, unsigned size)
{
    Uart16550 *u = opaque;
    (void)size;
    uint8_t v = reg_read(u, off & 7);
    update_irq(u);
    return v;
}

void uart_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    (void)size;
    reg_write(opaque, off & 7, (uint8_t)val);
}

const MemOps uart_ops = { uart_read, uart_write };

/* ---- snapshot state (migration/snapstate.h) ----
 * Registers, the receive FIFO and the latched THRE interrupt (PC16550D
 * 8.1-8.9).  irq_level is derived: post_load drives the line from the
 * registers, whatever level it had before. */

static const SnapField uart_fields[] = {
    SNAP_FIELD_MAX(Uart16550, ier, 1, 0x0F), SNAP_FIELD(Uart16550, lcr, 1),
    SNAP_FIELD_MAX(Uart16550, mcr, 1, 0x1F), SNAP_FIELD(Uart16550, lsr, 1),
    SNAP_FIELD(Uart16550, msr, 1), SNAP_FIELD(Uart16550, scr, 1),
    SNAP_FIELD_MAX(Uart16550, fcr, 1, 0xC1), SNAP_FIELD(Uart16550, dll, 1),
    SNAP_FIELD(Uart16550, dlm, 1), SNAP_ARRAY(Uart16550, rx, 1),
    SNAP_FIELD_MAX(Uart16550, rx_head, 1, UART_FIFO_SIZE - 1),
    SNAP_FIELD_MAX(Uart16550, rx_count, 1, UART_FIFO_SIZE),
    SNAP_FIELD(Uart16550, thr_ipending, 1),
    SNAP_END,
};

/* A FIFO holds at most one byte while FIFOs are off (PC16550D 8.4) */
static int uart_snap_check(const void *loaded, SnapError *err)
{
    const Uart16550 *u = loaded;
    if (!(u->fcr & 1) && u->rx_count > 1) {
        snap_error(err, "snapshot is corrupt (uart0 holds %u bytes with its FIFO off)", u->rx_count);
        return -1;
    }
    return 0;
}

static void uart_snap_post_load(void *opaque)
{
    uart_post_load(opaque);
}

const SnapStateDesc uart_state_desc = {
    .name = "uart0",
    .version = 1,
    .size = sizeof(Uart16550),
    .fields = uart_fields,
    .check = uart_snap_check,
    .post_load = uart_snap_post_load,
};
