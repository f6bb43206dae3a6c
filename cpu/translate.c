/*
 * Decode once, run many times: the instruction decoder and the translation
 * block cache.  Blocks are keyed by the physical address of their first
 * instruction, never cross a 4 KiB page, and end after a branch or any
 * instruction flagged PPC_F_ENDS_BLOCK.  A RAM page that holds blocks is
 * marked in the bus's code-page map; the bus then refuses the soft TLB
 * write access to it, and any write into it, by the CPU's slow path or by
 * any other writer, reaches cpu_code_written first, which drops the page's
 * blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/ppc.h"
#include "cpu/jit.h"
#include "cpu/translate.h"

/* ---- decoder ---- */

#define MAX_DEFS 1024
#define MAX_PER_PRIMARY 256

static const PPCInsnDef *all_defs[MAX_DEFS];
static unsigned n_defs;
static uint16_t by_primary[64][MAX_PER_PRIMARY];
static unsigned n_by_primary[64];
static bool decoder_ready;

static int illegal_insn(PPCState *s, const PPCOp *op)
{
    return ppc_program_exc(s, op, SRR1_ILLEGAL);
}

static const PPCInsnDef illegal_def = { "illegal", 0, 0, illegal_insn, IMM_NONE, 0 };

static int cmp_specificity(const void *a, const void *b)
{
    const PPCInsnDef *da = all_defs[*(const uint16_t *)a];
    const PPCInsnDef *db = all_defs[*(const uint16_t *)b];
    int pa = __builtin_popcount(da->mask), pb = __builtin_popcount(db->mask);
    if (pa != pb)
        return pb - pa;
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void add_table(const PPCInsnDef *t)
{
    for (; t->name; t++) {
        if (n_defs >= MAX_DEFS) {
            fprintf(stderr, "ppcemu: instruction table overflow\n");
            exit(1);
        }
        all_defs[n_defs++] = t;
    }
}

static void decoder_init(void)
{
    if (decoder_ready)
        return;
    add_table(ppc_insns_int);
    add_table(ppc_insns_branch);
    add_table(ppc_insns_ldst);
    add_table(ppc_insns_fpu);
    add_table(ppc_insns_sys);
    for (unsigned i = 0; i < n_defs; i++) {
        const PPCInsnDef *d = all_defs[i];
        /* which primary opcodes can this definition match? */
        uint32_t pmask = d->mask >> 26, pmatch = d->match >> 26;
        for (unsigned p = 0; p < 64; p++) {
            if ((p & pmask) != pmatch)
                continue;
            if (n_by_primary[p] >= MAX_PER_PRIMARY) {
                fprintf(stderr, "ppcemu: too many definitions for opcode %u\n", p);
                exit(1);
            }
            by_primary[p][n_by_primary[p]++] = (uint16_t)i;
        }
    }
    for (unsigned p = 0; p < 64; p++)
        qsort(by_primary[p], n_by_primary[p], sizeof(uint16_t), cmp_specificity);
    decoder_ready = true;
}

static uint32_t rlw_mask(unsigned mb, unsigned me)
{
    uint32_t a = 0xFFFFFFFFu >> mb;
    uint32_t b = me == 31 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> (me + 1));
    return mb <= me ? (a & b) : (a | b);
}

static uint32_t decode_imm(const PPCInsnDef *d, uint32_t insn)
{
    switch (d->imm_form) {
    case IMM_SIMM: return (uint32_t)(int32_t)(int16_t)(insn & 0xFFFF);
    case IMM_UIMM: return insn & 0xFFFF;
    case IMM_UIMM_HI: return (insn & 0xFFFF) << 16;
    case IMM_LI: return (uint32_t)(((int32_t)(insn << 6)) >> 6) & ~3u;
    case IMM_BD: return (uint32_t)(int32_t)(int16_t)(insn & 0xFFFC);
    case IMM_MASK: return rlw_mask((insn >> 6) & 31, (insn >> 1) & 31);
    case IMM_SPR: return ((insn >> 16) & 0x1F) | (((insn >> 11) & 0x1F) << 5);
    case IMM_CRM: {
        uint32_t crm = (insn >> 12) & 0xFF, m = 0;
        for (int i = 0; i < 8; i++)
            if (crm & (0x80u >> i))
                m |= 0xF0000000u >> (4 * i);
        return m;
    }
    default: return 0;
    }
}

const PPCInsnDef *ppc_decode(uint32_t insn, PPCOp *op)
{
    decoder_init();
    memset(op, 0, sizeof(*op));
    op->insn = insn;
    op->rd = (insn >> 21) & 31;
    op->ra = (insn >> 16) & 31;
    op->rb = (insn >> 11) & 31;
    op->rc = (insn >> 6) & 31;
    unsigned p = insn >> 26;
    for (unsigned i = 0; i < n_by_primary[p]; i++) {
        const PPCInsnDef *d = all_defs[by_primary[p][i]];
        if ((insn & d->mask) == d->match) {
            op->fn = d->fn;
            op->kind = by_primary[p][i];
            op->imm = decode_imm(d, insn);
            return d;
        }
    }
    op->fn = illegal_insn;
    op->kind = 0xFFFF;
    return NULL;
}

const PPCInsnDef *ppc_insn_def(unsigned kind)
{
    decoder_init();
    return kind < n_defs ? all_defs[kind] : &illegal_def;
}

/* ---- block cache ---- */

#define ARENA_SIZE (32u << 20)

static void cpu_code_written(void *opaque, uint32_t pa, uint32_t len)
{
    ppc_invalidate_code(opaque, pa, len);
}

/* The bus's dirty log forgot these pages: the soft TLB's write tags for
 * them were installed by bus_grant_write, which marked them, and would let
 * the next stores go unseen. */
static void cpu_write_protect(void *opaque, const uint64_t *pages)
{
    PPCState *s = opaque;
    for (unsigned i = 0; i < PPC_TLB_SIZE; i++) {
        PPCTLBEntry *e = &s->tlb[i];
        uint32_t pg = e->pa_page >> PPC_PAGE_BITS;
        if (e->pa_page < s->bus->ram_size && ((pages[pg >> 6] >> (pg & 63)) & 1))
            e->tag_w = PPC_TLB_INVALID;
    }
}

static const BusRamCache cpu_ram_cache = { cpu_code_written, cpu_write_protect };

int ppc_bc_init(PPCState *s)
{
    PPCBlockCache *bc = calloc(1, sizeof(*bc));
    if (!bc)
        return -1;
    bc->ram_pages = s->bus->ram_size >> PPC_PAGE_BITS;
    bc->rom_pages = s->bus->rom_size >> PPC_PAGE_BITS;
    bc->arena = malloc(ARENA_SIZE);
    bc->page_head = calloc(bc->ram_pages + bc->rom_pages + 1, sizeof(PPCBlock *));
    if (!bc->arena || !bc->page_head) {
        free(bc->arena);
        free(bc->page_head);
        free(bc);
        return -1;
    }
    s->bc = bc;
    bus_set_ram_cache(s->bus, &cpu_ram_cache, s);
    return 0;
}

void ppc_bc_free(PPCState *s)
{
    if (!s->bc)
        return;
    if (s->bus->cache_opaque == s)
        bus_set_ram_cache(s->bus, NULL, NULL);
    free(s->bc->arena);
    free(s->bc->page_head);
    free(s->bc);
    s->bc = NULL;
}

/* index into page_head for a physical address, or -1 */
static long page_slot(const PPCBlockCache *bc, const Bus *bus, uint32_t pa)
{
    if (pa < bus->ram_size)
        return pa >> PPC_PAGE_BITS;
    if (pa - bus->rom_base < bus->rom_size)
        return bc->ram_pages + ((pa - bus->rom_base) >> PPC_PAGE_BITS);
    return -1;
}

void ppc_flush_blocks(PPCState *s)
{
    PPCBlockCache *bc = s->bc;
    bc->used = 0;
    memset(bc->hash, 0, sizeof(bc->hash));
    memset(bc->page_head, 0, (bc->ram_pages + bc->rom_pages + 1) * sizeof(PPCBlock *));
    bus_code_pages_clear(s->bus);
    /* write tags were withheld from code pages: let them be refilled */
    ppc_tlb_flush(s);
}

static void drop_page(PPCState *s, uint32_t pa)
{
    PPCBlockCache *bc = s->bc;
    long slot = page_slot(bc, s->bus, pa);
    if (slot < 0)
        return;
    for (PPCBlock *b = bc->page_head[slot]; b; b = b->page_next) {
        PPCBlock **pp = &bc->hash[ppc_bc_hash(b->pa)];
        while (*pp && *pp != b)
            pp = &(*pp)->hash_next;
        if (*pp)
            *pp = b->hash_next;
        b->n = 0; /* a block still running finishes its current op only */
    }
    bc->page_head[slot] = NULL;
    s->jc_gen++; /* the jump cache may point at the blocks (PPCState.jc_gen) */
    ppc_jit_unlink_page(s, pa); /* and chain sites jump into them */
    bus_code_page_remove(s->bus, pa);
}

void ppc_invalidate_code(PPCState *s, uint32_t pa, uint32_t len)
{
    if (!len)
        return;
    uint32_t first = pa & PPC_PAGE_MASK, last = (pa + len - 1) & PPC_PAGE_MASK;
    for (uint32_t p = first;; p += PPC_PAGE_SIZE) {
        if (p >= s->bus->ram_size || bus_page_has_code(s->bus, p))
            drop_page(s, p);
        if (p == last)
            break;
    }
}

static void log_in_asm(PPCState *s, uint32_t ea, uint32_t insn)
{
    char buf[96];
    if (s->log_fn)
        s->log_fn(s->log_opaque, "0x%08x:  %08x  %s\n", ea, insn, ppc_disas(insn, ea, buf, sizeof buf));
}

/* Translate the block starting at physical address pa (RAM or ROM; host
 * points at its bytes).  ea is only used for logging. */
PPCBlock *ppc_bc_translate(PPCState *s, uint32_t pa, const uint8_t *host, uint32_t ea)
{
    PPCBlockCache *bc = s->bc;
    unsigned max = (PPC_PAGE_SIZE - (pa & (PPC_PAGE_SIZE - 1))) / 4;
    if (max > PPC_BLOCK_MAX)
        max = PPC_BLOCK_MAX;
    size_t need = sizeof(PPCBlock) + max * sizeof(PPCOp);
    if (bc->used + need > ARENA_SIZE)
        ppc_flush_blocks(s);
    PPCBlock *b = (PPCBlock *)(bc->arena + bc->used);
    if (s->debug_flags & PPC_DBG_IN_ASM && s->log_fn)
        s->log_fn(s->log_opaque, "IN: pa 0x%08x\n", pa);
    unsigned n = 0;
    while (n < max) {
        uint32_t insn = ((uint32_t)host[4 * n] << 24) | ((uint32_t)host[4 * n + 1] << 16) |
                        ((uint32_t)host[4 * n + 2] << 8) | host[4 * n + 3];
        const PPCInsnDef *d = ppc_decode(insn, &b->ops[n]);
        b->ops[n].idx = (uint16_t)n;
        if (s->debug_flags & PPC_DBG_IN_ASM)
            log_in_asm(s, ea + 4 * n, insn);
        n++;
        if (!d || (d->flags & PPC_F_ENDS_BLOCK))
            break;
    }
    b->n = (uint16_t)n;
    b->pa = pa;
    b->jit_code = NULL;
    b->runs = 0;
    bc->used += sizeof(PPCBlock) + n * sizeof(PPCOp);
    bc->used = (bc->used + 15) & ~(size_t)15;
    uint32_t h = ppc_bc_hash(pa);
    b->hash_next = bc->hash[h];
    bc->hash[h] = b;
    long slot = page_slot(bc, s->bus, pa);
    b->page_next = bc->page_head[slot];
    bc->page_head[slot] = b;
    if (pa < s->bus->ram_size && !bus_page_has_code(s->bus, pa)) {
        bus_code_page_add(s->bus, pa);
        /* withdraw fast-path write access to the page from the soft TLB */
        for (unsigned i = 0; i < PPC_TLB_SIZE; i++)
            if (s->tlb[i].pa_page == (pa & PPC_PAGE_MASK))
                s->tlb[i].tag_w = PPC_TLB_INVALID;
    }
    return b;
}
