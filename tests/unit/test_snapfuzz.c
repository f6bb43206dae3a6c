/* Damaged REAL machine snapshots: a 16 MiB virt machine runs a guest
 * program, is saved, and the file is then truncated at every kind of
 * length and mutated (bytes changed, bits flipped, garbage appended)
 * thousands of times.  Every variant must be refused by the monitor's
 * loadvm with one line naming the problem, and leave the live machine
 * exactly as it was.  PPCEMU_SNAPFUZZ_VARIANTS sets how many mutations
 * (`make fuzz-snapshot` runs many more), PPCEMU_SNAPFUZZ_SEED the seed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/snapenv.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_VARIANTS 1500
#else
#define DEFAULT_VARIANTS 4000
#endif

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned env_uint(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    return v && *v ? (unsigned)strtoul(v, NULL, 0) : dflt;
}

typedef struct Fuzz {
    SnapEnv *e;
    uint8_t *good;
    size_t len;
    char path[200];
    uint32_t digest, digest_ram;
    unsigned tried;
} Fuzz;

/* One variant: refused, one line, machine unchanged (RAM checked every
 * 64th time: a failed load never gets as far as touching it anyway) */
static void try_variant(Fuzz *f, const uint8_t *p, size_t n, const char *what)
{
    ck_assert_int_eq(snapenv_write_file(f->path, p, n), 0);
    int r = snapenv_mon(f->e, "loadvm %s", f->path);
    ck_assert_msg(r == -1, "%s (variant %u, %zu bytes) was accepted", what, f->tried, n);
    const char *nl = strchr(f->e->out, '\n');
    ck_assert_msg(nl && !nl[1] && !strncmp(f->e->out, "loadvm: ", 8),
                  "%s (variant %u): not one line: %s", what, f->tried, f->e->out);
    bool ram = f->tried % 64 == 0;
    ck_assert_msg(snapenv_digest(f->e, ram) == (ram ? f->digest_ram : f->digest),
                  "%s (variant %u) changed the machine", what, f->tried);
    f->tried++;
}

static void truncations(Fuzz *f)
{
    /* every length inside the header and the first sections, then a
     * spread over the rest */
    size_t dense = f->len < 1024 ? f->len : 1024;
    for (size_t n = 0; n < dense; n++)
        try_variant(f, f->good, n, "truncated");
    for (size_t n = dense; n < f->len; n += 1 + f->len / 1000)
        try_variant(f, f->good, n, "truncated");
    try_variant(f, f->good, f->len - 1, "truncated");
}

static void mutations(Fuzz *f, unsigned count)
{
    uint8_t *p = malloc(f->len + 64);
    for (unsigned i = 0; i < count; i++) {
        memcpy(p, f->good, f->len);
        size_t n = f->len;
        unsigned kind = (unsigned)(next() % 4);
        if (kind == 0) { /* one bit */
            size_t at = next() % n;
            p[at] ^= (uint8_t)(1u << (next() % 8));
        } else if (kind == 1) { /* a few bytes, each really changed */
            unsigned k = 1 + (unsigned)(next() % 4);
            for (unsigned j = 0; j < k; j++)
                p[next() % n] ^= (uint8_t)(1 + next() % 255);
        } else if (kind == 2) { /* a byte in the header or the trailer */
            size_t at = next() % 2 ? next() % 64 : n - 1 - next() % 8;
            p[at] ^= (uint8_t)(1 + next() % 255);
        } else { /* garbage after the end */
            size_t k = 1 + next() % 64;
            for (size_t j = 0; j < k; j++)
                p[n + j] = (uint8_t)next();
            n += k;
        }
        try_variant(f, p, n, "mutated");
    }
    free(p);
}

START_TEST(damaged_snapshots_refused)
{
    Fuzz f = { 0 };
    f.e = snapenv_new(16, true);
    if (!f.e) {
        fprintf(stderr, "snapfuzz: SKIP: snap_icount.elf not built\n");
        return;
    }
    snapenv_run_to(f.e, 700001); /* mid-run: DEC armed, UART and RAM busy */
    ck_assert_int_eq(snapenv_mon(f.e, "savevm good"), 0);
    char good[200];
    snprintf(good, sizeof(good), "%s/good.snap", f.e->dir);
    snprintf(f.path, sizeof(f.path), "%s/variant.snap", f.e->dir);
    f.good = snapenv_read_file(good, &f.len);
    ck_assert_ptr_nonnull(f.good);
    /* the live machine is somewhere else than the snapshot */
    snapenv_run_to(f.e, 900000);
    f.digest = snapenv_digest(f.e, false);
    f.digest_ram = snapenv_digest(f.e, true);
    rng = env_uint("PPCEMU_SNAPFUZZ_SEED", 0x5eed) * 0x9E3779B97F4A7C15ull | 1;
    truncations(&f);
    mutations(&f, env_uint("PPCEMU_SNAPFUZZ_VARIANTS", DEFAULT_VARIANTS));
    ck_assert_uint_eq(snapenv_digest(f.e, true), f.digest_ram);
    fprintf(stderr, "snapfuzz: %u damaged variants of a %zu-byte snapshot, all refused\n", f.tried,
            f.len);
    /* the undamaged file still loads */
    ck_assert_int_eq(snapenv_mon(f.e, "loadvm %s", good), 0);
    ck_assert_uint_eq(f.e->m->vb.cpu.icount, 700001);
    free(f.good);
    snapenv_free(f.e);
}
END_TEST

Suite *suite_snapfuzz(void)
{
    Suite *s = suite_create("snapfuzz");
    TCase *tc = tcase_create("snapfuzz");
    tcase_set_timeout(tc, 3600);
    tcase_add_test(tc, damaged_snapshots_refused);
    suite_add_tcase(s, tc);
    return s;
}
