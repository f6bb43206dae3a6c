/* The integer instruction vectors captured on PowerPC 750-family hardware
 * (../shared/testdata/ppc750-vectors/ppcinttests.csv, see its README):
 * r3 = rA, r4 = rB, XER = 0, CR = 0, run the word, compare r3 (not for the
 * CMP family), XER and CR.  Skips when the file is absent. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/cpuenv.h"

#define VEC_DEFAULT_DIR "../shared/testdata/ppc750-vectors"
#define VEC_MAX_SHOWN 20

typedef struct IntVector {
    char mnem[16];
    uint32_t insn, rd, ra, rb, xer, cr;
} IntVector;

static FILE *open_vectors(char *path, size_t len)
{
    const char *dir = getenv("PPC750_VECTORS_DIR");
    snprintf(path, len, "%s/ppcinttests.csv", dir && *dir ? dir : VEC_DEFAULT_DIR);
    return fopen(path, "r");
}

/* Parse "MNEM,0xINSN,key=0x..,..." ; absent fields are 0 */
static bool parse_line(const char *line, IntVector *v)
{
    memset(v, 0, sizeof(*v));
    const char *c = strchr(line, ',');
    if (!c || c - line >= (long)sizeof(v->mnem))
        return false;
    memcpy(v->mnem, line, (size_t)(c - line));
    char *end;
    v->insn = (uint32_t)strtoul(c + 1, &end, 16);
    if (end == c + 1)
        return false;
    for (const char *p = end; (p = strchr(p, ',')) != NULL;) {
        p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            return false;
        uint32_t val = (uint32_t)strtoul(eq + 1, NULL, 16);
        size_t klen = (size_t)(eq - p);
        if (klen == 2 && !strncmp(p, "rD", 2)) v->rd = val;
        else if (klen == 2 && !strncmp(p, "rA", 2)) v->ra = val;
        else if (klen == 2 && !strncmp(p, "rB", 2)) v->rb = val;
        else if (klen == 3 && !strncmp(p, "XER", 3)) v->xer = val;
        else if (klen == 2 && !strncmp(p, "CR", 2)) v->cr = val;
        else return false;
    }
    return true;
}

/* Runs one vector; returns true when the result matches */
static bool run_vector(CpuEnv *e, const IntVector *v, char *why, size_t len)
{
    PPCState *s = &e->cpu;
    s->gpr[3] = v->ra;
    s->gpr[4] = v->rb;
    s->xer = 0;
    s->cr = 0;
    int r = cpuenv_exec1(e, v->insn);
    bool is_cmp = !strncmp(v->mnem, "CMP", 3);
    bool ok = r == PPC_RUN_BUDGET && s->pc == 4 && s->xer == v->xer && s->cr == v->cr &&
              (is_cmp || s->gpr[3] == v->rd);
    if (!ok)
        snprintf(why, len,
                 "%s 0x%08X rA=0x%08X rB=0x%08X: got rD=0x%08X XER=0x%08X CR=0x%08X pc=0x%X, "
                 "want rD=0x%08X XER=0x%08X CR=0x%08X",
                 v->mnem, v->insn, v->ra, v->rb, s->gpr[3], s->xer, s->cr, s->pc, v->rd, v->xer,
                 v->cr);
    return ok;
}

START_TEST(hardware_int_vectors)
{
    char path[512], line[256], why[320];
    FILE *f = open_vectors(path, sizeof path);
    if (!f) {
        printf("vectors_int: SKIP: %s not found (set PPC750_VECTORS_DIR)\n", path);
        return;
    }
    CpuEnv *e = cpuenv_new(1);
    unsigned total = 0, passed = 0, bad_lines = 0;
    while (fgets(line, sizeof line, f)) {
        IntVector v;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (!parse_line(line, &v)) {
            bad_lines++;
            continue;
        }
        total++;
        if (run_vector(e, &v, why, sizeof why))
            passed++;
        else if (total - passed <= VEC_MAX_SHOWN)
            printf("vectors_int: MISMATCH %s\n", why);
    }
    fclose(f);
    cpuenv_free(e);
    printf("vectors_int: %u/%u hardware integer vectors passed (%s)\n", passed, total, path);
    fflush(stdout); /* check's forked child may end before stdio flushes */
    ck_assert_msg(bad_lines == 0, "%u unparsable lines in %s", bad_lines, path);
    ck_assert_msg(total > 0, "no vectors in %s", path);
    ck_assert_msg(passed == total, "%u of %u vectors mismatched", total - passed, total);
}
END_TEST

Suite *suite_vectors_int(void)
{
    Suite *s = suite_create("vectors_int");
    TCase *tc = tcase_create("hardware");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hardware_int_vectors);
    suite_add_tcase(s, tc);
    return s;
}
