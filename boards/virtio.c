/*
 * virtio-mmio transport and split virtqueues (boards/virtio.h; virtio 1.1
 * sections 2, 4.2).  Section numbers below are the virtio 1.1 spec's.
 */
#include "boards/virtio.h"

#include <stdio.h>
#include <string.h>

/* ---- guest RAM, little-endian (2.4: VERSION_1 rings are LE) ---- */

static bool in_ram(const VirtioDev *vd, uint64_t addr, uint64_t len)
{
    uint64_t ram = vd->bus->ram_size;
    return addr <= ram && len <= ram - addr;
}

/* callers have checked the range with in_ram */
static uint16_t ram_le16(const VirtioDev *vd, uint64_t pa)
{
    const uint8_t *p = vd->bus->ram + pa;
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ram_le32(const VirtioDev *vd, uint64_t pa)
{
    const uint8_t *p = vd->bus->ram + pa;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ram_le64(const VirtioDev *vd, uint64_t pa)
{
    return ram_le32(vd, pa) | (uint64_t)ram_le32(vd, pa + 4) << 32;
}

void virtio_dma_written(VirtioDev *vd, uint32_t pa, uint32_t len)
{
    if (!len || !in_ram(vd, pa, len))
        return;
    /* Tracked like any writer (mem/bus.h): translated code from these
     * bytes is dropped and the pages are dirty in every dirty-log view. */
    bus_ram_written(vd->bus, pa, len);
}

void virtio_dma_write(VirtioDev *vd, uint32_t pa, const void *src, uint32_t len)
{
    if (!len || !in_ram(vd, pa, len))
        return;
    memcpy(vd->bus->ram + pa, src, len);
    virtio_dma_written(vd, pa, len);
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- interrupts and status ---- */

static void update_irq(VirtioDev *vd)
{
    bool level = vd->int_status != 0;
    if (level != vd->irq_level) {
        vd->irq_level = level;
        irq_line_set(&vd->irq, level);
    }
}

void virtio_config_changed(VirtioDev *vd)
{
    vd->config_gen++;
    vd->int_status |= VIRTIO_INT_CONFIG;
    update_irq(vd);
}

void virtio_set_error(VirtioDev *vd, const char *why)
{
    if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
        return;
    snprintf(vd->error, sizeof(vd->error), "%s", why);
    vd->status |= VIRTIO_STATUS_NEEDS_RESET;
    /* 2.1.2: the device sends a configuration change notification */
    vd->int_status |= VIRTIO_INT_CONFIG;
    update_irq(vd);
}

bool virtio_has_feature(const VirtioDev *vd, unsigned bit)
{
    return bit < 64 && (vd->drv_features >> bit & 1);
}

static uint64_t dev_features(VirtioDev *vd)
{
    if (!vd->ops)
        return 0;
    uint64_t f = vd->ops->features ? vd->ops->features(vd) : 0;
    return f | 1ull << VIRTIO_F_VERSION_1;
}

void virtio_init(VirtioDev *vd, Bus *bus, IrqLine irq, const VirtioDeviceOps *ops, void *opaque)
{
    memset(vd, 0, sizeof(*vd));
    vd->bus = bus;
    vd->irq = irq;
    vd->ops = ops;
    vd->opaque = opaque;
}

void virtio_reset(VirtioDev *vd)
{
    vd->status = 0;
    vd->dev_features_sel = vd->drv_features_sel = vd->queue_sel = 0;
    vd->drv_features = 0;
    vd->int_status = 0;
    memset(vd->vq, 0, sizeof(vd->vq));
    vd->error[0] = 0;
    update_irq(vd);
    if (vd->ops && vd->ops->reset)
        vd->ops->reset(vd);
}

/* ---- queues ---- */

static VirtQueue *sel_queue(VirtioDev *vd)
{
    if (!vd->ops || vd->queue_sel >= vd->ops->nqueues || vd->queue_sel >= VIRTIO_MAX_QUEUES)
        return NULL;
    return &vd->vq[vd->queue_sel];
}

/* 2.6: QueueNum a power of 2 up to QueueNumMax; the three areas aligned
 * (2.6 table: 16, 2, 4 bytes) and wholly in RAM */
static const char *queue_check(const VirtioDev *vd, const VirtQueue *q)
{
    uint32_t n = q->num;
    if (n == 0 || n > VIRTIO_QUEUE_NUM_MAX || (n & (n - 1)))
        return "QueueNum is not a power of 2 within QueueNumMax";
    if ((q->desc & 15) || !in_ram(vd, q->desc, 16ull * n))
        return "descriptor table misaligned or outside RAM";
    if ((q->avail & 1) || !in_ram(vd, q->avail, 6ull + 2ull * n))
        return "driver area misaligned or outside RAM";
    if ((q->used & 3) || !in_ram(vd, q->used, 6ull + 8ull * n))
        return "device area misaligned or outside RAM";
    return NULL;
}

static int req_error(VirtioDev *vd, unsigned qn, const char *what)
{
    char why[96];
    snprintf(why, sizeof(why), "queue %u: %s", qn, what);
    virtio_set_error(vd, why);
    return -1;
}

/* One descriptor of the chain into req (2.6.5) */
static int add_desc(VirtioDev *vd, unsigned qn, const VirtQueue *q, uint16_t i, VirtioReq *req,
                    uint16_t *flags, uint16_t *next)
{
    uint64_t d = q->desc + 16ull * i;
    uint64_t addr = ram_le64(vd, d);
    uint32_t len = ram_le32(vd, d + 8);
    *flags = ram_le16(vd, d + 12);
    *next = ram_le16(vd, d + 14);
    if (*flags & VIRTQ_DESC_F_INDIRECT)
        return req_error(vd, qn, "indirect descriptor (VIRTIO_F_INDIRECT_DESC not offered)");
    if (!in_ram(vd, addr, len))
        return req_error(vd, qn, "buffer outside RAM");
    bool w = *flags & VIRTQ_DESC_F_WRITE;
    if (!w && req->nin)
        return req_error(vd, qn, "device-readable descriptor after a writable one");
    req->seg[req->nout + req->nin] = (VirtioSeg){ (uint32_t)addr, len };
    if (w) {
        req->nin++;
        req->in_len += len;
    } else {
        req->nout++;
        req->out_len += len;
    }
    return 0;
}

int virtio_pop(VirtioDev *vd, unsigned qn, VirtioReq *req)
{
    if (!vd->ops || qn >= vd->ops->nqueues || qn >= VIRTIO_MAX_QUEUES ||
        (vd->status & VIRTIO_STATUS_NEEDS_RESET))
        return 0;
    VirtQueue *q = &vd->vq[qn];
    if (!q->ready)
        return 0;
    uint16_t avail_idx = ram_le16(vd, q->avail + 2);
    uint16_t pending = (uint16_t)(avail_idx - q->last_avail);
    if (pending == 0)
        return 0;
    /* the driver cannot have more chains out than the ring holds */
    if (pending > q->num)
        return req_error(vd, qn, "avail index runs ahead by more than QueueNum");
    uint16_t head = ram_le16(vd, q->avail + 4 + 2ull * (q->last_avail % q->num));
    if (head >= q->num)
        return req_error(vd, qn, "avail ring names a descriptor past QueueNum");
    req->head = head;
    req->nout = req->nin = 0;
    req->out_len = req->in_len = 0;
    uint16_t i = head, flags, next;
    for (unsigned count = 0;; count++) {
        /* 2.6.5.3.1: a chain longer than the table must contain a loop */
        if (count >= q->num)
            return req_error(vd, qn, "descriptor chain longer than the queue (a loop)");
        if (add_desc(vd, qn, q, i, req, &flags, &next))
            return -1;
        if (!(flags & VIRTQ_DESC_F_NEXT))
            break;
        if (next >= q->num)
            return req_error(vd, qn, "descriptor next index past QueueNum");
        i = next;
    }
    q->last_avail++;
    return 1;
}

void virtio_push(VirtioDev *vd, unsigned qn, const VirtioReq *req, uint32_t written)
{
    if (!vd->ops || qn >= vd->ops->nqueues || qn >= VIRTIO_MAX_QUEUES ||
        (vd->status & VIRTIO_STATUS_NEEDS_RESET))
        return;
    VirtQueue *q = &vd->vq[qn];
    if (!q->ready)
        return;
    uint8_t elem[8], idx[2];
    put_le32(elem, req->head);
    put_le32(elem + 4, written);
    virtio_dma_write(vd, (uint32_t)(q->used + 4 + 8ull * (q->used_idx % q->num)), elem, 8);
    q->used_idx++;
    put_le16(idx, q->used_idx);
    virtio_dma_write(vd, (uint32_t)(q->used + 2), idx, 2);
    /* 2.6.7.2: VIRTQ_AVAIL_F_NO_INTERRUPT asks for no notification */
    if (!(ram_le16(vd, q->avail) & 1)) {
        vd->int_status |= VIRTIO_INT_VRING;
        update_irq(vd);
    }
}

static uint64_t req_copy(VirtioDev *vd, const VirtioReq *req, bool in, uint64_t off, uint8_t *host,
                         uint64_t len, bool to_guest)
{
    unsigned first = in ? req->nout : 0, n = in ? req->nin : req->nout;
    uint64_t done = 0;
    for (unsigned s = first; s < first + n && done < len; s++) {
        const VirtioSeg *g = &req->seg[s];
        if (off >= g->len) {
            off -= g->len;
            continue;
        }
        uint64_t k = g->len - off < len - done ? g->len - off : len - done;
        if (to_guest)
            virtio_dma_write(vd, (uint32_t)(g->addr + off), host + done, (uint32_t)k);
        else
            memcpy(host + done, vd->bus->ram + g->addr + off, k);
        done += k;
        off = 0;
    }
    return done;
}

uint64_t virtio_req_read(VirtioDev *vd, const VirtioReq *req, uint64_t off, void *dst, uint64_t len)
{
    return req_copy(vd, req, false, off, dst, len, false);
}

uint64_t virtio_req_write(VirtioDev *vd, const VirtioReq *req, uint64_t off, const void *src,
                          uint64_t len)
{
    return req_copy(vd, req, true, off, (uint8_t *)src, len, true);
}

/* ---- registers (4.2.2) ---- */

static uint32_t reg_read(VirtioDev *vd, uint32_t reg)
{
    VirtQueue *q = sel_queue(vd);
    switch (reg) {
    case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION_REG: return VIRTIO_MMIO_VERSION;
    case VIRTIO_MMIO_DEVICE_ID: return vd->ops ? vd->ops->device_id : 0;
    case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_VENDOR_ID;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return vd->dev_features_sel < 2 ? (uint32_t)(dev_features(vd) >> (32 * vd->dev_features_sel)) : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTIO_QUEUE_NUM_MAX : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q ? q->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return vd->int_status;
    case VIRTIO_MMIO_STATUS: return vd->status;
    case VIRTIO_MMIO_CONFIG_GENERATION: return vd->config_gen;
    default: return 0; /* write-only registers */
    }
}

/* 3.1.1: the driver may only set FEATURES_OK for features the device
 * offers, and this transport is modern-only: VERSION_1 is required */
static bool features_ok(VirtioDev *vd)
{
    return !(vd->drv_features & ~dev_features(vd)) && virtio_has_feature(vd, VIRTIO_F_VERSION_1);
}

static void write_status(VirtioDev *vd, uint32_t v)
{
    if (v == 0) {
        virtio_reset(vd);
        return;
    }
    uint32_t old = vd->status;
    v &= 0xFFu & ~VIRTIO_STATUS_NEEDS_RESET;
    if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) && !features_ok(vd))
        v &= ~VIRTIO_STATUS_FEATURES_OK; /* the driver reads it back (3.1.1 step 6) */
    vd->status = v | (old & VIRTIO_STATUS_NEEDS_RESET);
}

static void write_queue_reg(VirtioDev *vd, VirtQueue *q, uint32_t reg, uint32_t v)
{
    if (reg == VIRTIO_MMIO_QUEUE_READY) {
        if (!(v & 1)) {
            q->ready = false;
            return;
        }
        if (q->ready)
            return; /* already in use: its indices stay */
        const char *bad = queue_check(vd, q);
        if (bad) {
            char why[96];
            snprintf(why, sizeof(why), "queue %u: %s", vd->queue_sel, bad);
            virtio_set_error(vd, why);
            return;
        }
        q->ready = true;
        q->last_avail = q->used_idx = 0;
        return;
    }
    if (q->ready)
        return; /* 4.2.2.3: not while the queue is in use */
    switch (reg) {
    case VIRTIO_MMIO_QUEUE_NUM: q->num = v; break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: q->desc = (q->desc & ~0xFFFFFFFFull) | v; break;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: q->desc = (q->desc & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW: q->avail = (q->avail & ~0xFFFFFFFFull) | v; break;
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: q->avail = (q->avail & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW: q->used = (q->used & ~0xFFFFFFFFull) | v; break;
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: q->used = (q->used & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    default: break;
    }
}

static void reg_write(VirtioDev *vd, uint32_t reg, uint32_t v)
{
    VirtQueue *q = sel_queue(vd);
    switch (reg) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: vd->dev_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: vd->drv_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (vd->drv_features_sel < 2 && !(vd->status & VIRTIO_STATUS_FEATURES_OK)) {
            unsigned sh = 32 * vd->drv_features_sel;
            vd->drv_features = (vd->drv_features & ~(0xFFFFFFFFull << sh)) | (uint64_t)v << sh;
        }
        break;
    case VIRTIO_MMIO_QUEUE_SEL: vd->queue_sel = v; break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        if (vd->ops && v < vd->ops->nqueues && v < VIRTIO_MAX_QUEUES && vd->vq[v].ready &&
            (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET))
            vd->ops->notify(vd, v);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        vd->int_status &= ~v;
        update_irq(vd);
        break;
    case VIRTIO_MMIO_STATUS: write_status(vd, v); break;
    case VIRTIO_MMIO_QUEUE_NUM: case VIRTIO_MMIO_QUEUE_READY:
    case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW: case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW: case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        if (q)
            write_queue_reg(vd, q, reg, v);
        break;
    default: break; /* read-only registers */
    }
}

/* The bytes of the slot as a little-endian device shows them, for the
 * naturally aligned word holding off */
static void slot_bytes(VirtioDev *vd, uint32_t off, uint8_t b[4])
{
    uint32_t w = off & ~3u;
    if (w < VIRTIO_CONFIG_OFF) {
        put_le32(b, vd->ops || w <= VIRTIO_MMIO_VENDOR_ID ? reg_read(vd, w) : 0);
        return;
    }
    uint8_t cfg[VIRTIO_CONFIG_MAX];
    uint32_t n = 0;
    memset(cfg, 0, sizeof(cfg));
    if (vd->ops && vd->ops->config)
        n = vd->ops->config(vd, cfg);
    for (int i = 0; i < 4; i++) {
        uint32_t c = w - VIRTIO_CONFIG_OFF + (uint32_t)i;
        b[i] = c < n && c < sizeof(cfg) ? cfg[c] : 0;
    }
}

static uint32_t virtio_mmio_read(void *opaque, uint32_t off, unsigned size)
{
    uint8_t b[4];
    slot_bytes(opaque, off, b);
    uint32_t v = 0;
    for (unsigned i = 0; i < size && (off & 3) + i < 4; i++)
        v = v << 8 | b[(off & 3) + i];
    return v;
}

static void virtio_mmio_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    VirtioDev *vd = opaque;
    if (!vd->ops)
        return;
    if (off >= VIRTIO_CONFIG_OFF) {
        if (!vd->ops->config_write)
            return;
        for (unsigned i = 0; i < size; i++)
            vd->ops->config_write(vd, off - VIRTIO_CONFIG_OFF + i,
                                  (uint8_t)(val >> (8 * (size - 1 - i))));
        return;
    }
    /* 4.2.2.2: registers are written 32 bits wide; narrower writes are
     * dropped.  The bus value is the big-endian reading of the bytes. */
    if (size != 4)
        return;
    reg_write(vd, off, __builtin_bswap32(val));
}

const MemOps virtio_mmio_ops = { virtio_mmio_read, virtio_mmio_write };

/* ---- snapshot state (boards/virtio.h) ---- */

#define VQ_FIELDS(i)                                                                          \
    SNAP_MEMBER_RANGE("vq" #i ".num", VirtioDev, vq[i].num, 1, 0, VIRTIO_QUEUE_NUM_MAX),      \
    SNAP_MEMBER_RANGE("vq" #i ".ready", VirtioDev, vq[i].ready, 1, 0, 1),                     \
    SNAP_MEMBER("vq" #i ".desc", VirtioDev, vq[i].desc, 1, 0),                                \
    SNAP_MEMBER("vq" #i ".avail", VirtioDev, vq[i].avail, 1, 0),                              \
    SNAP_MEMBER("vq" #i ".used", VirtioDev, vq[i].used, 1, 0),                                \
    SNAP_MEMBER("vq" #i ".last_avail", VirtioDev, vq[i].last_avail, 1, 0),                    \
    SNAP_MEMBER("vq" #i ".used_idx", VirtioDev, vq[i].used_idx, 1, 0)

_Static_assert(VIRTIO_MAX_QUEUES == 2, "one VQ_FIELDS row group per queue");

static const SnapField virtio_fields[] = {
    SNAP_FIELD_MAX(VirtioDev, status, 1, 0xFF),
    SNAP_FIELD(VirtioDev, dev_features_sel, 1),
    SNAP_FIELD(VirtioDev, drv_features_sel, 1),
    SNAP_FIELD(VirtioDev, queue_sel, 1),
    SNAP_FIELD(VirtioDev, drv_features, 1),
    SNAP_FIELD_MAX(VirtioDev, int_status, 1, VIRTIO_INT_VRING | VIRTIO_INT_CONFIG),
    SNAP_FIELD(VirtioDev, config_gen, 1),
    VQ_FIELDS(0),
    VQ_FIELDS(1),
    SNAP_END,
};

/* The loaded copy starts as a memcpy of the live slot: ops, bus and
 * opaque are this machine's */
static int virtio_state_check(const void *loaded, SnapError *err)
{
    const VirtioDev *vd = loaded;
    if (!vd->ops) {
        snap_error(err, "snapshot has state for a virtio slot that is empty here");
        return -1;
    }
    if (vd->drv_features & ~dev_features((VirtioDev *)vd)) {
        snap_error(err, "snapshot's virtio device (id %u) negotiated features 0x%llx this one "
                   "does not offer", vd->ops->device_id, (unsigned long long)vd->drv_features);
        return -1;
    }
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
        const VirtQueue *q = &vd->vq[i];
        if (!q->ready)
            continue;
        const char *bad = i >= vd->ops->nqueues ? "not a queue of this device" : queue_check(vd, q);
        if (bad) {
            snap_error(err, "snapshot is corrupt (virtio device id %u queue %u: %s)",
                       vd->ops->device_id, i, bad);
            return -1;
        }
    }
    return 0;
}

static void virtio_state_post_load(void *opaque)
{
    VirtioDev *vd = opaque;
    if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
        snprintf(vd->error, sizeof(vd->error), "in the error state when the snapshot was taken");
    else
        vd->error[0] = 0;
    vd->irq_level = vd->int_status != 0;
    irq_line_set(&vd->irq, vd->irq_level);
}

/* Requests in flight would change RAM and the rings after the save */
static void virtio_state_pre_save(void *opaque)
{
    VirtioDev *vd = opaque;
    if (vd->ops && vd->ops->quiesce)
        vd->ops->quiesce(vd);
}

static void virtio_state_reset(void *opaque)
{
    virtio_reset(opaque);
}

static char slot_names[VIRTIO_STATE_SLOTS][16];
static SnapStateDesc slot_desc[2][VIRTIO_STATE_SLOTS];

const SnapStateDesc *virtio_state_desc(unsigned slot, bool optional)
{
    if (slot >= VIRTIO_STATE_SLOTS)
        return NULL;
    SnapStateDesc *d = &slot_desc[optional][slot];
    if (!d->name) {
        snprintf(slot_names[slot], sizeof(slot_names[slot]), "virtio-mmio%u", slot);
        *d = (SnapStateDesc){
            .name = slot_names[slot], .version = 1, .size = sizeof(VirtioDev),
            .fields = virtio_fields, .check = virtio_state_check,
            .pre_save = virtio_state_pre_save, .post_load = virtio_state_post_load,
            .optional = optional,
            .reset = virtio_state_reset,
        };
    }
    return d;
}
