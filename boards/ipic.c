/*
 * MPC831x IPIC subset (MPC8315E RM chapter 8, "Integrated Programmable
 * Interrupt Controller").  Source numbers and register bits follow the
 * table of Linux's ipic driver (sysdev/ipic.c, ipic_info[]):
 *   internal  9..16  SIPNR_H/SIMSR_H bit (src + 15)    (IBM numbering)
 *   internal 32..63  SIPNR_H/SIMSR_H bit (src - 32)
 *   internal 64..95  SIPNR_L/SIMSR_L bit (src - 64)
 *   external 17..23  SEPNR/SEMSR bit (src - 16), external 48 bit 0
 * Internal sources are level-triggered: SIPNR follows the inputs.
 *
 * Simplification: among several pending unmasked sources, SIVCR reports
 * the lowest-numbered one; SIPRR/SMPRR and SICFR are stored and read back
 * but the grouped/spread priority scheme is not modelled.  SIVCR's
 * backward-compatible IVECx field (bits 0-5) reads 0.
 */
#include "boards/ipic.h"

#include <string.h>

/* Reset value of the priority registers (MPC8315E RM 8.5.5), also the
 * value Linux writes back as IPIC_PRIORITY_DEFAULT */
#define IPIC_PRIO_RESET 0x05309770u

#define SIVCR_IVEC_MASK 0x7Fu

/* Byte lanes of a big-endian 32-bit register.  The bus only passes
 * naturally aligned accesses (mem/bus.h), which never cross the register;
 * for a direct caller that passes one anyway, bytes beyond the register
 * read as 0 and writes to them are dropped (no shift is ever negative). */
uint32_t board_subword_read(uint32_t word, uint32_t off, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned lane = (off & 3) + i;
        v = v << 8 | (lane < 4 ? (word >> (24 - 8 * lane)) & 0xFFu : 0);
    }
    return v;
}

uint32_t board_subword_merge(uint32_t word, uint32_t off, uint32_t val, unsigned size)
{
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned lane = (off & 3) + i;
        if (lane < 4) {
            uint32_t shift = 24 - 8 * lane, byte = (val >> (8 * (size - 1 - i))) & 0xFFu;
            word = (word & ~(0xFFu << shift)) | byte << shift;
        }
    }
    return word;
}

/* Where a source lives: reg 0 = H, 1 = L, 2 = external; mask bit. */
static bool src_bit(int src, int *reg, uint32_t *mask)
{
    int bit;
    if (src >= 9 && src <= 16) { *reg = 0; bit = src + 15; }
    else if (src == 48) { *reg = 2; bit = 0; } /* external IRQ0, not SIPNR_H bit 16 */
    else if (src >= 32 && src <= 63) { *reg = 0; bit = src - 32; }
    else if (src >= 64 && src <= 95) { *reg = 1; bit = src - 64; }
    else if (src >= 17 && src <= 23) { *reg = 2; bit = src - 16; }
    else return false;
    *mask = 1u << (31 - bit);
    return true;
}

static uint32_t sipnr(const Ipic *p, int r) { return p->level[r] | p->sifcr[r]; }

/* SECNR edge-detect bit of external source src (Linux's
 * ipic_set_irq_type: IRQ0 = bit 15, IRQ1..7 = bits 14..8, LSB numbering) */
static uint32_t ext_edge_bit(int src)
{
    return src == 48 ? 1u << 15 : 1u << (14 - (src - 17));
}

/* The SEPNR bits of external sources in edge mode */
static uint32_t ext_edge_mask(const Ipic *p)
{
    uint32_t m = 0;
    if (p->secnr & ext_edge_bit(48))
        m |= 1u << 31;
    for (int s = 17; s <= 23; s++)
        if (p->secnr & ext_edge_bit(s))
            m |= 1u << (31 - (s - 16));
    return m;
}

/* External pending: level-sensitive inputs follow the line, edge-sensitive
 * ones stay latched in SEPNR until written with 1. */
static uint32_t sepnr(const Ipic *p)
{
    return p->sepnr | p->sefcr | (p->ext_level & ~ext_edge_mask(p));
}

static bool src_pending(const Ipic *p, int src)
{
    int r;
    uint32_t m;
    if (!src_bit(src, &r, &m))
        return false;
    if (r == 2)
        return (sepnr(p) & p->semsr & m) != 0;
    return (sipnr(p, r) & p->simsr[r] & m) != 0;
}

unsigned ipic_vector(const Ipic *p)
{
    if (!((sipnr(p, 0) & p->simsr[0]) | (sipnr(p, 1) & p->simsr[1]) | (sepnr(p) & p->semsr)))
        return 0;
    for (int src = 1; src < IPIC_NSRC; src++)
        if (src_pending(p, src))
            return (unsigned)src;
    return 0;
}

static void update(Ipic *p)
{
    bool level = ipic_vector(p) != 0;
    if (level != p->out_level) {
        p->out_level = level;
        irq_line_set(&p->out, level);
    }
}

void ipic_post_load(Ipic *p)
{
    p->out_level = ipic_vector(p) != 0;
    irq_line_set(&p->out, p->out_level);
}

void ipic_init(Ipic *p, IrqLine out)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    ipic_reset(p);
}

void ipic_reset(Ipic *p)
{
    uint32_t level[2] = { p->level[0], p->level[1] }, ext = p->ext_level;
    IrqLine out = p->out;
    bool out_level = p->out_level;
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->out_level = out_level;
    /* the inputs are wires: a reset of the controller does not change them */
    p->level[0] = level[0];
    p->level[1] = level[1];
    p->ext_level = ext;
    for (int i = 0; i < 4; i++)
        p->siprr[i] = IPIC_PRIO_RESET;
    p->smprr[0] = p->smprr[1] = IPIC_PRIO_RESET;
    update(p);
}

void ipic_set_irq(void *opaque, int n, bool level)
{
    Ipic *p = opaque;
    int r;
    uint32_t m;
    if (!src_bit(n, &r, &m))
        return;
    if (r == 2) {
        /* an asserting edge latches the source when it is in edge mode */
        if ((p->secnr & ext_edge_bit(n)) && level && !(p->ext_level & m))
            p->sepnr |= m;
        p->ext_level = level ? (p->ext_level | m) : (p->ext_level & ~m);
    } else {
        p->level[r] = level ? (p->level[r] | m) : (p->level[r] & ~m);
    }
    update(p);
}

static uint32_t reg_read(Ipic *p, uint32_t off)
{
    switch (off) {
    case IPIC_SICFR: return p->sicfr;
    case IPIC_SIVCR: return ipic_vector(p) & SIVCR_IVEC_MASK;
    case IPIC_SIPNR_H: return sipnr(p, 0);
    case IPIC_SIPNR_L: return sipnr(p, 1);
    case IPIC_SIPRR_A: case IPIC_SIPRR_B: case IPIC_SIPRR_C: case IPIC_SIPRR_D:
        return p->siprr[(off - IPIC_SIPRR_A) / 4];
    case IPIC_SIMSR_H: return p->simsr[0];
    case IPIC_SIMSR_L: return p->simsr[1];
    case IPIC_SICNR: return p->sicnr;
    case IPIC_SEPNR: return sepnr(p);
    case IPIC_SMPRR_A: return p->smprr[0];
    case IPIC_SMPRR_B: return p->smprr[1];
    case IPIC_SEMSR: return p->semsr;
    case IPIC_SECNR: return p->secnr;
    case IPIC_SERSR: return p->sersr;
    case IPIC_SERMR: return p->sermr;
    case IPIC_SERCR: return p->sercr;
    case IPIC_SIFCR_H: return p->sifcr[0];
    case IPIC_SIFCR_L: return p->sifcr[1];
    case IPIC_SEFCR: return p->sefcr;
    case IPIC_SERFR: return p->serfr;
    default: return 0; /* SCVCR/SMVCR: no critical or SMI sources here */
    }
}

static void reg_write(Ipic *p, uint32_t off, uint32_t v)
{
    switch (off) {
    case IPIC_SICFR: p->sicfr = v; break;
    case IPIC_SIPRR_A: case IPIC_SIPRR_B: case IPIC_SIPRR_C: case IPIC_SIPRR_D:
        p->siprr[(off - IPIC_SIPRR_A) / 4] = v;
        break;
    case IPIC_SIMSR_H: p->simsr[0] = v; break;
    case IPIC_SIMSR_L: p->simsr[1] = v; break;
    case IPIC_SICNR: p->sicnr = v; break;
    case IPIC_SEPNR: p->sepnr &= ~v; break; /* write 1 to clear (edge mode) */
    case IPIC_SMPRR_A: p->smprr[0] = v; break;
    case IPIC_SMPRR_B: p->smprr[1] = v; break;
    case IPIC_SEMSR: p->semsr = v; break;
    case IPIC_SECNR: p->secnr = v; break;
    case IPIC_SERSR: p->sersr &= ~v; break; /* write 1 to clear */
    case IPIC_SERMR: p->sermr = v; break;
    case IPIC_SERCR: p->sercr = v; break;
    case IPIC_SIFCR_H: p->sifcr[0] = v; break;
    case IPIC_SIFCR_L: p->sifcr[1] = v; break;
    case IPIC_SEFCR: p->sefcr = v; break;
    case IPIC_SERFR: p->serfr = v; p->sersr |= v; break;
    default: break; /* SIVCR, SIPNR: read-only */
    }
    update(p);
}

uint32_t ipic_read(void *opaque, uint32_t off, unsigned size)
{
    return board_subword_read(reg_read(opaque, off & ~3u), off, size);
}

void ipic_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    Ipic *p = opaque;
    uint32_t reg = off & ~3u;
    reg_write(p, reg, board_subword_merge(reg_read(p, reg), off, val, size));
}

const MemOps ipic_ops = { ipic_read, ipic_write };

/* ---- snapshot state (migration/snapstate.h) ----
 * The registers (MPC8315E RM 8.5) and the input wires; out_level is
 * derived: post_load drives the CPU's external input from them. */

static const SnapField ipic_fields[] = {
    SNAP_FIELD(Ipic, sicfr, 1), SNAP_FIELD(Ipic, sicnr, 1), SNAP_ARRAY(Ipic, siprr, 1),
    SNAP_ARRAY(Ipic, smprr, 1), SNAP_ARRAY(Ipic, simsr, 1), SNAP_ARRAY(Ipic, level, 1),
    SNAP_ARRAY(Ipic, sifcr, 1), SNAP_FIELD(Ipic, ext_level, 1), SNAP_FIELD(Ipic, sepnr, 1),
    SNAP_FIELD(Ipic, semsr, 1), SNAP_FIELD(Ipic, secnr, 1), SNAP_FIELD(Ipic, sefcr, 1),
    SNAP_FIELD(Ipic, sersr, 1), SNAP_FIELD(Ipic, sermr, 1), SNAP_FIELD(Ipic, sercr, 1),
    SNAP_FIELD(Ipic, serfr, 1),
    SNAP_END,
};

static void ipic_snap_post_load(void *opaque)
{
    ipic_post_load(opaque);
}

const SnapStateDesc ipic_state_desc = {
    .name = "ipic",
    .version = 1,
    .size = sizeof(Ipic),
    .fields = ipic_fields,
    .post_load = ipic_snap_post_load,
};
