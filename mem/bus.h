/*
 * The physical bus: RAM, a read-only ROM and MMIO regions.  Devices are
 * {opaque, read, write, size} regions; they see register values, the bus
 * does the big-endian byte-lane work in one place.  The bus also keeps two
 * page bitmaps the CPU's soft TLB relies on: pages holding translated code
 * (stores into them must go through the slow path) and pages written since
 * the dirty log was last cleared (live migration pre-copy).
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

typedef struct Bus {
    uint8_t *ram;
    uint32_t ram_size;
    uint8_t *rom;
    uint32_t rom_base, rom_size;
    MemRegion regions[BUS_MAX_REGIONS];
    int nregions;
    uint8_t *code_pages;  /* 1 byte per RAM page: translated code lives there */
    uint8_t *dirty_pages; /* 1 bit per RAM page */
    /* called for unmapped accesses (-d unimp); may be NULL */
    void (*unmapped_fn)(void *opaque, uint32_t pa, unsigned size, bool write, uint32_t val);
    void *unmapped_opaque;
} Bus;

__attribute__((warn_unused_result)) int bus_init(Bus *b, uint32_t ram_size,
                                                 uint32_t rom_base, uint32_t rom_size);
void bus_free(Bus *b);
__attribute__((warn_unused_result)) int bus_add_region(Bus *b, uint32_t base, uint32_t size,
                                                       const MemOps *ops, void *opaque,
                                                       const char *name);

/* Host pointer for a RAM or ROM physical address, or NULL (MMIO/unmapped).
 * *writable tells whether stores may go straight to it (RAM, not ROM). */
uint8_t *bus_host_ptr(Bus *b, uint32_t pa, bool *writable);

/* Slow-path physical accesses of 1, 2 or 4 bytes, big-endian.  Unmapped
 * reads return all-ones, unmapped writes are dropped. */
uint32_t bus_read(Bus *b, uint32_t pa, unsigned size);
void bus_write(Bus *b, uint32_t pa, uint32_t val, unsigned size);

/* Copy to/from guest physical memory (loaders, monitor x/, tests).
 * Returns 0, or -1 if part of the range is not RAM/ROM. */
int bus_load(Bus *b, uint32_t pa, const void *src, size_t len);
int bus_peek(Bus *b, uint32_t pa, void *dst, size_t len);


/* Dirty log */
static inline void bus_mark_dirty(Bus *b, uint32_t pa)
{
    uint32_t pg = pa >> BUS_PAGE_BITS;
    b->dirty_pages[pg >> 3] |= (uint8_t)(1u << (pg & 7));
}
static inline bool bus_page_dirty(const Bus *b, uint32_t pg)
{
    return b->dirty_pages[pg >> 3] & (1u << (pg & 7));
}
/* Clears the log only: a CPU whose soft TLB holds write tags would then
 * store without marking pages again.  Restart a log round with
 * ppc_dirty_log_restart() (cpu/ppc.h), which also drops the write tags. */
void bus_dirty_clear_all(Bus *b);

#endif /* MEM_BUS_H */
