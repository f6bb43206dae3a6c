/*
 * Exceptions (750 UM chapter 4): SRR0/SRR1, the new MSR, the vector; the
 * MSR write that every context change goes through; the helpers handlers
 * use to raise program, FP-unavailable and alignment exceptions.
 */
#include "cpu/ppc.h"

/* SRR1[16-31] receive MSR[16-31] on every exception; SRR1[0-15] are cleared
 * or exception-specific (750 UM 4.5, e.g. Table 4-17 for IABR: bits 1-4 and
 * 10-15 cleared, the rest "loaded with equivalent MSR bits", which are the
 * reserved zeros above bit 16 on the 750). */
#define MSR_SAVED_MASK 0x0000FFFFu

void ppc_set_msr(PPCState *s, uint32_t msr)
{
    msr &= MSR_750_MASK;
    uint32_t changed = s->msr ^ msr;
    s->msr = msr;
    /* little-endian mode (750 UM 3.1.2) is not modelled: say so */
    if ((changed & msr & MSR_LE) && (s->debug_flags & PPC_DBG_UNIMP) && s->log_fn)
        s->log_fn(s->log_opaque, "MSR[LE] set at 0x%08x: little-endian mode is not emulated\n", s->pc);
    /* soft-TLB tags hold neither the translation mode nor the privilege
     * level the protection check was made with */
    if (changed & (MSR_IR | MSR_DR | MSR_PR))
        ppc_tlb_flush(s);

    /* POW with EE: wait for an interrupt (linux-notes "Idle"); an exception
     * clears POW.  The block ends, the run loop sees exit_request. */
    if ((msr & MSR_POW) && (msr & MSR_EE)) {
        s->halted = true;
        s->exit_request = 1;
    }
}

void ppc_exception(PPCState *s, uint32_t vector, uint32_t srr0, uint32_t srr1_bits)
{
    if (s->debug_flags & PPC_DBG_INT && s->log_fn)
        s->log_fn(s->log_opaque, "exception 0x%04x at 0x%08x srr1 bits 0x%08x msr 0x%08x\n",
                  vector, srr0, srr1_bits, s->msr);
    s->srr0 = srr0;
    s->srr1 = (s->msr & MSR_SAVED_MASK) | srr1_bits;
    /* New MSR (750 UM 4.5, the "MSR" rows of each exception's table): ILE,
     * ME and IP kept, LE = ILE, everything else cleared; a machine check
     * also clears ME (750 UM 4.5.2). */
    uint32_t keep = MSR_IP | MSR_ILE | (vector == PPC_EXC_MCHECK ? 0 : MSR_ME);
    uint32_t msr = (s->msr & keep) | ((s->msr & MSR_ILE) ? MSR_LE : 0);
    ppc_set_msr(s, msr);
    s->reserve_valid = false;
    s->pc = ((msr & MSR_IP) ? 0xFFF00000u : 0) | vector;
}

int ppc_program_exc(PPCState *s, const PPCOp *op, uint32_t srr1_bits)
{
    if ((srr1_bits & SRR1_ILLEGAL) && (s->debug_flags & PPC_DBG_UNIMP) && s->log_fn)
        s->log_fn(s->log_opaque, "illegal instruction 0x%08x at 0x%08x\n", op->insn, ppc_op_ea(s, op));
    ppc_exception(s, PPC_EXC_PROGRAM, ppc_op_ea(s, op), srr1_bits);
    return PPC_FAULT;
}

int ppc_fpu_unavailable(PPCState *s, const PPCOp *op)
{
    ppc_exception(s, PPC_EXC_FPU, ppc_op_ea(s, op), 0);
    return PPC_FAULT;
}

/* DSISR for an alignment exception from the instruction word (750 UM 4.5.6,
 * Table 4-12; PEM 6.4.6), IBM bit numbers:
 *   15-16  X-form: instruction bits 29-30;  D-form: 0
 *   17     X-form: instruction bit 25;      D-form: instruction bit 5
 *   18-21  X-form: instruction bits 21-24;  D-form: instruction bits 1-4
 *   22-26  rD/rS (instruction bits 6-10)
 *   27-31  rA (instruction bits 11-15) */
static uint32_t alignment_dsisr(uint32_t insn)
{
    uint32_t d;
    if ((insn >> 26) == 31) {
        d = ((insn >> 1) & 3) << 15;
        d |= ((insn >> 6) & 1) << 14;
        d |= ((insn >> 7) & 0xF) << 10;
    } else {
        d = ((insn >> 26) & 1) << 14;
        d |= ((insn >> 27) & 0xF) << 10;
    }
    d |= ((insn >> 21) & 0x1F) << 5;
    d |= (insn >> 16) & 0x1F;
    return d;
}

int ppc_alignment_exc(PPCState *s, const PPCOp *op, uint32_t ea)
{
    s->dsisr = alignment_dsisr(op->insn);
    s->dar = ea;
    ppc_exception(s, PPC_EXC_ALIGN, ppc_op_ea(s, op), 0);
    return PPC_FAULT;
}
