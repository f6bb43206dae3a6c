/* The JIT against the interpreter: budgets ending a block at every offset,
 * chained blocks, the bounded code buffer and its W^X mapping. */
#include <check.h>
#include <inttypes.h>
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
    }
    suite_add_tcase(s, tc);
    return s;
}
