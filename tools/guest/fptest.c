/*
 * fptest: a small floating-point check for the ppcemu Linux guest.
 *
 * Computes a few values with IEEE double/single arithmetic (series, Newton
 * iterations, a fused multiply-add, conversions, a subnormal, an overflow)
 * and compares their bit patterns with the expected ones, which were
 * obtained from an x86-64 host (SSE2, which is IEEE 754 round-to-nearest
 * like the 750's FPU with FPSCR[RN] = 0) compiling this same file with
 * -ffp-contract=off. It prints one line per value and a final
 * "fptest: PASS" or "fptest: FAIL (N)"; the exit status is the failure count.
 *
 * Inputs are read through volatile variables so the compiler cannot fold
 * the arithmetic at build time: the guest CPU has to do it (lfd/stfd, fadd,
 * fmul, fdiv, fmadd, frsp, fctiwz...).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile double v_one = 1.0, v_two = 2.0, v_tenth = 0.1, v_ten = 10.0;
static volatile double v_five = 5.0, v_239 = 239.0, v_big = 1e308;
static volatile double v_neg = -7.9, v_min = 2.2250738585072014e-308;
static volatile float v_tenth_f = 0.1f;
static volatile int v_int = 123456789;
static volatile long long v_ll = 9007199254740993LL; /* 2^53 + 1 */

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* atan(1/x) by its Taylor series: sum (-1)^k / ((2k+1) x^(2k+1)). */
static double atan_inv(double x, int terms)
{
    double x2 = x * x, p = x, sum = 0.0;
    for (int k = 0; k < terms; k++) {
        double t = 1.0 / ((2 * k + 1) * p);
        sum = (k & 1) ? sum - t : sum + t;
        p *= x2;
    }
    return sum;
}

static double basel(void)           /* sum 1/k^2, k = 1..1000 */
{
    double s = 0.0;
    for (int k = 1000; k >= 1; k--)
        s += v_one / ((double)k * k);
    return s;
}

static double newton_sqrt2(void)
{
    double x = v_one;
    for (int i = 0; i < 6; i++)
        x = 0.5 * (x + v_two / x);
    return x;
}

static double euler(void)           /* sum 1/n!, n = 0..20 */
{
    double s = 0.0, f = v_one;
    for (int n = 1; n <= 21; n++) {
        s += 1.0 / f;
        f *= n;
    }
    return s;
}

static double machin_pi(void)
{
    return 16.0 * atan_inv(v_five, 12) - 4.0 * atan_inv(v_239, 4);
}

static double float_sum(void)       /* single precision: 0.1f added 1000 times */
{
    float s = 0.0f;
    for (int i = 0; i < 1000; i++)
        s += v_tenth_f;
    return s;
}

struct check {
    const char *name;
    double got;
    uint64_t want;
};

int main(void)
{
    struct check c[] = {
        { "basel1000", basel(), 0x3ffa4d8e550a9466ULL },
        { "sqrt2", newton_sqrt2(), 0x3ff6a09e667f3bccULL },
        { "e", euler(), 0x4005bf0a8b14576aULL },
        { "pi", machin_pi(), 0x400921fb54442d1aULL },
        { "floatsum", float_sum(), 0x4058fff060000000ULL },
        { "fma", fma(v_tenth, v_ten, -v_one), 0x3c90000000000000ULL },
        { "trunc", (double)(int)v_neg, 0xc01c000000000000ULL },
        { "intdiv", (double)v_int / 7.0, 0x4170d1d4c2492492ULL },
        { "ll2d", (double)v_ll, 0x4340000000000000ULL },
        { "subnormal", v_min / 3.0, 0x0005555555555555ULL },
        { "overflow", v_big * v_ten, 0x7ff0000000000000ULL },
    };
    int n = sizeof c / sizeof c[0], bad = 0;

    for (int i = 0; i < n; i++) {
        int ok = bits(c[i].got) == c[i].want;
        printf("fptest: %-10s %.17g 0x%016llx %s\n", c[i].name, c[i].got,
               (unsigned long long)bits(c[i].got), ok ? "ok" : "BAD");
        if (!ok) {
            printf("fptest:   want 0x%016llx\n", (unsigned long long)c[i].want);
            bad++;
        }
    }
    if (bad)
        printf("fptest: FAIL (%d)\n", bad);
    else
        printf("fptest: PASS\n");
    return bad;
}
