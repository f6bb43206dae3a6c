/* The CPU section: every architectural register survives a round trip,
 * loading rebuilds derived state (stale translated code never runs), and
 * the register table (cpu/regs.c) describes every member of PPCState, so
 * a register missing from it cannot go unnoticed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/regs.h"
#include "migration/cpu_snap.h"
#include "tests/lib/cpuenv.h"

static const SnapHeader hdr = { 0, "test", "ppc750", 1u << 20, 0 };

static void fill_pattern(PPCState *s, uint32_t seed)
{
    uint32_t x = seed;
#define NEXT() (x = x * 1664525u + 1013904223u)
    for (int i = 0; i < 32; i++) {
        s->gpr[i] = NEXT();
        uint64_t hi = NEXT();
        s->fpr[i] = (hi << 32) | NEXT();
    }
    s->cr = NEXT(); s->xer = NEXT() & 0xE000007Fu; s->lr = NEXT(); s->ctr = NEXT();
    s->fpscr = NEXT(); s->msr = MSR_FP | MSR_ME; s->srr0 = NEXT(); s->srr1 = NEXT();
    s->dar = NEXT(); s->dsisr = NEXT(); s->sdr1 = NEXT();
    for (int i = 0; i < 4; i++) s->sprg[i] = NEXT();
    for (int i = 0; i < 16; i++) s->sr[i] = NEXT();
    for (int i = 0; i < 8; i++) { s->ibat[i] = NEXT(); s->dbat[i] = NEXT(); }
    s->hid0 = NEXT(); s->hid1 = NEXT(); s->l2cr = NEXT(); s->iabr = NEXT(); s->dabr = NEXT();
    s->reserve_addr = NEXT(); s->reserve_valid = true;
    s->irq_pending = PPC_IRQ_DEC;
    s->icount = 0x123456789ull;
#undef NEXT
}

START_TEST(round_trip_all_registers)
{
    char path[] = "/tmp/ppcemu-cpusnap-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    CpuEnv *a = cpuenv_new(1), *b = cpuenv_new(1);
    fill_pattern(&a->cpu, 7);
    SnapError err = { "" };
    SnapWriter *w = snap_writer_open_file(path, &hdr, &err);
    ck_assert_ptr_nonnull(w);
    snap_state_write(w, snap_cpu_desc(), &a->cpu);
    ck_assert_int_eq(snap_writer_commit(w, &err), 0);

    SnapHeader h;
    SnapReader *r = snap_reader_open_file(path, &h, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    char name[64];
    uint32_t ver;
    uint64_t len;
    ck_assert_int_eq(snap_next_section(r, name, &ver, &len, &err), 1);
    ck_assert_str_eq(name, "cpu");
    PPCState tmp = b->cpu;
    ck_assert_msg(snap_state_read(r, snap_cpu_desc(), ver, &tmp, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(snap_next_section(r, name, &ver, &len, &err), 0);
    snap_reader_close(r);
    snap_state_commit(snap_cpu_desc(), &b->cpu, &tmp);
    snap_cpu_desc()->post_load(&b->cpu);

    ck_assert(memcmp(a->cpu.gpr, b->cpu.gpr, sizeof a->cpu.gpr) == 0);
    ck_assert(memcmp(a->cpu.fpr, b->cpu.fpr, sizeof a->cpu.fpr) == 0);
    ck_assert(memcmp(a->cpu.sr, b->cpu.sr, sizeof a->cpu.sr) == 0);
    ck_assert(memcmp(a->cpu.ibat, b->cpu.ibat, sizeof a->cpu.ibat) == 0);
    ck_assert(memcmp(a->cpu.dbat, b->cpu.dbat, sizeof a->cpu.dbat) == 0);
    ck_assert_uint_eq(a->cpu.cr, b->cpu.cr);
    ck_assert_uint_eq(a->cpu.fpscr, b->cpu.fpscr);
    ck_assert_uint_eq(a->cpu.srr1, b->cpu.srr1);
    ck_assert_uint_eq(a->cpu.reserve_addr, b->cpu.reserve_addr);
    ck_assert(b->cpu.reserve_valid);
    ck_assert_uint_eq(b->cpu.irq_pending, PPC_IRQ_DEC);
    ck_assert(b->cpu.icount == 0x123456789ull);
    unlink(path);
    cpuenv_free(a);
    cpuenv_free(b);
}
END_TEST

START_TEST(commit_drops_translated_code)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t code[] = { 0x38630001, 0x48000000 }; /* addi r3,r3,1 ; b . */
    cpuenv_put_code(e, 0x100, code, 2);
    e->cpu.pc = 0x100;
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    /* RAM changes under the translator's feet, as a loadvm's RAM section does */
    uint8_t insn[4] = { 0x38, 0x63, 0x00, 0x10 }; /* addi r3,r3,16 */
    memcpy(e->bus.ram + 0x100, insn, 4);
    PPCState loaded = e->cpu;
    loaded.pc = 0x100;
    loaded.gpr[3] = 0;
    snap_state_commit(snap_cpu_desc(), &e->cpu, &loaded);
    snap_cpu_desc()->post_load(&e->cpu);
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(e->cpu.gpr[3], 16);
    cpuenv_free(e);
}
END_TEST

/* Every byte of PPCState before its host-side members (from `bus` on)
 * belongs to one row of the register table, or is padding the compiler put
 * before an aligned member: a member added to the struct and not to the
 * table leaves a hole wider than that and fails here. */
START_TEST(register_table_covers_the_state)
{
    size_t end = offsetof(PPCState, bus);
    uint8_t *owner = calloc(end, 1);
    for (unsigned k = 0; k < ppc_nregs; k++) {
        const PPCRegDesc *r = &ppc_regs[k];
        size_t len = (size_t)r->size * r->count;
        ck_assert_msg(r->offset + len <= end, "%s lies in the host-side members", r->name);
        for (size_t i = r->offset; i < r->offset + len; i++) {
            ck_assert_msg(!owner[i], "%s overlaps another row", r->name);
            owner[i] = 1;
        }
    }
    size_t i = 0;
    while (i < end) {
        if (owner[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < end && !owner[j])
            j++;
        /* a gap is padding only when it ends at an aligned offset and is
         * shorter than the alignment of what follows (at most 8) */
        ck_assert_msg(j - i < 8 && (j == end || j % 4 == 0 || j - i < 4),
                      "PPCState bytes %zu..%zu are in no register table row (cpu/regs.c)", i, j);
        i = j;
    }
    free(owner);
    /* and the snapshot takes every row flagged for it, in table order */
    const SnapField *f = snap_cpu_desc()->fields;
    for (unsigned k = 0; k < ppc_nregs; k++) {
        if (!(ppc_regs[k].flags & PPC_REG_SNAP))
            continue;
        ck_assert_ptr_nonnull(f->name);
        ck_assert_str_eq(f->name, ppc_regs[k].name);
        ck_assert_uint_eq(f->offset, ppc_regs[k].offset);
        f++;
    }
    ck_assert_ptr_null(f->name);
}
END_TEST

/* ppc_reset takes its values from the table: the documented power-on
 * state (board.md "CPU") */
START_TEST(reset_from_the_table)
{
    CpuEnv *e = cpuenv_new(1);
    fill_pattern(&e->cpu, 3);
    e->cpu.halted = true;
    ppc_reset(&e->cpu);
    ck_assert_uint_eq(e->cpu.pc, 0xFFF00100u);
    ck_assert_uint_eq(e->cpu.msr, MSR_IP);
    ck_assert_uint_eq(e->cpu.pvr, 0x00080200u);
    ck_assert_uint_eq(e->cpu.gpr[31], 0);
    ck_assert(e->cpu.fpr[7] == 0);
    ck_assert_uint_eq(e->cpu.ibat[5], 0);
    ck_assert_uint_eq(e->cpu.irq_pending, 0);
    ck_assert(!e->cpu.reserve_valid && !e->cpu.halted);
    /* the count runs on across a reset */
    ck_assert(e->cpu.icount == 0x123456789ull);
    cpuenv_free(e);
}
END_TEST

/* The cpu section's bounds and checks refuse what a 750 cannot hold */
START_TEST(impossible_cpu_state_refused)
{
    CpuEnv *a = cpuenv_new(1);
    SnapError err = { "" };
    PPCState tmp = a->cpu;
    tmp.pc = 0x102;
    ck_assert_int_eq(snap_cpu_desc()->check(&tmp, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "not word-aligned"));
    tmp.pc = 0x100;
    tmp.msr = 0x80000000u;
    ck_assert_int_eq(snap_cpu_desc()->check(&tmp, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "bits a 750 lacks"));
    cpuenv_free(a);
}
END_TEST

Suite *suite_cpusnap(void)
{
    Suite *s = suite_create("cpusnap");
    TCase *tc = tcase_create("cpu");
    tcase_add_test(tc, round_trip_all_registers);
    tcase_add_test(tc, commit_drops_translated_code);
    tcase_add_test(tc, register_table_covers_the_state);
    tcase_add_test(tc, reset_from_the_table);
    tcase_add_test(tc, impossible_cpu_state_refused);
    suite_add_tcase(s, tc);
    return s;
}
