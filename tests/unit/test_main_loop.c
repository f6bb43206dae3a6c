/* The event loop (boards/main_loop.h): read and write readiness, parking
 * and removing a descriptor (also from inside its own callback), bottom
 * halves posted from another thread waking a loop that sleeps without a
 * timeout. */
#include <check.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "boards/main_loop.h"

typedef struct {
    int calls;
    unsigned last;
    LoopFd *self;
    bool remove_self;
} Seen;

static void on_fd(void *opaque, int fd, unsigned rev)
{
    Seen *s = opaque;
    (void)fd;
    s->calls++;
    s->last = rev;
    if (s->remove_self)
        loop_fd_remove(s->self);
}

START_TEST(read_and_write_readiness)
{
    MainLoop *l = loop_new();
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    Seen r = { 0 }, w = { 0 };
    LoopFd *rw = loop_fd_add(l, p[0], LOOP_READ, on_fd, &r);
    LoopFd *ww = loop_fd_add(l, p[1], LOOP_WRITE, on_fd, &w);
    ck_assert_ptr_nonnull(rw);
    ck_assert_ptr_nonnull(ww);
    /* nothing to read; the pipe has room */
    ck_assert_int_eq(loop_run_once(l, 0), 1);
    ck_assert_int_eq(r.calls, 0);
    ck_assert_int_eq(w.calls, 1);
    ck_assert(w.last & LOOP_WRITE);
    /* parked: not polled */
    loop_fd_set_events(ww, 0);
    ck_assert_int_eq(loop_run_once(l, 0), 0);
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    ck_assert_int_eq(loop_run_once(l, 1000000000), 1);
    ck_assert_int_eq(r.calls, 1);
    ck_assert(r.last & LOOP_READ);
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    /* the writer closes: a hang-up reaches the reader as readable */
    loop_fd_remove(ww);
    close(p[1]);
    ck_assert_int_eq(loop_run_once(l, 1000000000), 1);
    ck_assert(r.last & LOOP_READ);
    ck_assert(r.last & LOOP_HUP);
    loop_fd_remove(rw);
    ck_assert_int_eq(loop_run_once(l, 0), 0);
    close(p[0]);
    loop_free(l);
}
END_TEST

START_TEST(remove_inside_callback)
{
    MainLoop *l = loop_new();
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    Seen a = { .remove_self = true }, b = { 0 };
    a.self = loop_fd_add(l, p[1], LOOP_WRITE, on_fd, &a);
    b.self = loop_fd_add(l, p[1], LOOP_WRITE, on_fd, &b);
    ck_assert_int_eq(loop_run_once(l, 0), 2);
    ck_assert_int_eq(loop_run_once(l, 0), 1); /* a is gone, b stays */
    ck_assert_int_eq(a.calls, 1);
    ck_assert_int_eq(b.calls, 2);
    loop_fd_remove(b.self);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}
END_TEST

static int bh_runs;

static void bh_fn(void *opaque)
{
    (void)opaque;
    bh_runs++;
}

static void *post_later(void *opaque)
{
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    loop_bh_schedule(opaque);
    return NULL;
}

/* a loop sleeping with no timeout and no descriptor wakes for a bottom
 * half another thread posts, and runs it once */
START_TEST(bottom_half_from_another_thread)
{
    bh_runs = 0;
    MainLoop *l = loop_new();
    LoopBH *bh = loop_bh_new(l, bh_fn, NULL);
    ck_assert_ptr_nonnull(bh);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, post_later, bh), 0);
    ck_assert_int_eq(loop_run_once(l, -1), 1);
    ck_assert_int_eq(bh_runs, 1);
    pthread_join(t, NULL);
    /* two posts before the loop runs make one call */
    loop_bh_schedule(bh);
    loop_bh_schedule(bh);
    ck_assert_int_eq(loop_run_once(l, 0), 1);
    ck_assert_int_eq(bh_runs, 2);
    ck_assert_int_eq(loop_run_once(l, 0), 0);
    loop_bh_free(bh);
    loop_free(l);
}
END_TEST

Suite *suite_main_loop(void)
{
    Suite *s = suite_create("main_loop");
    TCase *tc = tcase_create("loop");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, read_and_write_readiness);
    tcase_add_test(tc, remove_inside_callback);
    tcase_add_test(tc, bottom_half_from_another_thread);
    suite_add_tcase(s, tc);
    return s;
}
