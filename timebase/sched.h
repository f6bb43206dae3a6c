/*
 * The machine's one scheduler, with two clocks:
 *
 *  - the guest clock (SCHED_GUEST): deadlines in TB ticks.  The timebase
 *    (timebase/tb.h) is its source: it registers a SchedGuestClock that
 *    says what TB reads now and when (host ns, or instruction count under
 *    -icount) a TB value is reached.  Guest-visible timers run on it (the
 *    decrementer, later guest devices' timers).  A guest mttbl/mttbu
 *    moves them with the TB (sched_guest_shift); while the guest clock is
 *    paused none of them fires.
 *  - the host clock (SCHED_HOST): CLOCK_MONOTONIC as the emulator sees it
 *    (tb_host_mono_ns), for device pacing and front ends.  A guest TB
 *    write never moves these, and they run while the guest is paused.
 *
 * One timer thread sleeps until the earliest deadline of either clock and
 * then calls the kick the board wired (stop the CPU at its next block
 * end); the CPU thread then runs what is due (sched_run_due).  The CPU
 * runs for sched_insn_budget instructions; a halted CPU warps the guest
 * clock under -icount (sched_idle_warp) and the host sleeps for
 * sched_ns_to_next.  A kick never changes guest state: under -icount the
 * CPU only returns to its loop early, at a block end.
 *
 * The board's loop, identical in both modes:
 *     sched_run_due(s, cpu->icount);
 *     r = ppc_run(cpu, sched_insn_budget(s, cpu->icount));
 *     if (r == PPC_RUN_HALTED && !sched_idle_warp(s, cpu->icount))
 *         sleep for sched_ns_to_next(s, cpu->icount) (-1: until woken);
 *
 * Threads: everything but sched_kick is called from the CPU thread.
 *
 * A new device timer: a SchedTimer in the device's state, initialised
 * with its clock and armed from the device's own file; nothing here
 * changes.
 */
#ifndef TIMEBASE_SCHED_H
#define TIMEBASE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Scheduler Scheduler;

typedef void (*SchedFn)(void *opaque);

typedef enum { SCHED_GUEST = 0, SCHED_HOST = 1 } SchedClock;

/* A timer on one of the two clocks */
typedef struct SchedTimer {
    SchedFn fn;
    void *opaque;
    const char *name;
    SchedClock clock;
    uint64_t deadline; /* guest: TB ticks; host: a tb_host_mono_ns() value */
    bool armed;
    struct SchedTimer *next;
} SchedTimer;

/* The guest clock's source (the timebase).  `icount` is the CPU's exact
 * instruction count at the moment of the call; only -icount uses it. */
typedef struct SchedGuestClock {
    /* false while paused: nothing on the guest clock fires */
    bool (*running)(void *opaque);
    /* what TB reads now */
    uint64_t (*now)(void *opaque, uint64_t icount);
    /* real time: the host ns (tb_host_mono_ns) at which TB reaches `tb`;
     * NULL under -icount, where no host clock is read */
    uint64_t (*to_host_ns)(void *opaque, uint64_t tb);
    /* -icount: instructions from `icount` until TB reaches `tb` (0: it
     * has, UINT64_MAX: out of reach); NULL in real time */
    uint64_t (*insns_until)(void *opaque, uint64_t icount, uint64_t tb);
    /* -icount: move TB forward to `tb` (an idle CPU executes nothing) */
    void (*warp)(void *opaque, uint64_t icount, uint64_t tb);
} SchedGuestClock;

/* Instructions per CPU slice in real time: the timer thread stops the CPU
 * earlier when a deadline passes. */
#define SCHED_SLICE_INSNS (1u << 20)

/* kick: stop the CPU at its next block end (from the timer thread, or
 * from the CPU thread itself); NULL when nothing runs guest code (then no
 * thread is started).  NULL when out of resources. */
Scheduler *sched_new(void (*kick)(void *opaque), void *kick_opaque);
void sched_free(Scheduler *s);

/* ---- timers, on either clock ---- */
void sched_timer_init(SchedTimer *t, SchedClock clock, const char *name, SchedFn fn, void *opaque);
/* deadline in the timer's clock's unit; re-arming moves the timer */
void sched_timer_arm(Scheduler *s, SchedTimer *t, uint64_t deadline);
void sched_timer_disarm(Scheduler *s, SchedTimer *t);

/* ---- the CPU thread's loop ---- */
/* Fire every due timer of both clocks, earliest first (equal deadlines in
 * the order they were armed; under -icount, where guest time has no host
 * time, due guest timers first).  A timer that re-arms itself at or
 * before the time sampled fires again in the same call. */
void sched_run_due(Scheduler *s, uint64_t icount);
/* The guest clock only: for the CPU in the middle of an instruction
 * (tb_run_due), where no host device may run */
void sched_run_guest_due(Scheduler *s, uint64_t icount);
/* The guest time (TB ticks) the running sched_run_due sampled: a guest
 * timer's callback re-arms relative to it */
uint64_t sched_guest_due_time(const Scheduler *s);
/* How many instructions the CPU may run: to the next guest deadline
 * under -icount (UINT64_MAX if none), SCHED_SLICE_INSNS in real time */
uint64_t sched_insn_budget(Scheduler *s, uint64_t icount);
/* Under -icount, an idle (MSR[POW]) CPU moves the guest clock to its next
 * deadline, as QEMU's "-icount sleep=off" does; true if it moved.  In real
 * time (or with nothing armed, or paused) nothing happens. */
bool sched_idle_warp(Scheduler *s, uint64_t icount);
/* Host ns until the earliest deadline of either clock, 0 if one is due,
 * -1 if none: how long an idle guest lets the host sleep.  A guest timer
 * counts only while the guest clock runs (under -icount: 0, it is due
 * after the warp). */
int64_t sched_ns_to_next(Scheduler *s, uint64_t icount);

/* ---- the guest clock's link (used by the timebase) ---- */
/* Register the guest clock's source (NULL: none; guest timers then wait) */
void sched_set_guest_clock(Scheduler *s, const SchedGuestClock *clock, void *opaque);
/* The guest clock's mapping to host time changed (pause, resume, TB
 * write, restore): recompute when its earliest timer is due */
void sched_guest_changed(Scheduler *s);
/* A guest TB write moved TB by `delta` ticks: every guest timer keeps its
 * remaining ticks (its deadline moves with TB); host timers stay */
void sched_guest_shift(Scheduler *s, uint64_t delta);
/* Stop the CPU at its next block end now (any thread) */
void sched_kick(Scheduler *s);

/* Tests: how many times the timer thread has kicked */
uint64_t sched_test_kicks(Scheduler *s);

#endif /* TIMEBASE_SCHED_H */
