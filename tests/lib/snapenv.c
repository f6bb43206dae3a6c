#include "tests/lib/snapenv.h"

#include "boards/loader.h"

#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

const char *snapenv_guest(void)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = 0;
    /* BUILD/tests/unit-tests -> BUILD/tests/snapshot/snap_icount.elf */
    snprintf(path, sizeof(path), "%s/snapshot/snap_icount.elf", dirname(exe));
    return access(path, R_OK) ? NULL : path;
}

SnapEnv *snapenv_new(uint32_t ram_mib, bool ipic)
{
    const char *elf = snapenv_guest();
    if (!elf)
        return NULL;
    SnapEnv *e = calloc(1, sizeof(*e));
    Machine *m = e->m = calloc(1, sizeof(*m));
    char err[400];
    bool warn, bad;
    cli_defaults(&e->opt);
    strcpy(e->dir, "/tmp/ppcemu-snapenv-XXXXXX");
    if (!mkdtemp(e->dir))
        goto fail;
    e->opt.snapshot_dir = e->dir;
    e->opt.icount_shift = 2;
    m->opt = &e->opt;
    m->cfg = (VirtConfig){ .ram_mib = ram_mib, .ipic = ipic, .tb_freq = 33333333, .kernel = elf,
                           .default_bios = "/nonexistent/bootrom.bin" };
    if (virt_init(&m->vb, &m->cfg, NULL, NULL, err, sizeof(err)) ||
        virt_load_images(&m->vb, &m->cfg, err, sizeof(err)) ||
        virt_load_rom(&m->vb, &m->cfg, &warn, err, sizeof(err)))
        goto fail;
    m->tb = tb_new(ppc_tb_links(&m->vb.cpu), 33333333, 2, TB_CLOCK_VM);
    if (!m->tb)
        goto fail;
    m->vb.cpu.tb = m->tb;
    snprintf(e->mon_path, sizeof(e->mon_path), "%s/monitor.out", e->dir);
    char spec[128];
    snprintf(spec, sizeof(spec), "file:%s", e->mon_path);
    m->mon_cd = chardev_open(spec, &bad, err, sizeof(err));
    if (!m->mon_cd)
        goto fail;
    monitor_init(&m->mon, m, m->mon_cd, false, false);
    virt_reset(&m->vb);
    m->running = true;
    return e;
fail:
    fprintf(stderr, "snapenv: %s\n", err);
    snapenv_free(e);
    return NULL;
}

void snapenv_free(SnapEnv *e)
{
    if (!e)
        return;
    Machine *m = e->m;
    if (m->mon_cd)
        chardev_close(m->mon_cd);
    if (m->tb)
        tb_free(m->tb);
    m->vb.cpu.tb = NULL;
    virt_free(&m->vb);
    free(m);
    if (e->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
        if (system(cmd))
            fprintf(stderr, "snapenv: could not remove %s\n", e->dir);
    }
    free(e);
}

/* The main loop's slice (boards/machine.c), with an exact stop */
void snapenv_run_to(SnapEnv *e, uint64_t icount)
{
    PPCState *cpu = &e->m->vb.cpu;
    while (cpu->icount < icount) {
        tb_run_due(e->m->tb, cpu->icount);
        uint64_t b = tb_insn_budget(e->m->tb, cpu->icount);
        if (b > icount - cpu->icount)
            b = icount - cpu->icount;
        if (ppc_run(cpu, b) == PPC_RUN_HALTED)
            tb_idle_warp(e->m->tb, cpu->icount);
    }
}

int snapenv_mon(SnapEnv *e, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    int r = monitor_exec(&e->m->mon, line);
    FILE *f = fopen(e->mon_path, "r");
    size_t n = 0;
    if (f) {
        fseek(f, e->mon_pos, SEEK_SET);
        n = fread(e->out, 1, sizeof(e->out) - 1, f);
        fclose(f);
    }
    e->out[n] = 0;
    e->mon_pos += (long)n;
    return r;
}

uint32_t snapenv_digest(SnapEnv *e, bool with_ram)
{
    VirtBoard *vb = &e->m->vb;
    const PPCState *s = &vb->cpu;
    TBSavedState st;
    uLong c = crc32(0, NULL, 0);
    /* the architectural registers: gpr .. dec in PPCState's order */
    c = crc32(c, (const Bytef *)s->gpr, (uInt)(offsetof(PPCState, reserve_addr) - offsetof(PPCState, gpr)));
    c = crc32(c, (const Bytef *)&s->icount, sizeof(s->icount));
    uint32_t misc[4] = { s->irq_pending, s->halted, vb->spcr, vb->rpr };
    c = crc32(c, (const Bytef *)misc, sizeof(misc));
    tb_export(e->m->tb, s->icount, &st);
    uint64_t t[4] = { st.tb, (uint64_t)st.dec, st.icount, (uint64_t)st.dec_pending << 1 | st.ext_pending };
    c = crc32(c, (const Bytef *)t, sizeof(t));
    const Uart16550 *u = &vb->uart;
    uint8_t ur[9] = { u->ier, u->lcr, u->mcr, u->lsr, u->msr, u->scr, u->fcr, u->dll, u->dlm };
    c = crc32(c, ur, sizeof(ur));
    c = crc32(c, u->rx, sizeof(u->rx));
    uint32_t uc[3] = { u->rx_head, u->rx_count, u->thr_ipending };
    c = crc32(c, (const Bytef *)uc, sizeof(uc));
    const Ipic *p = &vb->ipic;
    c = crc32(c, (const Bytef *)p, (uInt)offsetof(Ipic, out));
    if (with_ram)
        c = crc32_z(c, vb->bus.ram, vb->bus.ram_size);
    return (uint32_t)c;
}

uint8_t *snapenv_read_file(const char *path, size_t *len)
{
    uint8_t *p;
    char why[256];
    return loader_read_file(path, &p, len, why, sizeof why) ? NULL : p;
}

int snapenv_write_file(const char *path, const uint8_t *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, len, f);
    return (fclose(f) || w != len) ? -1 : 0;
}
