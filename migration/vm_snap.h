/*
 * Named snapshot files (cli.md "Monitor commands", -loadvm, -snapshot-dir):
 * where they live, and the file operations on them.  Knows no machine and
 * no monitor: results and errors come back as data (SnapError, SnapInfo);
 * the front end (boards/vmsnap.c) formats them.
 *
 * A NAME is a file DIR/NAME.snap in the snapshot directory (-snapshot-dir,
 * default $XDG_DATA_HOME/ppcemu/snapshots, i.e.
 * ~/.local/share/ppcemu/snapshots); a NAME containing '/' is a path.
 * Saving or deleting touches a path only when it is absent (saving) or a
 * regular file whose header says it is a ppcemu snapshot: never a device
 * node, a directory or another file.
 */
#ifndef MIGRATION_VM_SNAP_H
#define MIGRATION_VM_SNAP_H

#include <stddef.h>
#include <time.h>

#include "migration/snap.h"
#include "migration/snapstate.h"

#define SNAP_FILE_SUFFIX ".snap"

/* The snapshot directory: dir_opt (-snapshot-dir) or the XDG default */
SNAP_WUR int snap_dir(const char *dir_opt, char *out, size_t len, SnapError *err);
/* NAME -> file path (checks the name); the directory is not created */
SNAP_WUR int snap_name_path(const char *dir_opt, const char *name, char *out, size_t len,
                            SnapError *err);
/* 0 when path may be written or deleted as a snapshot: absent (only when
 * absent_ok) or a regular file starting with the snapshot magic */
SNAP_WUR int snap_file_is_snapshot(const char *path, bool absent_ok, SnapError *err);
/* Save the registry's machine to path (parent directories created) */
SNAP_WUR int snap_file_save(const SnapRegistry *reg, const char *path, SnapError *err);
/* Delete path, a snapshot */
SNAP_WUR int snap_file_delete(const char *path, SnapError *err);

/* One snapshot of a directory listing */
typedef struct SnapInfo {
    char name[256];     /* file name without the suffix (as on disk) */
    long long size;
    time_t mtime;
    bool readable;      /* header read and checked; h is valid */
    SnapHeader h;
} SnapInfo;

/* The *.snap files of dir, sorted by name; *n = 0 when dir does not exist.
 * The caller frees *list. */
SNAP_WUR int snap_list(const char *dir, SnapInfo **list, size_t *n, SnapError *err);

#endif /* MIGRATION_VM_SNAP_H */
