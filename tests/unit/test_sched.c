/* The scheduler's two clocks (timebase/sched.h): host timers fire at their
 * deadline and never before, in deadline order; the timer thread kicks
 * the CPU for them; guest and host timers in one scheduler fire in the
 * order of their deadlines; a guest TB write (mttbl/mttbu) moves guest
 * timers but never a host timer; a paused guest clock holds its timers
 * while host timers run. */
#include <check.h>
#include <time.h>

#include "timebase/sched.h"
#include "timebase/tb.h"

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
    nanosleep(&ts, NULL);
}

typedef struct {
    int order[8];
    int n;
    uint64_t at_ns[8];
} Fired;

static Fired fired;

static void note(void *opaque)
{
    int id = (int)(intptr_t)opaque;
    fired.at_ns[fired.n] = tb_host_mono_ns();
    fired.order[fired.n++] = id;
}

START_TEST(host_timer_fires_at_deadline_not_before)
{
    fired.n = 0;
    Scheduler *s = sched_new(NULL, NULL);
    SchedTimer t;
    sched_timer_init(&t, SCHED_HOST, "t", note, (void *)1);
    uint64_t deadline = tb_host_mono_ns() + 30000000; /* 30 ms */
    sched_timer_arm(s, &t, deadline);
    sched_run_due(s, 0);
    ck_assert_int_eq(fired.n, 0);
    int64_t wait = sched_ns_to_next(s, 0);
    ck_assert_int_gt(wait, 0);
    ck_assert_int_le(wait, 30000000);
    while (fired.n == 0) {
        int64_t w = sched_ns_to_next(s, 0);
        ck_assert_int_ge(w, 0);
        sleep_ns(w);
        sched_run_due(s, 0);
    }
    ck_assert_int_eq(fired.n, 1);
    ck_assert_uint_ge(fired.at_ns[0], deadline);
    ck_assert(!t.armed);
    ck_assert_int_eq(sched_ns_to_next(s, 0), -1);
    sched_free(s);
}
END_TEST

START_TEST(host_timers_in_deadline_order)
{
    fired.n = 0;
    Scheduler *s = sched_new(NULL, NULL);
    SchedTimer t[4];
    uint64_t now = tb_host_mono_ns();
    for (int i = 0; i < 4; i++)
        sched_timer_init(&t[i], SCHED_HOST, "t", note, (void *)(intptr_t)i);
    sched_timer_arm(s, &t[0], now - 10);
    sched_timer_arm(s, &t[1], now - 30);
    sched_timer_arm(s, &t[2], now - 10); /* same deadline as t[0]: after it */
    sched_timer_arm(s, &t[3], now - 20);
    sched_timer_arm(s, &t[3], now + 1000000000000ull); /* re-armed: moved away */
    sched_run_due(s, 0);
    ck_assert_int_eq(fired.n, 3);
    ck_assert_int_eq(fired.order[0], 1);
    ck_assert_int_eq(fired.order[1], 0);
    ck_assert_int_eq(fired.order[2], 2);
    ck_assert(t[3].armed);
    sched_timer_disarm(s, &t[3]);
    ck_assert_int_eq(sched_ns_to_next(s, 0), -1);
    sched_free(s);
}
END_TEST

static int kicks;
static uint64_t kick_at;

static void count_kick(void *opaque)
{
    (void)opaque;
    if (!__atomic_load_n(&kick_at, __ATOMIC_SEQ_CST))
        __atomic_store_n(&kick_at, tb_host_mono_ns(), __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&kicks, 1, __ATOMIC_SEQ_CST);
}

/* the thread stops the CPU when a host timer is due, once per deadline */
START_TEST(thread_kicks_for_host_timer)
{
    kicks = 0;
    kick_at = 0;
    Scheduler *s = sched_new(count_kick, NULL);
    ck_assert_ptr_nonnull(s);
    SchedTimer t;
    sched_timer_init(&t, SCHED_HOST, "t", note, (void *)1);
    uint64_t deadline = tb_host_mono_ns() + 20000000;
    sched_timer_arm(s, &t, deadline);
    for (int i = 0; i < 500 && !__atomic_load_n(&kicks, __ATOMIC_SEQ_CST); i++)
        sleep_ns(10000000);
    ck_assert_int_ge(__atomic_load_n(&kicks, __ATOMIC_SEQ_CST), 1);
    ck_assert_uint_ge(kick_at, deadline);
    sleep_ns(50000000);
    ck_assert_int_eq(__atomic_load_n(&kicks, __ATOMIC_SEQ_CST), 1); /* no spinning */
    ck_assert_uint_eq(sched_test_kicks(s), 1);
    sched_free(s);
}
END_TEST

static void nop(void *opaque)
{
    (void)opaque;
}

/* mttbu moves the TB (and guest events with it) by 2^32 * 2^20 ticks; a
 * host timer keeps its deadline and its distance */
START_TEST(guest_tb_write_leaves_host_timers)
{
    Scheduler *s = sched_new(NULL, NULL);
    TBLinks l = TB_NO_LINKS;
    l.sched = s;
    TimeBase *tb = tb_new(l, 1000000, -1, TB_CLOCK_HOST);
    ck_assert_ptr_nonnull(tb);
    SchedTimer t;
    sched_timer_init(&t, SCHED_HOST, "t", nop, NULL);
    uint64_t deadline = tb_host_mono_ns() + 5000000000ull; /* 5 s */
    sched_timer_arm(s, &t, deadline);
    SchedTimer ev;
    sched_timer_init(&ev, SCHED_GUEST, "guest", nop, NULL);
    uint64_t tb0 = tb_read(tb, 0);
    sched_timer_arm(s, &ev, tb0 + 1000000); /* 1 s of guest time */
    tb_write_upper(tb, 0, 0x100000);
    ck_assert_uint_eq(t.deadline, deadline);
    int64_t left = sched_ns_to_next(s, 0);
    ck_assert_int_gt(left, 900000000ll); /* the guest timer's, ~1 s */
    ck_assert_int_le(left, 1000000000ll);
    sched_timer_disarm(s, &ev);
    left = sched_ns_to_next(s, 0);
    ck_assert_int_gt(left, 4000000000ll);
    ck_assert_int_le(left, 5000000000ll);
    /* the guest event moved with the TB: still about 1 s away */
    ck_assert_uint_eq(ev.deadline - tb0, (0x100000ull << 32) + 1000000);
    tb_free(tb);
    sched_free(s);
}
END_TEST

/* A scheduler with a real-time guest clock at 1 MHz (1 tick = 1 us) */
static TimeBase *guest_clock(Scheduler *s)
{
    TBLinks l = TB_NO_LINKS;
    l.sched = s;
    TimeBase *tb = tb_new(l, 1000000, -1, TB_CLOCK_HOST);
    ck_assert_ptr_nonnull(tb);
    return tb;
}

/* A scheduler with that guest clock and one timer on each clock: g on the
 * guest clock notes 1, h on the host clock notes 2 */
static Scheduler *two_timers(TimeBase **tb, SchedTimer *g, SchedTimer *h)
{
    Scheduler *s = sched_new(NULL, NULL);
    ck_assert_ptr_nonnull(s);
    *tb = guest_clock(s);
    sched_timer_init(g, SCHED_GUEST, "guest", note, (void *)1);
    sched_timer_init(h, SCHED_HOST, "host", note, (void *)2);
    fired.n = 0;
    return s;
}

/* Both due in one run: each fires by its own deadline, whichever clock it
 * is on (host 10 ms before guest 20 ms, then guest 10 ms before host 20 ms) */
START_TEST(guest_and_host_timers_fire_in_deadline_order)
{
    TimeBase *tb;
    SchedTimer g, h;
    Scheduler *s = two_timers(&tb, &g, &h);
    for (int round = 0; round < 2; round++) {
        fired.n = 0;
        uint64_t ns0 = tb_host_mono_ns(), tb0 = tb_read(tb, 0);
        sched_timer_arm(s, &g, tb0 + (round ? 10000 : 20000));
        sched_timer_arm(s, &h, ns0 + (round ? 20000000 : 10000000));
        while (sched_ns_to_next(s, 0) != 0 || tb_host_mono_ns() - ns0 < 30000000)
            sleep_ns(5000000);
        sched_run_due(s, 0);
        ck_assert_int_eq(fired.n, 2);
        ck_assert_int_eq(fired.order[0], round ? 1 : 2);
        ck_assert_int_eq(fired.order[1], round ? 2 : 1);
        ck_assert(!g.armed && !h.armed);
    }
    tb_free(tb);
    sched_free(s);
}
END_TEST

/* mttbu 2^20 (TB + 2^52 ticks, then back to 0): the guest timer keeps its
 * 20 ms to go and fires only when they have passed, the host timer keeps
 * its deadline; with the old TB's deadline it would have been due at once
 * after the first write, and 2^52 ticks away after the second */
START_TEST(mttbu_moves_only_guest_timers)
{
    TimeBase *tb;
    SchedTimer g, h;
    Scheduler *s = two_timers(&tb, &g, &h);
    uint64_t ns0 = tb_host_mono_ns(), tb0 = tb_read(tb, 0);
    sched_timer_arm(s, &g, tb0 + 20000);
    sched_timer_arm(s, &h, ns0 + 10000000);
    tb_write_upper(tb, 0, 0x100000);
    ck_assert_uint_eq(h.deadline, ns0 + 10000000);
    ck_assert_uint_eq(g.deadline - tb0, (0x100000ull << 32) + 20000);
    sched_run_due(s, 0);
    ck_assert_int_eq(fired.n, 0);
    tb_write_upper(tb, 0, 0);
    ck_assert_uint_eq(h.deadline, ns0 + 10000000);
    ck_assert_uint_eq(g.deadline - tb0, 20000);
    while (fired.n < 2) {
        int64_t w = sched_ns_to_next(s, 0);
        ck_assert_int_ge(w, 0);
        sleep_ns(w);
        sched_run_due(s, 0);
    }
    ck_assert_int_eq(fired.order[0], 2);
    ck_assert_int_eq(fired.order[1], 1);
    ck_assert_uint_ge(fired.at_ns[0], ns0 + 10000000);
    ck_assert_uint_ge(fired.at_ns[1], ns0 + 20000000); /* never early */
    tb_free(tb);
    sched_free(s);
}
END_TEST

/* Paused, nothing on the guest clock fires (nor gives the host a
 * deadline); host timers go on; resuming lets the guest timer fire */
START_TEST(paused_guest_clock_holds_guest_timers_only)
{
    TimeBase *tb;
    SchedTimer g, h;
    Scheduler *s = two_timers(&tb, &g, &h);
    uint64_t ns0 = tb_host_mono_ns();
    sched_timer_arm(s, &g, tb_read(tb, 0) + 1000);
    sched_timer_arm(s, &h, ns0 + 2000000);
    tb_pause(tb, 0);
    while (tb_host_mono_ns() - ns0 < 5000000)
        sleep_ns(2000000);
    sched_run_due(s, 0);
    ck_assert_int_eq(fired.n, 1);
    ck_assert_int_eq(fired.order[0], 2);
    ck_assert_int_eq(sched_ns_to_next(s, 0), -1);
    tb_resume(tb, 0); /* -tb-clock host: the deadline passed, due at once */
    ck_assert_int_eq(sched_ns_to_next(s, 0), 0);
    sched_run_due(s, 0);
    ck_assert_int_eq(fired.n, 2);
    ck_assert_int_eq(fired.order[1], 1);
    tb_free(tb);
    sched_free(s);
}
END_TEST

Suite *suite_sched(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("host clock");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, host_timer_fires_at_deadline_not_before);
    tcase_add_test(tc, host_timers_in_deadline_order);
    tcase_add_test(tc, thread_kicks_for_host_timer);
    tcase_add_test(tc, guest_tb_write_leaves_host_timers);
    tcase_add_test(tc, guest_and_host_timers_fire_in_deadline_order);
    tcase_add_test(tc, mttbu_moves_only_guest_timers);
    tcase_add_test(tc, paused_guest_clock_holds_guest_timers_only);
    suite_add_tcase(s, tc);
    return s;
}
