/* The MMU: BATs, the hashed page table (primary and secondary PTEG), R/C
 * recording, PP/key protection, N and T=1 segments, DSI/ISI contents,
 * tlbie, BAT writes, remapped code, DABR.  PTEG addresses and PTE words
 * are worked out by hand below from PEM 7.6 (SDR1 = 0x00100000: HTABORG
 * 0x00100000, HTABMASK 0, a 64 KiB table). */
#include <check.h>

#include "tests/unit/test_sys_insn.h"

#define SDR1 0x00100000u

/* Segment 1: VSID 0x123.
 * EA 0x10005000: page index 5, hash 0x123^5 = 0x126, PTEG 0x100000 +
 *   0x126*64 = 0x104980; API 0; word 0 = V | 0x123<<7 = 0x80009180.
 * EA 0x10006000: hash 0x125, secondary hash 0x7FEDA, PTEG 0x100000 +
 *   0x2DA*64 = 0x10B680; word 0 = 0x80009180 | H = 0x800091C0.
 * EA 0x10C07000: page index 0xC07, API 3, hash 0xD24; PTEG 0x104900 with
 *   HTABMASK 0, 0x114900 with HTABMASK 1 (hash bit 0x400 selects). */
#define SR1 0x00000123u
#define EA_P 0x10005000u
#define PTE_P 0x00104990u /* slot 2 of the primary PTEG */
#define W0_P 0x80009180u
#define EA_S 0x10006000u
#define PTE_S 0x0010B6B8u /* slot 7 of the secondary PTEG */
#define W0_S 0x800091C0u

/* Segment 2: VSID 0x456; EA 0x20000000: hash 0x456, PTEG 0x100000 +
 * 0x056*64 = 0x101580, word 0 = 0x80000000 | 0x456<<7 = 0x80022B00 */
#define EA_X 0x20000000u
#define PTE_X 0x00101580u
#define W0_X 0x80022B00u

static void put_pte(CpuEnv *e, uint32_t addr, uint32_t w0, uint32_t w1)
{
    cpuenv_write32(e, addr, w0);
    cpuenv_write32(e, addr + 4, w1);
}

static CpuEnv *mmu_env(void)
{
    CpuEnv *e = sys_env();
    e->cpu.sdr1 = SDR1;
    e->cpu.sr[1] = SR1;
    e->cpu.sr[2] = 0x456;
    cpuenv_write32(e, 0x345010, 0xCAFEBABE);
    cpuenv_write32(e, 0x346010, 0x600DF00D);
    cpuenv_write32(e, 0x347010, 0xDEADBEEF);
    return e;
}

/* lwz r4,0x10(r3) at 0x3000 with data translation on */
static void load(CpuEnv *e, uint32_t ea, uint32_t msr)
{
    uint32_t code[] = { I_LWZ(4, 0x10, 3), I_BSELF };
    e->cpu.gpr[3] = ea;
    e->cpu.gpr[4] = 0x5A5A5A5A;
    sys_run(e, 0x3000, code, 2, msr, 1);
}

static void store(CpuEnv *e, uint32_t ea, uint32_t v, uint32_t msr)
{
    uint32_t code[] = { I_STW(5, 0x10, 3), I_BSELF };
    e->cpu.gpr[3] = ea;
    e->cpu.gpr[5] = v;
    sys_run(e, 0x3000, code, 2, msr, 1);
}

static void assert_dsi(CpuEnv *e, uint32_t dsisr, uint32_t dar, uint32_t msr)
{
    ck_assert_uint_eq(e->cpu.pc, 0x300);
    ck_assert_uint_eq(e->cpu.srr0, 0x3000);
    ck_assert_uint_eq(e->cpu.srr1, msr & 0xFFFF);
    ck_assert_uint_eq(e->cpu.dsisr, dsisr);
    ck_assert_uint_eq(e->cpu.dar, dar);
}

#define MSR_D (MSR_DR | MSR_FP)

START_TEST(primary_hash_and_rc)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345002); /* RPN 0x345, PP 10 */
    load(e, EA_P, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0xCAFEBABE);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_P + 4), 0x00345102); /* R */
    /* C is still 0: no fast-path store access yet */
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(EA_P)].tag_r, EA_P);
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(EA_P)].tag_w, PPC_TLB_INVALID);
    uint32_t code[] = { I_LWZ(4, 0x10, 3), I_STW(5, 0x14, 3), I_BSELF };
    e->cpu.gpr[5] = 0x12345678;
    cpuenv_put_code(e, 0x3100, code, 3);
    e->cpu.pc = 0x3100; /* TLB kept: the store must still set C */
    ppc_run(&e->cpu, 2);
    ck_assert_uint_eq(cpuenv_read32(e, 0x345014), 0x12345678);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_P + 4), 0x00345182); /* R C */
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(EA_P)].tag_w, EA_P);
    cpuenv_free(e);
}
END_TEST

START_TEST(store_first_sets_r_and_c)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345002);
    store(e, EA_P, 0x0BADCAFE, MSR_D);
    ck_assert_uint_eq(cpuenv_read32(e, 0x345010), 0x0BADCAFE);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_P + 4), 0x00345182);
    cpuenv_free(e);
}
END_TEST

START_TEST(secondary_hash)
{
    CpuEnv *e = mmu_env();
    /* EA_S's primary PTEG (hash 0x125: 0x104940) holds another page's
     * entry (API 5); the secondary holds EA_S's */
    put_pte(e, 0x104940 + 8, W0_P | 5, 0x00345002);
    put_pte(e, PTE_S, W0_S, 0x00346002);
    load(e, EA_S, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x600DF00D);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_S + 4), 0x00346102);
    cpuenv_free(e);
}
END_TEST

/* The secondary PTEG's entry must carry H = 1, the primary's H = 0 */
START_TEST(h_bit_must_match)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_S, W0_P, 0x00346002); /* H = 0 in the secondary PTEG */
    load(e, EA_S, MSR_D);
    assert_dsi(e, 0x40000000, EA_S + 0x10, MSR_D);
    put_pte(e, PTE_S, 0, 0);
    put_pte(e, 0x104940 + 56, W0_S, 0x00346002); /* H = 1 in the primary */
    load(e, EA_S, MSR_D);
    ck_assert_uint_eq(e->cpu.pc, 0x300);
    cpuenv_free(e);
}
END_TEST

START_TEST(api_and_htabmask)
{
    CpuEnv *e = mmu_env();
    put_pte(e, 0x104900, 0x80009183, 0x00347002);
    load(e, 0x10C07000, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0xDEADBEEF);
    e->cpu.sdr1 = SDR1 | 1; /* HTABMASK 1: hash bit 0x400 picks the upper 64 KiB */
    load(e, 0x10C07000, MSR_D);
    assert_dsi(e, 0x40000000, 0x10C07010, MSR_D);
    put_pte(e, 0x114900, 0x80009183, 0x00346002);
    load(e, 0x10C07000, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x600DF00D);
    cpuenv_free(e);
}
END_TEST

START_TEST(no_translation_dsi)
{
    CpuEnv *e = mmu_env();
    load(e, 0x10007000, MSR_D | MSR_EE);
    assert_dsi(e, 0x40000000, 0x10007010, MSR_D | MSR_EE);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x5A5A5A5A);
    store(e, 0x10007000, 1, MSR_D);
    assert_dsi(e, 0x42000000, 0x10007010, MSR_D);
    /* SRR0 is the faulting instruction, not its block's start */
    uint32_t code[] = { I_ADDI(6, 6, 1), I_ADDI(6, 6, 1), I_LWZ(4, 0, 3), I_BSELF };
    e->cpu.gpr[3] = 0x10007FFC;
    sys_run(e, 0x3000, code, 4, MSR_D, 3);
    ck_assert_uint_eq(e->cpu.srr0, 0x3008);
    ck_assert_uint_eq(e->cpu.dar, 0x10007FFC);
    ck_assert_uint_eq(e->cpu.gpr[6], 2);
    cpuenv_free(e);
}
END_TEST

/* PEM Table 7-10, by hand: key 0: PP 00/01/10 read-write, 11 read-only;
 * key 1: 00 none, 01 read-only, 10 read-write, 11 read-only */
static const struct {
    unsigned key, pp;
    bool rd, wr;
} prot_cases[] = {
    { 0, 0, true, true },  { 0, 1, true, true }, { 0, 2, true, true },  { 0, 3, true, false },
    { 1, 0, false, false }, { 1, 1, true, false }, { 1, 2, true, true }, { 1, 3, true, false },
};

static void check_prot(CpuEnv *e, unsigned i, uint32_t msr)
{
    load(e, EA_P, msr);
    if (prot_cases[i].rd)
        ck_assert_uint_eq(e->cpu.gpr[4], 0xCAFEBABE);
    else
        assert_dsi(e, 0x08000000, EA_P + 0x10, msr);
    store(e, EA_P, 0x77, msr);
    if (prot_cases[i].wr) {
        ck_assert_uint_eq(e->cpu.pc, 0x3004);
        ck_assert_uint_eq(cpuenv_read32(e, 0x345010), 0x77);
    } else {
        assert_dsi(e, 0x0A000000, EA_P + 0x10, msr);
        ck_assert_uint_eq(cpuenv_read32(e, 0x345010), 0xCAFEBABE);
        /* a refused store does not set C */
        ck_assert_uint_eq(cpuenv_read32(e, PTE_P + 4) & 0x80, 0);
    }
}

START_TEST(protection_supervisor_ks)
{
    CpuEnv *e = mmu_env();
    /* Kp is the opposite of Ks, to show which one counts */
    e->cpu.sr[1] = SR1 | (prot_cases[_i].key ? 0x40000000u : 0x20000000u);
    put_pte(e, PTE_P, W0_P, 0x00345000 | prot_cases[_i].pp);
    check_prot(e, _i, MSR_D);
    cpuenv_free(e);
}
END_TEST

START_TEST(protection_user_kp)
{
    CpuEnv *e = mmu_env();
    /* Ks is the opposite of Kp, to show which one counts */
    e->cpu.sr[1] = SR1 | (prot_cases[_i].key ? 0x20000000u : 0x40000000u);
    put_pte(e, PTE_P, W0_P, 0x00345000 | prot_cases[_i].pp);
    check_prot(e, _i, MSR_D | MSR_PR);
    cpuenv_free(e);
}
END_TEST

/* Instruction side: code at PA 0x400000 (addi r3,r3,1; b .) and at
 * 0x401000 (addi r3,r3,0x10; b .) */
static CpuEnv *itlb_env(void)
{
    CpuEnv *e = mmu_env();
    uint32_t a[] = { I_ADDI(3, 3, 1), I_BSELF }, b[] = { I_ADDI(3, 3, 0x10), I_BSELF };
    cpuenv_put_code(e, 0x400000, a, 2);
    cpuenv_put_code(e, 0x401000, b, 2);
    return e;
}

static void fetch_at(CpuEnv *e, uint32_t ea, uint32_t msr)
{
    e->cpu.gpr[3] = 0;
    e->cpu.msr = msr;
    ppc_tlb_flush(&e->cpu);
    e->cpu.pc = ea;
    ppc_run(&e->cpu, 2);
}

static void assert_isi(CpuEnv *e, uint32_t ea, uint32_t bits, uint32_t msr)
{
    ck_assert_uint_eq(e->cpu.pc, 0x400);
    ck_assert_uint_eq(e->cpu.srr0, ea);
    ck_assert_uint_eq(e->cpu.srr1, bits | (msr & 0xFFFF));
    ck_assert_uint_eq(e->cpu.gpr[3], 0);
}

#define MSR_I (MSR_IR | MSR_FP)

START_TEST(isi_cases)
{
    CpuEnv *e = itlb_env();
    put_pte(e, PTE_X, W0_X, 0x00400002);
    fetch_at(e, EA_X, MSR_I);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert_uint_eq(e->cpu.pc, EA_X + 4);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_X + 4), 0x00400102); /* R on fetch */
    /* no PTE for the next page */
    fetch_at(e, EA_X + 0x1000, MSR_I);
    assert_isi(e, EA_X + 0x1000, 0x40000000, MSR_I);
    /* N segment */
    e->cpu.sr[2] = 0x10000456;
    fetch_at(e, EA_X, MSR_I | MSR_EE);
    assert_isi(e, EA_X, 0x10000000, MSR_I | MSR_EE);
    /* key 1, PP 00: no access */
    e->cpu.sr[2] = 0x40000456;
    put_pte(e, PTE_X, W0_X, 0x00400000);
    fetch_at(e, EA_X, MSR_I);
    assert_isi(e, EA_X, 0x08000000, MSR_I);
    /* guarded page (WIMG 0001) */
    e->cpu.sr[2] = 0x456;
    put_pte(e, PTE_X, W0_X, 0x0040000A);
    fetch_at(e, EA_X, MSR_I);
    assert_isi(e, EA_X, 0x10000000, MSR_I);
    /* direct-store segment */
    e->cpu.sr[2] = 0x80000456;
    fetch_at(e, EA_X, MSR_I);
    assert_isi(e, EA_X, 0x10000000, MSR_I);
    cpuenv_free(e);
}
END_TEST

START_TEST(direct_store_segment_dsi)
{
    CpuEnv *e = mmu_env();
    e->cpu.sr[3] = 0x80000000;
    load(e, 0x30000000, MSR_D);
    assert_dsi(e, 0x04000000, 0x30000010, MSR_D);
    store(e, 0x30000000, 1, MSR_D);
    assert_dsi(e, 0x06000000, 0x30000010, MSR_D);
    cpuenv_free(e);
}
END_TEST

/* Blocks are keyed by physical address: after a remap the new code runs */
START_TEST(remapped_code_runs)
{
    CpuEnv *e = itlb_env();
    put_pte(e, PTE_X, W0_X, 0x00400002);
    fetch_at(e, EA_X, MSR_I);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    put_pte(e, PTE_X, W0_X, 0x00401002);
    fetch_at(e, EA_X, MSR_I);
    ck_assert_uint_eq(e->cpu.gpr[3], 0x10);
    cpuenv_free(e);
}
END_TEST

/* tlbie drops the cached translation (and its EA[14-19] class) */
START_TEST(tlbie_invalidates)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345002);
    uint32_t a[] = { I_LWZ(4, 0x10, 3), I_BSELF };
    uint32_t b[] = { I_TLBIE(6), I_LWZ(5, 0x10, 3), I_BSELF };
    cpuenv_put_code(e, 0x3000, a, 2);
    cpuenv_put_code(e, 0x3100, b, 3);
    e->cpu.gpr[3] = EA_P;
    e->cpu.gpr[6] = EA_P + 0x40000; /* same EA[14-19] */
    e->cpu.msr = MSR_D;
    ppc_tlb_flush(&e->cpu);
    e->cpu.pc = 0x3000;
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(e->cpu.gpr[4], 0xCAFEBABE);
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(EA_P)].tag_r, EA_P);
    put_pte(e, PTE_P, W0_P, 0x00347002);
    e->cpu.pc = 0x3100;
    ppc_run(&e->cpu, 2);
    ck_assert_uint_eq(e->cpu.gpr[5], 0xDEADBEEF);
    cpuenv_free(e);
}
END_TEST

/* mtsr drops the segment's cached translations (Linux's KUAP flips Ks
 * with mtsr) and only those */
START_TEST(mtsr_flushes_its_segment)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345000); /* PP 00: key 1 has no access */
    e->cpu.dbat[0] = 0xC0000002;
    e->cpu.dbat[1] = 0x00200002;
    uint32_t a[] = { I_LWZ(4, 0x10, 3), I_LWZ(8, 0, 9), I_BSELF };
    uint32_t b[] = { I_MTSR(1, 7), I_BSELF };
    cpuenv_put_code(e, 0x3100, b, 2);
    e->cpu.gpr[3] = EA_P;
    e->cpu.gpr[9] = 0xC0010000; /* TLB index 0x10: not shared with code */
    e->cpu.gpr[7] = SR1 | 0x40000000; /* Ks = 1 */
    sys_run(e, 0x3000, a, 3, MSR_D, 2);
    ck_assert_uint_eq(e->cpu.gpr[4], 0xCAFEBABE);
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(EA_P)].tag_r, EA_P);
    e->cpu.pc = 0x3100;
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(EA_P)].tag_r, PPC_TLB_INVALID);
    ck_assert_uint_eq(e->cpu.tlb[PPC_TLB_IDX(0xC0010000u)].tag_r, 0xC0010000u);
    e->cpu.pc = 0x3000;
    ppc_run(&e->cpu, 1);
    assert_dsi(e, 0x08000000, EA_P + 0x10, MSR_D);
    cpuenv_free(e);
}
END_TEST

/* A page fault serviced the way an OS does it: the user program's load
 * faults, the DSI handler (real mode) writes the PTE and returns with rfi,
 * the load is retried and succeeds. */
START_TEST(page_fault_round_trip)
{
    CpuEnv *e = mmu_env();
    uint32_t handler[] = { I_STW(21, 0, 20), I_STW(22, 4, 20), I_RFI };
    uint32_t user[] = { I_LWZ(4, 0x10, 3), I_ADDI(10, 10, 1), I_BSELF };
    cpuenv_put_code(e, 0x300, handler, 3);
    e->cpu.gpr[3] = EA_P;
    e->cpu.gpr[20] = PTE_P;
    e->cpu.gpr[21] = W0_P;
    e->cpu.gpr[22] = 0x00345002;
    sys_run(e, 0x3000, user, 3, MSR_D | MSR_PR | MSR_EE, 6);
    ck_assert_uint_eq(e->cpu.gpr[4], 0xCAFEBABE);
    ck_assert_uint_eq(e->cpu.gpr[10], 1);
    ck_assert_uint_eq(e->cpu.pc, 0x3008);
    ck_assert_uint_eq(e->cpu.msr, MSR_D | MSR_PR | MSR_EE);
    ck_assert_uint_eq(e->cpu.dsisr, 0x40000000);
    ck_assert_uint_eq(e->cpu.icount, 6);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_P + 4), 0x00345102);
    cpuenv_free(e);
}
END_TEST

/* A word store across a page boundary into an unmapped page writes
 * nothing; DAR is the first byte of the faulting page */
START_TEST(page_crossing_store_fault)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345182);
    uint32_t code[] = { I_STW(5, 0xFFE, 3), I_BSELF };
    e->cpu.gpr[3] = EA_P;
    e->cpu.gpr[5] = 0x11223344;
    cpuenv_write32(e, 0x345FFC, 0);
    sys_run(e, 0x3000, code, 2, MSR_D, 1);
    ck_assert_uint_eq(e->cpu.pc, 0x300);
    ck_assert_uint_eq(e->cpu.dsisr, 0x42000000);
    ck_assert_uint_eq(e->cpu.dar, EA_P + 0x1000);
    ck_assert_uint_eq(cpuenv_read32(e, 0x345FFC), 0);
    cpuenv_free(e);
}
END_TEST

#define MSR_ID (MSR_IR | MSR_DR | MSR_FP)

/* The way a kernel turns its MMU on: BATs by mtspr, SRR0/SRR1, rfi into
 * the translated address space (EA 0xC0000000 = PA 0 through a 256 MiB
 * BAT pair); then a load and a store there, and an ISI-free return. */
START_TEST(boot_turns_mmu_on)
{
    CpuEnv *e = sys_env();
    uint32_t boot[] = {
        I_ADDIS(3, 0, 0xC000), I_ORI(3, 3, 0x1FFE), I_ADDI(4, 0, 2),
        I_MTSPR(528, 3), I_MTSPR(529, 4), I_MTSPR(536, 3), I_MTSPR(537, 4),
        I_ADDIS(5, 0, 0xC000), I_ORI(5, 5, 0x4000), I_MTSPR(26, 5),
        I_ADDI(6, 0, 0x30), I_MTSPR(27, 6), I_RFI,
    };
    uint32_t kern[] = { I_LWZ(7, 0x100, 8), I_STW(7, 0x104, 8), I_MFSPR(9, 528), I_BSELF };
    cpuenv_put_code(e, 0x4000, kern, 4);
    cpuenv_write32(e, 0x5100, 0x0DDBA11);
    e->cpu.gpr[8] = 0xC0005000;
    sys_run(e, 0x3000, boot, 13, 0, 13 + 4);
    ck_assert_uint_eq(e->cpu.msr, MSR_IR | MSR_DR);
    ck_assert_uint_eq(e->cpu.pc, 0xC000400C);
    ck_assert_uint_eq(e->cpu.gpr[7], 0x0DDBA11);
    ck_assert_uint_eq(cpuenv_read32(e, 0x5104), 0x0DDBA11);
    ck_assert_uint_eq(e->cpu.gpr[9], 0xC0001FFE);
    ck_assert_uint_eq(e->cpu.ibat[1], 2);
    cpuenv_free(e);
}
END_TEST

START_TEST(dbat_translation)
{
    CpuEnv *e = mmu_env();
    cpuenv_write32(e, 0x200010, 0x11223344);
    cpuenv_write32(e, 0xA01240, 0x55667788);
    e->cpu.dbat[0] = 0xC0000002; /* BEPI 0xC0000000, 128 KiB, Vs */
    e->cpu.dbat[1] = 0x00200002; /* BRPN 0x00200000, PP 10 */
    load(e, 0xC0000000, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x11223344);
    /* outside the 128 KiB block: segment 12, no PTE */
    load(e, 0xC0020000, MSR_D);
    assert_dsi(e, 0x40000000, 0xC0020010, MSR_D);
    /* BL = 0x7FF: 256 MiB, EA 0xC0A01230 -> PA 0x00A01230 */
    e->cpu.dbat[0] = 0xC0001FFE;
    e->cpu.dbat[1] = 0x00000002;
    load(e, 0xC0A01230, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x55667788);
    /* Vp only: user mode matches, supervisor does not */
    e->cpu.dbat[0] = 0xC0001FFD;
    load(e, 0xC0A01230, MSR_D | MSR_PR);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x55667788);
    load(e, 0xC0A01230, MSR_D);
    assert_dsi(e, 0x40000000, 0xC0A01240, MSR_D);
    cpuenv_free(e);
}
END_TEST

START_TEST(dbat_protection)
{
    CpuEnv *e = mmu_env();
    cpuenv_write32(e, 0x200010, 0x11223344);
    e->cpu.dbat[0] = 0xC0000002;
    e->cpu.dbat[1] = 0x00200001; /* PP 01: read-only */
    load(e, 0xC0000000, MSR_D);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x11223344);
    store(e, 0xC0000000, 5, MSR_D);
    assert_dsi(e, 0x0A000000, 0xC0000010, MSR_D);
    e->cpu.dbat[1] = 0x00200000; /* PP 00: no access */
    load(e, 0xC0000000, MSR_D);
    assert_dsi(e, 0x08000000, 0xC0000010, MSR_D);
    ck_assert_uint_eq(cpuenv_read32(e, 0x200010), 0x11223344);
    cpuenv_free(e);
}
END_TEST

/* Reads leave a page clean in the dirty log and get no write tag; the
 * first store installs the tag and marks the page */
START_TEST(write_tag_only_after_store)
{
    CpuEnv *e = mmu_env();
    e->cpu.dbat[0] = 0xC0000002;
    e->cpu.dbat[1] = 0x00200002;
    uint32_t code[] = { I_STW(5, 0x10, 3), I_BSELF };
    cpuenv_put_code(e, 0x3100, code, 2);
    BusDirtyLog *log = bus_dirty_log_new(&e->bus, "test");
    ck_assert_ptr_nonnull(log);
    bus_dirty_log_sync(log);
    bus_dirty_log_clear(log, 0, e->bus.ram_size);
    load(e, 0xC0000000, MSR_D);
    const PPCTLBEntry *t = &e->cpu.tlb[PPC_TLB_IDX(0xC0000000u)];
    ck_assert_uint_eq(t->tag_r, 0xC0000000u);
    ck_assert_uint_eq(t->tag_w, PPC_TLB_INVALID);
    bus_dirty_log_sync(log);
    ck_assert(!bus_dirty_log_get(log, 0x200));
    e->cpu.pc = 0x3100;
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(t->tag_w, 0xC0000000u);
    bus_dirty_log_sync(log);
    ck_assert(bus_dirty_log_get(log, 0x200));
    /* a new log round: the next store to the same page is logged again */
    bus_dirty_log_clear(log, 0x200000, 4096);
    ck_assert(!bus_dirty_log_get(log, 0x200));
    e->cpu.pc = 0x3100;
    ppc_run(&e->cpu, 1);
    bus_dirty_log_sync(log);
    ck_assert(bus_dirty_log_get(log, 0x200));
    cpuenv_free(e);
}
END_TEST

static unsigned tlb_valid(const PPCState *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < PPC_TLB_SIZE; i++)
        n += s->tlb[i].tag_r != PPC_TLB_INVALID || s->tlb[i].tag_w != PPC_TLB_INVALID ||
             s->tlb[i].tag_x != PPC_TLB_INVALID;
    return n;
}

/* A flush clears every entry, whether it tracked the filled ones (few
 * pages touched) or overflowed its list (many) */
START_TEST(flush_after_few_and_many_fills)
{
    static const unsigned counts[] = { 3, 64, 65, 200 };
    CpuEnv *e = sys_env();
    for (unsigned c = 0; c < 4; c++) {
        ppc_tlb_flush(&e->cpu);
        e->cpu.msr = 0;
        for (unsigned i = 0; i < counts[c]; i++) {
            uint32_t v;
            PPCOp op = { 0 };
            ck_assert_int_eq(ppc_ld32(&e->cpu, &op, 0x100000 + i * 0x1000, &v), 0);
        }
        ck_assert_uint_ge(tlb_valid(&e->cpu), counts[c] > 256 ? 256 : counts[c]);
        ppc_tlb_flush(&e->cpu);
        ck_assert_uint_eq(tlb_valid(&e->cpu), 0);
    }
    cpuenv_free(e);
}
END_TEST

/* mtsr after the fill list overflowed still drops every entry of its
 * segment (real mode here: all of RAM is segment 0) */
START_TEST(mtsr_after_many_fills)
{
    CpuEnv *e = sys_env();
    ppc_tlb_flush(&e->cpu);
    e->cpu.msr = 0;
    for (unsigned i = 0; i < 100; i++) {
        uint32_t v;
        PPCOp op = { 0 };
        ck_assert_int_eq(ppc_ld32(&e->cpu, &op, 0x100000 + i * 0x1000, &v), 0);
    }
    ck_assert_uint_ge(tlb_valid(&e->cpu), 100);
    e->cpu.gpr[3] = 0x123;
    uint32_t insn = I_MTSR(0, 3);
    cpuenv_put_code(e, 0x3000, &insn, 1);
    e->cpu.pc = 0x3000;
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(e->cpu.sr[0], 0x123);
    ck_assert_uint_eq(tlb_valid(&e->cpu), 0);
    cpuenv_free(e);
}
END_TEST

/* A device sees the exact count of the instruction accessing it in
 * PPCState.mmio_icount (icount itself is only exact at block ends) */
static uint64_t seen_icount[2];

static uint32_t dev_read(void *opaque, uint32_t off, unsigned size)
{
    (void)off;
    (void)size;
    seen_icount[0] = ((PPCState *)opaque)->mmio_icount;
    return 0x1234;
}

static void dev_write(void *opaque, uint32_t off, uint32_t val, unsigned size)
{
    (void)off;
    (void)val;
    (void)size;
    seen_icount[1] = ((PPCState *)opaque)->mmio_icount;
}

START_TEST(mmio_sees_exact_icount)
{
    static const MemOps ops = { dev_read, dev_write };
    CpuEnv *e = sys_env();
    ck_assert_int_eq(bus_add_region(&e->bus, 0x80000000u, 0x1000, &ops, &e->cpu, "dev"), 0);
    uint32_t code[] = { I_ADDI(3, 3, 1), I_ADDI(3, 3, 1), I_LWZ(4, 0, 5), I_ADDI(3, 3, 1),
                        I_STW(4, 4, 5), I_BSELF };
    e->cpu.gpr[5] = 0x80000000u;
    sys_run(e, 0x3000, code, 6, MSR_FP, 5);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x1234);
    ck_assert_uint_eq(seen_icount[0], 2);
    ck_assert_uint_eq(seen_icount[1], 4);
    cpuenv_free(e);
}
END_TEST

START_TEST(bat_write_flushes_tlb)
{
    CpuEnv *e = mmu_env();
    cpuenv_write32(e, 0x200010, 0x11223344);
    cpuenv_write32(e, 0x220010, 0x99AABBCC);
    e->cpu.dbat[0] = 0xC0000002;
    e->cpu.dbat[1] = 0x00200002;
    uint32_t code[] = { I_LWZ(4, 0x10, 3), I_BSELF };
    e->cpu.gpr[3] = 0xC0000000;
    sys_run(e, 0x3000, code, 2, MSR_D, 1);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x11223344);
    PPCOp op = { 0 };
    ck_assert_int_eq(ppc_mtspr(&e->cpu, &op, 537, 0x00220002), 0); /* DBAT0L */
    e->cpu.pc = 0x3000;
    ppc_run(&e->cpu, 1);
    ck_assert_uint_eq(e->cpu.gpr[4], 0x99AABBCC);
    cpuenv_free(e);
}
END_TEST

START_TEST(ibat_translation)
{
    CpuEnv *e = itlb_env();
    e->cpu.ibat[0] = 0x40000002;
    e->cpu.ibat[1] = 0x00400002;
    fetch_at(e, 0x40000000, MSR_I);
    ck_assert_uint_eq(e->cpu.gpr[3], 1);
    ck_assert_uint_eq(e->cpu.pc, 0x40000004);
    fetch_at(e, 0x40001000, MSR_I);
    ck_assert_uint_eq(e->cpu.gpr[3], 0x10);
    /* PP 00: protection ISI; G=1: guarded ISI */
    e->cpu.ibat[1] = 0x00400000;
    fetch_at(e, 0x40000000, MSR_I);
    assert_isi(e, 0x40000000, 0x08000000, MSR_I);
    e->cpu.ibat[1] = 0x0040000A;
    fetch_at(e, 0x40000000, MSR_I);
    assert_isi(e, 0x40000000, 0x10000000, MSR_I);
    /* the DBATs do not translate fetches */
    e->cpu.ibat[0] = 0;
    e->cpu.dbat[0] = 0x40000002;
    e->cpu.dbat[1] = 0x00400002;
    fetch_at(e, 0x40000000, MSR_ID);
    assert_isi(e, 0x40000000, 0x40000000, MSR_ID);
    cpuenv_free(e);
}
END_TEST

/* Code patched through a data alias (another EA, same physical page) is
 * seen, every time: stores into a page with decoded code take the slow
 * path and drop the blocks; re-decoding withdraws any write tag installed
 * meanwhile.  No TLB flush between the rounds. */
START_TEST(store_through_alias_into_code)
{
    CpuEnv *e = itlb_env();
    e->cpu.ibat[0] = 0x40000002; /* EA 0x40000000 -> PA 0x400000, fetch */
    e->cpu.ibat[1] = 0x00400002;
    e->cpu.ibat[2] = 0x00000002; /* EA 0 -> PA 0: the patching code */
    e->cpu.ibat[3] = 0x00000002;
    e->cpu.dbat[0] = 0x50000002; /* EA 0x50000000 -> PA 0x400000, data */
    e->cpu.dbat[1] = 0x00400002;
    /* stw r5,0(r6) ; mtctr r7 ; bctr */
    uint32_t patch[] = { I_STW(5, 0, 6), I_MTSPR(9, 7), 0x4E800420u };
    cpuenv_put_code(e, 0x3000, patch, 3);
    e->cpu.gpr[6] = 0x50000000;
    e->cpu.gpr[7] = 0x40000000;
    e->cpu.msr = MSR_ID;
    ppc_tlb_flush(&e->cpu);
    static const int16_t adds[] = { 0x20, 0x300, 0x4000 };
    for (int k = 0; k < 3; k++) {
        e->cpu.gpr[3] = 0;
        e->cpu.gpr[5] = I_ADDI(3, 3, adds[k]);
        e->cpu.pc = 0x3000;
        ppc_run(&e->cpu, 5); /* stw, mtctr, bctr, addi, b . */
        ck_assert_uint_eq(e->cpu.pc, 0x40000004);
        ck_assert_uint_eq(e->cpu.gpr[3], (uint32_t)adds[k]);
    }
    cpuenv_free(e);
}
END_TEST

START_TEST(dabr_match)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345182);
    e->cpu.dabr = (EA_P + 0x10) | 4 | 1; /* BT = MSR[DR], DR (loads) */
    load(e, EA_P, MSR_D);
    assert_dsi(e, 0x00400000, EA_P + 0x10, MSR_D);
    store(e, EA_P, 0x44, MSR_D); /* DW clear: stores pass */
    ck_assert_uint_eq(cpuenv_read32(e, 0x345010), 0x44);
    load(e, EA_P + 8, MSR_D); /* another double word */
    ck_assert_uint_eq(e->cpu.pc, 0x3004);
    /* a hit in the same page must not bypass the check via the soft TLB */
    uint32_t code[] = { I_LWZ(4, 0x18, 3), I_LWZ(4, 0x10, 3), I_BSELF };
    e->cpu.gpr[3] = EA_P;
    sys_run(e, 0x3000, code, 3, MSR_D, 2);
    ck_assert_uint_eq(e->cpu.pc, 0x300);
    ck_assert_uint_eq(e->cpu.srr0, 0x3004);
    cpuenv_free(e);
}
END_TEST

START_TEST(probe_has_no_side_effects)
{
    CpuEnv *e = mmu_env();
    put_pte(e, PTE_P, W0_P, 0x00345002);
    e->cpu.msr = MSR_D;
    uint32_t pa = 0;
    ck_assert_uint_eq(ppc_mmu_probe(&e->cpu, EA_P + 0x123, PPC_ACC_WRITE, &pa), 0);
    ck_assert_uint_eq(pa, 0x345123);
    ck_assert_uint_eq(cpuenv_read32(e, PTE_P + 4), 0x00345002);
    ck_assert_uint_eq(ppc_mmu_probe(&e->cpu, 0x10007000, PPC_ACC_READ, &pa), 0x40000000);
    ck_assert_uint_eq(e->cpu.pc, 0);
    cpuenv_free(e);
}
END_TEST

Suite *suite_mmu(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, primary_hash_and_rc);
    tcase_add_test(tc, store_first_sets_r_and_c);
    tcase_add_test(tc, secondary_hash);
    tcase_add_test(tc, h_bit_must_match);
    tcase_add_test(tc, api_and_htabmask);
    tcase_add_test(tc, no_translation_dsi);
    tcase_add_loop_test(tc, protection_supervisor_ks, 0, 8);
    tcase_add_loop_test(tc, protection_user_kp, 0, 8);
    tcase_add_test(tc, isi_cases);
    tcase_add_test(tc, direct_store_segment_dsi);
    tcase_add_test(tc, remapped_code_runs);
    tcase_add_test(tc, tlbie_invalidates);
    tcase_add_test(tc, mtsr_flushes_its_segment);
    tcase_add_test(tc, page_fault_round_trip);
    tcase_add_test(tc, page_crossing_store_fault);
    tcase_add_test(tc, dbat_translation);
    tcase_add_test(tc, dbat_protection);
    tcase_add_test(tc, write_tag_only_after_store);
    tcase_add_test(tc, flush_after_few_and_many_fills);
    tcase_add_test(tc, mtsr_after_many_fills);
    tcase_add_test(tc, mmio_sees_exact_icount);
    tcase_add_test(tc, bat_write_flushes_tlb);
    tcase_add_test(tc, ibat_translation);
    tcase_add_test(tc, boot_turns_mmu_on);
    tcase_add_test(tc, store_through_alias_into_code);
    tcase_add_test(tc, dabr_match);
    tcase_add_test(tc, probe_has_no_side_effects);
    suite_add_tcase(s, tc);
    return s;
}
