/*
 * virtio-blk on a raw image (boards/virtio_blk.h; virtio 1.1 section 5.2).
 */
#include "boards/virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CLUSTER_BITS 12
#define CLUSTER (1u << CLUSTER_BITS)
#define L2_BITS 9
#define L2_SIZE (1u << L2_BITS)
#define BLK_HDR 16u /* struct virtio_blk_req: type, reserved, sector */
#define SEG_MAX (VIRTIO_QUEUE_NUM_MAX - 2) /* header and status take one each */
#define CONFIG_BYTES 60u /* capacity .. write_zeroes_may_unmap, padded (5.2.4) */
#define DWZ_SEG 16u      /* struct virtio_blk_discard_write_zeroes */

/* ---- the image, with the snapshot overlay in front of it ---- */

static int file_read(VirtioBlk *b, uint64_t off, uint8_t *dst, uint64_t len)
{
    while (len) {
        ssize_t n = pread(b->fd, dst, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1; /* the file shrank under us, or an I/O error */
        dst += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

static int file_write(VirtioBlk *b, uint64_t off, const uint8_t *src, uint64_t len)
{
    while (len) {
        ssize_t n = pwrite(b->fd, src, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        src += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

static uint8_t **overlay_slot(VirtioBlk *b, uint64_t cluster, bool alloc)
{
    uint64_t i = cluster >> L2_BITS;
    if (i >= b->overlay_l1)
        return NULL;
    if (!b->overlay[i]) {
        if (!alloc)
            return NULL;
        b->overlay[i] = calloc(L2_SIZE, sizeof(uint8_t *));
        if (!b->overlay[i])
            return NULL;
    }
    return &b->overlay[i][cluster & (L2_SIZE - 1)];
}

/* Bytes [off, off + len) of the disk as the guest sees it */
static int disk_read(VirtioBlk *b, uint64_t off, uint8_t *dst, uint64_t len)
{
    if (!b->overlay)
        return file_read(b, off, dst, len);
    while (len) {
        uint64_t in = off & (CLUSTER - 1), k = CLUSTER - in < len ? CLUSTER - in : len;
        uint8_t **c = overlay_slot(b, off >> CLUSTER_BITS, false);
        if (c && *c)
            memcpy(dst, *c + in, k);
        else if (file_read(b, off, dst, k))
            return -1;
        off += k;
        dst += k;
        len -= k;
    }
    return 0;
}

static int disk_write(VirtioBlk *b, uint64_t off, const uint8_t *src, uint64_t len)
{
    if (!b->overlay)
        return file_write(b, off, src, len);
    while (len) {
        uint64_t cl = off >> CLUSTER_BITS, in = off & (CLUSTER - 1);
        uint64_t k = CLUSTER - in < len ? CLUSTER - in : len;
        uint8_t **c = overlay_slot(b, cl, true);
        if (!c)
            return -1;
        if (!*c) {
            /* a new cluster starts as the file's bytes (the last one of an
             * image may be partial: its tail past the disk reads as 0) */
            uint8_t *n = calloc(1, CLUSTER);
            uint64_t base = cl << CLUSTER_BITS, have = b->size - base < CLUSTER ? b->size - base : CLUSTER;
            if (!n || file_read(b, base, n, have)) {
                free(n);
                return -1;
            }
            *c = n;
            b->overlay_clusters++;
        }
        memcpy(*c + in, src, k);
        off += k;
        src += k;
        len -= k;
    }
    return 0;
}

/* ---- requests (5.2.6) ---- */

/* Disk I/O between disk offset `pos` and the request's data bytes
 * [off, off + len) of its readable (write) or writable (read) part,
 * segment by segment, straight to/from guest RAM */
static int data_io(VirtioDev *vd, VirtioBlk *b, const VirtioReq *req, bool to_disk, uint64_t off,
                   uint64_t len, uint64_t pos, bool track)
{
    unsigned first = to_disk ? 0 : req->nout, n = to_disk ? req->nout : req->nin;
    for (unsigned s = first; s < first + n && len; s++) {
        const VirtioSeg *g = &req->seg[s];
        if (off >= g->len) {
            off -= g->len;
            continue;
        }
        uint64_t k = g->len - off < len ? g->len - off : len;
        uint8_t *p = vd->bus->ram + g->addr + off; /* checked by virtio_pop */
        if (to_disk) {
            if (disk_write(b, pos, p, k))
                return -1;
        } else {
            int r = disk_read(b, pos, p, k);
            /* the bytes went straight into RAM: tell the bus (a worker
             * cannot: its completion does, on the CPU thread) */
            if (track)
                virtio_dma_written(vd, (uint32_t)(g->addr + off), (uint32_t)k);
            if (r)
                return -1;
        }
        pos += k;
        len -= k;
        off = 0;
    }
    return 0;
}

static bool range_ok(const VirtioBlk *b, uint64_t sector, uint64_t len)
{
    return len % VIRTIO_BLK_SECTOR == 0 && sector <= b->size / VIRTIO_BLK_SECTOR &&
           len <= b->size - sector * VIRTIO_BLK_SECTOR;
}

/* The counters of `info block`, on the CPU thread only */
static void count(VirtioBlk *b, uint32_t type, uint8_t st, uint64_t bytes)
{
    if (st != VIRTIO_BLK_S_OK) {
        b->errors++;
        return;
    }
    if (type == VIRTIO_BLK_T_IN) {
        b->rd_bytes += bytes;
        b->rd_ops++;
    } else if (type == VIRTIO_BLK_T_OUT) {
        b->wr_bytes += bytes;
        b->wr_ops++;
    } else if (type == VIRTIO_BLK_T_FLUSH) {
        b->flush_ops++;
    } else if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
        b->discard_bytes += bytes;
        b->discard_ops++;
    }
}

/* A read or write; *bytes: the data length.  track: tell the bus about
 * RAM written (false on a worker thread) */
static uint8_t do_rw(VirtioDev *vd, VirtioBlk *b, const VirtioReq *req, bool write, uint64_t sector,
                     uint32_t *written, uint64_t *bytes, bool track)
{
    uint64_t len = write ? req->out_len - BLK_HDR : req->in_len - 1;
    if (write && b->readonly)
        return VIRTIO_BLK_S_IOERR; /* VIRTIO_BLK_F_RO: writes fail (5.2.6.2) */
    /* Segments may overlap, so a chain can name far more bytes than RAM
     * holds; no honest request does: refuse it rather than spend minutes
     * on it (and its used length fits 32 bits) */
    if (len > vd->bus->ram_size)
        return VIRTIO_BLK_S_IOERR;
    if (!range_ok(b, sector, len))
        return VIRTIO_BLK_S_IOERR;
    uint64_t pos = sector * VIRTIO_BLK_SECTOR;
    if (data_io(vd, b, req, write, write ? BLK_HDR : 0, len, pos, track))
        return VIRTIO_BLK_S_IOERR;
    *bytes = len;
    if (!write)
        *written = (uint32_t)len;
    return VIRTIO_BLK_S_OK;
}

/* ---- discard and write-zeroes (5.2.6) ---- */

static int file_zero(VirtioBlk *b, uint64_t off, uint64_t len, bool punch)
{
    int mode = punch ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;
    if (fallocate(b->fd, mode, (off_t)off, (off_t)len) == 0)
        return 0;
    /* the file system cannot: write the zeros */
    static const uint8_t zero[CLUSTER];
    while (len) {
        uint64_t k = len < CLUSTER ? len : CLUSTER;
        if (file_write(b, off, zero, k))
            return -1;
        off += k;
        len -= k;
    }
    return 0;
}

/* Discard in the overlay: drop the clusters wholly inside the range */
static void overlay_drop(VirtioBlk *b, uint64_t off, uint64_t len)
{
    uint64_t first = (off + CLUSTER - 1) >> CLUSTER_BITS, end = (off + len) >> CLUSTER_BITS;
    for (uint64_t c = first; c < end; c++) {
        uint8_t **p = overlay_slot(b, c, false);
        if (p && *p) {
            free(*p);
            *p = NULL;
            b->overlay_clusters--;
        }
    }
}

static int overlay_zero(VirtioBlk *b, uint64_t off, uint64_t len)
{
    static const uint8_t zero[CLUSTER];
    while (len) {
        uint64_t k = CLUSTER - (off & (CLUSTER - 1));
        if (k > len)
            k = len;
        if (disk_write(b, off, zero, k))
            return -1;
        off += k;
        len -= k;
    }
    return 0;
}

static uint8_t do_discard_wz(VirtioDev *vd, VirtioBlk *b, const VirtioReq *req, bool wz,
                             uint64_t *bytes)
{
    unsigned feat = wz ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD;
    if (b->readonly || !virtio_has_feature(vd, feat))
        return VIRTIO_BLK_S_UNSUPP;
    uint64_t dlen = req->out_len - BLK_HDR;
    uint32_t max_seg = wz ? VIRTIO_BLK_MAX_WZ_SEG : VIRTIO_BLK_MAX_DISCARD_SEG;
    uint32_t max_sec = wz ? VIRTIO_BLK_MAX_WZ_SECTORS : VIRTIO_BLK_MAX_DISCARD_SECTORS;
    if (dlen == 0 || dlen % DWZ_SEG || dlen / DWZ_SEG > max_seg)
        return VIRTIO_BLK_S_UNSUPP;
    unsigned n = (unsigned)(dlen / DWZ_SEG);
    uint8_t seg[VIRTIO_BLK_MAX_DISCARD_SEG > VIRTIO_BLK_MAX_WZ_SEG ? VIRTIO_BLK_MAX_DISCARD_SEG
                                                                   : VIRTIO_BLK_MAX_WZ_SEG][DWZ_SEG];
    if (virtio_req_read(vd, req, BLK_HDR, seg, dlen) != dlen)
        return VIRTIO_BLK_S_IOERR;
    /* every segment checked before any is done */
    for (unsigned i = 0; i < n; i++) {
        uint64_t sector = 0;
        for (int k = 7; k >= 0; k--)
            sector = sector << 8 | seg[i][k];
        uint32_t num = (uint32_t)seg[i][8] | (uint32_t)seg[i][9] << 8 | (uint32_t)seg[i][10] << 16 |
                       (uint32_t)seg[i][11] << 24;
        uint32_t flags = (uint32_t)seg[i][12] | (uint32_t)seg[i][13] << 8 |
                         (uint32_t)seg[i][14] << 16 | (uint32_t)seg[i][15] << 24;
        /* 5.2.6.2: reserved flag bits, and unmap on a discard, are UNSUPP */
        if ((flags & ~1u) || (!wz && (flags & 1u)) || num > max_sec)
            return VIRTIO_BLK_S_UNSUPP;
        if (!range_ok(b, sector, (uint64_t)num * VIRTIO_BLK_SECTOR))
            return VIRTIO_BLK_S_IOERR;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t sector = 0;
        for (int k = 7; k >= 0; k--)
            sector = sector << 8 | seg[i][k];
        uint64_t off = sector * VIRTIO_BLK_SECTOR;
        uint64_t len = ((uint64_t)seg[i][8] | (uint64_t)seg[i][9] << 8 | (uint64_t)seg[i][10] << 16 |
                        (uint64_t)seg[i][11] << 24) * VIRTIO_BLK_SECTOR;
        if (!len)
            continue;
        int r;
        if (b->overlay)
            r = wz ? overlay_zero(b, off, len) : (overlay_drop(b, off, len), 0);
        else
            r = file_zero(b, off, len, !wz);
        if (r)
            return VIRTIO_BLK_S_IOERR;
        *bytes += len;
    }
    return VIRTIO_BLK_S_OK;
}

static void req_header(VirtioDev *vd, const VirtioReq *req, uint32_t *type, uint64_t *sector)
{
    uint8_t hdr[BLK_HDR];
    (void)virtio_req_read(vd, req, 0, hdr, BLK_HDR);
    *type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    *sector = 0;
    for (int i = 7; i >= 0; i--)
        *sector = *sector << 8 | hdr[8 + i];
}

/* Reads, writes and flushes: the part a worker thread may run */
static bool worker_type(uint32_t type)
{
    return type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT || type == VIRTIO_BLK_T_FLUSH ||
           type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES;
}

static uint8_t do_request(VirtioDev *vd, VirtioBlk *b, const VirtioReq *req, uint32_t type,
                          uint64_t sector, uint32_t *written, uint64_t *bytes, bool track)
{
    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        return do_rw(vd, b, req, type == VIRTIO_BLK_T_OUT, sector, written, bytes, track);
    case VIRTIO_BLK_T_FLUSH:
        if (!b->readonly && !b->snapshot && fdatasync(b->fd))
            return VIRTIO_BLK_S_IOERR;
        return VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        return do_discard_wz(vd, b, req, type == VIRTIO_BLK_T_WRITE_ZEROES, bytes);
    case VIRTIO_BLK_T_GET_ID: {
        uint64_t n = req->in_len - 1 < VIRTIO_BLK_ID_BYTES ? req->in_len - 1 : VIRTIO_BLK_ID_BYTES;
        uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
        memcpy(id, b->id, strlen(b->id));
        *written = (uint32_t)virtio_req_write(vd, req, 0, id, n);
        return VIRTIO_BLK_S_OK;
    }
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

/* Status byte, used ring, interrupt (CPU thread) */
static void finish(VirtioDev *vd, VirtioBlk *b, unsigned q, const VirtioReq *req, uint32_t type,
                   uint8_t st, uint32_t written, uint64_t bytes)
{
    count(b, type, st, bytes);
    (void)virtio_req_write(vd, req, req->in_len - 1, &st, 1);
    virtio_push(vd, q, req, written + 1);
}

/* ---- the I/O thread ----
 * Reads, writes and flushes go to one worker thread per drive, in order;
 * the worker copies between the file (or overlay) and guest RAM and
 * queues the job as done; a bottom half on the main loop (the CPU thread)
 * then tells the bus which RAM changed, writes the status byte, fills the
 * used ring and raises the interrupt.  Only the worker touches the file
 * and the overlay while jobs are in flight; everything else that does
 * waits for blk_drain_dev first (a save, a load, a stop, a reset). */

typedef struct BlkJob {
    struct BlkJob *next;
    unsigned q;
    uint32_t type;
    uint64_t sector, bytes;
    uint32_t written;
    uint8_t status;
    VirtioReq req;
} BlkJob;

struct BlkWorker {
    VirtioBlk *b;
    VirtioDev *vd;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    BlkJob *todo, **todo_tail, *done, **done_tail;
    unsigned busy; /* jobs queued or running */
    bool quit;
    LoopBH *bh;
    unsigned delay_ms; /* PPCEMU_DEBUG_BLK_DELAY_MS */
};

static void *worker_main(void *opaque)
{
    BlkWorker *w = opaque;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->todo && !w->quit)
            pthread_cond_wait(&w->work, &w->mu);
        if (!w->todo)
            break;
        BlkJob *j = w->todo;
        w->todo = j->next;
        if (!w->todo)
            w->todo_tail = &w->todo;
        pthread_mutex_unlock(&w->mu);
        if (w->delay_ms) {
            struct timespec ts = { w->delay_ms / 1000, (long)(w->delay_ms % 1000) * 1000000L };
            while (nanosleep(&ts, &ts) && errno == EINTR)
                ;
        }
        j->status = do_request(w->vd, w->b, &j->req, j->type, j->sector, &j->written, &j->bytes,
                               false);
        pthread_mutex_lock(&w->mu);
        j->next = NULL;
        *w->done_tail = j;
        w->done_tail = &j->next;
        w->busy--;
        pthread_cond_broadcast(&w->idle);
        loop_bh_schedule(w->bh);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Deliver (or, after a reset, drop) what the worker finished */
static void deliver(BlkWorker *w, bool drop)
{
    pthread_mutex_lock(&w->mu);
    BlkJob *j = w->done;
    w->done = NULL;
    w->done_tail = &w->done;
    pthread_mutex_unlock(&w->mu);
    while (j) {
        BlkJob *next = j->next;
        if (!drop) {
            /* the worker wrote the read data into RAM: tell the bus */
            if (j->type == VIRTIO_BLK_T_IN && j->status == VIRTIO_BLK_S_OK)
                for (unsigned s = j->req.nout; s < j->req.nout + j->req.nin; s++)
                    virtio_dma_written(w->vd, j->req.seg[s].addr, j->req.seg[s].len);
            finish(w->vd, w->b, j->q, &j->req, j->type, j->status, j->written, j->bytes);
        }
        free(j);
        j = next;
    }
}

static void worker_bh(void *opaque)
{
    deliver(opaque, false);
}

/* Wait for every job in flight, then complete them now (drop: discard) */
static void blk_drain_dev(VirtioBlk *b, bool drop)
{
    BlkWorker *w = b->worker;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->idle, &w->mu);
    pthread_mutex_unlock(&w->mu);
    deliver(w, drop);
}

void virtio_blk_drain(VirtioBlk *b)
{
    blk_drain_dev(b, false);
}

static bool submit_job(VirtioBlk *b, unsigned q, const VirtioReq *req, uint32_t type,
                       uint64_t sector)
{
    BlkWorker *w = b->worker;
    BlkJob *j = malloc(sizeof(*j));
    if (!j)
        return false; /* done synchronously instead */
    *j = (BlkJob){ .q = q, .type = type, .sector = sector };
    memcpy(&j->req, req, offsetof(VirtioReq, seg) + (req->nout + req->nin) * sizeof(req->seg[0]));
    pthread_mutex_lock(&w->mu);
    *w->todo_tail = j;
    w->todo_tail = &j->next;
    w->busy++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return true;
}

static void blk_notify(VirtioDev *vd, unsigned q)
{
    VirtioBlk *b = vd->opaque;
    static VirtioReq req; /* 2 KiB; the CPU thread is the only caller */
    int r;
    while ((r = virtio_pop(vd, q, &req)) == 1) {
        /* 5.2.6: a header the device can read and a status byte it can
         * write, or the driver broke the protocol */
        if (req.out_len < BLK_HDR || req.in_len < 1) {
            virtio_set_error(vd, "block request without header or status byte");
            return;
        }
        uint32_t type, written = 0;
        uint64_t sector, bytes = 0;
        req_header(vd, &req, &type, &sector);
        if (b->worker && worker_type(type)) {
            if (submit_job(b, q, &req, type, sector))
                continue;
            blk_drain_dev(b, false); /* out of memory: the worker must be idle */
        }
        uint8_t st = do_request(vd, b, &req, type, sector, &written, &bytes, true);
        finish(vd, b, q, &req, type, st, written, bytes);
    }
}

/* The driver reset the device: requests in flight complete into nothing
 * (their queue is gone) */
static void blk_reset(VirtioDev *vd)
{
    blk_drain_dev(vd->opaque, true);
}

static void blk_quiesce(VirtioDev *vd)
{
    blk_drain_dev(vd->opaque, false);
}

static uint64_t blk_features(VirtioDev *vd)
{
    VirtioBlk *b = vd->opaque;
    uint64_t f = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH;
    if (b->readonly)
        f |= 1ull << VIRTIO_BLK_F_RO;
    else
        f |= 1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
    return f;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* struct virtio_blk_config up to blk_size (5.2.4) */
static uint32_t blk_config(VirtioDev *vd, uint8_t *buf)
{
    VirtioBlk *b = vd->opaque;
    put_le(buf + 0, b->size / VIRTIO_BLK_SECTOR, 8); /* capacity */
    put_le(buf + 12, SEG_MAX, 4);                    /* seg_max */
    put_le(buf + 20, VIRTIO_BLK_SECTOR, 4);          /* blk_size */
    if (!b->readonly) {
        put_le(buf + 36, VIRTIO_BLK_MAX_DISCARD_SECTORS, 4); /* max_discard_sectors */
        put_le(buf + 40, VIRTIO_BLK_MAX_DISCARD_SEG, 4);     /* max_discard_seg */
        put_le(buf + 44, VIRTIO_BLK_DISCARD_ALIGN, 4);       /* discard_sector_alignment */
        put_le(buf + 48, VIRTIO_BLK_MAX_WZ_SECTORS, 4);      /* max_write_zeroes_sectors */
        put_le(buf + 52, VIRTIO_BLK_MAX_WZ_SEG, 4);          /* max_write_zeroes_seg */
        buf[56] = 0;                                         /* write_zeroes_may_unmap */
    }
    return CONFIG_BYTES;
}

const VirtioDeviceOps virtio_blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .nqueues = 1,
    .features = blk_features,
    .config = blk_config,
    .notify = blk_notify,
    .reset = blk_reset,
    .quiesce = blk_quiesce,
};

int virtio_blk_start_io(VirtioBlk *b, VirtioDev *vd, MainLoop *loop, char *err, size_t errlen)
{
    BlkWorker *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->b = b;
    w->vd = vd;
    w->todo_tail = &w->todo;
    w->done_tail = &w->done;
    const char *d = getenv("PPCEMU_DEBUG_BLK_DELAY_MS");
    w->delay_ms = d ? (unsigned)strtoul(d, NULL, 10) : 0;
    w->bh = loop_bh_new(loop, worker_bh, w);
    if (!w->bh) {
        free(w);
        snprintf(err, errlen, "cannot create the I/O completion handler");
        return -1;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->idle, NULL);
    int e = pthread_create(&w->thread, NULL, worker_main, w);
    if (e) {
        loop_bh_free(w->bh);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->idle);
        free(w);
        snprintf(err, errlen, "cannot start the I/O thread: %s", strerror(e));
        return -1;
    }
    b->worker = w;
    return 0;
}

/* Finish what is in flight (dropped), end the thread */
static void stop_io(VirtioBlk *b)
{
    BlkWorker *w = b->worker;
    if (!w)
        return;
    blk_drain_dev(b, true);
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    loop_bh_free(w->bh);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->idle);
    free(w);
    b->worker = NULL;
}


int virtio_blk_open(VirtioBlk *b, const VirtioBlkConf *c, unsigned index, char *err, size_t errlen)
{
    memset(b, 0, sizeof(*b));
    b->fd = -1;
    b->readonly = c->readonly;
    b->snapshot = c->snapshot;
    /* snapshot=on never writes the file */
    b->fd = open(c->file, (c->readonly || c->snapshot ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    struct stat st;
    if (b->fd < 0 || fstat(b->fd, &st)) {
        snprintf(err, errlen, "%s: %s", c->file, strerror(errno));
        virtio_blk_close(b);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", c->file);
        virtio_blk_close(b);
        return -1;
    }
    b->size = (uint64_t)st.st_size & ~(uint64_t)(VIRTIO_BLK_SECTOR - 1);
    b->path = strdup(c->file);
    if (b->snapshot) {
        b->overlay_l1 = ((b->size + CLUSTER - 1) >> CLUSTER_BITS >> L2_BITS) + 1;
        b->overlay = calloc(b->overlay_l1, sizeof(*b->overlay));
    }
    if (!b->path || (b->snapshot && !b->overlay)) {
        snprintf(err, errlen, "%s: out of memory", c->file);
        virtio_blk_close(b);
        return -1;
    }
    snprintf(b->id, sizeof(b->id), "ppcemu-disk%u", index);
    return 0;
}

static void overlay_free(uint8_t ***ov, uint64_t l1)
{
    if (!ov)
        return;
    for (uint64_t i = 0; i < l1; i++) {
        if (!ov[i])
            continue;
        for (unsigned j = 0; j < L2_SIZE; j++)
            free(ov[i][j]);
        free(ov[i]);
    }
    free(ov);
}

void virtio_blk_close(VirtioBlk *b)
{
    stop_io(b);
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    overlay_free(b->overlay, b->overlay_l1);
    b->overlay = NULL;
    free(b->path);
    b->path = NULL;
}

/* ---- snapshot state (boards/virtio_blk.h) ----
 * Section "virtio-blkN", version 1:
 *   u8 mode (0 read-write, 1 readonly=on, 2 snapshot=on), u64 disk bytes,
 *   u64 overlay cluster count, then per cluster (ascending index)
 *   u64 index and its CLUSTER bytes.
 * Loading checks the mode and size against this drive's and every index
 * and the count against the disk's cluster count (and the payload left,
 * before allocating anything), then builds a complete new overlay that
 * the commit swaps in. */

enum { MODE_RW, MODE_RO, MODE_SNAPSHOT };

static uint8_t blk_mode(const VirtioBlk *b)
{
    return b->snapshot ? MODE_SNAPSHOT : b->readonly ? MODE_RO : MODE_RW;
}

static const char *mode_name(uint8_t m)
{
    return m == MODE_SNAPSHOT ? "snapshot=on" : m == MODE_RO ? "readonly=on" : "read-write";
}

static uint64_t disk_clusters(const VirtioBlk *b)
{
    return (b->size + CLUSTER - 1) >> CLUSTER_BITS;
}

static void blk_state_save(SnapWriter *w, void *opaque)
{
    VirtioBlk *b = opaque;
    blk_drain_dev(b, false); /* normally done: the transport's pre_save */
    /* A writable drive migrates by shared storage: what the guest wrote
     * is on the disk before the destination reads it (issue 13) */
    if (blk_mode(b) == MODE_RW)
        (void)fdatasync(b->fd);
    snap_put_u8(w, blk_mode(b));
    snap_put_u64(w, b->size);
    snap_put_u64(w, b->overlay ? b->overlay_clusters : 0);
    if (!b->overlay)
        return;
    for (uint64_t i = 0; i < b->overlay_l1; i++) {
        if (!b->overlay[i])
            continue;
        for (unsigned j = 0; j < L2_SIZE; j++) {
            if (!b->overlay[i][j])
                continue;
            snap_put_u64(w, i << L2_BITS | j);
            snap_put_bytes(w, b->overlay[i][j], CLUSTER);
        }
    }
}

typedef struct BlkLoad {
    uint8_t ***overlay;
    uint64_t clusters;
} BlkLoad;

static int blk_state_load(SnapReader *r, uint32_t version, void *opaque, void **tmp,
                          SnapError *err)
{
    (void)version;
    VirtioBlk *b = opaque;
    uint8_t mode;
    uint64_t size, n;
    if (snap_get_u8(r, &mode, err) || snap_get_u64(r, &size, err) || snap_get_u64(r, &n, err))
        return -1;
    if (mode > MODE_SNAPSHOT) {
        snap_error(err, "snapshot is corrupt (virtio-blk mode %u)", mode);
        return -1;
    }
    if (mode != blk_mode(b)) {
        snap_error(err, "snapshot's drive %s was %s, here it is %s", b->id, mode_name(mode),
                   mode_name(blk_mode(b)));
        return -1;
    }
    if (size != b->size) {
        snap_error(err, "snapshot's drive %s has %llu sectors, %s has %llu", b->id,
                   (unsigned long long)(size / VIRTIO_BLK_SECTOR), b->path,
                   (unsigned long long)(b->size / VIRTIO_BLK_SECTOR));
        return -1;
    }
    if ((n && mode != MODE_SNAPSHOT) || n > disk_clusters(b) ||
        n > snap_remaining(r) / (8 + CLUSTER)) {
        snap_error(err, "snapshot is corrupt (%llu overlay clusters for drive %s)",
                   (unsigned long long)n, b->id);
        return -1;
    }
    BlkLoad *ld = calloc(1, sizeof(*ld));
    if (!ld || (mode == MODE_SNAPSHOT && !(ld->overlay = calloc(b->overlay_l1, sizeof(*ld->overlay))))) {
        free(ld);
        snap_error(err, "out of memory");
        return -1;
    }
    *tmp = ld; /* freed by free_tmp on any failure below */
    uint64_t prev = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t idx;
        if (snap_get_u64(r, &idx, err))
            return -1;
        if (idx >= disk_clusters(b) || (k && idx <= prev)) {
            snap_error(err, "snapshot is corrupt (overlay cluster %llu of drive %s)",
                       (unsigned long long)idx, b->id);
            return -1;
        }
        prev = idx;
        uint64_t i = idx >> L2_BITS;
        if (!ld->overlay[i] && !(ld->overlay[i] = calloc(L2_SIZE, sizeof(uint8_t *)))) {
            snap_error(err, "out of memory");
            return -1;
        }
        uint8_t *c = malloc(CLUSTER);
        if (!c) {
            snap_error(err, "out of memory");
            return -1;
        }
        ld->overlay[i][idx & (L2_SIZE - 1)] = c;
        ld->clusters++;
        if (snap_get_bytes(r, c, CLUSTER, err))
            return -1;
    }
    return 0;
}

static void blk_state_commit(void *opaque, void *tmp)
{
    VirtioBlk *b = opaque;
    BlkLoad *ld = tmp;
    if (b->overlay) {
        overlay_free(b->overlay, b->overlay_l1);
        b->overlay = ld->overlay;
        b->overlay_clusters = ld->clusters;
        ld->overlay = NULL;
    }
}

static void blk_state_free(void *opaque, void *tmp)
{
    VirtioBlk *b = opaque;
    BlkLoad *ld = tmp;
    overlay_free(ld->overlay, b->overlay_l1);
    free(ld);
}

static const SnapBulkOps blk_bulk = { blk_state_save, blk_state_load, blk_state_commit,
                                      blk_state_free };

#define BLK_STATE_MAX 8
static char blk_names[BLK_STATE_MAX][16];
static SnapStateDesc blk_desc[BLK_STATE_MAX];

const SnapStateDesc *virtio_blk_state_desc(unsigned index)
{
    if (index >= BLK_STATE_MAX)
        return NULL;
    if (!blk_desc[index].name) {
        snprintf(blk_names[index], sizeof(blk_names[index]), "virtio-blk%u", index);
        blk_desc[index] = (SnapStateDesc){ .name = blk_names[index], .version = 1,
                                           .bulk = &blk_bulk };
    }
    return &blk_desc[index];
}
