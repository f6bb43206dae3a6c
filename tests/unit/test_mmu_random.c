/* Randomised MMU consistency: random BATs, segment registers, page tables
 * and accesses.  Properties (none computed by the translation itself):
 *  - a load returns the word stored at the physical address the MMU's
 *    side-effect-free probe names, whether it came through the slow path
 *    or the soft TLB's fast path (repeated accesses hit the TLB);
 *  - a store lands there;
 *  - a fault is a DSI/ISI at the right vector whose DSISR/SRR1 holds only
 *    the architected cause bits, with DAR = the EA;
 *  - nothing crashes the host (run it under make asan). */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/test_sys_insn.h"

static uint32_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* The guest's data lives in 0x400000..0xFFFFFF; page table at 0x100000 */
#define DATA_LO 0x00400000u
#define DATA_PAGES 0xC00u

static uint32_t rnd_rpn(void)
{
    return DATA_LO + (rnd() % DATA_PAGES) * 0x1000u;
}

static void random_config(CpuEnv *e)
{
    PPCState *s = &e->cpu;
    s->sdr1 = 0x00100000u | (rnd() & 1);
    for (int i = 0; i < 16; i++) {
        uint32_t sr = (rnd() % 4) | (rnd() & 0x70000000u);
        if (rnd() % 16 == 0)
            sr |= 0x80000000u; /* direct-store */
        s->sr[i] = sr;
    }
    for (int i = 0; i < 4; i++) {
        uint32_t bl = rnd() % 3 == 0 ? 0x7FF : rnd() & 0xF;
        uint32_t bepi = (rnd() & 0xF0000000u) | ((rnd() & 0x7u) << 17);
        uint32_t u = rnd() % 3 ? (bepi & ~(bl << 17)) | (bl << 2) | (rnd() & 3) : 0;
        uint32_t brpn = (DATA_LO + (rnd() % 0x40) * 0x20000u) & ~(bl << 17);
        uint32_t l = brpn | ((rnd() & 0x1) << 3) | (rnd() & 3); /* G sometimes, PP */
        if (bl & 0x7F0) /* large blocks: physical 0, read-only to spare the page table */
            l = (rnd() & 0x8) | 1;
        s->ibat[2 * i] = rnd() % 2 ? u : 0;
        s->ibat[2 * i + 1] = l;
        s->dbat[2 * i] = rnd() % 2 ? u : 0;
        s->dbat[2 * i + 1] = l;
    }
    /* PTEs for segments' VSIDs 0-3, pages 0-15 of each segment, API 0 */
    for (uint32_t a = 0x100000; a < 0x120000; a += 4)
        cpuenv_write32(e, a, 0);
    for (int k = 0; k < 150; k++) {
        uint32_t vsid = rnd() % 4, pg = rnd() % 16, h = rnd() & 1;
        uint32_t hash = (vsid ^ pg) & 0x7FFFF;
        if (h)
            hash = ~hash & 0x7FFFF;
        uint32_t mask = s->sdr1 & 0x1FF;
        uint32_t pteg = 0x100000u | (((hash >> 10) & mask) << 16) | ((hash & 0x3FF) << 6);
        uint32_t slot = pteg + 8 * (rnd() % 8);
        cpuenv_write32(e, slot, 0x80000000u | (vsid << 7) | (h << 6));
        cpuenv_write32(e, slot + 4, rnd_rpn() | (rnd() & 0x188u) | (rnd() & 3));
    }
    ppc_tlb_flush(s);
}

static uint32_t rnd_ea(void)
{
    uint32_t seg = rnd() % 16, pg = rnd() % 16;
    return (seg << 28) | (pg << 12) | ((rnd() & 0x3FF) << 2);
}

static void check_fault(CpuEnv *e, int access, uint32_t ea)
{
    PPCState *s = &e->cpu;
    if (access == PPC_ACC_FETCH) {
        ck_assert_uint_eq(s->pc, 0x400);
        ck_assert_uint_eq(s->srr0, ea);
        uint32_t bits = s->srr1 & 0xFFFF0000u;
        ck_assert(bits == 0x40000000u || bits == 0x10000000u || bits == 0x08000000u);
        return;
    }
    ck_assert_uint_eq(s->pc, 0x300);
    ck_assert_uint_eq(s->dar, ea);
    uint32_t cause = s->dsisr & ~0x02000000u;
    ck_assert(cause == 0x40000000u || cause == 0x08000000u || cause == 0x04000000u);
    ck_assert_uint_eq(!!(s->dsisr & 0x02000000u), access == PPC_ACC_WRITE);
}

static void one_access(CpuEnv *e, uint32_t msr, uint32_t ea, int access)
{
    PPCState *s = &e->cpu;
    PPCOp op = { 0 };
    s->block_ea = 0x3000;
    uint32_t pa, v = 0;
    uint32_t probe = ppc_mmu_probe(s, ea, access, &pa);
    int r;
    if (access == PPC_ACC_READ) {
        r = ppc_ld32(s, &op, ea, &v);
    } else if (access == PPC_ACC_WRITE) {
        v = rnd();
        r = ppc_st32(s, &op, ea, v);
    } else {
        r = ppc_translate(s, NULL, ea, PPC_ACC_FETCH, &pa);
    }
    if (r) {
        ck_assert_uint_ne(probe, 0);
        check_fault(e, access, ea);
        s->msr = msr; /* back to the mode under test */
        s->pc = 0;
        return;
    }
    ck_assert_uint_eq(probe, 0);
    /* loads: RAM or the all-ones of unmapped space; stores: RAM only
     * (unmapped stores are dropped) */
    if (access == PPC_ACC_READ || (access == PPC_ACC_WRITE && pa < e->bus.ram_size))
        ck_assert_uint_eq(cpuenv_read32(e, pa), v);
}

START_TEST(random_translations_agree)
{
    CpuEnv *e = sys_env();
    rng_state = 0x9E3779B9u + (uint32_t)_i * 7919u;
    for (int round = 0; round < 40; round++) {
        random_config(e);
        uint32_t msr = MSR_FP | (rnd() & (MSR_IR | MSR_DR | MSR_PR));
        e->cpu.msr = msr;
        ppc_tlb_flush(&e->cpu);
        for (int k = 0; k < 300; k++) {
            uint32_t ea = rnd_ea();
            int access = (int)(rnd() % 3);
            /* each access twice: the second may come from the soft TLB */
            one_access(e, msr, ea, access);
            one_access(e, msr, ea, access);
            if (rnd() % 64 == 0) {
                e->cpu.sr[rnd() % 16] ^= 0x60000000u; /* flip Ks/Kp */
                ppc_tlb_flush(&e->cpu);
            }
        }
    }
    cpuenv_free(e);
}
END_TEST

Suite *suite_mmu_random(void)
{
    Suite *s = suite_create("mmu_random");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, random_translations_agree, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}
