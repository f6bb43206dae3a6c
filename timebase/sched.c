/*
 * The scheduler (sched.h): one sorted queue per clock, and the one timer
 * thread that stops the CPU when the earliest deadline of either clock
 * passes.  The guest clock's source (the timebase) maps TB ticks to host
 * time or instruction counts; the scheduler never computes TB itself.
 */
#include "timebase/sched.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timebase/tb.h"

#define NS_PER_S 1000000000ull

struct Scheduler {
    void (*kick)(void *opaque);
    void *kick_opaque;

    /* armed timers, earliest first, one queue per clock */
    SchedTimer *head[2]; /* [SCHED_GUEST], [SCHED_HOST] */

    /* the guest clock's source; NULL: none registered */
    const SchedGuestClock *guest;
    void *guest_opaque;
    uint64_t guest_due_tb; /* the TB the running sched_run_due sampled */

    /* the timer thread; the fields after `cond` are under `lock` */
    bool thread_on;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool quit;
    bool timer_armed;
    uint64_t timer_ns;  /* the earliest deadline of both clocks */
    uint64_t gen;       /* bumped whenever timer_armed/timer_ns change */
    uint64_t kicked_gen; /* the gen the thread last kicked the CPU for */
    uint64_t kicks;
};

/* Both clocks' values are compared by signed distance: host ns because
 * a debug offset may put them anywhere modulo 2^64, TB ticks because a
 * guest may write TBU = 0xFFFFFFFF; every deadline lies within 2^63 of
 * now. */
static bool before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

/* CLOCK_MONOTONIC time for pthread_cond_timedwait from an offset value */
static struct timespec raw_mono_timespec(uint64_t offset_ns)
{
    uint64_t raw = offset_ns - (uint64_t)tb_host_mono_offset();
    struct timespec ts = { .tv_sec = (time_t)(raw / NS_PER_S), .tv_nsec = (long)(raw % NS_PER_S) };
    return ts;
}

/* Sleeps until the earliest deadline, then kicks once per deadline
 * (kicked_gen) so that it does not spin while the CPU gets to the due
 * events.  Every change of the deadline happens under `lock` and signals
 * `cond`, and the predicate is tested under `lock` before waiting, so no
 * change can slip between test and sleep. */
static void *sched_thread_main(void *opaque)
{
    Scheduler *s = opaque;
    pthread_mutex_lock(&s->lock);
    while (!s->quit) {
        if (!s->timer_armed || s->kicked_gen == s->gen) {
            pthread_cond_wait(&s->cond, &s->lock);
            continue;
        }
        if (!before(tb_host_mono_ns(), s->timer_ns)) {
            s->kick(s->kick_opaque);
            s->kicked_gen = s->gen;
            s->kicks++;
            continue;
        }
        struct timespec ts = raw_mono_timespec(s->timer_ns);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static int thread_start(Scheduler *s)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca))
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (err)
        return -1;
    if (pthread_mutex_init(&s->lock, NULL)) {
        pthread_cond_destroy(&s->cond);
        return -1;
    }
    if (pthread_create(&s->thread, NULL, sched_thread_main, s)) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        return -1;
    }
    s->thread_on = true;
    return 0;
}

/* The guest clock counts real time and runs: its timers have host
 * deadlines (never while paused: nothing fires while the guest does not
 * run; never under -icount: the CPU's budget ends there) */
static bool guest_in_host_time(const Scheduler *s)
{
    return s->guest && s->guest->to_host_ns && s->guest->running(s->guest_opaque);
}

/* The host ns of the guest clock's earliest timer; false: none */
static bool guest_head_ns(const Scheduler *s, uint64_t *ns)
{
    if (!s->head[SCHED_GUEST] || !guest_in_host_time(s))
        return false;
    *ns = s->guest->to_host_ns(s->guest_opaque, s->head[SCHED_GUEST]->deadline);
    return true;
}

/* Tell the thread about the earliest deadline of both clocks */
static void thread_update(Scheduler *s)
{
    if (!s->thread_on)
        return;
    uint64_t ns = 0;
    bool armed = guest_head_ns(s, &ns);
    SchedTimer *h = s->head[SCHED_HOST];
    if (h && (!armed || before(h->deadline, ns)))
        ns = h->deadline;
    armed = armed || h;
    pthread_mutex_lock(&s->lock);
    if (armed != s->timer_armed || ns != s->timer_ns) {
        s->timer_armed = armed;
        s->timer_ns = ns;
        s->gen++;
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
}

Scheduler *sched_new(void (*kick)(void *opaque), void *kick_opaque)
{
    Scheduler *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->kick = kick;
    s->kick_opaque = kick_opaque;
    if (kick && thread_start(s)) {
        free(s);
        return NULL;
    }
    return s;
}

void sched_free(Scheduler *s)
{
    if (!s)
        return;
    if (s->thread_on) {
        pthread_mutex_lock(&s->lock);
        s->quit = true;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
    }
    free(s);
}

/* ---- timers ---- */

void sched_timer_init(SchedTimer *t, SchedClock clock, const char *name, SchedFn fn, void *opaque)
{
    memset(t, 0, sizeof(*t));
    t->clock = clock;
    t->name = name;
    t->fn = fn;
    t->opaque = opaque;
}

static void queue_remove(Scheduler *s, SchedTimer *t)
{
    for (SchedTimer **p = &s->head[t->clock]; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

/* after every timer with the same or an earlier deadline: equal deadlines
 * fire in the order they were armed */
static void queue_insert(Scheduler *s, SchedTimer *t)
{
    SchedTimer **p = &s->head[t->clock];
    while (*p && !before(t->deadline, (*p)->deadline))
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    t->armed = true;
}

/* Under -icount the CPU runs on a budget computed from the earliest guest
 * deadline; a timer armed earlier than that (mtdec in the middle of a
 * run) makes the CPU return at its next block end so the budget is
 * recomputed.  In real time the timer thread takes care of it. */
static bool guest_in_icount(const Scheduler *s)
{
    return s->guest && s->guest->insns_until;
}

void sched_timer_arm(Scheduler *s, SchedTimer *t, uint64_t deadline)
{
    if (t->armed)
        queue_remove(s, t);
    t->deadline = deadline;
    queue_insert(s, t);
    if (t->clock == SCHED_GUEST && guest_in_icount(s) && s->head[SCHED_GUEST] == t)
        sched_kick(s);
    thread_update(s);
}

void sched_timer_disarm(Scheduler *s, SchedTimer *t)
{
    if (!t->armed)
        return;
    queue_remove(s, t);
    thread_update(s);
}

/* ---- the CPU thread's loop ---- */

static void fire(SchedTimer *t)
{
    t->armed = false;
    t->fn(t->opaque);
}

/* The next due timer of the two clocks, taken off its queue; NULL: none.
 * Guest time is sampled once per call of run_due (guest_due_tb), host
 * time once too (host_now), so a timer re-arming itself for "now" does
 * not loop forever. */
static SchedTimer *take_due(Scheduler *s, bool guest_on, bool host_on, uint64_t host_now)
{
    SchedTimer *g = s->head[SCHED_GUEST], *h = s->head[SCHED_HOST];
    /* a host timer may have paused the guest: then no guest timer fires */
    if (!guest_on || !g || !s->guest || !s->guest->running(s->guest_opaque) ||
        before(s->guest_due_tb, g->deadline))
        g = NULL;
    if (!host_on || !h || before(host_now, h->deadline))
        h = NULL;
    /* both due: by host time; under -icount guest time has none, and the
     * guest timer goes first */
    if (g && h && s->guest->to_host_ns &&
        before(h->deadline, s->guest->to_host_ns(s->guest_opaque, g->deadline)))
        g = NULL;
    SchedTimer *t = g ? g : h;
    if (t) {
        s->head[t->clock] = t->next;
        t->next = NULL;
    }
    return t;
}

static void run_due(Scheduler *s, uint64_t icount, bool host_on)
{
    bool guest_on = s->guest && s->head[SCHED_GUEST] && s->guest->running(s->guest_opaque);
    host_on = host_on && s->head[SCHED_HOST];
    if (!guest_on && !host_on)
        return;
    if (guest_on)
        s->guest_due_tb = s->guest->now(s->guest_opaque, icount);
    uint64_t host_now = host_on ? tb_host_mono_ns() : 0;
    bool fired = false;
    for (SchedTimer *t; (t = take_due(s, guest_on, host_on, host_now));) {
        fire(t);
        fired = true;
    }
    if (fired)
        thread_update(s);
}

void sched_run_due(Scheduler *s, uint64_t icount)
{
    run_due(s, icount, true);
}

void sched_run_guest_due(Scheduler *s, uint64_t icount)
{
    run_due(s, icount, false);
}

uint64_t sched_guest_due_time(const Scheduler *s)
{
    return s->guest_due_tb;
}

uint64_t sched_insn_budget(Scheduler *s, uint64_t icount)
{
    if (!guest_in_icount(s))
        return SCHED_SLICE_INSNS;
    if (!s->head[SCHED_GUEST])
        return UINT64_MAX;
    return s->guest->insns_until(s->guest_opaque, icount, s->head[SCHED_GUEST]->deadline);
}

bool sched_idle_warp(Scheduler *s, uint64_t icount)
{
    if (!guest_in_icount(s) || !s->head[SCHED_GUEST] || !s->guest->running(s->guest_opaque))
        return false;
    uint64_t deadline = s->head[SCHED_GUEST]->deadline;
    if (!before(s->guest->now(s->guest_opaque, icount), deadline))
        return false;
    s->guest->warp(s->guest_opaque, icount, deadline);
    return true;
}

/* host ns from now until `ns`: 0 if passed */
static int64_t ns_until(uint64_t ns, uint64_t now)
{
    uint64_t d = ns - now;
    if ((int64_t)d <= 0)
        return 0;
    return (int64_t)d;
}

int64_t sched_ns_to_next(Scheduler *s, uint64_t icount)
{
    (void)icount;
    int64_t wait = -1;
    if (s->head[SCHED_GUEST] && guest_in_icount(s) && s->guest->running(s->guest_opaque))
        return 0; /* virtual time: reached at once (sched_idle_warp) */
    uint64_t now = tb_host_mono_ns();
    uint64_t ns;
    if (guest_head_ns(s, &ns))
        wait = ns_until(ns, now);
    if (s->head[SCHED_HOST]) {
        int64_t h = ns_until(s->head[SCHED_HOST]->deadline, now);
        if (wait < 0 || h < wait)
            wait = h;
    }
    return wait;
}

/* ---- the guest clock's link ---- */

void sched_set_guest_clock(Scheduler *s, const SchedGuestClock *clock, void *opaque)
{
    s->guest = clock;
    s->guest_opaque = opaque;
    thread_update(s);
}

void sched_guest_changed(Scheduler *s)
{
    thread_update(s);
}

void sched_guest_shift(Scheduler *s, uint64_t delta)
{
    for (SchedTimer *t = s->head[SCHED_GUEST]; t; t = t->next)
        t->deadline += delta;
    thread_update(s);
}

void sched_kick(Scheduler *s)
{
    if (s->kick)
        s->kick(s->kick_opaque);
}

uint64_t sched_test_kicks(Scheduler *s)
{
    if (!s->thread_on)
        return 0;
    pthread_mutex_lock(&s->lock);
    uint64_t k = s->kicks;
    pthread_mutex_unlock(&s->lock);
    return k;
}
