/* The JIT against the interpreter: budgets ending a block at every offset,
 * chained blocks, the bounded code buffer and its W^X mapping. */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/jit.h"
#include "tests/lib/cpuenv.h"

#define D(op, rt, ra, d) (((uint32_t)(op) << 26) | ((rt) << 21) | ((ra) << 16) | ((uint32_t)(d) & 0xFFFF))
#define X(xo, rt, ra, rb) ((31u << 26) | ((rt) << 21) | ((ra) << 16) | ((rb) << 11) | ((xo) << 1))
#define BC(bo, bi, bd) ((16u << 26) | ((bo) << 21) | ((bi) << 16) | ((uint32_t)(bd) & 0xFFFC))
#define B(li) ((18u << 26) | ((uint32_t)(li) & 0x3FFFFFC))
#define RLWINM(ra, rs, sh, mb, me) ((21u << 26) | ((rs) << 21) | ((ra) << 16) | ((sh) << 11) | ((mb) << 6) | ((me) << 1))

#define CODE 0x1000u
#define DATA 0x2000u
#define PROG_LEN 21

/* A loop of templated and called ops (loads, stores with update, compare
 * and branch, rotate, a handler-only mullw, a call and return), 100
 * iterations, then b . */
static unsigned put_program(CpuEnv *e)
{
    uint32_t p[PROG_LEN] = {
        D(14, 3, 0, 0),           /* 0 li r3,0 */
        D(14, 4, 0, DATA),        /* 1 li r4,DATA */
        D(14, 5, 0, 100),         /* 2 li r5,100 */
        X(467, 5, 9, 0),          /* 3 mtctr r5 */
        D(32, 6, 4, 0),           /* 4 loop: lwz r6,0(r4) */
        D(14, 6, 6, 3),           /* 5 addi r6,r6,3 */
        D(36, 6, 4, 0),           /* 6 stw r6,0(r4) */
        D(37, 6, 4, 4),           /* 7 stwu r6,4(r4) */
        X(266, 3, 3, 6),          /* 8 add r3,r3,r6 */
        D(11, 0, 3, 50),          /* 9 cmpwi r3,50 */
        BC(12, 0, 8),             /* 10 blt 12 */
        X(316, 6, 3, 6),          /* 11 xor r3,r6,r6 -> rA=r3 ... */
        RLWINM(7, 3, 3, 0, 28),   /* 12 rlwinm r7,r3,3,0,28 */
        X(40, 8, 7, 3),           /* 13 subf r8,r7,r3 */
        X(235, 9, 8, 7),          /* 14 mullw r9,r8,r7 */
        B(16) | 1,                /* 15 bl 19 (returns into a 2-op block) */
        D(38, 9, 4, 2),           /* 16 stb r9,2(r4) */
        BC(16, 0, -13 * 4),       /* 17 bdnz loop (4) */
        B(0),                     /* 18 b . */
        D(40, 10, 4, 2),          /* 19 lhz r10,2(r4) */
        0x4E800020,               /* 20 blr (target known at run time only) */
    };
    cpuenv_put_code(e, CODE, p, PROG_LEN);
    e->cpu.pc = CODE;
    return 4 + 100 * 14 + 100; /* roughly, to bound the sweep */
}

static CpuEnv *env(int engine)
{
    CpuEnv *e = cpuenv_new(1);
    ck_assert_int_eq(ppc_set_engine(&e->cpu, engine), 0);
    put_program(e);
    return e;
}

static void same_state(CpuEnv *a, CpuEnv *b, unsigned k)
{
    const PPCState *x = &a->cpu, *y = &b->cpu;
    for (int i = 0; i < 32; i++)
        ck_assert_msg(x->gpr[i] == y->gpr[i], "budget %u: r%d %08x vs %08x", k, i, x->gpr[i], y->gpr[i]);
    ck_assert_msg(x->cr == y->cr && x->xer == y->xer && x->ctr == y->ctr && x->lr == y->lr,
                  "budget %u: cr/xer/ctr/lr differ", k);
    ck_assert_msg(x->pc == y->pc, "budget %u: pc %08x vs %08x", k, x->pc, y->pc);
    ck_assert_msg(x->icount == y->icount, "budget %u: icount %llu vs %llu", k,
                  (unsigned long long)x->icount, (unsigned long long)y->icount);
    for (uint32_t pa = DATA; pa < DATA + 0x200; pa += 4)
        ck_assert_msg(cpuenv_read32(a, pa) == cpuenv_read32(b, pa), "budget %u: memory at %x", k, pa);
}

/* Every budget from 0 to past the loop's first iterations, then a second
 * odd-sized run and a run to the end: the JIT (with chaining) stops
 * exactly where the interpreter does. */
START_TEST(budget_sweep)
{
    for (unsigned k = 0; k < 320; k++) {
        CpuEnv *a = env(PPC_ENGINE_INTERP), *b = env(PPC_ENGINE_JIT);
        ck_assert_int_eq(ppc_run(&a->cpu, k), ppc_run(&b->cpu, k));
        same_state(a, b, k);
        ck_assert_uint_eq(a->cpu.icount, k);
        ck_assert_int_eq(ppc_run(&a->cpu, 7 + k % 5), ppc_run(&b->cpu, 7 + k % 5));
        same_state(a, b, k);
        ck_assert_int_eq(ppc_run(&a->cpu, 2000), ppc_run(&b->cpu, 2000));
        same_state(a, b, k);
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* The loop really ran in generated code, chained: few returns to the run
 * loop would show as a block count, so look at the result instead: the
 * loop's effect is right and the JIT compiled blocks */
START_TEST(loop_result)
{
    CpuEnv *b = env(PPC_ENGINE_JIT);
    ck_assert_int_eq(ppc_run(&b->cpu, 100000), PPC_RUN_BUDGET);
    ck_assert_uint_eq(b->cpu.pc, CODE + 18 * 4); /* parked on b . */
    ck_assert_uint_eq(b->cpu.ctr, 0);
    ck_assert_uint_eq(b->cpu.gpr[4], DATA + 400);
    ck_assert_uint_ge(b->cpu.jit->blocks, 3);
    cpuenv_free(b);
}
END_TEST

/* A buffer too small for more than a few blocks is flushed whole, again
 * and again, and the results stay the interpreter's */
START_TEST(small_buffer_flushes)
{
    CpuEnv *a = env(PPC_ENGINE_INTERP), *b = env(PPC_ENGINE_JIT);
    ck_assert_int_eq(ppc_jit_set_buffer_size(&b->cpu, 16384), 0);
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(ppc_run(&a->cpu, 37), ppc_run(&b->cpu, 37));
        same_state(a, b, (unsigned)i);
        ppc_flush_blocks(&a->cpu); /* retranslate: new blocks, new code */
        ppc_flush_blocks(&b->cpu);
    }
    ck_assert_uint_gt(b->cpu.jit->flushes, 1);
    cpuenv_free(a);
    cpuenv_free(b);
}
END_TEST

/* No mapping of the process is writable and executable at once */
START_TEST(no_wx_mapping)
{
    CpuEnv *b = env(PPC_ENGINE_JIT);
    ck_assert_int_eq(ppc_run(&b->cpu, 500), PPC_RUN_BUDGET);
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    unsigned jit_views = 0;
    while (fgets(line, sizeof line, f)) {
        char perms[8] = "";
        if (sscanf(line, "%*x-%*x %7s", perms) != 1)
            continue;
        ck_assert_msg(!(perms[1] == 'w' && perms[2] == 'x'), "W+X mapping: %s", line);
        if (strstr(line, "ppcemu-jit"))
            jit_views++;
    }
    fclose(f);
    ck_assert_uint_eq(jit_views, 2); /* the RW and the RX view */
    cpuenv_free(b);
}
END_TEST

/* A block stores over the target of its own, already linked chain: the
 * JIT must leave the chain and run the new code, as the interpreter does.
 *   A 0x3000: addi r3,r3,1 ; b C
 *   C 0x3100: stw r5,0(r6) ; li r6,0x3000 ; b A
 * The first C stores to 0x5000 and links C -> A; the second replaces A's
 * addi by r5 = addi r3,r3,16 and then reaches its linked jump to A. */
START_TEST(store_into_chained_loop)
{
    CpuEnv *e[2] = { env(PPC_ENGINE_INTERP), env(PPC_ENGINE_JIT) };
    for (int k = 0; k < 2; k++) {
        uint32_t a[] = { D(14, 3, 3, 1), B(0x100 - 4) };
        uint32_t c[] = { D(36, 5, 6, 0), D(14, 6, 0, 0x3000), B(-0x108) };
        cpuenv_put_code(e[k], 0x3000, a, 2);
        cpuenv_put_code(e[k], 0x3100, c, 3);
        e[k]->cpu.gpr[5] = D(14, 3, 3, 16);
        e[k]->cpu.gpr[6] = 0x5000;
        e[k]->cpu.pc = 0x3000;
        ck_assert_int_eq(ppc_run(&e[k]->cpu, 60), PPC_RUN_BUDGET);
    }
    same_state(e[0], e[1], 0);
    ck_assert_uint_eq(cpuenv_read32(e[1], 0x3000), D(14, 3, 3, 16));
    ck_assert_uint_gt(e[1]->cpu.gpr[3], 2 + 16 * 3); /* the new code ran */
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* The inlined soft-TLB compare is the C fast path's: misaligned and
 * page-0 EAs against invalid entries (issue 15's lwz r4,5(0)) take the
 * slow path under the JIT too, with the interpreter's results */
START_TEST(misaligned_against_invalid_tags)
{
    CpuEnv *e[2] = { env(PPC_ENGINE_INTERP), env(PPC_ENGINE_JIT) };
    for (int k = 0; k < 2; k++) {
        uint32_t p[] = { D(32, 4, 0, 5), D(40, 5, 0, 0x801), D(32, 6, 0, 0x802), D(36, 4, 0, 0x803),
                         D(44, 5, 0, 0x7FF), D(38, 6, 0, 0x800), D(32, 7, 0, 0x7FE), D(34, 8, 0, 1),
                         B(0) };
        for (uint32_t a = 0; a < 0x1000; a += 4)
            cpuenv_write32(e[k], a, 0x01020304u * (a + 1));
        cpuenv_put_code(e[k], 0x3000, p, 9);
        ppc_tlb_flush(&e[k]->cpu);
        e[k]->cpu.pc = 0x3000;
        ck_assert_int_eq(ppc_run(&e[k]->cpu, 9), PPC_RUN_BUDGET);
    }
    same_state(e[0], e[1], 0);
    for (uint32_t a = 0; a < 0x1000; a += 4)
        ck_assert_uint_eq(cpuenv_read32(e[0], a), cpuenv_read32(e[1], a));
    ck_assert_uint_eq(e[1]->cpu.pc, 0x3000 + 8 * 4);
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* One instruction then b ., under both engines from the same registers
 * (r3 = a, r4 = b, XER and CR given): every architected result equal */
static void one_insn(CpuEnv *x, CpuEnv *y, uint32_t insn, uint32_t a, uint32_t b, uint32_t xer,
                     uint32_t cr)
{
    CpuEnv *e[2] = { x, y };
    uint32_t code[2] = { insn, B(0) };
    for (int k = 0; k < 2; k++) {
        PPCState *s = &e[k]->cpu;
        /* the same instruction over many inputs: its block stays cached
         * (under ASan, recompiling it for every input was most of the
         * jit suite's time) */
        if (cpuenv_read32(e[k], 0x3000) != insn || cpuenv_read32(e[k], 0x3004) != code[1])
            cpuenv_put_code(e[k], 0x3000, code, 2);
        for (int i = 0; i < 32; i++)
            s->gpr[i] = 0x01010101u * (uint32_t)i;
        s->gpr[3] = a;
        s->gpr[4] = b;
        s->xer = xer;
        s->cr = cr;
        s->pc = 0x3000;
        ck_assert_int_eq(ppc_run(s, 2), PPC_RUN_BUDGET);
    }
    const PPCState *i = &x->cpu, *j = &y->cpu;
    for (int r = 0; r < 32; r++)
        ck_assert_msg(i->gpr[r] == j->gpr[r], "%08x a=%08x b=%08x xer=%08x: r%d %08x vs jit %08x", insn, a,
                      b, xer, r, i->gpr[r], j->gpr[r]);
    ck_assert_msg(i->xer == j->xer && i->cr == j->cr,
                  "%08x a=%08x b=%08x xer=%08x cr=%08x: xer %08x cr %08x vs jit xer %08x cr %08x", insn, a, b,
                  xer, cr, i->xer, i->cr, j->xer, j->cr);
    ck_assert_uint_eq(i->pc, j->pc);
}

static const uint32_t edge[] = {
    0, 1, 2, 3, 5, 31, 32, 33, 63, 64, 0x7FFF, 0x8000, 0xFFFF, 0x12345678, 0x7FFFFFFF, 0x80000000u,
    0x80000001u, 0x80000010u, 0xFFFF0000u, 0xFFFFFFF0u, 0xFFFFFFFEu, 0xFFFFFFFFu, 0xEDB88320u,
};
#define N_EDGE (sizeof edge / sizeof edge[0])

/* The carrying, multiply, divide, shift, extend and count templates
 * against the interpreter over edge values, both XER[CA] and XER[SO]
 * settings (adde's carry-in, srawi's CA with ones shifted out, divw by 0
 * and 0x80000000 / -1, shifts by 32..63), with and without Rc */
START_TEST(alu_templates)
{
    CpuEnv *x = env(PPC_ENGINE_INTERP), *y = env(PPC_ENGINE_JIT);
    static const unsigned xo_rd[] = { 10, 138, 202, 234, 8, 136, 200, 232, 104, 235, 75, 11, 491, 459 };
    static const unsigned xo_ra[] = { 954, 922, 26, 24, 536, 792 };
    uint32_t insns[128];
    unsigned n = 0;
    for (unsigned rc = 0; rc < 2; rc++) {
        for (unsigned k = 0; k < sizeof xo_rd / sizeof xo_rd[0]; k++)
            insns[n++] = X(xo_rd[k], 5, 3, 4) | rc;
        for (unsigned k = 0; k < sizeof xo_ra / sizeof xo_ra[0]; k++)
            insns[n++] = X(xo_ra[k], 3, 5, 4) | rc;
        for (unsigned sh = 0; sh < 32; sh += 1 + (sh > 4) * 6)
            insns[n++] = X(824, 3, 5, sh) | rc; /* srawi r5,r3,sh */
        insns[n++] = X(824, 3, 5, 31) | rc;
    }
    static const uint32_t imms[] = { 0, 1, 0xFFFF, 0x7FFF, 0x8000, 100 };
    for (unsigned k = 0; k < 6; k++) {
        insns[n++] = D(12, 5, 3, imms[k]); /* addic */
        insns[n++] = D(13, 5, 3, imms[k]); /* addic. */
        insns[n++] = D(8, 5, 3, imms[k]);  /* subfic */
        insns[n++] = D(7, 5, 3, imms[k]);  /* mulli */
    }
    ck_assert_uint_le(n, 128);
    static const uint32_t xers[] = { 0, XER_CA, XER_CA | XER_SO | XER_OV };
    for (unsigned k = 0; k < n; k++) {
        /* D-form and srawi read no rB (r4) */
        bool uses_b = (insns[k] >> 26) == 31 && ((insns[k] >> 1) & 0x3FF) != 824;
        for (unsigned ia = 0; ia < N_EDGE; ia++)
            for (unsigned ib = 0; ib < (uses_b ? N_EDGE : 1); ib++)
                for (unsigned t = 0; t < 3; t++)
                    one_insn(x, y, insns[k], edge[ia], edge[ib], xers[t], 0x24680ACEu);
    }
    cpuenv_free(x);
    cpuenv_free(y);
}
END_TEST

/* CR logical operations over every bit combination of their inputs (three
 * bit positions chosen so that crbD is also a source, or none), mfcr, and
 * mtcrf with several field masks */
START_TEST(cr_templates)
{
    CpuEnv *x = env(PPC_ENGINE_INTERP), *y = env(PPC_ENGINE_JIT);
    static const unsigned xos[] = { 257, 449, 193, 225, 33, 289, 129, 417 };
    static const unsigned bits[][3] = { { 0, 1, 2 }, { 31, 0, 31 }, { 5, 5, 30 }, { 12, 31, 0 }, { 2, 7, 7 } };
    for (unsigned k = 0; k < 8; k++)
        for (unsigned t = 0; t < 5; t++)
            for (uint32_t v = 0; v < 8; v++) {
                uint32_t d = bits[t][0], a = bits[t][1], b = bits[t][2];
                uint32_t cr = 0x5A5A5A5Au ^ ((v & 1) << (31 - a)) ^ ((v & 2 ? 1u : 0) << (31 - b)) ^
                              ((v & 4 ? 1u : 0) << (31 - d));
                one_insn(x, y, (19u << 26) | (d << 21) | (a << 16) | (b << 11) | (xos[k] << 1), 0, 0, 0, cr);
                one_insn(x, y, (19u << 26) | (d << 21) | (a << 16) | (b << 11) | (xos[k] << 1), 0, 0, 0, ~cr);
            }
    one_insn(x, y, X(19, 5, 0, 0), 0, 0, 0, 0x89ABCDEFu); /* mfcr r5 */
    static const uint32_t crm[] = { 0x80, 0x01, 0xFF, 0x5A, 0x00 };
    for (unsigned k = 0; k < 5; k++)
        one_insn(x, y, X(144, 3, 0, 0) | (crm[k] << 12), 0x13579BDFu, 0, 0, 0xECA86420u); /* mtcrf */
    cpuenv_free(x);
    cpuenv_free(y);
}
END_TEST

/* lha, lhax, lhau, lhaux sign-extend; ba and bcla go to absolute
 * targets (AA=1), bcla setting LR */
START_TEST(lha_and_absolute_branches)
{
    CpuEnv *e[2] = { env(PPC_ENGINE_INTERP), env(PPC_ENGINE_JIT) };
    for (int k = 0; k < 2; k++) {
        uint32_t a[] = { D(42, 5, 4, 0), X(343, 6, 4, 7), D(43, 8, 9, 2), X(375, 10, 11, 7), B(0x3100) | 2 };
        uint32_t c[] = { BC(20, 0, 0x3200) | 3 };
        uint32_t d[] = { B(0) };
        cpuenv_put_code(e[k], 0x3000, a, 5);
        cpuenv_put_code(e[k], 0x3100, c, 1);
        cpuenv_put_code(e[k], 0x3200, d, 1);
        cpuenv_write32(e[k], DATA, 0x80017FFFu);
        cpuenv_write32(e[k], DATA + 4, 0xFFFE0002u);
        PPCState *s = &e[k]->cpu;
        s->gpr[4] = DATA;
        s->gpr[7] = 2;
        s->gpr[9] = DATA + 2;
        s->gpr[11] = DATA + 4;
        s->pc = 0x3000;
        ck_assert_int_eq(ppc_run(s, 20), PPC_RUN_BUDGET);
    }
    same_state(e[0], e[1], 0);
    PPCState *s = &e[1]->cpu;
    ck_assert_uint_eq(s->gpr[5], 0xFFFF8001u);
    ck_assert_uint_eq(s->gpr[6], 0x7FFF);
    ck_assert_uint_eq(s->gpr[8], 0xFFFFFFFEu);
    ck_assert_uint_eq(s->gpr[9], DATA + 4);
    ck_assert_uint_eq(s->gpr[10], 2);
    ck_assert_uint_eq(s->gpr[11], DATA + 6);
    ck_assert_uint_eq(s->pc, 0x3200);
    ck_assert_uint_eq(s->lr, 0x3104);
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* A loop that is its own chain target stores over its own second op:
 * the self-link must see the block invalidated and run the new code
 *   0x3000: stw r5,0(r6) ; addi r3,r3,1 ; b 0x3000 */
START_TEST(store_into_self_loop)
{
    CpuEnv *e[2] = { env(PPC_ENGINE_INTERP), env(PPC_ENGINE_JIT) };
    for (int k = 0; k < 2; k++) {
        uint32_t a[] = { D(36, 5, 6, 0), D(14, 3, 3, 1), B(-8) };
        cpuenv_put_code(e[k], 0x3000, a, 3);
        e[k]->cpu.gpr[5] = D(14, 3, 3, 16);
        e[k]->cpu.gpr[6] = 0x5000; /* first the data page, then the code */
        e[k]->cpu.pc = 0x3000;
        ck_assert_int_eq(ppc_run(&e[k]->cpu, 30), PPC_RUN_BUDGET);
        e[k]->cpu.gpr[6] = 0x3004;
        ck_assert_int_eq(ppc_run(&e[k]->cpu, 30), PPC_RUN_BUDGET);
    }
    same_state(e[0], e[1], 0);
    ck_assert_uint_eq(cpuenv_read32(e[1], 0x3004), D(14, 3, 3, 16));
    ck_assert_uint_eq(e[1]->cpu.gpr[3], 10 + 1 + 16 * 9); /* the new addi ran */
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* cmp; bc to +12 (li r20,2) or on (li r20,1), both then b ., under both
 * engines from the same registers: every architected result equal */
static void cmp_branch(CpuEnv *x, CpuEnv *y, uint32_t cmp, uint32_t bc, uint32_t a, uint32_t b,
                       uint32_t xer, uint32_t ctr)
{
    CpuEnv *e[2] = { x, y };
    uint32_t code[6] = { cmp, bc, D(14, 20, 0, 1), B(0), D(14, 20, 0, 2), B(0) };
    for (int k = 0; k < 2; k++) {
        PPCState *s = &e[k]->cpu;
        cpuenv_put_code(e[k], 0x3000, code, 6);
        s->gpr[3] = a;
        s->gpr[4] = b;
        s->gpr[20] = 0;
        s->xer = xer;
        s->cr = 0x5A5A5A5Au;
        s->ctr = ctr;
        s->pc = 0x3000;
        ck_assert_int_eq(ppc_run(s, 4), PPC_RUN_BUDGET);
    }
    const PPCState *i = &x->cpu, *j = &y->cpu;
    ck_assert_msg(i->gpr[20] == j->gpr[20] && i->pc == j->pc && i->ctr == j->ctr && i->cr == j->cr &&
                      i->gpr[5] == j->gpr[5],
                  "%08x; %08x a=%08x b=%08x xer=%08x ctr=%u: r20 %u pc %08x cr %08x vs jit r20 %u pc %08x cr %08x",
                  cmp, bc, a, b, xer, ctr, i->gpr[20], i->pc, i->cr, j->gpr[20], j->pc, j->cr);
    ck_assert_uint_ne(i->gpr[20], 0);
}

/* A compare (cmpwi, cmplwi, cmpw, cmplw, andi., add.) followed by a bc
 * testing a bit of the same CR field is branched on the host flags
 * (gen_branch): every bit of the field (SO from the stored CR), branch
 * if true and if false, with and without the CTR update, a field other
 * than the compare's, signed and unsigned edge values, XER[SO] set and
 * clear */
START_TEST(compare_branch_fusion)
{
    CpuEnv *x = env(PPC_ENGINE_INTERP), *y = env(PPC_ENGINE_JIT);
    static const uint32_t v[] = { 0, 1, 0x7FFF, 0x8000, 0x80000000u, 0xFFFFFFFFu, 0x12345678u, 0xFFFF8000u };
    static const unsigned bos[] = { 12, 4, 8, 2 };
    unsigned taken = 0;
    for (unsigned crf = 0; crf < 8; crf += 5)
        for (unsigned kind = 0; kind < 6; kind++)
            for (unsigned bi = 0; bi < 8; bi++)
                for (unsigned ia = 0; ia < 8; ia++)
                    for (unsigned ib = 0; ib < 8; ib++) {
                        uint32_t imm = v[ib] & 0xFFFF, cmp;
                        switch (kind) {
                        case 0: cmp = D(11, crf << 2, 3, imm); break;  /* cmpwi */
                        case 1: cmp = D(10, crf << 2, 3, imm); break;  /* cmplwi */
                        case 2: cmp = X(0, crf << 2, 3, 4); break;     /* cmpw */
                        case 3: cmp = X(32, crf << 2, 3, 4); break;    /* cmplw */
                        case 4: cmp = D(28, 3, 5, imm); break;         /* andi. r5,r3 */
                        default: cmp = X(266, 5, 3, 4) | 1; break;     /* add. r5,r3,r4 */
                        }
                        /* bits 0-3 of the compare's field, then of field 2 */
                        unsigned bit = (bi < 4 ? 4 * crf : 8) + (bi & 3);
                        unsigned bo = bos[(ia + ib + bi) & 3];
                        uint32_t xer = ((ia ^ ib) & 1) ? XER_SO : 0;
                        cmp_branch(x, y, cmp, BC(bo, bit, 12), v[ia], v[ib], xer, 1 + (ib & 1));
                        taken += x->cpu.gpr[20] == 2;
                    }
    ck_assert_uint_gt(taken, 0); /* both ways were taken */
    ck_assert_uint_lt(taken, 2 * 6 * 8 * 8 * 8);
    cpuenv_free(x);
    cpuenv_free(y);
}
END_TEST

/* A loaded value is used by the next op from eax (pointer chasing, then
 * arithmetic), both when the load misses the soft TLB (first run: the
 * handler's stub must reload eax) and when it hits (second run)
 *   0x3000: lwz r5,0(r4) ; lwz r6,0(r5) ; addi r7,r6,1 ; lbz r8,3(r4) ;
 *           add r9,r8,r7 ; b . */
START_TEST(load_forwarding)
{
    CpuEnv *e[2] = { env(PPC_ENGINE_INTERP), env(PPC_ENGINE_JIT) };
    for (int k = 0; k < 2; k++) {
        uint32_t a[] = { D(32, 5, 4, 0), D(32, 6, 5, 0), D(14, 7, 6, 1), D(34, 8, 4, 3),
                         X(266, 9, 8, 7), B(0) };
        cpuenv_put_code(e[k], 0x3000, a, 6);
        cpuenv_write32(e[k], DATA, DATA + 0x40);
        cpuenv_write32(e[k], DATA + 0x40, 0x11223344u);
        for (int run = 0; run < 2; run++) {
            e[k]->cpu.gpr[4] = DATA;
            e[k]->cpu.gpr[5] = e[k]->cpu.gpr[6] = e[k]->cpu.gpr[7] = 0;
            e[k]->cpu.pc = 0x3000;
            ck_assert_int_eq(ppc_run(&e[k]->cpu, 6), PPC_RUN_BUDGET);
            ck_assert_uint_eq(e[k]->cpu.gpr[7], 0x11223345u);
            ck_assert_uint_eq(e[k]->cpu.gpr[9], 0x11223345u + ((DATA + 0x40) & 0xFF));
        }
    }
    same_state(e[0], e[1], 0);
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* PPCEMU_PERFMAP=1: /tmp/perf-PID.map gets one well-formed line per
 * compiled block, "START SIZE NAME" in hex, inside the executable view */
START_TEST(perfmap_lines)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    unlink(path);
    setenv("PPCEMU_PERFMAP", "1", 1);
    CpuEnv *b = env(PPC_ENGINE_JIT);
    unsetenv("PPCEMU_PERFMAP");
    ck_assert_int_eq(ppc_run(&b->cpu, 2000), PPC_RUN_BUDGET);
    uint64_t blocks = b->cpu.jit->blocks;
    uintptr_t lo = (uintptr_t)b->cpu.jit->rx, hi = lo + b->cpu.jit->size;
    cpuenv_free(b); /* closes the file */
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    uint64_t n = 0;
    while (fgets(line, sizeof line, f)) {
        uintptr_t start;
        size_t size;
        char name[128];
        int used = 0;
        ck_assert_msg(sscanf(line, "%" SCNxPTR " %zx %127s%n", &start, &size, name, &used) == 3,
                      "bad line: %s", line);
        ck_assert_msg(line[used] == '\n', "trailing text: %s", line);
        ck_assert_msg(start >= lo && start + size <= hi && size > 0, "outside the code: %s", line);
        ck_assert_msg(strncmp(name, "ppc-pa-", 7) == 0, "name: %s", line);
        n++;
    }
    fclose(f);
    unlink(path);
    ck_assert_uint_gt(blocks, 0);
    ck_assert_uint_eq(n, blocks);
}
END_TEST

/* ---- the guest GPR cache (cpu/jit.c): GPRs held in host registers must
 * be in PPCState wherever it is read: at a fault, in a handler, at every
 * way out of a loop that keeps them across its back edge ---- */

#define MAPPED_END 0x20000u   /* DBAT0 maps EA 0..128 KiB to PA 0 */
#define UNMAPPED 0x00400000u  /* no BAT, an empty page table: DSI */
#define STMW(rs, ra, d) D(47, rs, ra, d)
#define LMW(rt, ra, d) D(46, rt, ra, d)

/* data translation on (so an EA outside DBAT0 takes a DSI), the DSI
 * vector parked on b ., every GPR distinct */
static CpuEnv *cache_env(int engine, uint32_t at, const uint32_t *code, unsigned n)
{
    CpuEnv *e = cpuenv_new(1);
    ck_assert_int_eq(ppc_set_engine(&e->cpu, engine), 0);
    uint32_t park = B(0);
    cpuenv_put_code(e, 0x300, &park, 1);
    cpuenv_put_code(e, at, code, n);
    e->cpu.sdr1 = 0x00080000u; /* all zero: no PTE matches */
    e->cpu.dbat[0] = 0x00000002u; /* BEPI 0, 128 KiB, Vs */
    e->cpu.dbat[1] = 0x00000002u; /* BRPN 0, PP 10: read/write */
    ppc_set_msr(&e->cpu, MSR_FP | MSR_DR);
    for (unsigned r = 0; r < 32; r++)
        e->cpu.gpr[r] = 0x1000u * r + 7;
    e->cpu.pc = at;
    return e;
}

static void same_exc_state(CpuEnv *a, CpuEnv *b, const char *what)
{
    const PPCState *x = &a->cpu, *y = &b->cpu;
    for (int i = 0; i < 32; i++)
        ck_assert_msg(x->gpr[i] == y->gpr[i], "%s: r%d %08x (interp) vs %08x (jit)", what, i, x->gpr[i],
                      y->gpr[i]);
    ck_assert_msg(x->pc == y->pc && x->srr0 == y->srr0 && x->srr1 == y->srr1 && x->dar == y->dar &&
                      x->dsisr == y->dsisr,
                  "%s: pc/SRR0/SRR1/DAR/DSISR %08x/%08x/%08x/%08x/%08x vs %08x/%08x/%08x/%08x/%08x", what,
                  x->pc, x->srr0, x->srr1, x->dar, x->dsisr, y->pc, y->srr0, y->srr1, y->dar, y->dsisr);
    ck_assert_msg(x->cr == y->cr && x->ctr == y->ctr && x->icount == y->icount, "%s: cr/ctr/icount", what);
    for (uint32_t pa = DATA; pa < DATA + 0x100; pa += 4)
        ck_assert_msg(cpuenv_read32(a, pa) == cpuenv_read32(b, pa), "%s: memory at %x", what, pa);
}

/* What a test sets in a CPU from cache_env before the run (arg: its own
 * parameters, or NULL) */
typedef void PairSetup(CpuEnv *e, const void *arg);

/* The set-up most tests below share: code (n ops at 0x3000, cache_env)
 * under the interpreter (e[0]) and the JIT (e[1]), each set up by
 * setup(e, arg), run for budget k: both stop on the budget, in the same
 * state (same_exc_state, its messages naming what fmt formats).  The
 * caller's own checks of e[] follow, then pair_free. */
static void __attribute__((format(printf, 7, 8)))
pair_run(CpuEnv *e[2], const uint32_t *code, unsigned n, PairSetup *setup, const void *arg,
         unsigned k, const char *fmt, ...)
{
    e[0] = cache_env(PPC_ENGINE_INTERP, 0x3000, code, n);
    e[1] = cache_env(PPC_ENGINE_JIT, 0x3000, code, n);
    for (int i = 0; i < 2; i++) {
        setup(e[i], arg);
        ck_assert_int_eq(ppc_run(&e[i]->cpu, k), PPC_RUN_BUDGET);
    }
    char what[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    same_exc_state(e[0], e[1], what);
}

static void pair_free(CpuEnv *e[2])
{
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}

/* A DSI in the middle of a block, after templates changed GPRs the cache
 * holds in host registers (r3, r4, r5 dirty): the handler's slow path
 * sees them, and SRR0/DAR/DSISR are exact; the first run also misses the
 * soft TLB on the store before it (its out-of-line stub), the second hits
 *   0x3000: addi r3,r3,1 ; addi r3,r3,2 ; add r4,r3,r3 ; stw r4,0(r9) ;
 *           addi r5,r4,1 ; lwz r6,8(r7) ; addi r3,r3,100 ; b . */
START_TEST(gpr_cache_fault_mid_block)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(14, 3, 3, 2), X(266, 4, 3, 3), D(36, 4, 9, 0),
                        D(14, 5, 4, 1), D(32, 6, 7, 8), D(14, 3, 3, 100), B(0) };
    CpuEnv *e[2] = { cache_env(PPC_ENGINE_INTERP, 0x3000, code, 8),
                     cache_env(PPC_ENGINE_JIT, 0x3000, code, 8) };
    for (int run = 0; run < 2; run++) {
        for (int k = 0; k < 2; k++) {
            PPCState *s = &e[k]->cpu;
            s->gpr[3] = 0x40 + run;
            s->gpr[7] = UNMAPPED;
            s->gpr[9] = DATA;
            s->pc = 0x3000;
            ppc_set_msr(s, MSR_FP | MSR_DR);
            ck_assert_int_eq(ppc_run(s, 10), PPC_RUN_BUDGET);
            uint32_t r3 = 0x43 + run;
            ck_assert_uint_eq(s->pc, 0x300);
            ck_assert_uint_eq(s->srr0, 0x3014);
            ck_assert_uint_eq(s->dar, UNMAPPED + 8);
            ck_assert_uint_eq(s->dsisr, DSISR_NOTRANS);
            ck_assert_uint_eq(s->gpr[3], r3);
            ck_assert_uint_eq(s->gpr[4], 2 * r3);
            ck_assert_uint_eq(s->gpr[5], 2 * r3 + 1);
            ck_assert_uint_eq(s->gpr[6], 0x6007); /* not loaded */
            ck_assert_uint_eq(cpuenv_read32(e[k], DATA), 2 * r3);
        }
        same_exc_state(e[0], e[1], run ? "TLB hit" : "TLB miss");
    }
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* Handlers (stmw, lmw have no template) read GPRs templates wrote just
 * before in host registers, and templates after them read what the
 * handler wrote, not the stale host registers
 *   0x3000: addi r29,r29,1 ; addi r29,r29,1 ; addi r30,r29,5 ;
 *           addi r31,r30,5 ; stmw r29,0(r9) ; add r30,r30,r29 ;
 *           lmw r29,16(r9) ; add r3,r29,r30 ; add r3,r3,r31 ; b . */
START_TEST(gpr_cache_around_handlers)
{
    uint32_t code[] = { D(14, 29, 29, 1), D(14, 29, 29, 1), D(14, 30, 29, 5), D(14, 31, 30, 5),
                        STMW(29, 9, 0),   X(266, 30, 30, 29), LMW(29, 9, 16), X(266, 3, 29, 30),
                        X(266, 3, 3, 31), B(0) };
    CpuEnv *e[2] = { cache_env(PPC_ENGINE_INTERP, 0x3000, code, 10),
                     cache_env(PPC_ENGINE_JIT, 0x3000, code, 10) };
    for (int k = 0; k < 2; k++) {
        PPCState *s = &e[k]->cpu;
        s->gpr[9] = DATA;
        cpuenv_write32(e[k], DATA + 16, 0x100);
        cpuenv_write32(e[k], DATA + 20, 0x2000);
        cpuenv_write32(e[k], DATA + 24, 0x30000);
        ck_assert_int_eq(ppc_run(s, 12), PPC_RUN_BUDGET);
        uint32_t r29 = 29 * 0x1000u + 7 + 2;
        ck_assert_uint_eq(cpuenv_read32(e[k], DATA), r29);
        ck_assert_uint_eq(cpuenv_read32(e[k], DATA + 4), r29 + 5);
        ck_assert_uint_eq(cpuenv_read32(e[k], DATA + 8), r29 + 10);
        ck_assert_uint_eq(s->gpr[29], 0x100);
        ck_assert_uint_eq(s->gpr[30], 0x2000);
        ck_assert_uint_eq(s->gpr[31], 0x30000);
        ck_assert_uint_eq(s->gpr[3], 0x32100);
    }
    same_exc_state(e[0], e[1], "handlers");
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

static void self_loop_exits_setup(CpuEnv *e, const void *ctr)
{
    e->cpu.gpr[3] = e->cpu.gpr[4] = 0;
    e->cpu.gpr[6] = MAPPED_END - 40 * 4;
    e->cpu.ctr = *(const unsigned *)ctr;
}

/* A loop chained to itself keeps r3, r4 and r6 dirty in host registers
 * across its back edge: every way out writes them back.  It stops at
 * every budget (the chain's budget check), at the end of CTR (not
 * taken), and when stwu walks off DBAT0's 128 KiB (a DSI from the
 * out-of-line stub, in the 40th iteration)
 *   0x3000: addi r3,r3,1 ; add r4,r4,r3 ; stwu r4,4(r6) ; bdnz 0x3000 ; b . */
START_TEST(gpr_cache_self_loop_exits)
{
    uint32_t code[] = { D(14, 3, 3, 1), X(266, 4, 4, 3), D(37, 4, 6, 4), BC(16, 0, -12), B(0) };
    for (unsigned ctr = 10; ctr <= 100; ctr += 90) {
        for (unsigned k = 0; k < 200; k += 1 + k / 16) {
            CpuEnv *e[2];
            pair_run(e, code, 5, self_loop_exits_setup, &ctr, k, "loop");
            /* from the interpreter's run, so that the JIT's is checked by
             * the comparison above: r3 = n after n addi, r4 = n(n+1)/2
             * after the add of the same iteration, or n(n-1)/2 before */
            uint32_t n = e[0]->cpu.gpr[3], r4 = e[0]->cpu.gpr[4];
            ck_assert(r4 == n * (n + 1) / 2 || r4 == n * (n - 1) / 2);
            if (ctr == 100 && k >= 4 * 40 + 2) { /* the 40th stwu faults */
                ck_assert_uint_eq(e[1]->cpu.pc, 0x300);
                ck_assert_uint_eq(e[1]->cpu.srr0, 0x3008);
                ck_assert_uint_eq(e[1]->cpu.dar, MAPPED_END);
                ck_assert_uint_eq(e[1]->cpu.gpr[3], 40);
                ck_assert_uint_eq(e[1]->cpu.gpr[4], 40 * 41 / 2);
                ck_assert_uint_eq(e[1]->cpu.gpr[6], MAPPED_END - 4);
            }
            pair_free(e);
        }
    }
}
END_TEST

static void self_loop_pc_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    e->cpu.gpr[9] = DATA;
    e->cpu.ctr = 20;
    e->cpu.lr = 0;
}

/* A loop chained to itself does not store s->pc on its back edge (it
 * still holds the block's start, cpu/jit.c gen_exit_to): at every budget
 * the loop stops at, before or after the handler (stmw) of its body, pc,
 * LR (bdnzl) and the instruction count are the interpreter's
 *   0x3000: addi r3,r3,1 ; stmw r30,0(r9) ; bdnzl 0x3000 ; b . */
START_TEST(self_loop_pc_at_every_budget)
{
    uint32_t code[] = { D(14, 3, 3, 1), STMW(30, 9, 0), BC(16, 0, -8) | 1u, B(0) };
    for (unsigned k = 0; k < 3 * 20 + 4; k++) {
        CpuEnv *e[2];
        pair_run(e, code, 4, self_loop_pc_setup, NULL, k, "self loop");
        ck_assert_uint_eq(e[0]->cpu.lr, e[1]->cpu.lr);
        /* from the interpreter's run, checked against the JIT's above:
         * a stop after n whole iterations is at the loop's start */
        if (k % 3 == 0 && k / 3 < 20)
            ck_assert_uint_eq(e[0]->cpu.pc, 0x3000);
        pair_free(e);
    }
}
END_TEST

/* The load and store page slots (cpu/jit.c gen_ldst): a later access to
 * the page of the last checked load or store skips the TLB, but not
 * across a handler that remaps the page (mtspr DBAT1L), not for a store
 * to a page checked for loads only (read-only: a DSI with exact SRR0 and
 * DSISR), and not for a misaligned word in the same page
 *   0x3000: lwz r3,0(r9) ; lwz r6,4(r9) ; mtspr dbat1l,r5 ; lwz r4,0(r9) ;
 *           stw r4,8(r9) ; lwz r7,0(r10) ; lwz r8,8(r9) ; lwz r13,2(r9) ;
 *           lwz r11,0(r12) ; lwz r14,8(r12) ; stw r11,4(r12) ; b .
 * (mtspr ends the block: the rest is a second block, where the second
 * load from r12's page uses the load slot, which the store may not)
 * r9 = 0x40000000 (DBAT1: PA 0x20000, then 0x40000), r10 = DATA,
 * r12 = 0x60000000 (DBAT2: PA 0x60000, read-only) */
START_TEST(page_slots)
{
    uint32_t code[] = { D(32, 3, 9, 0),   D(32, 6, 9, 4),   X(467, 5, 27, 16), D(32, 4, 9, 0),
                        D(36, 4, 9, 8),   D(32, 7, 10, 0),  D(32, 8, 9, 8),    D(32, 13, 9, 2),
                        D(32, 11, 12, 0), D(32, 14, 12, 8), D(36, 11, 12, 4),  B(0) };
    CpuEnv *e[2] = { cache_env(PPC_ENGINE_INTERP, 0x3000, code, 12),
                     cache_env(PPC_ENGINE_JIT, 0x3000, code, 12) };
    for (int k = 0; k < 2; k++) {
        PPCState *s = &e[k]->cpu;
        s->dbat[2] = 0x40000002u; /* DBAT1U: BEPI 0x40000000, 128 KiB, Vs */
        s->dbat[3] = 0x00020002u; /* DBAT1L: BRPN 0x20000, read/write */
        s->dbat[4] = 0x60000002u; /* DBAT2U */
        s->dbat[5] = 0x00060001u; /* DBAT2L: BRPN 0x60000, PP 01: read-only */
        s->gpr[5] = 0x00040002u;
        s->gpr[9] = 0x40000000u;
        s->gpr[10] = DATA;
        s->gpr[12] = 0x60000000u;
        cpuenv_write32(e[k], 0x20000, 0xA0A0A0A0u);
        cpuenv_write32(e[k], 0x20004, 0xA4A4A4A4u);
        cpuenv_write32(e[k], 0x40000, 0xB0B0B0B0u);
        cpuenv_write32(e[k], 0x40004, 0x0000C0C0u);
        cpuenv_write32(e[k], 0x60000, 0x60606060u);
        cpuenv_write32(e[k], 0x60008, 0x68686868u);
        cpuenv_write32(e[k], DATA, 0xDADADADAu);
        ck_assert_int_eq(ppc_run(s, 13), PPC_RUN_BUDGET);
        ck_assert_uint_eq(s->gpr[3], 0xA0A0A0A0u);
        ck_assert_uint_eq(s->gpr[6], 0xA4A4A4A4u);
        ck_assert_uint_eq(s->gpr[4], 0xB0B0B0B0u);
        ck_assert_uint_eq(cpuenv_read32(e[k], 0x40008), 0xB0B0B0B0u);
        ck_assert_uint_eq(cpuenv_read32(e[k], 0x20008), 0);
        ck_assert_uint_eq(s->gpr[7], 0xDADADADAu);
        ck_assert_uint_eq(s->gpr[8], 0xB0B0B0B0u);
        ck_assert_uint_eq(s->gpr[13], 0xB0B00000u); /* misaligned: 0x40002 */
        ck_assert_uint_eq(s->gpr[11], 0x60606060u);
        ck_assert_uint_eq(s->gpr[14], 0x68686868u);
        ck_assert_uint_eq(s->pc, 0x300);
        ck_assert_uint_eq(s->srr0, 0x3028);
        ck_assert_uint_eq(s->dar, 0x60000004u);
        ck_assert_uint_eq(s->dsisr, DSISR_PROT | DSISR_STORE);
        ck_assert_uint_eq(cpuenv_read32(e[k], 0x60004), 0);
    }
    same_exc_state(e[0], e[1], "page slots");
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* sraw uses edi, the addend of the slot of loads off odd base GPRs: a
 * load after it from the page of a load before it checks the TLB again;
 * a load off an even base GPR (r12, another mapping: DBAT1) does not
 * disturb that slot (the second run hits the soft TLB, so the first loads
 * fill the slots)
 *   0x3000: lwz r3,0(r9) ; sraw r5,r6,r7 ; lwz r4,4(r9) ; lwz r11,0(r12) ;
 *           lwz r13,8(r9) ; b . */
START_TEST(page_slot_after_sraw)
{
    uint32_t code[] = { D(32, 3, 9, 0), X(792, 6, 5, 7), D(32, 4, 9, 4), D(32, 11, 12, 0),
                        D(32, 13, 9, 8), B(0) };
    CpuEnv *e[2] = { cache_env(PPC_ENGINE_INTERP, 0x3000, code, 6),
                     cache_env(PPC_ENGINE_JIT, 0x3000, code, 6) };
    for (int k = 0; k < 2; k++) {
        e[k]->cpu.dbat[2] = 0x40000002u; /* DBAT1U: BEPI 0x40000000, 128 KiB, Vs */
        e[k]->cpu.dbat[3] = 0x00020002u; /* DBAT1L: BRPN 0x20000, read/write */
    }
    for (int run = 0; run < 2; run++) {
        for (int k = 0; k < 2; k++) {
            PPCState *s = &e[k]->cpu;
            s->pc = 0x3000;
            s->gpr[6] = 0x80000010u;
            s->gpr[7] = 4;
            s->gpr[9] = DATA + 0x100;
            s->gpr[12] = 0x40000000u;
            cpuenv_write32(e[k], DATA + 0x100, 0x01020304u + run);
            cpuenv_write32(e[k], DATA + 0x104, 0x05060708u + run);
            cpuenv_write32(e[k], DATA + 0x108, 0x090A0B0Cu + run);
            cpuenv_write32(e[k], 0x20000, 0x20202020u);
            ck_assert_int_eq(ppc_run(s, 6), PPC_RUN_BUDGET);
            ck_assert_uint_eq(s->gpr[11], 0x20202020u);
            ck_assert_uint_eq(s->gpr[13], 0x090A0B0Cu + run);
            ck_assert_uint_eq(s->gpr[3], 0x01020304u + run);
            ck_assert_uint_eq(s->gpr[5], 0xF8000001u);
            ck_assert_uint_eq(s->gpr[4], 0x05060708u + run);
        }
        same_exc_state(e[0], e[1], "sraw");
    }
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* ---- the jump cache by guest EA (cpu/jit.h PPCJitJC): an entry is
 * trusted only in the generation it was filled in (PPCState.jc_gen), which
 * a change of the fetch translation or a dropped block ends ---- */

#define DISP_F 0x40000u     /* EA of the function called through CTR (IBAT1) */
#define DISP_G 0x1100u      /* a second function, to clear r13 (jit_next) */
#define BCTRL 0x4E800421u
#define BLR 0x4E800020u
#define ISYNC 0x4C00012Cu

/* Instruction translation on: IBAT0 maps EA 0..128 KiB to PA 0, IBAT1 EA
 * DISP_F to f_pa, PA DISP_F holds F1 (li r3,1; blr) and PA 0x60000 F2
 * (li r3,2; blr).  The loop at 0x1000 calls F through CTR 100 times and adds
 * r3 into r5; in the pass with r6 = 50, after the call, it runs 'change'
 * (a handler: r13 set), then calls G (whose jit_next clears r13 again, so
 * that the next call of F is looked up inline in the jump cache):
 *   li r5,0; li r6,100; lis r7,4; li r8,G; lis r9,H; ori r9,r9,L
 *   loop: mtctr r7; bctrl; add r5,r5,r3; cmpwi r6,50; bne 1f
 *         CHANGE; isync
 *   1:    mtctr r8; bctrl; addi r6,r6,-1; cmpwi r6,0; bne loop; b . */
static CpuEnv *disp_env(int engine, uint32_t change, uint32_t r9, uint32_t f_pa)
{
    CpuEnv *e = cpuenv_new(1);
    ck_assert_int_eq(ppc_set_engine(&e->cpu, engine), 0);
    uint32_t p[] = {
        D(14, 5, 0, 0), D(14, 6, 0, 100), D(15, 7, 0, DISP_F >> 16), D(14, 8, 0, DISP_G),
        D(15, 9, 0, r9 >> 16), D(24, 9, 9, r9 & 0xFFFF),
        X(467, 7, 9, 0), BCTRL, X(266, 5, 5, 3), D(11, 0, 6, 50), BC(4, 2, 12),
        change, ISYNC,
        X(467, 8, 9, 0), BCTRL, D(14, 6, 6, -1), D(11, 0, 6, 0), BC(4, 2, -44), B(0),
    };
    uint32_t g[] = { D(14, 4, 0, 7), BLR };
    uint32_t f1[] = { D(14, 3, 0, 1), BLR }, f2[] = { D(14, 3, 0, 2), BLR };
    cpuenv_put_code(e, 0x1000, p, sizeof p / 4);
    cpuenv_put_code(e, DISP_G, g, 2);
    cpuenv_put_code(e, DISP_F, f1, 2);
    cpuenv_put_code(e, 0x60000, f2, 2);
    e->cpu.ibat[0] = 0x00000002u;          /* IBAT0U: BEPI 0, 128 KiB, Vs */
    e->cpu.ibat[1] = 0x00000002u;          /* IBAT0L: BRPN 0, PP 10 */
    e->cpu.ibat[2] = DISP_F | 2u;          /* IBAT1U */
    e->cpu.ibat[3] = f_pa | 2u;            /* IBAT1L */
    ppc_set_msr(&e->cpu, MSR_FP | MSR_IR);
    e->cpu.pc = 0x1000;
    return e;
}

static void disp_run(uint32_t change, uint32_t r9, uint32_t f_pa, uint32_t sum, const char *what)
{
    CpuEnv *a = disp_env(PPC_ENGINE_INTERP, change, r9, f_pa);
    CpuEnv *b = disp_env(PPC_ENGINE_JIT, change, r9, f_pa);
    ck_assert_int_eq(ppc_run(&a->cpu, 100000), PPC_RUN_BUDGET);
    ck_assert_int_eq(ppc_run(&b->cpu, 100000), PPC_RUN_BUDGET);
    ck_assert_msg(a->cpu.gpr[5] == sum, "%s: interp sum %u, want %u", what, a->cpu.gpr[5], sum);
    ck_assert_msg(b->cpu.gpr[5] == sum, "%s: jit sum %u, want %u", what, b->cpu.gpr[5], sum);
    ck_assert_uint_eq(b->cpu.pc, 0x1000 + 18 * 4);
    same_exc_state(a, b, what);
    cpuenv_free(a);
    cpuenv_free(b);
}

/* An IBAT write (mtspr IBAT1L) remaps F's EA to F2 in pass 50: F1 runs in
 * the passes 100..50 (51 times), F2 in 49..1, so r5 = 51 + 2 * 49 */
START_TEST(disp_jc_bat_write)
{
    disp_run(X(467, 9, 19, 16), 0x60000u | 2u, DISP_F, 51 + 2 * 49, "IBAT1L write");
}
END_TEST

/* A store into F1's first word (data translation off: PA DISP_F) drops
 * its block in pass 50: F1 now sets r3 = 3, so r5 = 51 + 3 * 49 */
START_TEST(disp_jc_store_into_target)
{
    disp_run(D(36, 9, 7, 0), D(14, 3, 0, 3), DISP_F, 51 + 3 * 49, "store into F");
}
END_TEST

/* IBAT1 maps F's EA to F2 until MSR[IR] is cleared in pass 50 (mtmsr r9,
 * r9 = MSR[FP]): F's EA is then F1's PA (G and the loop run at their PAs,
 * their EAs), so r5 = 2 * 51 + 49 */
START_TEST(disp_jc_msr_ir_off)
{
    disp_run(X(146, 9, 0, 0), MSR_FP, 0x60000, 2 * 51 + 49, "mtmsr IR off");
}
END_TEST

/* The IBAT program stopped by every budget from 1 to 40 again and again:
 * the jump cache's inline budget check stops where the interpreter does,
 * with the same PC, icount and registers at every stop */
START_TEST(disp_jc_budget_stops)
{
    for (unsigned k = 1; k <= 40; k++) {
        CpuEnv *a = disp_env(PPC_ENGINE_INTERP, X(467, 9, 19, 16), 0x60002u, DISP_F);
        CpuEnv *b = disp_env(PPC_ENGINE_JIT, X(467, 9, 19, 16), 0x60002u, DISP_F);
        char what[32];
        snprintf(what, sizeof what, "budget %u", k);
        while (a->cpu.pc != 0x1000 + 18 * 4) {
            ck_assert_int_eq(ppc_run(&a->cpu, k), ppc_run(&b->cpu, k));
            same_exc_state(a, b, what);
            ck_assert_uint_eq(b->cpu.lr, a->cpu.lr);
        }
        ck_assert_uint_eq(a->cpu.gpr[5], 51 + 2 * 49);
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* The page slots live on across chained blocks (cpu/jit.c N_SLOTS): a
 * load in one block leaves its page in slot 0, the next block's handler
 * (mtspr DBAT0L) remaps the data, the third block loads off the same base
 * again and must see the new mapping, then maps the first back (mtspr
 * ends its block: the next one is entered from the run loop); five
 * passes, run whole, then stopped at every budget:
 *   0x1000: lwz r3,0(r4); add r10,r10,r3; b 1f
 *   1:      mtspr DBAT0L,r9; b 2f
 *   2:      lwz r5,0(r4); add r11,r11,r5; mtspr DBAT0L,r8; bdnz 0x1000
 *           b . */
static CpuEnv *slot_env(int engine)
{
    CpuEnv *e = cpuenv_new(1);
    ck_assert_int_eq(ppc_set_engine(&e->cpu, engine), 0);
    uint32_t p[] = { D(32, 3, 4, 0), X(266, 10, 10, 3), B(4), X(467, 9, 25, 16), B(4),
                     D(32, 5, 4, 0), X(266, 11, 11, 5), X(467, 8, 25, 16), BC(16, 0, -32), B(0) };
    cpuenv_put_code(e, 0x1000, p, sizeof p / 4);
    cpuenv_write32(e, 0x2000, 111);
    cpuenv_write32(e, 0x22000, 222);
    e->cpu.dbat[0] = 0x00000002u; /* DBAT0U: BEPI 0, 128 KiB, Vs */
    e->cpu.dbat[1] = 0x00000002u; /* DBAT0L: BRPN 0, PP 10 */
    e->cpu.gpr[4] = 0x2000;
    e->cpu.gpr[8] = 0x00000002u;  /* DBAT0L: BRPN 0 */
    e->cpu.gpr[9] = 0x00020002u;  /* DBAT0L: BRPN 0x20000 */
    e->cpu.gpr[10] = e->cpu.gpr[11] = 0;
    e->cpu.ctr = 5;
    ppc_set_msr(&e->cpu, MSR_FP | MSR_DR);
    e->cpu.pc = 0x1000;
    return e;
}

START_TEST(tpl_slot_across_chain)
{
    for (unsigned k = 0; k <= 12; k++) {
        CpuEnv *a = slot_env(PPC_ENGINE_INTERP), *b = slot_env(PPC_ENGINE_JIT);
        char what[32];
        snprintf(what, sizeof what, "budget %u", k);
        while (k && a->cpu.pc != 0x1000 + 9 * 4) {
            ck_assert_int_eq(ppc_run(&a->cpu, k), ppc_run(&b->cpu, k));
            same_exc_state(a, b, what);
        }
        ck_assert_int_eq(ppc_run(&a->cpu, 100), ppc_run(&b->cpu, 100));
        same_exc_state(a, b, what);
        ck_assert_msg(b->cpu.gpr[10] == 5 * 111 && b->cpu.gpr[11] == 5 * 222, "%s: jit r10 %u r11 %u",
                      what, b->cpu.gpr[10], b->cpu.gpr[11]);
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* A handler call between two loads off the same page through slot 2 (an
 * odd base GPR: its addend in rdi, the first argument of every C call):
 * the second load must not use the addend the handler clobbered
 *   0x1000: lwz r3,0(r5); lmw r28,8(r7); lwz r6,4(r5); stmw r30,16(r5); lwz r9,12(r5); b . */
START_TEST(tpl_slot_after_handler)
{
    uint32_t p[] = { D(32, 3, 5, 0), LMW(28, 7, 8), D(32, 6, 5, 4), STMW(30, 5, 16), D(32, 9, 5, 20), B(0) };
    CpuEnv *e[2];
    for (int k = 0; k < 2; k++) {
        e[k] = cpuenv_new(1);
        ck_assert_int_eq(ppc_set_engine(&e[k]->cpu, k ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP), 0);
        cpuenv_put_code(e[k], 0x1000, p, sizeof p / 4);
        for (uint32_t i = 0; i < 16; i++)
            cpuenv_write32(e[k], DATA + 4 * i, 0x100 + i);
        e[k]->cpu.gpr[5] = DATA;
        e[k]->cpu.gpr[7] = DATA + 0x20;
        e[k]->cpu.gpr[30] = 0xAAAA0000u;
        e[k]->cpu.pc = 0x1000;
        for (int run = 0; run < 3; run++) { /* compiled on the first */
            e[k]->cpu.pc = 0x1000;
            ck_assert_int_eq(ppc_run(&e[k]->cpu, 6), PPC_RUN_BUDGET); /* the whole block */
        }
    }
    same_exc_state(e[0], e[1], "lmw between loads");
    ck_assert_uint_eq(e[1]->cpu.gpr[3], 0x100);
    ck_assert_uint_eq(e[1]->cpu.gpr[6], 0x101);
    ck_assert_uint_eq(e[1]->cpu.gpr[28], 0x10A);
    ck_assert_uint_eq(e[1]->cpu.gpr[9], 0x10D); /* stmw wrote r31 (= 0x10D) at DATA + 20 */
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* ---- a loop's instruction count kept in a host register (cpu/jit.c
 * LOOP_BASE): exact wherever a handler, a device or the run loop reads
 * it ---- */

#define REC_DEV 0x10000000u /* the recording device below (MMU off: EA = PA) */
#define REC_MAX 64

/* A device whose register write records what a device may read of the
 * CPU at that moment (cpu/mmu.c sets mmio_icount; icount, the count at
 * the block's start, the run loop's; CR and GPRs the guest's) and, at the
 * write numbered stop_at, asks the CPU to leave its run (exit_request,
 * as a device that raised an event does) */
typedef struct {
    PPCState *cpu;
    unsigned n, stop_at;
    uint64_t mmio_icount[REC_MAX], icount[REC_MAX];
    uint32_t cr[REC_MAX], val[REC_MAX];
} RecDev;

static uint32_t rec_read(void *opaque, uint32_t off, unsigned size)
{
    (void)opaque;
    (void)size;
    return off;
}

static void rec_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    RecDev *d = opaque;
    (void)off;
    (void)size;
    if (d->n < REC_MAX) {
        d->mmio_icount[d->n] = d->cpu->mmio_icount;
        d->icount[d->n] = d->cpu->icount;
        d->cr[d->n] = d->cpu->cr;
        d->val[d->n] = val;
    }
    if (++d->n == d->stop_at)
        d->cpu->exit_request = 1;
}

static const MemOps rec_ops = { .read = rec_read, .write = rec_write };

static CpuEnv *rec_env(int engine, RecDev *d, const uint32_t *code, unsigned n)
{
    CpuEnv *e = cpuenv_new(1);
    ck_assert_int_eq(ppc_set_engine(&e->cpu, engine), 0);
    ck_assert_int_eq(bus_add_region(&e->bus, REC_DEV, 0x1000, &rec_ops, d, "rec"), 0);
    memset(d, 0, sizeof *d);
    d->cpu = &e->cpu;
    cpuenv_put_code(e, 0x3000, code, n);
    e->cpu.pc = 0x3000;
    e->cpu.gpr[9] = REC_DEV;
    e->cpu.xer = XER_SO; /* in every compare's CR field */
    return e;
}

static void same_rec(const RecDev *a, const RecDev *b, const char *what)
{
    ck_assert_msg(a->n == b->n, "%s: %u device writes (interp) vs %u (jit)", what, a->n, b->n);
    for (unsigned i = 0; i < a->n && i < REC_MAX; i++) {
        ck_assert_msg(a->mmio_icount[i] == b->mmio_icount[i] && a->icount[i] == b->icount[i],
                      "%s: write %u at icount %llu/%llu (interp) vs %llu/%llu (jit)", what, i,
                      (unsigned long long)a->mmio_icount[i], (unsigned long long)a->icount[i],
                      (unsigned long long)b->mmio_icount[i], (unsigned long long)b->icount[i]);
        ck_assert_msg(a->cr[i] == b->cr[i] && a->val[i] == b->val[i],
                      "%s: write %u with CR %08x value %08x (interp) vs CR %08x value %08x (jit)", what, i,
                      a->cr[i], a->val[i], b->cr[i], b->val[i]);
    }
}

/* A loop whose store goes to a device (the soft TLB never maps MMIO for
 * stores: the out-of-line stub calls the handler in every pass) and that
 * compares and branches on CR0: at every budget, the device saw the
 * interpreter's instruction counts and CR, and the loop stops where the
 * interpreter does; a device asking to exit in the middle of a pass ends
 * the run after that pass with the interpreter's count
 *   0x3000: addi r3,r3,1 ; stw r3,0(r9) ; addi r4,r4,3 ; cmpw r3,r10 ;
 *           bne 0x3000 ; b . */
START_TEST(loop_count_at_device_writes)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(36, 3, 9, 0), D(14, 4, 4, 3), X(0, 0, 3, 10),
                        BC(4, 2, -16), B(0) };
    for (unsigned stop = 0; stop <= 12; stop += 3) {
        for (unsigned k = 0; k < 5 * 20 + 6; k++) {
            RecDev d[2];
            CpuEnv *e[2] = { rec_env(PPC_ENGINE_INTERP, &d[0], code, 6),
                             rec_env(PPC_ENGINE_JIT, &d[1], code, 6) };
            int r[2];
            for (int i = 0; i < 2; i++) {
                d[i].stop_at = stop;
                e[i]->cpu.gpr[3] = (uint32_t)-8; /* LT, then EQ: 12 passes */
                e[i]->cpu.gpr[10] = 12 - 8;
                r[i] = ppc_run(&e[i]->cpu, k);
            }
            char what[64];
            snprintf(what, sizeof what, "device stop %u, budget %u", stop, k);
            ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
            same_exc_state(e[0], e[1], what);
            same_rec(&d[0], &d[1], what);
            /* the interpreter's, which the JIT's are checked against
             * above: one write a pass, the count of its store */
            for (unsigned i = 0; i < d[0].n; i++)
                ck_assert_uint_eq(d[0].mmio_icount[i], 5 * i + 1);
            if (stop && k >= 5 * stop)
                ck_assert_uint_eq(e[0]->cpu.icount, 5 * stop);
            cpuenv_free(e[0]);
            cpuenv_free(e[1]);
        }
    }
}
END_TEST

/* Runs without a budget (ppc_run's "no limit", where the loop's slack is
 * capped, cpu/jit.c LOOP_QMAX) and with budgets past the cap: a loop of
 * more than LOOP_QMAX instructions stops at the count the interpreter
 * would, and a device's exit request after it is seen at once
 *   0x3000: addi r3,r3,1 ; addi r4,r4,2 ; bdnz 0x3000 ; stw r3,0(r9) ; b . */
START_TEST(loop_count_past_slack_cap)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(14, 4, 4, 2), BC(16, 0, -8), D(36, 3, 9, 0), B(0) };
    const uint32_t passes = (1u << 23) + 5; /* 3 * passes > 0xFFFFFF */
    const uint64_t full = 3ull * passes;
    uint64_t budgets[] = { UINT64_MAX, full + 2, full + 1, full - 1, (1u << 24) + 1 };
    for (unsigned t = 0; t < sizeof budgets / sizeof budgets[0]; t++) {
        RecDev d;
        CpuEnv *e = rec_env(PPC_ENGINE_JIT, &d, code, 5);
        d.stop_at = 1;
        e->cpu.ctr = passes;
        int r = ppc_run(&e->cpu, budgets[t]);
        /* the loop, then stw (its exit request) and b . in one block */
        uint64_t want = budgets[t] < full + 2 ? budgets[t] : full + 2;
        ck_assert_int_eq(r, budgets[t] > full ? PPC_RUN_EXIT_REQ : PPC_RUN_BUDGET);
        ck_assert_uint_eq(e->cpu.icount, want);
        /* each addi ran as often as the interpreter would have run it */
        uint64_t in_loop = budgets[t] < full ? budgets[t] : full;
        ck_assert_uint_eq(e->cpu.gpr[3], (uint32_t)((in_loop + 2) / 3));
        ck_assert_uint_eq(e->cpu.gpr[4], 2 * (uint32_t)((in_loop + 1) / 3));
        ck_assert_uint_eq(d.n, budgets[t] > full);
        if (d.n)
            ck_assert_uint_eq(d.mmio_icount[0], full);
        cpuenv_free(e);
    }
}
END_TEST

/* exit_request set from another thread (as the I/O thread and the
 * monitor do) while a loop of templates only runs in generated code: no
 * handler stored the count in that pass, the back edge's way out does,
 * so the count the run stops at is the one of the passes the GPRs show
 *   0x3000: addi r3,r3,1 ; addi r4,r4,2 ; bdnz 0x3000 ; b . */
static void *request_exit_soon(void *arg)
{
    PPCState *s = arg;
    usleep(20000);
    s->exit_request = 1;
    return NULL;
}

START_TEST(loop_count_at_async_exit_request)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(14, 4, 4, 2), BC(16, 0, -8), B(0) };
    for (int run = 0; run < 3; run++) {
        RecDev d;
        CpuEnv *e = rec_env(PPC_ENGINE_JIT, &d, code, 4);
        e->cpu.ctr = 0x7FFFFFFFu; /* longer than the 20 ms */
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, request_exit_soon, &e->cpu), 0);
        int r = ppc_run(&e->cpu, UINT64_MAX);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(r, PPC_RUN_EXIT_REQ);
        uint32_t n = e->cpu.gpr[3];
        ck_assert_uint_gt(n, 0);
        ck_assert_uint_lt(n, 0x7FFFFFFFu);
        /* stopped between two passes, at the loop's start */
        ck_assert_uint_eq(e->cpu.icount, 3ull * n);
        ck_assert_uint_eq(e->cpu.gpr[4], 2 * n);
        ck_assert_uint_eq(e->cpu.ctr, 0x7FFFFFFFu - n);
        ck_assert_uint_eq(e->cpu.pc, 0x3000);
        cpuenv_free(e);
    }
}
END_TEST

/* A handler call in a later pass of a loop (not the first, which always
 * makes the run loop's full checks on its back edge) sends the back edge
 * to them too: here the fifth stwu, walking up from the page before,
 * rewrites the loop's own first instruction and the sixth the stwu
 * itself, and the next passes run the new ones (the block invalidated,
 * cpu/jit.c gen_loop_back)
 *   0x3000: addi r3,r3,1 ; stwu r5,4(r6) ; bdnz 0x3000 ; b .
 * r5 = addi r3,r3,16, r6 = 0x2FEC */
START_TEST(loop_handler_rewrites_loop_later)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(37, 5, 6, 4), BC(16, 0, -8), B(0) };
    CpuEnv *e[2] = { cpuenv_new(1), cpuenv_new(1) };
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(ppc_set_engine(&e[k]->cpu, k ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP), 0);
        cpuenv_put_code(e[k], 0x3000, code, 4);
        e[k]->cpu.pc = 0x3000;
        e[k]->cpu.gpr[5] = D(14, 3, 3, 16);
        e[k]->cpu.gpr[6] = 0x2FECu;
        e[k]->cpu.ctr = 20;
        ck_assert_int_eq(ppc_run(&e[k]->cpu, 3 * 20 + 5), PPC_RUN_BUDGET);
        /* 5 passes of +1, one of +16, 14 of +16 +16 */
        ck_assert_uint_eq(e[k]->cpu.gpr[3], 5 + 16 + 14 * 32);
    }
    same_state(e[0], e[1], 0);
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* A loop naming more GPRs than the cache holds outside loops: in a loop
 * r13 caches one more (cpu/jit.c cache_hregs), written back before the
 * device's handler reads memory (stw's value is r7, the GPRs are
 * compared after every budget) and at every way out, where r13 becomes
 * the "handler ran" flag again
 *   0x3000: addi r3,r3,1 ; add r4,r4,r3 ; add r5,r5,r4 ; xor r6,r6,r5 ;
 *           add r7,r7,r6 ; stw r7,0(r9) ; add r8,r8,r7 ; cmpw r3,r10 ;
 *           bne 0x3000 ; add r11,r8,r4 ; b . */
START_TEST(loop_six_cached_gprs)
{
    uint32_t code[] = { D(14, 3, 3, 1), X(266, 4, 4, 3), X(266, 5, 5, 4), X(316, 6, 6, 5),
                        X(266, 7, 7, 6), D(36, 7, 9, 0), X(266, 8, 8, 7), X(0, 0, 3, 10),
                        BC(4, 2, -32), X(266, 11, 8, 4), B(0) };
    for (unsigned k = 0; k < 9 * 7 + 8; k++) {
        RecDev d[2];
        CpuEnv *e[2] = { rec_env(PPC_ENGINE_INTERP, &d[0], code, 11),
                         rec_env(PPC_ENGINE_JIT, &d[1], code, 11) };
        for (int i = 0; i < 2; i++) {
            for (unsigned r = 3; r <= 8; r++)
                e[i]->cpu.gpr[r] = 0x100u * r;
            e[i]->cpu.gpr[3] = 0;
            e[i]->cpu.gpr[10] = 7;
            ck_assert_int_eq(ppc_run(&e[i]->cpu, k), PPC_RUN_BUDGET);
        }
        char what[32];
        snprintf(what, sizeof what, "budget %u", k);
        same_exc_state(e[0], e[1], what);
        same_rec(&d[0], &d[1], what);
        if (k >= 9 * 7 + 1) /* the interpreter's, checked above */
            ck_assert_uint_eq(e[0]->cpu.gpr[11], e[0]->cpu.gpr[8] + e[0]->cpu.gpr[4]);
        cpuenv_free(e[0]);
        cpuenv_free(e[1]);
    }
}
END_TEST

/* ---- a loop's deferred CR field (cpu/jit.c gen_crf_flush): exact for
 * every handler the loop calls and at every way out ---- */

/* Run a loop with a device write in every pass at every budget under
 * both engines, from CR = 0x5A5A5A5A and XER[SO] set: the same state and
 * the same CR in every write the device saw */
static void crf_sweep(const uint32_t *code, unsigned n, unsigned max, uint32_t r3, uint32_t r10,
                      uint32_t ctr, unsigned stop)
{
    for (unsigned k = 0; k < max; k++) {
        RecDev d[2];
        CpuEnv *e[2] = { rec_env(PPC_ENGINE_INTERP, &d[0], code, n),
                         rec_env(PPC_ENGINE_JIT, &d[1], code, n) };
        int r[2];
        for (int i = 0; i < 2; i++) {
            d[i].stop_at = stop;
            e[i]->cpu.cr = 0x5A5A5A5Au;
            e[i]->cpu.gpr[3] = r3;
            e[i]->cpu.gpr[10] = r10;
            e[i]->cpu.ctr = ctr;
            r[i] = ppc_run(&e[i]->cpu, k);
        }
        char what[48];
        snprintf(what, sizeof what, "crf: stop %u, budget %u", stop, k);
        ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
        same_exc_state(e[0], e[1], what);
        same_rec(&d[0], &d[1], what);
        /* the interpreter's, which the JIT's match: the first write sees
         * the CR the run started with, the later ones a compare's */
        if (d[0].n > 1)
            ck_assert_uint_ne(d[0].cr[1], d[0].cr[0]);
        cpuenv_free(e[0]);
        cpuenv_free(e[1]);
    }
}

/* An immediate compare into CR6 (the field shifted), its branch bne cr6
 *   0x3000: addi r3,r3,1 ; stw r3,0(r9) ; cmpwi cr6,r3,5 ; bne cr6,0x3000 ;
 *           b . */
START_TEST(crf_immediate_compare_cr6)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(36, 3, 9, 0), D(11, 6 << 2, 3, 5), BC(4, 6 * 4 + 2, -12),
                        B(0) };
    for (unsigned stop = 0; stop <= 8; stop += 4)
        crf_sweep(code, 5, 4 * 8 + 6, (uint32_t)-3, 0, 0, stop);
}
END_TEST

/* The second operand a GPR the loop writes (saved with the first):
 *   0x3000: addi r3,r3,1 ; addi r10,r10,-2 ; stw r3,0(r9) ;
 *           cmplw cr3,r3,r10 ; blt cr3,0x3000 ; b . */
START_TEST(crf_register_compare_written_operand)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(14, 10, 10, -2), D(36, 3, 9, 0), X(32, 3 << 2, 3, 10),
                        BC(12, 3 * 4 + 0, -16), B(0) };
    crf_sweep(code, 6, 5 * 8 + 6, 0, 20, 0, 0);
    crf_sweep(code, 6, 5 * 8 + 6, 0, 20, 0, 4);
}
END_TEST

/* A branch that also counts CTR (bdnzf cr1 eq: the flags of the compare
 * are gone after the decrement), ending by CTR or by the compare
 *   0x3000: addi r3,r3,1 ; stw r3,0(r9) ; cmpw cr1,r3,r10 ;
 *           bdnzf cr1 eq,0x3000 ; b . */
START_TEST(crf_with_ctr_branch)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(36, 3, 9, 0), X(0, 1 << 2, 3, 10), BC(0, 1 * 4 + 2, -12),
                        B(0) };
    crf_sweep(code, 5, 4 * 9 + 6, 0, 6, 20, 0); /* the compare ends it */
    crf_sweep(code, 5, 4 * 9 + 6, 0, 60, 7, 0); /* CTR ends it */
}
END_TEST

/* A compare whose result changes every pass (GT, LT, GT...), the run
 * ended by the budget, by a device's exit request (after the compare of
 * the same pass) and never by the loop
 *   0x3000: xori r4,r4,2 ; addi r5,r4,-1 ; stw r5,0(r9) ; cmpwi cr5,r5,0 ;
 *           bne cr5,0x3000 */
START_TEST(crf_alternating_field_at_exit_request)
{
    uint32_t code[] = { D(26, 4, 4, 2), D(14, 5, 4, -1), D(36, 5, 9, 0), D(11, 5 << 2, 5, 0),
                        BC(4, 5 * 4 + 2, -16) };
    for (unsigned stop = 0; stop <= 7; stop++)
        crf_sweep(code, 5, 5 * 8 + 3, 0, 0, 0, stop);
}
END_TEST

static void crf_at_fault_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    e->cpu.gpr[3] = 0;
    e->cpu.gpr[4] = 0;
    e->cpu.gpr[10] = 1;
    e->cpu.gpr[6] = MAPPED_END - 13 * 4;
    e->cpu.cr = 0x5A5A5A5Au;
    e->cpu.xer = XER_SO;
}

/* A handler that runs in some passes only: stwu walks off DBAT0's 128 KiB
 * in the 13th pass (a DSI from its out-of-line TLB-miss stub, no handler
 * in the passes before it since the first): the exception sees the CR
 * field of the 12th pass's compare (LT, the first pass's GT)
 *   0x3000: addi r3,r3,1 ; stwu r3,4(r6) ; xori r4,r4,2 ; cmpw cr2,r4,r10 ;
 *           bne cr2,0x3000 ; b .
 * r10 = 1: GT and LT in turns */
START_TEST(crf_at_fault_in_later_pass)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(37, 3, 6, 4), D(26, 4, 4, 2), X(0, 2 << 2, 4, 10),
                        BC(4, 2 * 4 + 2, -16), B(0) };
    for (unsigned k = 5 * 12 + 2; k < 5 * 12 + 12; k++) {
        CpuEnv *e[2];
        pair_run(e, code, 6, crf_at_fault_setup, NULL, k, "crf at a DSI");
        /* the interpreter's, checked above: the DSI in the 13th pass */
        ck_assert_uint_eq(e[0]->cpu.srr0, 0x3004);
        ck_assert_uint_eq(e[0]->cpu.gpr[3], 13);
        ck_assert_uint_eq((e[0]->cpu.cr >> 20) & 0xF, 0x9); /* LT, SO */
        pair_free(e);
    }
}
END_TEST

static void loop_alu_direct_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    for (unsigned r = 3; r <= 12; r++)
        e->cpu.gpr[r] = 0x01010101u * r ^ (0x80000000u >> r);
    e->cpu.gpr[12] = DATA / 2;
    e->cpu.ctr = 5;
    cpuenv_write32(e, DATA, 0x12345678u);
}

/* add, subf, and, or, xor straight into rD's host register (cpu/jit.c
 * gen_alu_direct): rD the first operand, the second, neither, both
 * operands one GPR, mr, subf into its subtrahend (left to eax), in a
 * loop of ten GPRs (six in host registers, the rest in PPCState), at
 * every budget against the interpreter
 *   0x3000: add r3,r3,r4 ; add r5,r4,r5 ; add r6,r3,r4 ; subf r7,r3,r7 ;
 *           subf r3,r3,r5 ; subf r6,r4,r3 ; xor r4,r4,r6 ; or r9,r5,r5 ;
 *           and r10,r9,r3 ; or r3,r3,r9 ; add r11,r12,r12 ; lwz r12,0(r11) ;
 *           add r12,r12,r10 ; bdnz 0x3000 ; b . */
START_TEST(loop_alu_direct_forms)
{
    uint32_t code[] = { X(266, 3, 3, 4), X(266, 5, 4, 5),  X(266, 6, 3, 4),  X(40, 7, 3, 7),
                        X(40, 3, 3, 5),  X(40, 6, 4, 3),   X(316, 4, 4, 6),  X(444, 5, 9, 5),
                        X(28, 9, 10, 3), X(444, 3, 3, 9),  X(266, 11, 12, 12), D(32, 12, 11, 0),
                        X(266, 12, 12, 10), BC(16, 0, -13 * 4), B(0) };
    for (unsigned k = 0; k < 14 * 6 + 3; k++) {
        CpuEnv *e[2];
        pair_run(e, code, 15, loop_alu_direct_setup, NULL, k, "alu budget %u", k);
        pair_free(e);
    }
}
END_TEST

static void so_by_handler_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    e->cpu.gpr[3] = 0;
    e->cpu.gpr[4] = 0;
    e->cpu.gpr[5] = 0x80000000u - 13;
    e->cpu.gpr[7] = 1;
    e->cpu.gpr[8] = MAPPED_END - 13 * 4;
    e->cpu.gpr[10] = 1;
    e->cpu.cr = 0;
    e->cpu.xer = 0;
}

/* The field takes XER[SO] as it was at the compare: in the 13th pass a
 * handler (addo, no template) overflows and sets SO after the field of
 * the 12th pass's compare was stored for it, and a DSI follows in the
 * same pass (stwu walking off DBAT0): the field the exception leaves has
 * SO clear, as the interpreter's
 *   0x3000: addi r3,r3,1 ; addo r5,r5,r7 ; stwu r3,4(r8) ; xori r4,r4,2 ;
 *           cmpw cr2,r4,r10 ; bne cr2,0x3000 ; b . */
START_TEST(crf_so_set_by_handler_before_fault)
{
    uint32_t code[] = { D(14, 3, 3, 1), X(266, 5, 5, 7) | (1u << 10), D(37, 3, 8, 4), D(26, 4, 4, 2),
                        X(0, 2 << 2, 4, 10), BC(4, 2 * 4 + 2, -20), B(0) };
    CpuEnv *e[2];
    /* the 13th pass whole */
    pair_run(e, code, 7, so_by_handler_setup, NULL, 6 * 14, "SO by a handler");
    ck_assert_uint_eq(e[0]->cpu.xer, e[1]->cpu.xer);
    /* the interpreter's, checked above */
    ck_assert_uint_eq(e[0]->cpu.srr0, 0x3008);
    ck_assert(e[0]->cpu.xer & XER_SO);
    ck_assert_uint_eq((e[0]->cpu.cr >> 20) & 0xF, 0x8); /* LT, no SO */
    pair_free(e);
}
END_TEST

/* ---- access groups (cpu/jit.c grp_plan): a region's loads and stores
 * off one base share one page check per pass; whatever the check cannot
 * prove runs the region's slow version, access by access ---- */

#define GRP_END (0x3000 + 11 * 4) /* the b . after either copy loop */

/* copy_words as gcc emits it (tools/bench/mem.c): the bases stepped by
 * addi before the accesses, rD = r9
 *   0x3000: lwz r9,0(r4) ; addi r3,r3,16 ; addi r4,r4,16 ; stw r9,-16(r3) ;
 *           lwz r9,-12(r4) ; stw r9,-12(r3) ; lwz r9,-8(r4) ; stw r9,-8(r3) ;
 *           lwz r9,-4(r4) ; stw r9,-4(r3) ; bdnz 0x3000 ; b . */
static const uint32_t grp_copy_addi[] = {
    D(32, 9, 4, 0),   D(14, 3, 3, 16), D(14, 4, 4, 16), D(36, 9, 3, -16),
    D(32, 9, 4, -12), D(36, 9, 3, -12), D(32, 9, 4, -8), D(36, 9, 3, -8),
    D(32, 9, 4, -4),  D(36, 9, 3, -4),  BC(16, 0, -40),  B(0),
};
/* the same with update forms, four rDs (mem.c's inlined byte copy)
 *   0x3000: lwz r5,4(r4) ; lwz r6,8(r4) ; lwz r7,12(r4) ; lwzu r9,16(r4) ;
 *           stw r5,4(r3) ; stw r6,8(r3) ; stw r7,12(r3) ; stwu r9,16(r3) ;
 *           bdnz 0x3000 ; nop ; nop ; b . */
static const uint32_t grp_copy_upd[] = {
    D(32, 5, 4, 4), D(32, 6, 4, 8), D(32, 7, 4, 12), D(33, 9, 4, 16),
    D(36, 5, 3, 4), D(36, 6, 3, 8), D(36, 7, 3, 12), D(37, 9, 3, 16),
    BC(16, 0, -32), D(24, 0, 0, 0), D(24, 0, 0, 0),  B(0),
};

/* an update form before other members of its group: their offsets from
 * the base at the region's start move by its displacement
 *   0x3000: lwzu r5,4(r4) ; lwz r6,4(r4) ; lwz r7,8(r4) ; stw r5,0(r3) ;
 *           stw r6,4(r3) ; stw r7,8(r3) ; addi r3,r3,12 ; addi r4,r4,8 ;
 *           bdnz 0x3000 ; nop ; nop ; b . */
static const uint32_t grp_copy_upd_first[] = {
    D(33, 5, 4, 4), D(32, 6, 4, 4), D(32, 7, 4, 8),  D(36, 5, 3, 0),
    D(36, 6, 3, 4), D(36, 7, 3, 8), D(14, 3, 3, 12), D(14, 4, 4, 8),
    BC(16, 0, -32), D(24, 0, 0, 0), D(24, 0, 0, 0),  B(0),
};

/* the copy loop at 0x3000 from src to dst, ctr passes, data translation
 * on (cache_env: DBAT0 maps 0..128 KiB, the rest takes a DSI); dbat1l,
 * when not 0, maps EA 0x20000..0x40000 with DBAT1 */
static CpuEnv *grp_env(int engine, const uint32_t *code, uint32_t dst, uint32_t src, uint32_t ctr,
                       uint32_t dbat1l)
{
    CpuEnv *e = cache_env(engine, 0x3000, code, 12);
    if (dbat1l) {
        e->cpu.dbat[2] = 0x00020002u; /* DBAT1U: BEPI 0x20000, 128 KiB, Vs */
        e->cpu.dbat[3] = dbat1l;
    }
    e->cpu.gpr[3] = dst;
    e->cpu.gpr[4] = src;
    e->cpu.ctr = ctr;
    for (uint32_t pa = src - 0x400; pa < src + 0x400; pa += 4)
        cpuenv_write32(e, pa, 0x11000000u | pa); /* the word at PA x: 0x11000000 | x */
    return e;
}

/* both engines' states and the destination's words equal */
static void grp_same(CpuEnv *a, CpuEnv *b, uint32_t dst, const char *what)
{
    same_exc_state(a, b, what);
    ck_assert_msg(a->cpu.gpr[9] == b->cpu.gpr[9] && a->cpu.lr == b->cpu.lr, "%s: r9/lr", what);
    for (uint32_t pa = dst - 0x40; pa < dst + 0x300; pa += 4)
        ck_assert_msg(cpuenv_read32(a, pa) == cpuenv_read32(b, pa), "%s: memory at %x", what, pa);
}

/* Run a (the interpreter) and b (the JIT) by budgets of k (0: one run
 * to the end) until a parks on the end or the DSI vector, comparing every
 * stop (dst: the destination's PA) */
static void grp_runs(CpuEnv *a, CpuEnv *b, uint32_t dst, unsigned k)
{
    char what[48];
    snprintf(what, sizeof what, "budget %u", k);
    for (unsigned n = 0; a->cpu.pc != GRP_END && a->cpu.pc != 0x300; n++) {
        ck_assert_uint_lt(n, 100000);
        ck_assert_int_eq(ppc_run(&a->cpu, k ? k : 100000), ppc_run(&b->cpu, k ? k : 100000));
        grp_same(a, b, dst, what);
    }
}

/* Both engines from grp_env's machine, compared at every stop (grp_runs) */
static void grp_sweep(const uint32_t *code, uint32_t dst, uint32_t src, uint32_t ctr, uint32_t dbat1l,
                      unsigned k, CpuEnv **ia, CpuEnv **ib)
{
    *ia = grp_env(PPC_ENGINE_INTERP, code, dst, src, ctr, dbat1l);
    *ib = grp_env(PPC_ENGINE_JIT, code, dst, src, ctr, dbat1l);
    grp_runs(*ia, *ib, dst, k);
}

/* A load group's last pass crosses from DBAT0's last page into unmapped
 * EAs: the first two loads of the pass are done, the third takes the DSI
 * (DAR 0x20000, SRR0 the third load), the instruction count the
 * interpreter's at every stop, for the three loop forms, at every budget */
START_TEST(grp_load_crosses_into_unmapped)
{
    for (unsigned k = 0; k <= 23; k++) {
        CpuEnv *a, *b;
        /* pass 20: the loads at 0x1FFF8, 0x1FFFC, 0x20000 */
        grp_sweep(grp_copy_addi, 0x8000, MAPPED_END - 16 * 20 - 8, 40, 0, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, 0x300);
        ck_assert_uint_eq(a->cpu.srr0, 0x3018);
        ck_assert_uint_eq(a->cpu.dar, MAPPED_END);
        ck_assert_uint_eq(a->cpu.dsisr, DSISR_NOTRANS);
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 20 + 4), 0x1101FFFCu);
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 20 + 8), 0);
        cpuenv_free(a);
        cpuenv_free(b);
        /* the update form: r4 + 4, 8, 12 -> 0x1FFF8, 0x1FFFC, 0x20000 */
        grp_sweep(grp_copy_upd, 0x8000, MAPPED_END - 16 * 20 - 12, 40, 0, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, 0x300);
        ck_assert_uint_eq(a->cpu.srr0, 0x3008);
        ck_assert_uint_eq(a->cpu.dar, MAPPED_END);
        cpuenv_free(a);
        cpuenv_free(b);
        /* pass 20: r4 + 4 (lwzu), then + 4 and + 8 -> 0x1FFF8 ... 0x20000 */
        grp_sweep(grp_copy_upd_first, 0x8000, MAPPED_END - 12 * 20 - 12, 40, 0, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, 0x300);
        ck_assert_uint_eq(a->cpu.srr0, 0x3008);
        ck_assert_uint_eq(a->cpu.dar, MAPPED_END);
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* A store group's last pass crosses from a read/write page into a
 * read-only one (DBAT1: EA 0x20000 -> PA 0x20000, PP 01): the first two
 * stores are done, the third takes the DSI as a protection violation */
START_TEST(grp_store_crosses_into_readonly)
{
    for (unsigned k = 0; k <= 23; k += 23) {
        CpuEnv *a, *b;
        grp_sweep(grp_copy_addi, MAPPED_END - 16 * 20 - 8, 0x8000, 40, 0x00020001u, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, 0x300);
        ck_assert_uint_eq(a->cpu.srr0, 0x301C);
        ck_assert_uint_eq(a->cpu.dar, MAPPED_END);
        ck_assert_uint_eq(a->cpu.dsisr, DSISR_PROT | DSISR_STORE);
        ck_assert_uint_eq(cpuenv_read32(b, MAPPED_END - 4), 0x11008144u); /* from 0x8000 + 324 */
        ck_assert_uint_eq(cpuenv_read32(b, MAPPED_END), 0);
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* Groups whose pages cross inside mapped RAM every 256 bytes (source and
 * destination 8 bytes off a 16-byte boundary): those passes run the slow
 * version and join the fast one again; stopped at every budget 1-30 */
START_TEST(grp_slow_version_at_every_budget)
{
    for (unsigned k = 1; k <= 30; k++) {
        CpuEnv *a, *b;
        grp_sweep(grp_copy_addi, 0x9000 - 40, 0x7000 - 72, 12, 0, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, GRP_END);
        ck_assert_uint_eq(cpuenv_read32(b, 0x9000 - 40 + 4 * 47), 0x11000000u | (0x7000 - 72 + 4 * 47));
        cpuenv_free(a);
        cpuenv_free(b);
        grp_sweep(grp_copy_upd, 0x9000 - 36, 0x7000 - 76, 12, 0, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, GRP_END);
        ck_assert_uint_eq(cpuenv_read32(b, 0x9000 - 36 + 4 + 4 * 47), 0x11000000u | (0x7000 - 72 + 4 * 47));
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* A store group into a page that holds translated code (0x5000): the
 * copied code runs (bl 0x5000 after the loop), then the loop copies other
 * code over it: the second call must run the new code, so the group's
 * stores may not take the fast path there (no write tag: cpu/mmu.c)
 *   0x3028: bl 0x5000 ; b .       source 0x6000: addi r20,r20,N ; blr */
START_TEST(grp_store_into_code_page)
{
    CpuEnv *e[2] = { NULL, NULL };
    for (int k = 0; k < 2; k++) {
        e[k] = grp_env(k ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP, grp_copy_addi, 0x5000, 0x6000, 2, 0);
        uint32_t call[] = { B(0x5000 - 0x3028) | 1, B(0) };
        cpuenv_put_code(e[k], 0x3028, call, 2);
        for (int run = 0; run < 2; run++) {
            PPCState *s = &e[k]->cpu;
            cpuenv_write32(e[k], 0x6000, D(14, 20, 20, run ? 100 : 1));
            cpuenv_write32(e[k], 0x6004, BLR);
            s->gpr[3] = 0x5000;
            s->gpr[4] = 0x6000;
            s->ctr = 2;
            s->pc = 0x3000;
            ck_assert_int_eq(ppc_run(s, 2 * 10 + 1 + 2 + 5), PPC_RUN_BUDGET);
            ck_assert_uint_eq(s->pc, 0x302C);
        }
        ck_assert_msg(e[k]->cpu.gpr[20] == 0x14007 + 101, "engine %d: r20 %x", k, e[k]->cpu.gpr[20]);
    }
    grp_same(e[0], e[1], 0x5000, "code page");
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* DBAT1 remapped between passes (mtspr ends the block: the loop is two
 * chained blocks, the load group's slot refilled after the handler): the
 * loads off EA 0x20000 read PA 0x40000 and PA 0x60000 in turns
 *   0x3000: lwz r5,0(r4) ; lwz r6,4(r4) ; lwz r7,8(r4) ; add r20,r20,r5 ;
 *           add r20,r20,r6 ; add r20,r20,r7 ; mtspr DBAT1L,r8 ;
 *           xor r8,r8,r10 ; bdnz 0x3000 ; b . */
START_TEST(grp_dbat_between_passes)
{
    uint32_t code[] = { D(32, 5, 4, 0),    D(32, 6, 4, 4),   D(32, 7, 4, 8),  X(266, 20, 20, 5),
                        X(266, 20, 20, 6), X(266, 20, 20, 7), X(467, 8, 27, 16), X(316, 8, 8, 10),
                        BC(16, 0, -32),    B(0),              B(0),            B(0) };
    CpuEnv *e[2];
    for (int k = 0; k < 2; k++) {
        e[k] = grp_env(k ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP, code, 0x8000, 0x20000, 10, 0x00040002u);
        PPCState *s = &e[k]->cpu;
        for (uint32_t w = 0; w < 3; w++) {
            cpuenv_write32(e[k], 0x40000 + 4 * w, 1u << w);
            cpuenv_write32(e[k], 0x60000 + 4 * w, 0x100u << w);
        }
        s->gpr[8] = 0x00060002u;
        s->gpr[10] = 0x00060002u ^ 0x00040002u;
        s->gpr[20] = 0;
        ck_assert_int_eq(ppc_run(s, 10 * 9 + 1), PPC_RUN_BUDGET);
        ck_assert_uint_eq(s->pc, 0x3000 + 9 * 4);
        ck_assert_msg(s->gpr[20] == 5 * 7 + 5 * 0x700, "engine %d: r20 %x", k, s->gpr[20]);
    }
    grp_same(e[0], e[1], 0x8000, "DBAT1 remap");
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* Loads and stores off r1 use page slots of their own with the addends in
 * the frame (cpu/jit.c SLOT_R1_LOAD): a remap of r1's page (mtspr
 * DBAT0L) between two loads off r1 must make the load after it see the
 * new mapping, as the store after it (each first access refills the soft
 * TLB in C, the second fills the slot).  mtspr ends its block, so the
 * load after it is in a block entered from the run loop: a missing
 * invalidation of the r1 slots after a handler call is not caught here
 * (the frame is a new one), their use of the frame's addend is
 *   0x3000: lwz r3,0(r1) ; lwz r3,0(r1) ; stw r3,8(r1) ; stw r3,8(r1) ;
 *           mtspr DBAT0L,r9 ; lwz r5,0(r1) ; stw r5,4(r1) ; b . */
START_TEST(r1_slots_after_remap)
{
    uint32_t code[] = { D(32, 3, 1, 0),    D(32, 3, 1, 0), D(36, 3, 1, 8), D(36, 3, 1, 8),
                        X(467, 9, 25, 16), D(32, 5, 1, 0), D(36, 5, 1, 4), B(0) };
    CpuEnv *e[2] = { cache_env(PPC_ENGINE_INTERP, 0x3000, code, 8),
                     cache_env(PPC_ENGINE_JIT, 0x3000, code, 8) };
    for (int run = 0; run < 2; run++) {
        for (int k = 0; k < 2; k++) {
            PPCState *s = &e[k]->cpu;
            s->pc = 0x3000;
            s->dbat[1] = 0x00000002u; /* DBAT0L: BRPN 0 */
            ppc_tlb_flush(s);
            s->gpr[1] = DATA;
            s->gpr[9] = 0x00020002u; /* DBAT0L: BRPN 0x20000 */
            cpuenv_write32(e[k], DATA, 111 + run);
            cpuenv_write32(e[k], 0x20000 + DATA, 222 + run);
            ck_assert_int_eq(ppc_run(s, 8), PPC_RUN_BUDGET);
            ck_assert_uint_eq(s->gpr[3], 111 + run);
            ck_assert_uint_eq(s->gpr[5], 222 + run);
            ck_assert_uint_eq(cpuenv_read32(e[k], DATA + 8), 111 + run);
            ck_assert_uint_eq(cpuenv_read32(e[k], 0x20000 + DATA + 4), 222 + run);
        }
        same_exc_state(e[0], e[1], "r1 slots");
    }
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* ---- a compare's CR field written by the branch after it
 * (cpu/jit.c crf_lazy_ok, gen_crf_lazy_path) ---- */

#define XL(xo, bt, ba, bb) ((19u << 26) | ((bt) << 21) | ((ba) << 16) | ((bb) << 11) | ((xo) << 1))

/* 0x3000: CMP ; BR (taken: 0x3014) ; R1 ; li r20,1 ; b . ;
 * 0x3014: R2 ; li r20,2 ; b .
 * under both engines (cache_env: a load off r23 = UNMAPPED takes a DSI)
 * from the same registers, stopped after 'budget' instructions: every
 * architected register equal, so the field is the interpreter's at the
 * exit of the compare's block (budget 2), at the reader or the fault
 * that follows it on either way (more) */
static void lazy_run(CpuEnv *x, CpuEnv *y, const uint32_t *code, uint32_t a, uint32_t b, uint32_t xer,
                     uint32_t ctr, unsigned budget, const char *what)
{
    CpuEnv *e[2] = { x, y };
    int r[2];
    for (int k = 0; k < 2; k++) {
        PPCState *s = &e[k]->cpu;
        cpuenv_put_code(e[k], 0x3000, code, 8);
        ppc_set_msr(s, MSR_FP | MSR_DR);
        s->gpr[3] = a;
        s->gpr[4] = b;
        s->gpr[20] = s->gpr[21] = s->gpr[22] = 0;
        s->gpr[23] = UNMAPPED;
        s->xer = xer;
        s->cr = 0x5A5A5A5Au;
        s->ctr = ctr;
        s->lr = 0x3014;
        s->pc = 0x3000;
        r[k] = ppc_run(s, budget);
    }
    ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
    same_exc_state(x, y, what);
    ck_assert_msg(x->cpu.lr == y->cpu.lr && x->cpu.xer == y->cpu.xer, "%s: lr/xer", what);
}

/* Every compare form gen_alu fuses (cmpwi, cmplwi, cmpw, cmplw, andi.,
 * add.) into CR0 and CR5, then a branch on each bit of the field (and on
 * SO, and on a bit of another field: not deferred) in every form: bc, bca
 * (absolute), bclr, bcctr, and a bclr with a reserved bit set that only
 * its handler takes; branch if true, if false, always, and with CTR
 * counted (no deferral: the flags are gone), CTR running out or not; values that order
 * differently signed and unsigned; XER[SO] set and clear.  The way out
 * reads CR with mfcr, crxor (templates) or faults (the DSI handler). */
START_TEST(lazy_crf_exits)
{
    CpuEnv *x = cache_env(PPC_ENGINE_INTERP, 0x3000, (uint32_t[]){ B(0) }, 1);
    CpuEnv *y = cache_env(PPC_ENGINE_JIT, 0x3000, (uint32_t[]){ B(0) }, 1);
    static const uint32_t va[] = { 1, 2, 5, 0x80000000u, 1, 0 };
    static const uint32_t vb[] = { 2, 1, 5, 1, 0xFFFFFFFFu, 0 };
    static const unsigned bos[] = { 12, 4, 20, 0 };
    const uint32_t mfcr = X(19, 21, 0, 0), lwz = D(32, 22, 23, 0);
    unsigned runs = 0, taken = 0;
    for (unsigned crf = 0; crf < 8; crf += 5)
        for (unsigned kind = 0; kind < 6; kind++)
            for (unsigned bi = 0; bi < 5; bi++)
                for (unsigned form = 0; form < 5; form++)
                    for (unsigned ib = 0; ib < 4; ib++)
                        for (unsigned iv = 0; iv < 6; iv++) {
                            uint32_t imm = vb[iv] & 0xFFFF, cmp;
                            unsigned f = kind >= 4 ? 0 : crf; /* andi., add.: CR0 */
                            switch (kind) {
                            case 0: cmp = D(11, f << 2, 3, imm); break;  /* cmpwi */
                            case 1: cmp = D(10, f << 2, 3, imm); break;  /* cmplwi */
                            case 2: cmp = X(0, f << 2, 3, 4); break;     /* cmpw */
                            case 3: cmp = X(32, f << 2, 3, 4); break;    /* cmplw */
                            case 4: cmp = D(28, 3, 5, imm); break;       /* andi. r5,r3 */
                            default: cmp = X(266, 5, 3, 4) | 1; break;   /* add. r5,r3,r4 */
                            }
                            unsigned bit = bi < 4 ? 4 * f + bi : 4 * ((f + 1) & 7); /* bi 4: another field */
                            unsigned bo = bos[ib];
                            uint32_t br;
                            switch (form) {
                            case 0: br = BC(bo, bit, 0x10); break;
                            case 1: br = BC(bo, bit, 0x3014) | 2; break;       /* bca */
                            case 2: br = XL(16, bo, bit, 0); break;   /* bclr */
                            case 3: br = XL(528, bo, bit, 0); break;  /* bcctr */
                            default: br = XL(16, bo, bit, 1); break;  /* bclr, reserved rB = 1 */
                            }
                            uint32_t crxor = XL(193, 31, bit, 4 * f + 2);
                            uint32_t r1 = (iv + form) % 3 == 0 ? lwz : (iv + form) % 3 == 1 ? mfcr : crxor;
                            uint32_t r2 = r1 == lwz ? mfcr : lwz;
                            uint32_t code[8] = { cmp, br, r1, D(14, 20, 0, 1), B(0), r2, D(14, 20, 0, 2), B(0) };
                            for (unsigned budget = 1; budget <= 5; budget += (budget == 2 ? 3 : 1)) {
                                char what[96];
                                snprintf(what, sizeof what, "%08x; %08x; %08x a=%08x b=%08x so=%u budget %u", cmp,
                                         br, r1, va[iv], vb[iv], (iv ^ ib) & 1, budget);
                                /* bc and bca also with CTR running out (1) */
                                uint32_t ctr = form < 2 && (iv & 1) ? 1 : 0x3014;
                                lazy_run(x, y, code, va[iv], vb[iv], ((iv ^ ib) & 1) ? XER_SO : 0, ctr, budget, what);
                                runs++;
                                taken += budget == 5 && x->cpu.gpr[20] == 2;
                            }
                        }
    ck_assert_uint_gt(taken, 0); /* both ways were taken */
    ck_assert_uint_lt(taken, runs / 3);
    cpuenv_free(x);
    cpuenv_free(y);
}
END_TEST

/* The "a handler ran" flag (bit 63 of r12, cpu/jit.c gen_prologue): a
 * handler that changes the fetch translation without ending its block
 * (mtsr) sends the next chain through the full checks, whose fetch check
 * leaves to the run loop, which fetches the target from the new mapping.
 * Instruction translation by the page table (SDR1 0x100000, HTABMASK 0):
 * EA 0x10005000 is PA 0x345000 under VSID 0x123 (PTEG 0x104980) and PA
 * 0x346000 under VSID 0x456 (hash 0x453, PTEG 0x1014C0).
 *   PA 0x345000: b +4 ; mtsr 1,r5 ; b +12 ; nop ; nop ; li r3,1 ; b .
 *   PA 0x346014:                                        li r3,2 ; b .
 * The first chain (from the run loop's entry) makes the full checks and
 * clears the flag, so only mtsr's call sets it again; the branch to EA
 * 0x10005014 is a chain within PA page 0x345000, linked by a first run
 * with r5 = 0x123 (no change); in the second, r5 = 0x456: taken without
 * the full checks, the chain would run li r3,1 */
static CpuEnv *flag_env(int engine)
{
    CpuEnv *e = cpuenv_new(16);
    ck_assert_int_eq(ppc_set_engine(&e->cpu, engine), 0);
    uint32_t old[] = { B(4), X(210, 5, 1, 0), B(12), D(24, 0, 0, 0), D(24, 0, 0, 0), D(14, 3, 0, 1), B(0) };
    uint32_t neu[] = { D(14, 3, 0, 2), B(0) }, park = B(0);
    cpuenv_put_code(e, 0x345000, old, 7);
    cpuenv_put_code(e, 0x346014, neu, 2);
    cpuenv_put_code(e, 0x400, &park, 1); /* ISI */
    cpuenv_write32(e, 0x104980, 0x80009180u); /* V, VSID 0x123, API 0 */
    cpuenv_write32(e, 0x104984, 0x00345002u); /* RPN 0x345, PP 10 */
    cpuenv_write32(e, 0x1014C0, 0x80022B00u); /* V, VSID 0x456, API 0 */
    cpuenv_write32(e, 0x1014C4, 0x00346002u);
    e->cpu.sdr1 = 0x00100000u;
    e->cpu.sr[1] = 0x123;
    ppc_set_msr(&e->cpu, MSR_FP | MSR_IR);
    e->cpu.pc = 0x10005000u;
    return e;
}

START_TEST(flag_fetch_remap_by_handler)
{
    for (unsigned budget = 1; budget <= 8; budget++) {
        CpuEnv *a = flag_env(PPC_ENGINE_INTERP), *b = flag_env(PPC_ENGINE_JIT);
        /* the first run links the chain, the second remaps */
        for (int run = 0; run < 2; run++) {
            for (int k = 0; k < 2; k++) {
                CpuEnv *x = k ? b : a;
                x->cpu.sr[1] = 0x123;
                ppc_tlb_flush(&x->cpu);
                x->cpu.pc = 0x10005000u;
                x->cpu.gpr[3] = 0;
                x->cpu.gpr[5] = run ? 0x456 : 0x123;
            }
            char what[48];
            snprintf(what, sizeof what, "budget %u, run %d", budget, run);
            unsigned k = run ? budget : 100;
            ck_assert_int_eq(ppc_run(&a->cpu, k), ppc_run(&b->cpu, k));
            same_exc_state(a, b, what);
            if (k >= 6) /* the interpreter's, checked above */
                ck_assert_uint_eq(a->cpu.gpr[3], run ? 2 : 1);
        }
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* ---- ALU templates straight on the GPR cache's host registers and on
 * PPCState (cpu/jit.c gen_alu_direct_mem, gen_rlwinm, mullw) ---- */

static void direct_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    for (unsigned r = 3; r <= 17; r++)
        e->cpu.gpr[r] = 0x01010101u * r ^ (0x80000000u >> r) ^ 0x00F0F00Fu;
    e->cpu.ctr = 4;
}

/* Run code (n ops, at 0x3000) from distinct GPRs and CTR = 4 at every
 * budget up to max under both engines: the same state */
static void direct_sweep(const uint32_t *code, unsigned n, unsigned max, const char *name)
{
    for (unsigned k = 0; k <= max; k++) {
        CpuEnv *e[2];
        pair_run(e, code, n, direct_setup, NULL, k, "%s budget %u", name, k);
        pair_free(e);
    }
}

/* mullw into its first operand, its second (commuted) and a third GPR;
 * slwi and srwi (one shift), a general rlwinm, a rotation alone; ori,
 * xoris; mr, add, subf, and, xor into GPRs without a host register (in
 * a loop, where r3-r7 and r9 get one: the rest stay in PPCState), as one
 * op on memory where rD is an operand (subf r13 its minuend) but not for
 * subf r14,r14,r6 (rD the subtrahend: not in place) or and r15,r8,r15
 * (the other operand not in a register); once as a loop of four passes,
 * once as a straight block
 *   0x3000: mullw r3,r3,r4 ; mullw r5,r4,r5 ; mullw r6,r3,r4 ;
 *           slwi r7,r3,2 ; srwi r8,r5,4 ; rlwinm r6,r6,5,3,20 ;
 *           rotlwi r4,r4,13 ; ori r9,r3,0x1234 ; xoris r3,r3,0x8001 ;
 *           mr r11,r7 ; add r12,r12,r3 ; subf r13,r5,r13 ;
 *           subf r14,r14,r6 ; and r15,r8,r15 ; xor r16,r16,r4 ;
 *           add r17,r3,r17 ; bdnz 0x3000 ; b . */
START_TEST(direct_alu_forms)
{
    uint32_t code[] = { X(235, 3, 3, 4),       X(235, 5, 4, 5),        X(235, 6, 3, 4),
                        RLWINM(7, 3, 2, 0, 29), RLWINM(8, 5, 28, 4, 31), RLWINM(6, 6, 5, 3, 20),
                        RLWINM(4, 4, 13, 0, 31), D(24, 3, 9, 0x1234),   D(27, 3, 3, 0x8001),
                        X(444, 7, 11, 7),      X(266, 12, 12, 3),      X(40, 13, 5, 13),
                        X(40, 14, 14, 6),      X(28, 8, 15, 15),       X(316, 16, 16, 4),
                        X(266, 17, 3, 17),     BC(16, 0, -16 * 4),     B(0) };
    direct_sweep(code, 18, 16 * 4 + 2, "loop");
    uint32_t straight[17];
    memcpy(straight, code, 16 * sizeof code[0]);
    straight[16] = B(0);
    direct_sweep(straight, 17, 17, "straight");
}
END_TEST

/* mtlr/mflr/mfctr from and into GPRs with and without a host register
 * (cached ones straight from/into it), in a loop and a straight block
 *   0x3000: add r3,r3,r4 ; mtlr r3 ; mflr r5 ; add r5,r5,r3 ; mtlr r20 ;
 *           mflr r21 ; mfctr r6 ; add r6,r6,r5 ; add r4,r4,r6 ; mflr r22 ;
 *           add r23,r22,r3 ; bdnz 0x3000 ; b . */
START_TEST(direct_lr_ctr_moves)
{
    uint32_t code[] = { X(266, 3, 3, 4),  X(467, 3, 8, 0),   X(339, 5, 8, 0),  X(266, 5, 5, 3),
                        X(467, 20, 8, 0), X(339, 21, 8, 0),  X(339, 6, 9, 0),  X(266, 6, 6, 5),
                        X(266, 4, 4, 6),  X(339, 22, 8, 0),  X(266, 23, 22, 3), BC(16, 0, -11 * 4),
                        B(0) };
    direct_sweep(code, 13, 11 * 4 + 2, "loop");
    code[11] = B(0);
    direct_sweep(code, 12, 12, "straight");
}
END_TEST

static void indexed_ea_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    PPCState *c = &e->cpu;
    c->gpr[3] = DATA;
    c->gpr[6] = DATA + 0x40;
    c->gpr[4] = 0;
    c->gpr[7] = 0x80;
    c->ctr = 4;
    for (uint32_t a = 0; a < 0x100; a += 4)
        cpuenv_write32(e, DATA + a, 0x9E3779B9u * (a + 1));
}

/* Indexed loads and stores whose base and index both have host
 * registers take the EA in one lea: in the loop r4 (the most used GPR)
 * is in rbp and r6 (the sixth) in r13, the two bases an lea must encode
 * with a displacement; r4 also as the index of lbzx
 *   0x3000: lwzx r5,r3,r4 ; stwx r5,r3,r7 ; lbzx r10,r4,r3 ;
 *           add r9,r9,r10 ; lwzx r12,r6,r4 ; stwx r12,r6,r7 ; addi r4,r4,4 ;
 *           addi r7,r7,8 ; lhzx r11,r3,r7 ; add r9,r9,r11 ; bdnz 0x3000 ;
 *           b . */
START_TEST(direct_indexed_ea)
{
    uint32_t code[] = { X(23, 5, 3, 4),   X(151, 5, 3, 7),  X(87, 10, 4, 3), X(266, 9, 9, 10),
                        X(23, 12, 6, 4),  X(151, 12, 6, 7), D(14, 4, 4, 4),  D(14, 7, 7, 8),
                        X(279, 11, 3, 7), X(266, 9, 9, 11), BC(16, 0, -10 * 4), B(0) };
    for (int loop = 1; loop >= 0; loop--) {
        unsigned n = loop ? 12 : 11, max = loop ? 10 * 4 + 2 : 11;
        if (!loop)
            code[10] = B(0);
        for (unsigned k = 0; k <= max; k++) {
            CpuEnv *e[2];
            pair_run(e, code, n, indexed_ea_setup, NULL, k, "%s budget %u", loop ? "loop" : "straight",
                     k);
            pair_free(e);
        }
    }
}
END_TEST

static void loads_addi_setup(CpuEnv *e, const void *arg)
{
    (void)arg;
    PPCState *c = &e->cpu;
    c->gpr[7] = DATA;
    c->gpr[28] = DATA + 4;
    cpuenv_write32(e, DATA, 0x8123F456u);
    cpuenv_write32(e, DATA + 4, 0x89ABCDEFu);
}

/* Loads into GPRs without a host register go straight to eax (not
 * through edx) and addi into such a GPR from itself is one add on
 * memory: a straight block at every budget, each GPR named once or so
 * (left in PPCState), data with the sign bits set
 *   0x3000: lwz r20,0(r7) ; add r21,r20,r22 ; lha r23,2(r7) ;
 *           lbz r24,1(r7) ; lhz r25,6(r7) ; addi r26,r26,-5 ;
 *           lwz r27,4(r7) ; addi r27,r27,0x1234 ; lwz r28,0(r28) ;
 *           addi r30,r30,0 ; lha r31,4(r7) ; addi r29,r29,0x7FFF ;
 *           lbzu r9,3(r7) ; addi r19,r18,100 ; b . */
START_TEST(direct_loads_and_addi)
{
    uint32_t code[] = { D(32, 20, 7, 0), X(266, 21, 20, 22), D(42, 23, 7, 2),  D(34, 24, 7, 1),
                        D(40, 25, 7, 6), D(14, 26, 26, -5),  D(32, 27, 7, 4),  D(14, 27, 27, 0x1234),
                        D(32, 28, 28, 0), D(14, 30, 30, 0),  D(42, 31, 7, 4),  D(14, 29, 29, 0x7FFF),
                        D(35, 9, 7, 3),  D(14, 19, 18, 100), B(0) };
    for (unsigned k = 0; k <= 15; k++) {
        CpuEnv *e[2];
        pair_run(e, code, 15, loads_addi_setup, NULL, k, "budget %u", k);
        pair_free(e);
    }
}
END_TEST

/* ---- XER[CA] kept in the frame across a run of carrying ops
 * (cpu/jit.c ca_keep, gen_ca_out, gen_ca_cold) ---- */

static void ca_frame_runs_setup(CpuEnv *e, const void *variant)
{
    static const uint32_t r9s[] = { 5, 3, 0xFFFFFFFFu };
    static const uint32_t r7s[] = { DATA, 0x40000u };
    unsigned v = *(const unsigned *)variant;
    PPCState *c = &e->cpu;
    c->xer = (v & 1) ? XER_CA | 0x5 : 0x5;
    c->gpr[9] = r9s[(v >> 1) % 3];
    c->gpr[10] = 4;
    c->gpr[4] = 0x80000000u;
    c->gpr[5] = (v & 1) ? 0x80000000u : 0x7FFFFFFFu;
    c->gpr[7] = r7s[v / 6];
    c->gpr[13] = 0xFFFFFFFFu;
    cpuenv_write32(e, DATA, 0x11223344u);
}

/* A run of carrying ops with loads between (their TLB-miss stubs call
 * the handler while CA is in the frame), mfxer (a handler: the run ends
 * before it) and a store, at every budget, from XER[CA] clear and set,
 * operands giving a carry and none, and r7 mapped or not (a DSI on the
 * first load, right after subfc left its CA in the frame): the same
 * GPRs, XER and exception state as the interpreter
 *   0x3000: subfc r6,r10,r9 ; lwz r8,0(r7) ; subfe r3,r3,r3 ;
 *           subfc r9,r9,r10 ; lwz r11,4(r7) ; addi r8,r8,1 ; subfze r3,r3 ;
 *           addc r4,r4,r5 ; adde r5,r5,r6 ; mfxer r12 ; addze r13,r13 ;
 *           stw r13,8(r7) ; addme r14,r14 ; b . */
START_TEST(ca_frame_runs)
{
    uint32_t code[] = { X(8, 6, 10, 9),   D(32, 8, 7, 0),   X(136, 3, 3, 3),  X(8, 9, 9, 10),
                        D(32, 11, 7, 4),  D(14, 8, 8, 1),   X(200, 3, 3, 0),  X(10, 4, 4, 5),
                        X(138, 5, 5, 6),  X(339, 12, 1, 0), X(202, 13, 13, 0), D(36, 13, 7, 8),
                        X(234, 14, 14, 0), B(0) };
    for (unsigned v = 0; v < 2 * 3 * 2; v++) {
        for (unsigned k = 0; k <= 15; k++) {
            CpuEnv *e[2];
            char what[48];
            snprintf(what, sizeof what, "variant %u budget %u", v, k);
            pair_run(e, code, 14, ca_frame_runs_setup, &v, k, "%s", what);
            ck_assert_msg(e[0]->cpu.xer == e[1]->cpu.xer, "%s: xer %08x (interp) vs %08x (jit)", what,
                          e[0]->cpu.xer, e[1]->cpu.xer);
            pair_free(e);
        }
    }
}
END_TEST

static void subfe_idiom_setup(CpuEnv *e, const void *variant)
{
    static const uint32_t r9s[] = { 5, 3, 4 };
    unsigned v = *(const unsigned *)variant;
    PPCState *c = &e->cpu;
    c->xer = (v & 1) ? XER_CA : 0;
    c->gpr[9] = r9s[v >> 1];
    c->gpr[10] = 4;
    c->gpr[7] = DATA;
}

/* subfe rD,rA,rA (CA - 1, CA kept): alone from both CA settings, with
 * and without Rc; after subfc left CA in the frame and the run ending at
 * it (mfxer next: the frame merged into XER there), and in a run going on
 * (subfze after it)
 *   0x3000: subfc r6,r10,r9 ; addi r8,r8,1 ; subfe r3,r3,r3 ; mfxer r12 ;
 *           subfc r6,r9,r10 ; subfe. r4,r4,r4 ; subfze r5,r5 ; b . */
START_TEST(ca_frame_subfe_idiom)
{
    CpuEnv *x = env(PPC_ENGINE_INTERP), *y = env(PPC_ENGINE_JIT);
    static const uint32_t xers[] = { 0, XER_CA, XER_CA | XER_SO | XER_OV, XER_SO };
    for (unsigned rc = 0; rc < 2; rc++)
        for (unsigned ia = 0; ia < N_EDGE; ia += 5)
            for (unsigned t = 0; t < 4; t++) {
                one_insn(x, y, X(136, 5, 3, 3) | rc, edge[ia], 0, xers[t], 0x24680ACEu);
                one_insn(x, y, X(136, 3, 3, 3) | rc, edge[ia], 0, xers[t], 0x24680ACEu);
            }
    cpuenv_free(x);
    cpuenv_free(y);
    uint32_t code[] = { X(8, 6, 10, 9),  D(14, 8, 8, 1),       X(136, 3, 3, 3), X(339, 12, 1, 0),
                        X(8, 6, 9, 10),  X(136, 4, 4, 4) | 1u, X(200, 5, 5, 0), B(0) };
    for (unsigned v = 0; v < 2 * 3; v++) {
        for (unsigned k = 0; k <= 8; k++) {
            CpuEnv *e[2];
            char what[48];
            snprintf(what, sizeof what, "variant %u budget %u", v, k);
            pair_run(e, code, 8, subfe_idiom_setup, &v, k, "%s", what);
            ck_assert_msg(e[0]->cpu.xer == e[1]->cpu.xer, "%s: xer %08x (interp) vs %08x (jit)", what,
                          e[0]->cpu.xer, e[1]->cpu.xer);
            pair_free(e);
        }
    }
}
END_TEST

/* ---- block exits: the count that chains and jump-cache exits keep ---- */

/* Chains (b, bl, bdnz back to a block that is not the chaining one),
 * some from blocks without a handler call, so that they take their fast
 * paths once linked, and a jump-cache exit (blr) from a block whose
 * device write set the flag "a handler ran": the count each leaves in
 * s->icount is what a handler of the next block reads (ppc_icount_now:
 * the device write's mmio_icount) and what the run loop goes on from, at
 * every budget (one ends right after the blr's block, with the flag set)
 * and with the device asking to leave.  The program ends in an illegal
 * instruction (its program exception ends every run, before the budget:
 * a run that misses the end of its budget in generated code comes back)
 *   0x3000: stw r3,0(r9) ; addi r3,r3,1 ; b 0x3010 ; nop
 *   0x3010: addi r5,r5,2 ; bl 0x3020 ; bdnz 0x3000 ; .long 0
 *   0x3020: addi r4,r4,1 ; stw r4,12(r9) ; blr */
START_TEST(exit_count_at_device_writes)
{
    uint32_t code[] = { D(36, 3, 9, 0), D(14, 3, 3, 1), B(8), D(24, 0, 0, 0),
                        D(14, 5, 5, 2), B(0xC) | 1, BC(16, 0, -0x18), 0,
                        D(14, 4, 4, 1), D(36, 4, 9, 12), XL(16, 20, 0, 0) };
    const unsigned passes = 6, pass_n = 9;
    for (unsigned stop = 0; stop <= 5; stop += 5) {
        for (unsigned k = 0; k < passes * pass_n + 4; k++) {
            RecDev d[2];
            CpuEnv *e[2] = { rec_env(PPC_ENGINE_INTERP, &d[0], code, 11),
                             rec_env(PPC_ENGINE_JIT, &d[1], code, 11) };
            int r[2];
            for (int i = 0; i < 2; i++) {
                d[i].stop_at = stop;
                e[i]->cpu.ctr = passes;
                r[i] = ppc_run(&e[i]->cpu, k);
            }
            char what[64];
            snprintf(what, sizeof what, "device stop %u, budget %u", stop, k);
            ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
            same_exc_state(e[0], e[1], what);
            same_rec(&d[0], &d[1], what);
            /* the interpreter's: two writes a pass, its first op and
             * its seventh */
            for (unsigned i = 0; i < d[0].n; i++)
                ck_assert_uint_eq(d[0].mmio_icount[i], pass_n * (i / 2) + (i % 2 ? 6 : 0));
            cpuenv_free(e[0]);
            cpuenv_free(e[1]);
        }
    }
}
END_TEST

/* The budget left that chains and jump-cache exits keep in r12: a loop
 * leaving into a chain (b after bdnz falls through), a bl chain and a blr
 * through the jump cache into an illegal instruction (whose program
 * exception ends the run: a run that misses the end of its budget in
 * generated code comes back); run four times from the start (ctr 5
 * again) in the same CPU, first to the end, so that the later runs, each
 * with the budget, find the chain sites linked and the jump cache
 * filled.  At every budget each run stops at the interpreter's count, pc
 * and GPRs
 *   0x3000: addi r3,r3,1 ; addi r4,r4,2 ; bdnz 0x3000
 *   0x300C: addi r5,r5,1 ; bl 0x3020 ; .long 0
 *   0x3020: addi r6,r6,1 ; blr */
START_TEST(exit_budget_left_after_loop)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(14, 4, 4, 2), BC(16, 0, -8), D(14, 5, 5, 1),
                        B(0x10) | 1, 0, D(24, 0, 0, 0), D(24, 0, 0, 0),
                        D(14, 6, 6, 1), XL(16, 20, 0, 0) };
    for (unsigned k = 0; k < 3 * 5 + 2 + 2 + 6; k++) {
        CpuEnv *e[2];
        for (int i = 0; i < 2; i++) {
            e[i] = cpuenv_new(1);
            ck_assert_int_eq(ppc_set_engine(&e[i]->cpu, i ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP), 0);
            cpuenv_put_code(e[i], 0x3000, code, 10);
        }
        for (unsigned run = 0; run < 4; run++) {
            int r[2];
            for (int i = 0; i < 2; i++) {
                e[i]->cpu.pc = 0x3000;
                e[i]->cpu.ctr = 5;
                r[i] = ppc_run(&e[i]->cpu, run ? k : 100);
            }
            char what[48];
            snprintf(what, sizeof what, "budget %u, run %u", k, run);
            ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
            same_exc_state(e[0], e[1], what);
            ck_assert_msg(e[0]->cpu.lr == e[1]->cpu.lr, "%s: lr", what);
            /* the interpreter's: 19 instructions a run, or the budget */
            ck_assert_uint_eq(e[0]->cpu.icount, 19 + (uint64_t)(k < 19 ? k : 19) * run);
        }
        cpuenv_free(e[0]);
        cpuenv_free(e[1]);
    }
}
END_TEST

/* ---- access groups through the host pointer rsi, at the ends of the
 * 32-bit EA space ---- */

/* the copy loop at 0x3000 (grp_copy_*) from src to dst, ctr passes; DBAT0
 * maps EA 0..128 KiB to PA 0 when low, DBAT1 EA 0xFFFE0000..0xFFFFFFFF to
 * PA 0x20000 (read/write); the words at PA 0..0x40000 hold 0x22000000 | PA */
static CpuEnv *wrap_env(int engine, const uint32_t *code, uint32_t dst, uint32_t src, uint32_t ctr,
                        bool low)
{
    CpuEnv *e = cache_env(engine, 0x3000, code, 12);
    if (!low)
        e->cpu.dbat[0] = e->cpu.dbat[1] = 0;
    e->cpu.dbat[2] = 0xFFFE0002u; /* DBAT1U: BEPI 0xFFFE0000, 128 KiB, Vs */
    e->cpu.dbat[3] = 0x00020002u; /* DBAT1L: PA 0x20000, PP 10 */
    for (uint32_t pa = 0; pa < 0x40000; pa += 4)
        if (pa < 0x300 || pa >= 0x4000)
            cpuenv_write32(e, pa, 0x22000000u | pa);
    e->cpu.gpr[3] = dst;
    e->cpu.gpr[4] = src;
    e->cpu.ctr = ctr;
    return e;
}

/* both engines by budgets of k until the interpreter parks on the end or
 * the DSI vector, every stop compared (dst_pa: the destination's PA) */
static void wrap_sweep(const uint32_t *code, uint32_t dst, uint32_t dst_pa, uint32_t src, uint32_t ctr,
                       bool low, unsigned k, CpuEnv **ia, CpuEnv **ib)
{
    *ia = wrap_env(PPC_ENGINE_INTERP, code, dst, src, ctr, low);
    *ib = wrap_env(PPC_ENGINE_JIT, code, dst, src, ctr, low);
    grp_runs(*ia, *ib, dst_pa, k);
}

/* A group whose pass runs from the top of the EA space past 2^32 into
 * page 0 (0xFFFFFFF8 .. 7, pass 3 of 6; its later members off a base
 * near 0 with negative displacements): both pages mapped, to PAs far
 * apart, so only the per-access slow version copies the right words; at
 * every budget, for the addi and the update forms */
START_TEST(gptr_group_wraps_past_4g)
{
    for (unsigned k = 0; k <= 25; k++) {
        CpuEnv *a, *b;
        wrap_sweep(grp_copy_addi, 0x8000, 0x8000, 0xFFFFFFF8u - 16 * 3, 6, true, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, GRP_END);
        /* EA 0xFFFFFFFC: PA 0x3FFFC; EA 0: PA 0 */
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 3 + 4), 0x2203FFFCu);
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 3 + 8), 0x22000000u);
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 5 + 12), 0x22000024u);
        cpuenv_free(a);
        cpuenv_free(b);
        /* lwz 4/8/12(r4), lwzu 16(r4): EAs 0xFFFFFFFC, 0, 4, 8 in pass 3 */
        wrap_sweep(grp_copy_upd, 0x8000, 0x8000, 0xFFFFFFF8u - 16 * 3, 6, true, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, GRP_END);
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 3 + 4), 0x2203FFFCu);
        ck_assert_uint_eq(cpuenv_read32(b, 0x8000 + 16 * 3 + 8), 0x22000000u);
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* The same wrap with page 0 unmapped (DBAT0 off; the destination in the
 * top 128 KiB): the pass's first two loads are done, the third (EA 0,
 * SRR0 0x3018) takes the DSI with DAR 0, at every budget */
START_TEST(gptr_group_wraps_into_unmapped)
{
    for (unsigned k = 0; k <= 25; k++) {
        CpuEnv *a, *b;
        wrap_sweep(grp_copy_addi, 0xFFFF0000u, 0x30000, 0xFFFFFFF8u - 16 * 3, 6, false, k, &a, &b);
        ck_assert_uint_eq(a->cpu.pc, 0x300);
        ck_assert_uint_eq(a->cpu.srr0, 0x3018);
        ck_assert_uint_eq(a->cpu.dar, 0);
        ck_assert_uint_eq(a->cpu.dsisr, DSISR_NOTRANS);
        ck_assert_uint_eq(cpuenv_read32(b, 0x30000 + 16 * 3 + 4), 0x2203FFFCu);
        ck_assert_uint_eq(cpuenv_read32(b, 0x30000 + 16 * 3 + 8), 0x22030038u); /* not written */
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* A misaligned group in the top page entered with the page slots
 * invalid (a run from C: the prologue's invalidation): the lowest EA
 * 0xFFFFF013 XORed with an invalid tag's low half alone would pass the
 * group check (0xFEC rotated is below the limit), only the tag's high
 * half keeps it from the garbage addend: the DSI at the first load, as
 * the interpreter, after a first run that compiled the loop */
START_TEST(gptr_invalid_tag_top_page)
{
    CpuEnv *e[2];
    for (int i = 0; i < 2; i++) {
        e[i] = grp_env(i ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP, grp_copy_addi, 0x8000, 0x7000, 8, 0);
        while (e[i]->cpu.pc != GRP_END)
            ppc_run(&e[i]->cpu, 1000);
        e[i]->cpu.pc = 0x3000;
        e[i]->cpu.gpr[4] = 0xFFFFF013u;
        e[i]->cpu.ctr = 4;
        ppc_run(&e[i]->cpu, 1000);
    }
    grp_same(e[0], e[1], 0x8000, "top page");
    ck_assert_uint_eq(e[0]->cpu.pc, 0x300);
    ck_assert_uint_eq(e[0]->cpu.srr0, 0x3000);
    ck_assert_uint_eq(e[0]->cpu.dar, 0xFFFFF013u);
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}
END_TEST

/* matmul's inner loop (tools/bench/matmul.c): one group off r7 whose
 * second member's base is r10 = r7 + 4 (addi before it), one off r9 with
 * members 384 bytes apart (0 and 384, the first at displacement 0)
 *   0x3000: addi r10,r7,4 ; lwz r8,4(r7) ; lwz r3,0(r9) ; addi r7,r7,8 ;
 *           lwz r4,384(r9) ; addi r9,r9,768 ; lwz r10,4(r10) ;
 *           mullw r8,r8,r3 ; mullw r10,r10,r4 ; add r6,r6,r8 ;
 *           add r5,r5,r10 ; bdnz 0x3000 ; b . */
static const uint32_t gptr_matmul[] = {
    D(14, 10, 7, 4),  D(32, 8, 7, 4),   D(32, 3, 9, 0),   D(14, 7, 7, 8),   D(32, 4, 9, 384),
    D(14, 9, 9, 768), D(32, 10, 10, 4), X(235, 8, 8, 3),  X(235, 10, 10, 4), X(266, 6, 6, 8),
    X(266, 5, 5, 10), BC(16, 0, -44),   B(0),
};
#define MM_END (0x3000 + 12 * 4)

static CpuEnv *mm_env(int engine, uint32_t r7, uint32_t r9)
{
    CpuEnv *e = cache_env(engine, 0x3000, gptr_matmul, 13);
    for (uint32_t pa = 0x4000; pa < MAPPED_END; pa += 4)
        cpuenv_write32(e, pa, 0x11000000u | pa);
    e->cpu.gpr[7] = r7;
    e->cpu.gpr[9] = r9;
    e->cpu.gpr[5] = e->cpu.gpr[6] = 0;
    e->cpu.ctr = 20;
    return e;
}

/* The row group crosses a page in pass 4 (r7 + 4 = 0x4FFC .. 0x5003),
 * the column group every few passes (768-byte steps over 388 bytes), and
 * in pass 6 the column's second load reaches unmapped EAs: the DSI at
 * SRR0 0x3010 with DAR 0x20000, the pass's first loads done; both engines
 * stopped at every budget, every GPR compared */
START_TEST(gptr_matmul_alias_groups)
{
    for (unsigned k = 0; k <= 30; k++) {
        CpuEnv *a = mm_env(PPC_ENGINE_INTERP, 0x5000 - 40, MAPPED_END - 384 - 768 * 6);
        CpuEnv *b = mm_env(PPC_ENGINE_JIT, 0x5000 - 40, MAPPED_END - 384 - 768 * 6);
        char what[48];
        snprintf(what, sizeof what, "budget %u", k);
        for (unsigned n = 0; a->cpu.pc != MM_END && a->cpu.pc != 0x300; n++) {
            ck_assert_uint_lt(n, 100000);
            ck_assert_int_eq(ppc_run(&a->cpu, k ? k : 100000), ppc_run(&b->cpu, k ? k : 100000));
            same_exc_state(a, b, what);
        }
        ck_assert_uint_eq(a->cpu.pc, 0x300);
        ck_assert_uint_eq(a->cpu.srr0, 0x3010);
        ck_assert_uint_eq(a->cpu.dar, MAPPED_END);
        ck_assert_uint_eq(b->cpu.gpr[8], 0x11000000u | (0x5000 - 40 + 6 * 8 + 4));
        ck_assert_uint_eq(b->cpu.gpr[3], 0x11000000u | (MAPPED_END - 384));
        cpuenv_free(a);
        cpuenv_free(b);
    }
}
END_TEST

/* An alias of an alias: r11 = r10 + 4 = r7 + 8 joins r7's group (its
 * base's value at the region's start, not r10's, which the loop set a
 * pass before); the group crosses in pass 10 from DBAT0's last page into
 * DBAT1's EA 0x20000 -> PA 0x40000, so a member reached through the wrong
 * page's addend would read PA 0x20000
 *   0x3000: addi r10,r7,4 ; lwz r8,0(r7) ; lwz r9,4(r7) ; addi r11,r10,4 ;
 *           lwz r3,0(r11) ; lwz r4,4(r11) ; addi r7,r7,16 ; bdnz 0x3000 ; b . */
START_TEST(gptr_alias_chain)
{
    static const uint32_t code[] = {
        D(14, 10, 7, 4), D(32, 8, 7, 0), D(32, 9, 7, 4),   D(14, 11, 10, 4), D(32, 3, 11, 0),
        D(32, 4, 11, 4), D(14, 7, 7, 16), BC(16, 0, -28), B(0),
    };
    for (unsigned k = 0; k <= 20; k++) {
        CpuEnv *e[2];
        for (int i = 0; i < 2; i++) {
            e[i] = cache_env(i ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP, 0x3000, code, 9);
            e[i]->cpu.dbat[2] = 0x00020002u; /* EA 0x20000, 128 KiB, Vs */
            e[i]->cpu.dbat[3] = 0x00040002u; /* PA 0x40000, PP 10 */
            for (uint32_t pa = 0x1E000; pa < 0x22000; pa += 4)
                cpuenv_write32(e[i], pa, 0x11000000u | pa);
            for (uint32_t pa = 0x40000; pa < 0x42000; pa += 4)
                cpuenv_write32(e[i], pa, 0x11000000u | pa);
            e[i]->cpu.gpr[7] = MAPPED_END - 16 * 10 - 8;
            e[i]->cpu.ctr = 14;
        }
        char what[48];
        snprintf(what, sizeof what, "budget %u", k);
        for (unsigned n = 0; e[0]->cpu.pc != 0x3000 + 8 * 4; n++) {
            ck_assert_uint_lt(n, 100000);
            ck_assert_int_eq(ppc_run(&e[0]->cpu, k ? k : 100000), ppc_run(&e[1]->cpu, k ? k : 100000));
            same_exc_state(e[0], e[1], what);
        }
        ck_assert_uint_eq(e[1]->cpu.gpr[4], 0x11040034u); /* EA 0x20034 */
        cpuenv_free(e[0]);
        cpuenv_free(e[1]);
    }
}
END_TEST

/* ---- block exits: linked chain sites unlinked when their target goes ---- */

/* e[0] the interpreter, e[1] the JIT, both with code c0 at 0x3000 (the
 * PC) and c1 at pa1 */
static void two_engines(CpuEnv *e[2], const uint32_t *c0, unsigned n0, uint32_t pa1, const uint32_t *c1,
                        unsigned n1)
{
    for (int i = 0; i < 2; i++) {
        e[i] = cpuenv_new(1);
        ck_assert_int_eq(ppc_set_engine(&e[i]->cpu, i ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP), 0);
        cpuenv_put_code(e[i], 0x3000, c0, n0);
        cpuenv_put_code(e[i], pa1, c1, n1);
        e[i]->cpu.pc = 0x3000;
    }
}

/* Two blocks chained both ways in one page, X -> Y -> X, each counting:
 *   X 0x3000: addi r3,r3,1 ; b Y
 *   Y 0x3100: addi r4,r4,1 ; addi r5,r5,3 ; b X
 * run with budgets that stop anywhere (the sites get linked), then Y
 * rewritten by 'rewrite' (0: through the bus, which drops the page and
 * unlinks X's site; 1: as a snapshot restore does, the RAM bytes
 * replaced untracked, then the TLB and the block cache flushed), then
 * more budgets: the new Y runs, as in the interpreter, however the run
 * loop re-enters (at X, whose linked jump to Y must not reach Y's old
 * code, or at Y). */
static void chain_rewrite_run(unsigned k, int rewrite)
{
    uint32_t x[] = { D(14, 3, 3, 1), B(0xFC) };
    uint32_t y[] = { D(14, 4, 4, 1), D(14, 5, 5, 3), B(-0x108) };
    uint32_t y2[] = { D(14, 4, 4, 16), D(14, 5, 5, 7), B(-0x108) };
    CpuEnv *e[2];
    two_engines(e, x, 2, 0x3100, y, 3);
    char what[64];
    for (unsigned run = 0; run < 6; run++) {
        if (run == 3) {
            for (int i = 0; i < 2; i++) {
                if (rewrite == 0) {
                    cpuenv_put_code(e[i], 0x3100, y2, 3);
                    continue;
                }
                for (unsigned w = 0; w < 3; w++) {
                    uint8_t *p = e[i]->bus.ram + 0x3100 + 4 * w;
                    p[0] = (uint8_t)(y2[w] >> 24);
                    p[1] = (uint8_t)(y2[w] >> 16);
                    p[2] = (uint8_t)(y2[w] >> 8);
                    p[3] = (uint8_t)y2[w];
                }
                ppc_tlb_flush(&e[i]->cpu);
                ppc_flush_blocks(&e[i]->cpu);
            }
        }
        /* run 4's budget is past the 0xFFFF an unlinked site's check
         * subtracts: unlinked sites leave through their exit stub */
        unsigned budget = run == 0 ? 40 : run == 3 ? k : run == 4 ? 70000 + k : 5 + k % 7 + 13 * run;
        int r[2];
        for (int i = 0; i < 2; i++)
            r[i] = ppc_run(&e[i]->cpu, budget);
        snprintf(what, sizeof what, "rewrite %d, budget %u, run %u", rewrite, k, run);
        ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
        same_exc_state(e[0], e[1], what);
    }
    ck_assert_uint_gt(e[1]->cpu.gpr[4], 16); /* the new Y ran */
    cpuenv_free(e[0]);
    cpuenv_free(e[1]);
}

START_TEST(exit_chain_target_rewritten)
{
    for (unsigned k = 0; k < 12; k++)
        chain_rewrite_run(k, 0);
}
END_TEST

START_TEST(exit_chain_target_snapshot_restored)
{
    for (unsigned k = 0; k < 12; k++)
        chain_rewrite_run(k, 1);
}
END_TEST

/* A loop block entered by a linked chain (s->pc is not stored on the way
 * in) leaves at every budget with the interpreter's PC and count, and a
 * branch to another page (the jump cache, its PC stored) in between:
 *   A 0x3000: li r9,3 ; mtctr r9 ; b L
 *   L 0x3010: addi r3,r3,1 ; bdnz L
 *     0x3018: addi r5,r5,1 ; b F (0x4000, another page)
 *   F 0x4000: cmpwi r5,6 ; blt A (0x3000, back) ; b . */
START_TEST(exit_loop_entered_by_chain)
{
    uint32_t a[] = { D(14, 9, 0, 3), X(467, 9, 9, 0), B(8),
                     0, D(14, 3, 3, 1), BC(16, 0, -4), D(14, 5, 5, 1), B(0x4000 - 0x301C) };
    uint32_t f[] = { D(11, 0, 5, 6), BC(12, 0, (uint32_t)(0x3000 - 0x4004)), B(0) };
    for (unsigned k = 0; k < 60; k++) {
        CpuEnv *e[2];
        two_engines(e, a, 8, 0x4000, f, 3);
        char what[48];
        for (unsigned run = 0; run < 4; run++) {
            int r[2];
            for (int i = 0; i < 2; i++) {
                if (run == 2) { /* again from the start, the sites linked */
                    e[i]->cpu.pc = 0x3000;
                    e[i]->cpu.gpr[5] = 0;
                }
                r[i] = ppc_run(&e[i]->cpu, run & 1 ? 70000 : k);
            }
            snprintf(what, sizeof what, "budget %u, run %u", k, run);
            ck_assert_msg(r[0] == r[1], "%s: ppc_run %d vs %d", what, r[0], r[1]);
            same_exc_state(e[0], e[1], what);
            ck_assert_msg(e[0]->cpu.ctr == e[1]->cpu.ctr, "%s: ctr", what);
        }
        cpuenv_free(e[0]);
        cpuenv_free(e[1]);
    }
}
END_TEST

/* ---- cold blocks interpreted (PPCJit.hot, the board's PPC_JIT_HOT) ----
 * With hot = 3 a block's first three entries from the run loop are
 * interpreted and the fourth compiles it; at every budget both engines
 * agree.  The block at 0x3000: addi r3,r3,1 ; addi r4,r4,2 ; b 0x3000 */
START_TEST(hot_blocks_compiled_after_cold_runs)
{
    uint32_t code[] = { D(14, 3, 3, 1), D(14, 4, 4, 2), B(-8) };
    CpuEnv *a = cache_env(PPC_ENGINE_INTERP, 0x3000, code, 3);
    CpuEnv *b = cache_env(PPC_ENGINE_JIT, 0x3000, code, 3);
    ppc_jit_set_hot(&b->cpu, 3);
    for (unsigned call = 0; call < 8; call++) {
        ck_assert_int_eq(ppc_run(&a->cpu, 3), ppc_run(&b->cpu, 3));
        same_exc_state(a, b, "one entry");
        PPCBlock *blk = ppc_bc_lookup(&b->cpu, 0x3000);
        ck_assert_ptr_nonnull(blk);
        ck_assert_msg((blk->jit_code != NULL) == (call >= 3), "entry %u: compiled %d", call,
                      blk->jit_code != NULL);
    }
    cpuenv_free(a);
    cpuenv_free(b);
    for (unsigned hot = 1; hot <= 4; hot++) {
        for (unsigned k = 1; k <= 10; k++) {
            a = cache_env(PPC_ENGINE_INTERP, 0x3000, code, 3);
            b = cache_env(PPC_ENGINE_JIT, 0x3000, code, 3);
            ppc_jit_set_hot(&b->cpu, hot);
            char what[48];
            snprintf(what, sizeof what, "hot %u budget %u", hot, k);
            for (unsigned run = 0; run < 12; run++) {
                ck_assert_int_eq(ppc_run(&a->cpu, k), ppc_run(&b->cpu, k));
                same_exc_state(a, b, what);
            }
            cpuenv_free(a);
            cpuenv_free(b);
        }
    }
}
END_TEST

Suite *suite_jit(void)
{
    Suite *s = suite_create("jit");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 3600); /* figures only: never fail on time */
    if (ppc_jit_available()) {
        tcase_add_test(tc, budget_sweep);
        tcase_add_test(tc, loop_result);
        tcase_add_test(tc, small_buffer_flushes);
        tcase_add_test(tc, no_wx_mapping);
        tcase_add_test(tc, store_into_chained_loop);
        tcase_add_test(tc, misaligned_against_invalid_tags);
        tcase_add_test(tc, store_into_self_loop);
        tcase_add_test(tc, perfmap_lines);
        tcase_add_test(tc, alu_templates);
        tcase_add_test(tc, cr_templates);
        tcase_add_test(tc, lha_and_absolute_branches);
        tcase_add_test(tc, compare_branch_fusion);
        tcase_add_test(tc, load_forwarding);
        tcase_add_test(tc, gpr_cache_fault_mid_block);
        tcase_add_test(tc, gpr_cache_around_handlers);
        tcase_add_test(tc, gpr_cache_self_loop_exits);
        tcase_add_test(tc, self_loop_pc_at_every_budget);
        tcase_add_test(tc, page_slots);
        tcase_add_test(tc, page_slot_after_sraw);
        tcase_add_test(tc, disp_jc_bat_write);
        tcase_add_test(tc, disp_jc_store_into_target);
        tcase_add_test(tc, disp_jc_msr_ir_off);
        tcase_add_test(tc, disp_jc_budget_stops);
        tcase_add_test(tc, tpl_slot_across_chain);
        tcase_add_test(tc, tpl_slot_after_handler);
        tcase_add_test(tc, loop_count_at_device_writes);
        tcase_add_test(tc, loop_count_past_slack_cap);
        tcase_add_test(tc, loop_count_at_async_exit_request);
        tcase_add_test(tc, loop_handler_rewrites_loop_later);
        tcase_add_test(tc, loop_six_cached_gprs);
        tcase_add_test(tc, crf_immediate_compare_cr6);
        tcase_add_test(tc, crf_register_compare_written_operand);
        tcase_add_test(tc, crf_with_ctr_branch);
        tcase_add_test(tc, crf_alternating_field_at_exit_request);
        tcase_add_test(tc, crf_at_fault_in_later_pass);
        tcase_add_test(tc, loop_alu_direct_forms);
        tcase_add_test(tc, crf_so_set_by_handler_before_fault);
        /* access groups */
        tcase_add_test(tc, grp_load_crosses_into_unmapped);
        tcase_add_test(tc, grp_store_crosses_into_readonly);
        tcase_add_test(tc, grp_slow_version_at_every_budget);
        tcase_add_test(tc, grp_store_into_code_page);
        tcase_add_test(tc, grp_dbat_between_passes);
        tcase_add_test(tc, r1_slots_after_remap);
        /* a compare's CR field written by its branch */
        tcase_add_test(tc, lazy_crf_exits);
        tcase_add_test(tc, flag_fetch_remap_by_handler);
        /* ALU templates on host registers and PPCState */
        tcase_add_test(tc, direct_alu_forms);
        tcase_add_test(tc, direct_loads_and_addi);
        tcase_add_test(tc, direct_lr_ctr_moves);
        tcase_add_test(tc, direct_indexed_ea);
        /* XER[CA] in the frame */
        tcase_add_test(tc, ca_frame_runs);
        tcase_add_test(tc, ca_frame_subfe_idiom);
        /* block exits */
        tcase_add_test(tc, exit_count_at_device_writes);
        tcase_add_test(tc, exit_budget_left_after_loop);
        /* access groups through a host pointer */
        tcase_add_test(tc, gptr_group_wraps_past_4g);
        tcase_add_test(tc, gptr_group_wraps_into_unmapped);
        tcase_add_test(tc, gptr_invalid_tag_top_page);
        tcase_add_test(tc, gptr_matmul_alias_groups);
        tcase_add_test(tc, gptr_alias_chain);
        tcase_add_test(tc, exit_chain_target_rewritten);
        tcase_add_test(tc, exit_chain_target_snapshot_restored);
        tcase_add_test(tc, exit_loop_entered_by_chain);
        tcase_add_test(tc, hot_blocks_compiled_after_cold_runs);
    }
    suite_add_tcase(s, tc);
    return s;
}
