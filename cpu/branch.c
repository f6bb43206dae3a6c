/*
 * Branches, CR moves and user-level SPR moves (750 UM chapter 12).
 */
#include "cpu/ppc.h"

static int op_b(PPCState *s, const PPCOp *op)
{
    uint32_t cia = ppc_op_ea(s, op);
    if (op->insn & 1)
        s->lr = cia + 4;
    s->pc = (op->insn & 2) ? op->imm : cia + op->imm;
    return PPC_EXIT;
}

const PPCInsnDef ppc_insns_branch[] = {
    { "b", 0xFC000000u, 18u << 26, op_b, IMM_LI, PPC_F_ENDS_BLOCK },
    { NULL, 0, 0, NULL, 0, 0 },
};
