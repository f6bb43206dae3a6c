/* Whole-machine snapshots (migration/snapstate.c, boards/vmsnap.c)
 * through the monitor: save/load round trips, refusals that name the
 * problem in one line and leave the machine as it was, the rebuilding of
 * interrupt lines after a load. */
#include <check.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "migration/snapstate.h"
#include "migration/time_snap.h"
#include "boards/vmsnap.h"
#include "tests/lib/snapenv.h"

#define SKIP_WITHOUT_GUEST(e) \
    do { if (!(e)) { fprintf(stderr, "machinesnap: SKIP: snap_icount.elf not built\n"); return; } } while (0)

static int nlines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* save, run on, load: the machine is back where it was, and saving it
 * again gives the same bytes (under -icount no host clock is in them) */
START_TEST(round_trip_is_exact)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    snapenv_run_to(e, 600000);
    uint32_t d0 = snapenv_digest(e, true);
    ck_assert_int_eq(snapenv_mon(e, "savevm first"), 0);
    ck_assert_str_eq(e->out, "");
    snapenv_run_to(e, 900000);
    ck_assert_uint_ne(snapenv_digest(e, true), d0);
    ck_assert_int_eq(snapenv_mon(e, "loadvm first"), 0);
    ck_assert_uint_eq(snapenv_digest(e, true), d0);
    ck_assert_uint_eq(e->m->vb.cpu.icount, 600000);
    ck_assert_int_eq(snapenv_mon(e, "savevm second"), 0);
    char a[200], b[200];
    size_t la, lb;
    snprintf(a, sizeof(a), "%s/first.snap", e->dir);
    snprintf(b, sizeof(b), "%s/second.snap", e->dir);
    uint8_t *pa = snapenv_read_file(a, &la), *pb = snapenv_read_file(b, &lb);
    ck_assert_ptr_nonnull(pa);
    ck_assert_ptr_nonnull(pb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(pa, pb, la) == 0);
    free(pa);
    free(pb);
    /* and the guest goes on from there exactly as before */
    snapenv_run_to(e, 900000);
    snapenv_free(e);
}
END_TEST

/* A failed loadvm prints one line naming the problem; nothing changes */
static void refused(SnapEnv *e, const char *arg, const char *want)
{
    uint32_t d = snapenv_digest(e, true);
    ck_assert_int_eq(snapenv_mon(e, "loadvm %s", arg), -1);
    ck_assert_msg(nlines(e->out) == 1, "'%s': %s", arg, e->out);
    ck_assert_msg(strstr(e->out, want), "'%s': '%s' does not say '%s'", arg, e->out, want);
    ck_assert_uint_eq(snapenv_digest(e, true), d);
}

/* Rewrite a header field and its CRC (migration/snap.h layout) */
static void patch_header(const char *src, const char *dst, size_t off, const void *bytes, size_t n)
{
    size_t len;
    uint8_t *p = snapenv_read_file(src, &len);
    ck_assert_ptr_nonnull(p);
    memcpy(p + off, bytes, n);
    uint32_t c = (uint32_t)crc32(0, p, 60);
    uint8_t be[4] = { (uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c };
    memcpy(p + 60, be, 4);
    ck_assert_int_eq(snapenv_write_file(dst, p, len), 0);
    free(p);
}

START_TEST(refusals_name_the_problem)
{
    SnapEnv *small = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(small);
    SnapEnv *big = snapenv_new(32, true), *noipic = snapenv_new(16, false);
    snapenv_run_to(small, 300000);
    snapenv_run_to(big, 300000);
    snapenv_run_to(noipic, 300000);
    ck_assert_int_eq(snapenv_mon(small, "savevm s"), 0);
    char good[200], bad[200];
    snprintf(good, sizeof(good), "%s/s.snap", small->dir);
    refused(big, good, "snapshot has 16 MiB of RAM, this machine has 32 MiB");
    refused(noipic, good, "ipic=on, this machine has ipic=off");
    snprintf(bad, sizeof(bad), "%s/board.snap", small->dir);
    patch_header(good, bad, 16, "g3beige\0", 8);
    refused(small, bad, "snapshot is for board 'g3beige'");
    snprintf(bad, sizeof(bad), "%s/cpu.snap", small->dir);
    patch_header(good, bad, 32, "e500\0\0\0", 7);
    refused(small, bad, "snapshot is for CPU 'e500'");
    snprintf(bad, sizeof(bad), "%s/version.snap", small->dir);
    patch_header(good, bad, 8, "\0\0\0\x07", 4);
    refused(small, bad, "format version 7 is newer");
    snprintf(bad, sizeof(bad), "%s/hdrcrc.snap", small->dir);
    {
        size_t len;
        uint8_t *p = snapenv_read_file(good, &len);
        p[20] ^= 1; /* a board name byte, the header CRC left as it was */
        ck_assert_int_eq(snapenv_write_file(bad, p, len), 0);
        free(p);
    }
    refused(small, bad, "header is corrupt (CRC mismatch)");
    snprintf(bad, sizeof(bad), "%s/text.snap", small->dir);
    ck_assert_int_eq(snapenv_write_file(bad, (const uint8_t *)"#!/bin/sh\necho hello, world\n" "0123456789012345678901234567890123456789012345678901234567890123456789", 98), 0);
    refused(small, bad, "not a ppcemu snapshot (bad magic)");
    refused(small, "nothing-called-this", "cannot open snapshot");
    refused(small, "bad name", "usage: loadvm NAME");
    refused(small, ".hidden", "bad snapshot name");
    /* the good one still loads */
    ck_assert_int_eq(snapenv_mon(small, "loadvm s"), 0);
    snapenv_free(small);
    snapenv_free(big);
    snapenv_free(noipic);
}
END_TEST

/* -tb-freq and -icount must match: the guest read the frequency from its
 * device tree, and -icount changes what a TB value means */
START_TEST(timebase_mismatch_refused)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    snapenv_run_to(e, 200000);
    ck_assert_int_eq(snapenv_mon(e, "savevm t"), 0);
    tb_free(e->m->tb);
    e->m->tb = tb_new(ppc_tb_links(&e->m->vb.cpu), 1000000, 2, TB_CLOCK_VM);
    e->m->vb.cpu.tb = e->m->tb;
    refused(e, "t", "timebase runs at 33333333 Hz, this machine's at 1000000 Hz");
    tb_free(e->m->tb);
    e->m->tb = tb_new(ppc_tb_links(&e->m->vb.cpu), 33333333, 5, TB_CLOCK_VM);
    e->m->vb.cpu.tb = e->m->tb;
    refused(e, "t", "saved under -icount 2, this machine runs -icount 5");
    snapenv_free(e);
}
END_TEST

/* Interrupt lines are re-evaluated from the loaded device state: a UART
 * with its THRE interrupt enabled asserts IPIC source 9, which (unmasked)
 * asserts the CPU's external input */
START_TEST(irq_lines_rebuilt)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    snapenv_run_to(e, 200000);
    VirtBoard *vb = &e->m->vb;
    ipic_write(&vb->ipic, IPIC_SIMSR_H, 1u << (31 - 24), 4);
    uart_write(&vb->uart, UART_IER, 0x02, 1);
    ck_assert(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL);
    ck_assert_int_eq(snapenv_mon(e, "savevm irq"), 0);
    uart_write(&vb->uart, UART_IER, 0, 1);
    ck_assert(!(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL));
    ck_assert_int_eq(snapenv_mon(e, "loadvm irq"), 0);
    ck_assert(vb->uart.irq_level);
    ck_assert(vb->ipic.out_level);
    ck_assert(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL);
    /* and the other way round: a line asserted now, not in the snapshot */
    ck_assert_int_eq(snapenv_mon(e, "loadvm irq"), 0);
    snapenv_free(e);
}
END_TEST

/* delvm and info snapshots */
START_TEST(named_snapshots)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    ck_assert_int_eq(snapenv_mon(e, "info snapshots"), 0);
    ck_assert_ptr_nonnull(strstr(e->out, "No snapshots"));
    ck_assert_int_eq(snapenv_mon(e, "savevm b"), 0);
    ck_assert_int_eq(snapenv_mon(e, "savevm a"), 0);
    ck_assert_int_eq(snapenv_mon(e, "info snapshots"), 0);
    char *pa = strstr(e->out, "\na "), *pb = strstr(e->out, "\nb ");
    ck_assert(pa && pb && pa < pb);
    ck_assert_ptr_nonnull(strstr(e->out, "virt/ppc750 16 MiB"));
    ck_assert_int_eq(snapenv_mon(e, "delvm a"), 0);
    ck_assert_int_eq(snapenv_mon(e, "delvm a"), -1);
    ck_assert_int_eq(nlines(e->out), 1);
    ck_assert_int_eq(snapenv_mon(e, "savevm"), -1);
    ck_assert_int_eq(snapenv_mon(e, "savevm -up"), -1);
    ck_assert_ptr_nonnull(strstr(e->out, "bad snapshot name"));
    snapenv_free(e);
}
END_TEST

/* Write e's machine to path as the registry would, except that the tb
 * section holds *t (at section version tb_version) */
static void save_with_time(SnapEnv *e, const char *path, const SnapTime *t, uint32_t tb_version)
{
    const SnapRegistry *reg = &e->m->vb.snap;
    SnapHeader h;
    SnapError err = { "" };
    snap_registry_header(reg, &h);
    SnapWriter *w = snap_writer_open_file(path, &h, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    for (unsigned i = 0; i < reg->n; i++) {
        const SnapEntry *en = &reg->entry[i];
        if (strcmp(en->desc->name, "tb")) {
            snap_state_write(w, en->desc, en->opaque);
            continue;
        }
        snap_begin_section(w, "tb", tb_version);
        snap_put_fields(w, snap_time_desc.fields, t, tb_version);
        snap_end_section(w);
    }
    ck_assert_msg(snap_writer_commit(w, &err) == 0, "%s", err.msg);
}

/* Every time field is range-checked before the timebase sees it: a
 * realtime of INT64_MIN once overflowed tb.c's arithmetic (UBSan) */
START_TEST(time_fields_out_of_range_refused)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    snapenv_run_to(e, 200000);
    SnapTime t = e->m->vb.time;
    t.cpu = &e->m->vb.cpu;
    snap_time_desc.pre_save(&t);
    char path[200];
    snprintf(path, sizeof(path), "%s/time.snap", e->dir);
    /* the untouched values load, in both section versions */
    save_with_time(e, path, &t, 2);
    ck_assert_int_eq(snapenv_mon(e, "loadvm %s", path), 0);
    save_with_time(e, path, &t, 1);
    ck_assert_int_eq(snapenv_mon(e, "loadvm %s", path), 0);
    SnapTime bad = t;
    bad.st.realtime_ns = INT64_MIN;
    save_with_time(e, path, &bad, 2);
    refused(e, path, "tb.realtime_ns is -9223372036854775808, valid 0..");
    save_with_time(e, path, &bad, 1);
    refused(e, path, "tb.realtime_ns is -9223372036854775808");
    bad = t;
    bad.st.dec = INT64_MAX;
    save_with_time(e, path, &bad, 2);
    refused(e, path, "tb.dec is 9223372036854775807");
    bad = t;
    bad.st.icount_shift = -7;
    save_with_time(e, path, &bad, 2);
    refused(e, path, "tb.icount_shift is -7, valid -1..62");
    bad = t;
    bad.st.freq_hz = 0;
    save_with_time(e, path, &bad, 2);
    refused(e, path, "tb.freq_hz is 0");
    snapenv_free(e);
}
END_TEST

/* Header text is the file's, not ours: it reaches the terminal escaped */
START_TEST(header_text_is_escaped)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    ck_assert_int_eq(snapenv_mon(e, "savevm s"), 0);
    char good[200], bad[200];
    snprintf(good, sizeof(good), "%s/s.snap", e->dir);
    snprintf(bad, sizeof(bad), "%s/esc.snap", e->dir);
    patch_header(good, bad, 16, "\x1b]0;pwned\x07\x9b", 11);
    refused(e, bad, "snapshot is for board '\\x1b]0;pwned\\x07\\x9b'");
    ck_assert_ptr_null(strchr(e->out, 0x1b));
    ck_assert_int_eq(snapenv_mon(e, "info snapshots"), 0);
    ck_assert_ptr_nonnull(strstr(e->out, "\\x1b]0;pwned\\x07\\x9b/ppc750"));
    ck_assert_ptr_null(strchr(e->out, 0x1b));
    ck_assert_ptr_null(strchr(e->out, 0x07));
    /* and ppcsnap, beside this binary's build directory */
    char exe[PATH_MAX], cmd[PATH_MAX + 300], buf[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = 0;
    snprintf(cmd, sizeof(cmd), "%s/../ppcsnap %s 2>&1", dirname(exe), bad);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t got = fread(buf, 1, sizeof(buf) - 1, f);
    buf[got] = 0;
    pclose(f);
    ck_assert_msg(strstr(buf, "board \\x1b]0;pwned\\x07\\x9b,"), "ppcsnap said: %s", buf);
    ck_assert_ptr_null(memchr(buf, 0x1b, got));
    snapenv_free(e);
}
END_TEST

/* delvm and savevm touch snapshots only: not another file, a FIFO, a
 * directory (and they never open a FIFO, which would block) */
START_TEST(only_snapshots_are_touched)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    char file[200], fifo[200], dir[200], snap[200];
    snprintf(file, sizeof(file), "%s/notes.txt", e->dir);
    snprintf(fifo, sizeof(fifo), "%s/fifo", e->dir);
    snprintf(dir, sizeof(dir), "%s/sub", e->dir);
    snprintf(snap, sizeof(snap), "%s/x.snap", e->dir);
    const char text[] = "precious notes, not a snapshot\n";
    ck_assert_int_eq(snapenv_write_file(file, (const uint8_t *)text, sizeof text - 1), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    const char *paths[] = { file, fifo, dir };
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(snapenv_mon(e, "delvm %s", paths[i]), -1);
        ck_assert_int_eq(nlines(e->out), 1);
        ck_assert_ptr_nonnull(strstr(e->out, "left alone"));
        ck_assert_int_eq(snapenv_mon(e, "savevm %s", paths[i]), -1);
        ck_assert_int_eq(nlines(e->out), 1);
        ck_assert_ptr_nonnull(strstr(e->out, "left alone"));
    }
    struct stat st;
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_int_eq(lstat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    size_t len;
    uint8_t *p = snapenv_read_file(file, &len);
    ck_assert(p && len == sizeof text - 1 && !memcmp(p, text, len));
    free(p);
    /* a snapshot may be replaced and deleted, by path and by name */
    ck_assert_int_eq(snapenv_mon(e, "savevm %s", snap), 0);
    ck_assert_int_eq(snapenv_mon(e, "savevm %s", snap), 0);
    ck_assert_int_eq(snapenv_mon(e, "delvm %s", snap), 0);
    ck_assert_int_eq(access(snap, F_OK), -1);
    ck_assert_int_eq(snapenv_mon(e, "savevm y"), 0);
    ck_assert_int_eq(snapenv_mon(e, "delvm y"), 0);
    snapenv_free(e);
}
END_TEST

/* A save leaves no temporary behind, and those of dead savers (named
 * NAME.snap.tmp.PID by older versions or on file systems without
 * O_TMPFILE) are cleaned up; a live process's one is left alone */
START_TEST(no_temporaries_left)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    char dead[256], live[256], other[256];
    /* pid 2^22 + 1 is above Linux's pid_max limit: never a live process */
    snprintf(dead, sizeof(dead), "%s/t.snap.tmp.4194305", e->dir);
    snprintf(live, sizeof(live), "%s/t.snap.tmp.%ld", e->dir, (long)getppid());
    snprintf(other, sizeof(other), "%s/t.snap.tmp.notapid", e->dir);
    ck_assert_int_eq(snapenv_write_file(dead, (const uint8_t *)"x", 1), 0);
    ck_assert_int_eq(snapenv_write_file(live, (const uint8_t *)"x", 1), 0);
    ck_assert_int_eq(snapenv_write_file(other, (const uint8_t *)"x", 1), 0);
    ck_assert_int_eq(snapenv_mon(e, "savevm t"), 0);
    ck_assert_int_eq(access(dead, F_OK), -1);
    ck_assert_int_eq(access(live, F_OK), 0);
    ck_assert_int_eq(access(other, F_OK), 0);
    char mine[256];
    snprintf(mine, sizeof(mine), "%s/t.snap.tmp.%ld", e->dir, (long)getpid());
    ck_assert_int_eq(access(mine, F_OK), -1);
    snapenv_free(e);
}
END_TEST

/* A snapshot written by ppcemu 5e984f7 (format 1, tb section version 1,
 * tests/snapshot/fixtures) still loads; its registers are those that
 * build's `info registers` printed (v1-icount600k.regs) */
START_TEST(format1_snapshot_loads)
{
    SnapEnv *e = snapenv_new(16, true);
    SKIP_WITHOUT_GUEST(e);
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = 0;
    /* BUILD/tests/unit-tests -> the source tree above BUILD */
    snprintf(path, sizeof(path), "%s/../../tests/snapshot/fixtures/v1-icount600k.snap",
             dirname(exe));
    ck_assert_msg(access(path, R_OK) == 0, "%s missing", path);
    ck_assert_int_eq(snapenv_mon(e, "loadvm %s", path), 0);
    const PPCState *s = &e->m->vb.cpu;
    ck_assert(s->icount == 600000);
    ck_assert_uint_eq(s->pc, 0x0001017c);
    ck_assert_uint_eq(s->lr, 0x000101d8);
    ck_assert_uint_eq(s->gpr[1], 0x00025f90);
    ck_assert_uint_eq(s->gpr[31], 0x1c422bc2);
    ck_assert_uint_eq(s->sprg[2], 0x00000655);
    ck_assert(tb_read(e->m->tb, s->icount) == 0xcf84e);
    ck_assert_uint_eq(tb_dec_read(e->m->tb, s->icount), 0x300);
    snapenv_run_to(e, 700000);
    ck_assert(s->icount == 700000);
    snapenv_free(e);
}
END_TEST

Suite *suite_machinesnap(void)
{
    Suite *s = suite_create("machinesnap");
    TCase *tc = tcase_create("machinesnap");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_trip_is_exact);
    tcase_add_test(tc, refusals_name_the_problem);
    tcase_add_test(tc, timebase_mismatch_refused);
    tcase_add_test(tc, irq_lines_rebuilt);
    tcase_add_test(tc, named_snapshots);
    tcase_add_test(tc, time_fields_out_of_range_refused);
    tcase_add_test(tc, header_text_is_escaped);
    tcase_add_test(tc, only_snapshots_are_touched);
    tcase_add_test(tc, no_temporaries_left);
    tcase_add_test(tc, format1_snapshot_loads);
    suite_add_tcase(s, tc);
    return s;
}
