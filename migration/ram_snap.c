/* The RAM section (migration/ram_snap.h) */
#include "migration/ram_snap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A loaded RAM image: fresh anonymous memory, so zero pages of the stream
 * are never touched and a refused or idle snapshot costs little */
typedef struct RamImage {
    uint8_t *ram;
    uint8_t *map; /* which pages carry data (bit per page) */
    uint32_t size;
} RamImage;

static void ram_save(SnapWriter *w, void *opaque)
{
    Bus *b = opaque;
    snap_put_ram(w, b->ram, b->ram_size);
}

static void ram_free_tmp(void *opaque, void *tmp)
{
    (void)opaque;
    RamImage *im = tmp;
    if (!im)
        return;
    if (im->ram)
        munmap(im->ram, im->size);
    free(im->map);
    free(im);
}

static int ram_load(SnapReader *r, uint32_t version, void *opaque, void **tmp, SnapError *err)
{
    (void)version;
    Bus *b = opaque;
    RamImage *im = calloc(1, sizeof(*im));
    if (!im) {
        snap_error(err, "out of memory");
        return -1;
    }
    *tmp = im;
    im->size = b->ram_size;
    im->ram = mmap(NULL, im->size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    im->map = calloc(1, (im->size >> BUS_PAGE_BITS) / 8 + 1);
    if (im->ram == MAP_FAILED || !im->map) {
        if (im->ram == MAP_FAILED)
            im->ram = NULL;
        snap_error(err, "out of memory for the snapshot's %u MiB of RAM", im->size >> 20);
        return -1;
    }
    return snap_get_ram_zeroed(r, im->ram, im->size, im->map, err);
}

/* Data pages are copied, the others cleared; the bus then counts every
 * page as written (the dirty log, translated code). */
static void ram_commit(void *opaque, void *tmp)
{
    Bus *b = opaque;
    const RamImage *im = tmp;
    uint32_t pages = b->ram_size >> BUS_PAGE_BITS, psz = 1u << BUS_PAGE_BITS;
    for (uint32_t i = 0; i < pages; i++) {
        uint8_t *dst = b->ram + (size_t)i * psz;
        if (im->map[i >> 3] & (1u << (i & 7)))
            memcpy(dst, im->ram + (size_t)i * psz, psz);
        else
            memset(dst, 0, psz);
    }
    bus_ram_written(b, 0, b->ram_size);
}

static const SnapBulkOps ram_ops = { ram_save, ram_load, ram_commit, ram_free_tmp };

const SnapStateDesc snap_ram_desc = {
    .name = "ram",
    .version = SNAP_RAM_VERSION,
    .bulk = &ram_ops,
};
