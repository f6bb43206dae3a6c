/*
 * The linear framebuffer (board.md: 0xA000_0000, a 16 MiB region): a
 * width x height frame of 32-bit pixels, stride width * 4, at the start
 * of the region; the rest of the region is plain memory.  A pixel is the
 * big-endian word 0xXXRRGGBB, i.e. the bytes X R G B in address order:
 * Linux's simplefb "x8r8g8b8" on this big-endian CPU (boards/fdt.c).
 *
 * The region is MMIO to the CPU (every access takes the bus's slow path).
 * Writes mark the framebuffer's own page bitmap, which a display reads and
 * clears (fb_dirty_*), independent of the RAM dirty log.
 *
 * Snapshot state (section "framebuffer", fb_state_desc): the geometry,
 * which must equal the loading machine's (else one line naming the -M
 * option), and the whole region's non-zero pages (the region past the
 * frame is guest-writable memory too).  Optional: a snapshot from before
 * the section loads with the region cleared.
 *
 * Live migration sends the region like RAM, in the pre-copy passes
 * (migration/migrate.h, MigRegion: mig_dirty is its log, mig_precopied
 * set around the stop's device state): then the section carries the
 * geometry and no pages, and its load keeps the region as received.
 */
#ifndef BOARDS_FB_H
#define BOARDS_FB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem/bus.h"
#include "migration/snapstate.h"

#define FB_PAGE_BITS 12

typedef struct Fb {
    uint8_t *mem;        /* the whole region, VIRT_FB_SIZE bytes; fixed for its lifetime */
    uint32_t size;
    uint32_t width, height, stride;
    uint8_t *dirty;      /* 1 byte per page of the region */
    /* 1 byte per page: written since power-on or the last load.  The
     * others are zero and a save does not read them: the region is 16 MiB
     * of calloc'd memory, and reading an untouched page costs a page
     * fault (4096 of them put ~60 ms into a migration's downtime) */
    uint8_t *touched;
    /* 1 byte per page: written since live migration last took it (its
     * dirty log, MigRegion; the display's `dirty` is cleared by redraws) */
    uint8_t *mig_dirty;
    bool mig_precopied; /* the section without the pages (MigRegion) */
} Fb;

extern const MemOps fb_ops;
extern const SnapStateDesc fb_state_desc;

/* 0, or -1 when out of memory */
__attribute__((warn_unused_result))
int fb_init(Fb *fb, uint32_t size, uint32_t width, uint32_t height);
void fb_free(Fb *fb);

/* Pixel (x, y) as 0x00RRGGBB */
static inline uint32_t fb_pixel(const Fb *fb, uint32_t x, uint32_t y)
{
    const uint8_t *p = fb->mem + y * fb->stride + x * 4;
    return (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame as packed RGB bytes (width * height * 3) into rgb */
void fb_to_rgb(const Fb *fb, uint8_t *rgb);

/* Did a write touch the frame's rows [y0, y1) since the last clear? */
bool fb_dirty_rows(const Fb *fb, uint32_t y0, uint32_t y1);
void fb_dirty_clear(Fb *fb);

typedef enum { FB_FMT_PPM, FB_FMT_PNG } FbFormat;

/* Write the current frame to path (P6 PPM, or an 8-bit RGB PNG).
 * 0, or -1 with err set. */
__attribute__((warn_unused_result))
int fb_screendump(const Fb *fb, const char *path, FbFormat fmt, char *err, size_t errlen);

#endif /* BOARDS_FB_H */
