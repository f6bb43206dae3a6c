/* The snapshot stream: round trips, and every corruption and truncation of
 * a real stream is refused with a message (never a crash, never accepted). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "migration/snap.h"
#include "migration/snapstate.h"

typedef struct Comp {
    uint32_t a;
    uint8_t b;
    uint16_t c;
    uint64_t d;
    uint32_t arr[5];
    uint32_t newer; /* since version 2 */
} Comp;

static const SnapField comp_fields[] = {
    SNAP_FIELD(Comp, a, 1), SNAP_FIELD(Comp, b, 1), SNAP_FIELD(Comp, c, 1),
    SNAP_FIELD(Comp, d, 1), SNAP_ARRAY(Comp, arr, 1), SNAP_FIELD(Comp, newer, 2),
    SNAP_END,
};

static char tmpdir[] = "/tmp/ppcemu-snaptest-XXXXXX";

static void setup(void) { ck_assert_ptr_nonnull(mkdtemp(tmpdir)); }
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(tmpdir, "/tmp/ppcemu-snaptest-XXXXXX");
}

static const SnapHeader hdr = { 0, "virt", "ppc750", 64 * 4096, 0 };

/* a snapshot with a component, and a RAM of 64 pages, half of them zero */
static void write_sample(const char *path, uint32_t comp_version, uint8_t *ram)
{
    SnapError err = { "" };
    Comp c = { 0x11223344, 0x55, 0x6677, 0x8899AABBCCDDEEFFull, { 1, 2, 3, 4, 5 }, 42 };
    for (int i = 0; i < 64; i++)
        memset(ram + i * 4096, i % 2 ? i : 0, 4096);
    SnapWriter *w = snap_writer_open_file(path, &hdr, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    snap_begin_section(w, "comp", comp_version);
    snap_put_fields(w, comp_fields, &c, comp_version);
    snap_end_section(w);
    snap_begin_section(w, "ram", 1);
    snap_put_ram(w, ram, 64 * 4096);
    snap_end_section(w);
    ck_assert_msg(snap_writer_commit(w, &err) == 0, "%s", err.msg);
}

/* read the sample back; returns 0 or -1 with err set */
static int read_sample(const char *path, Comp *c, uint8_t *ram, SnapError *err)
{
    SnapHeader h;
    SnapReader *r = snap_reader_open_file(path, &h, err);
    if (!r)
        return -1;
    int rc = -1;
    char name[64];
    uint32_t ver;
    uint64_t len;
    for (;;) {
        int k = snap_next_section(r, name, &ver, &len, err);
        if (k < 0)
            goto out;
        if (k == 0)
            break;
        if (!strcmp(name, "comp")) {
            if (snap_get_fields(r, comp_fields, c, ver, err) || snap_end_read_section(r, err))
                goto out;
        } else if (!strcmp(name, "ram")) {
            if (snap_get_ram(r, ram, 64 * 4096, err) || snap_end_read_section(r, err))
                goto out;
        } else if (snap_skip_section(r, err)) {
            goto out;
        }
    }
    rc = 0;
out:
    snap_reader_close(r);
    return rc;
}

START_TEST(round_trip)
{
    char path[256];
    snprintf(path, sizeof path, "%s/a.snap", tmpdir);
    static uint8_t ram[64 * 4096], back[64 * 4096];
    write_sample(path, 2, ram);
    Comp c = { 0 };
    SnapError err = { "" };
    ck_assert_msg(read_sample(path, &c, back, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.a, 0x11223344);
    ck_assert_uint_eq(c.b, 0x55);
    ck_assert_uint_eq(c.c, 0x6677);
    ck_assert(c.d == 0x8899AABBCCDDEEFFull);
    ck_assert_uint_eq(c.arr[4], 5);
    ck_assert_uint_eq(c.newer, 42);
    ck_assert(memcmp(ram, back, sizeof ram) == 0);
}
END_TEST

START_TEST(old_section_version_keeps_defaults)
{
    char path[256];
    snprintf(path, sizeof path, "%s/v1.snap", tmpdir);
    static uint8_t ram[64 * 4096], back[64 * 4096];
    write_sample(path, 1, ram);
    Comp c = { 0 };
    c.newer = 7; /* the loader's default for a field the stream lacks */
    SnapError err = { "" };
    ck_assert_msg(read_sample(path, &c, back, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.a, 0x11223344);
    ck_assert_uint_eq(c.newer, 7);
}
END_TEST

static long file_bytes(const char *path, uint8_t **buf)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    *buf = malloc((size_t)n);
    ck_assert_int_eq((long)fread(*buf, 1, (size_t)n, f), n);
    fclose(f);
    return n;
}

static void put_file(const char *path, const uint8_t *buf, long n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq((long)fwrite(buf, 1, (size_t)n, f), n);
    fclose(f);
}

START_TEST(every_byte_corruption_is_refused)
{
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/s.snap", tmpdir);
    snprintf(bad, sizeof bad, "%s/bad.snap", tmpdir);
    static uint8_t ram[64 * 4096], back[64 * 4096];
    write_sample(path, 2, ram);
    uint8_t *buf;
    long n = file_bytes(path, &buf);
    ck_assert_int_gt(n, SNAP_HEADER_SIZE);
    int refused = 0;
    for (long i = 0; i < n; i++) {
        buf[i] ^= 0x5A;
        put_file(bad, buf, n);
        buf[i] ^= 0x5A;
        Comp c;
        SnapError err = { "" };
        int rc = read_sample(bad, &c, back, &err);
        ck_assert_msg(rc != 0, "corruption at byte %ld of %ld was accepted", i, n);
        ck_assert_msg(err.msg[0] != 0 && strchr(err.msg, '\n') == NULL, "no one-line message at %ld", i);
        refused++;
    }
    ck_assert_int_eq(refused, n);
    free(buf);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/t.snap", tmpdir);
    snprintf(bad, sizeof bad, "%s/trunc.snap", tmpdir);
    static uint8_t ram[64 * 4096], back[64 * 4096];
    write_sample(path, 2, ram);
    uint8_t *buf;
    long n = file_bytes(path, &buf);
    for (long len = 0; len < n; len++) {
        put_file(bad, buf, len);
        Comp c;
        SnapError err = { "" };
        ck_assert_msg(read_sample(bad, &c, back, &err) != 0, "truncation to %ld of %ld accepted", len, n);
        ck_assert(err.msg[0] != 0);
    }
    /* trailing garbage after a complete stream is refused as well */
    uint8_t *longer = malloc((size_t)n + 16);
    memcpy(longer, buf, (size_t)n);
    memset(longer + n, 0xAB, 16);
    put_file(bad, longer, n + 16);
    Comp c;
    SnapError err = { "" };
    ck_assert_int_ne(read_sample(bad, &c, back, &err), 0);
    ck_assert_msg(strstr(err.msg, "after the end") != NULL, "%s", err.msg);
    free(longer);
    free(buf);
}
END_TEST

START_TEST(header_errors_name_the_problem)
{
    char path[256];
    snprintf(path, sizeof path, "%s/h.snap", tmpdir);
    static uint8_t ram[64 * 4096], back[64 * 4096];
    SnapError err = { "" };
    Comp c;
    put_file(path, (const uint8_t *)"hello world, not a snapshot at all........................................", 70);
    ck_assert_int_ne(read_sample(path, &c, back, &err), 0);
    ck_assert_msg(strstr(err.msg, "not a ppcemu snapshot") != NULL, "%s", err.msg);

    write_sample(path, 2, ram);
    uint8_t *buf;
    long n = file_bytes(path, &buf);
    buf[11] = 9; /* format version 9, CRC fixed up so only the version is wrong */
    uint32_t crc = (uint32_t)crc32(0, buf, 60);
    buf[60] = (uint8_t)(crc >> 24); buf[61] = (uint8_t)(crc >> 16);
    buf[62] = (uint8_t)(crc >> 8); buf[63] = (uint8_t)crc;
    put_file(path, buf, n);
    ck_assert_int_ne(read_sample(path, &c, back, &err), 0);
    ck_assert_msg(strstr(err.msg, "newer") != NULL, "%s", err.msg);
    free(buf);

    snprintf(path, sizeof path, "%s/missing.snap", tmpdir);
    ck_assert_int_ne(read_sample(path, &c, back, &err), 0);
    ck_assert_msg(strstr(err.msg, "cannot open") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(aborted_write_keeps_existing_snapshot)
{
    char path[256];
    snprintf(path, sizeof path, "%s/keep.snap", tmpdir);
    static uint8_t ram[64 * 4096], back[64 * 4096];
    write_sample(path, 2, ram);
    SnapError err = { "" };
    SnapWriter *w = snap_writer_open_file(path, &hdr, &err);
    ck_assert_ptr_nonnull(w);
    snap_begin_section(w, "comp", 2);
    snap_put_u32(w, 0xDEAD);
    snap_end_section(w);
    snap_writer_abort(w); /* as if the emulator died mid-save */
    Comp c = { 0 };
    ck_assert_msg(read_sample(path, &c, back, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.a, 0x11223344);
    /* no temporary file left behind */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", tmpdir);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

/* The descriptor variants (a socket for migration): through a pipe, no
 * temporary file, no rename, and the same strict end-of-stream checks. */
START_TEST(round_trip_through_a_pipe)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    SnapError err = { "" };
    SnapWriter *w = snap_writer_open_fd(fds[1], &hdr, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    Comp c = { 0xCAFEF00D, 1, 2, 3, { 4, 5, 6, 7, 8 }, 9 };
    snap_begin_section(w, "comp", 2);
    snap_put_fields(w, comp_fields, &c, 2);
    snap_end_section(w);
    ck_assert_msg(snap_writer_commit(w, &err) == 0, "%s", err.msg);
    close(fds[1]);

    SnapHeader h;
    SnapReader *r = snap_reader_open_fd(fds[0], &h, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    ck_assert_uint_eq(h.ram_size, hdr.ram_size);
    char name[64];
    uint32_t ver;
    uint64_t len;
    ck_assert_int_eq(snap_next_section(r, name, &ver, &len, &err), 1);
    ck_assert_str_eq(name, "comp");
    Comp back = { 0 };
    ck_assert_msg(snap_get_fields(r, comp_fields, &back, ver, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(snap_end_read_section(r, &err), 0);
    ck_assert_msg(snap_next_section(r, name, &ver, &len, &err) == 0, "%s", err.msg);
    snap_reader_close(r);
    close(fds[0]);
    ck_assert_uint_eq(back.a, 0xCAFEF00D);
    ck_assert_uint_eq(back.arr[4], 8);
    ck_assert_uint_eq(back.newer, 9);
}
END_TEST

/* ---- state descriptions: typed fields, bounds, subsections ---- */

typedef struct Dev {
    int8_t s8;
    int16_t s16;
    int32_t s32;
    int64_t s64;
    bool flag;
    uint16_t u16;
    uint32_t extra;   /* the "later" subsection */
    bool extra_on;
    uint32_t host;    /* not described: the live value stays */
} Dev;

static const SnapField dev_fields[] = {
    SNAP_FIELD(Dev, s8, 1), SNAP_FIELD(Dev, s16, 1),
    SNAP_FIELD_RANGE(Dev, s32, 1, -1000, 1000), SNAP_FIELD(Dev, s64, 1),
    SNAP_FIELD(Dev, flag, 1), SNAP_FIELD_RANGE(Dev, u16, 1, 10, 20),
    SNAP_END,
};

static bool later_needed(const void *opaque) { return ((const Dev *)opaque)->extra_on; }
static void later_default(void *loaded) { ((Dev *)loaded)->extra = 77; }

static const SnapField later_fields[] = {
    SNAP_FIELD(Dev, extra, 1), SNAP_FIELD(Dev, extra_on, 1),
    SNAP_END,
};

static const SnapStateDesc later_desc = {
    .name = "later", .version = 1, .size = sizeof(Dev), .fields = later_fields,
    .needed = later_needed, .set_default = later_default,
};

static const SnapStateDesc *const dev_subs[] = { &later_desc, NULL };

static const SnapStateDesc dev_desc = {
    .name = "dev", .version = 1, .size = sizeof(Dev), .fields = dev_fields,
    .subsections = dev_subs,
};

/* A description without the subsection: what an older ppcemu wrote */
static const SnapStateDesc dev_old_desc = {
    .name = "dev", .version = 1, .size = sizeof(Dev), .fields = dev_fields,
};

static void write_dev(const char *path, const SnapStateDesc *d, Dev *v)
{
    SnapError err = { "" };
    SnapWriter *w = snap_writer_open_file(path, &hdr, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    snap_state_write(w, d, v);
    ck_assert_msg(snap_writer_commit(w, &err) == 0, "%s", err.msg);
}

static int read_dev(const char *path, const SnapStateDesc *d, Dev *into, SnapError *err)
{
    SnapHeader h;
    SnapReader *r = snap_reader_open_file(path, &h, err);
    ck_assert_ptr_nonnull(r);
    char name[64];
    uint32_t ver;
    uint64_t len;
    ck_assert_int_eq(snap_next_section(r, name, &ver, &len, err), 1);
    Dev tmp = *into;
    int rc = snap_state_read(r, d, ver, &tmp, err);
    if (rc == 0)
        rc = snap_next_section(r, name, &ver, &len, err) == 0 ? 0 : -1;
    snap_reader_close(r);
    if (rc == 0)
        snap_state_commit(d, into, &tmp);
    return rc;
}

START_TEST(state_desc_types_and_subsections)
{
    char path[128];
    snprintf(path, sizeof path, "%s/dev.snap", tmpdir);
    SnapError err = { "" };
    Dev a = { -5, -300, -1000, INT64_MIN, true, 15, 1234, true, 9 };
    write_dev(path, &dev_desc, &a);
    Dev b = { 0 };
    b.host = 42;
    ck_assert_msg(read_dev(path, &dev_desc, &b, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(b.s8, -5);
    ck_assert_int_eq(b.s16, -300);
    ck_assert_int_eq(b.s32, -1000);
    ck_assert(b.s64 == INT64_MIN);
    ck_assert(b.flag);
    ck_assert_uint_eq(b.u16, 15);
    ck_assert_uint_eq(b.extra, 1234); /* needed: written and read */
    ck_assert_uint_eq(b.host, 42);    /* not described: untouched */
    /* not needed: not written, and the reader's default applies */
    a.extra_on = false;
    write_dev(path, &dev_desc, &a);
    b.extra = 5;
    ck_assert_msg(read_dev(path, &dev_desc, &b, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(b.extra, 77);
    /* an older writer's stream: the same */
    a.extra_on = true;
    write_dev(path, &dev_old_desc, &a);
    b.extra = 5;
    ck_assert_msg(read_dev(path, &dev_desc, &b, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(b.extra, 77);
    /* a subsection this reader does not know is refused, nothing changed */
    write_dev(path, &dev_desc, &a);
    Dev c = { 0 };
    ck_assert_int_eq(read_dev(path, &dev_old_desc, &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "subsection this ppcemu does not know: 'later'"));
    ck_assert_int_eq(c.s16, 0);
}
END_TEST

START_TEST(state_desc_bounds_refuse)
{
    char path[128];
    snprintf(path, sizeof path, "%s/dev.snap", tmpdir);
    SnapError err = { "" };
    Dev a = { 0, 0, -1001, 0, false, 15, 0, false, 0 };
    write_dev(path, &dev_desc, &a);
    Dev b = { 0 };
    ck_assert_int_eq(read_dev(path, &dev_desc, &b, &err), -1);
    ck_assert_str_eq(err.msg, "snapshot is corrupt (dev.s32 is -1001, valid -1000..1000)");
    a.s32 = 0;
    a.u16 = 9;
    write_dev(path, &dev_desc, &a);
    ck_assert_int_eq(read_dev(path, &dev_desc, &b, &err), -1);
    ck_assert_str_eq(err.msg, "snapshot is corrupt (dev.u16 is 9, valid 10..20)");
    /* and a field version 2 dropped is read and skipped in version 1 */
    static const SnapField v2[] = {
        SNAP_FIELD(Dev, s8, 1), SNAP_FIELD_GONE("gone", SNAP_T_U32, 1, 2),
        SNAP_FIELD(Dev, s16, 1), SNAP_END,
    };
    static const SnapStateDesc d2 = { .name = "dev", .version = 2, .size = sizeof(Dev), .fields = v2 };
    static const SnapField v1[] = {
        SNAP_FIELD(Dev, s8, 1), SNAP_FIELD(Dev, extra, 1), SNAP_FIELD(Dev, s16, 1), SNAP_END,
    };
    static const SnapStateDesc d1 = { .name = "dev", .version = 1, .size = sizeof(Dev), .fields = v1 };
    Dev old = { 3, 4, 0, 0, false, 0, 99, false, 0 };
    write_dev(path, &d1, &old);
    Dev n = { 0 };
    ck_assert_msg(read_dev(path, &d2, &n, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(n.s8, 3);
    ck_assert_int_eq(n.s16, 4);
    ck_assert_uint_eq(n.extra, 0);
}
END_TEST

Suite *suite_snapstream(void)
{
    Suite *s = suite_create("snapstream");
    TCase *tc = tcase_create("stream");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, round_trip_through_a_pipe);
    tcase_add_test(tc, old_section_version_keeps_defaults);
    tcase_add_test(tc, every_byte_corruption_is_refused);
    tcase_add_test(tc, every_truncation_is_refused);
    tcase_add_test(tc, header_errors_name_the_problem);
    tcase_add_test(tc, aborted_write_keeps_existing_snapshot);
    tcase_add_test(tc, state_desc_types_and_subsections);
    tcase_add_test(tc, state_desc_bounds_refuse);
    suite_add_tcase(s, tc);
    return s;
}
