#include "mem/bus.h"

#include <stdlib.h>
#include <string.h>

struct BusDirtyLog {
    Bus *bus;
    const char *name;
    uint64_t *pages; /* this consumer's view, 1 bit per RAM page */
    BusDirtyLog *next;
};

static uint32_t ram_pages(const Bus *b)
{
    return b->ram_size >> BUS_PAGE_BITS;
}

static size_t map_words(const Bus *b)
{
    return (ram_pages(b) + 63) / 64;
}

int bus_init(Bus *b, uint32_t ram_size, uint32_t rom_base, uint32_t rom_size)
{
    memset(b, 0, sizeof(*b));
    b->ram_size = ram_size;
    b->ram = calloc(1, ram_size);
    b->rom = calloc(1, rom_size ? rom_size : 1);
    b->code_pages = calloc(1, ram_pages(b) + 1);
    b->dirty_pending = calloc(map_words(b) + 1, sizeof(uint64_t));
    if (!b->ram || !b->rom || !b->code_pages || !b->dirty_pending) {
        bus_free(b);
        return -1;
    }
    memset(b->rom, 0xFF, rom_size);
    b->rom_base = rom_base;
    b->rom_size = rom_size;
    return 0;
}

void bus_free(Bus *b)
{
    while (b->dirty_logs)
        bus_dirty_log_free(b->dirty_logs);
    free(b->ram);
    free(b->rom);
    free(b->code_pages);
    free(b->dirty_pending);
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

/* ---- write tracking ---- */

static void code_written(Bus *b, uint32_t pa, uint32_t len)
{
    if (b->cache && b->cache->code_written)
        b->cache->code_written(b->cache_opaque, pa, len);
}

/* RAM [pa, pa + len) (inside RAM, len > 0) is about to change */
static void ram_write_begin(Bus *b, uint32_t pa, uint32_t len)
{
    uint32_t first = pa >> BUS_PAGE_BITS, last = (pa + len - 1) >> BUS_PAGE_BITS;
    for (uint32_t pg = first; pg <= last; pg++) {
        if (b->code_pages[pg]) {
            code_written(b, pa, len);
            break;
        }
    }
    for (uint32_t pg = first; pg <= last; pg++)
        b->dirty_pending[pg >> 6] |= 1ull << (pg & 63);
}

void bus_ram_written(Bus *b, uint32_t pa, uint64_t len)
{
    if (pa >= b->ram_size || len == 0)
        return;
    if (len > b->ram_size - pa)
        len = b->ram_size - pa;
    ram_write_begin(b, pa, (uint32_t)len);
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
        ram_write_begin(b, pa, size);
        put_be(b->ram + pa, val, size);
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

int bus_write_ram(Bus *b, uint32_t pa, const void *src, size_t len)
{
    if (len == 0)
        return 0;
    if (len - 1 > 0xFFFFFFFFu - pa)
        return -1; /* wraps around the address space */
    uint32_t last = (uint32_t)(pa + len - 1);
    if (last < b->ram_size) {
        ram_write_begin(b, pa, (uint32_t)len);
        memcpy(b->ram + pa, src, len);
        return 0;
    }
    if (pa - b->rom_base < b->rom_size && last - b->rom_base < b->rom_size) {
        code_written(b, pa, (uint32_t)len);
        memcpy(b->rom + (pa - b->rom_base), src, len);
        return 0;
    }
    return -1;
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

/* ---- the RAM cache and the code-page map ---- */

void bus_set_ram_cache(Bus *b, const BusRamCache *ops, void *opaque)
{
    b->cache = ops;
    b->cache_opaque = ops ? opaque : NULL;
}

void bus_code_page_add(Bus *b, uint32_t pa)
{
    if (pa < b->ram_size)
        b->code_pages[pa >> BUS_PAGE_BITS] = 1;
}

void bus_code_page_remove(Bus *b, uint32_t pa)
{
    if (pa < b->ram_size)
        b->code_pages[pa >> BUS_PAGE_BITS] = 0;
}

void bus_code_pages_clear(Bus *b)
{
    memset(b->code_pages, 0, ram_pages(b));
}

/* ---- the dirty log ---- */

BusDirtyLog *bus_dirty_log_new(Bus *b, const char *name)
{
    BusDirtyLog *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->pages = malloc((map_words(b) + 1) * sizeof(uint64_t));
    if (!l->pages) {
        free(l);
        return NULL;
    }
    memset(l->pages, 0xFF, map_words(b) * sizeof(uint64_t));
    /* bits past the last page stay clear, so count and next need no mask */
    if (ram_pages(b) % 64)
        l->pages[map_words(b) - 1] = (1ull << (ram_pages(b) % 64)) - 1;
    l->bus = b;
    l->name = name;
    l->next = b->dirty_logs;
    b->dirty_logs = l;
    return l;
}

void bus_dirty_log_free(BusDirtyLog *l)
{
    if (!l)
        return;
    BusDirtyLog **pp = &l->bus->dirty_logs;
    while (*pp && *pp != l)
        pp = &(*pp)->next;
    if (*pp)
        *pp = l->next;
    free(l->pages);
    free(l);
}

const char *bus_dirty_log_name(const BusDirtyLog *l)
{
    return l->name;
}

/* Every view receives the pending pages before any of them is cleared, and
 * the RAM cache gives up its write access to them before the pending map
 * forgets them: a write tag therefore always stands for a pending page,
 * and no write through it can be missed by any view. */
void bus_dirty_log_sync(BusDirtyLog *l)
{
    Bus *b = l->bus;
    size_t n = map_words(b);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        uint64_t w = b->dirty_pending[i];
        if (!w)
            continue;
        any = true;
        for (BusDirtyLog *v = b->dirty_logs; v; v = v->next)
            v->pages[i] |= w;
    }
    if (!any)
        return;
    if (b->cache && b->cache->write_protect)
        b->cache->write_protect(b->cache_opaque, b->dirty_pending);
    memset(b->dirty_pending, 0, n * sizeof(uint64_t));
}

bool bus_dirty_log_get(const BusDirtyLog *l, uint32_t pg)
{
    if (pg >= ram_pages(l->bus))
        return false;
    return (l->pages[pg >> 6] >> (pg & 63)) & 1;
}

uint32_t bus_dirty_log_next(const BusDirtyLog *l, uint32_t pg)
{
    uint32_t n = ram_pages(l->bus);
    if (pg >= n)
        return n;
    size_t i = pg >> 6;
    uint64_t w = l->pages[i] & (~0ull << (pg & 63));
    while (!w) {
        if (++i >= map_words(l->bus))
            return n;
        w = l->pages[i];
    }
    return (uint32_t)(i * 64 + (unsigned)__builtin_ctzll(w));
}

uint32_t bus_dirty_log_count(const BusDirtyLog *l)
{
    uint32_t c = 0;
    for (size_t i = 0; i < map_words(l->bus); i++)
        c += (uint32_t)__builtin_popcountll(l->pages[i]);
    return c;
}

void bus_dirty_log_clear(BusDirtyLog *l, uint32_t pa, uint64_t len)
{
    uint32_t size = l->bus->ram_size;
    if (pa >= size || len == 0)
        return;
    if (len > size - pa)
        len = size - pa;
    uint32_t first = pa >> BUS_PAGE_BITS;
    uint32_t last = (uint32_t)((pa + len - 1) >> BUS_PAGE_BITS);
    for (uint32_t pg = first; pg <= last; pg++)
        l->pages[pg >> 6] &= ~(1ull << (pg & 63));
}
