/*
 * The linear framebuffer and its screen dumps (boards/fb.h).  PNG is
 * written with zlib (already a dependency): one IDAT of the rows, each
 * with filter type 0 (PNG spec, ISO/IEC 15948, 4.5.2 and 9.2).
 */
#include "boards/fb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t fb_read(void *opaque, uint32_t off, unsigned size)
{
    Fb *fb = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v = v << 8 | fb->mem[off + i];
    return v;
}

static void fb_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    Fb *fb = opaque;
    for (unsigned i = 0; i < size; i++)
        fb->mem[off + i] = (uint8_t)(val >> (8 * (size - 1 - i)));
    fb->dirty[off >> FB_PAGE_BITS] = 1;
    fb->touched[off >> FB_PAGE_BITS] = 1;
    fb->mig_dirty[off >> FB_PAGE_BITS] = 1;
}

const MemOps fb_ops = { fb_read, fb_write };

int fb_init(Fb *fb, uint32_t size, uint32_t width, uint32_t height)
{
    memset(fb, 0, sizeof(*fb));
    if ((uint64_t)width * height * 4 > size)
        return -1;
    fb->mem = calloc(1, size);
    fb->dirty = calloc(1, (size >> FB_PAGE_BITS) + 1);
    fb->touched = calloc(1, (size >> FB_PAGE_BITS) + 1);
    fb->mig_dirty = calloc(1, (size >> FB_PAGE_BITS) + 1);
    if (!fb->mem || !fb->dirty || !fb->touched || !fb->mig_dirty) {
        fb_free(fb);
        return -1;
    }
    fb->size = size;
    fb->width = width;
    fb->height = height;
    fb->stride = width * 4;
    return 0;
}

void fb_free(Fb *fb)
{
    free(fb->mem);
    free(fb->dirty);
    free(fb->touched);
    free(fb->mig_dirty);
    memset(fb, 0, sizeof(*fb));
}

void fb_to_rgb(const Fb *fb, uint8_t *rgb)
{
    for (uint32_t y = 0; y < fb->height; y++) {
        const uint8_t *p = fb->mem + y * fb->stride;
        for (uint32_t x = 0; x < fb->width; x++, p += 4, rgb += 3) {
            rgb[0] = p[1];
            rgb[1] = p[2];
            rgb[2] = p[3];
        }
    }
}

bool fb_dirty_rows(const Fb *fb, uint32_t y0, uint32_t y1)
{
    if (y1 <= y0)
        return false;
    uint32_t first = (y0 * fb->stride) >> FB_PAGE_BITS, last = (y1 * fb->stride - 1) >> FB_PAGE_BITS;
    for (uint32_t pg = first; pg <= last; pg++)
        if (fb->dirty[pg])
            return true;
    return false;
}

void fb_dirty_clear(Fb *fb)
{
    memset(fb->dirty, 0, (fb->size >> FB_PAGE_BITS) + 1);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* length, type, data, CRC of type and data (PNG 5.3) */
static int png_chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t hdr[8], crc[4];
    put_be32(hdr, len);
    memcpy(hdr + 4, type, 4);
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, hdr + 4, 4);
    if (len)
        c = crc32(c, data, len);
    put_be32(crc, (uint32_t)c);
    return fwrite(hdr, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) ||
           fwrite(crc, 1, 4, f) != 4 ? -1 : 0;
}

static int write_png(FILE *f, const Fb *fb, const uint8_t *rgb)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
    size_t row = (size_t)fb->width * 3, raw_len = (row + 1) * fb->height;
    uint8_t *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    uint8_t *z = malloc(zlen);
    int r = -1;
    if (raw && z) {
        for (uint32_t y = 0; y < fb->height; y++) {
            raw[y * (row + 1)] = 0; /* filter type None */
            memcpy(raw + y * (row + 1) + 1, rgb + y * row, row);
        }
        /* IHDR: width, height, bit depth 8, colour type 2 (RGB), deflate,
         * adaptive filtering, no interlace (PNG 11.2.2) */
        uint8_t ihdr[13] = { 0 };
        put_be32(ihdr, fb->width);
        put_be32(ihdr + 4, fb->height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        if (compress2(z, &zlen, raw, (uLong)raw_len, 6) == Z_OK &&
            fwrite(sig, 1, 8, f) == 8 && !png_chunk(f, "IHDR", ihdr, 13) &&
            !png_chunk(f, "IDAT", z, (uint32_t)zlen) && !png_chunk(f, "IEND", NULL, 0))
            r = 0;
    }
    free(raw);
    free(z);
    return r;
}

int fb_screendump(const Fb *fb, const char *path, FbFormat fmt, char *err, size_t errlen)
{
    size_t n = (size_t)fb->width * fb->height * 3;
    uint8_t *rgb = malloc(n ? n : 1);
    if (!rgb) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fb_to_rgb(fb, rgb);
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(rgb);
        return -1;
    }
    int r;
    if (fmt == FB_FMT_PNG)
        r = write_png(f, fb, rgb);
    else
        r = fprintf(f, "P6\n%u %u\n255\n", fb->width, fb->height) < 0 || fwrite(rgb, 1, n, f) != n ? -1 : 0;
    free(rgb);
    if (fclose(f) || r) {
        snprintf(err, errlen, "%s: write failed", path);
        return -1;
    }
    return 0;
}

/* ---- snapshot state (boards/fb.h) ----
 * Section "framebuffer", version 1: u32 width, height, stride, region
 * size; u32 count of non-zero pages; per page (ascending) u32 index and
 * its 4 KiB.  The pages that are all zero are not written: a console
 * frame is mostly background, and the region past the frame mostly
 * unused.  Live migration (mig_precopied) writes a count of 0: the pages
 * travel as its own records, and the load keeps them. */

#define FB_PAGE (1u << FB_PAGE_BITS)

static bool page_zero(const uint8_t *p)
{
    static const uint8_t zero[FB_PAGE];
    return !memcmp(p, zero, FB_PAGE);
}

static void fb_state_save(SnapWriter *w, void *opaque)
{
    Fb *fb = opaque;
    uint32_t pages = fb->mig_precopied ? 0 : fb->size >> FB_PAGE_BITS, n = 0;
    for (uint32_t i = 0; i < pages; i++)
        n += fb->touched[i] && !page_zero(fb->mem + (size_t)i * FB_PAGE);
    snap_put_u32(w, fb->width);
    snap_put_u32(w, fb->height);
    snap_put_u32(w, fb->stride);
    snap_put_u32(w, fb->size);
    snap_put_u32(w, n);
    for (uint32_t i = 0; i < pages; i++) {
        if (!fb->touched[i] || page_zero(fb->mem + (size_t)i * FB_PAGE))
            continue;
        snap_put_u32(w, i);
        snap_put_bytes(w, fb->mem + (size_t)i * FB_PAGE, FB_PAGE);
    }
}

static int fb_state_load(SnapReader *r, uint32_t version, void *opaque, void **tmp,
                         SnapError *err)
{
    (void)version;
    Fb *fb = opaque;
    uint32_t w, h, stride, size, n;
    if (snap_get_u32(r, &w, err) || snap_get_u32(r, &h, err) || snap_get_u32(r, &stride, err) ||
        snap_get_u32(r, &size, err) || snap_get_u32(r, &n, err))
        return -1;
    if (w != fb->width || h != fb->height) {
        snap_error(err, "snapshot's framebuffer is %ux%u, this machine's is %ux%u (use -M virt,fb=%ux%u)",
                   w, h, fb->width, fb->height, w, h);
        return -1;
    }
    uint32_t pages = fb->size >> FB_PAGE_BITS;
    if (stride != fb->stride || size != fb->size || n > pages ||
        n > snap_remaining(r) / (4 + FB_PAGE)) {
        snap_error(err, "snapshot is corrupt (framebuffer stride %u, region %u bytes, %u pages)",
                   stride, size, n);
        return -1;
    }
    if (fb->mig_precopied && n == 0) {
        *tmp = fb->mem; /* the region as migrated: fb_state_commit keeps it */
        return 0;
    }
    /* the region, then its touched map (fb_state_commit takes both) */
    uint8_t *mem = calloc(1, (size_t)fb->size + pages);
    if (!mem) {
        snap_error(err, "out of memory");
        return -1;
    }
    *tmp = mem;
    uint32_t prev = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i;
        if (snap_get_u32(r, &i, err))
            return -1;
        if (i >= pages || (k && i <= prev)) {
            snap_error(err, "snapshot is corrupt (framebuffer page %u)", i);
            return -1;
        }
        prev = i;
        if (snap_get_bytes(r, mem + (size_t)i * FB_PAGE, FB_PAGE, err))
            return -1;
        mem[fb->size + i] = 1;
    }
    return 0;
}

/* The whole region is new: every page dirty, so a display redraws it.
 * Copied into the live block, never swapped for the loaded one: a live
 * migration's thread may be reading the region (migrate.h, MigRegion),
 * and takes the pages that changed again (mig_dirty).  Pages zero in
 * both are not read. */
static void fb_state_commit(void *opaque, void *tmp)
{
    Fb *fb = opaque;
    if (tmp != fb->mem) {
        const uint8_t *mem = tmp, *touched = mem + fb->size;
        for (uint32_t i = 0; i < fb->size >> FB_PAGE_BITS; i++) {
            if (!touched[i] && !fb->touched[i])
                continue;
            memcpy(fb->mem + (size_t)i * FB_PAGE, mem + (size_t)i * FB_PAGE, FB_PAGE);
            fb->touched[i] = touched[i];
            fb->mig_dirty[i] = 1;
        }
    }
    memset(fb->dirty, 1, (fb->size >> FB_PAGE_BITS) + 1);
}

static void fb_state_free(void *opaque, void *tmp)
{
    Fb *fb = opaque;
    if (tmp != fb->mem)
        free(tmp);
}

/* Absent from an older snapshot: the framebuffer as at power-on */
static void fb_state_reset(void *opaque)
{
    Fb *fb = opaque;
    for (uint32_t i = 0; i < fb->size >> FB_PAGE_BITS; i++)
        fb->mig_dirty[i] |= fb->touched[i]; /* a migration sends them again */
    memset(fb->mem, 0, fb->size);
    memset(fb->touched, 0, (fb->size >> FB_PAGE_BITS) + 1); /* all zero again */
    memset(fb->dirty, 1, (fb->size >> FB_PAGE_BITS) + 1);
}

static const SnapBulkOps fb_bulk = { fb_state_save, fb_state_load, fb_state_commit, fb_state_free };

const SnapStateDesc fb_state_desc = {
    .name = "framebuffer", .version = 1, .bulk = &fb_bulk, .optional = true,
    .reset = fb_state_reset,
};
