/*
 * The whole `virt` machine as one snapshot stream (migration/snap.h):
 *
 *   header: board "virt", CPU "ppc750", RAM size, flags (IPIC off)
 *   sections: cpu, tb, uart0, ipic, spcr, reset, testdev, ram
 *
 * Every device section is a SnapField table (below, in machine_snap.c),
 * used three ways: to write, to read into a temporary copy, and to commit
 * that copy.  Loading is two-phase: snap_machine_read() reads and checks
 * EVERYTHING into a MachineSnapImage without touching the live machine;
 * only snap_machine_commit() changes it, and it cannot fail.  Derived state
 * (soft TLB, translated blocks, the decrementer's event, interrupt lines)
 * is rebuilt by the commit.
 *
 * Time (../shared/spec/timebase.md rules 4-7): the tb section holds the
 * frequency, the TB and CLOCK_REALTIME at the save, DEC as dec_deadline -
 * TB, the pending interrupt flags and the instruction count; never a
 * CLOCK_MONOTONIC value.  The commit leaves the timebase PAUSED: time is
 * re-derived by tb_resume when the guest starts running.
 */
#ifndef MIGRATION_MACHINE_SNAP_H
#define MIGRATION_MACHINE_SNAP_H

#include "boards/virt.h"
#include "migration/snap.h"
#include "timebase/tb.h"

#define SNAP_BOARD_NAME "virt"
#define SNAP_CPU_NAME "ppc750"
#define SNAP_FLAG_NO_IPIC 0x1u /* -M virt,ipic=off */

#define SNAP_TB_VERSION 1
#define SNAP_DEV_VERSION 1 /* uart0, ipic, spcr, reset, testdev */
#define SNAP_RAM_VERSION 1

/* The tb section: TBSavedState in fixed-size fields, plus the policy of
 * the saver (informative: the loading machine's -tb-clock decides how the
 * time between save and resume is treated). */
typedef struct SnapTbImage {
    uint64_t freq_hz;
    uint32_t icount_shift; /* 0xFFFFFFFF: real time */
    uint64_t tb;
    uint64_t realtime_ns;  /* int64 two's complement; 0 under -icount */
    uint64_t dec;          /* int64 two's complement: dec_deadline - TB */
    uint64_t icount;
    uint8_t dec_pending, ext_pending;
    uint8_t policy;        /* TBClockPolicy */
} SnapTbImage;

/* A loaded, checked snapshot waiting to be committed. */
typedef struct MachineSnapImage {
    SnapHeader h;
    VirtBoard vb;          /* shallow copy of the live board, fields replaced */
    SnapTbImage tb;
    uint8_t *ram;          /* h.ram_size bytes of fresh anonymous memory */
    uint8_t *ram_map;      /* which pages of it carry data (bit per page) */
    uint32_t seen;         /* sections read (bit per section) */
} MachineSnapImage;

/* The field tables, by section name (NULL if unknown), and the version of
 * the section this build writes (0 if unknown): for tools/ppcsnap. */
const SnapField *snap_machine_fields(const char *section);
uint32_t snap_machine_section_version(const char *section);
void snap_tb_from_image(TBSavedState *st, const SnapTbImage *im);

/* Save: export the state (the caller has the CPU at a block boundary) */
void snap_machine_header(const VirtBoard *vb, SnapHeader *h);
void snap_machine_write(SnapWriter *w, VirtBoard *vb, TimeBase *tb);
SNAP_WUR int snap_machine_save_file(VirtBoard *vb, TimeBase *tb, const char *path, SnapError *err);

/* Load, phase 1: read and check everything (the header against this
 * board and timebase); the live machine is not touched. */
SNAP_WUR int snap_machine_read(SnapReader *r, const SnapHeader *h, VirtBoard *vb, TimeBase *tb,
                               MachineSnapImage *img, SnapError *err);
SNAP_WUR int snap_machine_read_file(const char *path, VirtBoard *vb, TimeBase *tb,
                                    MachineSnapImage *img, SnapError *err);
/* Load, phase 2: replace the live state and rebuild what derives from it.
 * Leaves the timebase paused. */
void snap_machine_commit(VirtBoard *vb, TimeBase *tb, MachineSnapImage *img);
void snap_machine_image_free(MachineSnapImage *img);

#endif /* MIGRATION_MACHINE_SNAP_H */
