/* The framebuffer's snapshot section (boards/fb.h): a round trip of the
 * frame and of the region past it, a geometry mismatch in one line,
 * doctored page lists refused without touching the live framebuffer, and
 * live migration's form of it (mig_precopied: no pages; the migration's
 * own dirty log). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/fb.h"

#define REGION (1u << 20)

static char file[] = "/tmp/ppcemu-test-fb-XXXXXX";

static void setup(void)
{
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static void teardown(void)
{
    unlink(file);
    strcpy(file, "/tmp/ppcemu-test-fb-XXXXXX");
}

static void reg(SnapRegistry *r, const SnapStateDesc *d, void *opaque)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->board, "virt");
    strcpy(r->cpu, "ppc750");
    r->ram_size = 1u << 20;
    ck_assert_int_eq(snap_register(r, d, opaque), 0);
}

static void save(const SnapStateDesc *d, void *opaque)
{
    SnapRegistry r;
    SnapError err;
    reg(&r, d, opaque);
    ck_assert_int_eq(snap_registry_save_file(&r, file, &err), 0);
}

static const char *load(Fb *fb, SnapError *err)
{
    SnapRegistry r;
    reg(&r, &fb_state_desc, fb);
    SnapLoad *ld = snap_registry_read_file(&r, file, err);
    if (!ld)
        return err->msg;
    snap_load_commit(ld);
    return NULL;
}

START_TEST(round_trip)
{
    Fb a, b;
    ck_assert_int_eq(fb_init(&a, REGION, 320, 240), 0);
    ck_assert_int_eq(fb_init(&b, REGION, 320, 240), 0);
    /* written as the guest writes them (the MMIO handler) */
    for (uint32_t i = 0; i < 320 * 240 * 4; i++)
        fb_ops.write(&a, i, (uint8_t)(i * 7 + (i >> 11)), 1);
    fb_ops.write(&a, REGION - 1, 0x42, 1); /* past the frame: guest memory too */
    /* b's every page written before: the load replaces them all */
    for (uint32_t i = 0; i < REGION; i += 4)
        fb_ops.write(&b, i, 0x99999999u, 4);
    save(&fb_state_desc, &a);
    fb_dirty_clear(&b);
    SnapError err;
    const char *why = load(&b, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_int_eq(memcmp(a.mem, b.mem, REGION), 0);
    ck_assert(fb_dirty_rows(&b, 0, 240)); /* a display redraws all */
    /* and again from the loaded copy: a load keeps which pages hold data */
    Fb c;
    ck_assert_int_eq(fb_init(&c, REGION, 320, 240), 0);
    save(&fb_state_desc, &b);
    why = load(&c, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_int_eq(memcmp(a.mem, c.mem, REGION), 0);
    fb_free(&a);
    fb_free(&b);
    fb_free(&c);
}
END_TEST

START_TEST(geometry_mismatch)
{
    Fb a, b;
    ck_assert_int_eq(fb_init(&a, REGION, 320, 240), 0);
    ck_assert_int_eq(fb_init(&b, REGION, 200, 100), 0);
    fb_ops.write(&a, 0, 1, 1);
    b.mem[0] = 2;
    save(&fb_state_desc, &a);
    SnapError err;
    const char *why = load(&b, &err);
    ck_assert_ptr_nonnull(why);
    ck_assert_str_eq(why, "snapshot's framebuffer is 320x240, this machine's is 200x100 "
                          "(use -M virt,fb=320x240)");
    ck_assert_uint_eq(b.mem[0], 2);
    fb_free(&a);
    fb_free(&b);
}
END_TEST

/* doctored sections: width, height, stride, size, count, then pages */
static uint32_t doc[16];
static unsigned ndoc, npages_doc;

static void doc_save(SnapWriter *w, void *opaque)
{
    (void)opaque;
    static uint8_t page[4096];
    for (unsigned i = 0; i < ndoc; i++)
        snap_put_u32(w, doc[i]);
    for (unsigned i = 0; i < npages_doc; i++)
        snap_put_bytes(w, page, sizeof(page));
}

static const SnapBulkOps doc_ops = { doc_save, NULL, NULL, NULL };
static const SnapStateDesc doc_desc = { .name = "framebuffer", .version = 1, .bulk = &doc_ops };

START_TEST(doctored)
{
    Fb b;
    ck_assert_int_eq(fb_init(&b, REGION, 320, 240), 0);
    b.mem[5] = 0x77;
    /* page index written, then its page: npages_doc pages follow the list */
    static const struct { uint32_t v[8]; unsigned n, pages; } bad[] = {
        { { 320, 240, 1000, REGION, 0 }, 5, 0 },            /* stride */
        { { 320, 240, 1280, REGION * 2, 0 }, 5, 0 },        /* region size */
        { { 320, 240, 1280, REGION, 257 }, 5, 0 },          /* more pages than the region */
        { { 320, 240, 1280, REGION, 1, 256 }, 6, 1 },       /* page past the region */
        { { 320, 240, 1280, REGION, 3 }, 5, 0 },            /* count past the payload */
    };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        memcpy(doc, bad[k].v, sizeof(bad[k].v));
        ndoc = bad[k].n;
        npages_doc = bad[k].pages;
        save(&doc_desc, NULL);
        SnapError err;
        const char *why = load(&b, &err);
        ck_assert_msg(why != NULL, "doctored section %u accepted", k);
        ck_assert_ptr_null(strchr(why, '\n'));
        ck_assert_uint_eq(b.mem[5], 0x77);
    }
    fb_free(&b);
}
END_TEST

/* Migration: the section without pages, its load keeping the region as
 * the migration's records left it; the migration's log set by guest
 * writes and by a snapshot load, apart from the display's map */
START_TEST(migration_precopied)
{
    Fb a, b, c;
    ck_assert_int_eq(fb_init(&a, REGION, 320, 240), 0);
    ck_assert_int_eq(fb_init(&b, REGION, 320, 240), 0);
    ck_assert_int_eq(fb_init(&c, REGION, 320, 240), 0);
    fb_ops.write(&a, 5 * 4096 + 8, 0x12345678u, 4);
    ck_assert_uint_eq(a.mig_dirty[5], 1);
    ck_assert_uint_eq(a.mig_dirty[4], 0);
    fb_dirty_clear(&a); /* a redraw clears the display's map only */
    ck_assert_uint_eq(a.mig_dirty[5], 1);
    a.mig_precopied = true;
    save(&fb_state_desc, &a);
    a.mig_precopied = false;
    /* as a snapshot (no pages in it): the region cleared */
    fb_ops.write(&c, 5 * 4096 + 8, 0x11111111u, 4);
    SnapError err;
    const char *why = load(&c, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_uint_eq(c.mem[5 * 4096 + 8], 0);
    /* as a migration's: the region as received stays, redrawn */
    memcpy(b.mem + 5 * 4096, a.mem + 5 * 4096, 4096);
    b.touched[5] = 1;
    fb_dirty_clear(&b);
    b.mig_precopied = true;
    why = load(&b, &err);
    b.mig_precopied = false;
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_int_eq(memcmp(a.mem, b.mem, REGION), 0);
    ck_assert(fb_dirty_rows(&b, 0, 240));
    /* a snapshot loaded while a migration runs: its pages go again */
    memset(c.mig_dirty, 0, REGION >> FB_PAGE_BITS);
    save(&fb_state_desc, &a);
    why = load(&c, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_uint_eq(c.mig_dirty[5], 1);
    ck_assert_int_eq(memcmp(a.mem, c.mem, REGION), 0);
    fb_free(&a);
    fb_free(&b);
    fb_free(&c);
}
END_TEST

Suite *suite_fb(void)
{
    Suite *s = suite_create("fb");
    TCase *tc = tcase_create("snapshot");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, geometry_mismatch);
    tcase_add_test(tc, doctored);
    tcase_add_test(tc, migration_precopied);
    suite_add_tcase(s, tc);
    return s;
}
