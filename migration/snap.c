#include "migration/snap.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

static const uint8_t snap_magic[8] = { 'P', 'P', 'C', 'E', 'M', 'U', 0, 'S' };

#define OUTBUF_SIZE (256u << 10)
#define INBUF_SIZE (256u << 10)
#define MAX_SECTION_LEN (1ull << 32) /* RAM (768 MiB) plus page flags fits */
#define RAM_PAGE 4096u

void snap_error(SnapError *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

char *snap_escape(char *out, size_t outlen, const char *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && outlen; i++) {
        unsigned char c = (unsigned char)in[i];
        char tmp[5];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            snprintf(tmp, sizeof tmp, "%c", c);
        else if (c == '\\')
            snprintf(tmp, sizeof tmp, "\\\\");
        else
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        size_t k = strlen(tmp);
        if (o + k >= outlen)
            break;
        memcpy(out + o, tmp, k);
        o += k;
    }
    if (outlen)
        out[o] = 0;
    return out;
}

/* ---- byte order helpers ---- */
static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void header_encode(uint8_t out[SNAP_HEADER_SIZE], const SnapHeader *h)
{
    memset(out, 0, SNAP_HEADER_SIZE);
    memcpy(out, snap_magic, 8);
    be32(out + 8, SNAP_FORMAT_VERSION);
    be32(out + 12, SNAP_HEADER_SIZE);
    memcpy(out + 16, h->board, strnlen(h->board, 15));
    memcpy(out + 32, h->cpu, strnlen(h->cpu, 15));
    be32(out + 48, h->ram_size);
    be32(out + 52, h->flags);
    be32(out + 60, (uint32_t)crc32(0, out, 60));
}

static int header_decode(const uint8_t in[SNAP_HEADER_SIZE], SnapHeader *h, SnapError *err)
{
    if (memcmp(in, snap_magic, 8)) {
        snap_error(err, "not a ppcemu snapshot (bad magic)");
        return -1;
    }
    uint32_t ver = rd32(in + 8);
    if (ver > SNAP_FORMAT_VERSION) {
        snap_error(err, "snapshot format version %u is newer than this ppcemu supports (%u)", ver,
                   SNAP_FORMAT_VERSION);
        return -1;
    }
    if (ver == 0 || rd32(in + 12) != SNAP_HEADER_SIZE) {
        snap_error(err, "snapshot header is corrupt (version %u, length %u)", ver, rd32(in + 12));
        return -1;
    }
    if (rd32(in + 60) != (uint32_t)crc32(0, in, 60)) {
        snap_error(err, "snapshot header is corrupt (CRC mismatch)");
        return -1;
    }
    memset(h, 0, sizeof(*h));
    h->version = ver;
    memcpy(h->board, in + 16, 15);
    memcpy(h->cpu, in + 32, 15);
    h->ram_size = rd32(in + 48);
    h->flags = rd32(in + 52);
    return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ---------------- writer ---------------- */

struct SnapWriter {
    int fd;
    bool own_fd;
    char *path, *tmp_path;
    bool unnamed;    /* an O_TMPFILE: tmp_path exists only after the link */
    z_stream z;
    uint8_t *out;
    int io_error;
    uLong zcrc;      /* CRC32 of the compressed bytes written */
    uint64_t zlen;
    /* the section being built */
    uint8_t *sec;
    size_t sec_len, sec_cap;
    char sec_name[64];
    uint32_t sec_version;
    bool in_section;
    int level;      /* the deflate level in force */
    int sec_level;  /* the level the section being built asks for */
    /* a section streamed straight into zlib (RAM: no copy of it in
     * memory), its length announced up front */
    bool streaming;
    uint64_t stream_left;
    uLong stream_crc;
};

static void z_emit(SnapWriter *w, const void *p, size_t n, int flush)
{
    w->z.next_in = (Bytef *)(uintptr_t)p;
    w->z.avail_in = (uInt)n;
    do {
        w->z.next_out = w->out;
        w->z.avail_out = OUTBUF_SIZE;
        deflate(&w->z, flush);
        size_t have = OUTBUF_SIZE - w->z.avail_out;
        w->zcrc = crc32_z(w->zcrc, w->out, have);
        w->zlen += have;
        if (have && !w->io_error && write_all(w->fd, w->out, have))
            w->io_error = errno ? errno : EIO;
    } while (w->z.avail_out == 0 || w->z.avail_in);
}

/* feed large buffers to zlib in pieces: avail_in is 32 bits */
static void z_write(SnapWriter *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        size_t k = n > (1u << 30) ? (1u << 30) : n;
        z_emit(w, b, k, Z_NO_FLUSH);
        b += k;
        n -= k;
    }
}

/* mem_level: zlib's memLevel (8 its default; 1 for a small stream: its
 * hash table and literal buffer shrink from 64 KiB each to 512 bytes, and
 * a live migration's device state, a few KiB written while the guest is
 * stopped, no longer pays ~20 first-touch page faults for them) */
static SnapWriter *writer_new(int fd, const SnapHeader *h, int mem_level, SnapError *err)
{
    SnapWriter *w = calloc(1, sizeof(*w));
    if (!w || !(w->out = malloc(OUTBUF_SIZE))) {
        free(w);
        snap_error(err, "out of memory");
        return NULL;
    }
    w->fd = fd;
    w->level = w->sec_level = 1;
    if (deflateInit2(&w->z, 1, Z_DEFLATED, MAX_WBITS, mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(w->out);
        free(w);
        snap_error(err, "zlib initialisation failed");
        return NULL;
    }
    uint8_t hdr[SNAP_HEADER_SIZE];
    header_encode(hdr, h);
    if (write_all(fd, hdr, sizeof hdr))
        w->io_error = errno ? errno : EIO;
    return w;
}

SnapWriter *snap_writer_open_fd(int fd, const SnapHeader *h, SnapError *err)
{
    return writer_new(fd, h, 1, err);
}

/* The directory part of path ("." for a bare name); malloc'd */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Temporaries are BASE.tmp.PID beside BASE.  Those whose process is gone
 * (killed during a save before O_TMPFILE existed here, or on a file system
 * without it, or between the link and the rename) are removed, so that
 * they never pile up; a live process's one is left alone. */
static void remove_dead_temporaries(const char *path)
{
    char *dir = dir_of(path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t bl = strlen(base);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, base, bl) || strncmp(n + bl, ".tmp.", 5))
            continue;
        char *end;
        long pid = strtol(n + bl + 5, &end, 10);
        if (*end || end == n + bl + 5 || pid <= 0)
            continue;
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        unlinkat(dirfd(d), n, 0);
    }
    closedir(d);
    free(dir);
}

SnapWriter *snap_writer_open_file(const char *path, const SnapHeader *h, SnapError *err)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    char *dup = strdup(path);
    char *dir = dir_of(path);
    if (!tmp || !dup || !dir) {
        free(tmp);
        free(dup);
        free(dir);
        snap_error(err, "out of memory");
        return NULL;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    remove_dead_temporaries(path);
    /* an unnamed file in the target's directory: a save killed half-way
     * leaves nothing behind; it gets its name only once complete */
    bool unnamed = true;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        unnamed = false;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    free(dir);
    if (fd < 0) {
        snap_error(err, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        free(dup);
        return NULL;
    }
    SnapWriter *w = writer_new(fd, h, 8, err);
    if (!w) {
        close(fd);
        if (!unnamed)
            unlink(tmp);
        free(tmp);
        free(dup);
        return NULL;
    }
    w->own_fd = true;
    w->unnamed = unnamed;
    w->path = dup;
    w->tmp_path = tmp;
    return w;
}

static void sec_reserve(SnapWriter *w, size_t n)
{
    if (w->sec_len + n <= w->sec_cap)
        return;
    size_t cap = w->sec_cap ? w->sec_cap : 4096;
    while (cap < w->sec_len + n)
        cap *= 2;
    uint8_t *p = realloc(w->sec, cap);
    if (!p) {
        w->io_error = ENOMEM;
        return;
    }
    w->sec = p;
    w->sec_cap = cap;
}

/* Change the deflate level between sections.  deflateParams compresses
 * what is pending with the old level first and may need more output room
 * (Z_BUF_ERROR: retry with an empty buffer). */
static void z_set_level(SnapWriter *w, int level)
{
    int r;
    do {
        w->z.next_out = w->out;
        w->z.avail_out = OUTBUF_SIZE;
        r = deflateParams(&w->z, level, Z_DEFAULT_STRATEGY);
        size_t have = OUTBUF_SIZE - w->z.avail_out;
        w->zcrc = crc32_z(w->zcrc, w->out, have);
        w->zlen += have;
        if (have && !w->io_error && write_all(w->fd, w->out, have))
            w->io_error = errno ? errno : EIO;
    } while (r == Z_BUF_ERROR);
    if (r == Z_OK)
        w->level = level;
}

void snap_begin_section(SnapWriter *w, const char *name, uint32_t version)
{
    w->sec_level = 1;
    snprintf(w->sec_name, sizeof w->sec_name, "%s", name);
    w->sec_version = version;
    w->sec_len = 0;
    w->in_section = true;
}

void snap_put_bytes(SnapWriter *w, const void *p, size_t n)
{
    if (w->streaming) {
        if (n > w->stream_left) {
            w->io_error = EOVERFLOW; /* more than announced: a bug */
            return;
        }
        w->stream_left -= n;
        w->stream_crc = crc32_z(w->stream_crc, p, n);
        z_write(w, p, n);
        return;
    }
    sec_reserve(w, n);
    if (w->io_error)
        return;
    memcpy(w->sec + w->sec_len, p, n);
    w->sec_len += n;
}

void snap_put_u8(SnapWriter *w, uint8_t v) { snap_put_bytes(w, &v, 1); }

void snap_put_u32(SnapWriter *w, uint32_t v)
{
    uint8_t b[4];
    be32(b, v);
    snap_put_bytes(w, b, 4);
}

void snap_put_u64(SnapWriter *w, uint64_t v)
{
    snap_put_u32(w, (uint32_t)(v >> 32));
    snap_put_u32(w, (uint32_t)v);
}

unsigned snap_type_size(SnapType t)
{
    switch (t) {
    case SNAP_T_U8: case SNAP_T_S8: case SNAP_T_BOOL: return 1;
    case SNAP_T_U16: case SNAP_T_S16: return 2;
    case SNAP_T_U32: case SNAP_T_S32: return 4;
    default: return 8;
    }
}

bool snap_type_signed(SnapType t)
{
    return t >= SNAP_T_S8 && t <= SNAP_T_S64;
}

bool snap_field_in(const SnapField *f, uint32_t version)
{
    return f->since_version <= version && (!f->until_version || version < f->until_version);
}

/* The element's value widened to 64 bits (sign-extended when signed) */
static uint64_t field_load(const uint8_t *p, SnapType t)
{
    switch (t) {
    case SNAP_T_BOOL: return *(const bool *)p;
    case SNAP_T_U8: return *p;
    case SNAP_T_S8: return (uint64_t)(int64_t)*(const int8_t *)p;
    case SNAP_T_U16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case SNAP_T_S16: { int16_t v; memcpy(&v, p, 2); return (uint64_t)(int64_t)v; }
    case SNAP_T_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case SNAP_T_S32: { int32_t v; memcpy(&v, p, 4); return (uint64_t)(int64_t)v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void field_store(uint8_t *p, SnapType t, uint64_t v)
{
    switch (t) {
    case SNAP_T_BOOL: *(bool *)p = v != 0; break;
    case SNAP_T_U8: case SNAP_T_S8: *p = (uint8_t)v; break;
    case SNAP_T_U16: case SNAP_T_S16: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case SNAP_T_U32: case SNAP_T_S32: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* host size of one element (bool is one byte on every ABI we build for) */
static size_t field_host_size(const SnapField *f)
{
    return snap_type_size((SnapType)f->type);
}

void snap_put_fields(SnapWriter *w, const SnapField *f, const void *base, uint32_t version)
{
    for (; f->name; f++) {
        if (!snap_field_in(f, version))
            continue;
        unsigned sz = snap_type_size((SnapType)f->type);
        for (uint32_t i = 0; i < f->count; i++) {
            uint64_t v = 0;
            if (f->offset != SNAP_NO_OFFSET)
                v = field_load((const uint8_t *)base + f->offset + i * field_host_size(f),
                               (SnapType)f->type);
            uint8_t b[8];
            for (unsigned k = 0; k < sz; k++)
                b[k] = (uint8_t)(v >> (8 * (sz - 1 - k)));
            snap_put_bytes(w, b, sz);
        }
    }
}

/* name length, name, version, payload length; returns the CRC so far */
static uLong put_section_header(SnapWriter *w, uint64_t len)
{
    uint8_t hdr[64 + 1 + 12];
    size_t nl = strlen(w->sec_name);
    hdr[0] = (uint8_t)nl;
    memcpy(hdr + 1, w->sec_name, nl);
    be32(hdr + 1 + nl, w->sec_version);
    be32(hdr + 5 + nl, (uint32_t)(len >> 32));
    be32(hdr + 9 + nl, (uint32_t)len);
    size_t hl = 13 + nl;
    if (w->sec_level != w->level)
        z_set_level(w, w->sec_level);
    z_write(w, hdr, hl);
    return crc32(0, hdr, (uInt)hl);
}

static void put_crc(SnapWriter *w, uLong crc)
{
    uint8_t tail[4];
    be32(tail, (uint32_t)crc);
    z_write(w, tail, 4);
    w->in_section = false;
}

/* The section begun last, still empty, is streamed from here on: its
 * header goes out now with the payload length `len` */
static void stream_section(SnapWriter *w, uint64_t len)
{
    w->stream_crc = put_section_header(w, len);
    w->stream_left = len;
    w->streaming = true;
}

void snap_end_section(SnapWriter *w)
{
    if (w->streaming) {
        w->streaming = false;
        if (w->stream_left)
            w->io_error = EOVERFLOW; /* less than announced: a bug */
        put_crc(w, w->stream_crc);
        return;
    }
    uLong crc = put_section_header(w, w->sec_len);
    crc = crc32_z(crc, w->sec, w->sec_len);
    z_write(w, w->sec, w->sec_len);
    put_crc(w, crc);
}

static void writer_free(SnapWriter *w)
{
    deflateEnd(&w->z);
    free(w->out);
    free(w->sec);
    free(w->path);
    free(w->tmp_path);
    free(w);
}

void snap_writer_abort(SnapWriter *w)
{
    if (!w)
        return;
    if (w->own_fd) {
        close(w->fd);
        if (!w->unnamed)
            unlink(w->tmp_path);
    }
    writer_free(w);
}

/* Give the finished unnamed file its temporary name (linkat cannot replace
 * an existing name, so the rename that follows does the atomic replace).
 * Through /proc (no privilege needed), else AT_EMPTY_PATH. */
static int link_unnamed(SnapWriter *w)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", w->fd);
    unlink(w->tmp_path); /* a stale one of this pid */
    if (linkat(AT_FDCWD, proc, AT_FDCWD, w->tmp_path, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    return linkat(w->fd, "", AT_FDCWD, w->tmp_path, AT_EMPTY_PATH);
}

int snap_writer_commit(SnapWriter *w, SnapError *err)
{
    snap_begin_section(w, "end", 1);
    snap_end_section(w);
    z_emit(w, NULL, 0, Z_FINISH);
    /* trailer: CRC32 and length of the compressed bytes, so that any byte of
     * the file changed is noticed, even one zlib would decode identically */
    uint8_t trailer[8];
    be32(trailer, (uint32_t)w->zcrc);
    be32(trailer + 4, (uint32_t)w->zlen);
    if (!w->io_error && write_all(w->fd, trailer, sizeof trailer))
        w->io_error = errno ? errno : EIO;
    if (w->io_error) {
        snap_error(err, "writing the snapshot failed: %s", strerror(w->io_error));
        snap_writer_abort(w);
        return -1;
    }
    if (w->own_fd) {
        if (fsync(w->fd) || (w->unnamed && link_unnamed(w))) {
            snap_error(err, "writing the snapshot failed: %s", strerror(errno));
            snap_writer_abort(w);
            return -1;
        }
        if (close(w->fd)) {
            w->own_fd = false;
            snap_error(err, "writing the snapshot failed: %s", strerror(errno));
            unlink(w->tmp_path);
            writer_free(w);
            return -1;
        }
        if (rename(w->tmp_path, w->path)) {
            snap_error(err, "cannot rename %s to %s: %s", w->tmp_path, w->path, strerror(errno));
            unlink(w->tmp_path);
            writer_free(w);
            return -1;
        }
        /* make the rename itself durable */
        char *slash = strrchr(w->path, '/');
        char *dir = slash ? strndup(w->path, (size_t)(slash - w->path) + 1) : strdup(".");
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    writer_free(w);
    return 0;
}

/* ---------------- reader ---------------- */

struct SnapReader {
    int fd;
    bool own_fd;
    z_stream z;
    uint8_t *in;
    bool eof, stream_end;
    uLong zcrc;      /* CRC32 of the compressed bytes consumed */
    uint64_t zlen;
    /* the section being read */
    bool in_section;
    uint64_t remaining;
    uLong crc;
    char sec_name[64];
};

/* Refill the input buffer when empty; -1 on a read error. */
static int fill_input(SnapReader *r, SnapError *err)
{
    if (r->z.avail_in || r->eof)
        return 0;
    ssize_t k;
    do
        k = read(r->fd, r->in, INBUF_SIZE);
    while (k < 0 && errno == EINTR);
    if (k < 0) {
        snap_error(err, "reading the snapshot failed: %s", strerror(errno));
        return -1;
    }
    if (k == 0)
        r->eof = true;
    r->z.next_in = r->in;
    r->z.avail_in = (uInt)k;
    return 0;
}

/* One inflate call, keeping the CRC of the compressed bytes it consumed. */
static int inflate_step(SnapReader *r, SnapError *err)
{
    if (fill_input(r, err))
        return -1;
    const Bytef *before = r->z.next_in;
    int zr = inflate(&r->z, Z_NO_FLUSH);
    size_t used = (size_t)(r->z.next_in - before);
    r->zcrc = crc32_z(r->zcrc, before, used);
    r->zlen += used;
    if (zr == Z_STREAM_END) {
        r->stream_end = true;
        return 0;
    }
    if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_MEM_ERROR || zr == Z_STREAM_ERROR) {
        snap_error(err, "snapshot data is corrupt (zlib: %s)", r->z.msg ? r->z.msg : "error");
        return -1;
    }
    if (zr == Z_BUF_ERROR && r->eof && r->z.avail_in == 0) {
        snap_error(err, "snapshot is truncated");
        return -1;
    }
    return 0;
}

/* Read exactly n decompressed bytes. */
static int z_read(SnapReader *r, void *p, size_t n, SnapError *err)
{
    r->z.next_out = p;
    r->z.avail_out = (uInt)n;
    while (r->z.avail_out) {
        if (r->stream_end) {
            snap_error(err, "snapshot is truncated (data ends inside a section)");
            return -1;
        }
        if (inflate_step(r, err))
            return -1;
    }
    return 0;
}

/* After the end section: the zlib stream must end, then the trailer must
 * match what was consumed. */
static int finish_stream(SnapReader *r, SnapError *err)
{
    uint8_t extra;
    while (!r->stream_end) {
        r->z.next_out = &extra;
        r->z.avail_out = 1;
        if (inflate_step(r, err))
            return -1;
        if (r->z.avail_out == 0) {
            snap_error(err, "snapshot is corrupt (data after the end section)");
            return -1;
        }
    }
    uint8_t trailer[8];
    for (size_t got = 0; got < sizeof trailer;) {
        if (fill_input(r, err))
            return -1;
        if (r->z.avail_in == 0) {
            snap_error(err, "snapshot is truncated (no trailer)");
            return -1;
        }
        size_t k = r->z.avail_in < sizeof trailer - got ? r->z.avail_in : sizeof trailer - got;
        memcpy(trailer + got, r->z.next_in, k);
        r->z.next_in += k;
        r->z.avail_in -= (uInt)k;
        got += k;
    }
    if (rd32(trailer) != (uint32_t)r->zcrc || rd32(trailer + 4) != (uint32_t)r->zlen) {
        snap_error(err, "snapshot is corrupt (stream CRC mismatch)");
        return -1;
    }
    if (r->own_fd) {
        /* a file holds one snapshot and nothing else */
        if (fill_input(r, err))
            return -1;
        if (r->z.avail_in) {
            snap_error(err, "snapshot is corrupt (%u unexpected bytes after the end)", r->z.avail_in);
            return -1;
        }
    }
    return 0;
}

static SnapReader *reader_new(int fd, SnapHeader *h, SnapError *err)
{
    uint8_t hdr[SNAP_HEADER_SIZE];
    size_t got = 0;
    while (got < sizeof hdr) {
        ssize_t k = read(fd, hdr + got, sizeof hdr - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snap_error(err, "reading the snapshot failed: %s", strerror(errno));
            return NULL;
        }
        if (k == 0) {
            if (got >= 8 && memcmp(hdr, snap_magic, 8) == 0)
                snap_error(err, "snapshot is truncated (incomplete header)");
            else
                snap_error(err, "not a ppcemu snapshot (%s)", got ? "too short" : "empty file");
            return NULL;
        }
        got += (size_t)k;
    }
    if (header_decode(hdr, h, err))
        return NULL;
    SnapReader *r = calloc(1, sizeof(*r));
    if (!r || !(r->in = malloc(INBUF_SIZE))) {
        free(r);
        snap_error(err, "out of memory");
        return NULL;
    }
    r->fd = fd;
    if (inflateInit(&r->z) != Z_OK) {
        free(r->in);
        free(r);
        snap_error(err, "zlib initialisation failed");
        return NULL;
    }
    return r;
}

SnapReader *snap_reader_open_fd(int fd, SnapHeader *h, SnapError *err)
{
    return reader_new(fd, h, err);
}

SnapReader *snap_reader_open_file(const char *path, SnapHeader *h, SnapError *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snap_error(err, "cannot open snapshot %s: %s", path, strerror(errno));
        return NULL;
    }
    SnapReader *r = reader_new(fd, h, err);
    if (!r) {
        close(fd);
        return NULL;
    }
    r->own_fd = true;
    return r;
}

void snap_reader_close(SnapReader *r)
{
    if (!r)
        return;
    inflateEnd(&r->z);
    if (r->own_fd)
        close(r->fd);
    free(r->in);
    free(r);
}

int snap_next_section(SnapReader *r, char name[64], uint32_t *version, uint64_t *len, SnapError *err)
{
    uint8_t nl;
    if (r->in_section) {
        snap_error(err, "internal error: previous section not finished");
        return -1;
    }
    if (z_read(r, &nl, 1, err))
        return -1;
    if (nl == 0 || nl > 63) {
        snap_error(err, "snapshot is corrupt (bad section name length %u)", nl);
        return -1;
    }
    uint8_t hdr[64 + 12];
    hdr[0] = nl;
    if (z_read(r, hdr + 1, nl + 12u, err))
        return -1;
    for (unsigned i = 0; i < nl; i++) {
        uint8_t c = hdr[1 + i];
        if (c < 0x20 || c > 0x7E) {
            snap_error(err, "snapshot is corrupt (bad section name)");
            return -1;
        }
    }
    memcpy(name, hdr + 1, nl);
    name[nl] = 0;
    *version = rd32(hdr + 1 + nl);
    *len = ((uint64_t)rd32(hdr + 5 + nl) << 32) | rd32(hdr + 9 + nl);
    if (*len > MAX_SECTION_LEN) {
        snap_error(err, "snapshot is corrupt (section '%s' claims %llu bytes)", name,
                   (unsigned long long)*len);
        return -1;
    }
    r->crc = crc32(0, hdr, 13u + nl);
    memcpy(r->sec_name, name, (size_t)nl + 1);
    r->remaining = *len;
    r->in_section = true;
    if (!strcmp(name, "end")) {
        if (snap_end_read_section(r, err))
            return -1;
        return finish_stream(r, err) ? -1 : 0;
    }
    return 1;
}

int snap_get_bytes(SnapReader *r, void *p, size_t n, SnapError *err)
{
    if (!r->in_section || n > r->remaining) {
        snap_error(err, "snapshot is corrupt (section shorter than its contents)");
        return -1;
    }
    uint8_t *b = p;
    while (n) {
        size_t k = n > (1u << 30) ? (1u << 30) : n;
        if (z_read(r, b, k, err))
            return -1;
        r->crc = crc32_z(r->crc, b, k);
        r->remaining -= k;
        b += k;
        n -= k;
    }
    return 0;
}

int snap_get_u8(SnapReader *r, uint8_t *v, SnapError *err) { return snap_get_bytes(r, v, 1, err); }

int snap_get_u32(SnapReader *r, uint32_t *v, SnapError *err)
{
    uint8_t b[4];
    if (snap_get_bytes(r, b, 4, err))
        return -1;
    *v = rd32(b);
    return 0;
}

int snap_get_u64(SnapReader *r, uint64_t *v, SnapError *err)
{
    uint32_t hi, lo;
    if (snap_get_u32(r, &hi, err) || snap_get_u32(r, &lo, err))
        return -1;
    *v = ((uint64_t)hi << 32) | lo;
    return 0;
}

/* Is v (widened as field_load does) inside the field's bounds? */
static bool field_in_bounds(const SnapField *f, uint64_t v)
{
    if (f->type == SNAP_T_BOOL)
        return v <= 1;
    if (!f->bounded)
        return true;
    if (snap_type_signed((SnapType)f->type))
        return (int64_t)v >= (int64_t)f->lo && (int64_t)v <= (int64_t)f->hi;
    return v >= f->lo && v <= f->hi;
}

static void bound_error(SnapError *err, const char *sec, const SnapField *f, uint64_t v)
{
    if (snap_type_signed((SnapType)f->type))
        snap_error(err, "snapshot is corrupt (%s.%s is %lld, valid %lld..%lld)", sec, f->name,
                   (long long)v, (long long)f->lo, (long long)f->hi);
    else if (f->type == SNAP_T_BOOL || !f->lo)
        snap_error(err, "snapshot is corrupt (%s.%s is %llu, at most %llu)", sec, f->name,
                   (unsigned long long)v, (unsigned long long)(f->type == SNAP_T_BOOL ? 1 : f->hi));
    else
        snap_error(err, "snapshot is corrupt (%s.%s is %llu, valid %llu..%llu)", sec, f->name,
                   (unsigned long long)v, (unsigned long long)f->lo, (unsigned long long)f->hi);
}

int snap_get_fields(SnapReader *r, const SnapField *f, void *base, uint32_t version, SnapError *err)
{
    for (; f->name; f++) {
        if (!snap_field_in(f, version))
            continue;
        unsigned sz = snap_type_size((SnapType)f->type);
        for (uint32_t i = 0; i < f->count; i++) {
            uint8_t b[8];
            if (snap_get_bytes(r, b, sz, err))
                return -1;
            uint64_t v = 0;
            for (unsigned k = 0; k < sz; k++)
                v = (v << 8) | b[k];
            if (snap_type_signed((SnapType)f->type) && sz < 8 && (v >> (8 * sz - 1)))
                v |= ~0ull << (8 * sz); /* sign-extend */
            if (!field_in_bounds(f, v)) {
                bound_error(err, r->sec_name, f, v);
                return -1;
            }
            if (f->offset != SNAP_NO_OFFSET)
                field_store((uint8_t *)base + f->offset + i * field_host_size(f),
                            (SnapType)f->type, v);
        }
    }
    return 0;
}

uint64_t snap_remaining(const SnapReader *r)
{
    return r->in_section ? r->remaining : 0;
}

int snap_end_read_section(SnapReader *r, SnapError *err)
{
    if (!r->in_section) {
        snap_error(err, "internal error: no section to finish");
        return -1;
    }
    if (r->remaining) {
        snap_error(err, "snapshot is corrupt (section has %llu unexpected bytes)",
                   (unsigned long long)r->remaining);
        return -1;
    }
    uint8_t b[4];
    if (z_read(r, b, 4, err))
        return -1;
    r->in_section = false;
    if (rd32(b) != (uint32_t)r->crc) {
        snap_error(err, "snapshot is corrupt (section CRC mismatch)");
        return -1;
    }
    return 0;
}

int snap_skip_section(SnapReader *r, SnapError *err)
{
    uint8_t buf[4096];
    while (r->remaining) {
        size_t k = r->remaining > sizeof buf ? sizeof buf : (size_t)r->remaining;
        if (snap_get_bytes(r, buf, k, err))
            return -1;
    }
    return snap_end_read_section(r, err);
}

/* ---- RAM ---- */

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[RAM_PAGE];
    return memcmp(p, zero, RAM_PAGE) == 0;
}

/* RAM that does not compress (random or already compressed data) is
 * stored rather than deflated: level 1 spends tens of ns per byte on it
 * for nothing.  Up to RAM_SAMPLE data pages spread over RAM decide. */
#define RAM_SAMPLE 32

static int ram_level(const uint8_t *ram, uint32_t pages)
{
    uint8_t out[RAM_PAGE + 128];
    uint64_t in_total = 0, out_total = 0;
    uint32_t step = pages / RAM_SAMPLE ? pages / RAM_SAMPLE : 1, taken = 0;
    for (uint32_t i = 0; i < pages && taken < RAM_SAMPLE; i += step) {
        const uint8_t *p = ram + (size_t)i * RAM_PAGE;
        if (page_is_zero(p))
            continue;
        uLongf n = sizeof(out);
        if (compress2(out, &n, p, RAM_PAGE, 1) != Z_OK)
            return 1;
        in_total += RAM_PAGE;
        out_total += n;
        taken++;
    }
    return in_total && out_total * 100 > in_total * 95 ? 0 : 1;
}

/* u32 page size, u32 page count, then per page a flag byte (0 = zero page,
 * 1 = data follows).  When it is all the section holds, the section is
 * streamed (a first pass counts the data pages for its length), so saving
 * a large RAM needs no copy of it in memory. */
void snap_put_ram(SnapWriter *w, const uint8_t *ram, uint32_t size)
{
    uint32_t pages = size / RAM_PAGE;
    uint8_t *flags = malloc(pages ? pages : 1);
    uint64_t data = 0;
    for (uint32_t i = 0; flags && i < pages; i++) {
        flags[i] = !page_is_zero(ram + (size_t)i * RAM_PAGE);
        data += flags[i];
    }
    if (!w->sec_len && !w->streaming && flags) {
        w->sec_level = ram_level(ram, pages);
        stream_section(w, 8 + (uint64_t)pages + data * RAM_PAGE);
    }
    snap_put_u32(w, RAM_PAGE);
    snap_put_u32(w, pages);
    for (uint32_t i = 0; i < pages; i++) {
        const uint8_t *p = ram + (size_t)i * RAM_PAGE;
        uint8_t f = flags ? flags[i] : !page_is_zero(p);
        snap_put_u8(w, f);
        if (f)
            snap_put_bytes(w, p, RAM_PAGE);
    }
    free(flags);
}

static int ram_header(SnapReader *r, uint32_t size, SnapError *err)
{
    uint32_t psz, pages;
    if (snap_get_u32(r, &psz, err) || snap_get_u32(r, &pages, err))
        return -1;
    if (psz != RAM_PAGE || pages != size / RAM_PAGE) {
        snap_error(err, "snapshot RAM is %u pages of %u bytes, this machine has %u of %u", pages, psz,
                   size / RAM_PAGE, RAM_PAGE);
        return -1;
    }
    return 0;
}

static int ram_pages(SnapReader *r, uint8_t *ram, uint32_t pages, bool zeroed, uint8_t *map,
                     SnapError *err)
{
    for (uint32_t i = 0; i < pages; i++) {
        uint8_t flag;
        uint8_t *p = ram + (size_t)i * RAM_PAGE;
        if (snap_get_u8(r, &flag, err))
            return -1;
        if (flag == 0) {
            if (!zeroed)
                memset(p, 0, RAM_PAGE);
        } else if (flag == 1) {
            if (snap_get_bytes(r, p, RAM_PAGE, err))
                return -1;
            if (map)
                map[i >> 3] |= (uint8_t)(1u << (i & 7));
        } else {
            snap_error(err, "snapshot is corrupt (bad RAM page flag %u)", flag);
            return -1;
        }
    }
    return 0;
}

int snap_get_ram(SnapReader *r, uint8_t *ram, uint32_t size, SnapError *err)
{
    if (ram_header(r, size, err))
        return -1;
    return ram_pages(r, ram, size / RAM_PAGE, false, NULL, err);
}

int snap_get_ram_zeroed(SnapReader *r, uint8_t *ram, uint32_t size, uint8_t *data_map,
                        SnapError *err)
{
    if (ram_header(r, size, err))
        return -1;
    return ram_pages(r, ram, size / RAM_PAGE, true, data_map, err);
}

int snap_get_ram_stats(SnapReader *r, uint32_t *page_size, uint32_t *pages, uint32_t *data_pages,
                       SnapError *err)
{
    uint8_t buf[RAM_PAGE];
    if (snap_get_u32(r, page_size, err) || snap_get_u32(r, pages, err))
        return -1;
    if (*page_size != RAM_PAGE) {
        snap_error(err, "snapshot RAM has pages of %u bytes (expected %u)", *page_size, RAM_PAGE);
        return -1;
    }
    *data_pages = 0;
    for (uint32_t i = 0; i < *pages; i++) {
        uint8_t flag;
        if (snap_get_u8(r, &flag, err))
            return -1;
        if (flag > 1) {
            snap_error(err, "snapshot is corrupt (bad RAM page flag %u)", flag);
            return -1;
        }
        if (flag && snap_get_bytes(r, buf, RAM_PAGE, err))
            return -1;
        *data_pages += flag;
    }
    return 0;
}

void snap_copy_fields(const SnapField *f, void *dst, const void *src, uint32_t version)
{
    for (; f->name; f++)
        if (snap_field_in(f, version) && f->offset != SNAP_NO_OFFSET)
            memcpy((uint8_t *)dst + f->offset, (const uint8_t *)src + f->offset,
                   field_host_size(f) * f->count);
}
