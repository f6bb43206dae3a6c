/*
 * The machine's one scheduler, with two clocks:
 *
 *  - the guest clock: the timebase (timebase/tb.h), in TB ticks, or in
 *    instruction counts under -icount.  Guest-visible timers (the
 *    decrementer, later guest devices' timers) run on it as TBEvents; a
 *    guest mttbl moves them with the TB.  The timebase tells the scheduler
 *    the host time of its earliest deadline (sched_set_guest_deadline).
 *  - the host clock: CLOCK_MONOTONIC as the emulator sees it
 *    (tb_host_mono_ns), for device pacing and front ends (SchedTimer).  A
 *    guest TB write never moves these.
 *
 * One timer thread sleeps until the earliest deadline of either clock and
 * then calls the kick the board wired (stop the CPU at its next block
 * end); the CPU thread then runs what is due (tb_run_due for the guest
 * clock, sched_run_host_due for the host clock).  When the guest idles,
 * the event loop sleeps until the earlier of tb_ns_to_next and
 * sched_host_ns_to_next.  A kick never changes guest state: under -icount
 * the CPU only returns to its loop early, at a block end.
 *
 * Threads: everything but sched_kick is called from the CPU thread.
 *
 * A new device timer: a SchedTimer (host clock) or a TBEvent (guest
 * clock) in the device's state, armed from its own file; nothing here
 * changes.
 */
#ifndef TIMEBASE_SCHED_H
#define TIMEBASE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Scheduler Scheduler;

typedef void (*SchedFn)(void *opaque);

/* A timer on the host clock */
typedef struct SchedTimer {
    SchedFn fn;
    void *opaque;
    const char *name;
    uint64_t deadline_ns; /* tb_host_mono_ns() value */
    bool armed;
    struct SchedTimer *next;
} SchedTimer;

/* kick: stop the CPU at its next block end (from the timer thread, or
 * from the CPU thread itself); NULL when nothing runs guest code (then no
 * thread is started).  NULL when out of resources. */
Scheduler *sched_new(void (*kick)(void *opaque), void *kick_opaque);
void sched_free(Scheduler *s);

/* ---- the host clock ---- */
void sched_timer_init(SchedTimer *t, const char *name, SchedFn fn, void *opaque);
/* deadline: a tb_host_mono_ns() value; re-arming moves the timer */
void sched_timer_arm(Scheduler *s, SchedTimer *t, uint64_t deadline_ns);
void sched_timer_disarm(Scheduler *s, SchedTimer *t);
/* Fire every host timer whose deadline has passed (in deadline order;
 * equal deadlines in the order they were armed) */
void sched_run_host_due(Scheduler *s);
/* Host ns until the earliest host timer, 0 if one is due, -1 if none */
int64_t sched_host_ns_to_next(Scheduler *s);

/* ---- the guest clock's link (used by the timebase) ---- */
/* The host time (tb_host_mono_ns) at which the guest clock's earliest
 * event is due; armed false: none (paused, -icount, or no event) */
void sched_set_guest_deadline(Scheduler *s, bool armed, uint64_t host_ns);
/* Stop the CPU at its next block end now (any thread) */
void sched_kick(Scheduler *s);

/* Tests: how many times the timer thread has kicked */
uint64_t sched_test_kicks(Scheduler *s);

#endif /* TIMEBASE_SCHED_H */
