/* The timebase against the host clocks: rate, decrementer timing through
 * the timer thread, pause/resume under both clock policies, export/import
 * across differing host clock origins.  Bounds are generous for a loaded
 * machine but each one can fail. */
#include <check.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu/ppc.h"
#include "timebase/tb.h"

#define HOUR_NS (3600ull * 1000000000ull)

static PPCState *fake_cpu(void)
{
    PPCState *c = calloc(1, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    return c;
}

/* exit_request is written by the timer thread */
static int kicked(PPCState *c)
{
    return __atomic_load_n(&c->exit_request, __ATOMIC_SEQ_CST);
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
    while (nanosleep(&ts, &ts))
        ;
}

/* ticks of `ns` at `hz`, computed here in long double: an independent
 * estimate for tolerances, not the code under test */
static long double ticks_ld(long double ns, uint64_t hz)
{
    return ns * (long double)hz / 1e9L;
}

/* ---- rate ---- */

typedef struct Sample {
    uint64_t tb, mono_lo, mono_hi;
} Sample;

/* TB sampled between two CLOCK_MONOTONIC reads (offset applied, as the
 * timebase sees it); retried until the bracket is tight */
static Sample sample(TimeBase *tb)
{
    Sample s = { 0, 0, UINT64_MAX };
    for (int i = 0; i < 50; i++) {
        uint64_t lo = tb_host_mono_ns();
        uint64_t v = tb_read(tb, 0);
        uint64_t hi = tb_host_mono_ns();
        if (hi - lo < s.mono_hi - s.mono_lo)
            s = (Sample){ v, lo, hi };
        if (hi - lo < 20000)
            break;
    }
    return s;
}

START_TEST(rate_tracks_monotonic)
{
    static const uint64_t freqs[] = { 1000000, 16700000, 33333333, 100000000, 512000000 };
    enum { N = sizeof(freqs) / sizeof(freqs[0]) };
    tb_host_set_offsets(0, 0);
    TimeBase *tb[N];
    Sample a[N], b[N];
    for (int i = 0; i < N; i++)
        tb[i] = tb_new(TB_NO_LINKS, freqs[i], -1, TB_CLOCK_HOST);
    for (int i = 0; i < N; i++)
        a[i] = sample(tb[i]);
    sleep_ns(1500000000ull);
    for (int i = 0; i < N; i++)
        b[i] = sample(tb[i]);
    for (int i = 0; i < N; i++) {
        /* the TB delta must lie within the ticks of the shortest and the
         * longest interval the brackets allow (+-1 for rounding) */
        long double lo = ticks_ld((long double)(b[i].mono_lo - a[i].mono_hi), freqs[i]) - 1;
        long double hi = ticks_ld((long double)(b[i].mono_hi - a[i].mono_lo), freqs[i]) + 1;
        long double d = (long double)(b[i].tb - a[i].tb);
        ck_assert_msg(d >= lo && d <= hi, "freq %llu: %.0Lf ticks, expected %.0Lf..%.0Lf",
                      (unsigned long long)freqs[i], d, lo, hi);
        /* and the rate over the interval is within 100 ppm */
        long double mid_ns = ((long double)(b[i].mono_lo + b[i].mono_hi) - (long double)(a[i].mono_lo + a[i].mono_hi)) / 2;
        long double rate = d / ticks_ld(mid_ns, freqs[i]);
        ck_assert_msg(rate > 1 - 100e-6L && rate < 1 + 100e-6L, "freq %llu: rate error %.1Lf ppm",
                      (unsigned long long)freqs[i], (rate - 1) * 1e6L);
    }
    for (int i = 0; i < N; i++)
        tb_free(tb[i]);
}
END_TEST

/* ten years of host uptime at 512 MHz: no overflow on the way */
START_TEST(rate_after_years_of_uptime)
{
    tb_host_set_offsets(0, 0);
    TimeBase *tb = tb_new(TB_NO_LINKS, 512000000, -1, TB_CLOCK_HOST);
    uint64_t t0 = tb_read(tb, 0);
    tb_host_set_offsets(315360000000000000ll, 0); /* + 10 * 365 days */
    uint64_t t1 = tb_read(tb, 0);
    ck_assert_uint_ge(t1 - t0, 161464320000000000ull);
    ck_assert_uint_lt(t1 - t0, 161464320000000000ull + 512000000ull); /* + 1 s */
    tb_free(tb);
}
END_TEST

/* tb_host_set_offsets (the -debug-clock-offset option) shifts the host
 * clocks the emulator reads */
START_TEST(clock_offsets_shift_host_clocks)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tb_host_set_offsets(1000000000000000000ll, -86400000000000ll);
        struct timespec m, r;
        clock_gettime(CLOCK_MONOTONIC, &m);
        clock_gettime(CLOCK_REALTIME, &r);
        int64_t dm = (int64_t)(tb_host_mono_ns() - ((uint64_t)m.tv_sec * 1000000000u + (uint64_t)m.tv_nsec));
        int64_t dr = tb_host_real_ns() - ((int64_t)r.tv_sec * 1000000000 + r.tv_nsec);
        bool ok = dm >= 1000000000000000000ll && dm < 1000000000000000000ll + 1000000000ll &&
                  dr >= -86400000000000ll && dr < -86400000000000ll + 1000000000ll;
        _exit(ok ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* ---- the decrementer through the timer thread ---- */

/* Program DEC for ~30 ms and wait like the CPU loop does: the timer thread
 * must set exit_request, not before DEC has gone negative, and not much
 * later; tb_run_due must raise the interrupt only once DEC is negative. */
static void dec_fires_on_time(uint64_t hz)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), hz, -1, TB_CLOCK_HOST);
    uint64_t d = hz * 30 / 1000;
    tb_dec_write(tb, 0, (uint32_t)d);
    bool fired_by_poll = false;
    while (!kicked(c)) {
        /* polling well before the deadline fires nothing; should it fire
         * (a long preemption), DEC read after it must be negative */
        if ((int32_t)tb_dec_read(tb, 0) > (int32_t)(hz / 100)) {
            tb_run_due(tb, 0);
            if (c->irq_pending & PPC_IRQ_DEC) {
                ck_assert_int_lt((int32_t)tb_dec_read(tb, 0), 0);
                fired_by_poll = true;
            }
        }
        sleep_ns(200000);
    }
    /* kicked: the deadline has passed */
    int32_t dec = (int32_t)tb_dec_read(tb, 0);
    ck_assert_msg(dec < 0, "%llu Hz: kicked early, DEC %d", (unsigned long long)hz, dec);
    long double late_ns = -(long double)dec * 1e9L / (long double)hz;
    ck_assert_msg(late_ns < 250e6L, "%llu Hz: kicked %.0Lf ns late", (unsigned long long)hz, late_ns);
    ck_assert(fired_by_poll || tb_test_timer_kicks(tb) >= 1);
    tb_run_due(tb, 0);
    ck_assert(c->irq_pending & PPC_IRQ_DEC);
    tb_free(tb);
    free(c);
}

START_TEST(dec_fires_on_time_1mhz) { dec_fires_on_time(1000000); }
END_TEST
START_TEST(dec_fires_on_time_33mhz) { dec_fires_on_time(33333333); }
END_TEST
START_TEST(dec_fires_on_time_512mhz) { dec_fires_on_time(512000000); }
END_TEST

/* re-programming DEC re-arms the thread: a later deadline is not kicked
 * at the earlier one, an earlier one wakes the sleeping thread */
START_TEST(dec_rearm_moves_the_timer)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, -1, TB_CLOCK_HOST);
    tb_dec_write(tb, 0, 20000);   /* 20 ms */
    tb_dec_write(tb, 0, 2000000); /* no: 2 s */
    sleep_ns(60000000);
    ck_assert_int_eq(kicked(c), 0);
    uint64_t t0 = tb_host_mono_ns();
    tb_dec_write(tb, 0, 10000); /* 10 ms */
    while (!kicked(c))
        sleep_ns(200000);
    uint64_t waited = tb_host_mono_ns() - t0;
    ck_assert_uint_ge(waited, 10000000);
    ck_assert_uint_lt(waited, 1000000000); /* not the 2 s one */
    tb_free(tb);
    free(c);
}
END_TEST

START_TEST(ns_to_next_and_budget)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, -1, TB_CLOCK_HOST);
    uint64_t t0 = tb_host_mono_ns();
    tb_dec_write(tb, 0, 200000); /* 200 ms: the edge is 200001 ticks away */
    int64_t ns = tb_ns_to_next(tb, 0);
    uint64_t spent = tb_host_mono_ns() - t0;
    ck_assert_int_le(ns, 200001000);
    ck_assert_int_ge(ns, 200001000 - (int64_t)spent - 1000);
    ck_assert_uint_eq(tb_insn_budget(tb, 0), TB_SLICE_INSNS);
    tb_pause(tb, 0);
    ck_assert_int_eq(tb_ns_to_next(tb, 0), -1);
    tb_free(tb);
    free(c);
}
END_TEST

/* Host ns are taken modulo 2^64: a monotonic origin just below the wrap
 * (a test offset) changes nothing, near or far deadlines alike. */
START_TEST(host_ns_wrap)
{
    struct timespec m;
    clock_gettime(CLOCK_MONOTONIC, &m);
    int64_t raw = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec;
    tb_host_set_offsets(-raw - 100000000, 0); /* wraps in ~100 ms */
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, -1, TB_CLOCK_HOST);
    tb_dec_write(tb, 0, 1000000); /* 1 s, across the wrap */
    int64_t ns = tb_ns_to_next(tb, 0);
    ck_assert_int_gt(ns, 500000000);
    ck_assert_int_le(ns, 1000001000);
    sleep_ns(150000000);
    ck_assert_int_eq(kicked(c), 0);
    while (!kicked(c))
        sleep_ns(200000);
    ck_assert_int_lt((int32_t)tb_dec_read(tb, 0), 0);
    tb_free(tb);
    free(c);
}
END_TEST

/* at 1 Hz the decrementer's first edge (2^32 ticks after reset) is 136
 * years away: far, but not "now", whatever the monotonic origin */
START_TEST(host_ns_far_deadline)
{
    tb_host_set_offsets(-4000000000000000000ll, 0);
    TimeBase *tb = tb_new(TB_NO_LINKS, 1, -1, TB_CLOCK_HOST);
    int64_t ns = tb_ns_to_next(tb, 0);
    ck_assert_int_gt(ns, 4294967296000000000ll - 1000000000ll);
    ck_assert_int_le(ns, 4294967296000000000ll);
    tb_free(tb);
}
END_TEST

/* Rule 8, idle is idle: the board's loop for a halted CPU (tb.h) with a
 * guest timer handler re-programming DEC every 10 ms runs for a second on
 * almost no host CPU time, the timer thread included. */
START_TEST(idle_loop_sleeps)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 33333333, -1, TB_CLOCK_HOST);
    c->halted = true;
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    uint64_t t0 = tb_host_mono_ns();
    tb_dec_write(tb, 0, 333333);
    int irqs = 0, loops = 0;
    while (tb_host_mono_ns() - t0 < 1000000000ull) {
        loops++;
        tb_run_due(tb, 0);
        if (c->irq_pending & PPC_IRQ_DEC) {
            irqs++;
            c->irq_pending = 0;
            tb_dec_write(tb, 0, 333333);
        }
        __atomic_store_n(&c->exit_request, 0, __ATOMIC_SEQ_CST);
        tb_idle_warp(tb, 0);
        int64_t ns = tb_ns_to_next(tb, 0);
        ck_assert_int_ge(ns, 0);
        struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
        ppoll(NULL, 0, &ts, NULL);
    }
    getrusage(RUSAGE_SELF, &r1);
    long used_us = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000L + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
                   (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000L + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
    ck_assert_int_le(irqs, 101);
    ck_assert_int_ge(irqs, 20);
    ck_assert_int_lt(loops, 4 * irqs + 10); /* no spinning */
    ck_assert_int_lt(used_us, 100000);      /* < 10% of a core */
    tb_free(tb);
    free(c);
}
END_TEST

/* ---- pause / resume ---- */

START_TEST(pause_vm_tb_stands_still)
{
    tb_host_set_offsets(0, 0);
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, -1, TB_CLOCK_VM);
    tb_dec_write(tb, 0, 5000000); /* 5 s */
    tb_pause(tb, 0);
    uint64_t t0 = tb_read(tb, 0);
    uint32_t d0 = tb_dec_read(tb, 0);
    sleep_ns(50000000);
    tb_host_set_offsets((int64_t)HOUR_NS, (int64_t)HOUR_NS); /* an hour passes */
    ck_assert_uint_eq(tb_read(tb, 0), t0);
    ck_assert_uint_eq(tb_dec_read(tb, 0), d0);
    tb_run_due(tb, 0);
    ck_assert(!(c->irq_pending & PPC_IRQ_DEC));
    tb_resume(tb, 0);
    uint64_t t1 = tb_read(tb, 0);
    ck_assert_uint_ge(t1, t0);
    ck_assert_uint_lt(t1 - t0, 500000); /* 0.5 s at 1 MHz, not the hour */
    ck_assert_uint_le(d0 - tb_dec_read(tb, 0), 500000);
    tb_run_due(tb, 0);
    ck_assert(!(c->irq_pending & PPC_IRQ_DEC));
    tb_free(tb);
    free(c);
}
END_TEST

START_TEST(pause_host_tb_jumps_by_real_time)
{
    tb_host_set_offsets(0, 0);
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, -1, TB_CLOCK_HOST);
    tb_dec_write(tb, 0, 500000);
    tb_pause(tb, 0);
    uint64_t t0 = tb_read(tb, 0);
    /* an hour of wall-clock time; the monotonic clock of this "host" moves
     * by something else entirely: only real time counts across a pause */
    tb_host_set_offsets(-(int64_t)HOUR_NS * 5, (int64_t)HOUR_NS);
    uint64_t tp = tb_read(tb, 0); /* while paused, TB follows real time */
    ck_assert_uint_ge(tp - t0, 3600000000ull);
    ck_assert_uint_lt(tp - t0, 3600000000ull + 500000);
    tb_resume(tb, 0);
    uint64_t t1 = tb_read(tb, 0);
    ck_assert_uint_ge(t1 - t0, 3600000000ull);
    ck_assert_uint_lt(t1 - t0, 3600000000ull + 500000);
    /* the 0.5 s deadline passed during the pause: fires at once */
    tb_run_due(tb, 0);
    ck_assert(c->irq_pending & PPC_IRQ_DEC);
    /* and the TB keeps running at its rate afterwards */
    sleep_ns(20000000);
    uint64_t t2 = tb_read(tb, 0);
    ck_assert_uint_ge(t2 - t1, 20000);
    ck_assert_uint_lt(t2 - t1, 200000);
    tb_free(tb);
    free(c);
}
END_TEST

START_TEST(pause_host_realtime_backwards)
{
    tb_host_set_offsets(0, 0);
    TimeBase *tb = tb_new(TB_NO_LINKS, 1000000, -1, TB_CLOCK_HOST);
    sleep_ns(10000000);
    tb_pause(tb, 0);
    tb_host_set_offsets(0, 1000000000); /* a second passes */
    uint64_t t0 = tb_read(tb, 0);
    tb_host_set_offsets(0, -(int64_t)HOUR_NS); /* NTP steps back */
    ck_assert_uint_eq(tb_read(tb, 0), t0);
    tb_resume(tb, 0);
    uint64_t t1 = tb_read(tb, 0);
    ck_assert_uint_ge(t1, t0);
    ck_assert_uint_lt(t1 - t0, 500000);
    tb_free(tb);
}
END_TEST

/* ---- export / import between "hosts" ---- */

/* Save in one timebase, load in another whose monotonic origin differs
 * wildly: under vm the paused TB and DEC are the saved ones exactly; after
 * resume they go on from there. */
START_TEST(import_vm_other_monotonic_origin)
{
    tb_host_set_offsets(0, 0);
    PPCState *a = fake_cpu(), *b = fake_cpu();
    TimeBase *ta = tb_new(ppc_tb_links(a), 33333333, -1, TB_CLOCK_VM);
    tb_write_upper(ta, 0, 0x42);
    tb_dec_write(ta, 0, 166666665); /* 5 s */
    TBSavedState st;
    tb_pause(ta, 0);
    tb_export(ta, 0, &st);
    ck_assert_uint_eq(st.freq_hz, 33333333);
    ck_assert_uint_eq(st.tb >> 32, 0x42);
    ck_assert_int_gt(st.dec, 166666665 - 16666666);
    ck_assert_int_le(st.dec, 166666665);
    tb_free(ta);

    tb_host_set_offsets(7777777777777777777ll, 0);
    TimeBase *tbb = tb_new(ppc_tb_links(b), 33333333, -1, TB_CLOCK_VM);
    ck_assert_int_eq(tb_import(tbb, &st), 0);
    ck_assert_uint_eq(tb_read(tbb, 0), st.tb);
    ck_assert_uint_eq(tb_dec_read(tbb, 0), (uint32_t)st.dec);
    sleep_ns(20000000);
    tb_resume(tbb, 0);
    uint64_t t = tb_read(tbb, 0);
    ck_assert_uint_ge(t, st.tb);
    ck_assert_uint_lt(t - st.tb, 16666666); /* 0.5 s */
    tb_run_due(tbb, 0);
    ck_assert(!(b->irq_pending & PPC_IRQ_DEC));
    tb_free(tbb);
    free(a);
    free(b);
}
END_TEST

/* under host the TB jumps by the real time between save and resume, and a
 * deadline that passed meanwhile fires at once; a destination whose
 * realtime is behind the source's does not make TB go backwards */
START_TEST(import_host_realtime_gap)
{
    tb_host_set_offsets(0, 0);
    TimeBase *ta = tb_new(TB_NO_LINKS, 1000000, -1, TB_CLOCK_HOST);
    tb_dec_write(ta, 0, 5000000); /* 5 s */
    TBSavedState st;
    tb_export(ta, 0, &st);
    tb_free(ta);

    PPCState *b = fake_cpu();
    tb_host_set_offsets(-123456789123456789ll, 10 * 1000000000ll); /* 10 s later */
    TimeBase *tbb = tb_new(ppc_tb_links(b), 1000000, -1, TB_CLOCK_HOST);
    ck_assert_int_eq(tb_import(tbb, &st), 0);
    tb_resume(tbb, 0);
    uint64_t t = tb_read(tbb, 0);
    ck_assert_uint_ge(t - st.tb, 10000000);
    ck_assert_uint_lt(t - st.tb, 10000000 + 500000);
    tb_run_due(tbb, 0);
    ck_assert(b->irq_pending & PPC_IRQ_DEC);
    tb_free(tbb);

    PPCState *c = fake_cpu();
    tb_host_set_offsets(0, -(int64_t)HOUR_NS);
    TimeBase *tc = tb_new(ppc_tb_links(c), 1000000, -1, TB_CLOCK_HOST);
    ck_assert_int_eq(tb_import(tc, &st), 0);
    tb_resume(tc, 0);
    t = tb_read(tc, 0);
    ck_assert_uint_ge(t, st.tb);
    ck_assert_uint_lt(t - st.tb, 500000);
    ck_assert_uint_le(tb_dec_read(tc, 0), (uint32_t)st.dec);
    tb_run_due(tc, 0);
    ck_assert(!(c->irq_pending & PPC_IRQ_DEC));
    tb_free(tc);
    free(b);
    free(c);
}
END_TEST

/* mttbl/mttbu in real time: the written value is what reads back, and the
 * TB goes on counting from it */
START_TEST(tb_write_real_time)
{
    tb_host_set_offsets(0, 0);
    TimeBase *tb = tb_new(TB_NO_LINKS, 33333333, -1, TB_CLOCK_HOST);
    tb_write_lower(tb, 0, 0);
    tb_write_upper(tb, 0, 7);
    uint64_t t = tb_read(tb, 0);
    ck_assert_uint_eq(t >> 32, 7);
    ck_assert_uint_lt(t & 0xFFFFFFFFu, 33333333); /* 1 s */
    sleep_ns(10000000);
    ck_assert_uint_ge(tb_read(tb, 0) - t, 333333);
    tb_free(tb);
}
END_TEST

Suite *suite_tb_rt(void)
{
    Suite *s = suite_create("tb_rt");
    TCase *tc = tcase_create("realtime");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rate_tracks_monotonic);
    tcase_add_test(tc, rate_after_years_of_uptime);
    tcase_add_test(tc, clock_offsets_shift_host_clocks);
    tcase_add_test(tc, dec_fires_on_time_1mhz);
    tcase_add_test(tc, dec_fires_on_time_33mhz);
    tcase_add_test(tc, dec_fires_on_time_512mhz);
    tcase_add_test(tc, dec_rearm_moves_the_timer);
    tcase_add_test(tc, ns_to_next_and_budget);
    tcase_add_test(tc, host_ns_wrap);
    tcase_add_test(tc, host_ns_far_deadline);
    tcase_add_test(tc, idle_loop_sleeps);
    tcase_add_test(tc, pause_vm_tb_stands_still);
    tcase_add_test(tc, pause_host_tb_jumps_by_real_time);
    tcase_add_test(tc, pause_host_realtime_backwards);
    tcase_add_test(tc, import_vm_other_monotonic_origin);
    tcase_add_test(tc, import_host_realtime_gap);
    tcase_add_test(tc, tb_write_real_time);
    suite_add_tcase(s, tc);
    return s;
}
