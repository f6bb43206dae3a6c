/*
 * Device tree generation with libfdt's sequential-write API.  The tree is
 * what Linux's mpc831x_rdb platform and legacy_serial/8250 code look for
 * (linux-notes.md): root compatible "fsl,mpc8315erdb", a "soc" node whose
 * ranges give the IMMR base (get_immrbase), a "serial" ns16550 with a
 * clock-frequency (legacy_serial skips ports without one), and the IPIC.
 */
#include "boards/fdt.h"

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boards/virtmap.h"

#define FDT_BUF_SIZE 0x10000

/* 750 caches: 32 KiB each, 32-byte blocks (750 UM 3.1) */
#define CACHE_SIZE 32768
#define CACHE_LINE 32

static int prop_cells(void *fdt, const char *name, const uint32_t *cells, int n)
{
    uint32_t be[8];
    for (int i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    return fdt_property(fdt, name, be, n * 4);
}

static int prop_cells2(void *fdt, const char *name, uint32_t a, uint32_t b)
{
    uint32_t c[2] = { a, b };
    return prop_cells(fdt, name, c, 2);
}

/* fdt_property_string for a list of strings separated by NULs */
static int prop_strlist(void *fdt, const char *name, const char *list, int len)
{
    return fdt_property(fdt, name, list, len);
}

static int build_cpus(void *fdt, const FdtConfig *c)
{
    int r = 0;
    r |= fdt_begin_node(fdt, "cpus");
    r |= fdt_property_u32(fdt, "#address-cells", 1);
    r |= fdt_property_u32(fdt, "#size-cells", 0);
    r |= fdt_begin_node(fdt, "cpu@0");
    r |= fdt_property_string(fdt, "device_type", "cpu");
    r |= fdt_property_string(fdt, "compatible", "PowerPC,750");
    r |= fdt_property_u32(fdt, "reg", 0);
    r |= fdt_property_u32(fdt, "d-cache-line-size", CACHE_LINE);
    r |= fdt_property_u32(fdt, "i-cache-line-size", CACHE_LINE);
    r |= fdt_property_u32(fdt, "d-cache-block-size", CACHE_LINE);
    r |= fdt_property_u32(fdt, "i-cache-block-size", CACHE_LINE);
    r |= fdt_property_u32(fdt, "d-cache-size", CACHE_SIZE);
    r |= fdt_property_u32(fdt, "i-cache-size", CACHE_SIZE);
    r |= fdt_property_u32(fdt, "timebase-frequency", (uint32_t)c->tb_freq);
    r |= fdt_property_u32(fdt, "clock-frequency", VIRT_CPU_CLOCK);
    r |= fdt_property_u32(fdt, "bus-frequency", VIRT_BUS_CLOCK);
    r |= fdt_end_node(fdt);
    r |= fdt_end_node(fdt);
    return r;
}

static int build_chosen(void *fdt, const FdtConfig *c)
{
    int r = 0;
    r |= fdt_begin_node(fdt, "chosen");
    r |= fdt_property_string(fdt, "bootargs", c->bootargs ? c->bootargs : "");
    if (c->initrd_end > c->initrd_start) {
        r |= fdt_property_u32(fdt, "linux,initrd-start", c->initrd_start);
        r |= fdt_property_u32(fdt, "linux,initrd-end", c->initrd_end);
    }
    r |= fdt_property_string(fdt, "stdout-path", FDT_UART0_PATH);
    r |= fdt_end_node(fdt);
    r |= fdt_begin_node(fdt, "aliases");
    r |= fdt_property_string(fdt, "serial0", FDT_UART0_PATH);
    r |= fdt_end_node(fdt);
    return r;
}

static int build_soc(void *fdt, const FdtConfig *c)
{
    static const char ipic_compat[] = "fsl,ipic";
    uint32_t ranges[3] = { 0, VIRT_SOC_BASE, VIRT_SOC_SIZE };
    int r = 0;
    r |= fdt_begin_node(fdt, "soc@80000000");
    r |= fdt_property_string(fdt, "device_type", "soc");
    r |= fdt_property_string(fdt, "compatible", "simple-bus");
    r |= fdt_property_u32(fdt, "#address-cells", 1);
    r |= fdt_property_u32(fdt, "#size-cells", 1);
    r |= prop_cells(fdt, "ranges", ranges, 3);
    r |= prop_cells2(fdt, "reg", VIRT_SOC_BASE, 0x200);
    r |= fdt_property_u32(fdt, "bus-frequency", VIRT_BUS_CLOCK);

    r |= fdt_begin_node(fdt, "serial@3f8");
    r |= fdt_property_string(fdt, "device_type", "serial");
    r |= fdt_property_string(fdt, "compatible", "ns16550");
    r |= prop_cells2(fdt, "reg", VIRT_UART0_OFF, VIRT_UART0_SIZE);
    r |= fdt_property_u32(fdt, "clock-frequency", VIRT_UART_CLOCK);
    r |= fdt_property_u32(fdt, "current-speed", VIRT_UART_BAUD);
    if (c->ipic) {
        /* 8 = IRQ_TYPE_LEVEL_LOW: the IPIC's internal sources are level */
        r |= prop_cells2(fdt, "interrupts", VIRT_UART0_IRQ, 8);
        r |= fdt_property_u32(fdt, "interrupt-parent", FDT_IPIC_PHANDLE);
    }
    r |= fdt_end_node(fdt);

    if (c->ipic) {
        r |= fdt_begin_node(fdt, "interrupt-controller@700");
        r |= prop_strlist(fdt, "compatible", ipic_compat, sizeof(ipic_compat));
        r |= fdt_property(fdt, "interrupt-controller", NULL, 0);
        r |= fdt_property_u32(fdt, "#address-cells", 0);
        r |= fdt_property_u32(fdt, "#interrupt-cells", 2);
        r |= prop_cells2(fdt, "reg", VIRT_IPIC_OFF, 0x100);
        r |= fdt_property_string(fdt, "device_type", "ipic");
        r |= fdt_property_u32(fdt, "phandle", FDT_IPIC_PHANDLE);
        r |= fdt_property_u32(fdt, "linux,phandle", FDT_IPIC_PHANDLE);
        r |= fdt_end_node(fdt);
    }

    r |= fdt_begin_node(fdt, "testdev@f00");
    r |= fdt_property_string(fdt, "compatible", "ppcemu,testdev");
    r |= prop_cells2(fdt, "reg", VIRT_TESTDEV_OFF, VIRT_TESTDEV_SIZE);
    r |= fdt_end_node(fdt);

    r |= fdt_end_node(fdt);
    return r;
}

/* The virtio-mmio slots and the framebuffer live outside the SoC window,
 * under a simple-bus of their own with identity ranges: Linux's powerpc
 * code creates platform devices only for the root's bus children
 * (mpc83xx_declare_of_platform_devices: of_platform_bus_probe with "soc"
 * and "simple-bus"; of_platform_default_populate_init does not populate
 * the root on PPC), so a device node directly under / would be ignored. */
static int build_virtio(void *fdt, const FdtConfig *c, unsigned n)
{
    char name[40];
    uint32_t base = VIRT_VIRTIO_BASE + n * VIRT_VIRTIO_STRIDE;
    int r = 0;
    snprintf(name, sizeof(name), "virtio_mmio@%x", base);
    r |= fdt_begin_node(fdt, name);
    r |= fdt_property_string(fdt, "compatible", "virtio,mmio");
    r |= prop_cells2(fdt, "reg", base, VIRT_VIRTIO_STRIDE);
    if (c->ipic) {
        /* 8 = IRQ_TYPE_LEVEL_LOW: the slots' IPIC inputs are level */
        r |= prop_cells2(fdt, "interrupts", VIRT_VIRTIO_IRQ(n), 8);
        r |= fdt_property_u32(fdt, "interrupt-parent", FDT_IPIC_PHANDLE);
    }
    r |= fdt_end_node(fdt);
    return r;
}

/* Linux's simplefb (drivers/video/fbdev/simplefb.c) takes the pixel as a
 * CPU-endian 32-bit word with red in bits 16-23 ("x8r8g8b8": {16,8},
 * {8,8}, {0,8}); on this big-endian guest a pixel is the bytes X R G B
 * in address order, which is what boards/fb.c displays.  x8 rather than
 * a8: the display ignores the top byte.  (simpledrm reads DRM formats as
 * little-endian and would swap the bytes: the guest must use simplefb.) */
static int build_fb(void *fdt, const FdtConfig *c)
{
    char name[40];
    int r = 0;
    snprintf(name, sizeof(name), "framebuffer@%x", VIRT_FB_BASE);
    r |= fdt_begin_node(fdt, name);
    r |= fdt_property_string(fdt, "compatible", "simple-framebuffer");
    r |= prop_cells2(fdt, "reg", VIRT_FB_BASE, c->fb_width * c->fb_height * 4);
    r |= fdt_property_u32(fdt, "width", c->fb_width);
    r |= fdt_property_u32(fdt, "height", c->fb_height);
    r |= fdt_property_u32(fdt, "stride", c->fb_width * 4);
    r |= fdt_property_string(fdt, "format", FDT_FB_FORMAT);
    r |= fdt_end_node(fdt);
    return r;
}

static int build_devices(void *fdt, const FdtConfig *c)
{
    if (!c->virtio_mask && !c->fb_width)
        return 0;
    int r = 0;
    r |= fdt_begin_node(fdt, FDT_DEVBUS_PATH + 1);
    r |= fdt_property_string(fdt, "compatible", "simple-bus");
    r |= fdt_property_u32(fdt, "#address-cells", 1);
    r |= fdt_property_u32(fdt, "#size-cells", 1);
    r |= fdt_property(fdt, "ranges", NULL, 0);
    for (unsigned n = 0; n < VIRT_VIRTIO_SLOTS; n++)
        if (c->virtio_mask >> n & 1)
            r |= build_virtio(fdt, c, n);
    if (c->fb_width)
        r |= build_fb(fdt, c);
    r |= fdt_end_node(fdt);
    return r;
}

static int build_tree(void *fdt, const FdtConfig *c)
{
    static const char compat[] = "fsl,mpc8315erdb";
    int r = fdt_create(fdt, FDT_BUF_SIZE);
    r |= fdt_finish_reservemap(fdt);
    r |= fdt_begin_node(fdt, "");
    r |= prop_strlist(fdt, "compatible", compat, sizeof(compat));
    r |= fdt_property_string(fdt, "model", "ppcemu virt (PowerPC 750)");
    r |= fdt_property_u32(fdt, "#address-cells", 1);
    r |= fdt_property_u32(fdt, "#size-cells", 1);
    r |= build_cpus(fdt, c);
    r |= fdt_begin_node(fdt, "memory@0");
    r |= fdt_property_string(fdt, "device_type", "memory");
    r |= prop_cells2(fdt, "reg", 0, c->ram_size);
    r |= fdt_end_node(fdt);
    r |= build_chosen(fdt, c);
    r |= build_soc(fdt, c);
    r |= build_devices(fdt, c);
    r |= fdt_end_node(fdt);
    r |= fdt_finish(fdt);
    return r;
}

int board_fdt_build(const FdtConfig *c, void **blob, size_t *size, char *err, size_t errlen)
{
    void *fdt = calloc(1, FDT_BUF_SIZE);
    if (!fdt) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (build_tree(fdt, c)) {
        snprintf(err, errlen, "device tree does not fit in %d bytes", FDT_BUF_SIZE);
        free(fdt);
        return -1;
    }
    *size = fdt_totalsize(fdt);
    *blob = fdt;
    return 0;
}

static int set_chosen(void *fdt, const FdtConfig *c)
{
    int node = fdt_path_offset(fdt, "/chosen");
    if (node < 0)
        node = fdt_add_subnode(fdt, 0, "chosen");
    if (node < 0)
        return node;
    int r = 0;
    if (c->bootargs)
        r |= fdt_setprop_string(fdt, node, "bootargs", c->bootargs);
    if (c->initrd_end > c->initrd_start) {
        r |= fdt_setprop_u32(fdt, node, "linux,initrd-start", c->initrd_start);
        r |= fdt_setprop_u32(fdt, node, "linux,initrd-end", c->initrd_end);
    }
    return r;
}

int board_fdt_patch(const void *in, size_t in_size, const FdtConfig *c,
                    void **blob, size_t *size, char *err, size_t errlen)
{
    if (in_size < sizeof(struct fdt_header) || fdt_check_header(in) ||
        fdt_totalsize(in) > in_size) {
        snprintf(err, errlen, "not a valid device tree blob");
        return -1;
    }
    size_t cap = fdt_totalsize(in) + 4096 + (c->bootargs ? strlen(c->bootargs) : 0);
    void *fdt = malloc(cap);
    if (!fdt || fdt_open_into(in, fdt, (int)cap) || set_chosen(fdt, c) || fdt_pack(fdt)) {
        snprintf(err, errlen, "cannot update /chosen in the device tree blob");
        free(fdt);
        return -1;
    }
    *size = fdt_totalsize(fdt);
    *blob = fdt;
    return 0;
}
