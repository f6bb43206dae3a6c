/* Register-crossing MMIO accesses (issue 15, item 2).  mem/bus.h defines a
 * misaligned device access as one byte access per byte, in address order;
 * so for every device of the virt board a misaligned 2- or 4-byte read or
 * write, anywhere in its region and across its end, must equal what the
 * same bytes do one at a time.  Two boards run in lock step: one
 * gets the misaligned access, the other the bytes; their values, register
 * contents and exit/reset requests must agree.  Before, the device saw the
 * crossing access itself and board_subword_read/merge shifted by a negative
 * amount (UBSan: shift exponent is negative). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "boards/bootinfo.h"
#include "boards/virt.h"
#include "boards/virtmap.h"

typedef struct Dev {
    const char *name;
    uint32_t off, size;
} Dev;

static const Dev devs[] = {
    { "spcr", VIRT_SPCR_OFF, 4 },
    { "uart0", VIRT_UART0_OFF, VIRT_UART0_SIZE },
    { "ipic", VIRT_IPIC_OFF, IPIC_SIZE },
    { "reset", VIRT_RST_OFF, VIRT_RST_SIZE },
    { "bootinfo", VIRT_BOOTINFO_OFF, BOOTINFO_SIZE },
    { "testdev", VIRT_TESTDEV_OFF, VIRT_TESTDEV_SIZE },
};

static VirtBoard *board(void)
{
    VirtBoard *vb = calloc(1, sizeof(*vb));
    VirtConfig c = { .ram_mib = 16, .ipic = true, .tb_freq = 33333333 };
    char err[200];
    ck_assert_ptr_nonnull(vb);
    ck_assert_int_eq(virt_init(vb, &c, NULL, NULL, err, sizeof(err)), 0);
    return vb;
}

static void board_free(VirtBoard *vb)
{
    virt_free(vb);
    free(vb);
}

/* Both boards' visible state: every byte of the device (read one by one,
 * so the same side effects on both) and the board's requests */
static void same_state(VirtBoard *a, VirtBoard *b, const Dev *d, const char *ctx)
{
    for (uint32_t i = 0; i < d->size; i++) {
        uint32_t pa = VIRT_SOC_BASE + d->off + i;
        uint32_t x = bus_read(&a->bus, pa, 1), y = bus_read(&b->bus, pa, 1);
        ck_assert_msg(x == y, "%s: byte +0x%x 0x%02x vs 0x%02x", ctx, i, x, y);
    }
    ck_assert_msg(a->exit_req == b->exit_req && a->exit_status == b->exit_status &&
                  a->reset_req == b->reset_req, "%s: exit/reset requests differ", ctx);
}

START_TEST(misaligned_equals_bytes)
{
    const Dev *d = &devs[_i];
    static const unsigned sizes[] = { 2, 4 };
    char ctx[96];
    VirtBoard *a = board(), *b = board();
    for (unsigned k = 0; k < 2; k++) {
        unsigned size = sizes[k];
        for (uint32_t off = 0; off < d->size + 4; off++) {
            if (!(off & (size - 1)))
                continue;
            uint32_t pa = VIRT_SOC_BASE + d->off + off;
            /* read */
            snprintf(ctx, sizeof ctx, "%s read%u +0x%x", d->name, size * 8, off);
            uint32_t got = bus_read(&a->bus, pa, size), want = 0;
            for (unsigned i = 0; i < size; i++)
                want = want << 8 | bus_read(&b->bus, pa + i, 1);
            ck_assert_msg(got == want, "%s: 0x%x, bytes give 0x%x", ctx, got, want);
            same_state(a, b, d, ctx);
            /* write */
            snprintf(ctx, sizeof ctx, "%s write%u +0x%x", d->name, size * 8, off);
            uint32_t val = size == 4 ? 0x5A3CC3A5u : 0xC3A5u;
            bus_write(&a->bus, pa, val, size);
            for (unsigned i = 0; i < size; i++)
                bus_write(&b->bus, pa + i, (val >> (8 * (size - 1 - i))) & 0xFF, 1);
            same_state(a, b, d, ctx);
        }
    }
    board_free(a);
    board_free(b);
}
END_TEST

/* A misaligned word read of a known register: SPCR latch 0x11223344 read
 * at +1 gives 0x223344 followed by the byte after the latch (unmapped:
 * 0xFF); a halfword at +3 gives 0x44FF */
START_TEST(spcr_known_values)
{
    VirtBoard *vb = board();
    uint32_t base = VIRT_SOC_BASE + VIRT_SPCR_OFF;
    bus_write(&vb->bus, base, 0x11223344u, 4);
    ck_assert_uint_eq(bus_read(&vb->bus, base + 1, 4), 0x223344FFu);
    ck_assert_uint_eq(bus_read(&vb->bus, base + 3, 2), 0x44FFu);
    ck_assert_uint_eq(bus_read(&vb->bus, base + 1, 2), 0x2233u);
    bus_write(&vb->bus, base + 1, 0xAABBu, 2);
    ck_assert_uint_eq(bus_read(&vb->bus, base, 4), 0x11AABB44u);
    bus_write(&vb->bus, base + 2, 0xCCDDEEFFu, 4); /* last byte unmapped: dropped */
    ck_assert_uint_eq(bus_read(&vb->bus, base, 4), 0x11AACCDDu);
    board_free(vb);
}
END_TEST

/* The register helpers themselves, for every offset and size, including
 * ones that cross the register (bytes beyond it read 0, writes dropped) */
START_TEST(subword_helpers_defined)
{
    const uint32_t word = 0x11223344u;
    static const unsigned sizes[] = { 1, 2, 4 };
    for (unsigned k = 0; k < 3; k++) {
        unsigned size = sizes[k];
        for (uint32_t off = 0; off < 8; off++) {
            uint32_t want = 0, merged = word;
            for (unsigned i = 0; i < size; i++) {
                unsigned lane = (off & 3) + i;
                want = want << 8 | (lane < 4 ? (word >> (24 - 8 * lane)) & 0xFF : 0);
                if (lane < 4) {
                    uint32_t byte = (0xA1B2C3D4u >> (8 * (size - 1 - i))) & 0xFF;
                    merged = (merged & ~(0xFFu << (24 - 8 * lane))) | byte << (24 - 8 * lane);
                }
            }
            ck_assert_msg(board_subword_read(word, off, size) == want, "read off %u size %u: 0x%x",
                          off, size, board_subword_read(word, off, size));
            uint32_t v = size == 4 ? 0xA1B2C3D4u : 0xA1B2C3D4u & ((1u << (8 * size)) - 1);
            ck_assert_msg(board_subword_merge(word, off, v, size) == merged,
                          "merge off %u size %u: 0x%x want 0x%x", off, size,
                          board_subword_merge(word, off, v, size), merged);
        }
    }
}
END_TEST

Suite *suite_mmio_split(void)
{
    Suite *s = suite_create("mmio_split");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, misaligned_equals_bytes, 0, sizeof devs / sizeof devs[0]);
    tcase_add_test(tc, spcr_known_values);
    tcase_add_test(tc, subword_helpers_defined);
    suite_add_tcase(s, tc);
    return s;
}
