/*
 * The `virt` board: wiring, the small SoC devices (SPCR latch, reset
 * registers, boot-info block, test device) and the boot images.
 */
#include "boards/virt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boards/fdt.h"
#include "boards/loader.h"
#include "boards/virtmap.h"
#include "migration/cpu_snap.h"
#include "migration/ram_snap.h"

#define PAGE_ALIGN(x) (((x) + 0xFFFu) & ~0xFFFu)

/* Input files are read only up to what can fit (issue 15): the kernel and
 * the initrd below min(RAM, 256 MiB), a -dtb within 1 MiB (the trees this
 * board builds are ~2 KiB; Linux's powerpc early code maps the blob whole),
 * a -bios in the ROM or, as an ELF, the ROM plus RAM. */
#define VIRT_DTB_MAX 0x00100000u

/* ---- SPCR: a 32-bit latch (Linux sets TBEN; the timebase runs anyway) ---- */
static uint32_t spcr_read(void *opaque, uint32_t off, unsigned size)
{
    return board_subword_read(((VirtBoard *)opaque)->spcr, off, size);
}

static void spcr_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    VirtBoard *vb = opaque;
    vb->spcr = board_subword_merge(vb->spcr, off, val, size);
}

static const MemOps spcr_ops = { spcr_read, spcr_write };

/* ---- RPR/RCR: software hard reset (MPC8315E RM 5.5.1.4-5) ----
 * RCR[SWHR] only acts after the RSTE key was written to RPR. */
static uint32_t rst_read(void *opaque, uint32_t off, unsigned size)
{
    VirtBoard *vb = opaque;
    return board_subword_read(off < 4 ? vb->rpr : 0, off, size);
}

static void rst_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    VirtBoard *vb = opaque;
    if (off < 4) {
        vb->rpr = board_subword_merge(vb->rpr, off, val, size);
        return;
    }
    val = board_subword_merge(0, off, val, size);
    if (vb->rpr != VIRT_RPR_KEY || !(val & VIRT_RCR_SWHR))
        return;
    if (vb->no_reboot) {
        vb->exit_req = true;
        vb->exit_status = 0;
    } else {
        vb->reset_req = true;
    }
    vb->cpu.exit_request = 1;
}

static const MemOps rst_ops = { rst_read, rst_write };

/* ---- boot-info block: read-only words (boards/bootinfo.h) ---- */
static uint32_t bootinfo_read(void *opaque, uint32_t off, unsigned size)
{
    VirtBoard *vb = opaque;
    uint32_t w = off / 4 < BI_NWORDS ? vb->bootinfo[off / 4] : 0;
    return board_subword_read(w, off, size);
}

static void bootinfo_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    (void)opaque, (void)off, (void)val, (void)size; /* read-only */
}

static const MemOps bootinfo_ops = { bootinfo_read, bootinfo_write };

/* ---- test device ---- */
uint64_t virt_icount(const VirtBoard *vb)
{
    /* ppc_run updates icount at block ends only; the slow path publishes
     * the exact count of the accessing instruction in mmio_icount.  The
     * larger of the two is exact (a value left from an earlier block is
     * smaller than icount). */
    return vb->cpu.mmio_icount > vb->cpu.icount ? vb->cpu.mmio_icount : vb->cpu.icount;
}

static uint32_t testdev_read(void *opaque, uint32_t off, unsigned size)
{
    VirtBoard *vb = opaque;
    uint64_t n = virt_icount(vb);
    uint32_t w = (off & ~3u) == 4 ? (uint32_t)n : (off & ~3u) == 8 ? (uint32_t)(n >> 32) : 0;
    return board_subword_read(w, off, size);
}

static void testdev_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    VirtBoard *vb = opaque;
    if ((off & ~3u) != 0)
        return;
    /* any width: the written value's low byte is the exit status */
    (void)size;
    vb->exit_req = true;
    vb->exit_status = (int)(val & 0xFF);
    vb->cpu.exit_request = 1;
}

static const MemOps testdev_ops = { testdev_read, testdev_write };

/* ---- unmapped accesses: all-ones / dropped, logged under -d unimp ---- */
static void unmapped(void *opaque, uint32_t pa, unsigned size, bool write, uint32_t val)
{
    VirtBoard *vb = opaque;
    if (!(vb->cpu.debug_flags & PPC_DBG_UNIMP) || !vb->cpu.log_fn)
        return;
    if (write)
        vb->cpu.log_fn(vb->cpu.log_opaque, "unmapped write%u 0x%08x = 0x%x (pc 0x%08x)\n", size * 8,
                       pa, val, vb->cpu.block_ea);
    else
        vb->cpu.log_fn(vb->cpu.log_opaque, "unmapped read%u 0x%08x (pc 0x%08x)\n", size * 8, pa,
                       vb->cpu.block_ea);
}

static void cpu_ext_irq(void *opaque, int n, bool level)
{
    (void)n;
    ppc_set_irq(opaque, PPC_IRQ_EXTERNAL, level);
}

static int add_devices(VirtBoard *vb)
{
    Bus *b = &vb->bus;
    int r = 0;
    r |= bus_add_region(b, VIRT_SOC_BASE + VIRT_SPCR_OFF, 4, &spcr_ops, vb, "spcr");
    r |= bus_add_region(b, VIRT_SOC_BASE + VIRT_UART0_OFF, VIRT_UART0_SIZE, &uart_ops, &vb->uart, "uart0");
    if (vb->has_ipic)
        r |= bus_add_region(b, VIRT_SOC_BASE + VIRT_IPIC_OFF, IPIC_SIZE, &ipic_ops, &vb->ipic, "ipic");
    r |= bus_add_region(b, VIRT_SOC_BASE + VIRT_RST_OFF, VIRT_RST_SIZE, &rst_ops, vb, "reset");
    r |= bus_add_region(b, VIRT_SOC_BASE + VIRT_BOOTINFO_OFF, BOOTINFO_SIZE, &bootinfo_ops, vb, "bootinfo");
    r |= bus_add_region(b, VIRT_SOC_BASE + VIRT_TESTDEV_OFF, VIRT_TESTDEV_SIZE, &testdev_ops, vb, "testdev");
    for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++)
        r |= bus_add_region(b, VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_STRIDE, VIRTIO_MMIO_SIZE,
                            &virtio_mmio_ops, &vb->virtio[i], "virtio-mmio");
    if (vb->has_fb)
        r |= bus_add_region(b, VIRT_FB_BASE, VIRT_FB_SIZE, &fb_ops, &vb->fb, "framebuffer");
    return r;
}

/* The virtio slots: drives first, then empty slots (DeviceID 0).  Without
 * the IPIC their interrupts go nowhere (a driver must poll). */
static int add_virtio(VirtBoard *vb, const VirtConfig *c, char *err, size_t errlen)
{
    unsigned ninput = c->fb_width ? 2 : 0;
    if (c->ndrives + ninput > VIRT_VIRTIO_SLOTS) {
        snprintf(err, errlen, "at most %u virtio drives%s", VIRT_VIRTIO_SLOTS - ninput,
                 ninput ? " next to the keyboard and tablet (-M virt,fb=off has none)" : "");
        return -1;
    }
    for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++) {
        IrqLine irq = c->ipic ? (IrqLine){ ipic_set_irq, &vb->ipic, VIRT_VIRTIO_IRQ(i) } : (IrqLine){ 0 };
        virtio_init(&vb->virtio[i], &vb->bus, irq, NULL, NULL);
        vb->blk[i].fd = -1;
    }
    if (c->fb_width) {
        if (fb_init(&vb->fb, VIRT_FB_SIZE, c->fb_width, c->fb_height)) {
            snprintf(err, errlen, "cannot allocate the framebuffer");
            return -1;
        }
        vb->has_fb = true;
    }
    for (unsigned i = 0; i < c->ndrives; i++) {
        char why[300];
        if (virtio_blk_open(&vb->blk[i], &c->drives[i], i, why, sizeof(why))) {
            snprintf(err, errlen, "-drive %s", why);
            return -1;
        }
        vb->nblk = i + 1;
        vb->virtio[i].ops = &virtio_blk_ops;
        vb->virtio[i].opaque = &vb->blk[i];
    }
    if (ninput) {
        virtio_input_init(&vb->kbd, &vb->virtio[c->ndrives], VINPUT_KEYBOARD);
        virtio_input_init(&vb->tablet, &vb->virtio[c->ndrives + 1], VINPUT_TABLET);
        vb->has_input = true;
    }
    return 0;
}

/* ---- snapshot state (migration/snapstate.h) ----
 * The small SoC devices describe themselves here; virt_register_state is
 * the board's list of everything a snapshot holds, in stream order. */

static const SnapField spcr_fields[] = {
    SNAP_FIELD(VirtBoard, spcr, 1),
    SNAP_END,
};

static const SnapStateDesc spcr_state_desc = {
    .name = "spcr", .version = 1, .size = sizeof(VirtBoard), .fields = spcr_fields,
};

/* RPR holds the reset key (MPC8315E RM 5.5.1.4); a reset request the main
 * loop has not acted on yet travels with it */
static const SnapField reset_fields[] = {
    SNAP_FIELD(VirtBoard, rpr, 1), SNAP_FIELD(VirtBoard, reset_req, 1),
    SNAP_END,
};

static const SnapStateDesc reset_state_desc = {
    .name = "reset", .version = 1, .size = sizeof(VirtBoard), .fields = reset_fields,
};

/* The test device's counter is the CPU's instruction count (cpu section);
 * what it holds itself is an exit request not yet acted on. */
static const SnapField testdev_fields[] = {
    SNAP_FIELD(VirtBoard, exit_req, 1), SNAP_FIELD_MAX(VirtBoard, exit_status, 1, 0xFF),
    SNAP_END,
};

static const SnapStateDesc testdev_state_desc = {
    .name = "testdev", .version = 1, .size = sizeof(VirtBoard), .fields = testdev_fields,
};

/* The IPIC is in the header's flags: its registers are in every stream,
 * but a guest that saw no IPIC in its device tree cannot move to a
 * machine with one, nor the other way round */
static int virt_check_header(const SnapHeader *h, const void *opaque, SnapError *err)
{
    const VirtBoard *vb = opaque;
    if (h->flags & ~VIRT_SNAP_FLAG_NO_IPIC) {
        snap_error(err, "snapshot has unknown header flags 0x%x", h->flags);
        return -1;
    }
    bool no_ipic = h->flags & VIRT_SNAP_FLAG_NO_IPIC;
    if (no_ipic == vb->has_ipic) {
        snap_error(err, "snapshot was saved with -M virt,ipic=%s, this machine has ipic=%s",
                   no_ipic ? "off" : "on", vb->has_ipic ? "on" : "off");
        return -1;
    }
    return 0;
}

/* Commit order is this order, and post_loads run in it after every
 * commit: RAM, then the CPU (drops translated code), the timebase (re-arms
 * DEC), then interrupt sources before their controller (UART -> IPIC ->
 * CPU external input). */
int virt_register_state(VirtBoard *vb)
{
    SnapRegistry *reg = &vb->snap;
    memset(reg, 0, sizeof(*reg));
    snprintf(reg->board, sizeof(reg->board), "virt");
    snprintf(reg->cpu, sizeof(reg->cpu), "ppc750");
    reg->ram_size = vb->bus.ram_size;
    reg->flags = vb->has_ipic ? 0 : VIRT_SNAP_FLAG_NO_IPIC;
    reg->check_header = virt_check_header;
    reg->header_opaque = vb;
    vb->time.cpu = &vb->cpu;
    if (snap_register(reg, snap_cpu_desc(), &vb->cpu) ||
        snap_register(reg, &snap_time_desc, &vb->time) ||
        snap_register(reg, &uart_state_desc, &vb->uart))
        return -1;
    /* The virtio slots with a device (interrupt sources, before the IPIC).
     * A drive's sections are mandatory (no snapshot with drives predates
     * them, and a snapshot without the drive must not load into a machine
     * with one); the keyboard's and tablet's and the framebuffer's are
     * optional: older snapshots of a default machine lack them, and load
     * with those devices reset. */
    _Static_assert(VIRT_VIRTIO_SLOTS <= VIRTIO_STATE_SLOTS, "a section name per slot");
    for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++) {
        if (!vb->virtio[i].ops)
            continue;
        bool blk = vb->virtio[i].ops == &virtio_blk_ops;
        if (snap_register(reg, virtio_state_desc(i, !blk), &vb->virtio[i]))
            return -1;
    }
    for (unsigned i = 0; i < vb->nblk; i++)
        if (snap_register(reg, virtio_blk_state_desc(i), &vb->blk[i]))
            return -1;
    if (vb->has_input && (snap_register(reg, &virtio_kbd_state_desc, &vb->kbd) ||
                          snap_register(reg, &virtio_tablet_state_desc, &vb->tablet)))
        return -1;
    if (vb->has_fb && snap_register(reg, &fb_state_desc, &vb->fb))
        return -1;
    return snap_register(reg, &ipic_state_desc, &vb->ipic) ||
           snap_register(reg, &spcr_state_desc, vb) ||
           snap_register(reg, &reset_state_desc, vb) ||
           snap_register(reg, &testdev_state_desc, vb) ||
           snap_register(reg, &snap_ram_desc, &vb->bus);
}

int virt_init(VirtBoard *vb, const VirtConfig *c, void (*tx_fn)(void *, uint8_t), void *tx_opaque,
              char *err, size_t errlen)
{
    memset(vb, 0, sizeof(*vb));
    if (c->ram_mib < VIRT_RAM_MIB_MIN || c->ram_mib > VIRT_RAM_MIB_MAX) {
        snprintf(err, errlen, "RAM size %u MiB out of range (%u..%u)", c->ram_mib,
                 VIRT_RAM_MIB_MIN, VIRT_RAM_MIB_MAX);
        return -1;
    }
    if (bus_init(&vb->bus, c->ram_mib << 20, VIRT_ROM_BASE, VIRT_ROM_SIZE)) {
        snprintf(err, errlen, "cannot allocate %u MiB of RAM", c->ram_mib);
        return -1;
    }
    if (ppc_init(&vb->cpu, &vb->bus)) {
        bus_free(&vb->bus);
        snprintf(err, errlen, "cannot initialise the CPU");
        return -1;
    }
    vb->has_ipic = c->ipic;
    vb->no_reboot = c->no_reboot;
    ipic_init(&vb->ipic, (IrqLine){ cpu_ext_irq, &vb->cpu, 0 });
    /* without the IPIC the UART's interrupt goes nowhere (Linux polls) */
    IrqLine uirq = c->ipic ? (IrqLine){ ipic_set_irq, &vb->ipic, VIRT_UART0_IRQ } : (IrqLine){ 0 };
    uart_init(&vb->uart, uirq, tx_fn, tx_opaque);
    if (add_virtio(vb, c, err, errlen)) {
        virt_free(vb);
        return -1;
    }
    vb->bus.unmapped_fn = unmapped;
    vb->bus.unmapped_opaque = vb;
    if (add_devices(vb)) {
        virt_free(vb);
        snprintf(err, errlen, "too many bus regions");
        return -1;
    }
    if (virt_register_state(vb)) {
        virt_free(vb);
        snprintf(err, errlen, "too many snapshot sections");
        return -1;
    }
    return 0;
}

int virt_start_io(VirtBoard *vb, MainLoop *loop, char *err, size_t errlen)
{
    for (unsigned i = 0; i < vb->nblk; i++) {
        char why[200];
        if (virtio_blk_start_io(&vb->blk[i], &vb->virtio[i], loop, why, sizeof(why))) {
            snprintf(err, errlen, "drive virtio%u: %s", i, why);
            return -1;
        }
    }
    return 0;
}

void virt_io_drain(VirtBoard *vb)
{
    for (unsigned i = 0; i < vb->nblk; i++)
        virtio_blk_drain(&vb->blk[i]);
}

void virt_free(VirtBoard *vb)
{
    for (unsigned i = 0; i < vb->nblk; i++)
        virtio_blk_close(&vb->blk[i]);
    fb_free(&vb->fb);
    ppc_free(&vb->cpu);
    bus_free(&vb->bus);
    free(vb->kernel_img);
    free(vb->initrd_img);
    free(vb->dtb);
    memset(vb, 0, sizeof(*vb));
}

static int build_dtb(VirtBoard *vb, const VirtConfig *c, const uint8_t *user, size_t user_len,
                     uint32_t istart, uint32_t iend, char *err, size_t errlen)
{
    FdtConfig fc = { vb->bus.ram_size, c->tb_freq, c->ipic, c->append, istart, iend, 0,
                     vb->fb.width, vb->fb.height };
    for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++)
        if (vb->virtio[i].ops)
            fc.virtio_mask |= 1u << i;
    free(vb->dtb);
    vb->dtb = NULL;
    if (user) {
        char why[200];
        if (!board_fdt_patch(user, user_len, &fc, &vb->dtb, &vb->dtb_size, why, sizeof(why)))
            return 0;
        snprintf(err, errlen, "-dtb %s: %s", c->dtb_file, why);
        return -1;
    }
    return board_fdt_build(&fc, &vb->dtb, &vb->dtb_size, err, errlen);
}

static int load_kernel(VirtBoard *vb, const VirtConfig *c, ElfInfo *ki, char *err, size_t errlen)
{
    char why[200];
    uint32_t limit = vb->bus.ram_size < VIRT_BOOT_LIMIT ? vb->bus.ram_size : VIRT_BOOT_LIMIT;
    if (loader_read_elf_max(c->kernel, limit, "the RAM below the boot limit", &vb->kernel_img,
                             &vb->kernel_len, why, sizeof(why))) {
        snprintf(err, errlen, "-kernel: %s", why);
        return -1;
    }
    if (loader_load_elf(&vb->bus, vb->kernel_img, vb->kernel_len, limit, ki, why, sizeof(why))) {
        snprintf(err, errlen, "-kernel %s: %s", c->kernel, why);
        return -1;
    }
    return 0;
}

/* Everything the boot ROM needs, placed above the kernel (board.md):
 * [kernel] DTB, command line copy, initrd, a 64 KiB stack, all page
 * aligned and below min(RAM size, 256 MiB). */
static int place_images(VirtBoard *vb, const VirtConfig *c, uint32_t kernel_end, char *err,
                        size_t errlen)
{
    uint8_t *user = NULL;
    size_t user_len = 0;
    uint32_t limit = vb->bus.ram_size < VIRT_BOOT_LIMIT ? vb->bus.ram_size : VIRT_BOOT_LIMIT;
    char why[200];
    if (c->dtb_file && loader_read_file_max(c->dtb_file, VIRT_DTB_MAX, "the 1 MiB device tree limit",
                                            &user, &user_len, why, sizeof(why))) {
        snprintf(err, errlen, "-dtb: %s", why);
        return -1;
    }
    if (c->initrd && loader_read_file_max(c->initrd, limit, "the RAM below the boot limit",
                                          &vb->initrd_img, &vb->initrd_len, why, sizeof(why))) {
        snprintf(err, errlen, "-initrd: %s", why);
        free(user);
        return -1;
    }
    bool has_initrd = c->initrd != NULL;
    /* first pass with stand-in initrd values, to learn the tree's size
     * (the values do not change it) */
    int r = build_dtb(vb, c, user, user_len, has_initrd ? 1 : 0, has_initrd ? 2 : 0, err, errlen);
    uint64_t dtb_addr = PAGE_ALIGN(kernel_end);
    uint64_t end = dtb_addr + vb->dtb_size;
    vb->cmdline = c->append;
    vb->cmdline_addr = 0;
    if (c->append) {
        vb->cmdline_addr = (uint32_t)((end + 15) & ~15ull);
        end = vb->cmdline_addr + strlen(c->append) + 1;
    }
    uint64_t istart = PAGE_ALIGN(end), iend = istart + vb->initrd_len;
    if (has_initrd)
        end = iend;
    uint64_t stack_top = PAGE_ALIGN(end) + BOOTINFO_STACK_SIZE;
    if (!r && stack_top > limit) {
        snprintf(err, errlen, "kernel, device tree and initrd do not fit below 0x%08x", limit);
        r = -1;
    }
    if (!r && has_initrd)
        r = build_dtb(vb, c, user, user_len, (uint32_t)istart, (uint32_t)iend, err, errlen);
    free(user);
    if (r)
        return -1;
    vb->initrd_start = has_initrd ? (uint32_t)istart : 0;

    uint32_t *bi = vb->bootinfo;
    bi[BI_DTB_ADDR / 4] = (uint32_t)dtb_addr;
    bi[BI_DTB_SIZE / 4] = (uint32_t)vb->dtb_size;
    bi[BI_INITRD_START / 4] = has_initrd ? (uint32_t)istart : 0;
    bi[BI_INITRD_END / 4] = has_initrd ? (uint32_t)iend : 0;
    bi[BI_STACK / 4] = (uint32_t)stack_top - 16;
    bi[BI_CMDLINE_ADDR / 4] = vb->cmdline_addr;
    if (has_initrd)
        bi[BI_FLAGS / 4] |= BI_FLAG_INITRD;
    return 0;
}

/* DTB, command line, initrd and the stack's back chain into RAM (their
 * places were checked by place_images, so bus_write_ram cannot fail) */
static void load_blobs(VirtBoard *vb)
{
    const uint32_t *bi = vb->bootinfo;
    static const uint8_t zero[16];
    if (vb->dtb)
        (void)bus_write_ram(&vb->bus, bi[BI_DTB_ADDR / 4], vb->dtb, vb->dtb_size);
    if (vb->cmdline_addr)
        (void)bus_write_ram(&vb->bus, vb->cmdline_addr, vb->cmdline, strlen(vb->cmdline) + 1);
    if (vb->initrd_img)
        (void)bus_write_ram(&vb->bus, vb->initrd_start, vb->initrd_img, vb->initrd_len);
    if (bi[BI_STACK / 4])
        (void)bus_write_ram(&vb->bus, bi[BI_STACK / 4], zero, sizeof(zero));
}

int virt_load_images(VirtBoard *vb, const VirtConfig *c, char *err, size_t errlen)
{
    uint32_t *bi = vb->bootinfo;
    memset(bi, 0, sizeof(vb->bootinfo));
    ElfInfo ki = { 0, 0, BOOTINFO_DTB_DEFAULT };
    if (c->kernel && load_kernel(vb, c, &ki, err, errlen))
        return -1;
    if (place_images(vb, c, ki.high, err, errlen))
        return -1;
    uint32_t ram = vb->bus.ram_size;
    bi[BI_MAGIC / 4] = BOOTINFO_MAGIC;
    bi[BI_VERSION / 4] = BOOTINFO_VERSION;
    bi[BI_FLAGS / 4] |= (c->kernel ? BI_FLAG_KERNEL : 0) | (c->ipic ? BI_FLAG_IPIC : 0);
    bi[BI_RAM_SIZE / 4] = ram;
    if (c->kernel) {
        bi[BI_KERNEL_ENTRY / 4] = ki.entry_pa;
        bi[BI_KERNEL_START / 4] = ki.low;
        bi[BI_KERNEL_END / 4] = ki.high;
    }
    bi[BI_IMA_SIZE / 4] = ram < VIRT_BOOT_LIMIT ? ram : VIRT_BOOT_LIMIT;
    bi[BI_TB_FREQ / 4] = (uint32_t)c->tb_freq;
    bi[BI_UART_BASE / 4] = VIRT_SOC_BASE + VIRT_UART0_OFF;
    bi[BI_TESTDEV_BASE / 4] = VIRT_SOC_BASE + VIRT_TESTDEV_OFF;
    load_blobs(vb);
    return 0;
}

static int load_rom_file(VirtBoard *vb, const char *path, char *err, size_t errlen)
{
    uint8_t *img;
    size_t len;
    char why[200];
    if (loader_read_file_max(path, (size_t)VIRT_ROM_SIZE + vb->bus.ram_size, "the boot ROM plus RAM",
                             &img, &len, why, sizeof(why))) {
        snprintf(err, errlen, "-bios: %s", why);
        return -1;
    }
    int r = 0;
    if (loader_is_elf(img, len)) {
        ElfInfo info;
        r = loader_load_elf(&vb->bus, img, len, 0, &info, why, sizeof(why));
        if (r)
            snprintf(err, errlen, "-bios %s: %s", path, why);
    } else if (len > VIRT_ROM_SIZE) {
        snprintf(err, errlen, "-bios %s: %zu bytes is larger than the 1 MiB boot ROM", path, len);
        r = -1;
    } else if (bus_write_ram(&vb->bus, VIRT_ROM_BASE, img, len)) {
        snprintf(err, errlen, "-bios %s: cannot load", path);
        r = -1;
    }
    free(img);
    return r;
}

int virt_load_rom(VirtBoard *vb, const VirtConfig *c, bool *warning, char *err, size_t errlen)
{
    *warning = false;
    if (c->bios) {
        if (load_rom_file(vb, c->bios, err, errlen))
            return -1;
        vb->have_rom = true;
        return 0;
    }
    FILE *f = c->default_bios ? fopen(c->default_bios, "rb") : NULL;
    if (f) {
        fclose(f);
        if (load_rom_file(vb, c->default_bios, err, errlen))
            return -1;
        vb->have_rom = true;
        return 0;
    }
    if (!c->kernel) {
        snprintf(err, errlen, "no boot ROM (%s not found; build it or give -bios FILE) and no -kernel",
                 c->default_bios ? c->default_bios : "default image");
        return -1;
    }
    /* no firmware built yet: do the boot ROM's job from here */
    snprintf(err, errlen, "boot ROM %s not found: entering the kernel directly",
             c->default_bios ? c->default_bios : "");
    *warning = true;
    vb->direct_boot = true;
    return 0;
}

static void reload_images(VirtBoard *vb)
{
    ElfInfo ki;
    char why[200];
    /* it loaded at start, so it loads again */
    if (vb->kernel_img &&
        loader_load_elf(&vb->bus, vb->kernel_img, vb->kernel_len, 0, &ki, why, sizeof(why)))
        return;
    load_blobs(vb);
}

/* What the boot ROM would do (board.md boot protocol), for direct boot */
static void enter_kernel(VirtBoard *vb)
{
    PPCState *s = &vb->cpu;
    const uint32_t *bi = vb->bootinfo;
    ppc_set_msr(s, 0);
    s->gpr[1] = bi[BI_STACK / 4];
    s->gpr[3] = bi[BI_DTB_ADDR / 4];
    s->gpr[4] = 0;
    s->gpr[5] = 0;
    s->gpr[6] = 0x45504150; /* ePAPR magic */
    s->gpr[7] = bi[BI_IMA_SIZE / 4];
    s->pc = bi[BI_KERNEL_ENTRY / 4];
}

void virt_reset(VirtBoard *vb)
{
    reload_images(vb);
    ppc_reset(&vb->cpu);
    uart_reset(&vb->uart);
    ipic_reset(&vb->ipic);
    for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++)
        virtio_reset(&vb->virtio[i]);
    vb->spcr = 0;
    vb->rpr = 0;
    vb->exit_req = vb->reset_req = false;
    if (vb->direct_boot)
        enter_kernel(vb);
}
