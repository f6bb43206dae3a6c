/* The generated device tree, parsed back with libfdt (board.md). */
#include <check.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "boards/fdt.h"

static void *build(const FdtConfig *c)
{
    void *blob;
    size_t size;
    char err[200];
    ck_assert_int_eq(board_fdt_build(c, &blob, &size, err, sizeof(err)), 0);
    ck_assert_int_eq(fdt_check_header(blob), 0);
    ck_assert_uint_eq(fdt_totalsize(blob), size);
    return blob;
}

static int node(const void *fdt, const char *path)
{
    int off = fdt_path_offset(fdt, path);
    ck_assert_msg(off >= 0, "node %s missing", path);
    return off;
}

static uint32_t u32_at(const void *fdt, const char *path, const char *prop, int idx)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node(fdt, path), prop, &len);
    ck_assert_msg(p != NULL, "%s:%s missing", path, prop);
    ck_assert_int_ge(len, 4 * (idx + 1));
    return fdt32_to_cpu(p[idx]);
}

static const char *str(const void *fdt, const char *path, const char *prop)
{
    const char *s = fdt_getprop(fdt, node(fdt, path), prop, NULL);
    ck_assert_msg(s != NULL, "%s:%s missing", path, prop);
    return s;
}

static bool has(const void *fdt, const char *path, const char *prop)
{
    return fdt_getprop(fdt, node(fdt, path), prop, NULL) != NULL;
}

START_TEST(defaults)
{
    FdtConfig c = { 128u << 20, 33333333, true, NULL, 0, 0, 0, 0, 0 };
    void *f = build(&c);
    ck_assert_int_eq(fdt_node_check_compatible(f, 0, "fsl,mpc8315erdb"), 0);
    ck_assert_uint_eq(u32_at(f, "/", "#address-cells", 0), 1);
    ck_assert_uint_eq(u32_at(f, "/", "#size-cells", 0), 1);
    ck_assert_str_eq(str(f, "/memory", "device_type"), "memory");
    ck_assert_uint_eq(u32_at(f, "/memory", "reg", 0), 0);
    ck_assert_uint_eq(u32_at(f, "/memory", "reg", 1), 0x08000000);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "timebase-frequency", 0), 33333333);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "clock-frequency", 0), 400000000);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "reg", 0), 0);
    ck_assert_str_eq(str(f, "/cpus/cpu@0", "device_type"), "cpu");
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "d-cache-size", 0), 32768);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "i-cache-size", 0), 32768);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "d-cache-block-size", 0), 32);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "i-cache-line-size", 0), 32);
    ck_assert_str_eq(str(f, "/chosen", "stdout-path"), "/soc@80000000/serial@3f8");
    ck_assert(!has(f, "/chosen", "linux,initrd-start"));
    free(f);
}
END_TEST

START_TEST(soc_and_serial)
{
    FdtConfig c = { 64u << 20, 33333333, true, NULL, 0, 0, 0, 0, 0 };
    void *f = build(&c);
    const char *soc = "/soc@80000000", *ser = "/soc@80000000/serial@3f8";
    ck_assert_str_eq(str(f, soc, "device_type"), "soc");
    ck_assert_int_eq(fdt_node_check_compatible(f, node(f, soc), "simple-bus"), 0);
    ck_assert_uint_eq(u32_at(f, soc, "ranges", 0), 0);
    ck_assert_uint_eq(u32_at(f, soc, "ranges", 1), 0x80000000);
    ck_assert_uint_eq(u32_at(f, soc, "ranges", 2), 0x100000);
    ck_assert(has(f, soc, "bus-frequency"));
    ck_assert_int_eq(fdt_node_check_compatible(f, node(f, ser), "ns16550"), 0);
    ck_assert_str_eq(str(f, ser, "device_type"), "serial");
    ck_assert_uint_eq(u32_at(f, ser, "reg", 0), 0x3F8);
    ck_assert_uint_eq(u32_at(f, ser, "reg", 1), 8);
    ck_assert_uint_eq(u32_at(f, ser, "clock-frequency", 0), 1843200);
    ck_assert_uint_eq(u32_at(f, ser, "current-speed", 0), 115200);
    ck_assert_uint_eq(u32_at(f, ser, "interrupts", 0), 9);
    ck_assert_uint_eq(u32_at(f, ser, "interrupts", 1), 8);
    /* interrupt-parent points at the IPIC's phandle */
    int ipic = fdt_node_offset_by_phandle(f, u32_at(f, ser, "interrupt-parent", 0));
    ck_assert_int_eq(ipic, node(f, "/soc@80000000/interrupt-controller@700"));
    ck_assert_int_eq(fdt_node_check_compatible(f, ipic, "fsl,ipic"), 0);
    const char *ip = "/soc@80000000/interrupt-controller@700";
    ck_assert(has(f, ip, "interrupt-controller"));
    ck_assert_uint_eq(u32_at(f, ip, "#interrupt-cells", 0), 2);
    ck_assert_uint_eq(u32_at(f, ip, "#address-cells", 0), 0);
    ck_assert_uint_eq(u32_at(f, ip, "reg", 0), 0x700);
    ck_assert_uint_eq(u32_at(f, ip, "reg", 1), 0x100);
    ck_assert_str_eq(str(f, ip, "device_type"), "ipic");
    int td = fdt_node_offset_by_compatible(f, -1, "ppcemu,testdev");
    ck_assert_int_ge(td, 0);
    free(f);
}
END_TEST

START_TEST(options_in_force)
{
    FdtConfig c = { 256u << 20, 1000000, true, "console=ttyS0 quiet", 0x01000000, 0x01234567, 0, 0, 0 };
    void *f = build(&c);
    ck_assert_uint_eq(u32_at(f, "/memory", "reg", 1), 0x10000000);
    ck_assert_uint_eq(u32_at(f, "/cpus/cpu@0", "timebase-frequency", 0), 1000000);
    ck_assert_str_eq(str(f, "/chosen", "bootargs"), "console=ttyS0 quiet");
    ck_assert_uint_eq(u32_at(f, "/chosen", "linux,initrd-start", 0), 0x01000000);
    ck_assert_uint_eq(u32_at(f, "/chosen", "linux,initrd-end", 0), 0x01234567);
    free(f);
}
END_TEST

START_TEST(ipic_off)
{
    FdtConfig c = { 128u << 20, 33333333, false, NULL, 0, 0, 0, 0, 0 };
    void *f = build(&c);
    ck_assert_int_lt(fdt_path_offset(f, "/soc@80000000/interrupt-controller@700"), 0);
    ck_assert_int_lt(fdt_node_offset_by_compatible(f, -1, "fsl,ipic"), 0);
    ck_assert(!has(f, "/soc@80000000/serial@3f8", "interrupts"));
    ck_assert(!has(f, "/soc@80000000/serial@3f8", "interrupt-parent"));
    free(f);
}
END_TEST

/* board.md: a virtio,mmio node per present slot, the simple-framebuffer
 * node, both under a simple-bus Linux's powerpc code populates */
START_TEST(virtio_and_fb_nodes)
{
    FdtConfig c = { 128u << 20, 33333333, true, NULL, 0, 0, 0x5, 640, 480 };
    void *f = build(&c);
    ck_assert_int_eq(fdt_node_check_compatible(f, node(f, "/devices"), "simple-bus"), 0);
    ck_assert(has(f, "/devices", "ranges"));
    ck_assert_uint_eq(u32_at(f, "/devices/virtio_mmio@81000000", "reg", 0), 0x81000000);
    ck_assert_uint_eq(u32_at(f, "/devices/virtio_mmio@81000000", "reg", 1), 0x200);
    ck_assert_uint_eq(u32_at(f, "/devices/virtio_mmio@81000000", "interrupts", 0), 48);
    ck_assert_uint_eq(u32_at(f, "/devices/virtio_mmio@81000000", "interrupts", 1), 8);
    ck_assert_uint_eq(u32_at(f, "/devices/virtio_mmio@81000400", "interrupts", 0), 18);
    ck_assert_uint_eq(u32_at(f, "/devices/virtio_mmio@81000400", "interrupt-parent", 0),
                      FDT_IPIC_PHANDLE);
    ck_assert_int_lt(fdt_path_offset(f, "/devices/virtio_mmio@81000200"), 0);
    const char *fb = "/devices/framebuffer@a0000000";
    ck_assert_int_eq(fdt_node_check_compatible(f, node(f, fb), "simple-framebuffer"), 0);
    ck_assert_uint_eq(u32_at(f, fb, "reg", 0), 0xA0000000u);
    ck_assert_uint_eq(u32_at(f, fb, "reg", 1), 640 * 480 * 4);
    ck_assert_uint_eq(u32_at(f, fb, "width", 0), 640);
    ck_assert_uint_eq(u32_at(f, fb, "height", 0), 480);
    ck_assert_uint_eq(u32_at(f, fb, "stride", 0), 640 * 4);
    ck_assert_str_eq(str(f, fb, "format"), "x8r8g8b8");
    free(f);
    /* no devices: no bus; ipic=off: no interrupts */
    FdtConfig n = { 128u << 20, 33333333, true, NULL, 0, 0, 0, 0, 0 };
    f = build(&n);
    ck_assert_int_lt(fdt_path_offset(f, "/devices"), 0);
    free(f);
    FdtConfig q = { 128u << 20, 33333333, false, NULL, 0, 0, 0x1, 0, 0 };
    f = build(&q);
    ck_assert(!has(f, "/devices/virtio_mmio@81000000", "interrupts"));
    ck_assert_int_lt(fdt_path_offset(f, "/devices/framebuffer@a0000000"), 0);
    free(f);
}
END_TEST

START_TEST(patch_user_blob)
{
    FdtConfig c = { 128u << 20, 33333333, false, NULL, 0, 0, 0, 0, 0 };
    void *f = build(&c), *g;
    size_t gsize;
    char err[200];
    FdtConfig p = { 128u << 20, 33333333, false, "root=/dev/ram", 0x2000000, 0x2100000, 0, 0, 0 };
    ck_assert_int_eq(board_fdt_patch(f, fdt_totalsize(f), &p, &g, &gsize, err, sizeof(err)), 0);
    ck_assert_str_eq(str(g, "/chosen", "bootargs"), "root=/dev/ram");
    ck_assert_uint_eq(u32_at(g, "/chosen", "linux,initrd-end", 0), 0x2100000);
    ck_assert_uint_eq(u32_at(g, "/memory", "reg", 1), 0x08000000);
    free(g);
    /* garbage is refused with a reason, not a crash */
    memset(f, 0x5A, 64);
    ck_assert_int_eq(board_fdt_patch(f, 64, &p, &g, &gsize, err, sizeof(err)), -1);
    ck_assert(strlen(err) > 0);
    free(f);
}
END_TEST

Suite *suite_fdt(void)
{
    Suite *s = suite_create("fdt");
    TCase *tc = tcase_create("fdt");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, soc_and_serial);
    tcase_add_test(tc, options_in_force);
    tcase_add_test(tc, ipic_off);
    tcase_add_test(tc, patch_user_blob);
    tcase_add_test(tc, virtio_and_fb_nodes);
    suite_add_tcase(s, tc);
    return s;
}
