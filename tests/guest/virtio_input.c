/*
 * virtio-input as a bare-metal driver sees it (virtio 1.1 section 5.8):
 * with no drives the keyboard is slot 0 and the tablet slot 1.  Checks
 * the configuration space (name, key and axis bitmaps, ABS_INFO), sets up
 * the keyboard's event and status queues, prints RX-READY, and then
 * expects the events of the monitor's `sendkey ctrl-alt-f1` and
 * `sendkey 0x1e` (typed by guest.sh from virtio_input.input through the
 * -nographic multiplexer): presses in order, releases in reverse, each
 * followed by EV_SYN, with the slot's interrupt (IPIC source 48).
 */
#include "rt.h"
#include "virtio_mmio.h"

#define QN 16

#define IPIC_SEPNR 0x2C

struct queue {
    struct desc d[QN] __attribute__((aligned(16)));
    uint16_t avail[3 + QN] __attribute__((aligned(2)));
    uint32_t used[2 + 2 * QN] __attribute__((aligned(4)));
    uint16_t avail_idx, used_seen;
};

static struct queue evq, stq;
static uint8_t events[QN][8];
static uint8_t led[8];

static uint8_t cfg8(unsigned s, unsigned off) { return mmio_read8(VIRTIO_MMIO_SLOT(s) + R_CONFIG + off); }

static void select(unsigned s, uint8_t sel, uint8_t sub)
{
    mmio_write8(VIRTIO_MMIO_SLOT(s) + R_CONFIG, sel);
    mmio_write8(VIRTIO_MMIO_SLOT(s) + R_CONFIG + 1, sub);
}

static int cfg_bit(unsigned s, unsigned bit) { return cfg8(s, 8 + bit / 8) >> (bit % 8) & 1; }

static void config_space(void)
{
    CHECK_EQ(vio_rd(0, R_DEVID), 18, "slot 0: virtio-input");
    CHECK_EQ(vio_rd(1, R_DEVID), 18, "slot 1: virtio-input");
    CHECK_EQ(vio_rd(2, R_DEVID), 0, "slot 2 empty");
    select(0, 0x01, 0);
    const char *name = "ppcemu virtio keyboard";
    unsigned n = 0, bad = 0;
    while (name[n])
        n++;
    CHECK_EQ(cfg8(0, 2), n, "ID_NAME size");
    for (unsigned i = 0; i < n; i++)
        bad += cfg8(0, 8 + i) != (uint8_t)name[i];
    CHECK_EQ(bad, 0, "ID_NAME string");
    select(0, 0x11, 1);
    CHECK(cfg8(0, 2) > 0, "EV_BITS(EV_KEY) size");
    CHECK(cfg_bit(0, 30) && cfg_bit(0, 59) && cfg_bit(0, 29) && cfg_bit(0, 56), "KEY_A, F1, ctrl, alt");
    select(0, 0x11, 3);
    CHECK_EQ(cfg8(0, 2), 0, "keyboard: no EV_ABS");
    select(1, 0x11, 3);
    CHECK(cfg_bit(1, 0) && cfg_bit(1, 1), "tablet: ABS_X, ABS_Y");
    select(1, 0x12, 0);
    CHECK_EQ(cfg8(1, 2), 20, "ABS_INFO size");
    CHECK_EQ(vio_rd(1, R_CONFIG + 8 + 4), 0x7FFF, "ABS_X max");
    select(1, 0x11, 1);
    CHECK(cfg_bit(1, 0x110), "tablet: BTN_LEFT");
    select(1, 0x77, 0);
    CHECK_EQ(cfg8(1, 2), 0, "unknown selector: size 0");
}

static void setup_queue(unsigned s, unsigned q, struct queue *v)
{
    vio_wr(s, R_QSEL, q);
    vio_wr(s, R_QNUM, QN);
    vio_wr(s, R_QDESC, (uint32_t)v->d);
    vio_wr(s, R_QDRIVER, (uint32_t)v->avail);
    vio_wr(s, R_QDEVICE, (uint32_t)v->used);
    vio_wr(s, R_QREADY, 1);
}

static void offer(struct queue *v, uint16_t head)
{
    v->avail[2 + v->avail_idx % QN] = sw16(head);
    __asm__ volatile("sync" ::: "memory");
    v->avail_idx++;
    v->avail[1] = sw16(v->avail_idx);
    __asm__ volatile("sync" ::: "memory");
}

static void setup_keyboard(void)
{
    vio_wr(0, R_STATUS, 0);
    vio_wr(0, R_STATUS, 3);
    vio_wr(0, R_DRVFEATSEL, 1);
    vio_wr(0, R_DRVFEAT, 1);
    vio_wr(0, R_STATUS, 0xB);
    CHECK_EQ(vio_rd(0, R_STATUS), 0xB, "FEATURES_OK");
    setup_queue(0, 0, &evq);
    setup_queue(0, 1, &stq);
    for (unsigned i = 0; i < QN; i++) {
        evq.d[i].addr = __builtin_bswap64((uint32_t)events[i]);
        evq.d[i].len = sw32(8);
        evq.d[i].flags = sw16(2);
        offer(&evq, (uint16_t)i);
    }
    vio_wr(0, R_STATUS, 0xF);
    vio_wr(0, R_QNOTIFY, 0);
    /* the status queue: an LED event goes to the device and comes back */
    led[0] = 0x11; /* EV_LED */
    stq.d[0].addr = __builtin_bswap64((uint32_t)led);
    stq.d[0].len = sw32(8);
    stq.d[0].flags = 0;
    offer(&stq, 0);
    vio_wr(0, R_QNOTIFY, 1);
    CHECK_EQ(sw16(((volatile uint16_t *)stq.used)[1]), 1, "status queue buffer returned");
    vio_wr(0, R_IACK, 3);
}

/* next event (type, code, value), waiting for it; 0 on timeout */
static int next_event(uint16_t *type, uint16_t *code, uint32_t *value)
{
    for (uint32_t spin = 0; spin < 400000000u; spin++) {
        uint16_t uidx = sw16(((volatile uint16_t *)evq.used)[1]);
        if (uidx == evq.used_seen)
            continue;
        unsigned slot = evq.used_seen % QN;
        uint32_t id = sw32(evq.used[1 + 2 * slot]);
        CHECK_EQ(sw32(evq.used[2 + 2 * slot]), 8, "event length");
        const uint8_t *e = events[id % QN];
        *type = (uint16_t)(e[0] | e[1] << 8);
        *code = (uint16_t)(e[2] | e[3] << 8);
        *value = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 | (uint32_t)e[7] << 24;
        evq.used_seen++;
        offer(&evq, (uint16_t)(id % QN));
        vio_wr(0, R_QNOTIFY, 0);
        return 1;
    }
    return 0;
}

int main(void)
{
    config_space();
    setup_keyboard();
    if (rt_failures)
        return rt_result("virtio_input");
    rt_printf("RX-READY\n");
    static const uint16_t want[][3] = {
        { 1, 29, 1 }, { 0, 0, 0 }, { 1, 56, 1 }, { 0, 0, 0 }, { 1, 59, 1 }, { 0, 0, 0 },
        { 1, 59, 0 }, { 0, 0, 0 }, { 1, 56, 0 }, { 0, 0, 0 }, { 1, 29, 0 }, { 0, 0, 0 },
        { 1, 30, 1 }, { 0, 0, 0 }, { 1, 30, 0 }, { 0, 0, 0 },
    };
    int irq_seen = 0;
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint16_t t, c;
        uint32_t v;
        if (!next_event(&t, &c, &v)) {
            CHECK(0, "event arrived");
            break;
        }
        irq_seen |= (ipic_read(IPIC_SEPNR) & 0x80000000u) != 0;
        vio_wr(0, R_IACK, 1);
        rt_printf("event %u: type %u code %u value %u\n", i, t, c, v);
        CHECK_EQ(t, want[i][0], "event type");
        CHECK_EQ(c, want[i][1], "event code");
        CHECK_EQ(v, want[i][2], "event value");
    }
    CHECK(irq_seen, "IPIC source 48 raised by the events");
    return rt_result("virtio_input");
}
