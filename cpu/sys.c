/*
 * Supervisor-level and system instructions (750 UM chapter 12, PEM 8):
 * mfmsr/mtmsr, rfi, sc, tw/twi, mfsr/mfsrin/mtsr/mtsrin, tlbie, tlbsync.
 * tlbia is not implemented by the 750 ("attempting to execute tlbia causes
 * an illegal instruction program exception", 750 UM 2.3.6.3.3): its
 * encoding is left out of the table.  Linux uses a loop of tlbie.
 */
#include "cpu/ppc.h"
#include "timebase/tb.h"

/* Bits of MSR that rfi restores from SRR1: 16-23, 25-27, 30-31 (PEM 8, rfi) */
#define RFI_MASK 0x0000FF73u

static inline bool user_mode(const PPCState *s)
{
    return s->msr & MSR_PR;
}

static int op_mfmsr(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    s->gpr[op->rd] = s->msr;
    return PPC_NEXT;
}

/* A decrementer edge that has passed must be pending the moment EE opens
 * (750 UM 4.5.9), even when the host timer that reports it is late: let
 * the timebase fire what is due at this instruction's exact count. */
static void set_msr_from(PPCState *s, const PPCOp *op, uint32_t msr)
{
    bool opens = !(s->msr & MSR_EE) && (msr & MSR_EE);
    ppc_set_msr(s, msr);
    if (opens && s->tb)
        tb_run_due(s->tb, ppc_icount_now(s, op));
}

/* mtmsr ends its block: EE may have opened a window for a pending
 * interrupt, SE/BE change how the next instructions are run, POW halts. */
static int op_mtmsr(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    set_msr_from(s, op, s->gpr[op->rd]);
    s->pc = ppc_op_ea(s, op) + 4;
    return PPC_EXIT;
}

static int op_rfi(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    set_msr_from(s, op, (s->msr & ~RFI_MASK) | (s->srr1 & RFI_MASK));
    s->pc = s->srr0 & ~3u;
    return PPC_EXIT;
}

/* sc completes: SRR0 is the next instruction (750 UM 4.5.10) */
static int op_sc(PPCState *s, const PPCOp *op)
{
    ppc_exception(s, PPC_EXC_SC, ppc_op_ea(s, op) + 4, 0);
    return PPC_EXIT;
}

/* TO bits (PEM 8, tw): 0x10 <, 0x08 >, 0x04 =, 0x02 <u, 0x01 >u */
static bool trap_cond(unsigned to, uint32_t a, uint32_t b)
{
    return ((to & 0x10) && (int32_t)a < (int32_t)b) || ((to & 0x08) && (int32_t)a > (int32_t)b) ||
           ((to & 0x04) && a == b) || ((to & 0x02) && a < b) || ((to & 0x01) && a > b);
}

static int op_tw(PPCState *s, const PPCOp *op)
{
    if (trap_cond(op->rd, s->gpr[op->ra], s->gpr[op->rb]))
        return ppc_program_exc(s, op, SRR1_TRAP);
    return PPC_NEXT;
}

static int op_twi(PPCState *s, const PPCOp *op)
{
    if (trap_cond(op->rd, s->gpr[op->ra], op->imm))
        return ppc_program_exc(s, op, SRR1_TRAP);
    return PPC_NEXT;
}

static int op_mfsr(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    s->gpr[op->rd] = s->sr[op->ra & 0xF];
    return PPC_NEXT;
}

static int op_mfsrin(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    s->gpr[op->rd] = s->sr[s->gpr[op->rb] >> 28];
    return PPC_NEXT;
}

/* Drop the soft-TLB entry at idx if it maps an EA of segment n */
static void flush_if_segment(PPCState *s, unsigned idx, unsigned n)
{
    PPCTLBEntry *e = &s->tlb[idx];
    uint32_t page = e->tag_r != PPC_TLB_INVALID ? e->tag_r
                    : e->tag_w != PPC_TLB_INVALID ? e->tag_w : e->tag_x;
    if (page != PPC_TLB_INVALID && page >> 28 == n) {
        if (e->tag_x != PPC_TLB_INVALID)
            s->jc_gen++; /* the JIT's jump cache (PPCState.jc_gen) */
        e->tag_r = e->tag_w = e->tag_x = PPC_TLB_INVALID;
        e->pa_page = PPC_TLB_INVALID;
    }
}

/* A segment register write changes VSIDs and keys of the translations the
 * soft TLB holds for that segment only.  Linux's KUAP rewrites user
 * segments around user accesses, so the kernel's entries (other segments)
 * are kept, and only the entries filled since the last flush (the list
 * cpu/mmu.c keeps, when it has not overflowed) are looked at. */
static void set_sr(PPCState *s, unsigned n, uint32_t v)
{
    if (s->sr[n] == v)
        return;
    s->sr[n] = v;
    if (s->tlb_nfill) {
        for (unsigned i = 0; i + 1 < s->tlb_nfill; i++)
            flush_if_segment(s, s->tlb_fill_list[i], n);
    } else {
        for (unsigned i = 0; i < PPC_TLB_SIZE; i++)
            flush_if_segment(s, i, n);
    }
}

static int op_mtsr(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    set_sr(s, op->ra & 0xF, s->gpr[op->rd]);
    return PPC_NEXT;
}

static int op_mtsrin(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    set_sr(s, s->gpr[op->rb] >> 28, s->gpr[op->rd]);
    return PPC_NEXT;
}

/* tlbie invalidates both ways of the TLB congruence class EA[14-19]
 * whatever the segment (750 UM 2.3.6.3.3); the soft TLB's index has two
 * more bits (EA[12-13]), so the class is four soft-TLB entries. */
static int op_tlbie(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    uint32_t ea = s->gpr[op->rb];
    for (uint32_t k = 0; k < (PPC_TLB_SIZE >> 6); k++)
        ppc_tlb_flush_page(s, ea ^ (k << (PPC_PAGE_BITS + 6)));
    return PPC_NEXT;
}

/* One CPU: nothing to wait for */
static int op_tlbsync(PPCState *s, const PPCOp *op)
{
    if (user_mode(s))
        return ppc_program_exc(s, op, SRR1_PRIV);
    return PPC_NEXT;
}

#define X31(xo) ((31u << 26) | ((uint32_t)(xo) << 1))
#define M_X     0xFC0007FFu /* primary, extended opcode and Rc */
#define PRIV    PPC_F_PRIV
#define ENDS    PPC_F_ENDS_BLOCK

const PPCInsnDef ppc_insns_sys[] = {
    { "sc", 0xFC000003u, 0x44000002u, op_sc, IMM_NONE, ENDS },
    { "rfi", 0xFC0007FFu, 0x4C000064u, op_rfi, IMM_NONE, PRIV | ENDS },
    { "twi", 0xFC000000u, 3u << 26, op_twi, IMM_SIMM, 0 },
    { "tw", M_X, X31(4), op_tw, IMM_NONE, 0 },
    { "mfmsr", M_X, X31(83), op_mfmsr, IMM_NONE, PRIV },
    { "mtmsr", M_X, X31(146), op_mtmsr, IMM_NONE, PRIV | ENDS },
    { "mtsr", M_X, X31(210), op_mtsr, IMM_NONE, PRIV },
    { "mtsrin", M_X, X31(242), op_mtsrin, IMM_NONE, PRIV },
    { "tlbie", M_X, X31(306), op_tlbie, IMM_NONE, PRIV },
    { "tlbsync", M_X, X31(566), op_tlbsync, IMM_NONE, PRIV },
    { "mfsr", M_X, X31(595), op_mfsr, IMM_NONE, PRIV },
    { "mfsrin", M_X, X31(659), op_mfsrin, IMM_NONE, PRIV },
    { NULL, 0, 0, NULL, 0, 0 },
};
