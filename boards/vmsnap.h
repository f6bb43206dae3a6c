/*
 * The machine's named snapshots: savevm / loadvm / delvm / info snapshots
 * and -loadvm.  The file format and the files are migration/'s; this is
 * the run state around a save or a load and the monitor's wording.
 *
 * Run state: a save is taken between CPU slices (a block boundary).  Under
 * -tb-clock vm the timebase is paused while the file is written, so the
 * guest never sees the time a save takes.  A load leaves the timebase
 * paused and resumes it only if the machine is running: time is re-derived
 * when the guest starts running (timebase.md rule 5).  A failed load
 * leaves the machine exactly as it was.
 */
#ifndef BOARDS_VMSNAP_H
#define BOARDS_VMSNAP_H

#include "boards/machine.h"
#include "boards/monitor.h"
#include "migration/snap.h"

SNAP_WUR int machine_savevm(Machine *m, const char *name, SnapError *err);
SNAP_WUR int machine_loadvm(Machine *m, const char *name, SnapError *err);
SNAP_WUR int machine_delvm(Machine *m, const char *name, SnapError *err);

/* Monitor commands (boards/monitor.c's tables) */
int vmsnap_cmd_savevm(Monitor *mon, const char *args);
int vmsnap_cmd_loadvm(Monitor *mon, const char *args);
int vmsnap_cmd_delvm(Monitor *mon, const char *args);
int vmsnap_cmd_info_snapshots(Monitor *mon, const char *args);

#endif /* BOARDS_VMSNAP_H */
