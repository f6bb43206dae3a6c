/* State descriptions and the machine registry (migration/snapstate.h) */
#include "migration/snapstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(bool) == 1, "bool fields are one byte in the stream and in memory");

int snap_register(SnapRegistry *reg, const SnapStateDesc *d, void *opaque)
{
    if (reg->n == SNAP_REGISTRY_MAX || snap_registry_find(reg, d->name) ||
        (d->optional && !d->reset))
        return -1;
    reg->entry[reg->n].desc = d;
    reg->entry[reg->n].opaque = opaque;
    reg->n++;
    return 0;
}

const SnapEntry *snap_registry_find(const SnapRegistry *reg, const char *name)
{
    for (unsigned i = 0; i < reg->n; i++)
        if (!strcmp(reg->entry[i].desc->name, name))
            return &reg->entry[i];
    return NULL;
}

/* ---- one description ---- */

static void put_subsection(SnapWriter *w, const SnapStateDesc *sub, const void *opaque)
{
    size_t nl = strlen(sub->name);
    snap_put_u8(w, (uint8_t)nl);
    snap_put_bytes(w, sub->name, nl);
    snap_put_u32(w, sub->version);
    snap_put_fields(w, sub->fields, opaque, sub->version);
}

void snap_state_write(SnapWriter *w, const SnapStateDesc *d, void *opaque)
{
    if (d->pre_save)
        d->pre_save(opaque);
    snap_begin_section(w, d->name, d->version);
    if (d->bulk) {
        d->bulk->save(w, opaque);
    } else {
        snap_put_fields(w, d->fields, opaque, d->version);
        for (const SnapStateDesc *const *s = d->subsections; s && *s; s++)
            if (!(*s)->needed || (*s)->needed(opaque))
                put_subsection(w, *s, opaque);
    }
    snap_end_section(w);
}

static int check_version(const SnapStateDesc *d, uint32_t version, const char *what,
                         SnapError *err)
{
    uint32_t lo = d->min_version ? d->min_version : 1;
    if (version < lo || version > d->version) {
        snap_error(err, "snapshot's %s %s version %u is not supported (this ppcemu reads %u..%u)",
                   d->name, what, version, lo, d->version);
        return -1;
    }
    return 0;
}

/* Subsections until the section's payload ends; the absent ones get their
 * defaults.  seen: bit per subsection of d. */
static int read_subsections(SnapReader *r, const SnapStateDesc *d, void *loaded,
                            SnapError *err)
{
    uint32_t seen = 0;
    while (snap_remaining(r)) {
        uint8_t nl;
        char name[64];
        uint32_t version;
        if (snap_get_u8(r, &nl, err))
            return -1;
        if (nl == 0 || nl > 63) {
            snap_error(err, "snapshot is corrupt (bad subsection name length %u in %s)", nl,
                       d->name);
            return -1;
        }
        if (snap_get_bytes(r, name, nl, err) || snap_get_u32(r, &version, err))
            return -1;
        name[nl] = 0;
        unsigned i = 0;
        const SnapStateDesc *sub = NULL;
        for (; d->subsections && d->subsections[i]; i++)
            if (!strcmp(d->subsections[i]->name, name)) {
                sub = d->subsections[i];
                break;
            }
        if (!sub) {
            char safe[64 * 4 + 1];
            snap_escape(safe, sizeof safe, name, nl);
            snap_error(err, "snapshot has a %s subsection this ppcemu does not know: '%s'",
                       d->name, safe);
            return -1;
        }
        if (seen & (1u << i)) {
            snap_error(err, "snapshot is corrupt (two %s subsections in %s)", sub->name, d->name);
            return -1;
        }
        seen |= 1u << i;
        if (check_version(sub, version, "subsection", err) ||
            snap_get_fields(r, sub->fields, loaded, version, err))
            return -1;
    }
    for (unsigned i = 0; d->subsections && d->subsections[i]; i++)
        if (!(seen & (1u << i)) && d->subsections[i]->set_default)
            d->subsections[i]->set_default(loaded);
    return 0;
}

int snap_state_read(SnapReader *r, const SnapStateDesc *d, uint32_t version, void *loaded,
                    SnapError *err)
{
    if (check_version(d, version, "section", err) ||
        snap_get_fields(r, d->fields, loaded, version, err) ||
        read_subsections(r, d, loaded, err) || snap_end_read_section(r, err))
        return -1;
    return d->check ? d->check(loaded, err) : 0;
}

void snap_state_commit(const SnapStateDesc *d, void *live, const void *loaded)
{
    snap_copy_fields(d->fields, live, loaded, d->version);
    for (const SnapStateDesc *const *s = d->subsections; s && *s; s++)
        snap_copy_fields((*s)->fields, live, loaded, (*s)->version);
}

/* ---- a machine ---- */

void snap_registry_header(const SnapRegistry *reg, SnapHeader *h)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->board, sizeof(h->board), "%s", reg->board);
    snprintf(h->cpu, sizeof(h->cpu), "%s", reg->cpu);
    h->ram_size = reg->ram_size;
    h->flags = reg->flags;
}

void snap_registry_write(const SnapRegistry *reg, SnapWriter *w)
{
    for (unsigned i = 0; i < reg->n; i++)
        snap_state_write(w, reg->entry[i].desc, reg->entry[i].opaque);
}

int snap_registry_save_file(const SnapRegistry *reg, const char *path, SnapError *err)
{
    SnapHeader h;
    snap_registry_header(reg, &h);
    SnapWriter *w = snap_writer_open_file(path, &h, err);
    if (!w)
        return -1;
    snap_registry_write(reg, w);
    return snap_writer_commit(w, err);
}

struct SnapLoad {
    const SnapRegistry *reg;
    void *tmp[SNAP_REGISTRY_MAX]; /* per entry: the loaded copy */
};

void snap_load_free(SnapLoad *ld)
{
    if (!ld)
        return;
    for (unsigned i = 0; i < ld->reg->n; i++) {
        const SnapEntry *e = &ld->reg->entry[i];
        if (!ld->tmp[i])
            continue;
        if (e->desc->bulk)
            e->desc->bulk->free_tmp(e->opaque, ld->tmp[i]);
        else
            free(ld->tmp[i]);
    }
    free(ld);
}

static int check_header(const SnapRegistry *reg, const SnapHeader *h, SnapError *err)
{
    char safe[16 * 4 + 1];
    if (strcmp(h->board, reg->board)) {
        snap_escape(safe, sizeof safe, h->board, strlen(h->board));
        snap_error(err, "snapshot is for board '%s', this machine is '%s'", safe, reg->board);
        return -1;
    }
    if (strcmp(h->cpu, reg->cpu)) {
        snap_escape(safe, sizeof safe, h->cpu, strlen(h->cpu));
        snap_error(err, "snapshot is for CPU '%s', this machine has a '%s'", safe, reg->cpu);
        return -1;
    }
    if (h->ram_size != reg->ram_size) {
        if (h->ram_size % (1u << 20) == 0)
            snap_error(err, "snapshot has %u MiB of RAM, this machine has %u MiB (use -m %u)",
                       h->ram_size >> 20, reg->ram_size >> 20, h->ram_size >> 20);
        else
            snap_error(err, "snapshot has %u bytes of RAM, this machine has %u MiB",
                       h->ram_size, reg->ram_size >> 20);
        return -1;
    }
    return reg->check_header ? reg->check_header(h, reg->header_opaque, err) : 0;
}

static int read_entry(SnapLoad *ld, unsigned i, SnapReader *r, uint32_t version, SnapError *err)
{
    const SnapEntry *e = &ld->reg->entry[i];
    if (ld->tmp[i]) {
        snap_error(err, "snapshot is corrupt (two %s sections)", e->desc->name);
        return -1;
    }
    if (e->desc->bulk) {
        if (check_version(e->desc, version, "section", err) ||
            e->desc->bulk->load(r, version, e->opaque, &ld->tmp[i], err))
            return -1;
        return snap_end_read_section(r, err);
    }
    ld->tmp[i] = malloc(e->desc->size);
    if (!ld->tmp[i]) {
        snap_error(err, "out of memory");
        return -1;
    }
    memcpy(ld->tmp[i], e->opaque, e->desc->size);
    return snap_state_read(r, e->desc, version, ld->tmp[i], err);
}

SnapLoad *snap_registry_read(const SnapRegistry *reg, SnapReader *r, const SnapHeader *h,
                             SnapError *err)
{
    if (check_header(reg, h, err))
        return NULL;
    SnapLoad *ld = calloc(1, sizeof(*ld));
    if (!ld) {
        snap_error(err, "out of memory");
        return NULL;
    }
    ld->reg = reg;
    for (;;) {
        char name[64];
        uint32_t version;
        uint64_t len;
        int rc = snap_next_section(r, name, &version, &len, err);
        if (rc < 0)
            goto fail;
        if (rc == 0)
            break;
        const SnapEntry *e = snap_registry_find(reg, name);
        if (!e) {
            snap_error(err, "snapshot has a section this ppcemu does not know: '%s'", name);
            goto fail;
        }
        if (read_entry(ld, (unsigned)(e - reg->entry), r, version, err))
            goto fail;
    }
    for (unsigned i = 0; i < reg->n; i++) {
        if (!ld->tmp[i] && !reg->entry[i].desc->optional) {
            snap_error(err, "snapshot is incomplete (no %s section)", reg->entry[i].desc->name);
            goto fail;
        }
    }
    return ld;
fail:
    snap_load_free(ld);
    return NULL;
}

SnapLoad *snap_registry_read_file(const SnapRegistry *reg, const char *path, SnapError *err)
{
    SnapHeader h;
    SnapReader *r = snap_reader_open_file(path, &h, err);
    if (!r)
        return NULL;
    SnapLoad *ld = snap_registry_read(reg, r, &h, err);
    snap_reader_close(r);
    return ld;
}

/* Every struct first, then every post_load: a post_load may drive another
 * device's input (UART -> IPIC -> CPU), whose registers must already be
 * the loaded ones.  An optional section the stream lacked resets its
 * device in the first pass (so that a later post_load sees it reset). */
void snap_load_commit(SnapLoad *ld)
{
    const SnapRegistry *reg = ld->reg;
    for (unsigned i = 0; i < reg->n; i++) {
        const SnapEntry *e = &reg->entry[i];
        if (!ld->tmp[i])
            e->desc->reset(e->opaque); /* optional and absent (checked in read) */
        else if (e->desc->bulk)
            e->desc->bulk->commit(e->opaque, ld->tmp[i]);
        else
            snap_state_commit(e->desc, e->opaque, ld->tmp[i]);
    }
    for (unsigned i = 0; i < reg->n; i++) {
        const SnapEntry *e = &reg->entry[i];
        if (ld->tmp[i] && e->desc->post_load)
            e->desc->post_load(e->opaque);
    }
    snap_load_free(ld);
}
