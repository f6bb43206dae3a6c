/*
 * virtio-mmio transport (virtio 1.1, section 4.2 "Virtio Over MMIO", the
 * modern register layout only: Version 2) with split virtqueues (2.6).
 *
 * A slot is one 0x200-byte MMIO region (board.md).  The transport owns the
 * registers, feature negotiation, queue addresses, the interrupt status and
 * the device status; a device (virtio-blk, ...) plugs in through
 * VirtioDeviceOps and takes requests off its queues with virtio_pop() /
 * virtio_push().  A slot without a device reads DeviceID 0 (Linux's
 * virtio_mmio probe then returns -ENODEV quietly).
 *
 * Byte order: virtio-mmio registers and everything in the virtqueues are
 * little-endian (4.2.2, 2.4 with VIRTIO_F_VERSION_1); the bus presents a
 * device's value big-endian, so registers are returned as the bytes a
 * little-endian register would have at each address (a BE guest's lwbrx,
 * i.e. Linux's readl(), then sees the right value).
 *
 * Hostile drivers: every guest-supplied index, length, address and chain
 * is checked before use.  A violation puts the device in its error state:
 * DEVICE_NEEDS_RESET in Status and a configuration-change interrupt
 * (2.1.2), after which its queues are not looked at until the driver
 * resets it.  Nothing a driver writes can make the host crash or loop:
 * a chain is at most QueueNum descriptors long, one notification handles
 * at most QueueNum requests.
 *
 * Snapshot state (section "virtio-mmioN" per slot with a device,
 * virtio_state_desc): status, the three feature/queue selectors,
 * drv_features, int_status, config_gen, and per queue num, ready,
 * desc/avail/used, last_avail, used_idx.  Checked on load as a hostile
 * driver's writes are: every bounded field in range, negotiated features
 * a subset of the offered ones, a ready queue's areas aligned and in RAM
 * (queue_check), no ready queue past the device's count.  Post-load:
 * drive the IRQ line from int_status (irq_level is derived) and word
 * error[] when NEEDS_RESET came back.  A device that has requests in
 * flight must complete them before a save (the device's own quiesce).
 *
 * Guest memory is read from and written to RAM only (a queue or buffer
 * outside RAM is an error); writes are tracked by the bus (mem/bus.h:
 * translated code from the bytes is dropped, the pages are dirty in every
 * dirty-log view) through virtio_dma_write / virtio_dma_written.
 */
#ifndef BOARDS_VIRTIO_H
#define BOARDS_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "boards/irq.h"
#include "mem/bus.h"
#include "migration/snapstate.h"

#define VIRTIO_MMIO_SIZE      0x200u
#define VIRTIO_MMIO_MAGIC     0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION   2u
#define VIRTIO_VENDOR_ID      0x50504345u /* "PPCE" */
#define VIRTIO_CONFIG_OFF     0x100u
#define VIRTIO_CONFIG_MAX     (VIRTIO_MMIO_SIZE - VIRTIO_CONFIG_OFF)

/* register offsets (virtio 1.1, 4.2.2) */
enum {
    VIRTIO_MMIO_MAGIC_VALUE = 0x000, VIRTIO_MMIO_VERSION_REG = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008, VIRTIO_MMIO_VENDOR_ID = 0x00c,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010, VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020, VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030, VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038, VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050, VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064, VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080, VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090, VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0, VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
};

/* device status bits (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* interrupt status bits (4.2.2) */
#define VIRTIO_INT_VRING 1u
#define VIRTIO_INT_CONFIG 2u

/* feature bits (6) */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_INDIRECT_DESC 28

/* descriptor flags (2.6.5) */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u

#define VIRTIO_MAX_QUEUES 2
#define VIRTIO_QUEUE_NUM_MAX 256u /* also the longest chain */

typedef struct VirtQueue {
    uint32_t num;             /* QueueNum */
    bool ready;
    uint64_t desc, avail, used; /* guest physical */
    uint16_t last_avail;      /* next avail ring entry the device takes */
    uint16_t used_idx;        /* the device's copy of used->idx */
} VirtQueue;

/* One buffer segment of a chain: guest physical, checked to lie in RAM */
typedef struct VirtioSeg {
    uint32_t addr, len;
} VirtioSeg;

/* A descriptor chain taken off a queue: device-readable segments first,
 * then device-writable ones (2.6.4.2) */
typedef struct VirtioReq {
    uint16_t head;
    unsigned nout, nin;       /* readable, writable segment counts */
    uint64_t out_len, in_len; /* their total lengths */
    VirtioSeg seg[VIRTIO_QUEUE_NUM_MAX];
} VirtioReq;

typedef struct VirtioDev VirtioDev;

typedef struct VirtioDeviceOps {
    uint32_t device_id;       /* 5 "Device Types": 2 = block, 18 = input */
    unsigned nqueues;
    /* device feature bits; the transport adds VIRTIO_F_VERSION_1 */
    uint64_t (*features)(VirtioDev *vd);
    /* the device configuration space, little-endian bytes (at most
     * VIRTIO_CONFIG_MAX); reads past it give 0 */
    uint32_t (*config)(VirtioDev *vd, uint8_t *buf);
    /* a driver wrote config byte off (NULL: read-only space) */
    void (*config_write)(VirtioDev *vd, uint32_t off, uint8_t val);
    /* the driver notified queue q (only when DRIVER_OK, q ready, no error) */
    void (*notify)(VirtioDev *vd, unsigned q);
    /* the device was reset (Status written 0), may be NULL */
    void (*reset)(VirtioDev *vd);
    /* complete every request in flight (before a snapshot), may be NULL */
    void (*quiesce)(VirtioDev *vd);
} VirtioDeviceOps;

struct VirtioDev {
    Bus *bus;
    IrqLine irq;
    const VirtioDeviceOps *ops; /* NULL: an empty slot */
    void *opaque;               /* the device's own state */
    /* registers */
    uint32_t status;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint64_t drv_features;
    uint32_t int_status;
    uint32_t config_gen;
    VirtQueue vq[VIRTIO_MAX_QUEUES];
    bool irq_level;
    /* why the device entered its error state ("" if it did not) */
    char error[96];
};

/* An empty slot when ops is NULL */
void virtio_init(VirtioDev *vd, Bus *bus, IrqLine irq, const VirtioDeviceOps *ops, void *opaque);
/* Device reset (Status written 0, or a system reset) */
void virtio_reset(VirtioDev *vd);
extern const MemOps virtio_mmio_ops;

/* Was feature bit `bit` negotiated? */
bool virtio_has_feature(const VirtioDev *vd, unsigned bit);

/* Take the next available chain of queue q.  1: *req filled; 0: none;
 * -1: the driver broke a rule (the device is now in its error state). */
__attribute__((warn_unused_result))
int virtio_pop(VirtioDev *vd, unsigned q, VirtioReq *req);
/* Return a chain to the driver with `written` bytes written into its
 * writable part, and raise the used-buffer interrupt. */
void virtio_push(VirtioDev *vd, unsigned q, const VirtioReq *req, uint32_t written);
/* The device cannot go on (2.1.2): DEVICE_NEEDS_RESET, config interrupt */
void virtio_set_error(VirtioDev *vd, const char *why);
/* Signal a configuration change (4.2.2 InterruptStatus bit 1) */
void virtio_config_changed(VirtioDev *vd);

/* Copy between a request's segments and host memory: the writable part
 * from byte offset off on (out = the readable part).  Return the bytes
 * copied (less when the segments end first). */
uint64_t virtio_req_read(VirtioDev *vd, const VirtioReq *req, uint64_t off, void *dst, uint64_t len);
uint64_t virtio_req_write(VirtioDev *vd, const VirtioReq *req, uint64_t off, const void *src,
                          uint64_t len);
/* Guest RAM write, tracked by the bus (pages dirtied) */
void virtio_dma_write(VirtioDev *vd, uint32_t pa, const void *src, uint32_t len);
/* The device has just written guest RAM [pa, pa + len) through the host
 * pointer bus->ram + pa (checked in RAM): tell the bus */
void virtio_dma_written(VirtioDev *vd, uint32_t pa, uint32_t len);

/* The snapshot section of slot `slot` (< VIRTIO_STATE_SLOTS), named
 * "virtio-mmioSLOT".  optional: a stream without it resets the device
 * (for devices that older snapshots did not describe). */
#define VIRTIO_STATE_SLOTS 8
const SnapStateDesc *virtio_state_desc(unsigned slot, bool optional);

#endif /* BOARDS_VIRTIO_H */
