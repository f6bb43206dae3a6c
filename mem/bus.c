#include "mem/bus.h"

#include <stdlib.h>
#include <string.h>

int bus_init(Bus *b, uint32_t ram_size, uint32_t rom_base, uint32_t rom_size)
{
    memset(b, 0, sizeof(*b));
    b->ram = calloc(1, ram_size);
    b->rom = calloc(1, rom_size ? rom_size : 1);
    uint32_t pages = ram_size >> BUS_PAGE_BITS;
    b->code_pages = calloc(1, pages + 1);
    b->dirty_pages = calloc(1, pages / 8 + 1);
    if (!b->ram || !b->rom || !b->code_pages || !b->dirty_pages) {
        bus_free(b);
        return -1;
    }
    memset(b->rom, 0xFF, rom_size);
    b->ram_size = ram_size;
    b->rom_base = rom_base;
    b->rom_size = rom_size;
    return 0;
}

void bus_free(Bus *b)
{
    free(b->ram);
    free(b->rom);
    free(b->code_pages);
    free(b->dirty_pages);
    memset(b, 0, sizeof(*b));
}

int bus_add_region(Bus *b, uint32_t base, uint32_t size, const MemOps *ops, void *opaque,
                   const char *name)
{
    if (b->nregions >= BUS_MAX_REGIONS || size == 0 || (base & 3))
        return -1; /* word-aligned: a device never sees a misaligned access */
    b->regions[b->nregions++] = (MemRegion){ base, size, ops, opaque, name };
    return 0;
}

uint8_t *bus_host_ptr(Bus *b, uint32_t pa, bool *writable)
{
    if (pa < b->ram_size) {
        *writable = true;
        return b->ram + pa;
    }
    if (pa - b->rom_base < b->rom_size) {
        *writable = false;
        return b->rom + (pa - b->rom_base);
    }
    return NULL;
}

static MemRegion *find_region(Bus *b, uint32_t pa, unsigned size)
{
    for (int i = 0; i < b->nregions; i++) {
        MemRegion *r = &b->regions[i];
        if (pa - r->base < r->size && pa - r->base + size <= r->size)
            return r;
    }
    return NULL;
}

static uint32_t get_be(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v = (v << 8) | p[i];
    return v;
}

static void put_be(uint8_t *p, uint32_t v, unsigned size)
{
    for (unsigned i = size; i-- > 0; v >>= 8)
        p[i] = (uint8_t)v;
}

uint32_t bus_read(Bus *b, uint32_t pa, unsigned size)
{
    bool w;
    uint8_t *p = bus_host_ptr(b, pa, &w);
    /* both ends in the same RAM or ROM buffer (not wrapping past 4 GiB) */
    if (p && pa + size - 1 >= pa && bus_host_ptr(b, pa + size - 1, &w) == p + size - 1)
        return get_be(p, size);
    if (pa & (size - 1)) { /* misaligned device access: bytes (bus.h) */
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v = v << 8 | bus_read(b, pa + i, 1);
        return v;
    }
    MemRegion *r = find_region(b, pa, size);
    if (r && r->ops->read)
        return r->ops->read(r->opaque, pa - r->base, size);
    if (b->unmapped_fn)
        b->unmapped_fn(b->unmapped_opaque, pa, size, false, 0);
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void bus_write(Bus *b, uint32_t pa, uint32_t val, unsigned size)
{
    if (pa < b->ram_size && pa + size <= b->ram_size) {
        put_be(b->ram + pa, val, size);
        bus_mark_dirty(b, pa);
        bus_mark_dirty(b, pa + size - 1);
        return;
    }
    if (pa - b->rom_base < b->rom_size)
        return; /* ROM: writes are dropped */
    if (pa & (size - 1)) { /* misaligned device access: bytes (bus.h) */
        for (unsigned i = 0; i < size; i++)
            bus_write(b, pa + i, (val >> (8 * (size - 1 - i))) & 0xFFu, 1);
        return;
    }
    MemRegion *r = find_region(b, pa, size);
    if (r && r->ops->write) {
        r->ops->write(r->opaque, pa - r->base, val, size);
        return;
    }
    if (b->unmapped_fn)
        b->unmapped_fn(b->unmapped_opaque, pa, size, true, val);
}

int bus_load(Bus *b, uint32_t pa, const void *src, size_t len)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < len; i++) {
        bool w;
        uint8_t *p = bus_host_ptr(b, (uint32_t)(pa + i), &w);
        if (!p || (uint64_t)pa + i > 0xFFFFFFFFu)
            return -1;
        *p = s[i];
        if (w)
            bus_mark_dirty(b, (uint32_t)(pa + i));
    }
    return 0;
}

int bus_peek(Bus *b, uint32_t pa, void *dst, size_t len)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < len; i++) {
        bool w;
        uint8_t *p = bus_host_ptr(b, (uint32_t)(pa + i), &w);
        if (!p || (uint64_t)pa + i > 0xFFFFFFFFu)
            return -1;
        d[i] = *p;
    }
    return 0;
}

void bus_dirty_clear_all(Bus *b)
{
    memset(b->dirty_pages, 0, (b->ram_size >> BUS_PAGE_BITS) / 8 + 1);
}
