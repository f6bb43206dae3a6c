/* The timebase without the wall clock: unit conversions, -icount, the
 * decrementer's edge semantics, mttbl/mttbu, idle warp, export/import.
 * Everything here is deterministic: -icount gives exact TB values. */
#include <check.h>
#include <stdlib.h>

#include "tests/lib/cpuenv.h"
#include "timebase/tb.h"

#define DEC_WRAP (1ull << 32)

static PPCState *fake_cpu(void)
{
    PPCState *c = calloc(1, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    return c;
}

static bool dec_pending(PPCState *c)
{
    return c->irq_pending & PPC_IRQ_DEC;
}

/* ---- conversions ---- */

START_TEST(conv_exact_values)
{
    /* 10 years of 365 days at 512 MHz: 315360000000000000 ns * 0.512 */
    ck_assert_uint_eq(tb_ns_to_ticks(315360000000000000ull, 512000000), 161464320000000000ull);
    /* all of uint64 ns at 512 MHz: floor((2^64 - 1) * 512 / 1000) */
    ck_assert_uint_eq(tb_ns_to_ticks(UINT64_MAX, 512000000), 9444732965739290426ull);
    /* 33.333333 MHz: one tick is 30.0000003 ns */
    ck_assert_uint_eq(tb_ns_to_ticks(30, 33333333), 0);
    ck_assert_uint_eq(tb_ns_to_ticks(31, 33333333), 1);
    ck_assert_uint_eq(tb_ns_to_ticks(1000000000, 33333333), 33333333);
    ck_assert_uint_eq(tb_ticks_to_ns(1, 33333333), 31);
    ck_assert_uint_eq(tb_ticks_to_ns(33333333, 33333333), 1000000000);
    ck_assert_uint_eq(tb_ticks_to_ns(1, 3), 333333334);
    ck_assert_uint_eq(tb_ticks_to_ns(3, 3), 1000000000);
    ck_assert_uint_eq(tb_ticks_to_ns(0, 3), 0);
    /* results beyond 64 bits saturate instead of wrapping */
    ck_assert_uint_eq(tb_ticks_to_ns(UINT64_MAX, 1000000), UINT64_MAX);
    ck_assert_uint_eq(tb_ns_to_ticks(UINT64_MAX, 4000000000ull), UINT64_MAX);
}
END_TEST

/* The deadline of k ticks is the first ns at which TB shows k ticks. */
START_TEST(conv_deadline_is_first_ns)
{
    static const uint64_t freqs[] = { 1000000, 16700000, 33333333, 100000000, 512000000, 7 };
    static const uint64_t ks[] = { 1, 2, 3, 999, 33333334, 1ull << 32, 123456789012345ull };
    for (unsigned f = 0; f < sizeof(freqs) / sizeof(freqs[0]); f++) {
        for (unsigned i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
            uint64_t ns = tb_ticks_to_ns(ks[i], freqs[f]);
            if (ns == UINT64_MAX) /* beyond 2^64 ns: saturated, see above */
                continue;
            ck_assert_uint_ge(tb_ns_to_ticks(ns, freqs[f]), ks[i]);
            ck_assert_uint_lt(tb_ns_to_ticks(ns - 1, freqs[f]), ks[i]);
        }
    }
}
END_TEST

/* ---- -icount ---- */

START_TEST(icount_tb_is_count_shifted)
{
    TimeBase *tb = tb_new(TB_NO_LINKS, 1000000, 3, TB_CLOCK_VM);
    ck_assert_ptr_nonnull(tb);
    ck_assert_int_eq(tb_icount_shift(tb), 3);
    ck_assert_uint_eq(tb_read(tb, 0), 0);
    ck_assert_uint_eq(tb_read(tb, 7), 0);
    ck_assert_uint_eq(tb_read(tb, 8), 1);
    ck_assert_uint_eq(tb_read(tb, 8000), 1000);
    ck_assert_uint_eq(tb_read(tb, 8007), 1000);
    /* no host time involved: the same count gives the same TB later */
    ck_assert_uint_eq(tb_read(tb, 8000), 1000);
    tb_free(tb);
}
END_TEST

/* the same sequence of operations at the same counts gives the same TB,
 * DEC and event counts in two independent timebases */
START_TEST(icount_deterministic)
{
    PPCState *c[2] = { fake_cpu(), fake_cpu() };
    TimeBase *tb[2];
    uint64_t trace[2][64];
    for (int r = 0; r < 2; r++) {
        tb[r] = tb_new(ppc_tb_links(c[r]), 33333333, 1, TB_CLOCK_HOST);
        unsigned n = 0;
        uint64_t ic = 0;
        tb_dec_write(tb[r], ic, 50);
        for (int step = 0; step < 16; step++) {
            uint64_t b = tb_insn_budget(tb[r], ic);
            ic += b < 37 ? b : 37;
            tb_run_due(tb[r], ic);
            if (dec_pending(c[r])) {
                c[r]->irq_pending = 0;
                tb_dec_write(tb[r], ic, 20 + step);
                trace[r][n++] = ic;
            }
            trace[r][n++] = tb_read(tb[r], ic);
            trace[r][n++] = tb_dec_read(tb[r], ic);
        }
        ck_assert_uint_le(n, 64);
        trace[r][63] = n;
    }
    ck_assert_uint_eq(trace[0][63], trace[1][63]);
    for (unsigned i = 0; i < trace[0][63]; i++)
        ck_assert_uint_eq(trace[0][i], trace[1][i]);
    for (int r = 0; r < 2; r++) {
        tb_free(tb[r]);
        free(c[r]);
    }
}
END_TEST

/* ---- decrementer ---- */

/* DEC counts down one per tick; the exception comes when it passes from 0
 * to -1, and the budget stops the CPU exactly there */
START_TEST(dec_countdown_edge)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 100, 10);
    ck_assert(!dec_pending(c));
    ck_assert_uint_eq(tb_dec_read(tb, 100), 10);
    ck_assert_uint_eq(tb_dec_read(tb, 105), 5);
    ck_assert_uint_eq(tb_dec_read(tb, 110), 0);
    ck_assert_uint_eq(tb_dec_read(tb, 111), 0xFFFFFFFFu);
    ck_assert_uint_eq(tb_insn_budget(tb, 100), 11);
    tb_run_due(tb, 110);
    ck_assert(!dec_pending(c));
    ck_assert_uint_eq(tb_insn_budget(tb, 110), 1);
    c->exit_request = 0;
    tb_run_due(tb, 111);
    ck_assert(dec_pending(c));
    ck_assert_int_eq(c->exit_request, 1);
    tb_free(tb);
    free(c);
}
END_TEST

START_TEST(dec_zero_fires_after_one_tick)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 7, 0);
    ck_assert(!dec_pending(c));
    ck_assert_uint_eq(tb_insn_budget(tb, 7), 1);
    tb_run_due(tb, 7);
    ck_assert(!dec_pending(c));
    tb_run_due(tb, 8);
    ck_assert(dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

/* PEM 2.3.13.1: software changing bit 0 from 0 to 1 signals the exception */
START_TEST(dec_write_negative_over_positive_fires)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 0, 1000);
    ck_assert(!dec_pending(c));
    tb_dec_write(tb, 10, 0xFFFFFFF0u);
    ck_assert(dec_pending(c));
    ck_assert_uint_eq(tb_dec_read(tb, 10), 0xFFFFFFF0u);
    /* the next edge is a full wrap away: from -16 down through
     * 0x80000000 -> 0x7FFFFFFF and on to 0 -> -1 */
    ck_assert_uint_eq(tb_insn_budget(tb, 10), DEC_WRAP - 15);
    tb_free(tb);
    free(c);
}
END_TEST

/* DEC already negative (bit 0 set): writing another negative value is no
 * 0 -> 1 change, so no new request */
START_TEST(dec_write_negative_over_negative_is_silent)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    /* the timebase starts with DEC = 0xFFFFFFFF and nothing pending */
    ck_assert_uint_eq(tb_dec_read(tb, 0), 0xFFFFFFFFu);
    ck_assert(!dec_pending(c));
    tb_dec_write(tb, 5, 0x80000010u);
    ck_assert(!dec_pending(c));
    ck_assert_uint_eq(tb_dec_read(tb, 6), 0x8000000Fu);
    tb_dec_write(tb, 6, 0xFFFFFFFFu);
    ck_assert(!dec_pending(c));
    tb_run_due(tb, 1000);
    ck_assert(!dec_pending(c));
    /* 0x80000000 -> 0x7FFFFFFF is bit 0 going 1 -> 0: no exception, and a
     * negative write over the now positive DEC is a 0 -> 1 change again */
    tb_dec_write(tb, 2000, 0x80000000u);
    ck_assert(!dec_pending(c));
    ck_assert_uint_eq(tb_dec_read(tb, 2001), 0x7FFFFFFFu);
    tb_run_due(tb, 2001);
    ck_assert(!dec_pending(c));
    tb_dec_write(tb, 2001, 0xFFFFFFFFu);
    ck_assert(dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

/* the request stays latched until taken: a later positive write does not
 * cancel it; taking the exception (the CPU clears the line) does */
START_TEST(dec_pending_until_taken)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 0, 3);
    tb_run_due(tb, 4);
    ck_assert(dec_pending(c));
    tb_dec_write(tb, 5, 1000);
    ck_assert(dec_pending(c));
    tb_run_due(tb, 6);
    ck_assert(dec_pending(c));
    ppc_set_irq(c, PPC_IRQ_DEC, false);
    tb_run_due(tb, 7);
    ck_assert(!dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

/* without a new write the counter wraps and passes 0 -> -1 again 2^32
 * ticks later; edges that pile up before they are taken make one request */
START_TEST(dec_edge_recurs_every_wrap)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 100, 10);
    tb_run_due(tb, 111);
    ck_assert(dec_pending(c));
    c->irq_pending = 0;
    ck_assert_uint_eq(tb_insn_budget(tb, 111), DEC_WRAP);
    tb_run_due(tb, 110 + DEC_WRAP);
    ck_assert(!dec_pending(c));
    tb_run_due(tb, 111 + DEC_WRAP);
    ck_assert(dec_pending(c));
    ck_assert_uint_eq(tb_dec_read(tb, 111 + DEC_WRAP), 0xFFFFFFFFu);
    /* three wraps late: one request, next edge after now */
    c->irq_pending = 0;
    tb_run_due(tb, 111 + 4 * DEC_WRAP + 5);
    ck_assert(dec_pending(c));
    ck_assert_uint_eq(tb_insn_budget(tb, 111 + 4 * DEC_WRAP + 5), DEC_WRAP - 5);
    tb_free(tb);
    free(c);
}
END_TEST

/* an edge that has passed but whose event has not run yet (the CPU is
 * inside a block) must not be lost when software writes DEC */
START_TEST(dec_write_does_not_swallow_passed_edge)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 0, 5);
    tb_dec_write(tb, 9, 100);
    ck_assert(dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

START_TEST(dec_exact_instruction_with_shift)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 2, TB_CLOCK_VM);
    tb_dec_write(tb, 1, 100); /* TB 0; edge at TB 101 = instruction 404 */
    ck_assert_uint_eq(tb_insn_budget(tb, 1), 403);
    tb_run_due(tb, 403);
    ck_assert(!dec_pending(c));
    tb_run_due(tb, 404);
    ck_assert(dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

/* The whole loop with the real CPU: straight-line addi code, the DEC
 * exception taken before exactly the instruction where DEC passes zero. */
static void run_to_dec(uint32_t *srr0, uint32_t *r3, uint64_t *icount)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t code[1024];
    for (int i = 0; i < 1024; i++)
        code[i] = 0x38630001; /* addi r3,r3,1 */
    cpuenv_put_code(e, 0x1000, code, 1024);
    uint32_t self = 0x48000000; /* b . */
    cpuenv_put_code(e, 0x900, &self, 1);
    e->cpu.pc = 0x1000;
    e->cpu.msr |= MSR_EE;
    TimeBase *tb = tb_new(ppc_tb_links(&e->cpu), 1000000, 2, TB_CLOCK_VM);
    tb_dec_write(tb, e->cpu.icount, 100);
    for (int guard = 0; guard < 10000 && (e->cpu.pc & ~3u) != 0x900; guard++) {
        tb_run_due(tb, e->cpu.icount);
        uint64_t b = tb_insn_budget(tb, e->cpu.icount);
        ppc_run(&e->cpu, b < 7 ? b : 7); /* odd slices: blocks get cut */
    }
    *srr0 = e->cpu.srr0;
    *r3 = e->cpu.gpr[3];
    *icount = e->cpu.icount;
    tb_free(tb);
    cpuenv_free(e);
}

START_TEST(dec_exception_at_exact_instruction)
{
    uint32_t srr0[2], r3[2];
    uint64_t ic[2];
    for (int r = 0; r < 2; r++)
        run_to_dec(&srr0[r], &r3[r], &ic[r]);
    /* edge at TB 101 = instruction 404 */
    ck_assert_uint_eq(r3[0], 404);
    ck_assert_uint_eq(srr0[0], 0x1000 + 404 * 4);
    ck_assert_uint_eq(ic[0], 404);
    ck_assert_uint_eq(r3[1], r3[0]);
    ck_assert_uint_eq(srr0[1], srr0[0]);
    ck_assert_uint_eq(ic[1], ic[0]);
}
END_TEST

/* ---- mttbl / mttbu ---- */

START_TEST(tb_write_halves)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(tb, 1000, 50);
    tb_write_upper(tb, 1000, 0x12345678u);
    ck_assert_uint_eq(tb_read(tb, 1000), 0x12345678000003E8ull);
    tb_write_lower(tb, 1000, 0xFFFFFFFFu);
    ck_assert_uint_eq(tb_read(tb, 1000), 0x12345678FFFFFFFFull);
    /* TBL carries into TBU */
    ck_assert_uint_eq(tb_read(tb, 1001), 0x1234567900000000ull);
    tb_write_lower(tb, 1001, 5);
    ck_assert_uint_eq(tb_read(tb, 1001), 0x1234567900000005ull);
    /* the decrementer does not care: 50 ticks from 1000, edge at 1051 */
    ck_assert_uint_eq(tb_dec_read(tb, 1001), 49);
    ck_assert_uint_eq(tb_insn_budget(tb, 1001), 50);
    tb_run_due(tb, 1050);
    ck_assert(!dec_pending(c));
    tb_run_due(tb, 1051);
    ck_assert(dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

/* a guest TB near the top wraps through 2^64; deadlines still order */
START_TEST(tb_write_wraps)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    tb_write_upper(tb, 0, 0xFFFFFFFFu);
    tb_write_lower(tb, 0, 0xFFFFFFF0u);
    tb_dec_write(tb, 0, 100);
    ck_assert_uint_eq(tb_read(tb, 20), 4);
    ck_assert_uint_eq(tb_insn_budget(tb, 20), 81);
    tb_run_due(tb, 100);
    ck_assert(!dec_pending(c));
    tb_run_due(tb, 101);
    ck_assert(dec_pending(c));
    tb_free(tb);
    free(c);
}
END_TEST

/* ---- scheduler ---- */

static int order[8], norder;
static void note_event(void *opaque) { order[norder++] = (int)(intptr_t)opaque; }

START_TEST(events_fire_in_deadline_order)
{
    TimeBase *tb = tb_new(TB_NO_LINKS, 1000000, 0, TB_CLOCK_VM);
    TBEvent ev[4];
    for (int i = 0; i < 4; i++)
        tb_event_init(&ev[i], "test", note_event, (void *)(intptr_t)i);
    norder = 0;
    tb_event_arm(tb, &ev[0], 300);
    tb_event_arm(tb, &ev[1], 100);
    tb_event_arm(tb, &ev[2], 200);
    tb_event_arm(tb, &ev[3], 100); /* same deadline: after ev[1] */
    ck_assert_uint_eq(tb_insn_budget(tb, 0), 100);
    tb_event_disarm(tb, &ev[2]);
    tb_event_arm(tb, &ev[0], 250); /* re-arming moves it */
    tb_run_due(tb, 99);
    ck_assert_int_eq(norder, 0);
    tb_run_due(tb, 260);
    ck_assert_int_eq(norder, 3);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 3);
    ck_assert_int_eq(order[2], 0);
    ck_assert(!ev[0].armed && !ev[2].armed);
    tb_free(tb);
}
END_TEST

/* ---- idle under -icount ---- */

START_TEST(icount_idle_warps_to_next_event)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 4, TB_CLOCK_VM);
    uint64_t ic = 160; /* TB 10 */
    tb_dec_write(tb, ic, 1000);
    ck_assert_int_eq(tb_ns_to_next(tb, ic), 0);
    ck_assert(tb_idle_warp(tb, ic));
    ck_assert_uint_eq(tb_read(tb, ic), 10 + 1000 + 1);
    ck_assert_uint_eq(tb_dec_read(tb, ic), 0xFFFFFFFFu);
    ck_assert(!tb_idle_warp(tb, ic)); /* already there */
    tb_run_due(tb, ic);
    ck_assert(dec_pending(c));
    /* the TB goes on from there with the count */
    ck_assert_uint_eq(tb_read(tb, ic + 16), 10 + 1000 + 2);
    tb_free(tb);
    free(c);
}
END_TEST

/* an idle guest whose timer handler re-programs DEC each time: the loop of
 * tb.h's comment advances exactly D + 1 ticks per interrupt, with no
 * instruction executed and no host time involved */
START_TEST(icount_idle_loop_advances_exactly)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 33333333, 3, TB_CLOCK_VM);
    c->halted = true;
    uint64_t ic = 80; /* TB 10 */
    tb_dec_write(tb, ic, 333333);
    int irqs = 0;
    uint64_t at_100th = 0;
    for (int i = 0; i < 1000 && irqs < 100; i++) {
        tb_run_due(tb, ic);
        if (dec_pending(c)) {
            if (++irqs == 100)
                at_100th = tb_read(tb, ic);
            c->irq_pending = 0;
            tb_dec_write(tb, ic, 333333);
        }
        tb_idle_warp(tb, ic);
        ck_assert_int_eq(tb_ns_to_next(tb, ic), 0);
    }
    ck_assert_int_eq(irqs, 100);
    ck_assert_uint_eq(at_100th, 10 + 100 * 333334ull);
    tb_free(tb);
    free(c);
}
END_TEST

/* under -icount an earlier deadline armed while the CPU runs stops it at
 * the next block end, so that the budget can be recomputed */
START_TEST(icount_earlier_deadline_stops_cpu)
{
    PPCState *c = fake_cpu();
    TimeBase *tb = tb_new(ppc_tb_links(c), 1000000, 0, TB_CLOCK_VM);
    TBEvent ev;
    tb_event_init(&ev, "test", note_event, NULL);
    tb_dec_write(tb, 0, 1000);
    c->exit_request = 0;
    tb_event_arm(tb, &ev, 5000); /* later than DEC: nothing to do */
    ck_assert_int_eq(c->exit_request, 0);
    tb_event_arm(tb, &ev, 50); /* earlier: stop */
    ck_assert_int_eq(c->exit_request, 1);
    tb_free(tb);
    free(c);
}
END_TEST

/* ---- export / import ---- */

START_TEST(icount_export_import_resumes_exactly)
{
    PPCState *a = fake_cpu(), *b = fake_cpu();
    TimeBase *ta = tb_new(ppc_tb_links(a), 33333333, 2, TB_CLOCK_VM);
    tb_write_upper(ta, 0, 0xABCD);
    tb_dec_write(ta, 1000, 5000);
    TBSavedState st;
    tb_pause(ta, 6001);
    tb_export(ta, 6001, &st);
    ck_assert_uint_eq(st.icount, 6001);
    ck_assert_uint_eq(st.tb, 0xABCD00000000ull + 1500);
    ck_assert_int_eq(st.dec, 5000 - (1500 - 250));
    ck_assert(!st.dec_pending);

    TimeBase *tbb = tb_new(ppc_tb_links(b), 33333333, 2, TB_CLOCK_VM);
    ck_assert_int_eq(tb_import(tbb, &st), 0);
    ck_assert(tb_paused(tbb));
    tb_resume(tbb, st.icount);
    tb_resume(ta, 6001);
    for (uint64_t ic = 6001; ic < 6001 + 20000; ic += 997) {
        ck_assert_uint_eq(tb_read(tbb, ic), tb_read(ta, ic));
        ck_assert_uint_eq(tb_dec_read(tbb, ic), tb_dec_read(ta, ic));
        ck_assert_uint_eq(tb_insn_budget(tbb, ic), tb_insn_budget(ta, ic));
    }
    tb_free(ta);
    tb_free(tbb);
    free(a);
    free(b);
}
END_TEST

START_TEST(export_counts_passed_edge_as_pending)
{
    PPCState *a = fake_cpu(), *b = fake_cpu();
    TimeBase *ta = tb_new(ppc_tb_links(a), 1000000, 0, TB_CLOCK_VM);
    tb_dec_write(ta, 0, 10);
    TBSavedState st;
    tb_export(ta, 20, &st); /* edge at 11 passed, its event not run */
    ck_assert(st.dec_pending);
    TimeBase *tbb = tb_new(ppc_tb_links(b), 1000000, 0, TB_CLOCK_VM);
    ck_assert_int_eq(tb_import(tbb, &st), 0);
    ck_assert(dec_pending(b));
    tb_free(ta);
    tb_free(tbb);
    free(a);
    free(b);
}
END_TEST

START_TEST(import_refuses_other_timebase)
{
    TimeBase *ta = tb_new(TB_NO_LINKS, 1000000, 0, TB_CLOCK_VM);
    TimeBase *tbb = tb_new(TB_NO_LINKS, 2000000, 0, TB_CLOCK_VM);
    TimeBase *tc = tb_new(TB_NO_LINKS, 1000000, 3, TB_CLOCK_VM);
    TBSavedState st;
    tb_export(ta, 0, &st);
    ck_assert_int_eq(tb_import(tbb, &st), -1);
    ck_assert_int_eq(tb_import(tc, &st), -1);
    ck_assert_int_eq(tb_import(ta, &st), 0);
    tb_free(ta);
    tb_free(tbb);
    tb_free(tc);
}
END_TEST

START_TEST(new_rejects_bad_arguments)
{
    ck_assert_ptr_null(tb_new(TB_NO_LINKS, 0, -1, TB_CLOCK_HOST));
    ck_assert_ptr_null(tb_new(TB_NO_LINKS, 1000000, 63, TB_CLOCK_HOST));
}
END_TEST

Suite *suite_tb(void)
{
    Suite *s = suite_create("tb");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, conv_exact_values);
    tcase_add_test(tc, conv_deadline_is_first_ns);
    tcase_add_test(tc, icount_tb_is_count_shifted);
    tcase_add_test(tc, icount_deterministic);
    tcase_add_test(tc, dec_countdown_edge);
    tcase_add_test(tc, dec_zero_fires_after_one_tick);
    tcase_add_test(tc, dec_write_negative_over_positive_fires);
    tcase_add_test(tc, dec_write_negative_over_negative_is_silent);
    tcase_add_test(tc, dec_pending_until_taken);
    tcase_add_test(tc, dec_edge_recurs_every_wrap);
    tcase_add_test(tc, dec_write_does_not_swallow_passed_edge);
    tcase_add_test(tc, dec_exact_instruction_with_shift);
    tcase_add_test(tc, dec_exception_at_exact_instruction);
    tcase_add_test(tc, tb_write_halves);
    tcase_add_test(tc, tb_write_wraps);
    tcase_add_test(tc, events_fire_in_deadline_order);
    tcase_add_test(tc, icount_idle_warps_to_next_event);
    tcase_add_test(tc, icount_idle_loop_advances_exactly);
    tcase_add_test(tc, icount_earlier_deadline_stops_cpu);
    tcase_add_test(tc, icount_export_import_resumes_exactly);
    tcase_add_test(tc, export_counts_passed_edge_as_pending);
    tcase_add_test(tc, import_refuses_other_timebase);
    tcase_add_test(tc, new_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
