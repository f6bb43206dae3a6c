/* virtio-blk (boards/virtio_blk.h) through the transport, on temporary
 * image files: the snapshot=on overlay across cluster boundaries and in a
 * partial last cluster (the file never changes), readonly=on, a file that
 * shrinks under the device (IOERR, no crash), odd image sizes, and the
 * flush/get-id requests. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/virtio_blk.h"
#include "mem/bus.h"

#define BASE 0x81000000u
#define RAM (4u << 20)
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define HDR 0x4000u
#define STATUS 0x4100u
#define DATA 0x10000u

static Bus bus;
static VirtioDev vd;
static VirtioBlk blk;
static char path[64];
static uint16_t avail_idx;

static void put16(uint32_t pa, uint16_t v) { bus.ram[pa] = (uint8_t)v; bus.ram[pa + 1] = (uint8_t)(v >> 8); }
static void put32(uint32_t pa, uint32_t v) { for (int i = 0; i < 4; i++) bus.ram[pa + i] = (uint8_t)(v >> 8 * i); }
static uint32_t get32(uint32_t pa) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | bus.ram[pa + i]; return v; }
static void wr(uint32_t off, uint32_t v) { bus_write(&bus, BASE + off, __builtin_bswap32(v), 4); }
static uint32_t rd(uint32_t off) { return __builtin_bswap32(bus_read(&bus, BASE + off, 4)); }

static uint8_t pat(uint64_t o) { return (uint8_t)(o * 13 + (o >> 9)); }

/* An image of size bytes holding pat(), opened with the given flags */
static void open_img(uint64_t size, bool ro, bool snap)
{
    strcpy(path, "/tmp/ppcemu-test-blk-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *buf = malloc(size + 1);
    for (uint64_t i = 0; i < size; i++)
        buf[i] = pat(i);
    ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
    close(fd);
    free(buf);
    ck_assert_int_eq(bus_init(&bus, RAM, 0xFFF00000u, 1 << 20), 0);
    VirtioBlkConf c = { path, ro, snap };
    char err[200];
    ck_assert_int_eq(virtio_blk_open(&blk, &c, 3, err, sizeof(err)), 0);
    virtio_init(&vd, &bus, (IrqLine){ 0 }, &virtio_blk_ops, &blk);
    ck_assert_int_eq(bus_add_region(&bus, BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &vd, "vblk"), 0);
    wr(VIRTIO_MMIO_STATUS, 3);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(VIRTIO_MMIO_STATUS, 0xB);
    wr(VIRTIO_MMIO_QUEUE_NUM, 8);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    wr(VIRTIO_MMIO_STATUS, 0xF);
    avail_idx = 0;
}

static void close_img(void)
{
    virtio_blk_close(&blk);
    bus_free(&bus);
    unlink(path);
}

static void desc(unsigned i, uint32_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    put32(DESC + 16 * i, addr);
    put32(DESC + 16 * i + 4, 0);
    put32(DESC + 16 * i + 8, len);
    put16(DESC + 16 * i + 12, flags);
    put16(DESC + 16 * i + 14, next);
}

/* One request; returns the status byte */
static uint8_t req(uint32_t type, uint64_t sector, uint32_t len)
{
    memset(bus.ram + HDR, 0, 16);
    put32(HDR, type);
    put32(HDR + 8, (uint32_t)sector);
    put32(HDR + 12, (uint32_t)(sector >> 32));
    bus.ram[STATUS] = 0xEE;
    bool dw = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
    desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    if (len) {
        /* the data in two segments, split off-sector, to exercise the walk */
        uint32_t a = len > 700 ? 700 : len;
        uint16_t f = (uint16_t)(dw ? VIRTQ_DESC_F_WRITE : 0);
        desc(1, DATA, a, f | VIRTQ_DESC_F_NEXT, len > a ? 2 : 3);
        desc(2, DATA + a, len - a, f | VIRTQ_DESC_F_NEXT, 3);
        desc(3, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    } else {
        desc(1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    }
    put16(AVAIL + 4 + 2 * (avail_idx % 8), 0);
    avail_idx++;
    put16(AVAIL + 2, avail_idx);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
    return bus.ram[STATUS];
}

static bool file_is_pattern(uint64_t size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    bool same = true;
    for (uint64_t i = 0; i < size; i++)
        same &= fgetc(f) == pat(i);
    same &= fgetc(f) == EOF;
    fclose(f);
    return same;
}

START_TEST(snapshot_overlay_edges)
{
    /* 2 clusters + 3 sectors: the last cluster is partial */
    uint64_t size = 8192 + 1536;
    open_img(size, false, true);
    ck_assert_uint_eq(rd(0x100), size / 512);
    /* a write across the cluster boundary at 4096 and into the partial one */
    for (uint32_t i = 0; i < 5120; i++)
        bus.ram[DATA + i] = (uint8_t)(0xA0 ^ i);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 7, 5120), VIRTIO_BLK_S_OK); /* bytes 3584..8703 */
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 18, 512), VIRTIO_BLK_S_OK); /* last sector */
    memset(bus.ram + DATA, 0, size);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 0, (uint32_t)size), VIRTIO_BLK_S_OK);
    unsigned bad = 0;
    for (uint64_t o = 0; o < size; o++) {
        uint8_t want = pat(o);
        if (o >= 3584 && o < 8704)
            want = (uint8_t)(0xA0 ^ (o - 3584));
        if (o >= 9216)
            want = (uint8_t)(0xA0 ^ (o - 9216));
        bad += bus.ram[DATA + o] != want;
    }
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(blk.overlay_clusters, 3);
    ck_assert(file_is_pattern(size));
    ck_assert_uint_eq(req(VIRTIO_BLK_T_FLUSH, 0, 0), VIRTIO_BLK_S_OK);
    ck_assert(file_is_pattern(size));
    close_img();
}
END_TEST

START_TEST(readonly_and_writable)
{
    open_img(4096, true, false);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 1, 512), VIRTIO_BLK_S_IOERR);
    ck_assert(file_is_pattern(4096));
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 1, 1024), VIRTIO_BLK_S_OK);
    for (uint32_t i = 0; i < 1024; i++)
        ck_assert_uint_eq(bus.ram[DATA + i], pat(512 + i));
    close_img();

    open_img(4096, false, false);
    memset(bus.ram + DATA, 0x5C, 512);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 2, 512), VIRTIO_BLK_S_OK);
    ck_assert(!file_is_pattern(4096));
    FILE *f = fopen(path, "rb");
    fseek(f, 1024, SEEK_SET);
    ck_assert_int_eq(fgetc(f), 0x5C);
    fclose(f);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_GET_ID, 0, 20), VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(bus.ram + DATA, "ppcemu-disk3\0", 13);
    ck_assert_uint_eq(get32(USED + 4 + 8 * ((avail_idx - 1u) % 8) + 4), 21); /* used len */
    close_img();
}
END_TEST

START_TEST(odd_size_and_shrinking_file)
{
    /* 1000 bytes: one whole sector visible */
    open_img(1000, false, false);
    ck_assert_uint_eq(rd(0x100), 1);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 1, 512), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, UINT64_MAX / 512, 512), VIRTIO_BLK_S_IOERR);
    close_img();
    /* the file shrinks under the device: reads past its new end fail */
    open_img(8192, false, true);
    ck_assert_int_eq(truncate(path, 1024), 0);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 4, 512), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 12, 512), VIRTIO_BLK_S_IOERR); /* cluster fill fails */
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(blk.errors, 2);
    close_img();
}
END_TEST

/* Overlapping segments naming more bytes than RAM: IOERR at once */
START_TEST(request_larger_than_ram)
{
    open_img(8u << 20, false, false); /* the disk could serve it: RAM is what bounds it */
    memset(bus.ram + HDR, 0, 16);
    put32(HDR, VIRTIO_BLK_T_IN);
    desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    for (unsigned i = 1; i <= 3; i++)
        desc(i, DATA, 2u << 20, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
    desc(4, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    put16(AVAIL + 4, 0);
    put16(AVAIL + 2, 1);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(bus.ram[STATUS], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
    close_img();
}
END_TEST

START_TEST(open_errors)
{
    VirtioBlk b;
    char err[200];
    VirtioBlkConf c = { "/nonexistent/x.img", false, false };
    ck_assert_int_eq(virtio_blk_open(&b, &c, 0, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.img"));
    VirtioBlkConf d = { "/tmp", false, false };
    ck_assert_int_eq(virtio_blk_open(&b, &d, 0, err, sizeof(err)), -1);
}
END_TEST

/* ---- the snapshot section "virtio-blkN" ---- */

static void blk_reg(SnapRegistry *r, const SnapStateDesc *d, void *opaque)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->board, "virt");
    strcpy(r->cpu, "ppc750");
    r->ram_size = RAM;
    ck_assert_int_eq(snap_register(r, d, opaque), 0);
}

/* A doctored section: mode, size, count, then `nidx` indices each with a
 * cluster of 0x5A */
static struct { uint8_t mode; uint64_t size, n; unsigned nidx; uint64_t idx[4]; } doc;

static void doc_save(SnapWriter *w, void *opaque)
{
    (void)opaque;
    static uint8_t cl[4096];
    memset(cl, 0x5A, sizeof(cl));
    snap_put_u8(w, doc.mode);
    snap_put_u64(w, doc.size);
    snap_put_u64(w, doc.n);
    for (unsigned i = 0; i < doc.nidx; i++) {
        snap_put_u64(w, doc.idx[i]);
        snap_put_bytes(w, cl, sizeof(cl));
    }
}

static const SnapBulkOps doc_ops = { doc_save, NULL, NULL, NULL };
static const SnapStateDesc doc_desc = { .name = "virtio-blk0", .version = 1, .bulk = &doc_ops };

static const char *load_from(const char *file, SnapError *err)
{
    SnapRegistry r;
    blk_reg(&r, virtio_blk_state_desc(0), &blk);
    SnapLoad *ld = snap_registry_read_file(&r, file, err);
    if (!ld)
        return err->msg;
    snap_load_commit(ld);
    return NULL;
}

START_TEST(overlay_in_snapshot)
{
    open_img(64 * 1024, false, true);
    char file[] = "/tmp/ppcemu-test-blksnap-XXXXXX";
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    close(fd);
    memset(bus.ram + DATA, 0xAB, 4096);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 8, 4096), VIRTIO_BLK_S_OK);
    SnapRegistry w;
    SnapError err;
    blk_reg(&w, virtio_blk_state_desc(0), &blk);
    ck_assert_int_eq(snap_registry_save_file(&w, file, &err), 0);
    /* after the save: cluster 1 rewritten, cluster 2 written */
    memset(bus.ram + DATA, 0xCD, 8192);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 8, 8192), VIRTIO_BLK_S_OK);
    const char *why = load_from(file, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_uint_eq(blk.overlay_clusters, 1);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 8, 8192), VIRTIO_BLK_S_OK);
    for (uint32_t i = 0; i < 4096; i++)
        ck_assert_uint_eq(bus.ram[DATA + i], 0xAB);
    for (uint32_t i = 4096; i < 8192; i++)
        ck_assert_uint_eq(bus.ram[DATA + i], pat(8 * 512 + i));

    /* doctored sections: refused with one line, the overlay unchanged */
    static const struct { uint8_t mode; uint64_t size, n; unsigned nidx; uint64_t i0, i1; } bad[] = {
        { 7, 65536, 0, 0, 0, 0 },         /* unknown mode */
        { 0, 65536, 0, 0, 0, 0 },         /* read-write here: mode mismatch */
        { 2, 65536 + 512, 0, 0, 0, 0 },   /* another size */
        { 2, 65536, 17, 0, 0, 0 },        /* more clusters than the disk */
        { 2, 65536, 1, 1, 16, 0 },        /* index past the disk */
        { 2, 65536, 2, 2, 3, 3 },         /* an index twice */
        { 2, 65536, 2, 2, 5, 4 },         /* not ascending */
        { 2, 65536, 2, 1, 3, 0 },         /* count larger than the payload */
    };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        doc.mode = bad[k].mode;
        doc.size = bad[k].size;
        doc.n = bad[k].n;
        doc.nidx = bad[k].nidx;
        doc.idx[0] = bad[k].i0;
        doc.idx[1] = bad[k].i1;
        blk_reg(&w, &doc_desc, NULL);
        ck_assert_int_eq(snap_registry_save_file(&w, file, &err), 0);
        why = load_from(file, &err);
        ck_assert_msg(why != NULL, "doctored section %u accepted", k);
        ck_assert_ptr_null(strchr(why, '\n'));
        ck_assert_uint_eq(blk.overlay_clusters, 1);
    }
    /* and a good doctored one is taken: cluster 3 only */
    doc = (typeof(doc)){ 2, 65536, 1, 1, { 3 } };
    blk_reg(&w, &doc_desc, NULL);
    ck_assert_int_eq(snap_registry_save_file(&w, file, &err), 0);
    why = load_from(file, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 8, 4096 * 3), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(bus.ram[DATA], pat(8 * 512));
    ck_assert_uint_eq(bus.ram[DATA + 2 * 4096], 0x5A);
    ck_assert(file_is_pattern(64 * 1024));
    unlink(file);
    close_img();
}
END_TEST

Suite *suite_virtio_blk(void)
{
    Suite *s = suite_create("virtio_blk");
    TCase *tc = tcase_create("virtio_blk");
    tcase_add_test(tc, snapshot_overlay_edges);
    tcase_add_test(tc, readonly_and_writable);
    tcase_add_test(tc, odd_size_and_shrinking_file);
    tcase_add_test(tc, open_errors);
    tcase_add_test(tc, request_larger_than_ram);
    tcase_add_test(tc, overlay_in_snapshot);
    suite_add_tcase(s, tc);
    return s;
}
