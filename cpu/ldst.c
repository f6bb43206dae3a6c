/*
 * Integer loads and stores, string and multiple forms, lwarx/stwcx. and the
 * cache-control instructions (750 UM chapter 12; PEM 3.3.2-3.3.7, 5.1).
 *
 * Every access goes through the inline ppc_ldN/ppc_stN accessors of
 * cpu/ppc.h.  A faulting access returns the accessor's PPC_FAULT unchanged,
 * and registers are written only after every access of the instruction has
 * succeeded, so the instruction can be restarted after the exception.
 * (stmw and the string stores may have stored part of their bytes when a
 * later access faults, which the architecture allows: PEM 6.1.)
 *
 * Addressing modes are separate handlers chosen at decode time: D-form with
 * rA != 0 / rA = 0, X-form likewise, and the update forms.  Update forms
 * with rA = 0, or loads with rA = rD, are invalid (PEM 8, "lwzux" etc.);
 * here they do the natural thing: EA uses the value of r0, rA receives the
 * EA first and rD the loaded value last (so with rA = rD the data wins).
 */
#include "cpu/ppc.h"

#define INLINE static inline __attribute__((always_inline))

/* ---- effective addresses ---- */

INLINE uint32_t ea_d(const PPCState *s, const PPCOp *op) { return s->gpr[op->ra] + op->imm; }
INLINE uint32_t ea_d0(const PPCState *s, const PPCOp *op) { (void)s; return op->imm; }
INLINE uint32_t ea_x(const PPCState *s, const PPCOp *op) { return s->gpr[op->ra] + s->gpr[op->rb]; }
INLINE uint32_t ea_x0(const PPCState *s, const PPCOp *op) { return s->gpr[op->rb]; }
/* (rA|0) + rB, for the rarer X-form instructions that have one handler */
INLINE uint32_t ea_xz(const PPCState *s, const PPCOp *op)
{
    return (op->ra ? s->gpr[op->ra] : 0) + s->gpr[op->rb];
}

/* ---- value conversions ---- */

#define EXT_NONE(v) (v)
#define EXT_SH(v) ((uint32_t)(int32_t)(int16_t)(v))
#define EXT_BR16(v) ((uint32_t)ppc_bswap16((uint16_t)(v)))
#define EXT_BR32(v) ppc_bswap32(v)

/* ---- plain loads and stores ---- */

#define GEN_LD(name, mode, acc, ext) \
    static int op_##name##_##mode(PPCState *s, const PPCOp *op) \
    { \
        uint32_t v; \
        int r = acc(s, op, ea_##mode(s, op), &v); \
        if (PPC_UNLIKELY(r)) \
            return r; \
        s->gpr[op->rd] = ext(v); \
        return PPC_NEXT; \
    }

#define GEN_LDU(name, mode, acc, ext) \
    static int op_##name##u_##mode(PPCState *s, const PPCOp *op) \
    { \
        uint32_t v, ea = ea_##mode(s, op); \
        int r = acc(s, op, ea, &v); \
        if (PPC_UNLIKELY(r)) \
            return r; \
        s->gpr[op->ra] = ea; \
        s->gpr[op->rd] = ext(v); \
        return PPC_NEXT; \
    }

#define GEN_ST(name, mode, acc, ext) \
    static int op_##name##_##mode(PPCState *s, const PPCOp *op) \
    { \
        return acc(s, op, ea_##mode(s, op), ext(s->gpr[op->rd])); \
    }

#define GEN_STU(name, mode, acc, ext) \
    static int op_##name##u_##mode(PPCState *s, const PPCOp *op) \
    { \
        uint32_t ea = ea_##mode(s, op); \
        int r = acc(s, op, ea, ext(s->gpr[op->rd])); \
        if (PPC_UNLIKELY(r)) \
            return r; \
        s->gpr[op->ra] = ea; \
        return PPC_NEXT; \
    }

/* all six addressing modes of a D-form + X-form instruction family */
#define GEN_LD_ALL(name, acc, ext) \
    GEN_LD(name, d, acc, ext) GEN_LD(name, d0, acc, ext) \
    GEN_LD(name, x, acc, ext) GEN_LD(name, x0, acc, ext) \
    GEN_LDU(name, d, acc, ext) GEN_LDU(name, x, acc, ext)
#define GEN_ST_ALL(name, acc) \
    GEN_ST(name, d, acc, EXT_NONE) GEN_ST(name, d0, acc, EXT_NONE) \
    GEN_ST(name, x, acc, EXT_NONE) GEN_ST(name, x0, acc, EXT_NONE) \
    GEN_STU(name, d, acc, EXT_NONE) GEN_STU(name, x, acc, EXT_NONE)

GEN_LD_ALL(lbz, ppc_ld8, EXT_NONE)
GEN_LD_ALL(lhz, ppc_ld16, EXT_NONE)
GEN_LD_ALL(lha, ppc_ld16, EXT_SH)
GEN_LD_ALL(lwz, ppc_ld32, EXT_NONE)
GEN_ST_ALL(stb, ppc_st8)
GEN_ST_ALL(sth, ppc_st16)
GEN_ST_ALL(stw, ppc_st32)

/* byte-reversed, X-form only (PEM 3.3.2.3) */
GEN_LD(lhbr, x, ppc_ld16, EXT_BR16)
GEN_LD(lhbr, x0, ppc_ld16, EXT_BR16)
GEN_LD(lwbr, x, ppc_ld32, EXT_BR32)
GEN_LD(lwbr, x0, ppc_ld32, EXT_BR32)
GEN_ST(sthbr, x, ppc_st16, EXT_BR16)
GEN_ST(sthbr, x0, ppc_st16, EXT_BR16)
GEN_ST(stwbr, x, ppc_st32, EXT_BR32)
GEN_ST(stwbr, x0, ppc_st32, EXT_BR32)

/* ---- debugger watchpoints over a whole instruction ----
 * Multiple, string and dcbz make several accesses.  The debugger's
 * watchpoints (cpu/exec.c) are checked once over the instruction's whole
 * range before its first access, as one DABR compare would see the
 * instruction (dcbz: the whole 32-byte block, a store), so a stop leaves
 * memory and registers untouched and reports the first watched byte.
 * When the range hits nothing, none of the single accesses can. */
INLINE bool watch_range(PPCState *s, uint32_t ea, unsigned len, int access)
{
    return PPC_UNLIKELY(s->debug_nwp) && len && ppc_debug_watch_check(s, ea, len, access);
}

/* ---- load/store multiple (PEM 3.3.2.4): word aligned or alignment
 * exception (750 UM 4.5.6) ---- */

static int op_lmw(PPCState *s, const PPCOp *op)
{
    uint32_t ea = (op->ra ? s->gpr[op->ra] : 0) + op->imm, v[32];
    if (PPC_UNLIKELY(ea & 3))
        return ppc_alignment_exc(s, op, ea);
    if (watch_range(s, ea, 4 * (32 - op->rd), PPC_ACC_READ))
        return PPC_FAULT; /* a debugger stop before the instruction */
    for (unsigned r = op->rd, i = 0; r < 32; r++, i++) {
        int f = ppc_ld32(s, op, ea + 4 * i, &v[i]);
        if (PPC_UNLIKELY(f))
            return f;
    }
    for (unsigned r = op->rd, i = 0; r < 32; r++, i++)
        s->gpr[r] = v[i];
    return PPC_NEXT;
}

static int op_stmw(PPCState *s, const PPCOp *op)
{
    uint32_t ea = (op->ra ? s->gpr[op->ra] : 0) + op->imm;
    if (PPC_UNLIKELY(ea & 3))
        return ppc_alignment_exc(s, op, ea);
    if (watch_range(s, ea, 4 * (32 - op->rd), PPC_ACC_WRITE))
        return PPC_FAULT;
    for (unsigned r = op->rd; r < 32; r++, ea += 4) {
        int f = ppc_st32(s, op, ea, s->gpr[r]);
        if (PPC_UNLIKELY(f))
            return f;
    }
    return PPC_NEXT;
}

/* ---- string instructions (PEM 3.3.2.5): bytes fill rD, rD+1, ... (from
 * r31 wrapping to r0) high byte first; the last register's unused low
 * bytes become 0.  The 750 runs them unaligned in big-endian mode. ---- */

static int lsw(PPCState *s, const PPCOp *op, uint32_t ea, unsigned n)
{
    uint8_t buf[128];
    if (watch_range(s, ea, n, PPC_ACC_READ))
        return PPC_FAULT;
    for (unsigned i = 0; i < n; i++) {
        uint32_t b;
        int f = ppc_ld8(s, op, ea + i, &b);
        if (PPC_UNLIKELY(f))
            return f;
        buf[i] = (uint8_t)b;
    }
    unsigned r = op->rd;
    for (unsigned i = 0; i < n; i += 4, r = (r + 1) & 31) {
        uint32_t v = 0;
        for (unsigned j = 0; j < 4 && i + j < n; j++)
            v |= (uint32_t)buf[i + j] << (24 - 8 * j);
        s->gpr[r] = v;
    }
    return PPC_NEXT;
}

static int stsw(PPCState *s, const PPCOp *op, uint32_t ea, unsigned n)
{
    unsigned r = op->rd;
    if (watch_range(s, ea, n, PPC_ACC_WRITE))
        return PPC_FAULT;
    for (unsigned i = 0; i < n; i++) {
        int f = ppc_st8(s, op, ea + i, (s->gpr[r] >> (24 - 8 * (i & 3))) & 0xFF);
        if (PPC_UNLIKELY(f))
            return f;
        if ((i & 3) == 3)
            r = (r + 1) & 31;
    }
    return PPC_NEXT;
}

/* lswi/stswi: EA = (rA|0), NB = 0 means 32 bytes */
static int op_lswi(PPCState *s, const PPCOp *op)
{
    return lsw(s, op, op->ra ? s->gpr[op->ra] : 0, op->rb ? op->rb : 32);
}

static int op_stswi(PPCState *s, const PPCOp *op)
{
    return stsw(s, op, op->ra ? s->gpr[op->ra] : 0, op->rb ? op->rb : 32);
}

/* lswx/stswx: the count is XER[25-31]; with 0, rD is left as it is */
static int op_lswx(PPCState *s, const PPCOp *op)
{
    return lsw(s, op, ea_xz(s, op), s->xer & 0x7F);
}

static int op_stswx(PPCState *s, const PPCOp *op)
{
    return stsw(s, op, ea_xz(s, op), s->xer & 0x7F);
}

/* ---- lwarx / stwcx. (PEM 3.3.2.6, 750 UM 3.6: the reservation granule
 * is a 32-byte cache block) ---- */

#define RESERVE_GRANULE_MASK (~31u)
#define WIMG_W 0x8u /* write-through (PEM 5.2.1) */

/* lwarx/stwcx. to write-through memory: DSI with DSISR[5] (PEM 6.4.3) */
static int reserve_wt_dsi(PPCState *s, const PPCOp *op, uint32_t ea)
{
    s->dsisr = DSISR_DIRECT;
    s->dar = ea;
    ppc_exception(s, PPC_EXC_DSI, ppc_op_ea(s, op), 0);
    return PPC_FAULT;
}

/* The soft TLB never holds a write tag for a W=1 or I=1 page, so a write-tag
 * hit proves the page is not write-through; otherwise ask the MMU.  The W
 * check is made here only: a stwcx. that can succeed is in the granule,
 * hence the page, that its lwarx checked. */
static int reserve_check(PPCState *s, const PPCOp *op, uint32_t ea)
{
    uint32_t pa;
    unsigned wimg;
    if (PPC_LIKELY(s->tlb[PPC_TLB_IDX(ea)].tag_w == (ea & PPC_PAGE_MASK)))
        return 0;
    int f = ppc_translate_attr(s, op, ea, PPC_ACC_READ, &pa, &wimg);
    if (PPC_UNLIKELY(f))
        return f;
    return (wimg & WIMG_W) ? reserve_wt_dsi(s, op, ea) : 0;
}

static int op_lwarx(PPCState *s, const PPCOp *op)
{
    uint32_t ea = ea_xz(s, op), v;
    if (PPC_UNLIKELY(ea & 3))
        return ppc_alignment_exc(s, op, ea);
    int f = reserve_check(s, op, ea);
    if (PPC_UNLIKELY(f))
        return f;
    f = ppc_ld32(s, op, ea, &v);
    if (PPC_UNLIKELY(f))
        return f;
    s->reserve_addr = ea;
    s->reserve_valid = true;
    s->gpr[op->rd] = v;
    return PPC_NEXT;
}

/* Stores only while the reservation holds; CR0 = 00 EQ SO.  The
 * reservation is gone afterwards either way (but kept across a fault, as
 * the instruction will be restarted). */
static int op_stwcx(PPCState *s, const PPCOp *op)
{
    uint32_t ea = ea_xz(s, op), eq = 0;
    if (PPC_UNLIKELY(ea & 3))
        return ppc_alignment_exc(s, op, ea);
    if (s->reserve_valid &&
        ((s->reserve_addr ^ ea) & RESERVE_GRANULE_MASK) == 0) {
        int f = ppc_st32(s, op, ea, s->gpr[op->rd]);
        if (PPC_UNLIKELY(f))
            return f;
        eq = 2;
    }
    s->reserve_valid = false;
    ppc_set_crf(s, 0, eq | (s->xer >> 31));
    return PPC_NEXT;
}

/* ---- cache control (PEM 5.1.5, 750 UM 2.3.5) ---- */

#define CACHE_LINE 32u

/* dcbz zeroes a whole 32-byte block through the store path, so that a
 * DSI, code invalidation and the dirty log all happen as for stores. */
static int op_dcbz(PPCState *s, const PPCOp *op)
{
    uint32_t raw = ea_xz(s, op), ea = raw & ~(CACHE_LINE - 1);
    /* dcbz with the data cache off, or to a write-through or
     * cache-inhibited line, takes an alignment exception (750 UM 4.5.6).
     * A soft-TLB write tag is only ever installed for cacheable pages. */
    if (PPC_UNLIKELY(!(s->hid0 & HID0_DCE)))
        return ppc_alignment_exc(s, op, raw);
    if (PPC_UNLIKELY(s->tlb[PPC_TLB_IDX(ea)].tag_w != (ea & PPC_PAGE_MASK))) {
        uint32_t pa;
        int f = ppc_dcbz_check(s, op, raw, &pa);
        if (f)
            return f;
    }
    if (watch_range(s, ea, CACHE_LINE, PPC_ACC_WRITE))
        return PPC_FAULT;
    for (unsigned i = 0; i < CACHE_LINE; i += 4) {
        int f = ppc_st32(s, op, ea + i, 0);
        if (PPC_UNLIKELY(f))
            return f;
    }
    return PPC_NEXT;
}

/* No data cache is modelled; dcbf/dcbst are treated as loads for
 * translation and protection (PEM 8, "dcbf"), so only the DSI remains. */
static int cache_probe(PPCState *s, const PPCOp *op, uint32_t ea, int access)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    uint32_t tag = access == PPC_ACC_WRITE ? e->tag_w : e->tag_r, pa;
    if (PPC_LIKELY(tag == (ea & PPC_PAGE_MASK)))
        return PPC_NEXT;
    return ppc_translate(s, op, ea, access, &pa);
}

static int op_dcbst(PPCState *s, const PPCOp *op)
{
    return cache_probe(s, op, ea_xz(s, op), PPC_ACC_READ);
}

/* dcbi is supervisor-only and treated as a store (PEM 8, "dcbi") */
static int op_dcbi(PPCState *s, const PPCOp *op)
{
    if (s->msr & MSR_PR)
        return ppc_program_exc(s, op, SRR1_PRIV);
    return cache_probe(s, op, ea_xz(s, op), PPC_ACC_WRITE);
}

/* dcbt/dcbtst never raise an exception (PEM 8, "dcbt") */
static int op_dcbt(PPCState *s, const PPCOp *op)
{
    (void)s;
    (void)op;
    return PPC_NEXT;
}

/* icbi: drop any translated code of the block.  The block ends after it,
 * so a block that invalidated itself is not run on. */
static int op_icbi(PPCState *s, const PPCOp *op)
{
    uint32_t ea = ea_xz(s, op), pa;
    int f = ppc_translate(s, op, ea, PPC_ACC_READ, &pa);
    if (PPC_UNLIKELY(f))
        return f;
    ppc_invalidate_code(s, pa & ~(CACHE_LINE - 1), CACHE_LINE);
    return PPC_NEXT;
}

/* ---- external control (750 UM 2.3.4.3): with EAR[E] clear a DSI with
 * DSISR[11]; otherwise a word access. ---- */

#define EAR_E 0x80000000u

static int eci_check(PPCState *s, const PPCOp *op, uint32_t ea, bool store)
{
    if (PPC_UNLIKELY(ea & 3))
        return ppc_alignment_exc(s, op, ea);
    if (!(s->ear & EAR_E)) {
        s->dsisr = DSISR_EAR | (store ? DSISR_STORE : 0);
        s->dar = ea;
        ppc_exception(s, PPC_EXC_DSI, ppc_op_ea(s, op), 0);
        return PPC_FAULT;
    }
    return PPC_NEXT;
}

static int op_eciwx(PPCState *s, const PPCOp *op)
{
    uint32_t ea = ea_xz(s, op), v;
    int f = eci_check(s, op, ea, false);
    if (!f)
        f = ppc_ld32(s, op, ea, &v);
    if (PPC_UNLIKELY(f))
        return f;
    s->gpr[op->rd] = v;
    return PPC_NEXT;
}

static int op_ecowx(PPCState *s, const PPCOp *op)
{
    uint32_t ea = ea_xz(s, op);
    int f = eci_check(s, op, ea, true);
    return f ? f : ppc_st32(s, op, ea, s->gpr[op->rd]);
}

/* ---- the table ---- */

#define PRIMARY(p) ((uint32_t)(p) << 26)
#define M_PRIMARY 0xFC000000u
#define M_RA (31u << 16)
#define M_X 0xFC0007FFu
#define M_X_NORC 0xFC0007FEu
#define X31(xo) (PRIMARY(31) | ((uint32_t)(xo) << 1))

/* D-form p, D-form update p+1, X-form xo, X-form update xo+32 */
#define LDST_DEFS(name, p, xo) \
    { #name, M_PRIMARY | M_RA, PRIMARY(p), op_##name##_d0, IMM_SIMM, 0 }, \
    { #name, M_PRIMARY, PRIMARY(p), op_##name##_d, IMM_SIMM, 0 }, \
    { #name "u", M_PRIMARY, PRIMARY((p) + 1), op_##name##u_d, IMM_SIMM, 0 }, \
    { #name "x", M_X_NORC | M_RA, X31(xo), op_##name##_x0, IMM_NONE, 0 }, \
    { #name "x", M_X_NORC, X31(xo), op_##name##_x, IMM_NONE, 0 }, \
    { #name "ux", M_X_NORC, X31((xo) + 32), op_##name##u_x, IMM_NONE, 0 }
#define BR_DEFS(name, xo) \
    { #name "x", M_X_NORC | M_RA, X31(xo), op_##name##_x0, IMM_NONE, 0 }, \
    { #name "x", M_X_NORC, X31(xo), op_##name##_x, IMM_NONE, 0 }

const PPCInsnDef ppc_insns_ldst[] = {
    LDST_DEFS(lwz, 32, 23), LDST_DEFS(lbz, 34, 87), LDST_DEFS(lhz, 40, 279),
    LDST_DEFS(lha, 42, 343), LDST_DEFS(stw, 36, 151), LDST_DEFS(stb, 38, 215),
    LDST_DEFS(sth, 44, 407),
    BR_DEFS(lhbr, 790), BR_DEFS(lwbr, 534), BR_DEFS(sthbr, 918), BR_DEFS(stwbr, 662),
    { "lmw", M_PRIMARY, PRIMARY(46), op_lmw, IMM_SIMM, 0 },
    { "stmw", M_PRIMARY, PRIMARY(47), op_stmw, IMM_SIMM, 0 },
    { "lswi", M_X_NORC, X31(597), op_lswi, IMM_NONE, 0 },
    { "lswx", M_X_NORC, X31(533), op_lswx, IMM_NONE, 0 },
    { "stswi", M_X_NORC, X31(725), op_stswi, IMM_NONE, 0 },
    { "stswx", M_X_NORC, X31(661), op_stswx, IMM_NONE, 0 },
    { "lwarx", M_X_NORC, X31(20), op_lwarx, IMM_NONE, 0 },
    /* stwcx. exists only with Rc = 1 */
    { "stwcx.", M_X, X31(150) | 1, op_stwcx, IMM_NONE, 0 },
    { "dcbz", M_X_NORC, X31(1014), op_dcbz, IMM_NONE, 0 },
    { "dcbf", M_X_NORC, X31(86), op_dcbst, IMM_NONE, 0 },
    { "dcbst", M_X_NORC, X31(54), op_dcbst, IMM_NONE, 0 },
    { "dcbt", M_X_NORC, X31(278), op_dcbt, IMM_NONE, 0 },
    { "dcbtst", M_X_NORC, X31(246), op_dcbt, IMM_NONE, 0 },
    { "dcbi", M_X_NORC, X31(470), op_dcbi, IMM_NONE, PPC_F_PRIV },
    { "icbi", M_X_NORC, X31(982), op_icbi, IMM_NONE, PPC_F_ENDS_BLOCK },
    { "eciwx", M_X_NORC, X31(310), op_eciwx, IMM_NONE, 0 },
    { "ecowx", M_X_NORC, X31(438), op_ecowx, IMM_NONE, 0 },
    { NULL, 0, 0, NULL, 0, 0 },
};
