/*
 * Named snapshots: the snapshot directory, the machine's run state around
 * a save or a load, and the monitor commands.  The stream itself is
 * migration/machine_snap.c's.
 */
#include "migration/vm_snap.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migration/machine_snap.h"

#define NAME_MAX_LEN 128

static void snap_log(const Machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool snap_logging(const Machine *m)
{
    return m->opt && m->opt->debug_snapshot && m->log;
}

static void snap_log(const Machine *m, const char *fmt, ...)
{
    if (!snap_logging(m))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(m->log, "snapshot: ");
    vfprintf(m->log, fmt, ap);
    fprintf(m->log, "\n");
    va_end(ap);
}

/* -snapshot-dir, else $XDG_DATA_HOME/ppcemu/snapshots, else
 * $HOME/.local/share/ppcemu/snapshots (XDG base directory spec) */
static int snapshot_dir(const Machine *m, char *out, size_t len, SnapError *err)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (m->opt && m->opt->snapshot_dir)
        n = snprintf(out, len, "%s", m->opt->snapshot_dir);
    else if (xdg && *xdg)
        n = snprintf(out, len, "%s/ppcemu/snapshots", xdg);
    else if (home && *home)
        n = snprintf(out, len, "%s/.local/share/ppcemu/snapshots", home);
    else {
        snap_error(err, "no snapshot directory (set HOME or use -snapshot-dir)");
        return -1;
    }
    if (n < 0 || (size_t)n >= len) {
        snap_error(err, "snapshot directory name too long");
        return -1;
    }
    return 0;
}

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_LEN || name[0] == '.' || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("._-+@:", c)))
            return false;
    }
    return true;
}

int snap_vm_path(const Machine *m, const char *name, char *out, size_t len, SnapError *err)
{
    if (strchr(name, '/')) {
        if ((size_t)snprintf(out, len, "%s", name) >= len) {
            snap_error(err, "snapshot path too long");
            return -1;
        }
        return 0;
    }
    if (!name_ok(name)) {
        snap_error(err, "bad snapshot name '%s' (letters, digits and ._-+@: only; a path needs a '/')",
                   name);
        return -1;
    }
    char dir[3072];
    if (snapshot_dir(m, dir, sizeof(dir), err))
        return -1;
    if ((size_t)snprintf(out, len, "%s/%s%s", dir, name, SNAP_FILE_SUFFIX) >= len) {
        snap_error(err, "snapshot path too long");
        return -1;
    }
    return 0;
}

/* mkdir -p of the directory part of path */
static int make_parent_dirs(const char *path, SnapError *err)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = 0;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) && errno != EEXIST)
            goto fail;
        *p = '/';
    }
    if (mkdir(buf, 0755) && errno != EEXIST)
        goto fail;
    return 0;
fail:
    snap_error(err, "cannot create directory %s: %s", buf, strerror(errno));
    return -1;
}

/* for -d snapshot only: under -icount no host clock is read otherwise */
static double now_ms(const Machine *m)
{
    if (!snap_logging(m))
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int snap_vm_save(Machine *m, const char *name, SnapError *err)
{
    char path[4096];
    if (snap_vm_path(m, name, path, sizeof(path), err) || make_parent_dirs(path, err))
        return -1;
    PPCState *cpu = &m->vb.cpu;
    /* under vm the guest must not see the time the save takes */
    bool hold = m->running && tb_policy(m->tb) == TB_CLOCK_VM;
    double t0 = now_ms(m);
    if (hold)
        tb_pause(m->tb, cpu->icount);
    int rc = snap_machine_save_file(&m->vb, m->tb, path, err);
    if (hold)
        tb_resume(m->tb, cpu->icount);
    if (rc == 0)
        snap_log(m, "saved %s: icount %llu, TB %llu, DEC %08x, %.1f ms", path,
                 (unsigned long long)cpu->icount,
                 (unsigned long long)tb_read(m->tb, cpu->icount), tb_dec_read(m->tb, cpu->icount),
                 now_ms(m) - t0);
    return rc;
}

int snap_vm_load(Machine *m, const char *name, SnapError *err)
{
    char path[4096];
    MachineSnapImage img;
    if (snap_vm_path(m, name, path, sizeof(path), err))
        return -1;
    double t0 = now_ms(m);
    if (snap_machine_read_file(path, &m->vb, m->tb, &img, err))
        return -1; /* nothing live was touched */
    snap_machine_commit(&m->vb, m->tb, &img);
    snap_machine_image_free(&img);
    /* the timebase is paused: a running machine's time is derived now, a
     * stopped one's at `cont` (timebase.md rule 5) */
    if (m->running)
        tb_resume(m->tb, m->vb.cpu.icount);
    snap_log(m, "loaded %s: icount %llu, %.1f ms%s", path, (unsigned long long)m->vb.cpu.icount,
             now_ms(m) - t0, m->running ? "" : " (timebase paused until the guest runs)");
    return 0;
}

int snap_vm_delete(Machine *m, const char *name, SnapError *err)
{
    char path[4096];
    if (snap_vm_path(m, name, path, sizeof(path), err))
        return -1;
    if (unlink(path)) {
        snap_error(err, "cannot delete %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
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

int snap_cmd_savevm(Monitor *mon, const char *args)
{
    SnapError err;
    if (one_arg(mon, "savevm", args))
        return -1;
    if (snap_vm_save(mon->m, args, &err)) {
        monitor_printf(mon, "savevm: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int snap_cmd_loadvm(Monitor *mon, const char *args)
{
    SnapError err;
    if (one_arg(mon, "loadvm", args))
        return -1;
    if (snap_vm_load(mon->m, args, &err)) {
        monitor_printf(mon, "loadvm: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int snap_cmd_delvm(Monitor *mon, const char *args)
{
    SnapError err;
    if (one_arg(mon, "delvm", args))
        return -1;
    if (snap_vm_delete(mon->m, args, &err)) {
        monitor_printf(mon, "delvm: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line per snapshot: name, size, date, and what its header says */
static void list_one(Monitor *mon, const char *dir, const char *file)
{
    char path[4096], date[32] = "?";
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (stat(path, &st))
        return;
    struct tm tm;
    if (localtime_r(&st.st_mtime, &tm))
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    SnapHeader h;
    SnapError err;
    SnapReader *r = snap_reader_open_file(path, &h, &err);
    char what[96];
    if (r)
        snprintf(what, sizeof(what), "%s/%s %u MiB", h.board, h.cpu, h.ram_size >> 20);
    else
        snprintf(what, sizeof(what), "unreadable");
    snap_reader_close(r);
    size_t n = strlen(file) - strlen(SNAP_FILE_SUFFIX);
    monitor_printf(mon, "%-24.*s %10lld  %s  %s\n", (int)n, file, (long long)st.st_size, date, what);
}

int snap_cmd_info_snapshots(Monitor *mon, const char *args)
{
    (void)args;
    char dir[3072];
    SnapError err;
    if (snapshot_dir(mon->m, dir, sizeof(dir), &err)) {
        monitor_printf(mon, "info snapshots: %s\n", err.msg);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        monitor_printf(mon, "No snapshots in %s\n", dir);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    size_t sl = strlen(SNAP_FILE_SUFFIX);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, SNAP_FILE_SUFFIX) || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(names, cap * sizeof(*names));
            if (!p)
                break;
            names = p;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    if (!n)
        monitor_printf(mon, "No snapshots in %s\n", dir);
    else
        monitor_printf(mon, "Snapshots in %s:\n%-24s %10s  %-19s  %s\n", dir, "NAME", "BYTES",
                       "DATE", "MACHINE");
    for (size_t i = 0; i < n; i++) {
        list_one(mon, dir, names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}
