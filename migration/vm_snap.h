/*
 * Named snapshots of the running emulator: savevm / loadvm / delvm /
 * info snapshots (cli.md "Monitor commands"), -loadvm and -snapshot-dir.
 *
 * A NAME is a file DIR/NAME.snap in the snapshot directory (-snapshot-dir,
 * default $XDG_DATA_HOME/ppcemu/snapshots, i.e.
 * ~/.local/share/ppcemu/snapshots); a NAME containing '/' is a path.
 *
 * Run state: a save is taken between CPU slices (a block boundary).  Under
 * -tb-clock vm the timebase is paused while the file is written, so the
 * guest never sees the time a save takes.  A load leaves the timebase
 * paused and resumes it only if the machine is running: time is re-derived
 * when the guest starts running (timebase.md rule 5).  A failed load
 * leaves the machine exactly as it was.
 */
#ifndef MIGRATION_VM_SNAP_H
#define MIGRATION_VM_SNAP_H

#include <stddef.h>

#include "boards/machine.h"
#include "boards/monitor.h"
#include "migration/snap.h"

#define SNAP_FILE_SUFFIX ".snap"

/* NAME -> file path (checks the name); the directory is not created */
SNAP_WUR int snap_vm_path(const Machine *m, const char *name, char *out, size_t len,
                          SnapError *err);
SNAP_WUR int snap_vm_save(Machine *m, const char *name, SnapError *err);
SNAP_WUR int snap_vm_load(Machine *m, const char *name, SnapError *err);
SNAP_WUR int snap_vm_delete(Machine *m, const char *name, SnapError *err);

/* Monitor commands (boards/monitor.c's tables) */
int snap_cmd_savevm(Monitor *mon, const char *args);
int snap_cmd_loadvm(Monitor *mon, const char *args);
int snap_cmd_delvm(Monitor *mon, const char *args);
int snap_cmd_info_snapshots(Monitor *mon, const char *args);

#endif /* MIGRATION_VM_SNAP_H */
