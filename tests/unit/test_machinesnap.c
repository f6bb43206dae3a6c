/* Whole-machine snapshots (migration/machine_snap.c, migration/vm_snap.c)
 * through the monitor: save/load round trips, refusals that name the
 * problem in one line and leave the machine as it was, the rebuilding of
 * interrupt lines after a load. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "migration/machine_snap.h"
#include "migration/vm_snap.h"
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
    suite_add_tcase(s, tc);
    return s;
}
