/*
 * Integer loads and stores, string and multiple forms, lwarx/stwcx. and the
 * cache-control instructions (750 UM chapter 12; PEM 3.3.2-3.3.7).
 */
#include "cpu/ppc.h"

static int op_lwz(PPCState *s, const PPCOp *op)
{
    uint32_t v;
    int r = ppc_ld32(s, op, (op->ra ? s->gpr[op->ra] : 0) + op->imm, &v);
    if (r)
        return r;
    s->gpr[op->rd] = v;
    return PPC_NEXT;
}

static int op_stw(PPCState *s, const PPCOp *op)
{
    return ppc_st32(s, op, (op->ra ? s->gpr[op->ra] : 0) + op->imm, s->gpr[op->rd]);
}

const PPCInsnDef ppc_insns_ldst[] = {
    { "lwz", 0xFC000000u, 32u << 26, op_lwz, IMM_SIMM, 0 },
    { "stw", 0xFC000000u, 36u << 26, op_stw, IMM_SIMM, 0 },
    { NULL, 0, 0, NULL, 0, 0 },
};
