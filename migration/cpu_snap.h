/* The CPU's snapshot section: architectural state only.  Derived state
 * (soft TLB, translation blocks) is rebuilt after loading. */
#ifndef MIGRATION_CPU_SNAP_H
#define MIGRATION_CPU_SNAP_H

#include "cpu/ppc.h"
#include "migration/snap.h"

#define SNAP_CPU_VERSION 1

/* The section's field table (tools/ppcsnap prints a stream from it) */
extern const SnapField snap_cpu_fields[];

void snap_save_cpu(SnapWriter *w, const PPCState *s);
/* Loads into *dst, a copy the caller commits only when the whole snapshot
 * loaded: fields absent from an older stream keep dst's values. */
SNAP_WUR int snap_load_cpu(SnapReader *r, uint32_t version, PPCState *dst, SnapError *err);
/* Copy loaded architectural state into the live CPU and rebuild derived
 * state (post-load). */
void snap_cpu_commit(PPCState *live, const PPCState *loaded);

#endif /* MIGRATION_CPU_SNAP_H */
