/* Translation blocks: internal interface between cpu/translate.c and
 * cpu/exec.c (and a later JIT, which would walk the same op lists). */
#ifndef CPU_TRANSLATE_H
#define CPU_TRANSLATE_H

#include "cpu/ppc.h"

#define PPC_BLOCK_MAX 64

struct PPCBlock {
    uint32_t pa;           /* physical address of ops[0] */
    uint16_t n;            /* number of ops; 0 once invalidated */
    uint16_t runs;         /* runs interpreted before the JIT compiles it (PPCJit.hot) */
    PPCBlock *hash_next;   /* chain in the pa hash */
    PPCBlock *page_next;   /* chain of blocks of the same physical page */
    void *jit_code;        /* generated host code (cpu/jit.c) or NULL */
    uint32_t jit_gen;      /* code-buffer generation jit_code belongs to */
    PPCOp ops[];
};

#define PPC_BC_HASH_BITS 15
#define PPC_BC_HASH_SIZE (1u << PPC_BC_HASH_BITS)

typedef struct PPCBlockCache {
    PPCBlock *hash[PPC_BC_HASH_SIZE]; /* by physical address */
    uint8_t *arena;
    size_t used;
    PPCBlock **page_head; /* per RAM page, then per ROM page */
    uint32_t ram_pages, rom_pages;
} PPCBlockCache;

int ppc_bc_init(PPCState *s);
void ppc_bc_free(PPCState *s);

static inline uint32_t ppc_bc_hash(uint32_t pa)
{
    return (pa >> 2) & (PPC_BC_HASH_SIZE - 1);
}

/* Inline: the run loop does this once per block executed. */
static inline PPCBlock *ppc_bc_lookup(PPCState *s, uint32_t pa)
{
    for (PPCBlock *b = s->bc->hash[ppc_bc_hash(pa)]; b; b = b->hash_next)
        if (b->pa == pa)
            return b;
    return NULL;
}
PPCBlock *ppc_bc_translate(PPCState *s, uint32_t pa, const uint8_t *host, uint32_t ea);

#endif /* CPU_TRANSLATE_H */
