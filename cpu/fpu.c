/*
 * The floating-point unit (750 UM chapters 2.1.4, 3.3 and 12; PEM 3.3,
 * 4.6): loads and stores, arithmetic, compares, conversions and the FPSCR
 * instructions.
 *
 * Arithmetic runs on the host FPU in round-to-nearest with FPSCR[NI]=0,
 * whenever the result is comfortably inside the normal range: the host
 * result is then the PowerPC result, and error-free transformations
 * (TwoSum, fma-based TwoProduct, the division remainder, ErrFma) give the
 * exact rounding error, hence FI and FR, and the single-precision rounding
 * without double-rounding errors.  Zero operands take exact shortcuts;
 * everything else (NaNs, infinities, denormals, overflow, underflow,
 * directed rounding, NI) goes to the exact software model in fpu_soft.c.
 * The host must run with its default floating-point environment (MXCSR
 * round-to-nearest, no flush-to-zero/denormals-are-zero), which the
 * emulator never changes.
 *
 * 750 specifics (hardware vectors, ../shared/testdata/ppc750-vectors):
 * single-precision multiplies round frC's fraction to 24 bits first
 * (fpu_soft.c), fnmadd/fnmsub negate after rounding, FR on a disabled
 * overflow reports the fraction rounding; fctiw/fctiwz and mffs fill the
 * high word with 0xFFF80000.  From 750CL measurements (issue 14): mtfsf and
 * mtfsfi never set FX implicitly, fres/frsqrte use the 750's estimate
 * tables, and the frC rounding works on the unpacked operand.
 */
#include <float.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif
#include <math.h>
#include <string.h>

#include "cpu/fpu.h"
#include "cpu/ppc.h"

#if FLT_EVAL_METHOD != 0
#error "the fast paths need strict double evaluation (SSE2, not x87)"
#endif

static inline double d_of(uint64_t x)
{
    double d;
    memcpy(&d, &x, 8);
    return d;
}

static inline uint64_t u_of(double d)
{
    uint64_t x;
    memcpy(&x, &d, 8);
    return x;
}

static inline unsigned exf(uint64_t x) { return (x >> 52) & 0x7FF; }

#define FP_ENTER(s, op) \
    do { \
        if (PPC_UNLIKELY(!((s)->msr & MSR_FP))) \
            return ppc_fpu_unavailable(s, op); \
    } while (0)

#define RC(op) ((op)->insn & 1)

/* ---- FPSCR bookkeeping ---- */

/* VX and FEX are summaries, never sticky on their own (PEM 2.1.4) */
static inline uint32_t fpscr_summaries(uint32_t f)
{
    f &= ~(FPSCR_VX | FPSCR_FEX);
    if (f & FPSCR_VX_ALL)
        f |= FPSCR_VX;
    /* VX OX UX ZX XX line up with VE OE UE ZE XE 22 bits lower */
    if ((f >> 22) & f & 0xF8)
        f |= FPSCR_FEX;
    return f;
}

static inline void fp_cr1(PPCState *s)
{
    ppc_set_crf(s, 1, s->fpscr >> 28);
}

/* A program exception when exceptions this instruction raised are enabled
 * and MSR[FE0,FE1] != 0; the 750 runs every non-zero mode precisely
 * (750 UM 4.5.7, PEM 6.4.7): SRR0 = this instruction, which completed. */
static inline int fp_trap(PPCState *s, const PPCOp *op, uint32_t exc)
{
    if (exc & FPSCR_VX_ALL)
        exc |= FPSCR_VX;
    if (PPC_UNLIKELY((exc >> 22) & s->fpscr & 0xF8) && (s->msr & (MSR_FE0 | MSR_FE1)))
        return ppc_program_exc(s, op, SRR1_FP_ENABLED);
    return PPC_NEXT;
}

/* Apply an FPResult: FPSCR, frD, CR1 */
static int fp_commit(PPCState *s, const PPCOp *op, const FPResult *r)
{
    uint32_t old = s->fpscr;
    uint32_t f = (old & ~r->clear) | r->set | r->exc;
    if (r->exc & ~old)
        f |= FPSCR_FX; /* an exception bit went 0 -> 1 */
    s->fpscr = fpscr_summaries(f);
    if (r->write)
        s->fpr[op->rd] = r->bits;
    if (RC(op))
        fp_cr1(s);
    return fp_trap(s, op, r->exc);
}

#define FP_INLINE static inline __attribute__((always_inline))
#define FP_COLD __attribute__((noinline, cold))

/* An inexact result when XX was still clear (FX goes on) or XE is set
 * (FEX, maybe a trap): out of line, FP code mostly runs with XX set */
static FP_COLD int fp_inexact_rare(PPCState *s, const PPCOp *op, uint32_t f, uint32_t old)
{
    if (!(old & FPSCR_XX))
        f |= FPSCR_FX;
    if (f & FPSCR_XE)
        f |= FPSCR_FEX;
    s->fpscr = f;
    if (RC(op))
        fp_cr1(s);
    return fp_trap(s, op, FPSCR_XX);
}

/* Fast-path commit of a normal (or exact zero) result: FPRF, FI/FR, XX;
 * inexact and fr are 0 or 1. */
FP_INLINE int fp_commit_fast(PPCState *s, const PPCOp *op, uint64_t bits, uint32_t fprf,
                             uint32_t inexact, uint32_t fr)
{
    uint32_t old = s->fpscr;
    uint32_t f = (old & ~(FPSCR_FR | FPSCR_FI | FPSCR_FPRF)) | fprf;
    s->fpr[op->rd] = bits;
    if (inexact) {
        f |= FPSCR_FI | FPSCR_XX | (fr << 18);
        if (PPC_UNLIKELY((old & (FPSCR_XX | FPSCR_XE)) != FPSCR_XX))
            return fp_inexact_rare(s, op, f, old);
    }
    s->fpscr = f;
    if (RC(op))
        fp_cr1(s);
    return PPC_NEXT;
}

static inline bool fp_is_zero(uint64_t x) { return !(x & ~FP_SIGN); }
static inline bool fp_is_finite(uint64_t x) { return (x & FP_EXP) != FP_EXP; }

/* Exact results from zero operands, in any rounding mode: a product with
 * a zero factor is a zero of sign sA^sC, 0/x likewise, and b + (+-0) = b
 * for a normal b (single: b a normal single).  Returns false otherwise. */
static bool fp_zero_shortcut(FPOpKind kind, bool single, uint64_t a, uint64_t b, uint64_t c,
                             uint64_t *out)
{
    switch (kind) {
    case FPOP_MUL:
        if (!((fp_is_zero(a) && fp_is_finite(c)) || (fp_is_zero(c) && fp_is_finite(a))))
            return false;
        *out = (a ^ c) & FP_SIGN;
        return true;
    case FPOP_DIV:
        if (!fp_is_zero(a) || !fp_is_finite(b) || fp_is_zero(b))
            return false;
        *out = (a ^ b) & FP_SIGN;
        return true;
    case FPOP_MADD: case FPOP_MSUB: case FPOP_NMADD: case FPOP_NMSUB:
        if (!((fp_is_zero(a) && fp_is_finite(c)) || (fp_is_zero(c) && fp_is_finite(a))))
            return false;
        if (single ? exf(b) - 897u > 1150u - 897u || (b & 0x1FFFFFFFull) : exf(b) - 1u > 0x7FDu)
            return false;
        *out = b ^ (kind == FPOP_MSUB || kind == FPOP_NMADD ? FP_SIGN : 0);
        return true;
    default:
        return false;
    }
}

static FP_COLD int fp_slow(PPCState *s, const PPCOp *op, FPOpKind kind, bool single, uint64_t a,
                           uint64_t b, uint64_t c)
{
    uint64_t z;
    if (fp_zero_shortcut(kind, single, a, b, c, &z))
        return fp_commit_fast(s, op, z, fpsoft_class(z, single), 0, 0);
    FPResult r;
    fpsoft_arith(kind, single, s->fpscr, a, b, c, &r);
    return fp_commit(s, op, &r);
}

/* ---- fast paths ----
 * Preconditions: FPSCR[NI] = 0; the host stays in round-to-nearest.  r is
 * the host (nearest) result, e the exact error x - r of the infinitely
 * precise x (exactly zero when r is exact; only its sign and zeroness are
 * used).  A directed mode moves r by at most one unit, as e's sign says. */

static inline bool fast_mode(const PPCState *s)
{
    return !(s->fpscr & FPSCR_NI);
}

#define RN_OF(s) ((s)->fpscr & FPSCR_RN)

/* Directed rounding from the nearest result: the step (+1 away from zero,
 * -1 toward zero, 0 keep) for an inexact x = r + e, e != 0 */
static inline int directed_step(unsigned rn, uint64_t rb, uint64_t eb)
{
    bool neg = rb >> 63, e_neg = eb >> 63;
    bool x_bigger = e_neg == neg; /* |x| > |r| */
    switch (rn) {
    case FP_RN_ZERO: return x_bigger ? 0 : -1;
    case FP_RN_PINF: return e_neg ? 0 : neg ? -1 : 1;
    default: return e_neg ? (neg ? 1 : -1) : 0; /* toward -inf */
    }
}

/* Out of line: directed rounding of a double result r, not tiny before
 * rounding and away from the ends of the normal range */
static FP_COLD int fast_double_directed(PPCState *s, const PPCOp *op, uint64_t rb, double e,
                                        unsigned rn)
{
    if (e == 0)
        return fp_commit_fast(s, op, rb, FPRF_PNORM << (rb >> 63), 0, 0);
    uint64_t eb = u_of(e);
    int step = directed_step(rn, rb, eb);
    /* FR: magnitude above |x|: stepped away, or kept while |x| < |r| */
    uint32_t fr = step > 0 || (step == 0 && (eb >> 63) != (rb >> 63));
    uint64_t res = rb + (uint64_t)(int64_t)step; /* adjacent magnitude */
    return fp_commit_fast(s, op, res, FPRF_PNORM << (rb >> 63), 1, fr);
}

/* Double result r (normal, not tiny before rounding, finite; directed
 * steps stay normal and finite: exponent field 2..0x7FD, or an exact
 * result) */
FP_INLINE int fast_double(PPCState *s, const PPCOp *op, double r, double e, unsigned rn)
{
    uint64_t rb = u_of(r);
    if (PPC_UNLIKELY(rn))
        return fast_double_directed(s, op, rb, e, rn);
    uint32_t inexact = e != 0;
    /* |x| > |r| exactly when e has r's sign: FR is the opposite */
    uint32_t fr = (uint32_t)((u_of(e) ^ rb) >> 63) & inexact;
    return fp_commit_fast(s, op, rb, FPRF_PNORM << (rb >> 63), inexact, fr);
}

/* Single rounding in a directed mode from r + e (2^-125 <= |r| < 2^127) */
static FP_COLD int fast_single_directed(PPCState *s, const PPCOp *op, uint64_t rb, double e,
                                        unsigned rn)
{
    const uint64_t ulp = 0x20000000ull, low_mask = ulp - 1;
    uint64_t low = rb & low_mask, t = rb & ~low_mask, res;
    uint32_t inexact = 1, fr;
    bool neg = rb >> 63;
    if (low) {
        /* x lies strictly between the singles t and t + ulp (magnitudes) */
        fr = (rn == FP_RN_PINF && !neg) || (rn == FP_RN_MINF && neg);
        res = t + (fr ? ulp : 0);
    } else if (e == 0) {
        res = rb;
        inexact = fr = 0;
    } else {
        uint64_t eb = u_of(e);
        int step = directed_step(rn, rb, eb);
        fr = step > 0 || (step == 0 && (eb >> 63) != neg);
        res = rb + (uint64_t)((int64_t)step * (int64_t)ulp);
    }
    return fp_commit_fast(s, op, res, FPRF_PNORM << neg, inexact, fr);
}

/* Single result from r + e; false when r is outside the range where the
 * single rounding is certainly normal and finite */
FP_INLINE bool fast_single(PPCState *s, const PPCOp *op, double r, double e, unsigned rn,
                           int *ret)
{
    uint64_t rb = u_of(r);
    unsigned ex = exf(rb);
    /* 2^-125 <= |r| < 2^127: no single underflow or overflow possible */
    if (PPC_UNLIKELY(ex - 898u > 1149u - 898u))
        return false;
    if (PPC_UNLIKELY(rn)) {
        *ret = fast_single_directed(s, op, rb, e, rn);
        return true;
    }
    uint64_t low = rb & 0x1FFFFFFFull, res;
    uint32_t inexact, fr;
    if (PPC_UNLIKELY(low == 0x10000000ull && e != 0)) {
        /* r sits on a single-precision midpoint but x does not: the
         * exact error decides, no tie (double rounding avoided) */
        fr = !((u_of(e) ^ rb) >> 63);
        res = (rb & ~0x1FFFFFFFull) + (fr ? 0x20000000ull : 0);
        inexact = 1;
    } else {
        /* round the double's fraction to 23 bits, nearest-even; a
         * carry runs into the exponent as it should */
        res = (rb + 0x0FFFFFFFull + ((rb >> 29) & 1)) & ~0x1FFFFFFFull;
        uint32_t inexact_d = e != 0;
        inexact = low != 0 || inexact_d;
        /* rounded up in magnitude by the fraction rounding, or (exact
         * fraction) by the double rounding */
        fr = low ? res > rb /* same sign bit: compares magnitudes */
                 : (uint32_t)((u_of(e) ^ rb) >> 63) & inexact_d;
    }
    *ret = fp_commit_fast(s, op, res, FPRF_PNORM << (rb >> 63), inexact, fr);
    return true;
}

/* Fused multiply-add on the host: the FMA3 instruction inline when the
 * CPU has it (a libm call costs more than the rest of a fast path) */
static bool fpu_host_fma;

__attribute__((constructor)) static void fpu_detect_host(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    fpu_host_fma = __builtin_cpu_supports("fma");
#endif
}

FP_INLINE double host_fma(double a, double b, double c)
{
#if defined(__x86_64__)
    if (PPC_LIKELY(fpu_host_fma)) {
        __asm__("vfmadd231sd %2, %1, %0" : "+x"(c) : "x"(a), "x"(b));
        return c;
    }
#endif
    return fma(a, b, c);
}

/* TwoSum (Knuth): r + e == a + b exactly, r = RN(a + b) */
FP_INLINE double two_sum_err(double a, double b, double r)
{
    double bv = r - a, av = r - bv;
    return (a - av) + (b - bv);
}

/* Sign-exact error of r = RN(a*c + b): Boldo & Muller's ErrFma (IEEE TC
 * 2011) gives r2 with sign(a*c + b - r) = sign(r2).  Needs the product
 * error a*c - RN(a*c) representable (checked by the caller) and no
 * overflow (a non-finite r2 sends the caller to the slow path). */
FP_INLINE double fma_err(double a, double c, double b, double r)
{
    double u1 = a * c, u2 = host_fma(a, c, -u1);
    double a1 = b + u2, a2 = two_sum_err(b, u2, a1);
    double b1 = u1 + a1, b2 = two_sum_err(u1, a1, b1);
    double g = (b1 - r) + b2;
    return g + a2;
}

/* product a*c has its exact error representable: the sum of the LSB
 * exponents of a and c is at least -1074 */
static inline bool prod_exact_err(uint64_t a, uint64_t c)
{
    return exf(a) + exf(c) >= 1076;
}

/* ---- arithmetic handlers ---- */

FP_INLINE int do_addsub(PPCState *s, const PPCOp *op, bool sub, bool single)
{
    FP_ENTER(s, op);
    uint64_t ab = s->fpr[op->ra], bb = s->fpr[op->rb];
    if (PPC_LIKELY(fast_mode(s))) {
        double a = d_of(ab), b = sub ? -d_of(bb) : d_of(bb);
        double r = a + b;
        uint64_t rb = u_of(r);
        if (single) {
            int ret;
            if (fast_single(s, op, r, two_sum_err(a, b, r), RN_OF(s), &ret))
                return ret;
        } else if (exf(rb) - 1u < 0x7FDu) {
            return fast_double(s, op, r, two_sum_err(a, b, r), RN_OF(s));
        } else if (r == 0 && (s->fpscr & FPSCR_RN) != FP_RN_MINF) {
            /* a zero sum is exact: cancellation or zeros (host sign
             * rules in round-to-nearest are IEEE's, as the PEM's; the
             * same in every mode but toward -inf) */
            return fp_commit_fast(s, op, rb, (rb >> 63) ? FPRF_NZERO : FPRF_PZERO, false, false);
        }
    }
    return fp_slow(s, op, sub ? FPOP_SUB : FPOP_ADD, single, ab, bb, 0);
}

static int op_fadd(PPCState *s, const PPCOp *op) { return do_addsub(s, op, false, false); }
static int op_fsub(PPCState *s, const PPCOp *op) { return do_addsub(s, op, true, false); }
static int op_fadds(PPCState *s, const PPCOp *op) { return do_addsub(s, op, false, true); }
static int op_fsubs(PPCState *s, const PPCOp *op) { return do_addsub(s, op, true, true); }

FP_INLINE int do_mul(PPCState *s, const PPCOp *op, bool single)
{
    FP_ENTER(s, op);
    uint64_t ab = s->fpr[op->ra], cb = s->fpr[op->rc];
    if (PPC_LIKELY(fast_mode(s))) {
        uint64_t cr = single ? fpsoft_round_frc(cb) : cb;
        if (prod_exact_err(ab, cr)) {
            double a = d_of(ab), c = d_of(cr);
            double r = a * c;
            if (single) {
                int ret;
                if (fast_single(s, op, r, host_fma(a, c, -r), RN_OF(s), &ret))
                    return ret;
            } else if (exf(u_of(r)) - 2u < 0x7FCu) {
                return fast_double(s, op, r, host_fma(a, c, -r), RN_OF(s));
            }
        }
    }
    return fp_slow(s, op, FPOP_MUL, single, ab, 0, cb);
}

static int op_fmul(PPCState *s, const PPCOp *op) { return do_mul(s, op, false); }
static int op_fmuls(PPCState *s, const PPCOp *op) { return do_mul(s, op, true); }

FP_INLINE int do_div(PPCState *s, const PPCOp *op, bool single)
{
    FP_ENTER(s, op);
    uint64_t ab = s->fpr[op->ra], bb = s->fpr[op->rb];
    if (PPC_LIKELY(fast_mode(s)) && exf(ab) >= 0x80 && exf(bb) - 1u < 0x7FEu) {
        double a = d_of(ab), b = d_of(bb);
        double q = a / b;
        uint64_t qb = u_of(q);
        /* remainder a - q*b is exact when the product q*b is */
        if (exf(qb) - 2u < 0x7FCu && prod_exact_err(qb, bb)) {
            double rem = host_fma(-q, b, a);
            /* x - q = rem / b */
            double e = signbit(b) ? -rem : rem;
            if (single) {
                int ret;
                if (fast_single(s, op, q, e, RN_OF(s), &ret))
                    return ret;
            } else {
                return fast_double(s, op, q, e, RN_OF(s));
            }
        }
    }
    return fp_slow(s, op, FPOP_DIV, single, ab, bb, 0);
}

static int op_fdiv(PPCState *s, const PPCOp *op) { return do_div(s, op, false); }
static int op_fdivs(PPCState *s, const PPCOp *op) { return do_div(s, op, true); }

/* fmadd family: kind selects the signs; the 750 negates fnm* after
 * rounding (PEM 4.6.5.2) */
FP_INLINE int do_fma(PPCState *s, const PPCOp *op, FPOpKind kind, bool single)
{
    FP_ENTER(s, op);
    uint64_t ab = s->fpr[op->ra], bb = s->fpr[op->rb], cb = s->fpr[op->rc];
    if (PPC_LIKELY(fast_mode(s))) {
        uint64_t cr = single ? fpsoft_round_frc(cb) : cb;
        if (prod_exact_err(ab, cr)) {
            bool sub = kind == FPOP_MSUB || kind == FPOP_NMSUB;
            bool neg = kind == FPOP_NMADD || kind == FPOP_NMSUB;
            double a = d_of(ab), c = d_of(cr), b = sub ? -d_of(bb) : d_of(bb);
            double r = host_fma(a, c, b);
            double e = fma_err(a, c, b, r);
            if (PPC_LIKELY(e - e == 0)) {
                unsigned rn = RN_OF(s);
                if (neg) {
                    /* -round(x) = round'(-x) with the directions toward
                     * +inf and -inf swapped; -e is the error of -r */
                    r = -r;
                    e = -e;
                    rn ^= rn >> 1;
                }
                if (single) {
                    int ret;
                    if (fast_single(s, op, r, e, rn, &ret))
                        return ret;
                } else if (exf(u_of(r)) - 0x100u < 0x6FEu) {
                    return fast_double(s, op, r, e, rn);
                }
            }
        }
    }
    return fp_slow(s, op, kind, single, ab, bb, cb);
}

static int op_fmadd(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_MADD, false); }
static int op_fmsub(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_MSUB, false); }
static int op_fnmadd(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_NMADD, false); }
static int op_fnmsub(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_NMSUB, false); }
static int op_fmadds(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_MADD, true); }
static int op_fmsubs(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_MSUB, true); }
static int op_fnmadds(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_NMADD, true); }
static int op_fnmsubs(PPCState *s, const PPCOp *op) { return do_fma(s, op, FPOP_NMSUB, true); }

static int op_frsp(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint64_t bb = s->fpr[op->rb];
    int ret;
    if (PPC_LIKELY(fast_mode(s)) && fast_single(s, op, d_of(bb), 0.0, RN_OF(s), &ret))
        return ret;
    return fp_slow(s, op, FPOP_RSP, true, 0, bb, 0);
}

/* ---- estimates: the 750's own tables (PEM 8 fres, frsqrte) ----
 * Both instructions interpolate linearly in a 32-entry table of (base,
 * slope) pairs.  The tables and the arithmetic below reproduce values
 * measured on 750CL silicon: Andrew Church's published measurements
 * (libbinrec etc/ppc/fres-table.txt and frsqrte-table.txt, the same
 * constants as Dolphin's fres_expected/frsqrte_expected), e.g. fres(2.0) =
 * 0x3EFFF800, fres(FLT_MAX) = 2^-128 (1 + 2^-16) with UX and FI,
 * frsqrte(0.25) = 0x3FFFFE80_00000000; tests in test_fpu750.c. */

static const uint16_t fres_base[32] = {
    0x3FFC, 0x3C1C, 0x3875, 0x3504, 0x31C4, 0x2EB1, 0x2BC8, 0x2904,
    0x2664, 0x23E5, 0x2184, 0x1F40, 0x1D16, 0x1B04, 0x190A, 0x1725,
    0x1554, 0x1396, 0x11EB, 0x104F, 0x0EC4, 0x0D48, 0x0BD7, 0x0A7C,
    0x0922, 0x07DF, 0x069C, 0x056F, 0x0442, 0x0328, 0x020E, 0x0106,
};
static const uint16_t fres_slope[32] = {
    0x3E1, 0x3A7, 0x371, 0x340, 0x313, 0x2EA, 0x2C4, 0x2A0,
    0x27F, 0x261, 0x245, 0x22A, 0x212, 0x1FB, 0x1E5, 0x1D1,
    0x1BE, 0x1AC, 0x19B, 0x18B, 0x17C, 0x16E, 0x15B, 0x15B,
    0x143, 0x143, 0x12D, 0x12D, 0x11A, 0x11A, 0x108, 0x106,
};
/* entries 0-15: odd (biased) exponents, 16-31: even ones */
static const uint16_t frsqrte_base[32] = {
    0x7FF4, 0x7852, 0x7154, 0x6AE4, 0x64F2, 0x5F6E, 0x5A4C, 0x5580,
    0x5102, 0x4CCA, 0x48D0, 0x450E, 0x4182, 0x3E24, 0x3AF2, 0x37E8,
    0x34FD, 0x2F97, 0x2AA5, 0x2618, 0x21E4, 0x1DFE, 0x1A5C, 0x16F8,
    0x13CA, 0x10CE, 0x0DFE, 0x0B57, 0x08D4, 0x0673, 0x0431, 0x020B,
};
static const uint16_t frsqrte_slope[32] = {
    0x7A4, 0x700, 0x670, 0x5F2, 0x584, 0x524, 0x4CC, 0x47E,
    0x43A, 0x3FA, 0x3C2, 0x38E, 0x35E, 0x332, 0x30A, 0x2E6,
    0x568, 0x4F3, 0x48D, 0x435, 0x3E7, 0x3A2, 0x365, 0x32E,
    0x2FC, 0x2D0, 0x2A8, 0x283, 0x261, 0x243, 0x226, 0x20B,
};

/* Biased exponent and 52-bit fraction of a finite nonzero double, a
 * denormal normalized (its exponent then drops below 1) */
static void est_unpack(uint64_t b, int *e, uint64_t *f)
{
    *e = (int)exf(b);
    *f = b & FP_FRAC;
    if (!*e) {
        int sh = __builtin_clzll(*f) - 11;
        *f = (*f << sh) & FP_FRAC;
        *e = 1 - sh;
    }
}

/* fres of a finite nonzero b.  The estimate works on the single format:
 * 5 fraction bits pick the entry, the next 10 interpolate, and the result
 * carries one bit more than single, which becomes FI (so FI is set for
 * about half of all operands; XX never).  A result exponent above single
 * range saturates at FLT_MAX with OX and FI; below, the result is
 * denormalized and UX is set when bits are lost.  Measured for single
 * operands; for doubles outside the single range (undefined, PEM 4.2.3)
 * the same rules are extended. */
static uint64_t fres_750(uint64_t b, uint32_t *exc, uint32_t *fi)
{
    uint64_t f, sign = b & FP_SIGN;
    int e;
    est_unpack(b, &e, &f);
    int er = 253 - (e - 1023 + 127); /* single-biased result exponent */
    if (er > 254) {
        *exc = FPSCR_OX;
        *fi = 1;
        return sign | 0x47EFFFFFE0000000ull;
    }
    uint32_t i = (uint32_t)(f >> 47), x = (uint32_t)(f >> 37) & 0x3FF;
    uint32_t r = ((uint32_t)fres_base[i] << 10) - fres_slope[i] * x;
    uint32_t m = r >> 1;
    *fi = r & 1;
    *exc = 0;
    if (er < 1) {
        int sh = 1 - er;
        uint32_t full = (1u << 23) | m;
        *fi |= sh > 24 || (full & ((1u << sh) - 1));
        m = sh > 24 ? 0 : full >> sh;
        if (*fi)
            *exc = FPSCR_UX;
        if (!m)
            return sign;
        int n = __builtin_clz(m) - 8; /* to double: normalize */
        return sign | ((uint64_t)(897 - n) << 52) | ((uint64_t)((m << n) & 0x7FFFFF) << 29);
    }
    return sign | ((uint64_t)(er - 127 + 1023) << 52) | ((uint64_t)m << 29);
}

/* frsqrte of a positive finite nonzero b: a double result whose 26 top
 * fraction bits come from the table (not a single, despite 750 UM 12) */
static uint64_t frsqrte_750(uint64_t b)
{
    uint64_t f;
    int e;
    est_unpack(b, &e, &f);
    uint32_t i = (uint32_t)(f >> 48) | (e & 1 ? 0 : 16);
    uint64_t m = ((uint64_t)frsqrte_base[i] << 11) - (uint64_t)frsqrte_slope[i] * ((f >> 37) & 0x7FF);
    return ((uint64_t)((3068 - e) >> 1) << 52) | (m << 26);
}

/* fres alters FPRF, FR, FI, FX, OX, UX, ZX and VXSNAN, not XX (PEM 8
 * fres); FR is cleared.  Zeros, infinities and NaNs take the model's
 * exact rules (1/x is exact there). */
static int op_fres(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint64_t b = s->fpr[op->rb];
    FPResult r;
    fpsoft_arith(FPOP_RES, true, s->fpscr, 0, b, 0, &r);
    if (fp_is_finite(b) && !fp_is_zero(b)) {
        uint32_t exc, fi;
        r.bits = fres_750(b, &exc, &fi);
        r.exc = exc;
        r.set = (fi ? FPSCR_FI : 0) | fpsoft_class(r.bits, true);
    }
    return fp_commit(s, op, &r);
}

/* frsqrte: FR and FI are undefined for it: cleared here (PEM 8) */
static int op_frsqrte(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint64_t b = s->fpr[op->rb];
    uint32_t fpscr = s->fpscr;
    FPResult r = { .exc = 0, .clear = FPSCR_FR | FPSCR_FI | FPSCR_FPRF, .set = 0, .write = true };
    if (fp_is_nan(b)) {
        if (fp_is_snan(b))
            r.exc = FPSCR_VXSNAN;
        r.bits = b | FP_QBIT;
    } else if (!(b & ~FP_SIGN)) {
        r.exc = FPSCR_ZX;
        r.bits = (b & FP_SIGN) | FP_EXP;
        if (fpscr & FPSCR_ZE)
            r.write = false;
    } else if (b >> 63) {
        r.exc = FPSCR_VXSQRT;
        r.bits = FP_DEFAULT_QNAN;
    } else if (b == FP_EXP) {
        r.bits = 0;
    } else {
        r.bits = frsqrte_750(b);
    }
    if ((r.exc & FPSCR_VX_ALL) && (fpscr & FPSCR_VE))
        r.write = false;
    if (r.write)
        r.set = fpsoft_class(r.bits, false);
    else
        r.clear = FPSCR_FR | FPSCR_FI;
    return fp_commit(s, op, &r);
}

/* fsel: frA >= 0 (including -0) selects frC, else (NaN too) frB; no FPSCR
 * change (PEM 4.6.5.3) */
static int op_fsel(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint64_t a = s->fpr[op->ra];
    bool ge = !fp_is_nan(a) && (!(a >> 63) || !(a & ~FP_SIGN));
    s->fpr[op->rd] = ge ? s->fpr[op->rc] : s->fpr[op->rb];
    if (RC(op))
        fp_cr1(s);
    return PPC_NEXT;
}

/* ---- moves (no FPSCR change, PEM 4.6.6) ---- */

static inline int fp_move(PPCState *s, const PPCOp *op, uint64_t v)
{
    s->fpr[op->rd] = v;
    if (RC(op))
        fp_cr1(s);
    return PPC_NEXT;
}

static int op_fmr(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    return fp_move(s, op, s->fpr[op->rb]);
}

static int op_fneg(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    return fp_move(s, op, s->fpr[op->rb] ^ FP_SIGN);
}

static int op_fabs(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    return fp_move(s, op, s->fpr[op->rb] & ~FP_SIGN);
}

static int op_fnabs(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    return fp_move(s, op, s->fpr[op->rb] | FP_SIGN);
}

/* ---- compares (PEM 4.6.7) ---- */

/* NaN operands: unordered, with VXSNAN / VXVC as the PEM lists them */
static FP_COLD int fcmp_unordered(PPCState *s, const PPCOp *op, uint64_t a, uint64_t b,
                                  bool ordered)
{
    uint32_t exc = 0;
    if (fp_is_snan(a) || fp_is_snan(b)) {
        exc = FPSCR_VXSNAN;
        /* fcmpo: VXVC too unless the SNaN's invalid trap is enabled */
        if (ordered && !(s->fpscr & FPSCR_VE))
            exc |= FPSCR_VXVC;
    } else if (ordered) {
        exc = FPSCR_VXVC;
    }
    ppc_set_crf(s, op->rd >> 2, 1);
    uint32_t old = s->fpscr;
    uint32_t f = (old & ~FPSCR_FPCC) | FPSCR_FU | exc;
    if (exc & ~old)
        f |= FPSCR_FX;
    s->fpscr = fpscr_summaries(f);
    return fp_trap(s, op, exc);
}

/* fcmpu/fcmpo: crfD and FPSCR[FPCC] get <, >, = or unordered; C is kept
 * (PEM 4.6.7) */
FP_INLINE int do_fcmp(PPCState *s, const PPCOp *op, bool ordered)
{
    FP_ENTER(s, op);
    uint64_t a = s->fpr[op->ra], b = s->fpr[op->rb];
    double x = d_of(a), y = d_of(b);
    uint32_t cc;
    if (x < y)
        cc = 8;
    else if (x > y)
        cc = 4;
    else if (PPC_LIKELY(x == y))
        cc = 2;
    else
        return fcmp_unordered(s, op, a, b, ordered);
    ppc_set_crf(s, op->rd >> 2, cc);
    s->fpscr = (s->fpscr & ~FPSCR_FPCC) | (cc << 12);
    return PPC_NEXT;
}

static int op_fcmpu(PPCState *s, const PPCOp *op) { return do_fcmp(s, op, false); }
static int op_fcmpo(PPCState *s, const PPCOp *op) { return do_fcmp(s, op, true); }

/* ---- conversion to integer (PEM 4.6.3, D.4) ---- */

/* Round a finite double to an integer in mode rn; *inexact, *inc (the
 * magnitude grew).  Returns the magnitude, saturated at 2^32. */
static uint64_t round_to_int(uint64_t b, unsigned rn, bool *inexact, bool *inc)
{
    bool sign = b >> 63;
    int e = (int)exf(b) - 1075;
    uint64_t m = (b & FP_FRAC) | (exf(b) ? 1ull << 52 : 0);
    uint64_t q;
    bool guard, sticky;
    if (!exf(b))
        e = -1074;
    if (e >= 0) {
        *inexact = *inc = false;
        return e > 11 ? 1ull << 32 : m << e; /* m << 11 < 2^64 */
    }
    if (e < -54) {
        q = 0;
        guard = false;
        sticky = m != 0;
    } else {
        q = m >> -e;
        guard = (m >> (-e - 1)) & 1;
        sticky = (m & ((1ull << (-e - 1)) - 1)) != 0;
    }
    *inexact = guard || sticky;
    switch (rn) {
    case FP_RN_NEAR: *inc = guard && (sticky || (q & 1)); break;
    case FP_RN_ZERO: *inc = false; break;
    case FP_RN_PINF: *inc = !sign && *inexact; break;
    default: *inc = sign && *inexact; break;
    }
    return q + *inc;
}

static FP_COLD int do_fctiw(PPCState *s, const PPCOp *op, unsigned rn)
{
    FP_ENTER(s, op);
    uint64_t b = s->fpr[op->rb];
    bool sign = b >> 63, inexact = false, inc = false;
    uint32_t exc = 0, w;
    if (fp_is_nan(b)) {
        exc = FPSCR_VXCVI | (fp_is_snan(b) ? FPSCR_VXSNAN : 0);
        w = 0x80000000u;
    } else {
        uint64_t mag = (b & ~FP_SIGN) == FP_EXP ? 1ull << 32 : round_to_int(b, rn, &inexact, &inc);
        if (!sign && mag > 0x7FFFFFFFu) {
            exc = FPSCR_VXCVI;
            w = 0x7FFFFFFFu;
        } else if (sign && mag > 0x80000000u) {
            exc = FPSCR_VXCVI;
            w = 0x80000000u;
        } else {
            w = sign ? (uint32_t)-mag : (uint32_t)mag;
        }
    }
    /* FPRF is left alone (architecturally undefined); FR/FI report the
     * rounding; an invalid conversion clears them (PEM 3.3.6.1.1) */
    FPResult r = { .exc = exc, .clear = FPSCR_FR | FPSCR_FI, .set = 0, .write = true };
    if (exc) {
        if (s->fpscr & FPSCR_VE)
            r.write = false;
    } else if (inexact) {
        r.exc = FPSCR_XX;
        r.set = FPSCR_FI | (inc ? FPSCR_FR : 0);
    }
    /* the 750 fills the high word with 0xFFF80000, and sets its low bit
     * when the result is zero from a negative operand (hardware tests) */
    r.bits = 0xFFF8000000000000ull | w;
    if (!exc && w == 0 && sign)
        r.bits |= 1ull << 32;
    return fp_commit(s, op, &r);
}

/* Nearest-integer conversion in the host's (round-to-nearest) mode */
FP_INLINE int32_t host_rint32(double d)
{
#if defined(__x86_64__)
    return _mm_cvtsd_si32(_mm_set_sd(d));
#else
    return (int32_t)nearbyint(d);
#endif
}

/* In-range operands on the host: |b| < 2^31 truncates to a valid int;
 * rounding to nearest needs |b| < 2^30 (2^31 - 0.5 would round out) */
FP_INLINE int fctiw_fast(PPCState *s, const PPCOp *op, bool nearest)
{
    FP_ENTER(s, op);
    uint64_t b = s->fpr[op->rb];
    if (nearest ? exf(b) < 1023 + 30 && !(s->fpscr & FPSCR_RN) : exf(b) < 1023 + 31) {
        double d = d_of(b);
        int32_t i = nearest ? host_rint32(d) : (int32_t)d;
        double t = i;
        uint32_t inexact = t != d;
        uint32_t fr = inexact & (fabs(t) > fabs(d));
        uint64_t bits = 0xFFF8000000000000ull | (uint32_t)i;
        if (PPC_UNLIKELY(i == 0 && (b >> 63)))
            bits |= 1ull << 32;
        uint32_t old = s->fpscr;
        uint32_t f = (old & ~(FPSCR_FR | FPSCR_FI)) | (-inexact & (FPSCR_FI | FPSCR_XX)) | (fr << 18);
        s->fpr[op->rd] = bits;
        if (inexact && PPC_UNLIKELY((old & (FPSCR_XX | FPSCR_XE)) != FPSCR_XX))
            return fp_inexact_rare(s, op, f, old);
        s->fpscr = f;
        if (RC(op))
            fp_cr1(s);
        return PPC_NEXT;
    }
    return do_fctiw(s, op, nearest ? s->fpscr & FPSCR_RN : FP_RN_ZERO);
}

static int op_fctiw(PPCState *s, const PPCOp *op) { return fctiw_fast(s, op, true); }
static int op_fctiwz(PPCState *s, const PPCOp *op) { return fctiw_fast(s, op, false); }

/* ---- FPSCR instructions (PEM 4.6.8) ---- */

/* Install a new FPSCR value from an explicit write: FEX and VX are never
 * taken from the operand; FX is set by the usual rule for exception bits
 * turned on only when implicit_fx says the instruction does that. */
static int fpscr_write(PPCState *s, const PPCOp *op, uint32_t mask, uint32_t val, bool implicit_fx)
{
    uint32_t old = s->fpscr;
    mask &= ~(FPSCR_FEX | FPSCR_VX);
    uint32_t f = (old & ~mask) | (val & mask);
    uint32_t turned_on = f & ~old & FPSCR_EXC_ALL;
    if (turned_on && implicit_fx)
        f |= FPSCR_FX;
    f = fpscr_summaries(f);
    s->fpscr = f;
    if (RC(op))
        fp_cr1(s);
    /* setting an exception or enable bit may raise FEX: precise trap */
    if ((f & FPSCR_FEX) && !(old & FPSCR_FEX) && (s->msr & (MSR_FE0 | MSR_FE1)))
        return ppc_program_exc(s, op, SRR1_FP_ENABLED);
    return PPC_NEXT;
}

static uint32_t field_mask(unsigned fm)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < 8; i++)
        if (fm & (0x80u >> i))
            m |= 0xF0000000u >> (4 * i);
    return m;
}

static int op_mffs(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    /* the 750 returns 0xFFF80000 in the high word, like fctiw */
    s->fpr[op->rd] = 0xFFF8000000000000ull | s->fpscr;
    if (RC(op))
        fp_cr1(s);
    return PPC_NEXT;
}

/* mtfsf and mtfsfi never set FX implicitly: PEM 2.1.4 (FPSCR[FX]) names
 * them as the instructions that alter FX only explicitly, and on 750CL
 * silicon mtfsfi 0,1 then mtfsfi 2,8 from a clear FPSCR leave 0x30800000
 * (OX, VX, VXISI, no FX; issue 14) */
static int op_mtfsf(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    unsigned fm = (op->insn >> 17) & 0xFF;
    return fpscr_write(s, op, field_mask(fm), (uint32_t)s->fpr[op->rb], false);
}

static int op_mtfsfi(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    unsigned bf = (op->insn >> 23) & 7, imm = (op->insn >> 12) & 0xF;
    uint32_t sh = 4 * (7 - bf);
    return fpscr_write(s, op, 0xFu << sh, (uint32_t)imm << sh, false);
}

static int op_mtfsb0(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint32_t bit = 0x80000000u >> op->rd;
    return fpscr_write(s, op, bit, 0, false);
}

/* mtfsb1 does set FX when it turns an exception bit on: it is not among
 * the PEM's exceptions to the FX rule, and 750CL silicon agrees (mtfsb1 3
 * sets FX along with OX, and FEX when OE is set; issue 14's test suite) */
static int op_mtfsb1(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint32_t bit = 0x80000000u >> op->rd;
    return fpscr_write(s, op, bit, bit, true);
}

/* mcrfs: copy an FPSCR field to CR, clearing the exception bits copied
 * (FX, OX, UX, ZX, XX, VX*; FEX and VX follow) (PEM 4.6.8) */
static int op_mcrfs(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    unsigned crfd = (op->insn >> 23) & 7, crfs = (op->insn >> 18) & 7;
    uint32_t sh = 4 * (7 - crfs);
    ppc_set_crf(s, crfd, s->fpscr >> sh);
    uint32_t clr = (0xFu << sh) & (FPSCR_FX | FPSCR_EXC_ALL);
    s->fpscr = fpscr_summaries(s->fpscr & ~clr);
    return PPC_NEXT;
}

/* ---- loads and stores (PEM 4.6.2, 4.6.3) ---- */

/* lfs: single to double format, exactly (PEM 3.3.6 "Floating-Point Load
 * Instructions"): denormals are normalized, NaNs keep their payload */
static FP_COLD uint64_t single_to_double_special(uint32_t w)
{
    uint64_t sign = (uint64_t)(w >> 31) << 63;
    uint32_t e = (w >> 23) & 0xFF, f = w & 0x7FFFFF;
    if (e == 0xFF)
        return sign | FP_EXP | ((uint64_t)f << 29);
    if (!f)
        return sign;
    int sh = __builtin_clz(f) - 8; /* denormal: normalize */
    f = (f << sh) & 0x7FFFFF;
    return sign | ((uint64_t)(897 - sh) << 52) | ((uint64_t)f << 29);
}

FP_INLINE uint64_t single_to_double(uint32_t w)
{
    /* normal: the exponent is rebiased by 1023 - 127 = 896 */
    if (PPC_LIKELY(((w >> 23) & 0xFF) - 1u < 254u))
        return ((uint64_t)(w >> 31) << 63 | (uint64_t)(w & 0x7FFFFFFFu) << 29) + (896ull << 52);
    return single_to_double_special(w);
}

/* stfs: the PEM's store conversion (PEM 3.3.6 "Floating-Point Store
 * Instructions"): no rounding; single-denormal range is shifted out */
static uint32_t double_to_single(uint64_t x)
{
    unsigned e = exf(x);
    if (e > 896 || !(x & ~FP_SIGN) || e < 874) /* the last case is undefined: same bits */
        return (uint32_t)(((x >> 32) & 0xC0000000u) | ((x >> 29) & 0x3FFFFFFFu));
    uint64_t frac = (x & FP_FRAC) | (1ull << 52);
    frac >>= 897 - e; /* -126 - (e - 1023) */
    return (uint32_t)((x >> 32) & 0x80000000u) | (uint32_t)((frac >> 29) & 0x7FFFFF);
}

/* Alignment exception for an FP load/store that is not word-aligned
 * (750 UM 4.5.6, PEM 6.4.6): DAR = EA; DSISR[15-21] from the opcode
 * (X-form: bits 29-30, 25, 21-24; D-form: 0 0, bit 5, bits 1-4),
 * DSISR[22-26] = frS/frD, DSISR[27-31] = rA. */
static FP_COLD int fp_align_exc(PPCState *s, const PPCOp *op, uint32_t ea)
{
    uint32_t insn = op->insn, d;
    if ((insn >> 26) == 31)
        d = (((insn >> 1) & 3u) << 15) | (((insn >> 6) & 1u) << 14) | (((insn >> 7) & 0xFu) << 10);
    else
        d = (((insn >> 26) & 1u) << 14) | (((insn >> 27) & 0xFu) << 10);
    s->dsisr = d | ((uint32_t)op->rd << 5) | op->ra;
    s->dar = ea;
    ppc_exception(s, PPC_EXC_ALIGN, ppc_op_ea(s, op), 0);
    return PPC_FAULT;
}

#define FP_ALIGNED(s, op, ea) \
    do { \
        if (PPC_UNLIKELY((ea) & 3)) \
            return fp_align_exc(s, op, ea); \
    } while (0)

static inline uint32_t ea_d(const PPCState *s, const PPCOp *op)
{
    return (op->ra ? s->gpr[op->ra] : 0) + op->imm;
}

static inline uint32_t ea_x(const PPCState *s, const PPCOp *op)
{
    return (op->ra ? s->gpr[op->ra] : 0) + s->gpr[op->rb];
}

static inline int do_lfs(PPCState *s, const PPCOp *op, uint32_t ea, bool update)
{
    FP_ENTER(s, op);
    FP_ALIGNED(s, op, ea);
    uint32_t w;
    int r = ppc_ld32(s, op, ea, &w);
    if (r)
        return r;
    s->fpr[op->rd] = single_to_double(w);
    if (update)
        s->gpr[op->ra] = ea;
    return PPC_NEXT;
}

static inline int do_lfd(PPCState *s, const PPCOp *op, uint32_t ea, bool update)
{
    FP_ENTER(s, op);
    FP_ALIGNED(s, op, ea);
    uint64_t v;
    int r = ppc_ld64(s, op, ea, &v);
    if (r)
        return r;
    s->fpr[op->rd] = v;
    if (update)
        s->gpr[op->ra] = ea;
    return PPC_NEXT;
}

static inline int do_stfs(PPCState *s, const PPCOp *op, uint32_t ea, bool update)
{
    FP_ENTER(s, op);
    FP_ALIGNED(s, op, ea);
    int r = ppc_st32(s, op, ea, double_to_single(s->fpr[op->rd]));
    if (r)
        return r;
    if (update)
        s->gpr[op->ra] = ea;
    return PPC_NEXT;
}

static inline int do_stfd(PPCState *s, const PPCOp *op, uint32_t ea, bool update)
{
    FP_ENTER(s, op);
    FP_ALIGNED(s, op, ea);
    int r = ppc_st64(s, op, ea, s->fpr[op->rd]);
    if (r)
        return r;
    if (update)
        s->gpr[op->ra] = ea;
    return PPC_NEXT;
}

static int op_lfs(PPCState *s, const PPCOp *op) { return do_lfs(s, op, ea_d(s, op), false); }
static int op_lfsu(PPCState *s, const PPCOp *op) { return do_lfs(s, op, s->gpr[op->ra] + op->imm, true); }
static int op_lfsx(PPCState *s, const PPCOp *op) { return do_lfs(s, op, ea_x(s, op), false); }
static int op_lfsux(PPCState *s, const PPCOp *op) { return do_lfs(s, op, s->gpr[op->ra] + s->gpr[op->rb], true); }
static int op_lfd(PPCState *s, const PPCOp *op) { return do_lfd(s, op, ea_d(s, op), false); }
static int op_lfdu(PPCState *s, const PPCOp *op) { return do_lfd(s, op, s->gpr[op->ra] + op->imm, true); }
static int op_lfdx(PPCState *s, const PPCOp *op) { return do_lfd(s, op, ea_x(s, op), false); }
static int op_lfdux(PPCState *s, const PPCOp *op) { return do_lfd(s, op, s->gpr[op->ra] + s->gpr[op->rb], true); }
static int op_stfs(PPCState *s, const PPCOp *op) { return do_stfs(s, op, ea_d(s, op), false); }
static int op_stfsu(PPCState *s, const PPCOp *op) { return do_stfs(s, op, s->gpr[op->ra] + op->imm, true); }
static int op_stfsx(PPCState *s, const PPCOp *op) { return do_stfs(s, op, ea_x(s, op), false); }
static int op_stfsux(PPCState *s, const PPCOp *op) { return do_stfs(s, op, s->gpr[op->ra] + s->gpr[op->rb], true); }
static int op_stfd(PPCState *s, const PPCOp *op) { return do_stfd(s, op, ea_d(s, op), false); }
static int op_stfdu(PPCState *s, const PPCOp *op) { return do_stfd(s, op, s->gpr[op->ra] + op->imm, true); }
static int op_stfdx(PPCState *s, const PPCOp *op) { return do_stfd(s, op, ea_x(s, op), false); }
static int op_stfdux(PPCState *s, const PPCOp *op) { return do_stfd(s, op, s->gpr[op->ra] + s->gpr[op->rb], true); }

/* stfiwx: the low word of frS, as is (PEM 4.6.3) */
static int op_stfiwx(PPCState *s, const PPCOp *op)
{
    FP_ENTER(s, op);
    uint32_t ea = ea_x(s, op);
    FP_ALIGNED(s, op, ea);
    return ppc_st32(s, op, ea, (uint32_t)s->fpr[op->rd]);
}

/* ---- decode table ---- */

#define P(op) ((uint32_t)(op) << 26)
#define M_D 0xFC000000u
#define M_X 0xFC0007FEu  /* primary + 10-bit XO, Rc free */
#define M_A 0xFC00003Eu  /* primary + 5-bit XO, Rc free */
#define X(p, xo) (P(p) | ((uint32_t)(xo) << 1))

const PPCInsnDef ppc_insns_fpu[] = {
    { "lfs", M_D, P(48), op_lfs, IMM_SIMM, 0 },
    { "lfsu", M_D, P(49), op_lfsu, IMM_SIMM, 0 },
    { "lfd", M_D, P(50), op_lfd, IMM_SIMM, 0 },
    { "lfdu", M_D, P(51), op_lfdu, IMM_SIMM, 0 },
    { "stfs", M_D, P(52), op_stfs, IMM_SIMM, 0 },
    { "stfsu", M_D, P(53), op_stfsu, IMM_SIMM, 0 },
    { "stfd", M_D, P(54), op_stfd, IMM_SIMM, 0 },
    { "stfdu", M_D, P(55), op_stfdu, IMM_SIMM, 0 },
    { "lfsx", M_X, X(31, 535), op_lfsx, IMM_NONE, 0 },
    { "lfsux", M_X, X(31, 567), op_lfsux, IMM_NONE, 0 },
    { "lfdx", M_X, X(31, 599), op_lfdx, IMM_NONE, 0 },
    { "lfdux", M_X, X(31, 631), op_lfdux, IMM_NONE, 0 },
    { "stfsx", M_X, X(31, 663), op_stfsx, IMM_NONE, 0 },
    { "stfsux", M_X, X(31, 695), op_stfsux, IMM_NONE, 0 },
    { "stfdx", M_X, X(31, 727), op_stfdx, IMM_NONE, 0 },
    { "stfdux", M_X, X(31, 759), op_stfdux, IMM_NONE, 0 },
    { "stfiwx", M_X, X(31, 983), op_stfiwx, IMM_NONE, 0 },
    /* single precision, primary 59 (no fsqrts on the 750) */
    { "fdivs", M_A, X(59, 18), op_fdivs, IMM_NONE, 0 },
    { "fsubs", M_A, X(59, 20), op_fsubs, IMM_NONE, 0 },
    { "fadds", M_A, X(59, 21), op_fadds, IMM_NONE, 0 },
    { "fres", M_A, X(59, 24), op_fres, IMM_NONE, 0 },
    { "fmuls", M_A, X(59, 25), op_fmuls, IMM_NONE, 0 },
    { "fmsubs", M_A, X(59, 28), op_fmsubs, IMM_NONE, 0 },
    { "fmadds", M_A, X(59, 29), op_fmadds, IMM_NONE, 0 },
    { "fnmsubs", M_A, X(59, 30), op_fnmsubs, IMM_NONE, 0 },
    { "fnmadds", M_A, X(59, 31), op_fnmadds, IMM_NONE, 0 },
    /* double precision, primary 63 (no fsqrt) */
    { "fdiv", M_A, X(63, 18), op_fdiv, IMM_NONE, 0 },
    { "fsub", M_A, X(63, 20), op_fsub, IMM_NONE, 0 },
    { "fadd", M_A, X(63, 21), op_fadd, IMM_NONE, 0 },
    { "fsel", M_A, X(63, 23), op_fsel, IMM_NONE, 0 },
    { "fmul", M_A, X(63, 25), op_fmul, IMM_NONE, 0 },
    { "frsqrte", M_A, X(63, 26), op_frsqrte, IMM_NONE, 0 },
    { "fmsub", M_A, X(63, 28), op_fmsub, IMM_NONE, 0 },
    { "fmadd", M_A, X(63, 29), op_fmadd, IMM_NONE, 0 },
    { "fnmsub", M_A, X(63, 30), op_fnmsub, IMM_NONE, 0 },
    { "fnmadd", M_A, X(63, 31), op_fnmadd, IMM_NONE, 0 },
    { "fcmpu", M_X, X(63, 0), op_fcmpu, IMM_NONE, 0 },
    { "frsp", M_X, X(63, 12), op_frsp, IMM_NONE, 0 },
    { "fctiw", M_X, X(63, 14), op_fctiw, IMM_NONE, 0 },
    { "fctiwz", M_X, X(63, 15), op_fctiwz, IMM_NONE, 0 },
    { "fcmpo", M_X, X(63, 32), op_fcmpo, IMM_NONE, 0 },
    { "mtfsb1", M_X, X(63, 38), op_mtfsb1, IMM_NONE, 0 },
    { "fneg", M_X, X(63, 40), op_fneg, IMM_NONE, 0 },
    { "mcrfs", M_X, X(63, 64), op_mcrfs, IMM_NONE, 0 },
    { "mtfsb0", M_X, X(63, 70), op_mtfsb0, IMM_NONE, 0 },
    { "fmr", M_X, X(63, 72), op_fmr, IMM_NONE, 0 },
    { "mtfsfi", M_X, X(63, 134), op_mtfsfi, IMM_NONE, 0 },
    { "fnabs", M_X, X(63, 136), op_fnabs, IMM_NONE, 0 },
    { "fabs", M_X, X(63, 264), op_fabs, IMM_NONE, 0 },
    { "mffs", M_X, X(63, 583), op_mffs, IMM_NONE, 0 },
    { "mtfsf", M_X, X(63, 711), op_mtfsf, IMM_NONE, 0 },
    { NULL, 0, 0, NULL, 0, 0 },
};
