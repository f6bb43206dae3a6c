/*
 * ppcsnap FILE...: show what a ppcemu snapshot holds and check it.
 *
 * Prints the header, then every section (name, version, length, CRC ok or
 * BAD) with its fields, decoded from the same state descriptions ppcemu
 * saves and loads with (the board's registry, boards/virt.c's list):
 * CPU registers, the timebase (TB, DEC, frequency, CLOCK_REALTIME at the
 * save, clock policy), the devices, and a RAM summary.  Verifies every CRC
 * and the stream trailer.  Exit status 0 for a good file, 1 (after one line
 * naming the problem on stderr) for a bad one, 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boards/virt.h"
#include "migration/snap.h"
#include "migration/snapstate.h"
#include "migration/time_snap.h"

/* The board whose descriptions say what each section holds (only its
 * registry is filled: no RAM, no CPU) */
static VirtBoard board;

static uint64_t be_value(const uint8_t *b, unsigned size)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v = (v << 8) | b[k];
    return v;
}

static void print_value(uint64_t v, const SnapField *f)
{
    unsigned size = snap_type_size((SnapType)f->type);
    if (f->type == SNAP_T_BOOL)
        printf(" %s", v ? "true" : v == 0 ? "false" : "?");
    else if (snap_type_signed((SnapType)f->type))
        printf(" %lld", (long long)(size < 8 && (v >> (8 * size - 1)) ? v | ~0ull << (8 * size) : v));
    else
        printf(" %0*llx", 2 * size, (unsigned long long)v);
}

/* Every field of a table as it exists at `version`, in stream order */
static int print_fields(SnapReader *r, const SnapField *f, uint32_t version, SnapError *err)
{
    for (; f->name; f++) {
        if (!snap_field_in(f, version))
            continue;
        unsigned size = snap_type_size((SnapType)f->type);
        printf("    %-14s", f->name);
        for (uint32_t i = 0; i < f->count; i++) {
            uint8_t b[8];
            if (snap_get_bytes(r, b, size, err))
                return -1;
            if (f->count > 1 && i && i % (size == 8 ? 4 : 8) == 0)
                printf("\n    %-14s", "");
            print_value(be_value(b, size), f);
        }
        printf("\n");
    }
    return 0;
}

/* Subsections after the fields, until the payload ends */
static int print_subsections(SnapReader *r, const SnapStateDesc *d, SnapError *err)
{
    while (snap_remaining(r)) {
        uint8_t nl;
        char name[64], safe[64 * 4 + 1];
        uint32_t version;
        if (snap_get_u8(r, &nl, err))
            return -1;
        if (nl == 0 || nl > 63) {
            snap_error(err, "snapshot is corrupt (bad subsection name length %u)", nl);
            return -1;
        }
        if (snap_get_bytes(r, name, nl, err) || snap_get_u32(r, &version, err))
            return -1;
        name[nl] = 0;
        printf("    subsection %s version %u\n", snap_escape(safe, sizeof safe, name, nl), version);
        const SnapStateDesc *sub = NULL;
        for (unsigned i = 0; d->subsections && d->subsections[i]; i++)
            if (!strcmp(d->subsections[i]->name, name))
                sub = d->subsections[i];
        if (!sub || version > sub->version) {
            printf("    (unknown to this ppcsnap: the rest of the section skipped)\n");
            return snap_skip_section(r, err) ? -1 : 1;
        }
        if (print_fields(r, sub->fields, version, err))
            return -1;
    }
    return 0;
}

static void print_realtime(int64_t ns)
{
    time_t s = (time_t)(ns / 1000000000);
    struct tm tm;
    char buf[64] = "?";
    if (gmtime_r(&s, &tm))
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    printf("    realtime_ns    %lld (%s.%03lld UTC)\n", (long long)ns, buf,
           (long long)((ns % 1000000000) / 1000000));
}

/* The tb section, interpreted (timebase.md rule 4) */
static int print_tb(SnapReader *r, uint32_t version, SnapError *err)
{
    SnapTime tm;
    memset(&tm, 0, sizeof(tm));
    if (snap_get_fields(r, snap_time_desc.fields, &tm, version, err))
        return -1;
    const TBSavedState *t = &tm.st;
    printf("    freq_hz        %llu Hz\n", (unsigned long long)t->freq_hz);
    if (t->icount_shift < 0)
        printf("    icount         off (real time)\n");
    else
        printf("    icount         -icount %d: one tick every %llu instructions\n", t->icount_shift,
               1ull << t->icount_shift);
    printf("    policy         %s\n", tm.policy == TB_CLOCK_VM ? "vm" : "host");
    printf("    tb             0x%016llx (%llu)\n", (unsigned long long)t->tb,
           (unsigned long long)t->tb);
    if (t->icount_shift < 0)
        print_realtime(t->realtime_ns);
    else
        printf("    realtime_ns    0 (no host clock under -icount)\n");
    printf("    dec            %lld ticks to the deadline: DEC reads 0x%08x\n", (long long)t->dec,
           (uint32_t)t->dec);
    printf("    pending        DEC %s\n", t->dec_pending ? "yes" : "no");
    return 0;
}

static int print_ram(SnapReader *r, SnapError *err)
{
    uint32_t psz, pages, data;
    if (snap_get_ram_stats(r, &psz, &pages, &data, err))
        return -1;
    printf("    %u pages of %u bytes (%u MiB), %u with data, %u zero\n", pages, psz,
           (uint32_t)((uint64_t)pages * psz >> 20), data, pages - data);
    return 0;
}

/* Print one section and finish it (its CRC checked) */
static int print_section(SnapReader *r, const char *name, uint32_t version, SnapError *err)
{
    const SnapEntry *e = snap_registry_find(&board.snap, name);
    if (!e) {
        printf("    (unknown to this ppcsnap: skipped)\n");
        return snap_skip_section(r, err);
    }
    const SnapStateDesc *d = e->desc;
    if (version > d->version) {
        printf("    (version newer than this ppcsnap reads: skipped)\n");
        return snap_skip_section(r, err);
    }
    int rc;
    if (!strcmp(name, "ram"))
        rc = print_ram(r, err);
    else if (!strcmp(name, "tb"))
        rc = print_tb(r, version, err);
    else
        rc = print_fields(r, d->fields, version, err);
    if (!rc && !d->bulk) {
        rc = print_subsections(r, d, err);
        if (rc > 0)
            return 0; /* skipped to the end, CRC checked */
    }
    return rc ? -1 : snap_end_read_section(r, err);
}

/* 0 good, 1 bad (message in err) */
static int show(const char *path, SnapError *err)
{
    SnapHeader h;
    SnapReader *r = snap_reader_open_file(path, &h, err);
    if (!r)
        return 1;
    char sb[16 * 4 + 1], sc[16 * 4 + 1];
    /* header text is untrusted: escaped, never sent raw to a terminal */
    printf("%s:\n  format %u, board %s, cpu %s, RAM %u MiB, flags 0x%x%s\n", path, h.version,
           snap_escape(sb, sizeof sb, h.board, strlen(h.board)),
           snap_escape(sc, sizeof sc, h.cpu, strlen(h.cpu)), h.ram_size >> 20, h.flags,
           (h.flags & VIRT_SNAP_FLAG_NO_IPIC) ? " (ipic=off)" : "");
    int bad = 0, n = 0;
    SnapError first = { "" };
    for (;;) {
        char name[64];
        uint32_t version;
        uint64_t len;
        int rc = snap_next_section(r, name, &version, &len, err);
        if (rc < 0) {
            if (!bad)
                first = *err;
            bad = 1;
            break;
        }
        if (rc == 0)
            break;
        n++;
        printf("  section %-8s version %u, %llu bytes\n", name, version, (unsigned long long)len);
        if (print_section(r, name, version, err)) {
            /* a CRC mismatch leaves the stream at the next section: go on
             * listing; anything else ends the walk */
            bool crc = strstr(err->msg, "CRC mismatch") != NULL;
            printf("    %s\n", crc ? "CRC BAD" : err->msg);
            if (!bad)
                first = *err;
            bad = 1;
            if (crc)
                continue;
            break;
        }
        printf("    CRC ok\n");
    }
    snap_reader_close(r);
    if (bad && first.msg[0])
        *err = first;
    if (!bad)
        printf("  %d sections, stream CRC ok\n", n);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: ppcsnap FILE...\nshows and checks ppcemu snapshots (exit 1 if one is bad)\n");
        return argc < 2 ? 2 : 0;
    }
    int status = 0;
    if (virt_register_state(&board)) {
        fprintf(stderr, "ppcsnap: cannot list the board's snapshot sections\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        SnapError err = { "" };
        if (show(argv[i], &err)) {
            fflush(stdout);
            fprintf(stderr, "ppcsnap: %s: %s\n", argv[i], err.msg);
            status = 1;
        }
    }
    return status;
}
