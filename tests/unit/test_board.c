/* The virt board's address map, small devices and boot placement, through
 * the bus (board.md); the CPU is built but not run. */
#include <check.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/bootinfo.h"
#include "boards/virt.h"

#define SOC 0x80000000u

static VirtBoard *board_new(bool ipic, uint32_t ram_mib)
{
    static VirtBoard vb;
    VirtConfig c = { .ram_mib = ram_mib, .ipic = ipic, .tb_freq = 33333333 };
    char err[200];
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), 0);
    return &vb;
}

static uint32_t rd(VirtBoard *vb, uint32_t pa) { return bus_read(&vb->bus, pa, 4); }
static void wr(VirtBoard *vb, uint32_t pa, uint32_t v) { bus_write(&vb->bus, pa, v, 4); }

START_TEST(ram_size_range)
{
    VirtBoard vb;
    char err[200];
    VirtConfig c = { .ram_mib = 8, .ipic = true, .tb_freq = 33333333 };
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "16..768"));
    c.ram_mib = 769;
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), -1);
}
END_TEST

START_TEST(unmapped_reads_all_ones)
{
    VirtBoard *vb = board_new(true, 16);
    ck_assert_uint_eq(rd(vb, 16u << 20), 0xFFFFFFFFu);      /* just past RAM */
    ck_assert_uint_eq(bus_read(&vb->bus, SOC + 0x200, 1), 0xFF);
    ck_assert_uint_eq(bus_read(&vb->bus, SOC + 0x200, 2), 0xFFFF);
    wr(vb, SOC + 0x200, 0); /* dropped, no crash */
    ck_assert_uint_eq(rd(vb, SOC + 0x200), 0xFFFFFFFFu);
    virt_free(vb);
}
END_TEST

START_TEST(spcr_latch)
{
    VirtBoard *vb = board_new(true, 16);
    ck_assert_uint_eq(rd(vb, SOC + 0x110), 0);
    wr(vb, SOC + 0x110, rd(vb, SOC + 0x110) | 0x00400000); /* Linux: TBEN */
    ck_assert_uint_eq(rd(vb, SOC + 0x110), 0x00400000);
    virt_free(vb);
}
END_TEST

START_TEST(testdev_exit_and_icount)
{
    VirtBoard *vb = board_new(true, 16);
    vb->cpu.icount = 0x123456789ull;
    ck_assert_uint_eq(rd(vb, SOC + 0xF04), 0x23456789u);
    ck_assert_uint_eq(rd(vb, SOC + 0xF08), 0x1u);
    ck_assert(!vb->exit_req);
    wr(vb, SOC + 0xF00, 0x1234);
    ck_assert(vb->exit_req);
    ck_assert_int_eq(vb->exit_status, 0x34);
    ck_assert_int_eq(vb->cpu.exit_request, 1);
    virt_free(vb);
}
END_TEST

START_TEST(reset_needs_key)
{
    VirtBoard *vb = board_new(true, 16);
    wr(vb, SOC + 0x91C, 0x2); /* no RSTE key yet: ignored */
    ck_assert(!vb->reset_req);
    wr(vb, SOC + 0x918, 0x52535445);
    wr(vb, SOC + 0x91C, 0x1); /* not the software hard reset bit */
    ck_assert(!vb->reset_req);
    wr(vb, SOC + 0x91C, 0x2);
    ck_assert(vb->reset_req);
    ck_assert(!vb->exit_req);
    virt_free(vb);
}
END_TEST

START_TEST(reset_under_no_reboot_exits_zero)
{
    VirtBoard *vb = board_new(true, 16);
    vb->no_reboot = true;
    wr(vb, SOC + 0x918, 0x52535445);
    wr(vb, SOC + 0x91C, 0x2);
    ck_assert(!vb->reset_req);
    ck_assert(vb->exit_req);
    ck_assert_int_eq(vb->exit_status, 0);
    virt_free(vb);
}
END_TEST

START_TEST(uart_irq_reaches_cpu)
{
    VirtBoard *vb = board_new(true, 16);
    wr(vb, SOC + 0x720, 0x80); /* SIMSR_H: unmask source 9 */
    ck_assert_uint_eq(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL, 0);
    bus_write(&vb->bus, SOC + 0x3F9, 0x02, 1); /* UART IER: THRI */
    ck_assert_uint_eq(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL, PPC_IRQ_EXTERNAL);
    ck_assert_uint_eq(rd(vb, SOC + 0x704) & 0x7F, 9);
    ck_assert_uint_eq(bus_read(&vb->bus, SOC + 0x3FA, 1), 0x02); /* IIR: THRE, clears */
    ck_assert_uint_eq(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL, 0);
    virt_free(vb);
}
END_TEST

START_TEST(ipic_off_leaves_window_empty)
{
    VirtBoard *vb = board_new(false, 16);
    ck_assert_uint_eq(rd(vb, SOC + 0x704), 0xFFFFFFFFu);
    bus_write(&vb->bus, SOC + 0x3F9, 0x02, 1);
    ck_assert_uint_eq(vb->cpu.irq_pending & PPC_IRQ_EXTERNAL, 0);
    ck_assert_uint_eq(bus_read(&vb->bus, SOC + 0x3FD, 1), 0x60); /* the UART is there */
    virt_free(vb);
}
END_TEST

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

/* A vmlinux-shaped ELF: one PT_LOAD, vaddr 0xC0000000 at paddr 0,
 * 16 bytes of file data, memsz 0x2345, entry 0xC0000008 */
static const char *write_elf(char *path)
{
    uint8_t f[52 + 32 + 16];
    memset(f, 0, sizeof(f));
    memcpy(f, "\177ELF", 4);
    f[4] = 1, f[5] = 2, f[6] = 1;
    put16(f + 16, 2);             /* ET_EXEC */
    put16(f + 18, 20);            /* EM_PPC */
    put32(f + 20, 1);
    put32(f + 24, 0xC0000008u);   /* e_entry */
    put32(f + 28, 52);            /* e_phoff */
    put16(f + 40, 52);
    put16(f + 42, 32);
    put16(f + 44, 1);
    uint8_t *ph = f + 52;
    put32(ph + 0, 1);             /* PT_LOAD */
    put32(ph + 4, 84);            /* p_offset */
    put32(ph + 8, 0xC0000000u);
    put32(ph + 12, 0);            /* p_paddr */
    put32(ph + 16, 16);
    put32(ph + 20, 0x2345);
    for (int i = 0; i < 16; i++)
        f[84 + i] = (uint8_t)(0xA0 + i);
    strcpy(path, "/tmp/ppcemu-test-elf-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, f, sizeof(f)), (int)sizeof(f));
    close(fd);
    return path;
}

static const char *write_initrd(char *path, size_t len)
{
    strcpy(path, "/tmp/ppcemu-test-rd-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *b = calloc(1, len);
    b[0] = 0x1F;
    ck_assert_int_eq(write(fd, b, len), (int)len);
    free(b);
    close(fd);
    return path;
}

START_TEST(kernel_dtb_initrd_placement)
{
    char kp[64], rp[64], err[200];
    write_elf(kp);
    write_initrd(rp, 5000);
    VirtBoard vb;
    VirtConfig c = { .ram_mib = 32, .ipic = true, .tb_freq = 25000000, .kernel = kp,
                     .initrd = rp, .append = "console=ttyS0" };
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_msg(virt_load_images(&vb, &c, err, sizeof(err)) == 0, "%s", err);
    uint32_t bi = 0x80000E00u;
    ck_assert_uint_eq(rd(&vb, bi + BI_MAGIC), BOOTINFO_MAGIC);
    ck_assert_uint_eq(rd(&vb, bi + BI_VERSION), BOOTINFO_VERSION);
    uint32_t flags = rd(&vb, bi + BI_FLAGS);
    ck_assert_uint_eq(flags & (BI_FLAG_KERNEL | BI_FLAG_INITRD | BI_FLAG_IPIC),
                      BI_FLAG_KERNEL | BI_FLAG_INITRD | BI_FLAG_IPIC);
    ck_assert_uint_eq(rd(&vb, bi + BI_RAM_SIZE), 32u << 20);
    ck_assert_uint_eq(rd(&vb, bi + BI_KERNEL_ENTRY), 0x8);
    ck_assert_uint_eq(rd(&vb, bi + BI_KERNEL_END), 0x2345);
    uint32_t dtb = rd(&vb, bi + BI_DTB_ADDR), rs = rd(&vb, bi + BI_INITRD_START);
    uint32_t re = rd(&vb, bi + BI_INITRD_END), sp = rd(&vb, bi + BI_STACK);
    ck_assert_uint_eq(dtb, 0x3000); /* page above the kernel's end */
    ck_assert_uint_eq(rs & 0xFFF, 0);
    ck_assert_uint_gt(rs, dtb + rd(&vb, bi + BI_DTB_SIZE) - 1);
    ck_assert_uint_eq(re - rs, 5000);
    ck_assert_uint_gt(sp, re);
    ck_assert_uint_eq(sp & 0xF, 0);
    ck_assert_uint_lt(sp, 32u << 20);
    ck_assert_uint_eq(rd(&vb, bi + BI_TB_FREQ), 25000000);
    ck_assert_uint_eq(rd(&vb, bi + BI_IMA_SIZE), 32u << 20);
    /* writes to the block are ignored */
    wr(&vb, bi + BI_STACK, 0);
    ck_assert_uint_eq(rd(&vb, bi + BI_STACK), sp);
    /* the segment: file bytes, then zeroes to memsz */
    ck_assert_uint_eq(rd(&vb, 0x0), 0xA0A1A2A3u);
    ck_assert_uint_eq(bus_read(&vb.bus, 0x2344, 1), 0);
    /* the DTB in RAM has the initrd where it was put */
    uint8_t *blob = vb.bus.ram + dtb;
    ck_assert_int_eq(fdt_check_header(blob), 0);
    int ch = fdt_path_offset(blob, "/chosen");
    const fdt32_t *p = fdt_getprop(blob, ch, "linux,initrd-start", NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(fdt32_to_cpu(*p), rs);
    ck_assert_str_eq(fdt_getprop(blob, ch, "bootargs", NULL), "console=ttyS0");
    ck_assert_uint_eq(bus_read(&vb.bus, 0x80000E00u + BI_CMDLINE_ADDR, 4) != 0, 1);
    virt_free(&vb);
    unlink(kp);
    unlink(rp);
}
END_TEST

START_TEST(kernel_too_big_for_ram)
{
    char kp[64], rp[64], err[200];
    write_elf(kp);
    /* within the RAM size, so read, but not with the kernel and the tree */
    write_initrd(rp, (16u << 20) - 4096);
    VirtBoard vb;
    VirtConfig c = { .ram_mib = 16, .ipic = true, .tb_freq = 25000000, .kernel = kp, .initrd = rp };
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(virt_load_images(&vb, &c, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "do not fit"));
    virt_free(&vb);
    /* larger than the RAM: refused before it is read (issue 15) */
    unlink(rp);
    write_initrd(rp, 17u << 20);
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(virt_load_images(&vb, &c, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "-initrd: ") && strstr(err, "is larger than the RAM"), "%s", err);
    virt_free(&vb);
    unlink(kp);
    unlink(rp);
}
END_TEST

START_TEST(not_an_elf)
{
    char rp[64], err[200];
    write_initrd(rp, 100);
    VirtBoard vb;
    VirtConfig c = { .ram_mib = 16, .ipic = true, .tb_freq = 25000000, .kernel = rp };
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(virt_load_images(&vb, &c, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "not an ELF"));
    virt_free(&vb);
    unlink(rp);
}
END_TEST

START_TEST(raw_bios_in_rom)
{
    char rp[64], err[200];
    write_initrd(rp, 300); /* first byte 0x1F */
    VirtBoard vb;
    bool warn;
    VirtConfig c = { .ram_mib = 16, .ipic = true, .tb_freq = 25000000, .bios = rp };
    ck_assert_int_eq(virt_init(&vb, &c, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(virt_load_rom(&vb, &c, &warn, err, sizeof(err)), 0);
    ck_assert_uint_eq(bus_read(&vb.bus, 0xFFF00000u, 1), 0x1F);
    /* the ROM is read-only */
    bus_write(&vb.bus, 0xFFF00000u, 0, 1);
    ck_assert_uint_eq(bus_read(&vb.bus, 0xFFF00000u, 1), 0x1F);
    virt_free(&vb);
    unlink(rp);
}
END_TEST

Suite *suite_board(void)
{
    Suite *s = suite_create("board");
    TCase *tc = tcase_create("virt");
    tcase_add_test(tc, ram_size_range);
    tcase_add_test(tc, unmapped_reads_all_ones);
    tcase_add_test(tc, spcr_latch);
    tcase_add_test(tc, testdev_exit_and_icount);
    tcase_add_test(tc, reset_needs_key);
    tcase_add_test(tc, reset_under_no_reboot_exits_zero);
    tcase_add_test(tc, uart_irq_reaches_cpu);
    tcase_add_test(tc, ipic_off_leaves_window_empty);
    tcase_add_test(tc, kernel_dtb_initrd_placement);
    tcase_add_test(tc, kernel_too_big_for_ram);
    tcase_add_test(tc, not_an_elf);
    tcase_add_test(tc, raw_bios_in_rom);
    suite_add_tcase(s, tc);
    return s;
}
