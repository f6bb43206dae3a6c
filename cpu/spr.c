/*
 * Special-purpose registers (750 UM 2.1): mfspr/mtspr semantics.
 */
#include "cpu/ppc.h"

int ppc_mfspr(PPCState *s, const PPCOp *op, unsigned spr, uint32_t *val)
{
    (void)op;
    switch (spr) {
    case 1: *val = s->xer; return 0;
    case 8: *val = s->lr; return 0;
    case 9: *val = s->ctr; return 0;
    default: *val = 0; return 0;
    }
}

int ppc_mtspr(PPCState *s, const PPCOp *op, unsigned spr, uint32_t val)
{
    (void)op;
    switch (spr) {
    case 1: s->xer = val & 0xE000007Fu; return 0;
    case 8: s->lr = val; return 0;
    case 9: s->ctr = val; return 0;
    default: return 0;
    }
}
