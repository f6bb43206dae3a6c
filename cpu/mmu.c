/*
 * The MMU slow path: effective-to-physical translation and the soft TLB
 * refill; accesses that miss the TLB (MMIO, page crossing, code pages).
 * Real mode only so far; BATs and the hashed page table are to come.
 */
#include "cpu/ppc.h"

static void tlb_fill(PPCState *s, uint32_t ea, uint32_t pa, int access)
{
    bool writable;
    uint8_t *host = bus_host_ptr(s->bus, pa & PPC_PAGE_MASK, &writable);
    if (!host)
        return;
    PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    uint32_t page = ea & PPC_PAGE_MASK;
    if (e->tag_r != page || e->pa_page != (pa & PPC_PAGE_MASK)) {
        e->tag_r = e->tag_w = e->tag_x = PPC_TLB_INVALID;
    }
    e->pa_page = pa & PPC_PAGE_MASK;
    e->addend = (uintptr_t)host - page;
    e->tag_r = page;
    if (access == PPC_ACC_FETCH)
        e->tag_x = page;
    if (access == PPC_ACC_WRITE && writable && !s->bus->code_pages[pa >> PPC_PAGE_BITS]) {
        e->tag_w = page;
        bus_mark_dirty(s->bus, pa);
    }
}

int ppc_translate(PPCState *s, const PPCOp *op, uint32_t ea, int access, uint32_t *pa)
{
    (void)op;
    *pa = ea; /* real mode */
    tlb_fill(s, ea, *pa, access);
    return 0;
}

int ppc_ld_slow(PPCState *s, const PPCOp *op, uint32_t ea, unsigned size, uint32_t *val)
{
    uint32_t pa;
    if ((ea & PPC_PAGE_MASK) != ((ea + size - 1) & PPC_PAGE_MASK)) {
        /* crosses a page: byte by byte, each translated */
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint32_t b;
            int r = ppc_ld_slow(s, op, ea + i, 1, &b);
            if (r)
                return r;
            v = (v << 8) | b;
        }
        *val = v;
        return 0;
    }
    int r = ppc_translate(s, op, ea, PPC_ACC_READ, &pa);
    if (r)
        return r;
    *val = bus_read(s->bus, pa, size);
    return 0;
}

int ppc_st_slow(PPCState *s, const PPCOp *op, uint32_t ea, unsigned size, uint32_t val)
{
    uint32_t pa;
    if ((ea & PPC_PAGE_MASK) != ((ea + size - 1) & PPC_PAGE_MASK)) {
        /* check both pages before writing anything */
        int r = ppc_translate(s, op, ea, PPC_ACC_WRITE, &pa);
        if (r)
            return r;
        r = ppc_translate(s, op, ea + size - 1, PPC_ACC_WRITE, &pa);
        if (r)
            return r;
        for (unsigned i = 0; i < size; i++) {
            r = ppc_st_slow(s, op, ea + i, 1, (val >> (8 * (size - 1 - i))) & 0xFF);
            if (r)
                return r;
        }
        return 0;
    }
    int r = ppc_translate(s, op, ea, PPC_ACC_WRITE, &pa);
    if (r)
        return r;
    if (pa < s->bus->ram_size && s->bus->code_pages[pa >> PPC_PAGE_BITS])
        ppc_invalidate_code(s, pa, size);
    bus_write(s->bus, pa, val, size);
    return 0;
}
