/*
 * The guest side of QMP's input-send-event (tests/qmp_client.py, run by
 * tests/steps/qmp.sh): drives the virtio keyboard (slot 0) and tablet
 * (slot 1) as a bare-metal driver would (virtio 1.1 section 5.8, as in
 * virtio_input.c), prints RX-READY, then polls both event queues for ever
 * and prints each event as `EV K|T type code value`.  On its own (guest.sh)
 * it is a .hang program: ready and still running after 3 s.
 */
#include "rt.h"
#include "virtio_mmio.h"

#define QN 16

struct queue {
    struct desc d[QN] __attribute__((aligned(16)));
    uint16_t avail[3 + QN] __attribute__((aligned(2)));
    uint32_t used[2 + 2 * QN] __attribute__((aligned(4)));
    uint16_t avail_idx, used_seen;
    uint8_t ev[QN][8];
};

static struct queue q[2];

static void offer(struct queue *v, uint16_t head)
{
    v->avail[2 + v->avail_idx % QN] = sw16(head);
    __asm__ volatile("sync" ::: "memory");
    v->avail_idx++;
    v->avail[1] = sw16(v->avail_idx);
    __asm__ volatile("sync" ::: "memory");
}

/* reset, VERSION_1, FEATURES_OK, the event queue full of 8-byte buffers,
 * DRIVER_OK */
static void setup(unsigned s)
{
    struct queue *v = &q[s];
    vio_wr(s, R_STATUS, 0);
    vio_wr(s, R_STATUS, 3);
    vio_wr(s, R_DRVFEATSEL, 1);
    vio_wr(s, R_DRVFEAT, 1);
    vio_wr(s, R_STATUS, 0xB);
    CHECK_EQ(vio_rd(s, R_STATUS), 0xB, "FEATURES_OK");
    vio_wr(s, R_QSEL, 0);
    vio_wr(s, R_QNUM, QN);
    vio_wr(s, R_QDESC, (uint32_t)v->d);
    vio_wr(s, R_QDRIVER, (uint32_t)v->avail);
    vio_wr(s, R_QDEVICE, (uint32_t)v->used);
    vio_wr(s, R_QREADY, 1);
    for (unsigned i = 0; i < QN; i++) {
        v->d[i].addr = __builtin_bswap64((uint32_t)v->ev[i]);
        v->d[i].len = sw32(8);
        v->d[i].flags = sw16(2); /* device-writable */
        offer(v, (uint16_t)i);
    }
    vio_wr(s, R_STATUS, 0xF);
    vio_wr(s, R_QNOTIFY, 0);
}

/* print the events slot s has returned since the last call */
static void drain(unsigned s)
{
    struct queue *v = &q[s];
    while (sw16(((volatile uint16_t *)v->used)[1]) != v->used_seen) {
        unsigned slot = v->used_seen % QN;
        uint32_t id = sw32(v->used[1 + 2 * slot]) % QN;
        const uint8_t *e = v->ev[id];
        rt_printf("EV %c %u %u %u\n", s ? 'T' : 'K', e[0] | e[1] << 8, e[2] | e[3] << 8,
                  (unsigned)(e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24));
        v->used_seen++;
        offer(v, (uint16_t)id);
        vio_wr(s, R_QNOTIFY, 0);
        vio_wr(s, R_IACK, 1);
    }
}

int main(void)
{
    CHECK_EQ(vio_rd(0, R_DEVID), 18, "slot 0: virtio-input (keyboard)");
    CHECK_EQ(vio_rd(1, R_DEVID), 18, "slot 1: virtio-input (tablet)");
    if (rt_failures)
        return rt_result("qmp_input");
    setup(0);
    setup(1);
    if (rt_failures)
        return rt_result("qmp_input");
    rt_printf("EXPECT: RX-READY\nRX-READY\n");
    for (;;) {
        drain(0);
        drain(1);
    }
}
