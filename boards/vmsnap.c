/* The machine's named snapshots (boards/vmsnap.h) */
#include "boards/vmsnap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migration/vm_snap.h"

static bool snap_logging(const Machine *m)
{
    return m->opt && m->opt->debug_snapshot && m->log;
}

#define snap_log(m, ...) machine_log((m), snap_logging(m), "snapshot", __VA_ARGS__)

/* for -d snapshot only: under -icount no host clock is read otherwise */
static double now_ms(const Machine *m)
{
    if (!snap_logging(m))
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *dir_opt(const Machine *m)
{
    return m->opt ? m->opt->snapshot_dir : NULL;
}

/* A writable raw drive cannot be rolled back to the snapshot's moment:
 * QEMU refuses savevm on such a drive, and so does ppcemu (issue 13) */
static int check_drives(const Machine *m, SnapError *err)
{
    const VirtBoard *vb = &m->vb;
    for (unsigned i = 0; i < vb->nblk; i++) {
        const VirtioBlk *b = &vb->blk[i];
        if (!b->readonly && !b->snapshot) {
            char safe[256];
            snap_escape(safe, sizeof safe, b->path, strlen(b->path));
            snap_error(err, "drive virtio%u (%s) is writable: its contents cannot be saved "
                       "(use snapshot=on or readonly=on)", i, safe);
            return -1;
        }
    }
    return 0;
}

int machine_savevm(Machine *m, const char *name, SnapError *err)
{
    char path[4096];
    if (check_drives(m, err) || snap_name_path(dir_opt(m), name, path, sizeof(path), err))
        return -1;
    PPCState *cpu = &m->vb.cpu;
    /* under vm the guest must not see the time the save takes */
    bool hold = m->running && tb_policy(m->tb) == TB_CLOCK_VM;
    double t0 = now_ms(m);
    if (hold)
        tb_pause(m->tb, cpu->icount);
    int rc = snap_file_save(&m->vb.snap, path, err);
    if (hold)
        tb_resume(m->tb, cpu->icount);
    if (rc == 0)
        snap_log(m, "saved %s: icount %llu, TB %llu, DEC %08x, %.1f ms", path,
                 (unsigned long long)cpu->icount,
                 (unsigned long long)tb_read(m->tb, cpu->icount), tb_dec_read(m->tb, cpu->icount),
                 now_ms(m) - t0);
    return rc;
}

int machine_loadvm(Machine *m, const char *name, SnapError *err)
{
    char path[4096];
    if (snap_name_path(dir_opt(m), name, path, sizeof(path), err))
        return -1;
    double t0 = now_ms(m);
    SnapLoad *ld = snap_registry_read_file(&m->vb.snap, path, err);
    if (!ld)
        return -1; /* nothing live was touched */
    virt_io_drain(&m->vb); /* no old request may land in the loaded RAM */
    snap_load_commit(ld);
    m->vb.cpu.exit_request = 1; /* the slice in progress, if any, is void */
    /* the timebase is paused: a running machine's time is derived now, a
     * stopped one's at `cont` (timebase.md rule 5) */
    if (m->running)
        tb_resume(m->tb, m->vb.cpu.icount);
    snap_log(m, "loaded %s: icount %llu, %.1f ms%s", path, (unsigned long long)m->vb.cpu.icount,
             now_ms(m) - t0, m->running ? "" : " (timebase paused until the guest runs)");
    return 0;
}

int machine_delvm(Machine *m, const char *name, SnapError *err)
{
    char path[4096];
    if (snap_name_path(dir_opt(m), name, path, sizeof(path), err))
        return -1;
    return snap_file_delete(path, err);
}

/* ---- monitor commands ---- */

static int one_arg(Monitor *mon, const char *cmd, const char *args)
{
    if (!*args || strpbrk(args, " \t")) {
        monitor_printf(mon, "%s: usage: %s NAME\n", cmd, cmd);
        return -1;
    }
    return 0;
}

static int run_cmd(Monitor *mon, const char *cmd, const char *args,
                   int (*fn)(Machine *, const char *, SnapError *))
{
    SnapError err;
    if (one_arg(mon, cmd, args))
        return -1;
    if (fn(mon->m, args, &err)) {
        monitor_printf(mon, "%s: %s\n", cmd, err.msg);
        return -1;
    }
    return 0;
}

int vmsnap_cmd_savevm(Monitor *mon, const char *args)
{
    return run_cmd(mon, "savevm", args, machine_savevm);
}

int vmsnap_cmd_loadvm(Monitor *mon, const char *args)
{
    return run_cmd(mon, "loadvm", args, machine_loadvm);
}

int vmsnap_cmd_delvm(Monitor *mon, const char *args)
{
    return run_cmd(mon, "delvm", args, machine_delvm);
}

/* One line per snapshot: name, size, date, and what its header says
 * (file and header text escaped: they may hold terminal escapes) */
static void list_one(Monitor *mon, const SnapInfo *si)
{
    char date[32] = "?", what[160], name[sizeof si->name * 4], b[16 * 4 + 1], c[16 * 4 + 1];
    struct tm tm;
    if (localtime_r(&si->mtime, &tm))
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    if (si->readable)
        snprintf(what, sizeof(what), "%s/%s %u MiB",
                 snap_escape(b, sizeof b, si->h.board, strlen(si->h.board)),
                 snap_escape(c, sizeof c, si->h.cpu, strlen(si->h.cpu)), si->h.ram_size >> 20);
    else
        snprintf(what, sizeof(what), "unreadable");
    snap_escape(name, sizeof name, si->name, strlen(si->name));
    monitor_printf(mon, "%-24s %10lld  %s  %s\n", name, si->size, date, what);
}

int vmsnap_cmd_info_snapshots(Monitor *mon, const char *args)
{
    (void)args;
    char dir[3072];
    SnapError err;
    SnapInfo *list;
    size_t n;
    if (snap_dir(dir_opt(mon->m), dir, sizeof(dir), &err) || snap_list(dir, &list, &n, &err)) {
        monitor_printf(mon, "info snapshots: %s\n", err.msg);
        return -1;
    }
    char safe[sizeof dir * 4];
    snap_escape(safe, sizeof safe, dir, strlen(dir));
    if (!n)
        monitor_printf(mon, "No snapshots in %s\n", safe);
    else
        monitor_printf(mon, "Snapshots in %s:\n%-24s %10s  %-19s  %s\n", safe, "NAME", "BYTES",
                       "DATE", "MACHINE");
    for (size_t i = 0; i < n; i++)
        list_one(mon, &list[i]);
    free(list);
    return 0;
}
