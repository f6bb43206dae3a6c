/*
 * The event loop every front end and device registers with: file
 * descriptors (sockets, the terminal, pipes) with read and write
 * readiness, and bottom halves that any thread may post.  Timers are not
 * here: they live on the scheduler's two clocks (timebase/sched.h), and
 * the loop sleeps until the scheduler's next deadline.
 *
 * One thread runs the loop: the thread that runs the CPU.  It calls
 * loop_run_once between CPU slices (timeout 0: serve what is ready, never
 * block) and when the guest idles or is paused (timeout: until the next
 * timer or descriptor event).  Callbacks run on that thread, between
 * guest instructions, so they may touch the machine.
 *
 * Adding a front end (QMP, GDB, migration, a display) is a call to
 * loop_fd_add with its handler; nothing in this file changes.
 */
#ifndef BOARDS_MAIN_LOOP_H
#define BOARDS_MAIN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct MainLoop MainLoop;
typedef struct LoopFd LoopFd;
typedef struct LoopBH LoopBH;

enum {
    LOOP_READ = 1,  /* readable, or a connection waiting on a listening socket */
    LOOP_WRITE = 2, /* room to write */
    LOOP_HUP = 4,   /* (revents only) the peer hung up or an error is pending */
};

/* revents: the LOOP_* bits that are ready */
typedef void (*LoopFdFn)(void *opaque, int fd, unsigned revents);
typedef void (*LoopBHFn)(void *opaque);

/* NULL when the wakeup descriptor cannot be created */
MainLoop *loop_new(void);
/* Every LoopFd and LoopBH must have been removed/freed first */
void loop_free(MainLoop *l);

/* Watch fd for `events` (LOOP_READ | LOOP_WRITE, 0 to park it).  The
 * loop never closes fd.  NULL only when out of memory. */
LoopFd *loop_fd_add(MainLoop *l, int fd, unsigned events, LoopFdFn fn, void *opaque)
    __attribute__((warn_unused_result));
void loop_fd_set_events(LoopFd *w, unsigned events);
unsigned loop_fd_events(const LoopFd *w);
/* Stop watching; safe from inside any callback, including w's own */
void loop_fd_remove(LoopFd *w);

/* A bottom half: fn runs once on the loop's thread after each
 * loop_bh_schedule (several schedules before it runs make one call).
 * loop_bh_schedule may be called from any thread or a signal handler. */
LoopBH *loop_bh_new(MainLoop *l, LoopBHFn fn, void *opaque) __attribute__((warn_unused_result));
void loop_bh_schedule(LoopBH *bh);
void loop_bh_free(LoopBH *bh);

/* Make a loop_run_once that sleeps (or the next one) return at once;
 * any thread, async-signal-safe */
void loop_wakeup(MainLoop *l);

/* Wait until a descriptor is ready, a bottom half is posted or timeout_ns
 * passes (-1: no timeout; 0: only look), then run every ready callback and
 * every posted bottom half.  Returns the number of callbacks run. */
int loop_run_once(MainLoop *l, int64_t timeout_ns);

#endif /* BOARDS_MAIN_LOOP_H */
