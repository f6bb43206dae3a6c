/*
 * The subset of the MPC831x IPIC (integrated programmable interrupt
 * controller, MPC8315E RM chapter 8) that Linux's arch/powerpc/sysdev/ipic.c
 * drives: 0x100 bytes of 32-bit registers.  Devices raise internal sources
 * through ipic_set_irq() (an IrqLine callback); the IPIC drives one output,
 * the CPU's external interrupt input.
 */
#ifndef BOARDS_IPIC_H
#define BOARDS_IPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "boards/irq.h"
#include "mem/bus.h"
#include "migration/snapstate.h"

#define IPIC_SIZE 0x100

/* register offsets (MPC8315E RM 8.5) */
enum {
    IPIC_SICFR = 0x00, IPIC_SIVCR = 0x04, IPIC_SIPNR_H = 0x08, IPIC_SIPNR_L = 0x0C,
    IPIC_SIPRR_A = 0x10, IPIC_SIPRR_B = 0x14, IPIC_SIPRR_C = 0x18, IPIC_SIPRR_D = 0x1C,
    IPIC_SIMSR_H = 0x20, IPIC_SIMSR_L = 0x24, IPIC_SICNR = 0x28, IPIC_SEPNR = 0x2C,
    IPIC_SMPRR_A = 0x30, IPIC_SMPRR_B = 0x34, IPIC_SEMSR = 0x38, IPIC_SECNR = 0x3C,
    IPIC_SERSR = 0x40, IPIC_SERMR = 0x44, IPIC_SERCR = 0x48, IPIC_SIFCR_H = 0x50,
    IPIC_SIFCR_L = 0x54, IPIC_SEFCR = 0x58, IPIC_SERFR = 0x5C, IPIC_SCVCR = 0x60,
    IPIC_SMVCR = 0x64,
};

#define IPIC_NSRC 128
#define IPIC_SRC_UART1 9
#define IPIC_SRC_UART2 10

typedef struct Ipic {
    uint32_t sicfr, sicnr, siprr[4], smprr[2];
    uint32_t simsr[2];  /* [0] = H, [1] = L */
    uint32_t level[2];  /* internal source inputs, SIPNR bit layout */
    uint32_t sifcr[2];  /* software-forced internal sources */
    uint32_t ext_level; /* external source inputs, SEPNR bit layout */
    uint32_t sepnr;     /* latched external pending (edge mode) */
    uint32_t semsr, secnr, sefcr;
    uint32_t sersr, sermr, sercr, serfr;
    IrqLine out;        /* to the CPU's external interrupt input */
    bool out_level;
} Ipic;

extern const MemOps ipic_ops;

void ipic_init(Ipic *p, IrqLine out);
void ipic_reset(Ipic *p);
/* IrqLine callback: source number n (Linux's hwirq) at level */
void ipic_set_irq(void *opaque, int n, bool level);
/* Vector of the highest-priority pending unmasked source, 0 if none */
unsigned ipic_vector(const Ipic *p);
/* After a snapshot replaced the registers: drive the output to the CPU from
 * them, whatever level it had before (their post_load). */
void ipic_post_load(Ipic *p);
uint32_t ipic_read(void *opaque, uint32_t off, unsigned size);
void ipic_write(void *opaque, uint32_t off, uint32_t val, unsigned size);
/* The IPIC's snapshot state (section "ipic"); opaque: the Ipic */
extern const SnapStateDesc ipic_state_desc;

/* 32-bit register files accessed with 1/2/4-byte big-endian accesses;
 * defined for any off/size (bytes beyond the register: read 0, write
 * dropped), though the bus only passes naturally aligned ones */
uint32_t board_subword_read(uint32_t word, uint32_t off, unsigned size);
uint32_t board_subword_merge(uint32_t word, uint32_t off, uint32_t val, unsigned size);

#endif /* BOARDS_IPIC_H */
