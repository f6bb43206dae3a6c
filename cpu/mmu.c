/*
 * The MMU slow path (750 UM chapter 5, PEM chapter 7): block address
 * translation, segmented page translation over the hashed page table with
 * R/C recording, protection, DSI/ISI; and the soft-TLB refill.
 *
 * The soft TLB only ever holds what a translation just proved allowed:
 * tag_x for fetches (I side), tag_r for permitted reads, tag_w after a
 * permitted store to a RAM page whose change bit is set, once the bus has
 * granted write access (bus_grant_write: the page holds no translated code,
 * and is now marked dirty).  So the first store to a page reaches the slow
 * path, sets C and marks the page; the bus takes the tag back
 * (cpu_write_protect) when its dirty log forgets the page.  Tags carry
 * neither MSR[IR/DR/PR] nor the segment registers, so changes of those
 * flush (ppc_set_msr; mtsr for its segment; BAT, SDR1 and DABR writes;
 * tlbie for its congruence class).
 * Blocks are keyed by physical address, so remapping never runs stale code.
 */
#include "cpu/ppc.h"

/* What a successful translation allows */
enum { XL_R = 1, XL_W = 2 }; /* fetches need XL_R */

typedef struct PPCXlate {
    uint32_t pa;
    unsigned prot;  /* XL_*: accesses the translation permits */
    unsigned wimg;
    bool changed;   /* stores need no C update (BAT, or PTE with C=1) */
} PPCXlate;

/* PTE fields (PEM 7.6.1) */
#define PTE_V     0x80000000u
#define PTE_H     0x00000040u
#define PTE_RPN   0xFFFFF000u
#define PTE_R     0x00000100u
#define PTE_C     0x00000080u

/* Segment register fields (PEM 7.5.2.1) */
#define SR_T  0x80000000u
#define SR_KS 0x40000000u
#define SR_KP 0x20000000u
#define SR_N  0x10000000u
#define SR_VSID 0x00FFFFFFu

/* WIMG of untranslated (real-mode) accesses: cacheable, not write-through
 * (750 UM 5.2, real addressing mode), so dcbz works with the cache on */
#define WIMG_REAL 0x3u
#define WIMG_W 0x8u
#define WIMG_I 0x4u
#define WIMG_G 0x1u

/* Page protection, PP against the key (PEM 7.6, page memory protection):
 * key 0: PP 00/01/10 read-write, 11 read-only;
 * key 1: PP 00 no access, 01 and 11 read-only, 10 read-write */
static unsigned pp_prot(unsigned pp, unsigned key)
{
    if (key == 0)
        return pp == 3 ? XL_R : XL_R | XL_W;
    return pp == 0 ? 0 : pp == 2 ? XL_R | XL_W : XL_R;
}

/* Block protection (PEM 7.4, block memory protection): PP 00 no access,
 * x1 read-only, 10 read-write; the key plays no part, Vs/Vp select */
static unsigned bat_pp_prot(unsigned pp)
{
    return pp == 0 ? 0 : pp == 2 ? XL_R | XL_W : XL_R;
}

/* Block address translation (PEM 7.4.3): returns true on a BAT hit */
static bool bat_lookup(const uint32_t *bat, uint32_t ea, bool pr, PPCXlate *x)
{
    for (int i = 0; i < 4; i++) {
        uint32_t u = bat[2 * i], l = bat[2 * i + 1];
        if (!(u & (pr ? 1u : 2u))) /* Vp / Vs */
            continue;
        uint32_t bl = (u & 0x1FFCu) << 15; /* BL masks EA bits 4-14 */
        uint32_t cmp = 0xFFFE0000u & ~bl;
        if ((ea & cmp) != (u & cmp))
            continue;
        x->pa = (l & 0xFFFE0000u) | (ea & (bl | 0x1FFFFu));
        x->wimg = (l >> 3) & 0xF;
        x->prot = bat_pp_prot(l & 3);
        x->changed = true;
        return true;
    }
    return false;
}

/* Physical address of the PTEG for a 19-bit hash (PEM 7.6.1.3) */
static uint32_t pteg_addr(uint32_t sdr1, uint32_t hash)
{
    uint32_t mask = sdr1 & 0x1FFu;
    return (sdr1 & 0xFFFF0000u) | (((hash >> 10) & mask) << 16) | ((hash & 0x3FFu) << 6);
}

static uint32_t pteg_word(PPCState *s, const uint8_t *host, uint32_t pa)
{
    uint32_t v;
    if (!host)
        return bus_read(s->bus, pa, 4);
    __builtin_memcpy(&v, host, 4);
    return ppc_bswap32(v);
}

/* Search one PTEG's eight PTEs for word 0 = w0 (PEM 7.6.2); on a match
 * give the PTE's address and its word 1 */
static bool pteg_search(PPCState *s, uint32_t pteg, uint32_t w0, uint32_t *pte_pa, uint32_t *w1)
{
    bool writable;
    const uint8_t *h = bus_host_ptr(s->bus, pteg, &writable); /* 64-byte aligned: one page */
    for (unsigned i = 0; i < 8; i++) {
        if (pteg_word(s, h ? h + 8 * i : NULL, pteg + 8 * i) == w0) {
            *pte_pa = pteg + 8 * i;
            *w1 = pteg_word(s, h ? h + 8 * i + 4 : NULL, pteg + 8 * i + 4);
            return true;
        }
    }
    return false;
}

/* Write a PTE's second word back (R/C update); the bus drops any code
 * translated from it and logs the page dirty, as for any store. */
static void pte_update(PPCState *s, uint32_t pte_pa, uint32_t w1)
{
    bus_write(s->bus, pte_pa + 4, w1, 4);
}

/* Page address translation through the hashed page table (PEM 7.6).
 * Returns 0 or the DSISR/SRR1 fault bits. */
static uint32_t page_xlate(PPCState *s, uint32_t ea, int access, bool update, PPCXlate *x)
{
    uint32_t sr = s->sr[ea >> 28];
    bool fetch = access == PPC_ACC_FETCH;
    if (sr & SR_T) /* no direct-store on the 750 (750 UM Table 5-3) */
        return fetch ? SRR1_ISI_NOEXEC : DSISR_DIRECT;
    if (fetch && (sr & SR_N))
        return SRR1_ISI_NOEXEC;
    uint32_t vsid = sr & SR_VSID;
    uint32_t hash = ((vsid & 0x7FFFFu) ^ ((ea >> 12) & 0xFFFFu)) & 0x7FFFFu;
    uint32_t w0 = PTE_V | (vsid << 7) | ((ea >> 22) & 0x3Fu);
    uint32_t pte_pa, w1;
    if (!pteg_search(s, pteg_addr(s->sdr1, hash), w0, &pte_pa, &w1) &&
        !pteg_search(s, pteg_addr(s->sdr1, ~hash & 0x7FFFFu), w0 | PTE_H, &pte_pa, &w1))
        return fetch ? SRR1_ISI_NOTRANS : DSISR_NOTRANS;
    unsigned key = (s->msr & MSR_PR) ? !!(sr & SR_KP) : !!(sr & SR_KS);
    x->prot = pp_prot(w1 & 3, key);
    x->wimg = (w1 >> 3) & 0xF;
    x->pa = (w1 & PTE_RPN) | (ea & 0xFFFu);
    if (fetch && (x->wimg & WIMG_G))
        return SRR1_ISI_NOEXEC;
    if (!(x->prot & (access == PPC_ACC_WRITE ? XL_W : XL_R)))
        return fetch ? SRR1_ISI_PROT : DSISR_PROT;
    /* Page history (PEM 7.6.3): R on any permitted access, C on a store */
    uint32_t nw1 = w1 | PTE_R | (access == PPC_ACC_WRITE ? PTE_C : 0);
    if (update && nw1 != w1)
        pte_update(s, pte_pa, nw1);
    x->changed = nw1 & PTE_C;
    return 0;
}

/* The whole translation, without raising anything.  update: record R/C. */
static uint32_t xlate(PPCState *s, uint32_t ea, int access, bool update, PPCXlate *x)
{
    bool fetch = access == PPC_ACC_FETCH;
    if (!(s->msr & (fetch ? MSR_IR : MSR_DR))) {
        x->pa = ea;
        x->prot = XL_R | XL_W;
        x->wimg = WIMG_REAL;
        x->changed = true;
        return 0;
    }
    bool pr = s->msr & MSR_PR;
    if (bat_lookup(fetch ? s->ibat : s->dbat, ea, pr, x)) {
        if (fetch && (x->wimg & WIMG_G)) /* 750 UM Table 5-3: guarded xBAT */
            return SRR1_ISI_NOEXEC;
        if (!(x->prot & (access == PPC_ACC_WRITE ? XL_W : XL_R)))
            return fetch ? SRR1_ISI_PROT : DSISR_PROT;
        return 0;
    }
    return page_xlate(s, ea, access, update, x);
}

/* DABR (750 UM 2.1.2.3): double-word match, DR/DW per access kind, BT
 * against MSR[DR] */
static bool dabr_hit(const PPCState *s, uint32_t ea, int access)
{
    uint32_t d = s->dabr;
    if (!(d & (access == PPC_ACC_WRITE ? 2u : 1u)))
        return false;
    if (!!(d & 4u) != !!(s->msr & MSR_DR))
        return false;
    return (ea & ~7u) == (d & ~7u);
}

/* Record a newly used entry for ppc_tlb_flush (exec.c); on overflow the
 * next flush clears everything */
static void note_fill(PPCState *s, unsigned idx)
{
    if (!s->tlb_nfill)
        return;
    if (s->tlb_nfill > PPC_TLB_FILL_MAX) {
        s->tlb_nfill = 0;
        return;
    }
    s->tlb_fill_list[s->tlb_nfill - 1] = (uint16_t)idx;
    s->tlb_nfill++;
}

static void tlb_fill(PPCState *s, uint32_t ea, const PPCXlate *x, int access)
{
    bool writable;
    uint8_t *host = bus_host_ptr(s->bus, x->pa & PPC_PAGE_MASK, &writable);
    if (!host)
        return; /* MMIO, unmapped: always the slow path */
    PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    uint32_t page = ea & PPC_PAGE_MASK, pa_page = x->pa & PPC_PAGE_MASK;
    bool same = e->pa_page == pa_page &&
                (e->tag_r == page || e->tag_w == page || e->tag_x == page);
    if (!same) {
        if (e->tag_x != PPC_TLB_INVALID)
            s->jc_gen++; /* an evicted fetch translation (PPCState.jc_gen) */
        e->tag_r = e->tag_w = e->tag_x = PPC_TLB_INVALID;
        note_fill(s, PPC_TLB_IDX(ea));
    }
    e->pa_page = pa_page;
    e->addend = (uintptr_t)host - page;
    if (access == PPC_ACC_FETCH) {
        e->tag_x = page; /* the I side may map differently: nothing else */
        return;
    }
    if (s->dabr & 3u)
        return; /* every data access must be checked against DABR */
    if (PPC_UNLIKELY(s->debug_nwp) && ppc_debug_page_watched(s, page))
        return; /* nor may an access to a debugger-watched page bypass it */
    if (x->prot & XL_R)
        e->tag_r = page;
    /* only on a store: installing the tag marks the page dirty, and a page
     * that is only read must stay clean in the dirty log */
    /* nor for write-through or cache-inhibited pages: a write-tag hit then
     * tells dcbz the line is cacheable (750 UM 4.5.6) */
    if (access == PPC_ACC_WRITE && (x->prot & XL_W) && x->changed && writable &&
        !(x->wimg & (WIMG_W | WIMG_I)) && bus_grant_write(s->bus, pa_page))
        e->tag_w = page;
}

static int raise_fault(PPCState *s, const PPCOp *op, uint32_t ea, int access, uint32_t bits)
{
    if (s->debug_flags & PPC_DBG_MMU && s->log_fn)
        s->log_fn(s->log_opaque, "mmu: fault 0x%08x on %s of 0x%08x\n", bits,
                  access == PPC_ACC_FETCH ? "fetch" : access == PPC_ACC_WRITE ? "store" : "load", ea);
    if (access == PPC_ACC_FETCH) {
        ppc_exception(s, PPC_EXC_ISI, ea, bits); /* SRR0 = the instruction */
        return PPC_FAULT;
    }
    s->dsisr = bits | (access == PPC_ACC_WRITE ? DSISR_STORE : 0);
    s->dar = ea;
    /* op is NULL only for accesses outside an instruction (none today) */
    ppc_exception(s, PPC_EXC_DSI, op ? ppc_op_ea(s, op) : s->pc, 0);
    return PPC_FAULT;
}

int ppc_translate_attr(PPCState *s, const PPCOp *op, uint32_t ea, int access, uint32_t *pa,
                       unsigned *wimg)
{
    PPCXlate x;
    uint32_t bits = xlate(s, ea, access, true, &x);
    if (!bits && access != PPC_ACC_FETCH && dabr_hit(s, ea, access))
        bits = DSISR_DABR;
    if (bits)
        return raise_fault(s, op, ea, access, bits);
    tlb_fill(s, ea, &x, access);
    *pa = x.pa;
    if (wimg)
        *wimg = x.wimg;
    return 0;
}

int ppc_translate(PPCState *s, const PPCOp *op, uint32_t ea, int access, uint32_t *pa)
{
    return ppc_translate_attr(s, op, ea, access, pa, NULL);
}

uint32_t ppc_mmu_probe(PPCState *s, uint32_t ea, int access, uint32_t *pa)
{
    PPCXlate x;
    uint32_t bits = xlate(s, ea, access, false, &x);
    *pa = x.pa;
    return bits;
}

int ppc_dcbz_check(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t *pa)
{
    unsigned wimg;
    int r = ppc_translate_attr(s, op, ea & ~31u, PPC_ACC_WRITE, pa, &wimg);
    if (r)
        return r;
    /* DAR: the EA the instruction computed (PEM 6.4.6) */
    if ((wimg & (WIMG_W | WIMG_I)) || !(s->hid0 & HID0_DCE))
        return ppc_alignment_exc(s, op, ea);
    return 0;
}

int ppc_ld_slow(PPCState *s, const PPCOp *op, uint32_t ea, unsigned size, uint32_t *val)
{
    uint32_t pa;
    if ((ea & PPC_PAGE_MASK) != ((ea + size - 1) & PPC_PAGE_MASK)) {
        /* crosses a page: byte by byte, each translated (the 750 handles
         * misaligned accesses in hardware, 750 UM 4.5.6) */
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
    if (PPC_UNLIKELY(s->debug_nwp) && ppc_debug_watch_check(s, ea, size, PPC_ACC_READ))
        return PPC_FAULT; /* a debugger stop before the access */
    s->mmio_icount = op ? ppc_icount_now(s, op) : s->icount; /* devices may read it */
    *val = bus_read(s->bus, pa, size);
    return 0;
}

int ppc_st_slow(PPCState *s, const PPCOp *op, uint32_t ea, unsigned size, uint32_t val)
{
    uint32_t pa;
    if ((ea & PPC_PAGE_MASK) != ((ea + size - 1) & PPC_PAGE_MASK)) {
        /* check both pages before writing anything; a fault in the second
         * page reports its first byte in DAR, as the byte-wise loads do */
        int r = ppc_translate(s, op, ea, PPC_ACC_WRITE, &pa);
        if (r)
            return r;
        r = ppc_translate(s, op, (ea + size - 1) & PPC_PAGE_MASK, PPC_ACC_WRITE, &pa);
        if (r)
            return r;
        /* the whole access before any byte of it (cpu/ldst.c, watch_range) */
        if (PPC_UNLIKELY(s->debug_nwp) && ppc_debug_watch_check(s, ea, size, PPC_ACC_WRITE))
            return PPC_FAULT;
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
    if (PPC_UNLIKELY(s->debug_nwp) && ppc_debug_watch_check(s, ea, size, PPC_ACC_WRITE))
        return PPC_FAULT; /* a debugger stop before the access */
    /* the bus drops code translated from the bytes and logs the page */
    s->mmio_icount = op ? ppc_icount_now(s, op) : s->icount;
    bus_write(s->bus, pa, val, size);
    return 0;
}
