/*
 * A virtio-blk driver that takes commands from UART0, so that a test can
 * save, load and migrate the machine between them (tests/steps/devices.sh;
 * run alone by guest.sh with virtio_snap.input).  Slot 0 is a drive of
 * 64 KiB whose byte o is orig(o) (virtio_snap.prep); generation g > 0 of
 * the first 8 sectors is gen(g, o).  Commands, one byte each, each
 * answered with one line:
 *   i      set the device up (queue of QN entries, no interrupts: polled)
 *   1-9    write generation g to sectors 0-7, remember g in RAM: "OK wG"
 *   c      read sectors 0-7 and name their generation:
 *          "GEN disk=D ram=R" and "CONSISTENT" when D = R
 *   p      post a read of sectors 0-7 into a second buffer without
 *          notifying (a request waiting in the ring): "OK p"
 *   x      like p, and notify at once without waiting: "OK x"
 *   n      notify, wait for that request and name its generation:
 *          "PARKED disk=D used=U" (U: used index seen)
 *   s      like c, and "WAITED k ms=T": k polls of the used ring and T
 *          ms of guest time from the notify to the completion (a device
 *          doing the I/O on the CPU thread completes before the notify
 *          returns: k = 0)
 *   q      exit: 0 if every c was consistent and nothing broke
 * A missing completion ("TIMEOUT") or a device error fails the run.
 */
#include "timer.h"
#include "virtio_mmio.h"

#define QN 8
#define NSECT 8u
#define BYTES (NSECT * 512u)

static uint8_t orig(uint32_t o) { return (uint8_t)(o * 13 + o / 512); }
static uint8_t gen(unsigned g, uint32_t o) { return (uint8_t)(o * 7 + g * 29 + 1); }

static struct desc dtab[QN] __attribute__((aligned(16)));
static volatile uint16_t avail[3 + QN] __attribute__((aligned(2)));
static volatile uint32_t used[2 + 2 * QN] __attribute__((aligned(4)));
static uint16_t avail_idx, used_seen;
/* two requests: 0 = immediate ones (descriptors 0-2), 1 = parked (3-5) */
static uint8_t hdr[2][16] __attribute__((aligned(16)));
static uint8_t buf[2][BYTES] __attribute__((aligned(16)));
static volatile uint8_t status[2];
static unsigned ram_gen, broken, parked;

static void set_desc(unsigned i, const void *p, uint32_t len, uint16_t flags, uint16_t next)
{
    dtab[i].addr = sw64((uint32_t)p);
    dtab[i].len = sw32(len);
    dtab[i].flags = sw16(flags);
    dtab[i].next = sw16((uint16_t)next);
}

static void dev_init(void)
{
    CHECK_EQ(vio_rd(0, R_DEVID), 2, "slot 0: block device");
    vio_wr(0, R_STATUS, 0);
    vio_wr(0, R_STATUS, 1);
    vio_wr(0, R_STATUS, 3);
    vio_wr(0, R_DRVFEATSEL, 0);
    vio_wr(0, R_DRVFEAT, 0);
    vio_wr(0, R_DRVFEATSEL, 1);
    vio_wr(0, R_DRVFEAT, 1); /* VERSION_1 */
    vio_wr(0, R_STATUS, 11);
    CHECK(vio_rd(0, R_STATUS) & 8, "FEATURES_OK");
    vio_wr(0, R_QSEL, 0);
    vio_wr(0, R_QNUM, QN);
    vio_wr(0, R_QDESC, (uint32_t)dtab);
    vio_wr(0, R_QDESC + 4, 0);
    vio_wr(0, R_QDRIVER, (uint32_t)avail);
    vio_wr(0, R_QDRIVER + 4, 0);
    vio_wr(0, R_QDEVICE, (uint32_t)used);
    vio_wr(0, R_QDEVICE + 4, 0);
    avail[0] = sw16(1); /* VIRTQ_AVAIL_F_NO_INTERRUPT: this driver polls */
    vio_wr(0, R_QREADY, 1);
    vio_wr(0, R_STATUS, 15);
}

/* Build request r (type t: 0 read, 1 write) in descriptors 3r..3r+2 and
 * put it in the avail ring */
static void post(unsigned r, uint32_t t)
{
    for (unsigned i = 0; i < 16; i++)
        hdr[r][i] = 0;
    hdr[r][0] = (uint8_t)t;
    status[r] = 0xEE;
    set_desc(3 * r, hdr[r], 16, 1, 3 * r + 1);
    set_desc(3 * r + 1, buf[r], BYTES, (uint16_t)(t == 0 ? 3 : 1), 3 * r + 2);
    set_desc(3 * r + 2, (const void *)&status[r], 1, 2, 0);
    avail[2 + avail_idx % QN] = sw16((uint16_t)(3 * r));
    __asm__ volatile("sync" ::: "memory");
    avail_idx++;
    avail[1] = sw16(avail_idx);
    __asm__ volatile("sync" ::: "memory");
}

/* Notify and wait for the next used entry, which must be request r's.
 * The polls are counted: a device doing the I/O on the CPU thread
 * completes before the notify returns (0 polls). */
static uint64_t last_ticks; /* TB ticks from the notify to the completion */

static int complete(unsigned r, unsigned *polls)
{
    uint64_t t0 = tb_read();
    vio_wr(0, R_QNOTIFY, 0);
    uint64_t give_up = tb_read() + (uint64_t)tb_freq() * 30;
    unsigned n = 0;
    for (;;) {
        __asm__ volatile("sync" ::: "memory");
        uint16_t uidx = sw16(((volatile uint16_t *)used)[1]);
        if (uidx != used_seen)
            break;
        if (tb_read() > give_up) {
            rt_puts("TIMEOUT\n");
            broken = 1;
            return -1;
        }
        n++;
    }
    last_ticks = tb_read() - t0;
    unsigned slot = used_seen % QN;
    used_seen++;
    if (polls)
        *polls = n;
    if (sw32(used[1 + 2 * slot]) != 3 * r || status[r] != 0) {
        rt_printf("BAD COMPLETION id %u status %u\n", sw32(used[1 + 2 * slot]), status[r]);
        broken = 1;
        return -1;
    }
    return 0;
}

/* The generation buf[r] holds: 0 = the original image, g, or -1 */
static int which(unsigned r)
{
    for (unsigned g = 0; g < 10; g++) {
        uint32_t o = 0;
        while (o < BYTES && buf[r][o] == (g ? gen(g, o) : orig(o)))
            o++;
        if (o == BYTES)
            return (int)g;
    }
    return -1;
}

static int uart_getc(void)
{
    while (!(uart_reg_read(UART_LSR) & LSR_DR))
        ;
    return uart_reg_read(UART_RBR);
}

int main(void)
{
    rt_puts("RX-READY\n");
    for (;;) {
        int c = uart_getc();
        if (c == 'i') {
            dev_init();
            rt_puts("OK i\n");
        } else if (c >= '1' && c <= '9') {
            unsigned g = (unsigned)(c - '0');
            for (uint32_t o = 0; o < BYTES; o++)
                buf[0][o] = gen(g, o);
            post(0, 1);
            if (complete(0, NULL) == 0)
                ram_gen = g;
            rt_printf("OK w%u\n", g);
        } else if (c == 'c' || c == 's') {
            unsigned polls = 0;
            post(0, 0);
            int d = complete(0, &polls) ? -1 : which(0);
            rt_printf("GEN disk=%d ram=%u\n", d, ram_gen);
            if (d == (int)ram_gen) {
                rt_puts("CONSISTENT\n");
            } else {
                rt_puts("INCONSISTENT\n");
                broken = 1;
            }
            if (c == 's')
                rt_printf("WAITED %u ms=%u\n", polls, (unsigned)(last_ticks * 1000 / tb_freq()));
        } else if (c == 'p') {
            post(1, 0);
            parked = 1;
            rt_puts("OK p\n");
        } else if (c == 'x') {
            post(1, 0);
            parked = 1;
            vio_wr(0, R_QNOTIFY, 0);
            rt_puts("OK x\n");
        } else if (c == 'n') {
            CHECK(parked, "n after p");
            int d = complete(1, NULL) ? -1 : which(1);
            rt_printf("PARKED disk=%d used=%u\n", d, used_seen);
        } else if (c == 'q') {
            break;
        }
    }
    CHECK(!broken, "every request completed, every check consistent");
    CHECK_EQ(vio_rd(0, R_STATUS) & 0x40, 0, "device not in its error state");
    return rt_result("virtio_snap");
}
