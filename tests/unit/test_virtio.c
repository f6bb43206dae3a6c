/* The virtio-mmio transport (boards/virtio.h) through the bus, with a
 * small echo device: registers in little-endian byte order, negotiation,
 * queue checks, request completion and interrupts, and random hostile
 * queues that must end in DEVICE_NEEDS_RESET or completions, never a
 * crash (run under ASan by make asan). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/virtio.h"
#include "mem/bus.h"

#define BASE 0x81000000u
#define RAM (1u << 20)
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u

typedef struct {
    Bus bus;
    VirtioDev vd;
    int irq;
    unsigned notifies, done, code_drops;
} VEnv;

static VEnv env;

static void set_irq(void *opaque, int n, bool level)
{
    (void)n;
    ((VEnv *)opaque)->irq = level;
}

static void code_written(void *opaque, uint32_t pa, uint32_t len)
{
    (void)len;
    if (pa >> BUS_PAGE_BITS == 0x9000 >> BUS_PAGE_BITS)
        ((VEnv *)opaque)->code_drops++;
}

/* echo device: copies the readable bytes into the writable part */
static void echo_notify(VirtioDev *vd, unsigned q)
{
    static VirtioReq req;
    static uint8_t tmp[1 << 16];
    VEnv *e = vd->opaque;
    e->notifies++;
    while (virtio_pop(vd, q, &req) == 1) {
        uint64_t n = req.out_len < sizeof(tmp) ? req.out_len : sizeof(tmp);
        n = virtio_req_read(vd, &req, 0, tmp, n);
        uint64_t w = virtio_req_write(vd, &req, 0, tmp, n);
        virtio_push(vd, q, &req, (uint32_t)w);
        e->done++;
    }
}

static uint32_t echo_config(VirtioDev *vd, uint8_t *buf)
{
    (void)vd;
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(0x10 + i);
    return 8;
}

static uint64_t echo_features(VirtioDev *vd)
{
    (void)vd;
    return 1u << 3;
}

static const VirtioDeviceOps echo_ops = {
    .device_id = 0x77, .nqueues = 1, .features = echo_features, .config = echo_config,
    .notify = echo_notify,
};

static VEnv *venv(const VirtioDeviceOps *ops)
{
    memset(&env, 0, sizeof(env));
    ck_assert_int_eq(bus_init(&env.bus, RAM, 0xFFF00000u, 1 << 20), 0);
    virtio_init(&env.vd, &env.bus, (IrqLine){ set_irq, &env, 0 }, ops, &env);
    ck_assert_int_eq(bus_add_region(&env.bus, BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &env.vd, "v"), 0);
    return &env;
}

static void vfree(VEnv *e) { bus_free(&e->bus); }

/* the register as a little-endian reader (Linux's readl) sees it */
static uint32_t rd(VEnv *e, uint32_t off) { return __builtin_bswap32(bus_read(&e->bus, BASE + off, 4)); }
static void wr(VEnv *e, uint32_t off, uint32_t v) { bus_write(&e->bus, BASE + off, __builtin_bswap32(v), 4); }

static void put16(VEnv *e, uint32_t pa, uint16_t v) { e->bus.ram[pa] = (uint8_t)v; e->bus.ram[pa + 1] = (uint8_t)(v >> 8); }
static void put32(VEnv *e, uint32_t pa, uint32_t v) { for (int i = 0; i < 4; i++) e->bus.ram[pa + i] = (uint8_t)(v >> 8 * i); }
static uint16_t get16(VEnv *e, uint32_t pa) { return (uint16_t)(e->bus.ram[pa] | e->bus.ram[pa + 1] << 8); }
static uint32_t get32(VEnv *e, uint32_t pa) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | e->bus.ram[pa + i]; return v; }

static void desc(VEnv *e, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint32_t d = DESC + 16 * i;
    put32(e, d, (uint32_t)addr);
    put32(e, d + 4, (uint32_t)(addr >> 32));
    put32(e, d + 8, len);
    put16(e, d + 12, flags);
    put16(e, d + 14, next);
}

/* 3.1.1 up to DRIVER_OK with one queue of num entries */
static void driver_init(VEnv *e, uint32_t num)
{
    wr(e, VIRTIO_MMIO_STATUS, 0);
    wr(e, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(e, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    wr(e, VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(e, VIRTIO_MMIO_QUEUE_NUM, num);
    wr(e, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    wr(e, VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    wr(e, VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    wr(e, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(e, VIRTIO_MMIO_STATUS, 0xF & ~0u);
}

START_TEST(empty_slot)
{
    VEnv *e = venv(NULL);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_VERSION_REG), 2);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_DEVICE_ID), 0);
    /* the magic's bytes in address order are "virt" */
    ck_assert_uint_eq(bus_read(&e->bus, BASE, 1), 'v');
    ck_assert_uint_eq(bus_read(&e->bus, BASE + 3, 1), 't');
    wr(e, VIRTIO_MMIO_STATUS, 0xF);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    vfree(e);
}
END_TEST

START_TEST(registers_and_config)
{
    VEnv *e = venv(&echo_ops);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_DEVICE_ID), 0x77);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_VENDOR_ID), VIRTIO_VENDOR_ID);
    wr(e, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_DEVICE_FEATURES), 1u << 3);
    wr(e, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_DEVICE_FEATURES), 1u); /* VERSION_1 */
    wr(e, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_DEVICE_FEATURES), 0);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_QUEUE_NUM_MAX);
    wr(e, VIRTIO_MMIO_QUEUE_SEL, 1);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    /* config space: bytes at their offsets, any width */
    ck_assert_uint_eq(bus_read(&e->bus, BASE + 0x100, 1), 0x10);
    ck_assert_uint_eq(bus_read(&e->bus, BASE + 0x102, 2), 0x1213);
    ck_assert_uint_eq(rd(e, 0x104), 0x17161514);
    ck_assert_uint_eq(rd(e, 0x108), 0);
    vfree(e);
}
END_TEST

START_TEST(negotiation)
{
    VEnv *e = venv(&echo_ops);
    uint32_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    wr(e, VIRTIO_MMIO_STATUS, s);
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES, 1u << 3);
    wr(e, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), s); /* no VERSION_1: refused */
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES, 1 | 2); /* bit 33 not offered */
    wr(e, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), s);
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(e, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), s | VIRTIO_STATUS_FEATURES_OK);
    ck_assert(virtio_has_feature(&e->vd, 3) && virtio_has_feature(&e->vd, VIRTIO_F_VERSION_1));
    /* features cannot change after FEATURES_OK */
    wr(e, VIRTIO_MMIO_DRIVER_FEATURES, 0);
    ck_assert(virtio_has_feature(&e->vd, VIRTIO_F_VERSION_1));
    /* narrow register writes are dropped (4.2.2.2) */
    bus_write(&e->bus, BASE + VIRTIO_MMIO_STATUS, 0, 1);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), s | VIRTIO_STATUS_FEATURES_OK);
    wr(e, VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), 0);
    ck_assert(!virtio_has_feature(&e->vd, VIRTIO_F_VERSION_1));
    vfree(e);
}
END_TEST

START_TEST(echo_request_and_irq)
{
    VEnv *e = venv(&echo_ops);
    driver_init(e, 4);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_QUEUE_READY), 1);
    memcpy(e->bus.ram + 0x8000, "hello", 5);
    desc(e, 0, 0x8000, 5, VIRTQ_DESC_F_NEXT, 3);
    desc(e, 3, 0x9000, 16, VIRTQ_DESC_F_WRITE, 0);
    put16(e, AVAIL + 4, 0);
    put16(e, AVAIL + 2, 1);
    /* the device's writes go through the bus's tracking: a dirty-log
     * view sees them, and code translated from a written page is dropped */
    BusDirtyLog *log = bus_dirty_log_new(&e->bus, "test");
    ck_assert_ptr_nonnull(log);
    bus_dirty_log_sync(log);
    bus_dirty_log_clear(log, 0, RAM);
    static const BusRamCache cache = { code_written, NULL };
    bus_set_ram_cache(&e->bus, &cache, e);
    bus_code_page_add(&e->bus, 0x9000);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(e->done, 1);
    ck_assert_mem_eq(e->bus.ram + 0x9000, "hello", 5);
    ck_assert_uint_eq(get16(e, USED + 2), 1);
    ck_assert_uint_eq(get32(e, USED + 4), 0);
    ck_assert_uint_eq(get32(e, USED + 8), 5);
    bus_dirty_log_sync(log);
    ck_assert(bus_dirty_log_get(log, 0x9000 >> BUS_PAGE_BITS));
    ck_assert(bus_dirty_log_get(log, USED >> BUS_PAGE_BITS));
    ck_assert(!bus_dirty_log_get(log, 0x8000 >> BUS_PAGE_BITS));
    ck_assert_uint_eq(e->code_drops, 1);
    bus_set_ram_cache(&e->bus, NULL, NULL);
    ck_assert_int_eq(e->irq, 1);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_VRING);
    wr(e, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_VRING);
    ck_assert_int_eq(e->irq, 0);
    /* VIRTQ_AVAIL_F_NO_INTERRUPT: completed without an interrupt */
    put16(e, AVAIL, 1);
    put16(e, AVAIL + 6, 0);
    put16(e, AVAIL + 2, 2);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(get16(e, USED + 2), 2);
    ck_assert_int_eq(e->irq, 0);
    /* QueueReady written again while ready: the indices stay */
    wr(e, VIRTIO_MMIO_QUEUE_READY, 1);
    put16(e, AVAIL, 1);
    put16(e, AVAIL + 8, 0);
    put16(e, AVAIL + 2, 3);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(get16(e, USED + 2), 3);
    ck_assert_uint_eq(e->done, 3);
    /* a notify for a queue that does not exist is ignored */
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 5);
    ck_assert_uint_eq(e->notifies, 3);
    /* a system reset lowers the line and forgets the queue */
    put16(e, AVAIL, 0);
    put16(e, AVAIL + 2, 4);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_int_eq(e->irq, 1);
    virtio_reset(&e->vd);
    ck_assert_int_eq(e->irq, 0);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_QUEUE_READY), 0);
    vfree(e);
}
END_TEST

START_TEST(notify_needs_driver_ok)
{
    VEnv *e = venv(&echo_ops);
    driver_init(e, 4);
    wr(e, VIRTIO_MMIO_STATUS, 0);
    wr(e, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    put16(e, AVAIL + 2, 1);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(e->notifies, 0);
    vfree(e);
}
END_TEST

static void expect_error(VEnv *e, const char *what)
{
    ck_assert_msg(rd(e, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, "%s: no NEEDS_RESET", what);
    ck_assert_msg(rd(e, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG, "%s: no config irq", what);
    ck_assert_int_eq(e->irq, 1);
    ck_assert_msg(e->vd.error[0], "%s: no reason", what);
}

/* one chain offered (avail idx 1) and notified: the device must break */
static void offer_expect_error(VEnv *e, const char *what)
{
    put16(e, AVAIL + 2, 1);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    expect_error(e, what);
}

START_TEST(bad_queues)
{
    static const struct { uint32_t num, desc, avail, used; const char *what; } cases[] = {
        { 0, DESC, AVAIL, USED, "num 0" },
        { 6, DESC, AVAIL, USED, "num not a power of 2" },
        { 512, DESC, AVAIL, USED, "num above the maximum" },
        { 4, RAM - 16, AVAIL, USED, "descriptors past RAM" },
        { 4, DESC + 8, AVAIL, USED, "descriptors misaligned" },
        { 4, DESC, RAM - 4, USED, "driver area past RAM" },
        { 4, DESC, AVAIL + 1, USED, "driver area misaligned" },
        { 4, DESC, AVAIL, 0xFFFFFFF0u, "device area past 4 GiB" },
        { 4, DESC, AVAIL, USED + 2, "device area misaligned" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        VEnv *e = venv(&echo_ops);
        wr(e, VIRTIO_MMIO_QUEUE_NUM, cases[i].num);
        wr(e, VIRTIO_MMIO_QUEUE_DESC_LOW, cases[i].desc);
        wr(e, VIRTIO_MMIO_QUEUE_DRIVER_LOW, cases[i].avail);
        wr(e, VIRTIO_MMIO_QUEUE_DEVICE_LOW, cases[i].used);
        wr(e, VIRTIO_MMIO_QUEUE_READY, 1);
        ck_assert_msg(rd(e, VIRTIO_MMIO_QUEUE_READY) == 0, "%s: made ready", cases[i].what);
        expect_error(e, cases[i].what);
        vfree(e);
    }
    /* high address bits count */
    VEnv *e = venv(&echo_ops);
    wr(e, VIRTIO_MMIO_QUEUE_NUM, 4);
    wr(e, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    wr(e, VIRTIO_MMIO_QUEUE_DESC_HIGH, 1);
    wr(e, VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    wr(e, VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    wr(e, VIRTIO_MMIO_QUEUE_READY, 1);
    expect_error(e, "descriptors above 4 GiB");
    vfree(e);
}
END_TEST

START_TEST(bad_chains)
{
    VEnv *e = venv(&echo_ops);
    driver_init(e, 4);
    /* a loop through all four descriptors */
    for (unsigned i = 0; i < 4; i++)
        desc(e, i, 0x8000, 4, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % 4));
    offer_expect_error(e, "loop");
    ck_assert_uint_eq(e->done, 0);
    /* once broken, notifies do nothing until a reset */
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(get16(e, USED + 2), 0);
    /* an indirect descriptor (not offered) */
    driver_init(e, 4);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
    desc(e, 0, 0x8000, 16, VIRTQ_DESC_F_INDIRECT, 0);
    offer_expect_error(e, "indirect");
    /* a readable descriptor after a writable one */
    driver_init(e, 4);
    desc(e, 0, 0x8000, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    desc(e, 1, 0x9000, 16, 0, 0);
    offer_expect_error(e, "readable after writable");
    /* a head past the table */
    driver_init(e, 4);
    put16(e, AVAIL + 4, 4);
    offer_expect_error(e, "head past QueueNum");
    /* a length that wraps past 4 GiB */
    driver_init(e, 4);
    put16(e, AVAIL + 4, 0);
    desc(e, 0, 0xFFFFFF00u, 0x200, 0, 0);
    offer_expect_error(e, "wrapping length");
    vfree(e);
}
END_TEST

/* Random descriptor tables, rings and indices: every notify ends (the
 * test would hang otherwise), each completion is within the ring, and a
 * broken device stays broken until reset.  ASan checks the accesses. */
START_TEST(random_hostile_queues)
{
    VEnv *e = venv(&echo_ops);
    srand(12345);
    unsigned errors = 0, completions = 0;
    for (int round = 0; round < 3000; round++) {
        uint32_t num = 1u << (rand() % 9);
        driver_init(e, num);
        for (uint32_t i = 0; i < 16 * num; i++)
            e->bus.ram[DESC + i] = (uint8_t)rand();
        for (uint32_t i = 0; i < num; i++) {
            uint32_t d = DESC + 16 * i;
            if (rand() % 4) { /* mostly plausible buffers, some hostile */
                put32(e, d, (uint32_t)(0x10000 + rand() % 0xE0000));
                put32(e, d + 4, rand() % 8 ? 0 : (uint32_t)rand());
                put32(e, d + 8, rand() % 8 ? (uint32_t)(rand() % 0x4000) : (uint32_t)rand());
                put16(e, d + 12, (uint16_t)(rand() % 16 ? rand() % 4 : rand()));
                put16(e, d + 14, (uint16_t)(rand() % (num + 2)));
            }
        }
        for (uint32_t i = 0; i < 6 + 2 * num; i++)
            e->bus.ram[AVAIL + i] = (uint8_t)rand();
        for (uint32_t i = 0; i < num; i++)
            if (rand() % 8)
                put16(e, AVAIL + 4 + 2 * i, (uint16_t)(rand() % num));
        if (rand() % 2)
            put16(e, AVAIL + 2, (uint16_t)(rand() % (num + 1)));
        unsigned before = e->done;
        wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
        ck_assert_uint_le(e->done - before, num);
        if (rd(e, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET)
            errors++;
        completions += e->done - before;
    }
    /* both outcomes happen, so the generator exercises both paths */
    ck_assert_uint_gt(errors, 100);
    ck_assert_uint_gt(completions, 100);
    vfree(e);
}
END_TEST

/* ---- snapshot state (the section "virtio-mmioN") ---- */

static void snap_reg(SnapRegistry *r, void *opaque)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->board, "virt");
    strcpy(r->cpu, "ppc750");
    r->ram_size = RAM;
    ck_assert_int_eq(snap_register(r, virtio_state_desc(0, false), opaque), 0);
}

/* Save `from` (a VirtioDev, maybe doctored) as slot 0's section, load it
 * into e's device: NULL when accepted (and committed), else the message */
static const char *save_load(VEnv *e, VirtioDev *from, SnapError *err)
{
    char path[] = "/tmp/ppcemu-vsnap-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    SnapRegistry w, r;
    snap_reg(&w, from);
    ck_assert_int_eq(snap_registry_save_file(&w, path, err), 0);
    snap_reg(&r, &e->vd);
    SnapLoad *ld = snap_registry_read_file(&r, path, err);
    unlink(path);
    if (!ld)
        return err->msg;
    snap_load_commit(ld);
    return NULL;
}

START_TEST(snapshot_round_trip)
{
    VEnv *e = venv(&echo_ops);
    driver_init(e, 4);
    memcpy(e->bus.ram + 0x8000, "abc", 3);
    desc(e, 0, 0x8000, 3, VIRTQ_DESC_F_NEXT, 1);
    desc(e, 1, 0x9000, 16, VIRTQ_DESC_F_WRITE, 0);
    put16(e, AVAIL + 4, 0);
    put16(e, AVAIL + 2, 1);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(get16(e, USED + 2), 1);
    ck_assert_int_eq(e->irq, 1);
    VirtioDev saved = e->vd;
    /* the live device forgets everything; the load brings it back */
    virtio_reset(&e->vd);
    ck_assert_int_eq(e->irq, 0);
    SnapError err;
    const char *why = save_load(e, &saved, &err);
    ck_assert_msg(why == NULL, "refused: %s", why);
    ck_assert_int_eq(e->irq, 1); /* post_load drives the line */
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_QUEUE_READY), 1);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_STATUS), 0xF);
    ck_assert_uint_eq(rd(e, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_VRING);
    /* the queue goes on where it was: the next chain lands in used slot 1 */
    put16(e, AVAIL + 6, 0);
    put16(e, AVAIL + 2, 2);
    wr(e, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(get16(e, USED + 2), 2);
    ck_assert_uint_eq(get32(e, USED + 4 + 8), 0);
    ck_assert_uint_eq(get32(e, USED + 4 + 8 + 4), 3);
    vfree(e);
}
END_TEST

/* Every doctored value is refused with one line and changes nothing */
START_TEST(snapshot_hostile)
{
    VEnv *e = venv(&echo_ops);
    driver_init(e, 4);
    static const struct {
        const char *what;
        int field;
        uint64_t value;
    } bad[] = {
        { "QueueNum", 0, 300 },
        { "int_status", 1, 4 },
        { "descriptor table", 2, RAM - 8 },
        { "driver area", 3, 1 },
        { "features", 4, 1ull << 40 },
        { "not a queue", 5, 1 },
        { "status", 6, 0x100 },
        { "QueueNum", 7, 3 },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        VirtioDev d = e->vd;
        switch (bad[i].field) {
        case 0: d.vq[0].num = (uint32_t)bad[i].value; break;
        case 1: d.int_status = (uint32_t)bad[i].value; break;
        case 2: d.vq[0].desc = bad[i].value; break;
        case 3: d.vq[0].avail = bad[i].value; break;
        case 4: d.drv_features |= bad[i].value; break;
        case 5: d.vq[1] = d.vq[0]; break;
        case 6: d.status = (uint32_t)bad[i].value; break;
        case 7: d.vq[0].num = (uint32_t)bad[i].value; break;
        }
        SnapError err;
        VirtioDev before = e->vd;
        const char *why = save_load(e, &d, &err);
        ck_assert_msg(why != NULL, "%s: accepted", bad[i].what);
        ck_assert_ptr_null(strchr(why, '\n'));
        ck_assert_msg(memcmp(&before, &e->vd, sizeof(before)) == 0, "%s: live state changed",
                      bad[i].what);
    }
    vfree(e);
}
END_TEST

Suite *suite_virtio(void)
{
    Suite *s = suite_create("virtio");
    TCase *tc = tcase_create("virtio");
    tcase_add_test(tc, empty_slot);
    tcase_add_test(tc, registers_and_config);
    tcase_add_test(tc, negotiation);
    tcase_add_test(tc, echo_request_and_irq);
    tcase_add_test(tc, notify_needs_driver_ok);
    tcase_add_test(tc, bad_queues);
    tcase_add_test(tc, bad_chains);
    tcase_add_test(tc, random_hostile_queues);
    tcase_add_test(tc, snapshot_round_trip);
    tcase_add_test(tc, snapshot_hostile);
    suite_add_tcase(s, tc);
    return s;
}
