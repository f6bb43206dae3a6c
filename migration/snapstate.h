/*
 * Components describe their own state; the snapshot walks a registry.
 *
 * A SnapStateDesc is a named, versioned description of one component's
 * state struct, kept next to the component's code (QEMU's
 * VMStateDescription is the model): a SnapField table (signed and unsigned
 * fields of each size, bools, arrays, bounds, since/until versions),
 * optional subsections for later additions, and hooks:
 *
 *   pre_save(opaque)        before the fields are written (export state)
 *   check(loaded, err)      phase 1: cross-field checks on the loaded copy
 *   post_load(opaque)       phase 2: rebuild derived state (interrupt
 *                           levels, scheduled events, TLB, blocks)
 *
 * A subsection is a SnapStateDesc of its own over the same struct, written
 * inside its parent's section after the parent's fields (u8 name length,
 * name, u32 version, fields) when its needed(opaque) says so; a stream
 * without it (an older ppcemu's) leaves set_default()'s values.
 *
 * A board fills a SnapRegistry with (description, live struct) pairs in
 * its list of devices; saving writes one section per entry in that order.
 * Loading is two-phase: every section is read into a private copy of its
 * struct (a memcpy of the live one, so host-side members are the live
 * ones) and checked; only when the whole stream passed does the commit
 * copy the described fields into the live structs, then run every
 * post_load in registry order.  A refused stream changes nothing.
 *
 * Sections that are not a struct of fields (RAM) bring SnapBulkOps.
 *
 * A section is mandatory unless its description sets `optional`: a stream
 * without a mandatory section is refused ("snapshot is incomplete"), so a
 * truncated or corrupt stream is still caught.  An optional section is one
 * added after streams without it existed (a device older snapshots did not
 * describe): its absence means "that device in its reset state", and the
 * commit runs the description's reset(opaque) instead of copying fields.
 */
#ifndef MIGRATION_SNAPSTATE_H
#define MIGRATION_SNAPSTATE_H

#include "migration/snap.h"

typedef struct SnapStateDesc SnapStateDesc;

typedef struct SnapBulkOps {
    void (*save)(SnapWriter *w, void *opaque);
    /* phase 1: read into a temporary of its own (*tmp); never live state */
    SNAP_WUR int (*load)(SnapReader *r, uint32_t version, void *opaque, void **tmp,
                         SnapError *err);
    void (*commit)(void *opaque, void *tmp); /* phase 2; cannot fail */
    void (*free_tmp)(void *opaque, void *tmp);
} SnapBulkOps;

struct SnapStateDesc {
    const char *name;      /* the section's (or subsection's) name */
    uint32_t version;      /* the version this build writes */
    uint32_t min_version;  /* the oldest it reads (0: 1) */
    size_t size;           /* sizeof the struct the fields describe */
    const SnapField *fields;
    const SnapStateDesc *const *subsections; /* NULL-terminated, or NULL */
    bool (*needed)(const void *opaque);      /* subsection: write it? */
    void (*set_default)(void *loaded);       /* subsection absent on load */
    void (*pre_save)(void *opaque);
    SNAP_WUR int (*check)(const void *loaded, SnapError *err);
    void (*post_load)(void *opaque);
    const SnapBulkOps *bulk;
    /* A stream may lack this section (older ppcemu): then reset(opaque)
     * puts the live device in its reset state at the commit, before the
     * post_loads of the other sections (its own post_load is not run).
     * Requires reset. */
    bool optional;
    void (*reset)(void *opaque);
};

#define SNAP_REGISTRY_MAX 32

typedef struct SnapEntry {
    const SnapStateDesc *desc;
    void *opaque; /* the live struct (bulk: whatever its ops take) */
} SnapEntry;

/* What a machine's snapshot header says, and the board's own header
 * checks (flags) after the generic ones (board, CPU, RAM size) */
typedef struct SnapRegistry {
    char board[16], cpu[16];
    uint32_t ram_size, flags;
    SNAP_WUR int (*check_header)(const SnapHeader *h, const void *opaque, SnapError *err);
    const void *header_opaque;
    SnapEntry entry[SNAP_REGISTRY_MAX];
    unsigned n;
} SnapRegistry;

/* 0, or -1 when the registry is full or the name is taken (a bug) */
SNAP_WUR int snap_register(SnapRegistry *reg, const SnapStateDesc *d, void *opaque);
const SnapEntry *snap_registry_find(const SnapRegistry *reg, const char *name);

/* ---- one description ---- */
/* A whole section: pre_save, fields, needed subsections */
void snap_state_write(SnapWriter *w, const SnapStateDesc *d, void *opaque);
/* The payload of a section just opened (snap_next_section) into `loaded`
 * (the caller's copy of the struct), subsections, end-of-section checks
 * and d->check.  A version outside min_version..version is refused. */
SNAP_WUR int snap_state_read(SnapReader *r, const SnapStateDesc *d, uint32_t version,
                             void *loaded, SnapError *err);
/* Phase 2 for one description: the described fields (subsections
 * included) from `loaded` into `live`; post_load is separate, because a
 * machine runs them after every commit. */
void snap_state_commit(const SnapStateDesc *d, void *live, const void *loaded);

/* ---- a machine ---- */
void snap_registry_header(const SnapRegistry *reg, SnapHeader *h);
void snap_registry_write(const SnapRegistry *reg, SnapWriter *w);
SNAP_WUR int snap_registry_save_file(const SnapRegistry *reg, const char *path,
                                     SnapError *err);

/* A read and checked stream, waiting for its commit */
typedef struct SnapLoad SnapLoad;
/* Phase 1 from an open reader whose header is h; NULL with err set */
SnapLoad *snap_registry_read(const SnapRegistry *reg, SnapReader *r, const SnapHeader *h,
                             SnapError *err);
SnapLoad *snap_registry_read_file(const SnapRegistry *reg, const char *path, SnapError *err);
/* Phase 2 (cannot fail), then frees ld */
void snap_load_commit(SnapLoad *ld);
void snap_load_free(SnapLoad *ld);

#endif /* MIGRATION_SNAPSTATE_H */
