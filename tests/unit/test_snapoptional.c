/* The registry rule for sections added later (migration/snapstate.h): a
 * stream without an optional section loads and leaves that device in its
 * reset state; a stream without a mandatory section is still refused with
 * one line; a stream with the optional section restores it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migration/snapstate.h"

typedef struct Old {
    uint32_t x;
} Old;

typedef struct New {
    uint32_t y, z;
    int resets, post_loads;
} New;

static const SnapField old_fields[] = { SNAP_FIELD(Old, x, 1), SNAP_END };
static const SnapField new_fields[] = { SNAP_FIELD(New, y, 1), SNAP_FIELD(New, z, 1), SNAP_END };

static void new_reset(void *opaque)
{
    New *n = opaque;
    n->y = 0;
    n->z = 7; /* the device's reset value is not all zeros */
    n->resets++;
}

static void new_post_load(void *opaque) { ((New *)opaque)->post_loads++; }

static const SnapStateDesc old_desc = { .name = "old", .version = 1, .size = sizeof(Old),
                                        .fields = old_fields };
static const SnapStateDesc new_desc = { .name = "new", .version = 1, .size = sizeof(New),
                                        .fields = new_fields, .optional = true,
                                        .reset = new_reset, .post_load = new_post_load };
/* the same section, mandatory */
static const SnapStateDesc new_mand_desc = { .name = "new", .version = 1, .size = sizeof(New),
                                             .fields = new_fields };

static char dir[] = "/tmp/ppcemu-snapopt-XXXXXX";
static char path[64];

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.snap", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
    strcpy(dir, "/tmp/ppcemu-snapopt-XXXXXX");
}

static void reg_init(SnapRegistry *r)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->board, "virt");
    strcpy(r->cpu, "ppc750");
    r->ram_size = 1u << 20;
}

/* A reader (or writer) of this build: the old section and a new one */
static void reg_two(SnapRegistry *r, Old *o, const SnapStateDesc *nd, New *n)
{
    reg_init(r);
    ck_assert_int_eq(snap_register(r, &old_desc, o), 0);
    ck_assert_int_eq(snap_register(r, nd, n), 0);
}

/* Saved by a "older build": only the old section */
static void save_old_only(uint32_t x)
{
    SnapRegistry r;
    Old o = { x };
    SnapError err;
    reg_init(&r);
    ck_assert_int_eq(snap_register(&r, &old_desc, &o), 0);
    ck_assert_int_eq(snap_registry_save_file(&r, path, &err), 0);
}

START_TEST(absent_optional_is_reset)
{
    save_old_only(0x1234);
    SnapRegistry r;
    Old o = { 1 };
    New n = { 99, 98, 0, 0 };
    SnapError err;
    reg_two(&r, &o, &new_desc, &n);
    SnapLoad *ld = snap_registry_read_file(&r, path, &err);
    ck_assert_msg(ld != NULL, "refused: %s", err.msg);
    /* phase 1 changed nothing */
    ck_assert_uint_eq(n.y, 99);
    ck_assert_int_eq(n.resets, 0);
    snap_load_commit(ld);
    ck_assert_uint_eq(o.x, 0x1234);
    ck_assert_uint_eq(n.y, 0);
    ck_assert_uint_eq(n.z, 7);
    ck_assert_int_eq(n.resets, 1);
    ck_assert_int_eq(n.post_loads, 0);
}
END_TEST

START_TEST(absent_mandatory_is_refused)
{
    save_old_only(5);
    SnapRegistry r;
    Old o = { 1 };
    New n = { 99, 98, 0, 0 };
    SnapError err;
    reg_two(&r, &o, &new_mand_desc, &n);
    SnapLoad *ld = snap_registry_read_file(&r, path, &err);
    ck_assert_ptr_null(ld);
    ck_assert_str_eq(err.msg, "snapshot is incomplete (no new section)");
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    ck_assert_uint_eq(o.x, 1);
    ck_assert_uint_eq(n.y, 99);
}
END_TEST

/* The optional flag does not excuse a missing old (mandatory) section */
START_TEST(optional_does_not_excuse_others)
{
    SnapRegistry w;
    New n = { 3, 4, 0, 0 };
    SnapError err;
    reg_init(&w);
    ck_assert_int_eq(snap_register(&w, &new_desc, &n), 0);
    ck_assert_int_eq(snap_registry_save_file(&w, path, &err), 0);
    SnapRegistry r;
    Old o = { 1 };
    New n2 = { 0, 0, 0, 0 };
    reg_two(&r, &o, &new_desc, &n2);
    ck_assert_ptr_null(snap_registry_read_file(&r, path, &err));
    ck_assert_str_eq(err.msg, "snapshot is incomplete (no old section)");
}
END_TEST

START_TEST(present_optional_restores)
{
    SnapRegistry r;
    Old o = { 11 };
    New n = { 21, 22, 0, 0 };
    SnapError err;
    reg_two(&r, &o, &new_desc, &n);
    ck_assert_int_eq(snap_registry_save_file(&r, path, &err), 0);
    o.x = 0;
    n.y = n.z = 0;
    SnapLoad *ld = snap_registry_read_file(&r, path, &err);
    ck_assert_msg(ld != NULL, "refused: %s", err.msg);
    snap_load_commit(ld);
    ck_assert_uint_eq(o.x, 11);
    ck_assert_uint_eq(n.y, 21);
    ck_assert_uint_eq(n.z, 22);
    ck_assert_int_eq(n.resets, 0);
    ck_assert_int_eq(n.post_loads, 1);
}
END_TEST

/* An optional description without a reset hook is a bug: refused */
START_TEST(optional_needs_reset)
{
    static const SnapStateDesc bad = { .name = "bad", .version = 1, .size = sizeof(New),
                                       .fields = new_fields, .optional = true };
    SnapRegistry r;
    New n;
    reg_init(&r);
    ck_assert_int_eq(snap_register(&r, &bad, &n), -1);
}
END_TEST

Suite *suite_snapoptional(void)
{
    Suite *s = suite_create("snapoptional");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, absent_optional_is_reset);
    tcase_add_test(tc, absent_mandatory_is_refused);
    tcase_add_test(tc, optional_does_not_excuse_others);
    tcase_add_test(tc, present_optional_restores);
    tcase_add_test(tc, optional_needs_reset);
    suite_add_tcase(s, tc);
    return s;
}
