/*
 * The physical bus: RAM, a read-only ROM and MMIO regions.  Devices are
 * {opaque, read, write, size} regions; they see register values, the bus
 * does the big-endian byte-lane work in one place.
 *
 * The bus also owns the tracking of RAM writes, so that every writer (the
 * CPU, a device, the monitor, a debugger, a loader, an incoming snapshot or
 * migration) has the same effect:
 *  - translated code: the translator marks the pages its code came from;
 *    any write into such a page goes to the RAM cache's code_written hook
 *    (the CPU drops the code) before the bytes change;
 *  - the dirty log: every write marks its pages; each consumer (migration,
 *    a display) keeps its own view and clears it without touching another's.
 * A writer that changes guest RAM must therefore use bus_write,
 * bus_write_ram, or write through bus_host_ptr and then call
 * bus_ram_written.  The one exception is a RAM cache (the CPU's soft TLB),
 * which writes through host pointers after bus_grant_write and is told
 * through its write_protect hook when it must ask again.
 *
 * Tracking calls are made from the thread that runs the CPU, or while it is
 * stopped: the hooks run synchronously in the caller's thread.
 */
#ifndef MEM_BUS_H
#define MEM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_PAGE_BITS 12
#define BUS_MAX_REGIONS 32

typedef struct MemOps {
    /* size is 1, 2 or 4; off is the offset inside the region; values are
     * the register's numeric value (the bus handles byte order).  Accesses
     * are always naturally aligned (off % size == 0), so one never crosses
     * a 32-bit register: the bus turns a misaligned access (the CPU's slow
     * path passes them on within a page, as the 750 does misaligned
     * accesses in hardware, 750 UM 4.5.6) into one byte access per byte, in
     * address order, each going to whatever is at its address; the value
     * is assembled big-endian and unmapped bytes read 0xFF.  So for every
     * device a misaligned access means exactly what its bytes mean.  Region
     * bases are word-aligned. */
    uint32_t (*read)(void *opaque, uint32_t off, unsigned size);
    void (*write)(void *opaque, uint32_t off, uint32_t val, unsigned size);
} MemOps;

typedef struct MemRegion {
    uint32_t base, size;
    const MemOps *ops;
    void *opaque;
    const char *name;
} MemRegion;

/* What caches guest RAM on the host side (the CPU: translated code and
 * soft-TLB write access).  Both hooks may be NULL. */
typedef struct BusRamCache {
    /* RAM or ROM bytes [pa, pa + len) are about to change and some of them
     * held translated code (always called for ROM, whose code pages are not
     * tracked): drop that code. */
    void (*code_written)(void *opaque, uint32_t pa, uint32_t len);
    /* The dirty log stopped counting the pages whose bits are set in
     * `pages` (bit n of word n / 64 = RAM page n) as written: drop every
     * host pointer through which they could be written without telling the
     * bus, so that the next write asks bus_grant_write again. */
    void (*write_protect)(void *opaque, const uint64_t *pages);
} BusRamCache;

typedef struct BusDirtyLog BusDirtyLog;

typedef struct Bus {
    uint8_t *ram;
    uint32_t ram_size;
    uint8_t *rom;
    uint32_t rom_base, rom_size;
    MemRegion regions[BUS_MAX_REGIONS];
    int nregions;
    /* tracking: use the functions below, never these fields */
    uint8_t *code_pages;     /* 1 byte per RAM page: translated code lives there */
    uint64_t *dirty_pending; /* 1 bit per RAM page: written since the last sync */
    BusDirtyLog *dirty_logs; /* the consumers */
    const BusRamCache *cache;
    void *cache_opaque;
    /* called for unmapped accesses (-d unimp); may be NULL */
    void (*unmapped_fn)(void *opaque, uint32_t pa, unsigned size, bool write, uint32_t val);
    void *unmapped_opaque;
} Bus;

__attribute__((warn_unused_result)) int bus_init(Bus *b, uint32_t ram_size,
                                                 uint32_t rom_base, uint32_t rom_size);
/* Frees the consumers' logs too */
void bus_free(Bus *b);
__attribute__((warn_unused_result)) int bus_add_region(Bus *b, uint32_t base, uint32_t size,
                                                       const MemOps *ops, void *opaque,
                                                       const char *name);

/* Host pointer for a RAM or ROM physical address, or NULL (MMIO/unmapped).
 * *writable tells whether stores may go straight to it (RAM, not ROM); a
 * writer that does must call bus_ram_written afterwards. */
uint8_t *bus_host_ptr(Bus *b, uint32_t pa, bool *writable);

/* Slow-path physical accesses of 1, 2 or 4 bytes, big-endian.  Unmapped
 * reads return all-ones, unmapped writes are dropped.  RAM writes are
 * tracked (code dropped, pages dirty). */
uint32_t bus_read(Bus *b, uint32_t pa, unsigned size);
void bus_write(Bus *b, uint32_t pa, uint32_t val, unsigned size);

/* Bulk copy into guest memory (loaders, devices, debuggers, incoming
 * state): the range must lie wholly in RAM or wholly in ROM (loaders fill
 * the ROM), else nothing is written and the result is -1.  Tracked. */
int bus_write_ram(Bus *b, uint32_t pa, const void *src, size_t len);
/* The caller has just written RAM [pa, pa + len) through bus_host_ptr:
 * drop the code translated from it and mark it dirty.  Parts outside RAM
 * are ignored. */
void bus_ram_written(Bus *b, uint32_t pa, uint64_t len);
/* Copy from guest memory (monitor x/, tests).  0, or -1 if part of the
 * range is not RAM/ROM. */
int bus_peek(Bus *b, uint32_t pa, void *dst, size_t len);

/* ---- the RAM cache (one: the CPU) ---- */

/* Register (or with NULL, remove) the RAM cache; ops must outlive it. */
void bus_set_ram_cache(Bus *b, const BusRamCache *ops, void *opaque);

static inline bool bus_page_has_code(const Bus *b, uint32_t pa)
{
    return pa < b->ram_size && b->code_pages[pa >> BUS_PAGE_BITS];
}
/* The translator made code from the RAM page of pa / dropped all of the
 * page's code / dropped all code.  Pages outside RAM are ignored. */
void bus_code_page_add(Bus *b, uint32_t pa);
void bus_code_page_remove(Bus *b, uint32_t pa);
void bus_code_pages_clear(Bus *b);

/* The RAM cache wants to write the RAM page of pa (which must be RAM:
 * bus_host_ptr said writable) through a host pointer from now on, without
 * telling the bus of each write.  Refused (false) if
 * the page holds translated code: its writes must reach bus_write.  Else
 * the page is marked dirty now, and the cache must give the pointer up
 * when write_protect names the page. */
static inline bool bus_grant_write(Bus *b, uint32_t pa)
{
    uint32_t pg = pa >> BUS_PAGE_BITS;
    if (b->code_pages[pg])
        return false;
    b->dirty_pending[pg >> 6] |= 1ull << (pg & 63);
    return true;
}

/* ---- the dirty log: one view per consumer ----
 *
 * Writers mark pages in one pending map.  A consumer's sync moves the
 * pending pages into every consumer's view (so none loses them) and
 * write-protects them in the RAM cache, so that the next write to each is
 * seen again.  A consumer then reads its own view (get, next, count) and
 * clears what it has dealt with; clearing touches that view only.
 *
 *   BusDirtyLog *l = bus_dirty_log_new(bus, "migration");
 *   for (;;) {
 *       bus_dirty_log_sync(l);
 *       for (uint32_t pg = bus_dirty_log_next(l, 0); pg < npages;
 *            pg = bus_dirty_log_next(l, pg + 1)) {
 *           send(pg);
 *           bus_dirty_log_clear(l, pg << BUS_PAGE_BITS, 1u << BUS_PAGE_BITS);
 *       }
 *   }
 */

/* A new view starts with every page dirty (its consumer has seen nothing
 * yet); NULL when out of memory.  name is kept (not copied) for messages. */
__attribute__((warn_unused_result)) BusDirtyLog *bus_dirty_log_new(Bus *b, const char *name);
void bus_dirty_log_free(BusDirtyLog *l);
const char *bus_dirty_log_name(const BusDirtyLog *l);
/* Bring every view up to date with the writes made so far */
void bus_dirty_log_sync(BusDirtyLog *l);
/* Was RAM page pg (pa >> BUS_PAGE_BITS) written, as of the last sync,
 * since this consumer last cleared it?  false outside RAM. */
bool bus_dirty_log_get(const BusDirtyLog *l, uint32_t pg);
/* First dirty page >= pg in this view, or the number of RAM pages */
uint32_t bus_dirty_log_next(const BusDirtyLog *l, uint32_t pg);
uint32_t bus_dirty_log_count(const BusDirtyLog *l);
/* Mark the pages of RAM [pa, pa + len) clean in this view only */
void bus_dirty_log_clear(BusDirtyLog *l, uint32_t pa, uint64_t len);

#endif /* MEM_BUS_H */
