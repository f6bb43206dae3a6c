/*
 * The event loop: descriptors and bottom halves on one ppoll().
 *
 * Why our own ~200 lines and not GLib's main loop or libuv: the loop is
 * not the program's outer driver but a step the CPU thread takes between
 * guest slices (timeout 0) and when the guest idles (timeout = the next
 * deadline of the scheduler's guest or host clock).  Guest-clock deadlines
 * are TB ticks or, under -icount, instruction counts; both libraries
 * would need a custom source that asks the scheduler anyway, plus our own
 * thread to stop the CPU at a deadline, and they would bring a dependency
 * and their own clock reads into the one path that must stay
 * deterministic under -icount.  What the machine needs from a loop, fds
 * with read/write readiness and thread-safe wakeups, is what ppoll and an
 * eventfd give directly.
 *
 * Descriptors live in an array rebuilt into a pollfd array per call;
 * removal inside a callback only marks the entry (dispatch walks the
 * array), and dead entries are reaped after dispatch.  Bottom halves carry
 * an atomic "posted" flag; posting writes the eventfd so that a sleeping
 * loop wakes at once.
 */
#include "boards/main_loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct LoopFd {
    MainLoop *loop;
    int fd;
    unsigned events;
    bool dead;
    LoopFdFn fn;
    void *opaque;
};

struct LoopBH {
    MainLoop *loop;
    LoopBHFn fn;
    void *opaque;
    int posted; /* atomic */
    LoopBH *next;
};

struct MainLoop {
    int wake_fd; /* eventfd */
    LoopFd **fds;
    size_t nfds, capfds;
    bool reap; /* some entry of fds is dead */
    LoopBH *bhs;
    int bh_posted; /* atomic: some bottom half is posted */
    struct pollfd *pfd;
    size_t cappfd;
};

MainLoop *loop_new(void)
{
    MainLoop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_fd < 0) {
        free(l);
        return NULL;
    }
    return l;
}

void loop_free(MainLoop *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nfds; i++)
        free(l->fds[i]);
    while (l->bhs) {
        LoopBH *b = l->bhs;
        l->bhs = b->next;
        free(b);
    }
    free(l->fds);
    free(l->pfd);
    close(l->wake_fd);
    free(l);
}

LoopFd *loop_fd_add(MainLoop *l, int fd, unsigned events, LoopFdFn fn, void *opaque)
{
    if (l->nfds == l->capfds) {
        size_t cap = l->capfds ? 2 * l->capfds : 8;
        LoopFd **n = realloc(l->fds, cap * sizeof(*n));
        if (!n)
            return NULL;
        l->fds = n;
        l->capfds = cap;
    }
    LoopFd *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    *w = (LoopFd){ l, fd, events, false, fn, opaque };
    l->fds[l->nfds++] = w;
    return w;
}

void loop_fd_set_events(LoopFd *w, unsigned events)
{
    w->events = events & (LOOP_READ | LOOP_WRITE);
}

unsigned loop_fd_events(const LoopFd *w)
{
    return w->events;
}

void loop_fd_remove(LoopFd *w)
{
    if (!w)
        return;
    w->dead = true;
    w->events = 0;
    w->loop->reap = true;
}

static void reap(MainLoop *l)
{
    size_t j = 0;
    for (size_t i = 0; i < l->nfds; i++) {
        if (l->fds[i]->dead)
            free(l->fds[i]);
        else
            l->fds[j++] = l->fds[i];
    }
    l->nfds = j;
    l->reap = false;
}

LoopBH *loop_bh_new(MainLoop *l, LoopBHFn fn, void *opaque)
{
    LoopBH *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->loop = l;
    b->fn = fn;
    b->opaque = opaque;
    b->next = l->bhs;
    l->bhs = b;
    return b;
}

void loop_wakeup(MainLoop *l)
{
    uint64_t one = 1;
    /* EAGAIN: the counter is saturated, the loop wakes anyway */
    ssize_t r = write(l->wake_fd, &one, sizeof(one));
    (void)r;
}

void loop_bh_schedule(LoopBH *b)
{
    __atomic_store_n(&b->posted, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&b->loop->bh_posted, 1, __ATOMIC_SEQ_CST);
    loop_wakeup(b->loop);
}

void loop_bh_free(LoopBH *b)
{
    if (!b)
        return;
    for (LoopBH **p = &b->loop->bhs; *p; p = &(*p)->next) {
        if (*p == b) {
            *p = b->next;
            break;
        }
    }
    free(b);
}

static int run_bhs(MainLoop *l)
{
    int n = 0;
    if (!__atomic_exchange_n(&l->bh_posted, 0, __ATOMIC_SEQ_CST))
        return 0;
    for (LoopBH *b = l->bhs; b; b = b->next) {
        if (__atomic_exchange_n(&b->posted, 0, __ATOMIC_SEQ_CST)) {
            b->fn(b->opaque);
            n++;
        }
    }
    return n;
}

int loop_run_once(MainLoop *l, int64_t timeout_ns)
{
    if (l->reap)
        reap(l);
    if (l->cappfd < l->nfds + 1) {
        struct pollfd *p = realloc(l->pfd, (l->nfds + 1) * sizeof(*p));
        if (!p)
            return 0; /* try again next time */
        l->pfd = p;
        l->cappfd = l->nfds + 1;
    }
    size_t n = 0;
    l->pfd[n++] = (struct pollfd){ l->wake_fd, POLLIN, 0 };
    for (size_t i = 0; i < l->nfds; i++) {
        LoopFd *w = l->fds[i];
        short ev = (short)((w->events & LOOP_READ ? POLLIN : 0) | (w->events & LOOP_WRITE ? POLLOUT : 0));
        /* a parked entry still takes a slot (fd -1 is ignored by poll) so
         * that pfd[i + 1] stays fds[i] */
        l->pfd[n++] = (struct pollfd){ ev ? w->fd : -1, ev, 0 };
    }
    if (__atomic_load_n(&l->bh_posted, __ATOMIC_SEQ_CST))
        timeout_ns = 0;
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tsp = &ts;
    }
    int r = ppoll(l->pfd, (nfds_t)n, tsp, NULL);
    int ran = 0;
    if (r > 0) {
        if (l->pfd[0].revents) {
            uint64_t v;
            ssize_t k = read(l->wake_fd, &v, sizeof(v));
            (void)k;
        }
        /* callbacks may add entries (the array may move) or remove them:
         * walk by index over the entries polled, re-reading the array */
        size_t polled = n - 1;
        for (size_t i = 0; i < polled; i++) {
            short re = l->pfd[i + 1].revents;
            LoopFd *w = l->fds[i];
            if (!re || w->dead)
                continue;
            unsigned rev = (re & POLLIN ? LOOP_READ : 0) | (re & POLLOUT ? LOOP_WRITE : 0) |
                           (re & (POLLHUP | POLLERR | POLLNVAL) ? LOOP_HUP : 0);
            /* a hang-up is delivered to whoever listens for either */
            if (rev & LOOP_HUP)
                rev |= w->events & LOOP_READ ? LOOP_READ : LOOP_WRITE;
            w->fn(w->opaque, w->fd, rev);
            ran++;
        }
    }
    ran += run_bhs(l);
    if (l->reap)
        reap(l);
    return ran;
}
