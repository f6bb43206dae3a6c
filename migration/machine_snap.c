/*
 * The `virt` machine's snapshot: which sections, their field tables, the
 * checks a stream must pass before anything live changes, and the commit
 * that rebuilds derived state.  Format: migration/snap.h; time rules:
 * ../shared/spec/timebase.md 4-7.
 */
#include "migration/machine_snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boards/virtmap.h"
#include "migration/cpu_snap.h"

/* ---- field tables: each device's state, described once ---- */

static const SnapField tb_fields[] = {
    SNAP_FIELD(SnapTbImage, freq_hz, 1), SNAP_FIELD(SnapTbImage, icount_shift, 1),
    SNAP_FIELD(SnapTbImage, tb, 1), SNAP_FIELD(SnapTbImage, realtime_ns, 1),
    SNAP_FIELD(SnapTbImage, dec, 1), SNAP_FIELD(SnapTbImage, icount, 1),
    SNAP_FIELD_MAX(SnapTbImage, dec_pending, 1, 1), SNAP_FIELD_MAX(SnapTbImage, ext_pending, 1, 1),
    SNAP_FIELD_MAX(SnapTbImage, policy, 1, TB_CLOCK_VM),
    SNAP_END,
};

/* ns16550A (PC16550D 8.1-8.9): registers, the receive FIFO and the
 * latched THRE interrupt.  irq_level is derived (uart_post_load). */
static const SnapField uart_fields[] = {
    SNAP_FIELD_MAX(Uart16550, ier, 1, 0x0F), SNAP_FIELD(Uart16550, lcr, 1),
    SNAP_FIELD_MAX(Uart16550, mcr, 1, 0x1F), SNAP_FIELD(Uart16550, lsr, 1),
    SNAP_FIELD(Uart16550, msr, 1), SNAP_FIELD(Uart16550, scr, 1),
    SNAP_FIELD_MAX(Uart16550, fcr, 1, 0xC1), SNAP_FIELD(Uart16550, dll, 1),
    SNAP_FIELD(Uart16550, dlm, 1), SNAP_ARRAY(Uart16550, rx, 1),
    SNAP_FIELD_MAX(Uart16550, rx_head, 1, UART_FIFO_SIZE - 1),
    SNAP_FIELD_MAX(Uart16550, rx_count, 1, UART_FIFO_SIZE),
    SNAP_FIELD_MAX(Uart16550, thr_ipending, 1, 1),
    SNAP_END,
};

/* IPIC registers (MPC8315E RM 8.5) and its input wires; out_level is
 * derived (ipic_post_load). */
static const SnapField ipic_fields[] = {
    SNAP_FIELD(Ipic, sicfr, 1), SNAP_FIELD(Ipic, sicnr, 1), SNAP_ARRAY(Ipic, siprr, 1),
    SNAP_ARRAY(Ipic, smprr, 1), SNAP_ARRAY(Ipic, simsr, 1), SNAP_ARRAY(Ipic, level, 1),
    SNAP_ARRAY(Ipic, sifcr, 1), SNAP_FIELD(Ipic, ext_level, 1), SNAP_FIELD(Ipic, sepnr, 1),
    SNAP_FIELD(Ipic, semsr, 1), SNAP_FIELD(Ipic, secnr, 1), SNAP_FIELD(Ipic, sefcr, 1),
    SNAP_FIELD(Ipic, sersr, 1), SNAP_FIELD(Ipic, sermr, 1), SNAP_FIELD(Ipic, sercr, 1),
    SNAP_FIELD(Ipic, serfr, 1),
    SNAP_END,
};

static const SnapField spcr_fields[] = {
    SNAP_FIELD(VirtBoard, spcr, 1),
    SNAP_END,
};

/* RPR holds the reset key (MPC8315E RM 5.5.1.4); a reset request the main
 * loop has not acted on yet travels with it */
static const SnapField reset_fields[] = {
    SNAP_FIELD(VirtBoard, rpr, 1), SNAP_FIELD_MAX(VirtBoard, reset_req, 1, 1),
    SNAP_END,
};

/* The test device's counter is the CPU's instruction count (cpu section);
 * what it holds itself is an exit request not yet acted on. */
static const SnapField testdev_fields[] = {
    SNAP_FIELD_MAX(VirtBoard, exit_req, 1, 1), SNAP_FIELD_MAX(VirtBoard, exit_status, 1, 0xFF),
    SNAP_END,
};

/* ---- the sections ---- */

enum { SEC_CPU, SEC_TB, SEC_UART, SEC_IPIC, SEC_SPCR, SEC_RESET, SEC_TESTDEV, SEC_RAM, SEC_N };

typedef struct SectionDef {
    const char *name;
    uint32_t version;
    const SnapField *fields; /* NULL: cpu (its own module) and ram */
    size_t offset;           /* the table's base inside MachineSnapImage */
} SectionDef;

static const SectionDef sections[SEC_N] = {
    [SEC_CPU] = { "cpu", SNAP_CPU_VERSION, snap_cpu_fields, 0 },
    [SEC_TB] = { "tb", SNAP_TB_VERSION, tb_fields, offsetof(MachineSnapImage, tb) },
    [SEC_UART] = { "uart0", SNAP_DEV_VERSION, uart_fields, offsetof(MachineSnapImage, vb.uart) },
    [SEC_IPIC] = { "ipic", SNAP_DEV_VERSION, ipic_fields, offsetof(MachineSnapImage, vb.ipic) },
    [SEC_SPCR] = { "spcr", SNAP_DEV_VERSION, spcr_fields, offsetof(MachineSnapImage, vb) },
    [SEC_RESET] = { "reset", SNAP_DEV_VERSION, reset_fields, offsetof(MachineSnapImage, vb) },
    [SEC_TESTDEV] = { "testdev", SNAP_DEV_VERSION, testdev_fields, offsetof(MachineSnapImage, vb) },
    [SEC_RAM] = { "ram", SNAP_RAM_VERSION, NULL, 0 },
};

static int section_index(const char *name)
{
    for (int i = 0; i < SEC_N; i++)
        if (!strcmp(sections[i].name, name))
            return i;
    return -1;
}

const SnapField *snap_machine_fields(const char *section)
{
    int i = section_index(section);
    return i < 0 ? NULL : sections[i].fields;
}

uint32_t snap_machine_section_version(const char *section)
{
    int i = section_index(section);
    return i < 0 ? 0 : sections[i].version;
}

/* ---- time ---- */

static void tb_to_image(SnapTbImage *im, const TBSavedState *st, TBClockPolicy policy)
{
    memset(im, 0, sizeof(*im));
    im->freq_hz = st->freq_hz;
    im->icount_shift = st->icount_shift < 0 ? 0xFFFFFFFFu : (uint32_t)st->icount_shift;
    im->tb = st->tb;
    im->realtime_ns = (uint64_t)st->realtime_ns;
    im->dec = (uint64_t)st->dec;
    im->icount = st->icount;
    im->dec_pending = st->dec_pending;
    im->ext_pending = st->ext_pending;
    im->policy = (uint8_t)policy;
}

void snap_tb_from_image(TBSavedState *st, const SnapTbImage *im)
{
    memset(st, 0, sizeof(*st));
    st->freq_hz = im->freq_hz;
    st->icount_shift = im->icount_shift == 0xFFFFFFFFu ? -1 : (int32_t)im->icount_shift;
    st->tb = im->tb;
    st->realtime_ns = (int64_t)im->realtime_ns;
    st->dec = (int64_t)im->dec;
    st->icount = im->icount;
    st->dec_pending = im->dec_pending != 0;
    st->ext_pending = im->ext_pending != 0;
}

/* ---- saving ---- */

void snap_machine_header(const VirtBoard *vb, SnapHeader *h)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->board, sizeof(h->board), "%s", SNAP_BOARD_NAME);
    snprintf(h->cpu, sizeof(h->cpu), "%s", SNAP_CPU_NAME);
    h->ram_size = vb->bus.ram_size;
    h->flags = vb->has_ipic ? 0 : SNAP_FLAG_NO_IPIC;
}

static void put_table(SnapWriter *w, const SectionDef *d, const void *base)
{
    snap_begin_section(w, d->name, d->version);
    snap_put_fields(w, d->fields, base, d->version);
    snap_end_section(w);
}

/* The CPU is at a block boundary (between ppc_run calls), so icount is
 * exact and TB, DEC and icount are sampled at one instant. */
void snap_machine_write(SnapWriter *w, VirtBoard *vb, TimeBase *tb)
{
    TBSavedState st;
    SnapTbImage ti;
    tb_export(tb, vb->cpu.icount, &st);
    tb_to_image(&ti, &st, tb_policy(tb));
    snap_save_cpu(w, &vb->cpu);
    put_table(w, &sections[SEC_TB], &ti);
    put_table(w, &sections[SEC_UART], &vb->uart);
    put_table(w, &sections[SEC_IPIC], &vb->ipic);
    put_table(w, &sections[SEC_SPCR], vb);
    put_table(w, &sections[SEC_RESET], vb);
    put_table(w, &sections[SEC_TESTDEV], vb);
    snap_begin_section(w, "ram", SNAP_RAM_VERSION);
    snap_put_ram(w, vb->bus.ram, vb->bus.ram_size);
    snap_end_section(w);
}

int snap_machine_save_file(VirtBoard *vb, TimeBase *tb, const char *path, SnapError *err)
{
    SnapHeader h;
    snap_machine_header(vb, &h);
    SnapWriter *w = snap_writer_open_file(path, &h, err);
    if (!w)
        return -1;
    snap_machine_write(w, vb, tb);
    return snap_writer_commit(w, err);
}

/* ---- loading: phase 1, read and check ---- */

static int check_header(const SnapHeader *h, const VirtBoard *vb, SnapError *err)
{
    if (strcmp(h->board, SNAP_BOARD_NAME)) {
        snap_error(err, "snapshot is for board '%.15s', this machine is '%s'", h->board,
                   SNAP_BOARD_NAME);
        return -1;
    }
    if (strcmp(h->cpu, SNAP_CPU_NAME)) {
        snap_error(err, "snapshot is for CPU '%.15s', this machine has a '%s'", h->cpu,
                   SNAP_CPU_NAME);
        return -1;
    }
    if (h->ram_size != vb->bus.ram_size) {
        if (h->ram_size % (1u << 20) == 0)
            snap_error(err, "snapshot has %u MiB of RAM, this machine has %u MiB (use -m %u)",
                       h->ram_size >> 20, vb->bus.ram_size >> 20, h->ram_size >> 20);
        else
            snap_error(err, "snapshot has %u bytes of RAM, this machine has %u MiB",
                       h->ram_size, vb->bus.ram_size >> 20);
        return -1;
    }
    if (h->flags & ~SNAP_FLAG_NO_IPIC) {
        snap_error(err, "snapshot has unknown header flags 0x%x", h->flags);
        return -1;
    }
    bool no_ipic = h->flags & SNAP_FLAG_NO_IPIC;
    if (no_ipic == vb->has_ipic) {
        snap_error(err, "snapshot was saved with -M virt,ipic=%s, this machine has ipic=%s",
                   no_ipic ? "off" : "on", vb->has_ipic ? "on" : "off");
        return -1;
    }
    return 0;
}

static int check_tb(const SnapTbImage *t, const MachineSnapImage *img, TimeBase *tb,
                    SnapError *err)
{
    int shift = tb_icount_shift(tb);
    if (t->freq_hz != tb_freq(tb)) {
        snap_error(err, "snapshot's timebase runs at %llu Hz, this machine's at %llu Hz (use -tb-freq %llu)",
                   (unsigned long long)t->freq_hz, (unsigned long long)tb_freq(tb),
                   (unsigned long long)t->freq_hz);
        return -1;
    }
    if (t->icount_shift == 0xFFFFFFFFu && shift >= 0) {
        snap_error(err, "snapshot was saved in real time, this machine runs -icount %d", shift);
        return -1;
    }
    if (t->icount_shift != 0xFFFFFFFFu && (int64_t)t->icount_shift != shift) {
        if (shift < 0)
            snap_error(err, "snapshot was saved under -icount %u, this machine runs in real time",
                       t->icount_shift);
        else
            snap_error(err, "snapshot was saved under -icount %u, this machine runs -icount %d",
                       t->icount_shift, shift);
        return -1;
    }
    if (t->icount != img->vb.cpu.icount) {
        snap_error(err, "snapshot is corrupt (tb and cpu instruction counts differ)");
        return -1;
    }
    return 0;
}

/* Values the CPU could never hold, which the engine must not meet */
static int check_cpu(const PPCState *s, SnapError *err)
{
    if (s->pc & 3) {
        snap_error(err, "snapshot is corrupt (cpu PC 0x%08x is not word-aligned)", s->pc);
        return -1;
    }
    if (s->msr & ~MSR_750_MASK) {
        snap_error(err, "snapshot is corrupt (cpu MSR 0x%08x has bits a 750 lacks)", s->msr);
        return -1;
    }
    return 0;
}

/* A FIFO holds at most one byte while FIFOs are off (PC16550D 8.4) */
static int check_uart(const Uart16550 *u, SnapError *err)
{
    if (!(u->fcr & 1) && u->rx_count > 1) {
        snap_error(err, "snapshot is corrupt (uart0 holds %u bytes with its FIFO off)", u->rx_count);
        return -1;
    }
    return 0;
}

static int read_section(SnapReader *r, int i, uint32_t version, MachineSnapImage *img,
                        SnapError *err)
{
    const SectionDef *d = &sections[i];
    if (version == 0 || version > d->version) {
        snap_error(err, "snapshot's %s section version %u is not supported (this ppcemu reads 1..%u)",
                   d->name, version, d->version);
        return -1;
    }
    if (img->seen & (1u << i)) {
        snap_error(err, "snapshot is corrupt (two %s sections)", d->name);
        return -1;
    }
    img->seen |= 1u << i;
    if (i == SEC_CPU)
        return snap_load_cpu(r, version, &img->vb.cpu, err);
    int rc;
    if (i == SEC_RAM)
        rc = snap_get_ram_zeroed(r, img->ram, img->h.ram_size, img->ram_map, err);
    else
        rc = snap_get_fields(r, d->fields, (uint8_t *)img + d->offset, version, err);
    return rc ? -1 : snap_end_read_section(r, err);
}

static int read_sections(SnapReader *r, MachineSnapImage *img, SnapError *err)
{
    for (;;) {
        char name[64];
        uint32_t version;
        uint64_t len;
        int rc = snap_next_section(r, name, &version, &len, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        int i = section_index(name);
        if (i < 0) {
            snap_error(err, "snapshot has a section this ppcemu does not know: '%s'", name);
            return -1;
        }
        if (read_section(r, i, version, img, err))
            return -1;
    }
    for (int i = 0; i < SEC_N; i++) {
        if (!(img->seen & (1u << i))) {
            snap_error(err, "snapshot is incomplete (no %s section)", sections[i].name);
            return -1;
        }
    }
    return 0;
}

int snap_machine_read(SnapReader *r, const SnapHeader *h, VirtBoard *vb, TimeBase *tb,
                      MachineSnapImage *img, SnapError *err)
{
    memset(img, 0, sizeof(*img));
    img->h = *h;
    if (check_header(h, vb, err))
        return -1;
    img->vb = *vb; /* host-side members (pointers) stay the live ones */
    /* fresh anonymous memory: zero pages of the stream are never touched,
     * so a refused or idle snapshot costs little */
    img->ram = mmap(NULL, h->ram_size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    img->ram_map = calloc(1, (h->ram_size >> BUS_PAGE_BITS) / 8 + 1);
    if (img->ram == MAP_FAILED || !img->ram_map) {
        if (img->ram == MAP_FAILED)
            img->ram = NULL;
        snap_machine_image_free(img);
        snap_error(err, "out of memory for the snapshot's %u MiB of RAM", h->ram_size >> 20);
        return -1;
    }
    if (read_sections(r, img, err) || check_cpu(&img->vb.cpu, err) ||
        check_tb(&img->tb, img, tb, err) || check_uart(&img->vb.uart, err)) {
        snap_machine_image_free(img);
        return -1;
    }
    return 0;
}

int snap_machine_read_file(const char *path, VirtBoard *vb, TimeBase *tb, MachineSnapImage *img,
                           SnapError *err)
{
    SnapHeader h;
    memset(img, 0, sizeof(*img));
    SnapReader *r = snap_reader_open_file(path, &h, err);
    if (!r)
        return -1;
    int rc = snap_machine_read(r, &h, vb, tb, img, err);
    snap_reader_close(r);
    return rc;
}

void snap_machine_image_free(MachineSnapImage *img)
{
    if (img->ram)
        munmap(img->ram, img->h.ram_size);
    free(img->ram_map);
    img->ram = NULL;
    img->ram_map = NULL;
}

/* ---- loading: phase 2, commit ---- */

static void commit_table(int i, void *live, const MachineSnapImage *img)
{
    const SectionDef *d = &sections[i];
    snap_copy_fields(d->fields, live, (const uint8_t *)img + d->offset, d->version);
}

/* Data pages are copied, the others cleared; the bus then counts every
 * page as written (the dirty log, translated code). */
static void commit_ram(VirtBoard *vb, const MachineSnapImage *img)
{
    uint32_t pages = vb->bus.ram_size >> BUS_PAGE_BITS, psz = 1u << BUS_PAGE_BITS;
    for (uint32_t i = 0; i < pages; i++) {
        uint8_t *dst = vb->bus.ram + (size_t)i * psz;
        if (img->ram_map[i >> 3] & (1u << (i & 7)))
            memcpy(dst, img->ram + (size_t)i * psz, psz);
        else
            memset(dst, 0, psz);
    }
    bus_ram_written(&vb->bus, 0, vb->bus.ram_size);
}

void snap_machine_commit(VirtBoard *vb, TimeBase *tb, MachineSnapImage *img)
{
    TBSavedState st;
    commit_ram(vb, img);
    /* flushes the soft TLB and every translated block (the code under
     * them changed) */
    snap_cpu_commit(&vb->cpu, &img->vb.cpu);
    commit_table(SEC_UART, &vb->uart, img);
    commit_table(SEC_IPIC, &vb->ipic, img);
    commit_table(SEC_SPCR, vb, img);
    commit_table(SEC_RESET, vb, img);
    commit_table(SEC_TESTDEV, vb, img);
    snap_tb_from_image(&st, &img->tb);
    /* checked by check_tb, so it cannot fail; it re-arms the decrementer
     * and leaves the timebase paused until the guest runs (rule 5) */
    if (tb_import(tb, &st))
        return;
    /* interrupt lines, from the device state outwards: UART -> IPIC -> CPU */
    uart_post_load(&vb->uart);
    ipic_post_load(&vb->ipic);
    vb->cpu.exit_request = 1;
}
