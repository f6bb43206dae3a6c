/*
 * Guest time: the timebase (TB), the decrementer (DEC) and the one event
 * scheduler every timer of the machine uses.  Rules: ../shared/spec/timebase.md.
 *
 *  - TB is a function of host time, never a stepped counter:
 *      TB = tb_base + muldiv(now_ns - ns_base, freq, 1e9)     (rounded down)
 *    with now_ns from CLOCK_MONOTONIC (plus a test offset), or, under
 *    -icount N, TB = tb_base + (icount >> N) with no host clock read at all.
 *  - DEC is a deadline in TB ticks: dec_deadline = TB + sign_extend(value).
 *  - Expiry is a scheduled event; a host timer wakes the CPU loop
 *    (PPCState.exit_request) at the deadline; nothing polls per instruction.
 *
 * Callers pass `icount`, the CPU's exact instruction count at the moment of
 * the access (ppc_icount_now() inside an instruction handler); it is only
 * used under -icount.
 */
#ifndef TIMEBASE_TB_H
#define TIMEBASE_TB_H

#include <stdbool.h>
#include <stdint.h>

struct PPCState;

typedef enum { TB_CLOCK_HOST = 0, TB_CLOCK_VM = 1 } TBClockPolicy;

typedef void (*TBEventFn)(void *opaque);

typedef struct TBEvent {
    TBEventFn fn;
    void *opaque;
    uint64_t deadline_tb; /* in TB ticks */
    bool armed;
    struct TBEvent *next;
    const char *name;
} TBEvent;

typedef struct TimeBase TimeBase;

/* icount_shift < 0: real time; otherwise TB advances every 2^shift insns */
TimeBase *tb_new(struct PPCState *cpu, uint64_t freq_hz, int icount_shift, TBClockPolicy policy);
void tb_free(TimeBase *tb);
uint64_t tb_freq(const TimeBase *tb);
int tb_icount_shift(const TimeBase *tb);
TBClockPolicy tb_policy(const TimeBase *tb);

/* Host clocks as the emulator sees them (with the test offsets applied):
 * PPCEMU_TEST_MONO_OFFSET_NS / PPCEMU_TEST_REAL_OFFSET_NS environment
 * variables shift CLOCK_MONOTONIC / CLOCK_REALTIME by a signed amount. */
uint64_t tb_host_mono_ns(void);
int64_t tb_host_real_ns(void);

/* Guest-visible registers */
uint64_t tb_read(TimeBase *tb, uint64_t icount);
void tb_write_lower(TimeBase *tb, uint64_t icount, uint32_t v); /* mttbl */
void tb_write_upper(TimeBase *tb, uint64_t icount, uint32_t v); /* mttbu */
uint32_t tb_dec_read(TimeBase *tb, uint64_t icount);
void tb_dec_write(TimeBase *tb, uint64_t icount, uint32_t v);

/* Run state: TB stands still while paused under -tb-clock vm; under host it
 * keeps tracking real time.  tb_resume re-derives time (timebase.md rule 5). */
void tb_pause(TimeBase *tb, uint64_t icount);
void tb_resume(TimeBase *tb, uint64_t icount);

/* The scheduler: events on one queue, deadlines in TB ticks. */
void tb_event_init(TBEvent *ev, const char *name, TBEventFn fn, void *opaque);
void tb_event_arm(TimeBase *tb, TBEvent *ev, uint64_t deadline_tb);
void tb_event_disarm(TimeBase *tb, TBEvent *ev);
/* Fire every event whose deadline has passed. */
void tb_run_due(TimeBase *tb, uint64_t icount);
/* How many instructions the CPU may run before the next event under
 * -icount (UINT64_MAX if none); under real time, a slice length. */
uint64_t tb_insn_budget(TimeBase *tb, uint64_t icount);
/* Host nanoseconds (CLOCK_MONOTONIC, offset applied) until the next event,
 * or -1 if none: how long an idle (MSR[POW]) guest lets the host sleep. */
int64_t tb_ns_to_next(TimeBase *tb, uint64_t icount);

#endif /* TIMEBASE_TB_H */
