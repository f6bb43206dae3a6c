/*
 * Alignment exception (750 UM 4.5.6; the list is spelled out in 750GX UM
 * 4.5.6): lwarx/stwcx./lmw/stmw not word aligned, FP load/store not word
 * aligned, dcbz with the data cache disabled or to cache-inhibited memory.
 * SRR0 = the instruction, DAR = the EA, SRR1 = MSR bits, and DSISR from the
 * instruction encoding (PEM 6.4.6, alignment exception DSISR):
 *   X-form: DSISR[15-16] = insn[29-30], [17] = insn[25], [18-21] = insn[21-24]
 *   D-form: DSISR[15-16] = 0,           [17] = insn[5],  [18-21] = insn[1-4]
 *   both:   DSISR[22-26] = rD/rS, DSISR[27-31] = rA (update forms; otherwise
 *   undefined, so not compared here).
 * Misaligned ordinary integer loads and stores are done by the hardware
 * without an exception.
 */
#include "mmu.h"

#define SRR1_MSR_MASK 0x0000FF73u
#define INSN_BIT(w, b) (((w) >> (31 - (b))) & 1u)
#define INSN_FIELD(w, b, n) (((w) >> (31 - (b) - (n) + 1)) & ((1u << (n)) - 1))

static uint32_t dsisr_x(uint32_t w)
{
    return INSN_FIELD(w, 29, 2) << (31 - 16) | INSN_BIT(w, 25) << (31 - 17) |
           INSN_FIELD(w, 21, 4) << (31 - 21) | INSN_FIELD(w, 6, 5) << (31 - 26);
}

static uint32_t dsisr_d(uint32_t w)
{
    return INSN_BIT(w, 5) << (31 - 17) | INSN_FIELD(w, 1, 4) << (31 - 21) | INSN_FIELD(w, 6, 5) << (31 - 26);
}

__asm__(".text\n"
        ".globl a_lwarx, a_stwcx, a_lmw, a_stmw, a_lfd, a_stfd, a_dcbz, a_lwz, a_sth\n"
        "a_lwarx: lwarx r5, 0, r3\n  blr\n"
        "a_stwcx: stwcx. r4, 0, r3\n  blr\n"
        "a_lmw:   stwu r1, -32(r1)\n  stmw r30, 8(r1)\n"
        "a_lmw_i: lmw r30, 0(r3)\n  lmw r30, 8(r1)\n  addi r1, r1, 32\n  blr\n"
        "a_stmw:  stmw r29, 0(r3)\n  blr\n"
        "a_lfd:   lfd f2, 0(r3)\n  blr\n"
        "a_stfd:  stfd f2, 0(r3)\n  blr\n"
        "a_dcbz:  dcbz 0, r3\n  blr\n"
        "a_lwz:   lwz r3, 0(r3)\n  blr\n"
        "a_sth:   sth r4, 0(r3)\n  blr\n");
extern uint32_t a_lwarx[], a_stwcx[], a_lmw_i[], a_stmw[], a_lfd[], a_stfd[], a_dcbz[], a_lwz[], a_sth[];
extern char a_lmw[];

static volatile ExcFrame last;
static volatile int taken;
static void on_align(ExcFrame *f)
{
    last = *f;
    taken++;
    exc_skip(f);
}

static uint32_t cur_msr;
static void expect(const uint32_t *insn, uint32_t ea, uint32_t dsisr, const char *what)
{
    rt_printf("  %s: taken %d vec %x srr0 %08x srr1 %08x dar %08x dsisr %08x\n", what, taken,
              last.vector, last.srr0, last.srr1, last.dar, last.dsisr);
    if (taken != 1) {
        CHECK_EQ(taken, 1, what);
        return;
    }
    CHECK_EQ(last.vector, 0x600, what);
    CHECK_EQ(last.srr0, (uint32_t)insn, what);
    CHECK_EQ(last.srr1, cur_msr & SRR1_MSR_MASK, what);
    CHECK_EQ(last.dar, ea, what);
    CHECK_EQ(last.dsisr & ~0x1Fu, dsisr, what);
}

static uint8_t buf[8192] __attribute__((aligned(4096)));
static uint32_t ci_block[0x20000 / 4] __attribute__((aligned(0x20000)));

static void t_dcbz(void) { ((void (*)(uint32_t))a_dcbz)(0x60000040); }

int main(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0x600, on_align);
    uint32_t ea = (uint32_t)&buf[0x102];

    cur_msr = msr;
    taken = 0;
    ((void (*)(uint32_t))a_lwarx)(ea);
    expect(a_lwarx, ea, dsisr_x(a_lwarx[0]), "lwarx not word aligned");

    taken = 0;
    ((void (*)(uint32_t, uint32_t))a_stwcx)(ea, 1);
    expect(a_stwcx, ea, dsisr_x(a_stwcx[0]), "stwcx. not word aligned");

    taken = 0;
    ((void (*)(uint32_t))a_lmw)((uint32_t)&buf[0x201]);
    expect(a_lmw_i, (uint32_t)&buf[0x201], dsisr_d(a_lmw_i[0]), "lmw not word aligned");

    taken = 0;
    ((void (*)(uint32_t))a_stmw)((uint32_t)&buf[0x303]);
    expect(a_stmw, (uint32_t)&buf[0x303], dsisr_d(a_stmw[0]), "stmw not word aligned");

    cur_msr = msr | MSR_FP;
    mtmsr(cur_msr);
    taken = 0;
    ((void (*)(uint32_t))a_lfd)((uint32_t)&buf[0x402]);
    expect(a_lfd, (uint32_t)&buf[0x402], dsisr_d(a_lfd[0]), "lfd not word aligned");
    taken = 0;
    ((void (*)(uint32_t))a_stfd)((uint32_t)&buf[0x506]);
    expect(a_stfd, (uint32_t)&buf[0x506], dsisr_d(a_stfd[0]), "stfd not word aligned");
    taken = 0;
    ((void (*)(uint32_t))a_lfd)((uint32_t)&buf[0x604]);
    CHECK_EQ(taken, 0, "lfd word aligned but not doubleword aligned: no exception");
    mtmsr(msr);

    /* ordinary misaligned accesses: no exception, right bytes, also across
     * a page boundary */
    cur_msr = msr;
    for (int i = 0; i < 8; i++)
        buf[0xFFC + i] = (uint8_t)(0x10 + i);
    taken = 0;
    uint32_t v = ((uint32_t (*)(uint32_t))a_lwz)((uint32_t)&buf[0xFFE]);
    CHECK_EQ(taken, 0, "misaligned lwz across a page: no exception");
    CHECK_EQ(v, 0x12131415, "misaligned lwz across a page: value");
    ((void (*)(uint32_t, uint32_t))a_sth)((uint32_t)&buf[0xFFF], 0xA1B2);
    CHECK_EQ(taken, 0, "misaligned sth across a page: no exception");
    CHECK_EQ(buf[0xFFF], 0xA1, "misaligned sth: first byte");
    CHECK_EQ(buf[0x1000], 0xB2, "misaligned sth: second byte");

    /* dcbz with the data cache disabled (HID0[DCE]=0, the reset state;
     * 750GX UM 4.5.6), then enabled: no exception, the block is zeroed */
    uint32_t hid0 = mfspr(SPR_HID0);
    uint32_t zea = (uint32_t)&buf[0x800];
    mtspr(SPR_HID0, hid0 & ~HID0_DCE);
    __asm__ volatile("isync");
    taken = 0;
    buf[0x800] = 0x55;
    ((void (*)(uint32_t))a_dcbz)(zea);
    expect(a_dcbz, zea, dsisr_x(a_dcbz[0]), "dcbz with the data cache disabled");
    CHECK_EQ(buf[0x800], 0x55, "... and memory unchanged");
    mtspr(SPR_HID0, hid0 | HID0_DCE);
    __asm__ volatile("isync");
    taken = 0;
    for (int i = 0; i < 32; i++)
        buf[0x800 + i] = 0x55;
    ((void (*)(uint32_t))a_dcbz)(zea + 4);
    CHECK_EQ(taken, 0, "dcbz with the data cache enabled: no exception");
    int nz = 0;
    for (int i = 0; i < 32; i++)
        nz += buf[0x800 + i] != 0;
    CHECK_EQ(nz, 0, "dcbz zeroed the whole 32-byte block");

    /* dcbz to a cache-inhibited block (DBAT with I=1), cache enabled */
    bats_clear();
    bats_identity();
    SET_DBAT(2, batu(0x60000000, BAT_BL_128K, BAT_VS | BAT_VP), batl((uint32_t)ci_block, WIMG_I | WIMG_G, PP_RW));
    __asm__ volatile("isync");
    cur_msr = msr | MSR_IR | MSR_DR;
    taken = 0;
    rt_run_msr(t_dcbz, cur_msr);
    expect(a_dcbz, 0x60000040, dsisr_x(a_dcbz[0]), "dcbz to cache-inhibited memory");

    mtspr(SPR_HID0, hid0);
    return rt_result("align");
}
