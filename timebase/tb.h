/*
 * Guest time: the timebase (TB), the decrementer (DEC) and the guest clock
 * of the scheduler (timebase/sched.h): the events guest-visible timers
 * run on.  Rules: ../shared/spec/timebase.md.
 *
 *  - TB is a function of host time, never a stepped counter:
 *      TB = tb_base + muldiv(now_ns - ns_base, freq, 1e9)     (rounded down)
 *    with now_ns from CLOCK_MONOTONIC (plus a test offset), or, under
 *    -icount N, TB = tb_base + (icount >> N) with no host clock read at all.
 *  - DEC is a deadline in TB ticks: dec_deadline = TB + sign_extend(value).
 *  - Expiry is a scheduled event; the scheduler's timer thread stops the
 *    CPU (the kick the board wires) at the deadline; nothing polls per
 *    instruction.
 *  - The timebase knows no CPU and no board: it raises the decrementer
 *    through an interrupt line (mem/irq.h) and reaches the CPU's
 *    inputs only through TBLinks.
 *
 * Callers pass `icount`, the CPU's exact instruction count at the moment of
 * the access (ppc_icount_now() inside an instruction handler); it is only
 * used under -icount.
 *
 * Threads: every tb_* function is called from the thread that runs the CPU
 * (events fire there too).  The only other thread is the scheduler's
 * timer thread, which does nothing but kick the CPU when the earliest
 * deadline passes; tb_host_*_ns may be called from anywhere.
 */
#ifndef TIMEBASE_TB_H
#define TIMEBASE_TB_H

#include <stdbool.h>
#include <stdint.h>

#include "mem/irq.h"

struct Scheduler;

typedef enum { TB_CLOCK_HOST = 0, TB_CLOCK_VM = 1 } TBClockPolicy;

typedef void (*TBEventFn)(void *opaque);

typedef struct TBEvent {
    TBEventFn fn;
    void *opaque;
    uint64_t deadline_tb; /* in TB ticks */
    bool armed;
    struct TBEvent *next;
    const char *name;
} TBEvent;

typedef struct TimeBase TimeBase;

/* Saved guest time, the fields of timebase.md rule 4: everything needed to
 * re-derive time at resume, and nothing host-specific (no CLOCK_MONOTONIC
 * value, no pointer).  Plain integers; the snapshot code owns the byte
 * order and versioning of the stream. */
typedef struct TBSavedState {
    uint64_t freq_hz;      /* timebase frequency */
    int32_t icount_shift;  /* -1: real time; else -icount N */
    uint64_t tb;           /* guest TB at the moment of saving */
    int64_t realtime_ns;   /* CLOCK_REALTIME (offset applied) at that moment;
                            * 0 under -icount (no host clock is read) */
    int64_t dec;           /* dec_deadline - TB: DEC == (uint32_t)dec */
    uint64_t icount;       /* the CPU's instruction count at the save */
    bool dec_pending;      /* PPC_IRQ_DEC latched, not yet taken */
    bool ext_pending;      /* PPC_IRQ_EXTERNAL asserted */
} TBSavedState;

/* What the timebase is wired to (the board fills it; the CPU offers its
 * side with ppc_tb_links).  Every member may be zero: nothing attached. */
typedef struct TBLinks {
    /* the scheduler to run on; NULL: the timebase makes its own, which
     * stops the CPU through kick (unit tests) */
    struct Scheduler *sched;
    void (*kick)(void *opaque); /* stop the CPU at its next block end */
    void *kick_opaque;
    /* the decrementer exception request: raised at every edge (the sink
     * latches it); tb_import sets it to the saved level */
    IrqLine dec;
    /* the external interrupt input: only the snapshot's view of time
     * carries its level (tb_export reads it, tb_import restores it) */
    IrqLine ext;
    /* whether the sink holds line n latched (for tb_export); NULL: no */
    bool (*latched)(void *opaque, int n);
    void *latched_opaque;
    /* the CPU's instruction count when the timebase is made (-icount) */
    uint64_t icount;
} TBLinks;

#define TB_NO_LINKS ((TBLinks){ 0 })

/* icount_shift < 0: real time; otherwise TB advances every 2^shift insns */
TimeBase *tb_new(TBLinks links, uint64_t freq_hz, int icount_shift, TBClockPolicy policy);
void tb_free(TimeBase *tb);
uint64_t tb_freq(const TimeBase *tb);
int tb_icount_shift(const TimeBase *tb);
TBClockPolicy tb_policy(const TimeBase *tb);

/* Host clocks as the emulator sees them: CLOCK_MONOTONIC / CLOCK_REALTIME
 * shifted by the signed offsets of tb_host_set_offsets (0 unless the
 * debug option -debug-clock-offset or a test set them). */
uint64_t tb_host_mono_ns(void);
int64_t tb_host_real_ns(void);
/* the offset tb_host_mono_ns adds to CLOCK_MONOTONIC */
int64_t tb_host_mono_offset(void);

/* Guest-visible registers */
uint64_t tb_read(TimeBase *tb, uint64_t icount);
void tb_write_lower(TimeBase *tb, uint64_t icount, uint32_t v); /* mttbl */
void tb_write_upper(TimeBase *tb, uint64_t icount, uint32_t v); /* mttbu */
uint32_t tb_dec_read(TimeBase *tb, uint64_t icount);
void tb_dec_write(TimeBase *tb, uint64_t icount, uint32_t v);

/* Run state: TB stands still while paused under -tb-clock vm; under host it
 * keeps tracking real time.  tb_resume re-derives time (timebase.md rule 5). */
void tb_pause(TimeBase *tb, uint64_t icount);
void tb_resume(TimeBase *tb, uint64_t icount);

/* The scheduler: events on one queue, deadlines in TB ticks. */
void tb_event_init(TBEvent *ev, const char *name, TBEventFn fn, void *opaque);
void tb_event_arm(TimeBase *tb, TBEvent *ev, uint64_t deadline_tb);
void tb_event_disarm(TimeBase *tb, TBEvent *ev);
/* Fire every event whose deadline has passed. */
void tb_run_due(TimeBase *tb, uint64_t icount);
/* How many instructions the CPU may run before the next event under
 * -icount (UINT64_MAX if none); under real time, a slice length. */
uint64_t tb_insn_budget(TimeBase *tb, uint64_t icount);
/* Host nanoseconds (CLOCK_MONOTONIC, offset applied) until the next event,
 * or -1 if none: how long an idle (MSR[POW]) guest lets the host sleep. */
int64_t tb_ns_to_next(TimeBase *tb, uint64_t icount);

/* ---- Additions (h-tb) ---- */

/* Unit conversions (timebase.md rule 3), exact 128-bit intermediates.
 * Host ns -> TB ticks rounds down ("what does TB read"); TB ticks -> host ns
 * rounds up ("when is the deadline").  Results that do not fit saturate at
 * UINT64_MAX. */
uint64_t tb_ns_to_ticks(uint64_t ns, uint64_t freq_hz);
uint64_t tb_ticks_to_ns(uint64_t ticks, uint64_t freq_hz);

/* Snapshot support (timebase.md rules 4-6).  tb_export samples TB, DEC and
 * realtime at one moment.  tb_import loads a saved state and leaves the
 * timebase PAUSED: time is re-derived by tb_resume when the guest starts
 * running (rule 5).  The caller restores the CPU's instruction count to
 * st->icount (under -icount the TB is a function of it).  Events other than
 * the decrementer are left alone: their owners re-arm them after loading.
 * Returns 0, or -1 when the state does not fit this timebase (frequency or
 * -icount mode differ). */
void tb_export(TimeBase *tb, uint64_t icount, TBSavedState *st);
int tb_import(TimeBase *tb, const TBSavedState *st) __attribute__((warn_unused_result));
bool tb_paused(const TimeBase *tb);

/* Idle under -icount: with no instruction executing the TB would freeze,
 * so a halted CPU (MSR[POW]) warps TB forward to the next event's deadline,
 * as QEMU's "-icount sleep=off" does.  Returns true if TB moved.  Under
 * real time it does nothing (the host sleeps for tb_ns_to_next instead).
 * The board's loop, identical in both modes:
 *     tb_run_due(tb, cpu->icount);
 *     r = ppc_run(cpu, tb_insn_budget(tb, cpu->icount));
 *     if (r == PPC_RUN_HALTED) {
 *         tb_idle_warp(tb, cpu->icount);
 *         ppoll(..., tb_ns_to_next(tb, cpu->icount) as timeout (-1: none));
 *     }
 * Under -icount tb_ns_to_next is 0 when an event is armed (it is due after
 * the warp) and -1 otherwise. */
bool tb_idle_warp(TimeBase *tb, uint64_t icount);

/* While paused, nothing fires (tb_run_due does nothing) and tb_ns_to_next
 * is -1: events wait for tb_resume, where a deadline that passed under
 * -tb-clock host fires at once.
 *
 * The decrementer: DEC starts at 0xFFFFFFFF with nothing latched.  Its
 * exception is requested when DEC passes from 0 to -1 (once more every
 * 2^32 ticks without a new write), and when software writes a value with
 * bit 0 set over one with bit 0 clear (PEM 2.3.13.1); it stays latched at
 * the CPU until the CPU takes it.  mttbl/mttbu leave DEC and
 * every armed event with the same number of ticks to go. */

/* Instructions per real-time slice: the budget under real time; the
 * scheduler's timer thread stops the CPU earlier when an event is due. */
#define TB_SLICE_INSNS (1u << 20)

/* Shift the host clocks the emulator reads (ns, signed): the debug option
 * -debug-clock-offset and the tests use it to show that no host-counter
 * origin is in the snapshot stream.  Changing the monotonic offset while a
 * timebase runs in real time makes its host clock jump: set it before
 * tb_new, or while the timebase is paused. */
void tb_host_set_offsets(int64_t mono_ns, int64_t real_ns);
/* Tests only: how many times the scheduler's timer thread has kicked. */
uint64_t tb_test_timer_kicks(TimeBase *tb);

#endif /* TIMEBASE_TB_H */
