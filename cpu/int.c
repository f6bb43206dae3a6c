/*
 * Fixed-point arithmetic, logical, compare, rotate/shift and CR-logical
 * instructions (750 UM chapter 12; PEM 3.3).
 *
 * Every Rc/OE variant has its own handler, generated from one always-inline
 * "core" with the variant as a compile-time constant, so a handler does
 * exactly the work of its variant and nothing is decoded at run time.
 */
#include "cpu/ppc.h"

#define INLINE static inline __attribute__((always_inline))

/* ---- XER helpers ---- */

INLINE void set_ca(PPCState *s, uint32_t ca)
{
    s->xer = (s->xer & ~XER_CA) | (ca << 29);
}

/* OE=1 forms: OV is set or cleared, SO is sticky (PEM 3.3.1.1 "XER") */
INLINE void set_ov(PPCState *s, uint32_t ov)
{
    if (ov)
        s->xer |= XER_OV | XER_SO;
    else
        s->xer &= ~XER_OV;
}

/* Signed overflow of a + b (+ carry-in) giving d */
INLINE uint32_t add_ov(uint32_t a, uint32_t b, uint32_t d)
{
    return ((a ^ d) & (b ^ d)) >> 31;
}

/* a + b + c with carry-out into XER[CA] and, with oe, overflow into XER[OV] */
INLINE uint32_t add3(PPCState *s, uint32_t a, uint32_t b, uint32_t c, bool oe)
{
    uint64_t t = (uint64_t)a + b + c;
    uint32_t d = (uint32_t)t;
    set_ca(s, (uint32_t)(t >> 32));
    if (oe)
        set_ov(s, add_ov(a, b, d));
    return d;
}

#define CA_BIT(s) (((s)->xer >> 29) & 1u)
#define RA(op) s->gpr[(op)->ra]
#define RB(op) s->gpr[(op)->rb]

/* ---- XO-form arithmetic cores (rD = f(rA, rB)) ---- */

INLINE uint32_t core_add(PPCState *s, const PPCOp *op, bool oe)
{
    uint32_t a = RA(op), b = RB(op), d = a + b;
    if (oe)
        set_ov(s, add_ov(a, b, d));
    return d;
}

INLINE uint32_t core_addc(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, RA(op), RB(op), 0, oe);
}

INLINE uint32_t core_adde(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, RA(op), RB(op), CA_BIT(s), oe);
}

INLINE uint32_t core_addme(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, RA(op), 0xFFFFFFFFu, CA_BIT(s), oe);
}

INLINE uint32_t core_addze(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, RA(op), 0, CA_BIT(s), oe);
}

/* subf* are ~rA + rB + 1 (or + CA) (PEM 3.3.1.1) */
INLINE uint32_t core_subf(PPCState *s, const PPCOp *op, bool oe)
{
    uint32_t a = ~RA(op), b = RB(op), d = b + a + 1;
    if (oe)
        set_ov(s, add_ov(a, b, d));
    return d;
}

INLINE uint32_t core_subfc(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, ~RA(op), RB(op), 1, oe);
}

INLINE uint32_t core_subfe(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, ~RA(op), RB(op), CA_BIT(s), oe);
}

INLINE uint32_t core_subfme(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, ~RA(op), 0xFFFFFFFFu, CA_BIT(s), oe);
}

INLINE uint32_t core_subfze(PPCState *s, const PPCOp *op, bool oe)
{
    return add3(s, ~RA(op), 0, CA_BIT(s), oe);
}

INLINE uint32_t core_neg(PPCState *s, const PPCOp *op, bool oe)
{
    uint32_t a = RA(op);
    if (oe)
        set_ov(s, a == 0x80000000u);
    return 0u - a;
}

INLINE uint32_t core_mullw(PPCState *s, const PPCOp *op, bool oe)
{
    int64_t p = (int64_t)(int32_t)RA(op) * (int32_t)RB(op);
    if (oe)
        set_ov(s, p != (int64_t)(int32_t)p);
    return (uint32_t)p;
}

INLINE uint32_t core_mulhw(PPCState *s, const PPCOp *op, bool oe)
{
    (void)oe;
    return (uint32_t)(((int64_t)(int32_t)RA(op) * (int32_t)RB(op)) >> 32);
}

INLINE uint32_t core_mulhwu(PPCState *s, const PPCOp *op, bool oe)
{
    (void)oe;
    return (uint32_t)(((uint64_t)RA(op) * RB(op)) >> 32);
}

/* The architecture leaves rD undefined for x/0 and 0x80000000/-1; the 750
 * gives 0 for a non-negative dividend and -1 for a negative one (hardware
 * vectors, ppcinttests.csv DIVW*). */
INLINE uint32_t core_divw(PPCState *s, const PPCOp *op, bool oe)
{
    int32_t a = (int32_t)RA(op), b = (int32_t)RB(op);
    if (PPC_UNLIKELY(b == 0 || (a == INT32_MIN && b == -1))) {
        if (oe)
            set_ov(s, 1);
        return a < 0 ? 0xFFFFFFFFu : 0;
    }
    if (oe)
        set_ov(s, 0);
    return (uint32_t)(a / b);
}

/* divwu by 0 gives 0 on the 750 (hardware vectors, DIVWU*) */
INLINE uint32_t core_divwu(PPCState *s, const PPCOp *op, bool oe)
{
    uint32_t a = RA(op), b = RB(op);
    if (PPC_UNLIKELY(b == 0)) {
        if (oe)
            set_ov(s, 1);
        return 0;
    }
    if (oe)
        set_ov(s, 0);
    return a / b;
}

/* Four handlers per XO-form instruction: plain, Rc, OE, OE+Rc */
#define GEN_XO_RC(name) \
    static int op_##name(PPCState *s, const PPCOp *op) \
    { \
        s->gpr[op->rd] = core_##name(s, op, false); \
        return PPC_NEXT; \
    } \
    static int op_##name##_rc(PPCState *s, const PPCOp *op) \
    { \
        uint32_t d = core_##name(s, op, false); \
        s->gpr[op->rd] = d; \
        ppc_set_cr0(s, d); \
        return PPC_NEXT; \
    }
#define GEN_XO(name) \
    GEN_XO_RC(name) \
    static int op_##name##_o(PPCState *s, const PPCOp *op) \
    { \
        s->gpr[op->rd] = core_##name(s, op, true); \
        return PPC_NEXT; \
    } \
    static int op_##name##_orc(PPCState *s, const PPCOp *op) \
    { \
        uint32_t d = core_##name(s, op, true); \
        s->gpr[op->rd] = d; \
        ppc_set_cr0(s, d); \
        return PPC_NEXT; \
    }

GEN_XO(add)
GEN_XO(addc)
GEN_XO(adde)
GEN_XO(addme)
GEN_XO(addze)
GEN_XO(subf)
GEN_XO(subfc)
GEN_XO(subfe)
GEN_XO(subfme)
GEN_XO(subfze)
GEN_XO(neg)
GEN_XO(mullw)
GEN_XO_RC(mulhw)
GEN_XO_RC(mulhwu)
GEN_XO(divw)
GEN_XO(divwu)

/* ---- D-form arithmetic ---- */

static int op_addi(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = RA(op) + op->imm;
    return PPC_NEXT;
}

/* li / lis: addi/addis with rA = 0 */
static int op_li(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = op->imm;
    return PPC_NEXT;
}

static int op_addic(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = add3(s, RA(op), op->imm, 0, false);
    return PPC_NEXT;
}

static int op_addic_rc(PPCState *s, const PPCOp *op)
{
    uint32_t d = add3(s, RA(op), op->imm, 0, false);
    s->gpr[op->rd] = d;
    ppc_set_cr0(s, d);
    return PPC_NEXT;
}

static int op_subfic(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = add3(s, ~RA(op), op->imm, 1, false);
    return PPC_NEXT;
}

static int op_mulli(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = RA(op) * op->imm;
    return PPC_NEXT;
}

/* ---- logical: rA = f(rS, rB); rS is in the rd field ---- */

#define RS(op) s->gpr[(op)->rd]

#define GEN_LOGIC(name, expr) \
    static int op_##name(PPCState *s, const PPCOp *op) \
    { \
        s->gpr[op->ra] = (expr); \
        return PPC_NEXT; \
    } \
    static int op_##name##_rc(PPCState *s, const PPCOp *op) \
    { \
        uint32_t d = (expr); \
        s->gpr[op->ra] = d; \
        ppc_set_cr0(s, d); \
        return PPC_NEXT; \
    }

GEN_LOGIC(and, RS(op) & RB(op))
GEN_LOGIC(andc, RS(op) & ~RB(op))
GEN_LOGIC(or, RS(op) | RB(op))
GEN_LOGIC(orc, RS(op) | ~RB(op))
GEN_LOGIC(xor, RS(op) ^ RB(op))
GEN_LOGIC(nand, ~(RS(op) & RB(op)))
GEN_LOGIC(nor, ~(RS(op) | RB(op)))
GEN_LOGIC(eqv, ~(RS(op) ^ RB(op)))
GEN_LOGIC(extsb, (uint32_t)(int32_t)(int8_t)RS(op))
GEN_LOGIC(extsh, (uint32_t)(int32_t)(int16_t)RS(op))
GEN_LOGIC(cntlzw, RS(op) ? (uint32_t)__builtin_clz(RS(op)) : 32u)
/* the shifts take the low six bits of rB: 32..63 shift everything out */
GEN_LOGIC(slw, (RB(op) & 0x20) ? 0 : RS(op) << (RB(op) & 31))
GEN_LOGIC(srw, (RB(op) & 0x20) ? 0 : RS(op) >> (RB(op) & 31))
/* rotates: the mask is precomputed by the decoder (IMM_MASK) */
GEN_LOGIC(rlwinm, ((RS(op) << op->rb) | (RS(op) >> ((32 - op->rb) & 31))) & op->imm)
GEN_LOGIC(rlwnm, ((RS(op) << (RB(op) & 31)) | (RS(op) >> ((32 - (RB(op) & 31)) & 31))) & op->imm)

static int op_rlwimi_any(PPCState *s, const PPCOp *op, bool rc)
{
    uint32_t v = RS(op), r = (v << op->rb) | (v >> ((32 - op->rb) & 31));
    uint32_t d = (r & op->imm) | (s->gpr[op->ra] & ~op->imm);
    s->gpr[op->ra] = d;
    if (rc)
        ppc_set_cr0(s, d);
    return PPC_NEXT;
}

static int op_rlwimi(PPCState *s, const PPCOp *op) { return op_rlwimi_any(s, op, false); }
static int op_rlwimi_rc(PPCState *s, const PPCOp *op) { return op_rlwimi_any(s, op, true); }

/* mr is or rA,rS,rS; nop is ori 0,0,0 */
static int op_nop(PPCState *s, const PPCOp *op)
{
    (void)s;
    (void)op;
    return PPC_NEXT;
}

/* D-form logical: ori/oris/xori/xoris, andi./andis. (always record) */
static int op_ori(PPCState *s, const PPCOp *op)
{
    s->gpr[op->ra] = RS(op) | op->imm;
    return PPC_NEXT;
}

static int op_xori(PPCState *s, const PPCOp *op)
{
    s->gpr[op->ra] = RS(op) ^ op->imm;
    return PPC_NEXT;
}

static int op_andi_rc(PPCState *s, const PPCOp *op)
{
    uint32_t d = RS(op) & op->imm;
    s->gpr[op->ra] = d;
    ppc_set_cr0(s, d);
    return PPC_NEXT;
}

/* sraw/srawi: CA is set when the source is negative and 1 bits are
 * shifted out (PEM 3.3.4.3, "sraw") */
INLINE uint32_t sra(PPCState *s, uint32_t v, unsigned n)
{
    if (n & 0x20) {
        uint32_t neg = v >> 31;
        set_ca(s, neg);
        return 0u - neg;
    }
    uint32_t d = (uint32_t)((int32_t)v >> n);
    set_ca(s, (v >> 31) & ((v & ((1u << n) - 1)) != 0));
    return d;
}

GEN_LOGIC(sraw, sra(s, RS(op), RB(op) & 0x3F))
GEN_LOGIC(srawi, sra(s, RS(op), op->rb))

/* ---- compare: crfD in bits 6-8 (the high 3 bits of the rd field) ---- */

INLINE void set_crf_cmp(PPCState *s, const PPCOp *op, uint32_t c)
{
    unsigned sh = 4u * (7u - (op->rd >> 2u));
    s->cr = (s->cr & ~(0xFu << sh)) | ((c | (s->xer >> 31)) << sh);
}

INLINE uint32_t cmp_s(int32_t a, int32_t b) { return a < b ? 8 : a > b ? 4 : 2; }
INLINE uint32_t cmp_u(uint32_t a, uint32_t b) { return a < b ? 8 : a > b ? 4 : 2; }

static int op_cmp(PPCState *s, const PPCOp *op)
{
    set_crf_cmp(s, op, cmp_s((int32_t)RA(op), (int32_t)RB(op)));
    return PPC_NEXT;
}

static int op_cmpl(PPCState *s, const PPCOp *op)
{
    set_crf_cmp(s, op, cmp_u(RA(op), RB(op)));
    return PPC_NEXT;
}

static int op_cmpi(PPCState *s, const PPCOp *op)
{
    set_crf_cmp(s, op, cmp_s((int32_t)RA(op), (int32_t)op->imm));
    return PPC_NEXT;
}

static int op_cmpli(PPCState *s, const PPCOp *op)
{
    set_crf_cmp(s, op, cmp_u(RA(op), op->imm));
    return PPC_NEXT;
}

/* ---- CR logical (XL-form: crbD = rd, crbA = ra, crbB = rb; bit 0 = MSB) ---- */

#define CRB(n) ((s->cr >> (31u - (n))) & 1u)

#define GEN_CRL(name, expr) \
    static int op_##name(PPCState *s, const PPCOp *op) \
    { \
        uint32_t a = CRB(op->ra), b = CRB(op->rb); \
        uint32_t bit = 1u << (31u - op->rd); \
        s->cr = ((expr) & 1u) ? (s->cr | bit) : (s->cr & ~bit); \
        return PPC_NEXT; \
    }

GEN_CRL(crand, a & b)
GEN_CRL(cror, a | b)
GEN_CRL(crxor, a ^ b)
GEN_CRL(crnand, ~(a & b))
GEN_CRL(crnor, ~(a | b))
GEN_CRL(creqv, ~(a ^ b))
GEN_CRL(crandc, a & ~b)
GEN_CRL(crorc, a | ~b)

static int op_mcrf(PPCState *s, const PPCOp *op)
{
    ppc_set_crf(s, op->rd >> 2, ppc_get_crf(s, op->ra >> 2));
    return PPC_NEXT;
}

/* mcrxr: CR field = XER[0-3], which are then cleared (PEM 8, "mcrxr") */
static int op_mcrxr(PPCState *s, const PPCOp *op)
{
    ppc_set_crf(s, op->rd >> 2, s->xer >> 28);
    s->xer &= 0x0FFFFFFFu;
    return PPC_NEXT;
}

static int op_mtcrf(PPCState *s, const PPCOp *op)
{
    s->cr = (RS(op) & op->imm) | (s->cr & ~op->imm);
    return PPC_NEXT;
}

static int op_mfcr(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = s->cr;
    return PPC_NEXT;
}

/* ---- the table ---- */

#define PRIMARY(p) ((uint32_t)(p) << 26)
#define M_PRIMARY 0xFC000000u
#define M_PRIMARY_RA (M_PRIMARY | (31u << 16))
#define M_PRIMARY_RC (M_PRIMARY | 1u)
#define M_X 0xFC0007FFu          /* primary, XO (bits 21-30), Rc */
#define M_X_NORC 0xFC0007FEu     /* primary, XO; Rc ignored */
#define M_XO_NOOE 0xFC0003FFu    /* primary, XO (bits 22-30), Rc; OE ignored */
#define X31(xo) (PRIMARY(31) | ((uint32_t)(xo) << 1))
#define X19(xo) (PRIMARY(19) | ((uint32_t)(xo) << 1))
#define OE 0x400u

#define XO4(name, xo) \
    { #name, M_X, X31(xo), op_##name, IMM_NONE, 0 }, \
    { #name ".", M_X, X31(xo) | 1, op_##name##_rc, IMM_NONE, 0 }, \
    { #name "o", M_X, X31(xo) | OE, op_##name##_o, IMM_NONE, 0 }, \
    { #name "o.", M_X, X31(xo) | OE | 1, op_##name##_orc, IMM_NONE, 0 }
#define X2(name, xo) \
    { #name, M_X, X31(xo), op_##name, IMM_NONE, 0 }, \
    { #name ".", M_X, X31(xo) | 1, op_##name##_rc, IMM_NONE, 0 }
#define XNOOE2(name, xo) \
    { #name, M_XO_NOOE, X31(xo), op_##name, IMM_NONE, 0 }, \
    { #name ".", M_XO_NOOE, X31(xo) | 1, op_##name##_rc, IMM_NONE, 0 }
#define RLW2(name, p) \
    { #name, M_PRIMARY_RC, PRIMARY(p), op_##name, IMM_MASK, 0 }, \
    { #name ".", M_PRIMARY_RC, PRIMARY(p) | 1, op_##name##_rc, IMM_MASK, 0 }
#define CRL(name, xo) { #name, M_X_NORC, X19(xo), op_##name, IMM_NONE, 0 }

const PPCInsnDef ppc_insns_int[] = {
    /* XO-form arithmetic (bit 21 = OE, bit 31 = Rc) */
    XO4(add, 266), XO4(addc, 10), XO4(adde, 138), XO4(addme, 234), XO4(addze, 202),
    XO4(subf, 40), XO4(subfc, 8), XO4(subfe, 136), XO4(subfme, 232), XO4(subfze, 200),
    XO4(neg, 104), XO4(mullw, 235), XO4(divw, 491), XO4(divwu, 459),
    /* mulhw/mulhwu have no OE form: bit 21 is reserved */
    XNOOE2(mulhw, 75), XNOOE2(mulhwu, 11),

    /* D-form arithmetic */
    { "li", M_PRIMARY_RA, PRIMARY(14), op_li, IMM_SIMM, 0 },
    { "addi", M_PRIMARY, PRIMARY(14), op_addi, IMM_SIMM, 0 },
    { "lis", M_PRIMARY_RA, PRIMARY(15), op_li, IMM_UIMM_HI, 0 },
    { "addis", M_PRIMARY, PRIMARY(15), op_addi, IMM_UIMM_HI, 0 },
    { "addic", M_PRIMARY, PRIMARY(12), op_addic, IMM_SIMM, 0 },
    { "addic.", M_PRIMARY, PRIMARY(13), op_addic_rc, IMM_SIMM, 0 },
    { "subfic", M_PRIMARY, PRIMARY(8), op_subfic, IMM_SIMM, 0 },
    { "mulli", M_PRIMARY, PRIMARY(7), op_mulli, IMM_SIMM, 0 },

    /* logical */
    X2(and, 28), X2(andc, 60), X2(or, 444), X2(orc, 412), X2(xor, 316),
    X2(nand, 476), X2(nor, 124), X2(eqv, 284),
    X2(extsb, 954), X2(extsh, 922), X2(cntlzw, 26),
    { "nop", 0xFFFFFFFFu, PRIMARY(24), op_nop, IMM_NONE, 0 },
    { "ori", M_PRIMARY, PRIMARY(24), op_ori, IMM_UIMM, 0 },
    { "oris", M_PRIMARY, PRIMARY(25), op_ori, IMM_UIMM_HI, 0 },
    { "xori", M_PRIMARY, PRIMARY(26), op_xori, IMM_UIMM, 0 },
    { "xoris", M_PRIMARY, PRIMARY(27), op_xori, IMM_UIMM_HI, 0 },
    { "andi.", M_PRIMARY, PRIMARY(28), op_andi_rc, IMM_UIMM, 0 },
    { "andis.", M_PRIMARY, PRIMARY(29), op_andi_rc, IMM_UIMM_HI, 0 },

    /* rotate and shift */
    RLW2(rlwinm, 21), RLW2(rlwnm, 23), RLW2(rlwimi, 20),
    X2(slw, 24), X2(srw, 536), X2(sraw, 792), X2(srawi, 824),

    /* compare (the L bit, bit 10, must be 0 on a 32-bit CPU: ignored) */
    { "cmp", M_X_NORC, X31(0), op_cmp, IMM_NONE, 0 },
    { "cmpl", M_X_NORC, X31(32), op_cmpl, IMM_NONE, 0 },
    { "cmpi", M_PRIMARY, PRIMARY(11), op_cmpi, IMM_SIMM, 0 },
    { "cmpli", M_PRIMARY, PRIMARY(10), op_cmpli, IMM_UIMM, 0 },

    /* CR logical and CR moves */
    CRL(crand, 257), CRL(cror, 449), CRL(crxor, 193), CRL(crnand, 225),
    CRL(crnor, 33), CRL(creqv, 289), CRL(crandc, 129), CRL(crorc, 417),
    { "mcrf", M_X_NORC, X19(0), op_mcrf, IMM_NONE, 0 },
    { "mcrxr", M_X_NORC, X31(512), op_mcrxr, IMM_NONE, 0 },
    { "mtcrf", M_X_NORC, X31(144), op_mtcrf, IMM_CRM, 0 },
    { "mfcr", M_X_NORC, X31(19), op_mfcr, IMM_NONE, 0 },
    { NULL, 0, 0, NULL, 0, 0 },
};
