/*
 * The timebase (TB), the decrementer (DEC) and the one event scheduler of
 * the machine (../shared/spec/timebase.md rules 1-3, 7, 8; the state is
 * shaped for rules 4-6).
 *
 * Time model.  The TB is never stepped; it is a function of time:
 *   real time:  TB = tb_base + ticks(now_ns - ns_base)   (CLOCK_MONOTONIC)
 *   -icount N:  TB = tb_base + (icount >> N)             (no host clock)
 * A guest write (mttbl/mttbu), a resume or an idle warp only moves the
 * base.  The DEC is the deadline dec_deadline with DEC = dec_deadline - TB;
 * its exception is one event on the guest clock's sorted list.  The
 * scheduler (sched.c) is told the host time of the earliest event; its
 * timer thread stops the CPU then, so the CPU loop never polls a clock.
 *
 * The timebase knows no CPU: it raises the decrementer through an
 * interrupt line and stops the CPU through the scheduler's kick, both
 * wired by the board (TBLinks).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timebase/sched.h"
#include "timebase/tb.h"

#define NS_PER_S 1000000000ull
#define DEC_PERIOD (1ull << 32) /* DEC is 32 bits: it wraps every 2^32 ticks */

struct TimeBase {
    TBLinks links;
    Scheduler *sched;
    bool own_sched;         /* made by tb_new (links.sched was NULL) */
    uint64_t freq;
    int shift;              /* -1: real time; else -icount N */
    TBClockPolicy policy;

    /* the mapping from time to TB (see the top of the file) */
    uint64_t tb_base;
    uint64_t ns_base;

    /* paused (real time): the TB and CLOCK_REALTIME when it stopped, and
     * the highest TB read since */
    bool paused;
    uint64_t tb_pause;
    int64_t real_pause;
    uint64_t tb_floor;

    /* DEC = (uint32_t)(dec_deadline - TB); dec_event sits on the next
     * 0 -> -1 transition */
    uint64_t dec_deadline;
    TBEvent dec_event;

    TBEvent *head;          /* armed events, earliest first */
    uint64_t due_tb;        /* the TB tb_run_due is working at */
};

/* ---- host clocks, with the debug offsets ---- */

/* Signed shifts of CLOCK_MONOTONIC / CLOCK_REALTIME as the emulator sees
 * them, set by -debug-clock-offset (and the unit tests) to show that no
 * host-counter origin matters (timebase.md).  Atomics: the timer thread
 * reads them. */
static int64_t mono_offset, real_offset;

void tb_host_set_offsets(int64_t mono_ns, int64_t real_ns)
{
    __atomic_store_n(&mono_offset, mono_ns, __ATOMIC_SEQ_CST);
    __atomic_store_n(&real_offset, real_ns, __ATOMIC_SEQ_CST);
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static int64_t offset_of(int64_t *off)
{
    return __atomic_load_n(off, __ATOMIC_SEQ_CST);
}

int64_t tb_host_mono_offset(void)
{
    return offset_of(&mono_offset);
}

uint64_t tb_host_mono_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC) + (uint64_t)offset_of(&mono_offset);
}

int64_t tb_host_real_ns(void)
{
    return (int64_t)(clock_ns(CLOCK_REALTIME) + (uint64_t)offset_of(&real_offset));
}

/* ---- unit conversions (rule 3): one helper per direction ---- */

static uint64_t saturate64(unsigned __int128 v)
{
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* host ns -> TB ticks, rounded down: "what does TB read" */
uint64_t tb_ns_to_ticks(uint64_t ns, uint64_t freq_hz)
{
    uint64_t p;
    if (!__builtin_mul_overflow(ns, freq_hz, &p))
        return p / NS_PER_S; /* the common case, in 64 bits, same result */
    return saturate64((unsigned __int128)ns * freq_hz / NS_PER_S);
}

/* TB ticks -> host ns, rounded up: "when is the deadline".  The result is
 * the first ns count whose tb_ns_to_ticks reaches `ticks`. */
uint64_t tb_ticks_to_ns(uint64_t ticks, uint64_t freq_hz)
{
    return saturate64(((unsigned __int128)ticks * NS_PER_S + freq_hz - 1) / freq_hz);
}

/* instructions -> TB ticks under -icount, rounded down */
static uint64_t insns_to_ticks(const TimeBase *tb, uint64_t icount)
{
    return icount >> tb->shift;
}

/* TB ticks -> the first instruction count at which they have elapsed */
static uint64_t ticks_to_insns(const TimeBase *tb, uint64_t ticks)
{
    if (ticks > (UINT64_MAX >> tb->shift))
        return UINT64_MAX;
    return ticks << tb->shift;
}

/* ---- the time mapping ---- */

/* TB values wrap modulo 2^64 (a guest may write TBU = 0xFFFFFFFF); every
 * deadline lies within 2^63 ticks of now, so order by signed distance. */
static bool tb_before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

/* TB at host time ns, running under real time */
static uint64_t tb_at_ns(const TimeBase *tb, uint64_t ns)
{
    uint64_t d = ns - tb->ns_base;
    if ((int64_t)d < 0) /* only if a test moved the monotonic offset back */
        d = 0;
    return tb->tb_base + tb_ns_to_ticks(d, tb->freq);
}

/* TB of a paused real-time timebase.  Under vm it stands still; under host
 * it follows the real time that passed since the pause, and never goes
 * backwards when the realtime clock does (rule 6): the real time that
 * counts is max(0, now - at pause), and no value is ever below one already
 * read (tb_floor), even if realtime steps back between two reads. */
static uint64_t tb_paused_value(TimeBase *tb)
{
    if (tb->policy == TB_CLOCK_VM)
        return tb->tb_pause;
    int64_t gone = tb_host_real_ns() - tb->real_pause;
    uint64_t v = tb->tb_pause + (gone > 0 ? tb_ns_to_ticks((uint64_t)gone, tb->freq) : 0);
    if (tb_before(v, tb->tb_floor))
        v = tb->tb_floor;
    tb->tb_floor = v;
    return v;
}

/* Enter the paused state at TB v (pause, guest write while paused, import) */
static void tb_set_paused_at(TimeBase *tb, uint64_t v, int64_t real_ns)
{
    tb->tb_pause = v;
    tb->tb_floor = v;
    tb->real_pause = real_ns;
}

static uint64_t tb_now(TimeBase *tb, uint64_t icount)
{
    if (tb->shift >= 0)
        return tb->tb_base + insns_to_ticks(tb, icount);
    if (tb->paused)
        return tb_paused_value(tb);
    return tb_at_ns(tb, tb_host_mono_ns());
}

/* Host ns (offset monotonic) at which a running real-time TB reaches
 * `deadline`: with k = deadline - tb_base ticks to go, the first ns with
 * floor(ns * freq / 1e9) >= k is ceil(k * 1e9 / freq). */
static uint64_t tb_deadline_ns(const TimeBase *tb, uint64_t deadline)
{
    int64_t k = (int64_t)(deadline - tb->tb_base);
    if (k <= 0)
        return tb->ns_base;
    uint64_t d = tb_ticks_to_ns((uint64_t)k, tb->freq);
    /* host ns are compared by signed distance (a test offset may put them
     * anywhere modulo 2^64): cap the distance at 292 years */
    return tb->ns_base + (d > INT64_MAX ? INT64_MAX : d);
}

/* ---- the link to the scheduler ---- */

/* Tell the scheduler when the earliest event is due in host time (never
 * while paused: nothing fires while the guest does not run; never under
 * -icount: the CPU's budget ends there, no host clock involved). */
static void tb_timer_update(TimeBase *tb)
{
    bool armed = tb->shift < 0 && !tb->paused && tb->head;
    sched_set_guest_deadline(tb->sched, armed, armed ? tb_deadline_ns(tb, tb->head->deadline_tb) : 0);
}

uint64_t tb_test_timer_kicks(TimeBase *tb)
{
    return sched_test_kicks(tb->sched);
}

/* ---- the scheduler ---- */

static void list_remove(TimeBase *tb, TBEvent *ev)
{
    for (TBEvent **p = &tb->head; *p; p = &(*p)->next) {
        if (*p == ev) {
            *p = ev->next;
            break;
        }
    }
    ev->next = NULL;
    ev->armed = false;
}

/* after every event with the same or an earlier deadline: equal deadlines
 * fire in the order they were armed */
static void list_insert(TimeBase *tb, TBEvent *ev)
{
    TBEvent **p = &tb->head;
    while (*p && !tb_before(ev->deadline_tb, (*p)->deadline_tb))
        p = &(*p)->next;
    ev->next = *p;
    *p = ev;
    ev->armed = true;
}

void tb_event_init(TBEvent *ev, const char *name, TBEventFn fn, void *opaque)
{
    memset(ev, 0, sizeof(*ev));
    ev->name = name;
    ev->fn = fn;
    ev->opaque = opaque;
}

/* Under -icount the CPU runs on a budget computed from the earliest
 * deadline; an event armed earlier than that (mtdec in the middle of a run)
 * makes the CPU return at its next block end so the budget is recomputed.
 * In real time the scheduler's timer thread takes care of it. */
static void tb_head_moved(TimeBase *tb, TBEvent *ev)
{
    if (tb->shift >= 0 && tb->head == ev)
        sched_kick(tb->sched);
}

void tb_event_arm(TimeBase *tb, TBEvent *ev, uint64_t deadline_tb)
{
    if (ev->armed)
        list_remove(tb, ev);
    ev->deadline_tb = deadline_tb;
    list_insert(tb, ev);
    tb_head_moved(tb, ev);
    tb_timer_update(tb);
}

void tb_event_disarm(TimeBase *tb, TBEvent *ev)
{
    if (!ev->armed)
        return;
    list_remove(tb, ev);
    tb_timer_update(tb);
}

/* Events fire in deadline order at one sampled TB; an event that re-arms
 * itself at or before that TB fires again in the same call.  Nothing fires
 * while paused. */
void tb_run_due(TimeBase *tb, uint64_t icount)
{
    if (tb->paused || !tb->head)
        return;
    uint64_t now = tb_now(tb, icount);
    tb->due_tb = now;
    bool fired = false;
    while (tb->head && !tb_before(now, tb->head->deadline_tb)) {
        TBEvent *ev = tb->head;
        tb->head = ev->next;
        ev->next = NULL;
        ev->armed = false;
        ev->fn(ev->opaque);
        fired = true;
    }
    if (fired)
        tb_timer_update(tb);
}

uint64_t tb_insn_budget(TimeBase *tb, uint64_t icount)
{
    if (tb->shift < 0)
        return TB_SLICE_INSNS;
    if (!tb->head)
        return UINT64_MAX;
    int64_t k = (int64_t)(tb->head->deadline_tb - tb_now(tb, icount));
    if (k <= 0)
        return 0;
    uint64_t ticks = insns_to_ticks(tb, icount);
    if ((uint64_t)k > UINT64_MAX - ticks)
        return UINT64_MAX;
    uint64_t at = ticks_to_insns(tb, ticks + (uint64_t)k);
    return at == UINT64_MAX ? UINT64_MAX : at - icount;
}

int64_t tb_ns_to_next(TimeBase *tb, uint64_t icount)
{
    (void)icount;
    if (tb->paused || !tb->head)
        return -1;
    if (tb->shift >= 0)
        return 0; /* virtual time: reached at once (tb_idle_warp) */
    uint64_t d = tb_deadline_ns(tb, tb->head->deadline_tb);
    uint64_t now = tb_host_mono_ns();
    if ((int64_t)(d - now) <= 0)
        return 0;
    return d - now > INT64_MAX ? INT64_MAX : (int64_t)(d - now);
}

bool tb_idle_warp(TimeBase *tb, uint64_t icount)
{
    if (tb->shift < 0 || tb->paused || !tb->head)
        return false;
    int64_t k = (int64_t)(tb->head->deadline_tb - tb_now(tb, icount));
    if (k <= 0)
        return false;
    tb->tb_base += (uint64_t)k;
    return true;
}

/* ---- the decrementer ---- */

/* DEC counts down one per TB tick and passes from 0 to -1 (bit 0 going
 * 0 -> 1) when TB == dec_deadline + 1, then again every 2^32 ticks as it
 * wraps.  The first such TB strictly after `after`: */
static uint64_t dec_next_edge(uint64_t dec_deadline, uint64_t after)
{
    uint64_t r = (uint32_t)(dec_deadline + 1 - after);
    return after + (r ? r : DEC_PERIOD);
}

/* The request stays latched at the CPU until it takes the exception,
 * which cancels it; several edges before that make one exception (750 UM
 * 4.5.9; PEM 6.4.9).  The decrementer line is an edge request: it is only
 * ever raised here (import restores the saved level). */
static void dec_signal(TimeBase *tb)
{
    irq_line_set(&tb->links.dec, true);
}

static bool line_latched(const TimeBase *tb, const IrqLine *l)
{
    return tb->links.latched && l->set_irq && tb->links.latched(tb->links.latched_opaque, l->n);
}

static void dec_fire(void *opaque)
{
    TimeBase *tb = opaque;
    dec_signal(tb);
    tb_event_arm(tb, &tb->dec_event, dec_next_edge(tb->dec_deadline, tb->due_tb));
}

static bool dec_edge_due(const TimeBase *tb, uint64_t now)
{
    return tb->dec_event.armed && !tb_before(now, tb->dec_event.deadline_tb);
}

uint32_t tb_dec_read(TimeBase *tb, uint64_t icount)
{
    return (uint32_t)(tb->dec_deadline - tb_now(tb, icount));
}

/* mtdec.  PEM 2.3.13.1 (decrementer operation): "if the DEC is altered by
 * software and the content of bit 0 is changed from 0 to 1, an exception
 * request is signaled".  So writing a negative value raises the exception
 * when the old value was non-negative, and not when DEC was already
 * negative (it passed zero before and that edge made its own request).  The
 * 750 implements the decrementer as the architecture defines it (750 UM
 * 4.5.9).  A write does not cancel a request already latched: only taking
 * the exception does (PEM 6.4.9). */
void tb_dec_write(TimeBase *tb, uint64_t icount, uint32_t v)
{
    uint64_t now = tb_now(tb, icount);
    /* a countdown edge that has happened, but whose event has not run yet,
     * must not be swallowed by the write */
    if (dec_edge_due(tb, now))
        dec_signal(tb);
    uint32_t old = (uint32_t)(tb->dec_deadline - now);
    tb->dec_deadline = now + (uint64_t)(int64_t)(int32_t)v;
    if (!(old >> 31) && (v >> 31))
        dec_signal(tb);
    tb_event_arm(tb, &tb->dec_event, dec_next_edge(tb->dec_deadline, now));
}

/* ---- the timebase registers ---- */

/* mttbl/mttbu: write one half, keep the other (PEM 2.3.12: TBL and TBU are
 * separate 32-bit registers; setting one leaves the other unchanged).  Only
 * the mapping's base moves.  DEC and every scheduled delay count the same
 * clock, not the TB register, so they keep their remaining ticks: their
 * deadlines shift with the TB. */
static void tb_write_bits(TimeBase *tb, uint64_t icount, uint64_t mask, uint64_t bits)
{
    uint64_t old, ns = 0;
    if (tb->shift < 0 && !tb->paused) {
        ns = tb_host_mono_ns();
        old = tb_at_ns(tb, ns);
    } else {
        old = tb_now(tb, icount);
    }
    uint64_t v = (old & ~mask) | bits;
    uint64_t delta = v - old;
    if (tb->shift >= 0) {
        tb->tb_base += delta; /* keeps the phase within a tick */
    } else if (tb->paused) {
        tb_set_paused_at(tb, v, tb_host_real_ns());
    } else {
        tb->tb_base = v;
        tb->ns_base = ns;
    }
    tb->dec_deadline += delta;
    for (TBEvent *ev = tb->head; ev; ev = ev->next)
        ev->deadline_tb += delta;
    tb_timer_update(tb);
}

void tb_write_lower(TimeBase *tb, uint64_t icount, uint32_t v)
{
    tb_write_bits(tb, icount, 0xFFFFFFFFull, v);
}

void tb_write_upper(TimeBase *tb, uint64_t icount, uint32_t v)
{
    tb_write_bits(tb, icount, 0xFFFFFFFF00000000ull, (uint64_t)v << 32);
}

uint64_t tb_read(TimeBase *tb, uint64_t icount)
{
    return tb_now(tb, icount);
}

/* ---- run state ---- */

void tb_pause(TimeBase *tb, uint64_t icount)
{
    if (tb->paused)
        return;
    if (tb->shift < 0) {
        uint64_t v = tb_now(tb, icount);
        tb_set_paused_at(tb, v, tb_host_real_ns());
    }
    tb->paused = true;
    tb_timer_update(tb);
}

/* Time is re-derived here, when the guest starts running (rule 5).  Under
 * -icount the TB is a function of the instruction count, which does not
 * move while paused, so nothing needs re-deriving. */
void tb_resume(TimeBase *tb, uint64_t icount)
{
    (void)icount;
    if (!tb->paused)
        return;
    if (tb->shift < 0) {
        uint64_t v = tb_paused_value(tb);
        tb->ns_base = tb_host_mono_ns();
        tb->tb_base = v;
    }
    tb->paused = false;
    tb_timer_update(tb);
}

bool tb_paused(const TimeBase *tb)
{
    return tb->paused;
}

/* ---- snapshots ---- */

void tb_export(TimeBase *tb, uint64_t icount, TBSavedState *st)
{
    memset(st, 0, sizeof(*st));
    st->freq_hz = tb->freq;
    st->icount_shift = tb->shift;
    st->tb = tb_now(tb, icount);
    st->realtime_ns = tb->shift < 0 ? tb_host_real_ns() : 0;
    st->dec = (int64_t)(tb->dec_deadline - st->tb);
    st->icount = icount;
    /* an edge already passed but not yet run counts as latched */
    st->dec_pending = line_latched(tb, &tb->links.dec) || dec_edge_due(tb, st->tb);
    st->ext_pending = line_latched(tb, &tb->links.ext);
}

int tb_import(TimeBase *tb, const TBSavedState *st)
{
    if (st->freq_hz != tb->freq || (st->icount_shift < 0) != (tb->shift < 0))
        return -1;
    if (tb->shift >= 0 && st->icount_shift != tb->shift)
        return -1;
    tb->paused = true;
    if (tb->shift >= 0) {
        tb->tb_base = st->tb - insns_to_ticks(tb, st->icount);
    } else {
        tb_set_paused_at(tb, st->tb, st->realtime_ns);
    }
    tb->dec_deadline = st->tb + (uint64_t)st->dec;
    tb_event_arm(tb, &tb->dec_event, dec_next_edge(tb->dec_deadline, st->tb));
    irq_line_set(&tb->links.dec, st->dec_pending);
    irq_line_set(&tb->links.ext, st->ext_pending);
    return 0;
}

/* ---- life cycle ---- */

TimeBase *tb_new(TBLinks links, uint64_t freq_hz, int icount_shift, TBClockPolicy policy)
{
    if (freq_hz == 0 || icount_shift > 62)
        return NULL;
    TimeBase *tb = calloc(1, sizeof(*tb));
    if (!tb)
        return NULL;
    tb->links = links;
    tb->sched = links.sched;
    if (!tb->sched) {
        tb->sched = sched_new(links.kick, links.kick_opaque);
        tb->own_sched = true;
        if (!tb->sched) {
            free(tb);
            return NULL;
        }
    }
    tb->freq = freq_hz;
    tb->shift = icount_shift < 0 ? -1 : icount_shift;
    tb->policy = policy;
    /* TB starts at 0 */
    if (tb->shift >= 0)
        tb->tb_base = 0 - insns_to_ticks(tb, links.icount);
    else
        tb->ns_base = tb_host_mono_ns();
    /* DEC starts at 0xFFFFFFFF: already through zero, nothing latched, the
     * next edge 2^32 ticks away.  Software programs DEC before it enables
     * MSR[EE]. */
    tb->dec_deadline = (uint64_t)0 - 1;
    tb_event_init(&tb->dec_event, "decrementer", dec_fire, tb);
    tb_event_arm(tb, &tb->dec_event, dec_next_edge(tb->dec_deadline, 0));
    return tb;
}

void tb_free(TimeBase *tb)
{
    if (!tb)
        return;
    sched_set_guest_deadline(tb->sched, false, 0);
    if (tb->own_sched)
        sched_free(tb->sched);
    free(tb);
}

uint64_t tb_freq(const TimeBase *tb)
{
    return tb->freq;
}

int tb_icount_shift(const TimeBase *tb)
{
    return tb->shift;
}

TBClockPolicy tb_policy(const TimeBase *tb)
{
    return tb->policy;
}
