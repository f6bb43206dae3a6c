/*
 * The floating-point unit (750 UM chapter 3 and 12; PEM 4.6): loads and
 * stores, arithmetic, FPSCR.  To come.
 */
#include "cpu/ppc.h"

const PPCInsnDef ppc_insns_fpu[] = {
    { NULL, 0, 0, NULL, 0, 0 },
};
