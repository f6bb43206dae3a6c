/* Cross-check of the host fast paths (round-to-nearest) against the
 * integer software model: random operands biased toward the hard cases
 * (single-precision ties, cancellation in fused multiply-add, ranges near
 * underflow and overflow, short mantissas that make exact results). The
 * two are independent implementations: the fast path uses host doubles
 * and error-free transformations, the model 128-bit integers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/fpu.h"
#include "tests/lib/cpuenv.h"

/* cases per instruction; FPU_CROSS_N and FPU_CROSS_SEED override (for
 * long offline runs) */
#define N_PER_OP 12000

typedef struct {
    const char *name;
    uint32_t insn; /* frD = f4, frA = f1, frB = f2, frC = f3 */
    FPOpKind kind;
    bool single;
} CrossOp;

#define A_FORM(p, xo) (((uint32_t)(p) << 26) | (4u << 21) | (1u << 16) | (2u << 11) | (3u << 6) | ((xo) << 1))

static const CrossOp cross_ops[] = {
    { "fadd", A_FORM(63, 21), FPOP_ADD, false }, { "fadds", A_FORM(59, 21), FPOP_ADD, true },
    { "fsub", A_FORM(63, 20), FPOP_SUB, false }, { "fsubs", A_FORM(59, 20), FPOP_SUB, true },
    { "fmul", A_FORM(63, 25), FPOP_MUL, false }, { "fmuls", A_FORM(59, 25), FPOP_MUL, true },
    { "fdiv", A_FORM(63, 18), FPOP_DIV, false }, { "fdivs", A_FORM(59, 18), FPOP_DIV, true },
    { "fmadd", A_FORM(63, 29), FPOP_MADD, false }, { "fmadds", A_FORM(59, 29), FPOP_MADD, true },
    { "fmsub", A_FORM(63, 28), FPOP_MSUB, false }, { "fmsubs", A_FORM(59, 28), FPOP_MSUB, true },
    { "fnmadd", A_FORM(63, 31), FPOP_NMADD, false }, { "fnmadds", A_FORM(59, 31), FPOP_NMADD, true },
    { "fnmsub", A_FORM(63, 30), FPOP_NMSUB, false }, { "fnmsubs", A_FORM(59, 30), FPOP_NMSUB, true },
    { "frsp", (63u << 26) | (4u << 21) | (2u << 11) | (12u << 1), FPOP_RSP, true },
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t make(bool sign, int exp, uint64_t frac)
{
    return ((uint64_t)sign << 63) | ((uint64_t)(exp & 0x7FF) << 52) | (frac & FP_FRAC);
}

static uint64_t rnd_operand(void)
{
    uint64_t r = rnd(), f = rnd();
    bool sign = r & 1;
    switch ((r >> 1) % 12) {
    case 0: return make(sign, 1023 + (int)((r >> 8) % 41) - 20, f & ~0x1FFFFFFFull); /* single */
    case 1: return make(sign, 1023 + (int)((r >> 8) % 9) - 4, f & ~((1ull << 44) - 1)); /* short */
    case 2: return make(sign, 897 + (int)((r >> 8) % 8) - 4, f);            /* single edge */
    case 3: return make(sign, 1150 + (int)((r >> 8) % 6) - 4, f);           /* single top */
    case 4: return make(sign, 1 + (int)((r >> 8) % 60), f);                 /* tiny doubles */
    case 5: return make(sign, 2046 - (int)((r >> 8) % 60), f);              /* huge doubles */
    case 6: return make(sign, 460 + (int)((r >> 8) % 80), f);               /* small products */
    case 7: return (r >> 8) & 1 ? make(sign, 0, 0) : make(sign, 1023, f & ~0x1FFFFFFFull); /* zeros */
    default: return make(sign, 1023 + (int)((r >> 8) % 61) - 30, f);
    case 8: return make(sign, 1023 + (int)((r >> 8) % 61) - 30, f);
    /* double denormals (a single multiply normalizes such an frC) */
    case 10: return make(sign, 0, f >> ((r >> 8) % 52));
    /* fraction 24 top bits set: a single multiply's frC rounding carries
     * into the exponent, past DBL_MAX at the top */
    case 11: return make(sign, 2046 - (int)((r >> 8) % 3) * 1000, f | 0x000FFFFFF8000000ull);
    }
}

static uint32_t expected_fpscr(const FPResult *r, uint32_t mode)
{
    uint32_t f = r->set | r->exc | mode;
    if (r->exc)
        f |= FPSCR_FX;
    if (r->exc & FPSCR_VX_ALL)
        f |= FPSCR_VX;
    return f;
}

START_TEST(fast_paths_match_model)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    unsigned nops = sizeof cross_ops / sizeof cross_ops[0], bad = 0;
    const char *env_n = getenv("FPU_CROSS_N"), *env_seed = getenv("FPU_CROSS_SEED");
    unsigned long per_op = env_n ? strtoul(env_n, NULL, 0) : N_PER_OP;
    if (env_seed)
        rng_state = strtoull(env_seed, NULL, 0) | 1;
    for (unsigned i = 0; i < nops; i++)
        cpuenv_put_code(e, 0x100 + 4 * i, &cross_ops[i].insn, 1);
    for (unsigned i = 0; i < nops; i++) {
        const CrossOp *o = &cross_ops[i];
        for (unsigned long n = 0; n < per_op; n++) {
            uint64_t a = rnd_operand(), b = rnd_operand(), c = rnd_operand();
            if (o->kind != FPOP_MUL && o->kind != FPOP_DIV && o->kind != FPOP_RSP && !(rnd() & 3)) {
                /* a single, b half its single ulp plus a speck: the double
                 * sum sits exactly on a single midpoint, the exact sum not */
                a &= ~0x1FFFFFFFull;
                int ea = (int)((a >> 52) & 0x7FF);
                b = make(rnd() & 1, ea - 24, rnd() & 0xFFFFF);
                c = 0x3FF0000000000000ull; /* fused: a * 1 + b */
            } else if (o->kind >= FPOP_MADD && (rnd() & 1)) {
                /* b close to -a*c: deep cancellation */
                double da, dc, p;
                memcpy(&da, &a, 8);
                memcpy(&dc, &c, 8);
                p = -(da * dc);
                if (o->kind == FPOP_MSUB || o->kind == FPOP_NMSUB)
                    p = -p;
                memcpy(&b, &p, 8);
                b += (int64_t)(rnd() % 5) - 2;
            }
            /* mostly round-to-nearest (the fast paths), some directed */
            uint32_t mode = (n & 3) == 3 ? (uint32_t)(rnd() & 3) : 0;
            FPResult want;
            fpsoft_arith(o->kind, o->single, mode, a, b, c, &want);
            s->fpr[1] = a;
            s->fpr[2] = b;
            s->fpr[3] = c;
            s->fpr[4] = 0;
            s->fpscr = mode;
            s->msr = MSR_FP;
            s->pc = 0x100 + 4 * i;
            ppc_run(s, 1);
            uint32_t wf = expected_fpscr(&want, mode);
            if (s->fpr[4] != want.bits || s->fpscr != wf) {
                if (++bad <= 10)
                    printf("fpu_cross: %s a=%016llx b=%016llx c=%016llx: got %016llx/%08x, model %016llx/%08x\n",
                           o->name, (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
                           (unsigned long long)s->fpr[4], s->fpscr, (unsigned long long)want.bits, wf);
            }
        }
    }
    fflush(stdout);
    cpuenv_free(e);
    ck_assert_uint_eq(bad, 0);
}
END_TEST

Suite *suite_fpu_cross(void)
{
    Suite *s = suite_create("fpu_cross");
    TCase *tc = tcase_create("fast_vs_model");
    tcase_set_timeout(tc, 3600);
    tcase_add_test(tc, fast_paths_match_model);
    suite_add_tcase(s, tc);
    return s;
}
