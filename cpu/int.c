/*
 * Fixed-point arithmetic, logical, compare, rotate/shift and CR-logical
 * instructions (750 UM chapter 12; PEM 3.3).
 */
#include "cpu/ppc.h"

static int op_addi(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = (op->ra ? s->gpr[op->ra] : 0) + op->imm;
    return PPC_NEXT;
}

static int op_addis(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = (op->ra ? s->gpr[op->ra] : 0) + op->imm;
    return PPC_NEXT;
}

static int op_ori(PPCState *s, const PPCOp *op)
{
    s->gpr[op->ra] = s->gpr[op->rd] | op->imm;
    return PPC_NEXT;
}

#define PRIMARY(op) ((uint32_t)(op) << 26)
#define M_PRIMARY 0xFC000000u

const PPCInsnDef ppc_insns_int[] = {
    { "addi", M_PRIMARY, PRIMARY(14), op_addi, IMM_SIMM, 0 },
    { "addis", M_PRIMARY, PRIMARY(15), op_addis, IMM_UIMM_HI, 0 },
    { "ori", M_PRIMARY, PRIMARY(24), op_ori, IMM_UIMM, 0 },
    { NULL, 0, 0, NULL, 0, 0 },
};
