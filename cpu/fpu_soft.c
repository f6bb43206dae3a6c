/*
 * The exact software model of the 750 FPU's arithmetic (PEM 3.3.6, 4.6 and
 * Appendix D "Floating-Point Models"): special operands, exact
 * intermediate results in 128-bit integers, one rounding step that knows
 * the PowerPC rules (tininess before rounding, FR/FI, enabled overflow and
 * underflow exponent adjustment).  The host fast paths in fpu.c fall back
 * here for everything unusual; tests compare the two.
 */
#include "cpu/fpu.h"

typedef unsigned __int128 u128;

typedef struct {
    unsigned rn;
    bool oe, ue, ni, single;
    bool frc25; /* a single-precision multiply: frC rounded first */
} RCtx;

typedef struct {
    bool sign;
    int exp;    /* value = m * 2^exp */
    uint64_t m; /* 0 for zero */
} Unp;

static Unp unpack(uint64_t x)
{
    Unp u;
    unsigned e = (x >> 52) & 0x7FF;
    u.sign = x >> 63;
    u.m = x & FP_FRAC;
    if (e) {
        u.m |= 1ull << 52;
        u.exp = (int)e - 1075;
    } else {
        u.exp = -1074;
    }
    return u;
}

static int clz128(u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)m);
}

uint32_t fpsoft_class(uint64_t x, bool single)
{
    bool neg = x >> 63;
    unsigned e = (x >> 52) & 0x7FF;
    uint64_t f = x & FP_FRAC;
    if (e == 0x7FF)
        return f ? FPRF_QNAN : neg ? FPRF_NINF : FPRF_PINF;
    if (!e && !f)
        return neg ? FPRF_NZERO : FPRF_PZERO;
    /* a single result below 2^-126 is a single denormal (PEM 3.3.6.2) */
    if (single ? e < 897 : e == 0)
        return neg ? FPRF_NDEN : FPRF_PDEN;
    return neg ? FPRF_NNORM : FPRF_PNORM;
}

/* The same class with the opposite sign (fnmadd/fnmsub negate last) */
static uint32_t fprf_negate(uint32_t c)
{
    if (c == FPRF_QNAN)
        return c;
    if (c == FPRF_PZERO || c == FPRF_NZERO)
        return c ^ 0x10000u;
    /* swap FL and FG */
    return (c & ~0xC000u) | ((c & 0x8000u) >> 1) | ((c & 0x4000u) << 1);
}

/* q * 2^lsb as a double bit pattern, q < 2^53.  Exact for every
 * architected result; the out-of-format values of enabled single-precision
 * overflow/underflow with double-range operands (undefined, PEM 3.3.6.2)
 * saturate to infinity or lose low bits. */
static uint64_t encode(bool sign, uint64_t q, int lsb)
{
    uint64_t sbit = (uint64_t)sign << 63;
    if (!q)
        return sbit;
    int n = 63 - __builtin_clzll(q); /* MSB position */
    int E = lsb + n;
    if (E > 1023)
        return sbit | FP_EXP;
    if (E >= -1022)
        return sbit | ((uint64_t)(E + 1023) << 52) | ((q << (52 - n)) & FP_FRAC);
    int sh = lsb + 1074; /* double denormal */
    if (sh >= 0)
        return sbit | (q << sh);
    return sbit | (-sh < 64 ? q >> -sh : 0);
}

static void set_zero(FPResult *res, bool sign)
{
    res->bits = (uint64_t)sign << 63;
    res->set = sign ? FPRF_NZERO : FPRF_PZERO;
}

/* Overflow with OE=0 (PEM 3.3.6.2.1): infinity or the largest finite
 * number, as the rounding mode directs */
static uint64_t overflow_value(const RCtx *c, bool sign)
{
    bool to_inf = c->rn == FP_RN_NEAR || (c->rn == FP_RN_PINF && !sign) ||
                  (c->rn == FP_RN_MINF && sign);
    uint64_t mag = to_inf ? FP_EXP : c->single ? 0x47EFFFFFE0000000ull : 0x7FEFFFFFFFFFFFFFull;
    return mag | ((uint64_t)sign << 63);
}

/* Round the exact nonzero value (-1)^sign * m * 2^exp to the target
 * precision and fill res (bits, exc, FR/FI/FPRF). */
static void round_pack(const RCtx *c, bool sign, int exp, u128 m, FPResult *res)
{
    const int p = c->single ? 24 : 53;
    const int emin = c->single ? -126 : -1022, emax = c->single ? 127 : 1023;
    const int adj = c->single ? 192 : 1536;
    int n = clz128(m);
    m <<= n;
    exp -= n;
    int E = exp + 127; /* value = 1.f * 2^E */
    /* "Tiny" is decided before rounding (PEM 3.3.6.2.2) */
    bool tiny = E < emin;
    bool denorm = tiny && !c->ue;
    int keep = denorm ? p - (emin - E) : p;
    uint64_t q;
    bool guard, sticky;
    if (keep >= 1) {
        int drop = 128 - keep;
        q = (uint64_t)(m >> drop);
        guard = (m >> (drop - 1)) & 1;
        sticky = (m & (((u128)1 << (drop - 1)) - 1)) != 0;
    } else if (keep == 0) {
        q = 0;
        guard = m >> 127;
        sticky = (m << 1) != 0;
    } else {
        q = 0;
        guard = false;
        sticky = true;
    }
    bool inexact = guard || sticky, inc;
    switch (c->rn) {
    case FP_RN_NEAR: inc = guard && (sticky || (q & 1)); break;
    case FP_RN_ZERO: inc = false; break;
    case FP_RN_PINF: inc = !sign && inexact; break;
    default: inc = sign && inexact; break;
    }
    q += inc;
    int lsb = denorm ? emin - (p - 1) : E - (p - 1);
    if (!denorm && (q >> p)) {
        q >>= 1;
        lsb++;
        E++;
    }
    res->exc = 0;
    res->set = 0;
    if (inexact)
        res->set |= FPSCR_FI;
    if (inc)
        res->set |= FPSCR_FR;
    if (!tiny && E > emax) {
        res->exc |= FPSCR_OX;
        if (!c->oe) {
            /* disabled overflow: inexact by definition; FR keeps the
             * increment of the fraction rounding (750 vectors) */
            res->exc |= FPSCR_XX;
            res->set |= FPSCR_FI;
            res->bits = overflow_value(c, sign);
            res->set |= fpsoft_class(res->bits, false);
            return;
        }
        lsb -= adj; /* enabled: exponent wrapped (PEM 3.3.6.2.1) */
    } else if (tiny) {
        if (c->ue) {
            res->exc |= FPSCR_UX;
            lsb += adj;
        } else if (c->ni) {
            /* non-IEEE mode: a denormal result becomes zero (750 UM 2.2.3,
             * "floating-point result data-type behavior"; flags ours) */
            res->exc |= FPSCR_UX | FPSCR_XX;
            set_zero(res, sign);
            res->set |= FPSCR_FI;
            return;
        } else if (inexact) {
            res->exc |= FPSCR_UX;
        }
    }
    if (inexact)
        res->exc |= FPSCR_XX;
    res->bits = encode(sign, q, lsb);
    if (!q)
        res->set |= sign ? FPRF_NZERO : FPRF_PZERO;
    else if (denorm && !(q >> (p - 1)))
        res->set |= sign ? FPRF_NDEN : FPRF_PDEN;
    else
        res->set |= sign ? FPRF_NNORM : FPRF_PNORM;
}

/* m * 2^e moved so that its LSB has exponent lsb; bits shifted out are
 * jammed into bit 0 (they stay below every rounding position we use) */
static u128 place(u128 m, int e, int lsb)
{
    int sh = e - lsb;
    if (sh >= 0)
        return m << sh;
    sh = -sh;
    if (sh >= 128)
        return 1;
    u128 out = m >> sh;
    if (m & (((u128)1 << sh) - 1))
        out |= 1;
    return out;
}

/* Round (-1)^sa ma 2^ea + (-1)^sb mb 2^eb (each mantissa below 2^107) */
static void add_exact(const RCtx *c, bool sa, int ea, u128 ma, bool sb, int eb, u128 mb,
                      FPResult *res)
{
    /* an exact zero sum is -0 only in round-to-minus-infinity, or when
     * both addends are -0 (PEM 3.3.8 "Sign of result") */
    if (!ma && !mb) {
        set_zero(res, sa == sb ? sa : c->rn == FP_RN_MINF);
        return;
    }
    if (!ma) {
        round_pack(c, sb, eb, mb, res);
        return;
    }
    if (!mb) {
        round_pack(c, sa, ea, ma, res);
        return;
    }
    int ta = ea + 128 - clz128(ma), tb = eb + 128 - clz128(mb);
    int lsb = (ta > tb ? ta : tb) - 125;
    ma = place(ma, ea, lsb);
    mb = place(mb, eb, lsb);
    if (sa == sb)
        round_pack(c, sa, lsb, ma + mb, res);
    else if (ma > mb)
        round_pack(c, sa, lsb, ma - mb, res);
    else if (mb > ma)
        round_pack(c, sb, lsb, mb - ma, res);
    else
        set_zero(res, c->rn == FP_RN_MINF);
}

static void quotient(const RCtx *c, Unp a, Unp b, FPResult *res)
{
    int na = __builtin_clzll(a.m) - 11, nb = __builtin_clzll(b.m) - 11;
    uint64_t ma = a.m << na, mb = b.m << nb; /* bit 52 set */
    u128 num = (u128)ma << 75;
    u128 q = num / mb;
    if (num % mb)
        q |= 1; /* sticky: q has at least 74 significant bits */
    round_pack(c, a.sign ^ b.sign, (a.exp - na) - (b.exp - nb) - 75, q, res);
}

/* Single-precision multiplies (fmuls, fmadds...) on the 750 use frC with
 * its significand rounded to 25 bits (24 fraction bits, one more than
 * single), half away from zero whatever FPSCR[RN] says: of the candidate
 * widths and roundings only this reproduces all 190 finite fmuls/fm*adds/
 * fm*subs hardware vectors (single width fails 4).  The rounding happens
 * inside the multiplier, on the unpacked operand, which explains the
 * out-of-range cases measured on 750CL silicon (issue 14): a double
 * denormal frC is normalized first (2^1023 x (2^26-1) 2^-1074 = 2^-25), an
 * frC near DBL_MAX rounds up to 2^1024 without becoming an infinity
 * (2^-1074 x DBL_MAX = 2^-50 exactly, 0 x DBL_MAX = 0), and the rounding
 * itself never sets FI or XX.  frC must be finite and nonzero. */
static Unp frc_round25(uint64_t c)
{
    Unp u = unpack(c);
    int n = __builtin_clzll(u.m) - 11; /* normalize: bit 52 set */
    u.m <<= n;
    u.exp -= n;
    /* keep 25 of the 53 bits; a carry gives 2^25, still exact */
    u.m = (u.m + (1ull << 27)) >> 28;
    u.exp += 28;
    return u;
}

/* The same rounding on the FPR bit pattern, for the host fast paths: valid
 * for a normal frC whose rounding stays in the double range.  Anything
 * else (zero, denormal, infinity, NaN, a round-up past DBL_MAX) yields
 * +infinity, which no fast path accepts, so the instruction reaches the
 * software model with its original operand. */
uint64_t fpsoft_round_frc(uint64_t c)
{
    uint64_t r = (c + 0x08000000ull) & ~0x0FFFFFFFull;
    unsigned e = (c >> 52) & 0x7FF, er = (r >> 52) & 0x7FF;
    if (e - 1u >= 0x7FEu || er == 0x7FF)
        return FP_EXP;
    return r;
}

static uint64_t quiet_nan(uint64_t x, bool single)
{
    x |= FP_QBIT;
    /* a single-precision result NaN is truncated to single width, as
     * frsp does (PEM D.7) */
    return single ? x & ~0x1FFFFFFFull : x;
}

static bool invalid(uint32_t fpscr, uint32_t vx, FPResult *res)
{
    res->exc |= vx;
    if (fpscr & FPSCR_VE) {
        /* enabled: frD and FPRF untouched, FR/FI cleared (PEM 3.3.6.1) */
        res->write = false;
        res->clear = FPSCR_FR | FPSCR_FI;
        return true;
    }
    res->bits = FP_DEFAULT_QNAN;
    res->set = FPRF_QNAN;
    return true;
}

/* NaN operands: returns true when the result is settled.  ops[] in the
 * PEM's priority order frA, frB, frC (PEM 3.3.7) */
static bool nan_operands(uint32_t fpscr, bool single, const uint64_t *ops, int n, FPResult *res)
{
    int first = -1;
    bool snan = false;
    for (int i = 0; i < n; i++) {
        if (fp_is_nan(ops[i]) && first < 0)
            first = i;
        snan |= fp_is_snan(ops[i]);
    }
    if (first < 0)
        return false;
    if (snan) {
        res->exc |= FPSCR_VXSNAN;
        if (fpscr & FPSCR_VE) {
            res->write = false;
            res->clear = FPSCR_FR | FPSCR_FI;
            return true;
        }
    }
    res->bits = quiet_nan(ops[first], single);
    res->set = FPRF_QNAN;
    return true;
}

static bool is_inf(uint64_t x) { return (x & ~FP_SIGN) == FP_EXP; }
static bool is_zero(uint64_t x) { return !(x & ~FP_SIGN); }

/* fmadd family with frA x frC = 0 x inf and a NaN frB: the 750 signals
 * VXIMZ as well as VXSNAN for an SNaN addend (0 x -inf + SNaN gives the
 * quieted SNaN with FPSCR 0xA1111000 from 0 on 750CL silicon, issue 14):
 * the multiplier checks its operands whatever the addend is.  With a QNaN
 * addend the same check is assumed (not measured; IEEE 754-2008 7.2 lets
 * the implementation choose).  The result is the addend NaN (PEM 3.3.7).
 * Returns true when the result is settled. */
static bool imz_nan_addend(uint32_t fpscr, uint64_t a, uint64_t b, uint64_t c, FPResult *res)
{
    if (!fp_is_nan(b) || fp_is_nan(a) || fp_is_nan(c) ||
        !((is_zero(a) && is_inf(c)) || (is_inf(a) && is_zero(c))))
        return false;
    res->exc = FPSCR_VXIMZ | (fp_is_snan(b) ? FPSCR_VXSNAN : 0);
    if (fpscr & FPSCR_VE) {
        /* enabled: frD and FPRF untouched, FR/FI cleared (PEM 3.3.6.1) */
        res->write = false;
        res->clear = FPSCR_FR | FPSCR_FI;
        return true;
    }
    return false;
}

static void set_inf(FPResult *res, bool sign)
{
    res->bits = FP_EXP | ((uint64_t)sign << 63);
    res->set = sign ? FPRF_NINF : FPRF_PINF;
}

static void do_add(const RCtx *c, uint32_t fpscr, uint64_t a, uint64_t b, FPResult *res)
{
    if (is_inf(a) || is_inf(b)) {
        if (is_inf(a) && is_inf(b) && ((a ^ b) >> 63)) {
            invalid(fpscr, FPSCR_VXISI, res);
            return;
        }
        set_inf(res, (is_inf(a) ? a : b) >> 63);
        return;
    }
    Unp ua = unpack(a), ub = unpack(b);
    add_exact(c, ua.sign, ua.exp, ua.m, ub.sign, ub.exp, ub.m, res);
}

/* frC as the multiplier sees it (finite and nonzero) */
static Unp mul_operand(const RCtx *c, uint64_t x)
{
    return c->frc25 ? frc_round25(x) : unpack(x);
}

static void do_mul(const RCtx *c, uint32_t fpscr, uint64_t a, uint64_t b, FPResult *res)
{
    bool sign = (a ^ b) >> 63;
    if (is_inf(a) || is_inf(b)) {
        if (is_zero(a) || is_zero(b))
            invalid(fpscr, FPSCR_VXIMZ, res);
        else
            set_inf(res, sign);
        return;
    }
    if (is_zero(a) || is_zero(b)) {
        set_zero(res, sign);
        return;
    }
    Unp ua = unpack(a), ub = mul_operand(c, b);
    round_pack(c, sign, ua.exp + ub.exp, (u128)ua.m * ub.m, res);
}

static void do_div(const RCtx *c, uint32_t fpscr, uint64_t a, uint64_t b, FPResult *res)
{
    bool sign = (a ^ b) >> 63;
    if (is_inf(a)) {
        if (is_inf(b))
            invalid(fpscr, FPSCR_VXIDI, res);
        else
            set_inf(res, sign);
        return;
    }
    if (is_inf(b)) {
        set_zero(res, sign);
        return;
    }
    if (is_zero(b)) {
        if (is_zero(a)) {
            invalid(fpscr, FPSCR_VXZDZ, res);
            return;
        }
        res->exc |= FPSCR_ZX;
        if (fpscr & FPSCR_ZE) {
            /* enabled zero divide: frD and FPRF untouched (PEM 3.3.6.1.2) */
            res->write = false;
            res->clear = FPSCR_FR | FPSCR_FI;
            return;
        }
        set_inf(res, sign);
        return;
    }
    if (is_zero(a)) {
        set_zero(res, sign);
        return;
    }
    quotient(c, unpack(a), unpack(b), res);
}

/* a*c + b (sub: a*c - b), before any final negation */
static void do_fma(const RCtx *c, uint32_t fpscr, uint64_t a, uint64_t b, uint64_t cc, bool sub,
                   FPResult *res)
{
    if (sub)
        b ^= FP_SIGN;
    bool psign = (a ^ cc) >> 63;
    if (is_inf(a) || is_inf(cc)) {
        if (is_zero(a) || is_zero(cc)) {
            invalid(fpscr, FPSCR_VXIMZ, res);
            return;
        }
        if (is_inf(b) && (b >> 63) != psign) {
            invalid(fpscr, FPSCR_VXISI, res);
            return;
        }
        set_inf(res, psign);
        return;
    }
    if (is_inf(b)) {
        set_inf(res, b >> 63);
        return;
    }
    Unp ua = unpack(a), ub = unpack(b);
    if (is_zero(a) || is_zero(cc)) {
        add_exact(c, psign, 0, 0, ub.sign, ub.exp, ub.m, res);
        return;
    }
    Unp uc = mul_operand(c, cc);
    add_exact(c, psign, ua.exp + uc.exp, (u128)ua.m * uc.m, ub.sign, ub.exp, ub.m, res);
}

static void do_rsp(const RCtx *c, uint64_t b, FPResult *res)
{
    if (is_inf(b)) {
        set_inf(res, b >> 63);
        return;
    }
    Unp u = unpack(b);
    if (!u.m) {
        set_zero(res, u.sign);
        return;
    }
    round_pack(c, u.sign, u.exp, u.m, res);
}

static void do_res(const RCtx *c, uint32_t fpscr, uint64_t b, FPResult *res)
{
    /* fres: 1/x rounded to single; it is within the architected 1/4096 */
    do_div(c, fpscr, 0x3FF0000000000000ull, b, res);
}

void fpsoft_arith(FPOpKind kind, bool single, uint32_t fpscr, uint64_t a, uint64_t b, uint64_t c,
                  FPResult *res)
{
    bool fused = kind >= FPOP_MADD && kind <= FPOP_NMSUB;
    RCtx ctx = { fpscr & FPSCR_RN, fpscr & FPSCR_OE, fpscr & FPSCR_UE, fpscr & FPSCR_NI, single,
                 single && (kind == FPOP_MUL || fused) };
    res->exc = 0;
    res->clear = FPSCR_FR | FPSCR_FI | FPSCR_FPRF;
    res->set = 0;
    res->write = true;
    res->bits = 0;
    if (fused && imz_nan_addend(fpscr, a, b, c, res))
        return;
    uint64_t ops[3];
    int n;
    switch (kind) {
    case FPOP_MUL: ops[0] = a; ops[1] = c; n = 2; break;
    case FPOP_RSP: case FPOP_RES: ops[0] = b; n = 1; break;
    default: ops[0] = a; ops[1] = b; ops[2] = c; n = fused ? 3 : 2; break;
    }
    if (nan_operands(fpscr, single, ops, n, res))
        return;
    switch (kind) {
    case FPOP_ADD: do_add(&ctx, fpscr, a, b, res); break;
    case FPOP_SUB: do_add(&ctx, fpscr, a, b ^ FP_SIGN, res); break;
    case FPOP_MUL: do_mul(&ctx, fpscr, a, c, res); break;
    case FPOP_DIV: do_div(&ctx, fpscr, a, b, res); break;
    case FPOP_RSP: do_rsp(&ctx, b, res); break;
    case FPOP_RES: do_res(&ctx, fpscr, b, res); break;
    default:
        do_fma(&ctx, fpscr, a, b, c, kind == FPOP_MSUB || kind == FPOP_NMSUB, res);
        /* fnmadd/fnmsub: negate the rounded result; a NaN keeps its sign
         * (PEM 4.6.5.2 fnmadd) */
        if ((kind == FPOP_NMADD || kind == FPOP_NMSUB) && res->write &&
            (res->set & FPSCR_FPRF) != FPRF_QNAN) {
            res->bits ^= FP_SIGN;
            res->set = (res->set & ~FPSCR_FPRF) | fprf_negate(res->set & FPSCR_FPRF);
        }
        break;
    }
}
