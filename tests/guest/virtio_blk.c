/*
 * A bare-metal virtio-mmio driver against the virt board's slots (board.md,
 * virtio 1.1 sections 3.1, 4.2, 5.2), run with three drives made by
 * virtio_blk.prep:
 *   slot 0  disk0.img            writable
 *   slot 1  disk1.img            readonly=on
 *   slot 2  disk2.img            snapshot=on
 *   slots 3, 4: keyboard and tablet; 5-7 empty
 * Image k holds byte pat(k, o) at offset o.  Checks: the empty slots,
 * feature negotiation (VERSION_1 required), queue setup, reads, a
 * write/read round trip, get-id, flush, the interrupt through the IPIC
 * (slot 0 = source 48, slot 1 = source 17), a read past the disk end
 * (IOERR), readonly and snapshot=on behaviour, discard and write-zeroes
 * (limits, bounds, on the file and in the overlay), and hostile chains (a loop,
 * a buffer outside RAM, a huge length, an avail index running ahead, a
 * queue outside RAM): each puts the device in DEVICE_NEEDS_RESET with a
 * config interrupt, the emulator lives on and a reset brings it back.
 * virtio_blk.post then checks the image files on the host.
 */
#include "timer.h"
#include "virtio_mmio.h"

#define NSLOTS 8
#define QN 8
#define SECTORS 128u

/* device status bits (virtio 1.1, 2.1) */
#define S_ACK 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u
#define S_NEEDS_RESET 0x40u

#define F_FLUSH (1u << 9)
#define F_RO (1u << 5)
#define F_DISCARD (1u << 13)
#define F_WZ (1u << 14)
#define F_VERSION_1_HI 1u /* bit 32 */

#define IPIC_SEPNR 0x2C

static uint8_t pat(unsigned k, uint32_t o) { return (uint8_t)((o / 512) * 31 + o % 251 + k * 77); }
static uint8_t wpat(uint32_t o) { return (uint8_t)(o * 5 + 1); }

/* one queue per slot in use, in RAM */
static struct desc dtab[3][QN] __attribute__((aligned(16)));
static uint16_t avail[3][3 + QN] __attribute__((aligned(2)));
static uint32_t used[3][2 + 2 * QN] __attribute__((aligned(4)));
static uint16_t avail_idx[3], used_seen[3];
static uint8_t hdr[16] __attribute__((aligned(16)));
static uint8_t buf[4096] __attribute__((aligned(16)));
static uint8_t status;

/* 3.1.1 driver initialisation up to DRIVER_OK; false if refused */
static int init_dev(unsigned s, uint32_t feat_lo, uint32_t feat_hi)
{
    vio_wr(s, R_STATUS, 0);
    CHECK_EQ(vio_rd(s, R_STATUS), 0, "status after reset");
    vio_wr(s, R_STATUS, S_ACK);
    vio_wr(s, R_STATUS, S_ACK | S_DRIVER);
    vio_wr(s, R_DRVFEATSEL, 0);
    vio_wr(s, R_DRVFEAT, feat_lo);
    vio_wr(s, R_DRVFEATSEL, 1);
    vio_wr(s, R_DRVFEAT, feat_hi);
    vio_wr(s, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(vio_rd(s, R_STATUS) & S_FEATURES_OK))
        return 0;
    vio_wr(s, R_QSEL, 0);
    CHECK_EQ(vio_rd(s, R_QREADY), 0, "queue not ready after reset");
    CHECK(vio_rd(s, R_QNUMMAX) >= QN, "QueueNumMax");
    rt_memset(dtab[s], 0, sizeof(dtab[s]));
    rt_memset(avail[s], 0, sizeof(avail[s]));
    rt_memset(used[s], 0, sizeof(used[s]));
    avail_idx[s] = used_seen[s] = 0;
    vio_wr(s, R_QNUM, QN);
    vio_wr(s, R_QDESC, (uint32_t)dtab[s]);
    vio_wr(s, R_QDESC + 4, 0);
    vio_wr(s, R_QDRIVER, (uint32_t)avail[s]);
    vio_wr(s, R_QDRIVER + 4, 0);
    vio_wr(s, R_QDEVICE, (uint32_t)used[s]);
    vio_wr(s, R_QDEVICE + 4, 0);
    vio_wr(s, R_QREADY, 1);
    CHECK_EQ(vio_rd(s, R_QREADY), 1, "queue ready");
    vio_wr(s, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return 1;
}

static void set_desc(unsigned s, unsigned i, const void *p, uint32_t len, uint16_t flags, uint16_t next)
{
    dtab[s][i].addr = sw64((uint32_t)p);
    dtab[s][i].len = sw32(len);
    dtab[s][i].flags = sw16(flags);
    dtab[s][i].next = sw16(next);
}

/* Offer the chain at head, notify, return the used length (or -1 if the
 * device did not complete it) */
static int submit(unsigned s, uint16_t head)
{
    avail[s][2 + avail_idx[s] % QN] = sw16(head);
    __asm__ volatile("sync" ::: "memory");
    avail_idx[s]++;
    avail[s][1] = sw16(avail_idx[s]);
    __asm__ volatile("sync" ::: "memory");
    vio_wr(s, R_QNOTIFY, 0);
    /* Reads, writes and flushes complete later (the drive's I/O thread):
     * wait for the used entry, or the device's error state, or 5 s */
    uint64_t give_up = tb_read() + (uint64_t)tb_freq() * 5;
    uint16_t uidx;
    while ((uidx = sw16(((volatile uint16_t *)used[s])[1])) == used_seen[s] &&
           !(vio_rd(s, R_STATUS) & S_NEEDS_RESET) && tb_read() < give_up)
        ;
    if (uidx == used_seen[s])
        return -1;
    CHECK_EQ(uidx, (uint16_t)(used_seen[s] + 1), "one used entry per request");
    unsigned slot = used_seen[s] % QN;
    CHECK_EQ(sw32(used[s][1 + 2 * slot]), head, "used id is the chain head");
    used_seen[s] = uidx;
    return (int)sw32(used[s][2 + 2 * slot]);
}

/* A request of type t at sector with len data bytes in buf (data device-
 * writable for reads/get-id); returns the status byte (0xEE: not done) */
static uint8_t blk_req(unsigned s, uint32_t t, uint32_t sector, uint32_t len, int *used_len)
{
    rt_memset(hdr, 0, sizeof(hdr));
    hdr[0] = (uint8_t)t;
    for (int i = 0; i < 4; i++)
        hdr[8 + i] = (uint8_t)(sector >> (8 * i));
    status = 0xEE;
    int dev_writes = t == 0 || t == 8;
    set_desc(s, 0, hdr, 16, 1, 1);
    if (len) {
        set_desc(s, 1, buf, len, (uint16_t)(1 | (dev_writes ? 2 : 0)), 2);
        set_desc(s, 2, &status, 1, 2, 0);
    } else {
        set_desc(s, 1, &status, 1, 2, 0);
    }
    int n = submit(s, 0);
    if (used_len)
        *used_len = n;
    return status;
}

static void check_data(unsigned k, uint32_t sector, uint32_t len, const char *what)
{
    unsigned bad = 0;
    for (uint32_t i = 0; i < len; i++)
        if (buf[i] != pat(k, sector * 512 + i))
            bad++;
    CHECK_EQ(bad, 0, what);
}

static void empty_slots(void)
{
    for (unsigned s = 0; s < NSLOTS; s++) {
        CHECK_EQ(vio_rd(s, R_MAGIC), 0x74726976, "magic 'virt'");
        CHECK_EQ(vio_rd(s, R_VERSION), 2, "version 2 (modern)");
    }
    CHECK_EQ(vio_rd(0, R_DEVID), 2, "slot 0: block device");
    CHECK_EQ(vio_rd(1, R_DEVID), 2, "slot 1: block device");
    CHECK_EQ(vio_rd(2, R_DEVID), 2, "slot 2: block device");
    /* drives first, then the keyboard and tablet that come with the
     * framebuffer (board.md slot order) */
    CHECK_EQ(vio_rd(3, R_DEVID), 18, "slot 3: keyboard (virtio-input)");
    CHECK_EQ(vio_rd(4, R_DEVID), 18, "slot 4: tablet (virtio-input)");
    for (unsigned s = 5; s < NSLOTS; s++)
        CHECK_EQ(vio_rd(s, R_DEVID), 0, "empty slot: DeviceID 0");
}

static void negotiation(void)
{
    vio_wr(0, R_DEVFEATSEL, 1);
    CHECK_EQ(vio_rd(0, R_DEVFEAT) & F_VERSION_1_HI, F_VERSION_1_HI, "VERSION_1 offered");
    vio_wr(0, R_DEVFEATSEL, 0);
    CHECK_EQ(vio_rd(0, R_DEVFEAT) & (F_FLUSH | F_RO), F_FLUSH, "slot 0: FLUSH, not RO");
    vio_wr(1, R_DEVFEATSEL, 0);
    CHECK_EQ(vio_rd(1, R_DEVFEAT) & F_RO, F_RO, "slot 1: RO offered");
    CHECK_EQ(init_dev(0, F_FLUSH, 0), 0, "FEATURES_OK refused without VERSION_1");
    CHECK_EQ(init_dev(0, 0x80000000u, F_VERSION_1_HI), 0, "FEATURES_OK refused for an unoffered bit");
    CHECK_EQ(init_dev(0, F_FLUSH, F_VERSION_1_HI), 1, "FEATURES_OK with VERSION_1|FLUSH");
    CHECK_EQ(vio_rd(0, R_CONFIG), SECTORS, "capacity low word");
    CHECK_EQ(vio_rd(0, R_CONFIG + 4), 0, "capacity high word");
    CHECK_EQ(mmio_read8(VIRTIO_MMIO_SLOT(0) + R_CONFIG), SECTORS & 0xFF, "config byte access (LE)");
}

static void read_write(void)
{
    int n;
    CHECK_EQ(blk_req(0, 0, 3, 1024, &n), 0, "read sectors 3-4: OK");
    CHECK_EQ(n, 1025, "used length = data + status");
    check_data(0, 3, 1024, "sectors 3-4 hold the image's bytes");
    CHECK_EQ(vio_rd(0, R_ISR) & 1, 1, "used-buffer interrupt status");
    CHECK_EQ(ipic_read(IPIC_SEPNR) & 0x80000000u, 0x80000000u, "IPIC source 48 (IRQ0) pending");
    vio_wr(0, R_IACK, 1);
    CHECK_EQ(vio_rd(0, R_ISR), 0, "interrupt acknowledged");
    CHECK_EQ(ipic_read(IPIC_SEPNR) & 0x80000000u, 0, "IPIC source 48 low again");

    for (uint32_t i = 0; i < 1024; i++)
        buf[i] = wpat(5 * 512 + i);
    CHECK_EQ(blk_req(0, 1, 5, 1024, &n), 0, "write sectors 5-6: OK");
    CHECK_EQ(n, 1, "used length of a write = status byte");
    rt_memset(buf, 0, 1024);
    CHECK_EQ(blk_req(0, 0, 5, 1024, NULL), 0, "read back sectors 5-6");
    unsigned bad = 0;
    for (uint32_t i = 0; i < 1024; i++)
        bad += buf[i] != wpat(5 * 512 + i);
    CHECK_EQ(bad, 0, "written bytes read back");
    CHECK_EQ(blk_req(0, 4, 0, 0, NULL), 0, "flush: OK");
    rt_memset(buf, 0, 32);
    CHECK_EQ(blk_req(0, 8, 0, 20, &n), 0, "get-id: OK");
    CHECK_EQ(n, 21, "get-id used length");
    static const char id[] = "ppcemu-disk0";
    unsigned idbad = 0;
    for (unsigned i = 0; i < sizeof(id); i++)
        idbad += buf[i] != (uint8_t)id[i];
    CHECK_EQ(idbad, 0, "get-id string (NUL padded)");
    CHECK_EQ(blk_req(0, 0, SECTORS - 1, 1024, NULL), 1, "read past the disk end: IOERR");
    CHECK_EQ(blk_req(0, 0, 0xFFFFFFFFu, 512, NULL), 1, "read at a huge sector: IOERR");
    CHECK_EQ(blk_req(0, 0, 0, 100, NULL), 1, "read of a partial sector: IOERR");
    CHECK_EQ(blk_req(0, 77, 0, 0, NULL), 2, "unknown request type: UNSUPP");
    CHECK_EQ(vio_rd(0, R_STATUS) & S_NEEDS_RESET, 0, "request errors leave the device working");
    CHECK_EQ(blk_req(0, 0, SECTORS - 1, 512, NULL), 0, "last sector reads");
    check_data(0, SECTORS - 1, 512, "last sector's bytes");
    vio_wr(0, R_IACK, 3);
}

/* One discard/write-zeroes segment at buf[16 i] (struct
 * virtio_blk_discard_write_zeroes, little-endian) */
static void dwz_seg(unsigned i, uint32_t sector, uint32_t num, uint32_t flags)
{
    uint8_t *p = buf + 16 * i;
    rt_memset(p, 0, 16);
    for (int k = 0; k < 4; k++) {
        p[k] = (uint8_t)(sector >> (8 * k));
        p[8 + k] = (uint8_t)(num >> (8 * k));
        p[12 + k] = (uint8_t)(flags >> (8 * k));
    }
}

static unsigned count_zero(uint32_t len)
{
    unsigned z = 0;
    for (uint32_t i = 0; i < len; i++)
        z += buf[i] == 0;
    return z;
}

/* Discard (type 11) and write-zeroes (type 13), 5.2.6: limits in the
 * config space, bounds, the file (slot 0; virtio_blk.post checks the
 * zeros in disk0.img) and the snapshot=on overlay (slot 2) */
static void discard_wz(void)
{
    vio_wr(0, R_DEVFEATSEL, 0);
    CHECK_EQ(vio_rd(0, R_DEVFEAT) & (F_DISCARD | F_WZ), F_DISCARD | F_WZ, "slot 0: DISCARD, WRITE_ZEROES");
    vio_wr(1, R_DEVFEATSEL, 0);
    CHECK_EQ(vio_rd(1, R_DEVFEAT) & (F_DISCARD | F_WZ), 0, "readonly slot 1: neither offered");
    CHECK_EQ(vio_rd(0, R_CONFIG + 36), 65536, "max_discard_sectors");
    CHECK_EQ(vio_rd(0, R_CONFIG + 40), 32, "max_discard_seg");
    CHECK_EQ(vio_rd(0, R_CONFIG + 44), 8, "discard_sector_alignment");
    CHECK_EQ(vio_rd(0, R_CONFIG + 48), 65536, "max_write_zeroes_sectors");
    CHECK_EQ(vio_rd(0, R_CONFIG + 52), 32, "max_write_zeroes_seg");
    /* slot 0 runs with FLUSH only (read_write): not negotiated, UNSUPP */
    dwz_seg(0, 10, 2, 0);
    CHECK_EQ(blk_req(0, 13, 0, 16, NULL), 2, "write-zeroes not negotiated: UNSUPP");
    CHECK_EQ(init_dev(0, F_FLUSH | F_DISCARD | F_WZ, F_VERSION_1_HI), 1, "slot 0 with DISCARD|WZ");

    dwz_seg(0, 10, 2, 0);
    CHECK_EQ(blk_req(0, 13, 0, 16, NULL), 0, "write-zeroes sectors 10-11: OK");
    dwz_seg(0, 16, 8, 0);
    CHECK_EQ(blk_req(0, 11, 0, 16, NULL), 0, "discard sectors 16-23: OK");
    rt_memset(buf, 0xFF, 4096);
    CHECK_EQ(blk_req(0, 0, 9, 512 * 4, NULL), 0, "read sectors 9-12");
    check_data(0, 9, 512, "sector 9 untouched");
    unsigned bad = 0;
    for (uint32_t i = 512; i < 1536; i++)
        bad += buf[i] != 0;
    CHECK_EQ(bad, 0, "sectors 10-11 read as zeros");
    rt_memset(buf, 0xFF, 4096);
    CHECK_EQ(blk_req(0, 0, 16, 4096, NULL), 0, "read the discarded sectors");
    CHECK_EQ(count_zero(4096), 4096, "a discarded range of the file reads as zeros");

    /* bounds: each refused whole, nothing done */
    dwz_seg(0, 30, 1, 1);
    CHECK_EQ(blk_req(0, 11, 0, 16, NULL), 2, "discard with unmap: UNSUPP");
    dwz_seg(0, 30, 1, 2);
    CHECK_EQ(blk_req(0, 13, 0, 16, NULL), 2, "a reserved flag: UNSUPP");
    dwz_seg(0, 0, 65537, 0);
    CHECK_EQ(blk_req(0, 11, 0, 16, NULL), 2, "more than max_discard_sectors: UNSUPP");
    for (unsigned i = 0; i < 33; i++)
        dwz_seg(i, 30, 1, 0);
    CHECK_EQ(blk_req(0, 13, 0, 33 * 16, NULL), 2, "more than max_write_zeroes_seg: UNSUPP");
    CHECK_EQ(blk_req(0, 13, 0, 20, NULL), 2, "a partial segment: UNSUPP");
    dwz_seg(0, 30, 2, 0);
    dwz_seg(1, SECTORS - 1, 2, 0);
    CHECK_EQ(blk_req(0, 13, 0, 32, NULL), 1, "a segment past the end: IOERR");
    dwz_seg(0, 30, 1, 0);
    dwz_seg(1, 0xFFFFFFFFu, 1, 0);
    CHECK_EQ(blk_req(0, 11, 0, 32, NULL), 1, "a segment at a huge sector: IOERR");
    CHECK_EQ(blk_req(0, 0, 30, 1024, NULL), 0, "read sectors 30-31");
    check_data(0, 30, 1024, "a refused request wrote nothing");
    CHECK_EQ(vio_rd(0, R_STATUS) & S_NEEDS_RESET, 0, "refusals leave the device working");

    /* the overlay: written clusters dropped by a discard read as the file
     * again; write-zeroes reads as zeros; the file is never written */
    CHECK_EQ(init_dev(2, F_DISCARD | F_WZ, F_VERSION_1_HI), 1, "slot 2 with DISCARD|WZ");
    for (uint32_t i = 0; i < 4096; i++)
        buf[i] = wpat(i);
    CHECK_EQ(blk_req(2, 1, 24, 4096, NULL), 0, "snapshot drive: write sectors 24-31");
    rt_memset(buf, 0, 4096);
    CHECK_EQ(blk_req(2, 0, 24, 4096, NULL), 0, "read them back");
    bad = 0;
    for (uint32_t i = 0; i < 4096; i++)
        bad += buf[i] != wpat(i);
    CHECK_EQ(bad, 0, "snapshot drive: written bytes");
    dwz_seg(0, 24, 8, 0);
    CHECK_EQ(blk_req(2, 11, 0, 16, NULL), 0, "snapshot drive: discard sectors 24-31");
    CHECK_EQ(blk_req(2, 0, 24, 4096, NULL), 0, "read the discarded cluster");
    check_data(2, 24, 4096, "a discarded overlay cluster reads as the file");
    dwz_seg(0, 33, 2, 0);
    CHECK_EQ(blk_req(2, 13, 0, 16, NULL), 0, "snapshot drive: write-zeroes sectors 33-34");
    rt_memset(buf, 0xFF, 2048);
    CHECK_EQ(blk_req(2, 0, 32, 2048, NULL), 0, "read sectors 32-35");
    check_data(2, 32, 512, "sector 32 untouched");
    bad = 0;
    for (uint32_t i = 512; i < 1536; i++)
        bad += buf[i] != 0;
    CHECK_EQ(bad, 0, "snapshot drive: sectors 33-34 read as zeros");
    vio_wr(2, R_STATUS, 0);
}

static void readonly_snapshot(void)
{
    CHECK_EQ(init_dev(1, F_RO, F_VERSION_1_HI), 1, "slot 1 set up");
    CHECK_EQ(blk_req(1, 0, 7, 512, NULL), 0, "readonly drive reads");
    check_data(1, 7, 512, "readonly drive's bytes");
    for (uint32_t i = 0; i < 512; i++)
        buf[i] = 0xA5;
    CHECK_EQ(blk_req(1, 1, 7, 512, NULL), 1, "readonly drive: write IOERR");
    CHECK_EQ(ipic_read(IPIC_SEPNR) & 0x40000000u, 0x40000000u, "IPIC source 17 (IRQ1) pending");
    vio_wr(1, R_IACK, 1);
    CHECK_EQ(ipic_read(IPIC_SEPNR) & 0x40000000u, 0, "IPIC source 17 low again");
    CHECK_EQ(blk_req(1, 0, 7, 512, NULL), 0, "readonly drive reads again");
    check_data(1, 7, 512, "readonly drive unchanged");

    CHECK_EQ(init_dev(2, 0, F_VERSION_1_HI), 1, "slot 2 set up");
    for (uint32_t i = 0; i < 1536; i++)
        buf[i] = wpat(i);
    CHECK_EQ(blk_req(2, 1, 9, 1536, NULL), 0, "snapshot drive: write OK");
    rt_memset(buf, 0, 2048);
    CHECK_EQ(blk_req(2, 0, 8, 2048, NULL), 0, "snapshot drive: read around the write");
    unsigned bad = 0;
    for (uint32_t i = 0; i < 2048; i++) {
        uint8_t want = i < 512 ? pat(2, 8 * 512 + i) : wpat(i - 512);
        bad += buf[i] != want;
    }
    CHECK_EQ(bad, 0, "snapshot drive reads its own writes, the rest from the file");
    vio_wr(1, R_STATUS, 0);
    vio_wr(2, R_STATUS, 0);
}

/* The device must be in its error state, with a config interrupt, and
 * must come back after a reset */
static void expect_broken(const char *what)
{
    CHECK_EQ(vio_rd(0, R_STATUS) & S_NEEDS_RESET, S_NEEDS_RESET, what);
    CHECK_EQ(vio_rd(0, R_ISR) & 2, 2, "config-change interrupt with the error");
    CHECK_EQ(init_dev(0, F_FLUSH, F_VERSION_1_HI), 1, "reset after the error");
    CHECK_EQ(vio_rd(0, R_STATUS) & S_NEEDS_RESET, 0, "reset clears DEVICE_NEEDS_RESET");
}

static void hostile(void)
{
    /* a loop: 0 -> 1 -> 2 -> 1 (writable, so only the length finds it) */
    set_desc(0, 0, hdr, 16, 1, 1);
    set_desc(0, 1, buf, 512, 1 | 2, 2);
    set_desc(0, 2, buf + 512, 512, 1 | 2, 1);
    CHECK_EQ(submit(0, 0), -1, "a looping chain is not completed");
    expect_broken("loop in a chain: DEVICE_NEEDS_RESET");

    /* a buffer outside RAM (RAM is 128 MiB) */
    hdr[0] = 0;
    set_desc(0, 0, hdr, 16, 1, 1);
    dtab[0][1].addr = sw64(0x90000000u);
    dtab[0][1].len = sw32(512);
    dtab[0][1].flags = sw16(1 | 2);
    dtab[0][1].next = sw16(2);
    set_desc(0, 2, &status, 1, 2, 0);
    CHECK_EQ(submit(0, 0), -1, "a buffer outside RAM is not used");
    expect_broken("buffer outside RAM: DEVICE_NEEDS_RESET");

    /* a buffer above 4 GiB */
    set_desc(0, 0, hdr, 16, 1, 1);
    dtab[0][1].addr = sw64(0x100000000ull);
    CHECK_EQ(submit(0, 0), -1, "a buffer above 4 GiB is not used");
    expect_broken("buffer above 4 GiB: DEVICE_NEEDS_RESET");

    /* a huge length from a RAM address */
    set_desc(0, 0, hdr, 16, 1, 1);
    set_desc(0, 1, buf, 0xFFFFFFF0u, 1 | 2, 2);
    set_desc(0, 2, &status, 1, 2, 0);
    CHECK_EQ(submit(0, 0), -1, "a huge length is not used");
    expect_broken("length past RAM: DEVICE_NEEDS_RESET");

    /* a next index past the table */
    set_desc(0, 0, hdr, 16, 1, 200);
    CHECK_EQ(submit(0, 0), -1, "next past QueueNum");
    expect_broken("next index past the queue: DEVICE_NEEDS_RESET");

    /* the avail index running QN + 1 ahead */
    avail[0][1] = sw16(QN + 1);
    vio_wr(0, R_QNOTIFY, 0);
    expect_broken("avail index ahead of the ring: DEVICE_NEEDS_RESET");

    /* a request without a status byte */
    set_desc(0, 0, hdr, 16, 0, 0);
    CHECK_EQ(submit(0, 0), -1, "request without status byte");
    expect_broken("no status byte: DEVICE_NEEDS_RESET");

    /* a queue outside RAM */
    vio_wr(0, R_STATUS, 0);
    vio_wr(0, R_STATUS, S_ACK | S_DRIVER);
    vio_wr(0, R_DRVFEATSEL, 1);
    vio_wr(0, R_DRVFEAT, F_VERSION_1_HI);
    vio_wr(0, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    vio_wr(0, R_QSEL, 0);
    vio_wr(0, R_QNUM, QN);
    vio_wr(0, R_QDESC, 0x7FFFFFF0u);
    vio_wr(0, R_QDRIVER, (uint32_t)avail[0]);
    vio_wr(0, R_QDEVICE, (uint32_t)used[0]);
    vio_wr(0, R_QREADY, 1);
    CHECK_EQ(vio_rd(0, R_QREADY), 0, "queue outside RAM not made ready");
    expect_broken("queue outside RAM: DEVICE_NEEDS_RESET");

    /* and the device works again */
    CHECK_EQ(blk_req(0, 0, 3, 512, NULL), 0, "read after the resets");
    check_data(0, 3, 512, "read after the resets: bytes");
}

int main(void)
{
    empty_slots();
    negotiation();
    read_write();
    readonly_snapshot();
    discard_wz();
    hostile();
    return rt_result("virtio_blk");
}
