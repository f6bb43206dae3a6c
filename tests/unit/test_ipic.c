/* The IPIC subset Linux's ipic driver uses (linux-notes.md), through the
 * bus: SIVCR, masking with SIMSR_H/L, level-triggered internal sources. */
#include <check.h>
#include <string.h>

#include "boards/ipic.h"
#include "mem/bus.h"

#define BASE 0x80000700u

typedef struct {
    Bus bus;
    Ipic p;
    int cpu_level;
} IEnv;

static void cpu_irq(void *opaque, int n, bool level)
{
    (void)n;
    ((IEnv *)opaque)->cpu_level = level;
}

static IEnv *ienv_new(void)
{
    static IEnv e;
    memset(&e, 0, sizeof(e));
    ck_assert_int_eq(bus_init(&e.bus, 1 << 20, 0xFFF00000u, 1 << 20), 0);
    ipic_init(&e.p, (IrqLine){ cpu_irq, &e, 0 });
    ck_assert_int_eq(bus_add_region(&e.bus, BASE, IPIC_SIZE, &ipic_ops, &e.p, "ipic"), 0);
    return &e;
}

static uint32_t rd(IEnv *e, uint32_t off) { return bus_read(&e->bus, BASE + off, 4); }
static void wr(IEnv *e, uint32_t off, uint32_t v) { bus_write(&e->bus, BASE + off, v, 4); }

/* What Linux's ipic_init and ipic_set_default_priority write */
static void linux_init(IEnv *e)
{
    wr(e, IPIC_SICNR, 0);
    wr(e, IPIC_SICFR, 0);
    wr(e, IPIC_SERCR, 0);
    wr(e, IPIC_SEMSR, rd(e, IPIC_SEMSR) & ~0x00008000u);
    wr(e, IPIC_SIMSR_H, 0);
    wr(e, IPIC_SIMSR_L, 0);
    for (uint32_t r = IPIC_SIPRR_A; r <= IPIC_SIPRR_D; r += 4)
        wr(e, r, 0x05309770);
    wr(e, IPIC_SMPRR_A, 0x05309770);
    wr(e, IPIC_SMPRR_B, 0x05309770);
}

START_TEST(reset_state)
{
    IEnv *e = ienv_new();
    ck_assert_uint_eq(rd(e, IPIC_SIVCR), 0);
    ck_assert_uint_eq(rd(e, IPIC_SIMSR_H), 0);
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_H), 0);
    ck_assert_uint_eq(rd(e, IPIC_SIPRR_A), 0x05309770);
    ck_assert_int_eq(e->cpu_level, 0);
    bus_free(&e->bus);
}
END_TEST

START_TEST(uart_source_masked_then_unmasked)
{
    IEnv *e = ienv_new();
    linux_init(e);
    ipic_set_irq(&e->p, 9, true);
    /* pending shows in SIPNR_H bit 0x80 (source 9 = bit 24) even masked */
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_H), 0x80);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 0);
    ck_assert_int_eq(e->cpu_level, 0);
    /* ipic_unmask_irq: read-modify-write of SIMSR_H */
    wr(e, IPIC_SIMSR_H, rd(e, IPIC_SIMSR_H) | 0x80);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 9);
    ck_assert_int_eq(e->cpu_level, 1);
    /* ipic_mask_irq */
    wr(e, IPIC_SIMSR_H, rd(e, IPIC_SIMSR_H) & ~0x80u);
    ck_assert_int_eq(e->cpu_level, 0);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR), 0);
    bus_free(&e->bus);
}
END_TEST

START_TEST(level_follows_source)
{
    IEnv *e = ienv_new();
    linux_init(e);
    wr(e, IPIC_SIMSR_H, 0x80);
    ipic_set_irq(&e->p, 9, true);
    ck_assert_int_eq(e->cpu_level, 1);
    /* level-triggered: no acknowledge, the source going low ends it */
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 9);
    ck_assert_int_eq(e->cpu_level, 1);
    ipic_set_irq(&e->p, 9, false);
    ck_assert_int_eq(e->cpu_level, 0);
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_H), 0);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 0);
    bus_free(&e->bus);
}
END_TEST

START_TEST(two_sources)
{
    IEnv *e = ienv_new();
    linux_init(e);
    wr(e, IPIC_SIMSR_H, 0x80 | 0x40);
    ipic_set_irq(&e->p, 10, true);
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_H), 0x40);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 10);
    ipic_set_irq(&e->p, 9, true);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 9);
    ipic_set_irq(&e->p, 9, false);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 10);
    ck_assert_int_eq(e->cpu_level, 1);
    ipic_set_irq(&e->p, 10, false);
    ck_assert_int_eq(e->cpu_level, 0);
    bus_free(&e->bus);
}
END_TEST

START_TEST(low_register_sources)
{
    IEnv *e = ienv_new();
    linux_init(e);
    /* source 64 is SIMSR_L bit 0 (0x80000000); source 32 SIMSR_H bit 0 */
    ipic_set_irq(&e->p, 64, true);
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_L), 0x80000000u);
    ck_assert_int_eq(e->cpu_level, 0);
    wr(e, IPIC_SIMSR_L, 0x80000000u);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 64);
    ipic_set_irq(&e->p, 32, true);
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_H), 0x80000000u);
    bus_free(&e->bus);
}
END_TEST

START_TEST(registers_read_back)
{
    IEnv *e = ienv_new();
    wr(e, IPIC_SICFR, 0x00610000);
    wr(e, IPIC_SIPRR_C, 0x12345678);
    wr(e, IPIC_SMPRR_B, 0x9ABCDEF0);
    wr(e, IPIC_SEMSR, 0xFF000000);
    ck_assert_uint_eq(rd(e, IPIC_SICFR), 0x00610000);
    ck_assert_uint_eq(rd(e, IPIC_SIPRR_C), 0x12345678);
    ck_assert_uint_eq(rd(e, IPIC_SMPRR_B), 0x9ABCDEF0);
    ck_assert_uint_eq(rd(e, IPIC_SEMSR), 0xFF000000);
    /* SIVCR and SIPNR are read-only */
    wr(e, IPIC_SIVCR, 0x7F);
    wr(e, IPIC_SIPNR_H, 0xFFFFFFFF);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR), 0);
    ck_assert_uint_eq(rd(e, IPIC_SIPNR_H), 0);
    /* byte access to a 32-bit register: big-endian lanes */
    ck_assert_uint_eq(bus_read(&e->bus, BASE + IPIC_SIPRR_C + 1, 1), 0x34);
    bus_write(&e->bus, BASE + IPIC_SIMSR_H + 3, 0x80, 1);
    ck_assert_uint_eq(rd(e, IPIC_SIMSR_H), 0x80);
    bus_free(&e->bus);
}
END_TEST

START_TEST(forced_source)
{
    IEnv *e = ienv_new();
    wr(e, IPIC_SIMSR_H, 0x80);
    wr(e, IPIC_SIFCR_H, 0x80);
    ck_assert_uint_eq(rd(e, IPIC_SIVCR) & 0x7F, 9);
    ck_assert_int_eq(e->cpu_level, 1);
    wr(e, IPIC_SIFCR_H, 0);
    ck_assert_int_eq(e->cpu_level, 0);
    bus_free(&e->bus);
}
END_TEST

Suite *suite_ipic(void)
{
    Suite *s = suite_create("ipic");
    TCase *tc = tcase_create("ipic");
    tcase_add_test(tc, reset_state);
    tcase_add_test(tc, uart_source_masked_then_unmasked);
    tcase_add_test(tc, level_follows_source);
    tcase_add_test(tc, two_sources);
    tcase_add_test(tc, low_register_sources);
    tcase_add_test(tc, registers_read_back);
    tcase_add_test(tc, forced_source);
    suite_add_tcase(s, tc);
    return s;
}
