/*
 * The scheduler (sched.h): the host clock's timers and the one timer
 * thread that stops the CPU when the earliest deadline of either clock
 * passes.  The guest clock's event list stays with the timebase (tb.c),
 * which owns the mapping from time to TB and reports its earliest
 * deadline here in host time.
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

    SchedTimer *host_head; /* armed host timers, earliest first */

    /* the guest clock's earliest deadline, in host ns */
    bool guest_armed;
    uint64_t guest_ns;

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

/* host ns values are compared by signed distance: a debug offset may put
 * them anywhere modulo 2^64 */
static bool ns_before(uint64_t a, uint64_t b)
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
        if (!ns_before(tb_host_mono_ns(), s->timer_ns)) {
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

/* Tell the thread about the earliest deadline of both clocks */
static void thread_update(Scheduler *s)
{
    if (!s->thread_on)
        return;
    bool armed = s->guest_armed || s->host_head;
    uint64_t ns = 0;
    if (s->guest_armed)
        ns = s->guest_ns;
    if (s->host_head && (!s->guest_armed || ns_before(s->host_head->deadline_ns, ns)))
        ns = s->host_head->deadline_ns;
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

/* ---- the host clock ---- */

void sched_timer_init(SchedTimer *t, const char *name, SchedFn fn, void *opaque)
{
    memset(t, 0, sizeof(*t));
    t->name = name;
    t->fn = fn;
    t->opaque = opaque;
}

static void host_remove(Scheduler *s, SchedTimer *t)
{
    for (SchedTimer **p = &s->host_head; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void sched_timer_arm(Scheduler *s, SchedTimer *t, uint64_t deadline_ns)
{
    if (t->armed)
        host_remove(s, t);
    t->deadline_ns = deadline_ns;
    SchedTimer **p = &s->host_head;
    while (*p && !ns_before(deadline_ns, (*p)->deadline_ns))
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    t->armed = true;
    thread_update(s);
}

void sched_timer_disarm(Scheduler *s, SchedTimer *t)
{
    if (!t->armed)
        return;
    host_remove(s, t);
    thread_update(s);
}

void sched_run_host_due(Scheduler *s)
{
    if (!s->host_head)
        return;
    uint64_t now = tb_host_mono_ns();
    bool fired = false;
    while (s->host_head && !ns_before(now, s->host_head->deadline_ns)) {
        SchedTimer *t = s->host_head;
        s->host_head = t->next;
        t->next = NULL;
        t->armed = false;
        t->fn(t->opaque);
        fired = true;
    }
    if (fired)
        thread_update(s);
}

int64_t sched_host_ns_to_next(Scheduler *s)
{
    if (!s->host_head)
        return -1;
    uint64_t d = s->host_head->deadline_ns - tb_host_mono_ns();
    if ((int64_t)d <= 0)
        return 0;
    return (int64_t)d;
}

/* ---- the guest clock's link ---- */

void sched_set_guest_deadline(Scheduler *s, bool armed, uint64_t host_ns)
{
    s->guest_armed = armed;
    s->guest_ns = armed ? host_ns : 0;
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
