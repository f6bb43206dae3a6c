/*
 * The timebase's snapshot section "tb" (../shared/spec/timebase.md rules
 * 4-7): the frequency, the TB and CLOCK_REALTIME at the save, DEC as
 * dec_deadline - TB, whether DEC is latched, and the saver's clock policy;
 * never a CLOCK_MONOTONIC value.  The timebase itself may not depend on
 * migration/, so its description lives here: it describes TBSavedState
 * in place and goes through tb_export / tb_import.  The instruction count is the cpu section's (version 1 of
 * this section repeated it, and the external interrupt line: both are
 * read and dropped).  The commit leaves the timebase PAUSED: time is
 * re-derived by tb_resume when the guest runs (rule 5).
 */
#ifndef MIGRATION_TIME_SNAP_H
#define MIGRATION_TIME_SNAP_H

#include "cpu/ppc.h"
#include "migration/snapstate.h"
#include "timebase/tb.h"

#define SNAP_TB_VERSION 2

/* CLOCK_REALTIME bounds a stream may hold: 0 (under -icount) up to 2^62 ns
 * (year 2116); anything else is corrupt and would overflow the time
 * arithmetic */
#define SNAP_REALTIME_MAX (INT64_C(1) << 62)
/* DEC as deadline - TB: at most 2^31 ahead (mtdec sign-extends 32 bits);
 * behind by at most 2^62 ticks (centuries at any frequency) */
#define SNAP_DEC_MIN (-(INT64_C(1) << 62))
#define SNAP_DEC_MAX (INT64_C(1) << 31)

/* The live struct the description works on: the CPU (its timebase is
 * cpu->tb), the timebase's exported state of the last save or load,
 * described in place, and the saver's clock policy */
typedef struct SnapTime {
    PPCState *cpu;
    TBSavedState st;
    uint8_t policy; /* TBClockPolicy of the saver (informative) */
} SnapTime;

extern const SnapStateDesc snap_time_desc;

#endif /* MIGRATION_TIME_SNAP_H */
