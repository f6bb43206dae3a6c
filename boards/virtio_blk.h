/*
 * virtio-blk (virtio 1.1 section 5.2) on a raw image file: read, write,
 * flush and get-id requests.  `readonly` opens the file read-only and
 * offers VIRTIO_BLK_F_RO (writes then fail with VIRTIO_BLK_S_IOERR);
 * `snapshot` opens it read-only too and keeps every write in an in-memory
 * overlay of 4 KiB clusters, discarded when the drive is closed (QEMU's
 * snapshot=on; kept across a system reset, as QEMU keeps its temporary
 * overlay).
 *
 * Discard and write-zeroes (5.2.6, offered unless readonly): up to
 * VIRTIO_BLK_MAX_*_SEG segments of at most VIRTIO_BLK_MAX_*_SECTORS each,
 * every one checked before any is done (too many segments or sectors, a
 * reserved flag, unmap on a discard: UNSUPP; past the disk end: IOERR).
 * On the file a discard punches a hole (fallocate PUNCH_HOLE; where the
 * file system cannot, zeros are written, so a discarded range always
 * reads as zeros); in the snapshot=on overlay it drops the clusters the
 * range covers wholly (they read as the file again: a discarded range's
 * contents are undefined, 5.2.6.2).  Write-zeroes writes zeros (ZERO_RANGE
 * on the file where it can).
 *
 * Snapshot state: the transport's (boards/virtio.h) and the section
 * "virtio-blkN" (virtio_blk_state_desc): the drive's mode and size, which
 * must equal the loading drive's, and for a snapshot=on drive the
 * overlay's clusters (index and 4 KiB each); a readonly one has none; a
 * writable raw drive cannot be saved by savevm (QEMU refuses savevm there
 * too, boards/vmsnap.c) and migrates by shared storage: the section's save
 * flushes the file first.  Both sections are mandatory: snapshots with
 * drives did not exist before them.  The counters are not state.
 *
 * I/O: after virtio_blk_start_io, reads, writes and flushes run on a
 * worker thread of the drive (pread/pwrite straight into/out of guest
 * RAM, in submission order) and complete through a bottom half of the
 * main loop, which fills the used ring and raises the interrupt on the
 * CPU thread: a slow disk does not stall the guest.  get-id and unknown
 * requests complete at once.  Without a worker (-icount, where a
 * completion at a host-time-dependent instruction would break the exact
 * replay; the unit tests) every request is done synchronously when the
 * driver notifies.  virtio_blk_drain completes what is in flight: a save
 * (the transport's pre_save), a load and a stop call it first, and a
 * device reset drops it.  PPCEMU_DEBUG_BLK_DELAY_MS=N in the environment
 * makes the worker sleep N ms before each request (tests: a slow disk).
 */
#ifndef BOARDS_VIRTIO_BLK_H
#define BOARDS_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boards/main_loop.h"
#include "boards/virtio.h"

#define VIRTIO_ID_BLOCK 2

/* request types and status values (5.2.6) */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_T_DISCARD 11u
#define VIRTIO_BLK_T_WRITE_ZEROES 13u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

/* feature bits (5.2.3) */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* discard and write-zeroes limits (config space, 5.2.4): sectors per
 * segment, segments per request, alignment of a discard (one overlay
 * cluster, so that dropping whole clusters is the common case) */
#define VIRTIO_BLK_MAX_DISCARD_SECTORS 65536u
#define VIRTIO_BLK_MAX_DISCARD_SEG 32u
#define VIRTIO_BLK_DISCARD_ALIGN 8u
#define VIRTIO_BLK_MAX_WZ_SECTORS 65536u
#define VIRTIO_BLK_MAX_WZ_SEG 32u

#define VIRTIO_BLK_SECTOR 512u
#define VIRTIO_BLK_ID_BYTES 20u

/* What -drive gives */
typedef struct VirtioBlkConf {
    const char *file;
    bool readonly, snapshot;
} VirtioBlkConf;

typedef struct BlkWorker BlkWorker;

typedef struct VirtioBlk {
    BlkWorker *worker;     /* NULL: requests are done on the CPU thread */
    int fd;
    char *path;
    bool readonly, snapshot;
    uint64_t size;         /* bytes visible to the guest: whole sectors */
    uint8_t ***overlay;    /* snapshot=on: [cluster >> 9][cluster & 511] */
    uint64_t overlay_l1;   /* entries of overlay */
    uint64_t overlay_clusters; /* allocated clusters */
    char id[VIRTIO_BLK_ID_BYTES + 1];
    /* counters for `info block` */
    uint64_t rd_bytes, wr_bytes, rd_ops, wr_ops, flush_ops, errors;
    uint64_t discard_bytes, discard_ops; /* discards and write-zeroes */
} VirtioBlk;

extern const VirtioDeviceOps virtio_blk_ops;

/* Open the image; index names the drive (GET_ID "ppcemu-diskN").
 * 0, or -1 with err set. */
__attribute__((warn_unused_result))
int virtio_blk_open(VirtioBlk *b, const VirtioBlkConf *c, unsigned index, char *err, size_t errlen);
/* Run the drive's I/O on a worker thread from now on; vd is its slot.
 * 0, or -1 with err set (the drive then stays synchronous). */
__attribute__((warn_unused_result))
int virtio_blk_start_io(VirtioBlk *b, VirtioDev *vd, MainLoop *loop, char *err, size_t errlen);
/* Wait for the requests in flight and complete them (CPU thread) */
void virtio_blk_drain(VirtioBlk *b);
/* The snapshot section of drive `index` (< 8), named "virtio-blkINDEX" */
const SnapStateDesc *virtio_blk_state_desc(unsigned index);
/* Close the file and drop the overlay (snapshot=on writes are lost) */
void virtio_blk_close(VirtioBlk *b);

#endif /* BOARDS_VIRTIO_BLK_H */
