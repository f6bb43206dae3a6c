/* The CPU's snapshot section, built from the register table of cpu/regs.h
 * (architectural state only; soft TLB and translated blocks are rebuilt
 * by post_load). */
#ifndef MIGRATION_CPU_SNAP_H
#define MIGRATION_CPU_SNAP_H

#include "cpu/ppc.h"
#include "migration/snapstate.h"

#define SNAP_CPU_VERSION 1

/* The description (opaque: the PPCState) */
const SnapStateDesc *snap_cpu_desc(void);

#endif /* MIGRATION_CPU_SNAP_H */
