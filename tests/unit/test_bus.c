/* The bus's memory tracking (mem/bus.h): every writer drops translated
 * code, and the dirty log keeps one independent view per consumer, kept
 * exact across the CPU's soft-TLB write tags. */
#include <check.h>
#include <string.h>

#include "tests/lib/cpuenv.h"
#include "tests/lib/snapenv.h"

#define ENC_D(op, d, a, imm) (((uint32_t)(op) << 26) | ((d) << 21) | ((a) << 16) | ((imm) & 0xFFFFu))
#define ENC_ADDI(d, a, imm) ENC_D(14, d, a, imm)
#define ENC_STW(s, a, d) ENC_D(36, s, a, d)
#define B_SELF 0x48000000u /* b . */

#define CODE 0x2000u  /* addi r3,r3,N ; b . */
#define STORE 0x3000u /* stw r5,0(r4) ; b . */
#define PAGE(pa) ((pa) >> BUS_PAGE_BITS)

static CpuEnv *env(void)
{
    CpuEnv *e = cpuenv_new(1);
    uint32_t code[] = { ENC_ADDI(3u, 3u, 1), B_SELF };
    cpuenv_put_code(e, CODE, code, 2);
    uint32_t st[] = { ENC_STW(5u, 4u, 0), B_SELF };
    cpuenv_put_code(e, STORE, st, 2);
    return e;
}

static void run1(CpuEnv *e, uint32_t pc)
{
    e->cpu.pc = pc;
    ck_assert_int_eq(ppc_run(&e->cpu, 1), PPC_RUN_BUDGET);
}

/* The CPU stores r5 to pa (real mode: EA = PA) */
static void cpu_store(CpuEnv *e, uint32_t pa, uint32_t v)
{
    e->cpu.gpr[4] = pa;
    e->cpu.gpr[5] = v;
    run1(e, STORE);
    ck_assert_uint_eq(cpuenv_read32(e, pa), v);
}

static const PPCTLBEntry *tlb_of(CpuEnv *e, uint32_t ea)
{
    return &e->cpu.tlb[PPC_TLB_IDX(ea)];
}

static BusDirtyLog *clean_log(CpuEnv *e, const char *name)
{
    BusDirtyLog *l = bus_dirty_log_new(&e->bus, name);
    ck_assert_ptr_nonnull(l);
    bus_dirty_log_sync(l);
    bus_dirty_log_clear(l, 0, e->bus.ram_size);
    ck_assert_uint_eq(bus_dirty_log_count(l), 0);
    return l;
}

/* ---- code invalidation by writers other than the CPU ---- */

enum { BY_BUS_WRITE, BY_WRITE_RAM, BY_HOST_PTR, N_WRITERS };

static void device_write32(CpuEnv *e, int how, uint32_t pa, uint32_t v)
{
    uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    bool writable;
    uint8_t *host;
    switch (how) {
    case BY_BUS_WRITE: /* a device's or the monitor's word write */
        bus_write(&e->bus, pa, v, 4);
        break;
    case BY_WRITE_RAM: /* a loader, a debugger, an incoming stream */
        ck_assert_int_eq(bus_write_ram(&e->bus, pa, be, 4), 0);
        break;
    default: /* DMA through a host pointer, then reported */
        host = bus_host_ptr(&e->bus, pa, &writable);
        ck_assert(host && writable);
        memcpy(host, be, 4);
        bus_ram_written(&e->bus, pa, 4);
        break;
    }
}

/* A write into a page holding translated code, made by anything but the
 * CPU, makes the CPU run the new code (no icbi, no explicit invalidation) */
START_TEST(foreign_write_drops_code)
{
    CpuEnv *e = env();
    run1(e, CODE);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert(bus_page_has_code(&e->bus, CODE));
    device_write32(e, _i, CODE, ENC_ADDI(3u, 3u, 16));
    ck_assert(!bus_page_has_code(&e->bus, CODE));
    run1(e, CODE);
    ck_assert_uint_eq(e->cpu.gpr[3], 17);
    cpuenv_free(e);
}
END_TEST

/* Code in a page that a foreign write does not touch stays translated */
START_TEST(foreign_write_elsewhere_keeps_code)
{
    CpuEnv *e = env();
    run1(e, CODE);
    device_write32(e, _i, CODE + 0x1000u * 8, 0x12345678);
    ck_assert(bus_page_has_code(&e->bus, CODE));
    cpuenv_free(e);
}
END_TEST

/* The ROM's code is not in the code-page map: a load into it still drops it */
START_TEST(rom_load_drops_code)
{
    CpuEnv *e = env();
    const uint32_t rom = 0xFFF00100u;
    uint8_t prog[8] = { 0x38, 0x63, 0x00, 0x01, 0x48, 0x00, 0x00, 0x00 }; /* addi r3,r3,1; b . */
    ck_assert_int_eq(bus_write_ram(&e->bus, rom, prog, sizeof(prog)), 0);
    run1(e, rom);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    prog[3] = 0x20; /* addi r3,r3,32 */
    ck_assert_int_eq(bus_write_ram(&e->bus, rom, prog, sizeof(prog)), 0);
    run1(e, rom);
    ck_assert_uint_eq(e->cpu.gpr[3], 33);
    cpuenv_free(e);
}
END_TEST

/* A range that is not wholly RAM or wholly ROM writes nothing */
START_TEST(write_ram_refuses_partial_ranges)
{
    CpuEnv *e = env();
    uint8_t buf[8];
    memset(buf, 0xAB, sizeof(buf));
    uint32_t end = e->bus.ram_size;
    ck_assert_int_eq(bus_write_ram(&e->bus, end - 4, buf, 8), -1);
    ck_assert_uint_eq(cpuenv_read32(e, end - 4), 0);
    ck_assert_int_eq(bus_write_ram(&e->bus, 0xFFFFFFFCu, buf, 8), -1); /* wraps */
    ck_assert_int_eq(bus_write_ram(&e->bus, 0xFFFFFFF8u, buf, 8), 0);  /* ROM's end */
    ck_assert_int_eq(bus_write_ram(&e->bus, end - 8, buf, 8), 0);
    ck_assert_uint_eq(cpuenv_read32(e, end - 4), 0xABABABABu);
    cpuenv_free(e);
}
END_TEST

/* ---- the dirty log ---- */

/* A new view has every page dirty; next and count walk what is set */
START_TEST(view_starts_dirty_then_tracks)
{
    CpuEnv *e = env();
    uint32_t npages = PAGE(e->bus.ram_size);
    BusDirtyLog *l = bus_dirty_log_new(&e->bus, "display");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(bus_dirty_log_name(l), "display");
    ck_assert_uint_eq(bus_dirty_log_count(l), npages);
    ck_assert_uint_eq(bus_dirty_log_next(l, 0), 0);
    ck_assert(bus_dirty_log_get(l, npages - 1));
    ck_assert(!bus_dirty_log_get(l, npages));
    bus_dirty_log_sync(l); /* env()'s code writes are pending */
    bus_dirty_log_clear(l, 0, e->bus.ram_size);
    ck_assert_uint_eq(bus_dirty_log_next(l, 0), npages);
    bus_write(&e->bus, 7 * 4096 + 12, 1, 4);
    bus_write(&e->bus, 200 * 4096 - 2, 0xFFFF, 4); /* straddles pages 199 and 200 */
    ck_assert_uint_eq(bus_dirty_log_count(l), 0);   /* not until a sync */
    bus_dirty_log_sync(l);
    ck_assert_uint_eq(bus_dirty_log_count(l), 3);
    ck_assert_uint_eq(bus_dirty_log_next(l, 0), 7);
    ck_assert_uint_eq(bus_dirty_log_next(l, 8), 199);
    ck_assert_uint_eq(bus_dirty_log_next(l, 200), 200);
    ck_assert_uint_eq(bus_dirty_log_next(l, 201), npages);
    bus_dirty_log_free(l);
    cpuenv_free(e);
}
END_TEST

/* Two consumers clear their own views; neither loses the other's pages,
 * whoever syncs first */
START_TEST(two_views_clear_independently)
{
    CpuEnv *e = env();
    BusDirtyLog *mig = clean_log(e, "migration"), *disp = clean_log(e, "display");
    const uint32_t p = 0x5000, q = 0x9000;
    cpu_store(e, p, 0x11111111);
    bus_dirty_log_sync(mig);
    ck_assert(bus_dirty_log_get(mig, PAGE(p)));
    bus_dirty_log_clear(mig, p, 4096);
    ck_assert(!bus_dirty_log_get(mig, PAGE(p)));
    bus_dirty_log_sync(disp);
    ck_assert(bus_dirty_log_get(disp, PAGE(p)));
    /* the other way round, with a device's write */
    bus_write(&e->bus, q, 5, 4);
    bus_dirty_log_sync(disp);
    bus_dirty_log_clear(disp, 0, e->bus.ram_size);
    bus_dirty_log_sync(mig);
    ck_assert(bus_dirty_log_get(mig, PAGE(q)));
    ck_assert(!bus_dirty_log_get(mig, PAGE(p)));
    ck_assert_uint_eq(bus_dirty_log_count(mig), 1);
    ck_assert_uint_eq(bus_dirty_log_count(disp), 0);
    /* a view freed early takes nothing from the rest */
    bus_dirty_log_free(disp);
    bus_ram_written(&e->bus, p, 1);
    bus_dirty_log_sync(mig);
    ck_assert_uint_eq(bus_dirty_log_count(mig), 2);
    cpuenv_free(e); /* bus_free frees mig */
}
END_TEST

/* The CPU's store installs a write tag once it has marked the page; later
 * stores through the tag mark nothing.  After a consumer's sync and clear
 * the next store must be seen by that consumer all the same. */
START_TEST(store_through_write_tag_after_clear)
{
    CpuEnv *e = env();
    BusDirtyLog *mig = clean_log(e, "migration"), *disp = clean_log(e, "display");
    const uint32_t p = 0x5000;
    cpu_store(e, p, 1);
    cpu_store(e, p + 8, 2); /* through the tag */
    ck_assert_uint_eq(tlb_of(e, p)->tag_w, p);
    for (int round = 0; round < 3; round++) {
        bus_dirty_log_sync(mig);
        ck_assert(bus_dirty_log_get(mig, PAGE(p)));
        bus_dirty_log_clear(mig, p, 4096);
        cpu_store(e, p + 4, 3 + (uint32_t)round);
        ck_assert_uint_eq(tlb_of(e, p)->tag_w, p); /* the fast path is back */
        cpu_store(e, p + 12, 9);
    }
    bus_dirty_log_sync(mig);
    ck_assert(bus_dirty_log_get(mig, PAGE(p)));
    bus_dirty_log_sync(disp);
    ck_assert(bus_dirty_log_get(disp, PAGE(p)));
    ck_assert_uint_eq(bus_dirty_log_count(disp), 1);
    cpuenv_free(e);
}
END_TEST

/* Loads never dirty a page, and a page holding code never gets a write tag */
START_TEST(grant_write_rules)
{
    CpuEnv *e = env();
    BusDirtyLog *l = clean_log(e, "migration");
    uint32_t v;
    ck_assert_int_eq(ppc_ld32(&e->cpu, NULL, 0x6000, &v), 0);
    bus_dirty_log_sync(l);
    ck_assert_uint_eq(bus_dirty_log_count(l), 0);
    run1(e, CODE); /* CODE's page now holds code */
    cpu_store(e, CODE + 0x100, 7);
    ck_assert_uint_ne(tlb_of(e, CODE)->tag_w, CODE);
    bus_dirty_log_sync(l);
    ck_assert(bus_dirty_log_get(l, PAGE(CODE)));
    cpuenv_free(e);
}
END_TEST

/* A loadvm rewrites all of RAM: every view sees every page written, and
 * the guest runs on from the loaded code (the snapshot's commit_ram) */
START_TEST(loadvm_dirties_every_page)
{
    SnapEnv *e = snapenv_new(16, true);
    if (!e)
        return;
    Bus *bus = &e->m->vb.bus;
    snapenv_run_to(e, 300000);
    ck_assert_int_eq(snapenv_mon(e, "savevm b"), 0);
    uint32_t d0 = snapenv_digest(e, true);
    BusDirtyLog *l = bus_dirty_log_new(bus, "display");
    ck_assert_ptr_nonnull(l);
    bus_dirty_log_sync(l);
    bus_dirty_log_clear(l, 0, bus->ram_size);
    ck_assert_int_eq(snapenv_mon(e, "loadvm b"), 0);
    bus_dirty_log_sync(l);
    ck_assert_uint_eq(bus_dirty_log_count(l), PAGE(bus->ram_size));
    ck_assert_uint_eq(snapenv_digest(e, true), d0);
    snapenv_free(e);
}
END_TEST

Suite *suite_bus(void)
{
    Suite *s = suite_create("bus");
    TCase *tc = tcase_create("code");
    tcase_add_loop_test(tc, foreign_write_drops_code, 0, N_WRITERS);
    tcase_add_loop_test(tc, foreign_write_elsewhere_keeps_code, 0, N_WRITERS);
    tcase_add_test(tc, rom_load_drops_code);
    tcase_add_test(tc, write_ram_refuses_partial_ranges);
    suite_add_tcase(s, tc);
    tc = tcase_create("dirty");
    tcase_add_test(tc, view_starts_dirty_then_tracks);
    tcase_add_test(tc, two_views_clear_independently);
    tcase_add_test(tc, store_through_write_tag_after_clear);
    tcase_add_test(tc, grant_write_rules);
    tcase_add_test(tc, loadvm_dirties_every_page);
    suite_add_tcase(s, tc);
    return s;
}
