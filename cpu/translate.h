/* Translation blocks: internal interface between cpu/translate.c and
 * cpu/exec.c (and a later JIT, which would walk the same op lists). */
#ifndef CPU_TRANSLATE_H
#define CPU_TRANSLATE_H

#include "cpu/ppc.h"

#define PPC_BLOCK_MAX 64

struct PPCBlock {
    uint32_t pa;           /* physical address of ops[0] */
    uint16_t n;            /* number of ops; 0 once invalidated */
    PPCBlock *hash_next;   /* chain in the pa hash */
    PPCBlock *page_next;   /* chain of blocks of the same physical page */
    PPCOp ops[];
};

typedef struct PPCBlockCache PPCBlockCache;

int ppc_bc_init(PPCState *s);
void ppc_bc_free(PPCState *s);
PPCBlock *ppc_bc_lookup(PPCState *s, uint32_t pa);
PPCBlock *ppc_bc_translate(PPCState *s, uint32_t pa, const uint8_t *host, uint32_t ea);

#endif /* CPU_TRANSLATE_H */
