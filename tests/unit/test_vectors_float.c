/* The hardware float vectors (../shared/testdata/ppc750-vectors/
 * ppcfloattests.csv, captured on 750-family silicon; format in its
 * README): each case runs one instruction with f4/f5/f6 = frA/frB/frC,
 * f3 = +0.0, FPSCR from round=, CR = 0, and must reproduce f3 (except for
 * compares), FPSCR and CR bit for bit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/cpuenv.h"

#define VEC_FILE "ppcfloattests.csv"
#define MAX_REPORT 25

typedef struct {
    char mnem[16];
    uint32_t insn;
    uint32_t fpscr_in;
    uint64_t frd, fra, frb, frc;
    uint32_t fpscr, cr;
} FloatCase;

static uint64_t parse_value(const char *v)
{
    static const struct { const char *name; uint64_t bits; } tok[] = {
        { "snan", 0x7FF4000000000000ull }, { "qnan", 0x7FF8000000000000ull },
        { "inf", 0x7FF0000000000000ull }, { "-inf", 0xFFF0000000000000ull },
        { "FLT_MAX", 0x47EFFFFFE0000000ull }, { "-FLT_MAX", 0xC7EFFFFFE0000000ull },
        { "DBL_MAX", 0x7FEFFFFFFFFFFFFFull }, { "-DBL_MAX", 0xFFEFFFFFFFFFFFFFull },
    };
    for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++)
        if (!strcmp(v, tok[i].name))
            return tok[i].bits;
    double d = strtod(v, NULL);
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static uint32_t parse_round(const char *v)
{
    if (!strcmp(v, "RTZ")) return 1;
    if (!strcmp(v, "RPI")) return 2;
    if (!strcmp(v, "RNI")) return 3;
    if (!strcmp(v, "VEN")) return 0x80;
    return 0; /* RTN */
}

static bool parse_line(char *line, FloatCase *c)
{
    memset(c, 0, sizeof *c);
    char *save = NULL, *f = strtok_r(line, ",\r\n", &save);
    if (!f)
        return false;
    snprintf(c->mnem, sizeof c->mnem, "%s", f);
    f = strtok_r(NULL, ",\r\n", &save);
    if (!f)
        return false;
    c->insn = (uint32_t)strtoul(f, NULL, 16);
    while ((f = strtok_r(NULL, ",\r\n", &save))) {
        char *eq = strchr(f, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *k = f, *v = eq + 1;
        if (!strcmp(k, "round")) c->fpscr_in = parse_round(v);
        else if (!strcmp(k, "frD")) c->frd = strtoull(v, NULL, 16);
        else if (!strcmp(k, "frA")) c->fra = parse_value(v);
        else if (!strcmp(k, "frB")) c->frb = parse_value(v);
        else if (!strcmp(k, "frC")) c->frc = parse_value(v);
        else if (!strcmp(k, "FPSCR")) c->fpscr = (uint32_t)strtoul(v, NULL, 16);
        else if (!strcmp(k, "CR")) c->cr = (uint32_t)strtoul(v, NULL, 16);
    }
    return true;
}

static FILE *open_vectors(char *path, size_t len)
{
    const char *dir = getenv("PPC750_VECTORS_DIR");
    snprintf(path, len, "%s/%s", dir && *dir ? dir : "../shared/testdata/ppc750-vectors", VEC_FILE);
    return fopen(path, "r");
}

/* Runs one case; returns true when everything matches */
static bool run_case(CpuEnv *e, const FloatCase *c, char *why, size_t len)
{
    PPCState *s = &e->cpu;
    s->fpr[3] = 0;
    s->fpr[4] = c->fra;
    s->fpr[5] = c->frb;
    s->fpr[6] = c->frc;
    s->fpscr = c->fpscr_in;
    s->cr = 0;
    s->msr = MSR_FP;
    cpuenv_exec1(e, c->insn);
    bool cmp = !strncmp(c->mnem, "FCMP", 4);
    bool ok = s->fpscr == c->fpscr && s->cr == c->cr && (cmp || s->fpr[3] == c->frd) && s->pc == 4;
    if (!ok)
        snprintf(why, len, "frD %016llx (want %016llx) FPSCR %08x (want %08x) CR %08x (want %08x) pc %x",
                 (unsigned long long)s->fpr[3], (unsigned long long)c->frd, s->fpscr, c->fpscr,
                 s->cr, c->cr, s->pc);
    return ok;
}

START_TEST(hardware_float_vectors)
{
    char path[512], line[512], orig[512], why[256];
    FILE *f = open_vectors(path, sizeof path);
    if (!f) {
        printf("vectors_float: SKIP: %s not found (set PPC750_VECTORS_DIR)\n", path);
        fflush(stdout);
        return;
    }
    CpuEnv *e = cpuenv_new(1);
    unsigned total = 0, passed = 0;
    while (fgets(line, sizeof line, f)) {
        FloatCase c;
        snprintf(orig, sizeof orig, "%s", line);
        orig[strcspn(orig, "\r\n")] = 0;
        if (!parse_line(line, &c))
            continue;
        total++;
        if (run_case(e, &c, why, sizeof why))
            passed++;
        else if (total - passed <= MAX_REPORT)
            printf("vectors_float: MISMATCH %s\n    got %s\n", orig, why);
    }
    fclose(f);
    cpuenv_free(e);
    printf("vectors_float: %u of %u hardware float vectors pass\n", passed, total);
    fflush(stdout);
    ck_assert_uint_gt(total, 0);
    ck_assert_uint_eq(passed, total);
}
END_TEST

Suite *suite_vectors_float(void)
{
    Suite *s = suite_create("vectors_float");
    TCase *tc = tcase_create("hardware");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hardware_float_vectors);
    suite_add_tcase(s, tc);
    return s;
}
