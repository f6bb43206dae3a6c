/* Named snapshot files (migration/vm_snap.h) */
#include "migration/vm_snap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_LEN 128

/* -snapshot-dir, else $XDG_DATA_HOME/ppcemu/snapshots, else
 * $HOME/.local/share/ppcemu/snapshots (XDG base directory spec) */
int snap_dir(const char *dir_opt, char *out, size_t len, SnapError *err)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (dir_opt)
        n = snprintf(out, len, "%s", dir_opt);
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

int snap_name_path(const char *dir_opt, const char *name, char *out, size_t len, SnapError *err)
{
    if (strchr(name, '/')) {
        if ((size_t)snprintf(out, len, "%s", name) >= len) {
            snap_error(err, "snapshot path too long");
            return -1;
        }
        return 0;
    }
    if (!name_ok(name)) {
        char safe[NAME_MAX_LEN * 4 + 1];
        snap_escape(safe, sizeof safe, name, strlen(name));
        snap_error(err, "bad snapshot name '%s' (letters, digits and ._-+@: only; a path needs a '/')",
                   safe);
        return -1;
    }
    char dir[3072];
    if (snap_dir(dir_opt, dir, sizeof(dir), err))
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

/* Decided by lstat first (a FIFO or a device is never opened), then by the
 * first bytes of a regular file: the magic alone, so that a damaged or
 * newer snapshot can still be replaced or deleted. */
int snap_file_is_snapshot(const char *path, bool absent_ok, SnapError *err)
{
    struct stat st;
    if (lstat(path, &st)) {
        if (errno == ENOENT && absent_ok)
            return 0;
        snap_error(err, "cannot %s %s: %s", absent_ok ? "write" : "delete", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snap_error(err, "%s is a %s, not a snapshot: left alone", path,
                   S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symbolic link"
                                                                           : "special file");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        snap_error(err, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    SnapHeader h;
    SnapError why;
    SnapReader *r = snap_reader_open_fd(fd, &h, &why);
    bool magic = r || strncmp(why.msg, "not a ppcemu snapshot", 21);
    snap_reader_close(r);
    close(fd);
    if (!magic) {
        snap_error(err, "%s is not a ppcemu snapshot: left alone", path);
        return -1;
    }
    return 0;
}

int snap_file_save(const SnapRegistry *reg, const char *path, SnapError *err)
{
    if (make_parent_dirs(path, err) || snap_file_is_snapshot(path, true, err))
        return -1;
    return snap_registry_save_file(reg, path, err);
}

int snap_file_delete(const char *path, SnapError *err)
{
    if (snap_file_is_snapshot(path, false, err))
        return -1;
    if (unlink(path)) {
        snap_error(err, "cannot delete %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const SnapInfo *)a)->name, ((const SnapInfo *)b)->name);
}

static void stat_one(const char *dir, SnapInfo *si)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s%s", dir, si->name, SNAP_FILE_SUFFIX);
    if (lstat(path, &st) || !S_ISREG(st.st_mode))
        return;
    si->size = (long long)st.st_size;
    si->mtime = st.st_mtime;
    SnapError err;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return;
    SnapReader *r = snap_reader_open_fd(fd, &si->h, &err);
    si->readable = r != NULL;
    snap_reader_close(r);
    close(fd);
}

int snap_list(const char *dir, SnapInfo **list, size_t *n, SnapError *err)
{
    *list = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t cap = 0, sl = strlen(SNAP_FILE_SUFFIX);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= sl || l - sl >= sizeof((*list)->name) || e->d_name[0] == '.' ||
            strcmp(e->d_name + l - sl, SNAP_FILE_SUFFIX))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            SnapInfo *p = realloc(*list, cap * sizeof(**list));
            if (!p) {
                closedir(d);
                free(*list);
                *list = NULL;
                *n = 0;
                snap_error(err, "out of memory");
                return -1;
            }
            *list = p;
        }
        SnapInfo *si = &(*list)[(*n)++];
        memset(si, 0, sizeof(*si));
        memcpy(si->name, e->d_name, l - sl);
    }
    closedir(d);
    for (size_t i = 0; i < *n; i++)
        stat_one(dir, &(*list)[i]);
    if (*n)
        qsort(*list, *n, sizeof(**list), by_name);
    return 0;
}
