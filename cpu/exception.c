/*
 * Exceptions (750 UM chapter 4): SRR0/SRR1, the new MSR, the vector.
 */
#include "cpu/ppc.h"

/* SRR1 receives MSR bits 16-23, 25-27, 30-31 (750 UM 4.5, "SRR1") */
#define MSR_SAVED_MASK 0x0000FF73u

void ppc_set_msr(PPCState *s, uint32_t msr)
{
    uint32_t changed = s->msr ^ msr;
    s->msr = msr;
    if (changed & (MSR_IR | MSR_DR | MSR_PR))
        ppc_tlb_flush(s);
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
    /* ILE is copied to LE; ME and IP are kept; everything else clears */
    uint32_t msr = (s->msr & (MSR_ME | MSR_IP | MSR_ILE)) | ((s->msr & MSR_ILE) ? MSR_LE : 0);
    ppc_set_msr(s, msr);
    s->reserve_valid = false;
    s->pc = ((s->msr & MSR_IP) ? 0xFFF00000u : 0) | vector;
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
