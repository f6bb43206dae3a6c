/*
 * Supervisor-level and system instructions: mtmsr/mfmsr, rfi, sc, tw/twi,
 * mtsr/mfsr, tlbie/tlbia/tlbsync, mfspr/mtspr dispatch (750 UM chapter 12).
 */
#include "cpu/ppc.h"

static int op_sc(PPCState *s, const PPCOp *op)
{
    ppc_exception(s, PPC_EXC_SC, ppc_op_ea(s, op) + 4, 0);
    return PPC_EXIT;
}

const PPCInsnDef ppc_insns_sys[] = {
    { "sc", 0xFFFFFFFFu, 0x44000002u, op_sc, IMM_NONE, PPC_F_ENDS_BLOCK },
    { NULL, 0, 0, NULL, 0, 0 },
};
