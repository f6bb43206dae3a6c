/* The RAM section: a Bus's RAM, zero pages costing nothing (the page
 * format is snap_put_ram's, migration/snap.h).  Opaque: the Bus. */
#ifndef MIGRATION_RAM_SNAP_H
#define MIGRATION_RAM_SNAP_H

#include "mem/bus.h"
#include "migration/snapstate.h"

#define SNAP_RAM_VERSION 1

extern const SnapStateDesc snap_ram_desc;

#endif /* MIGRATION_RAM_SNAP_H */
