/*
 * Program exceptions (750 UM 4.5.7), system call (4.5.10) and
 * floating-point unavailable (4.5.8): vector, SRR0, SRR1.
 *
 * SRR1 for these: bits 1-4 and 10-15 cleared, 16-23, 25-27 and 30-31 copied
 * from the MSR (mask 0x0000FF73), plus for program exceptions bit 12
 * (illegal, 0x00080000), 13 (privileged, 0x00040000) or 14 (trap,
 * 0x00020000).  SRR0 is the faulting instruction, except for sc where it is
 * the instruction after it.
 */
#include "rt.h"

#define SRR1_MSR_MASK 0x0000FF73u
#define SRR1_ILLEGAL  0x00080000u
#define SRR1_PRIV     0x00040000u
#define SRR1_TRAP     0x00020000u

/* probes: each faulting instruction sits at a known label */
__asm__(
    ".text\n"
    ".globl p_illegal, p_priv_mfmsr, p_priv_mtsrr0, p_trap, p_twi_no, p_sc, p_sc_next, p_lfd, p_user_rfi\n"
    "p_illegal:   .long 0\n"            /* primary opcode 0: illegal on the 750 */
    "             blr\n"
    "p_priv_mfmsr: mfmsr r3\n"
    "             blr\n"
    "p_priv_mtsrr0: mtsrr0 r3\n"
    "             blr\n"
    "p_user_rfi:  rfi\n"
    "             blr\n"
    "p_trap:      tw 31, r0, r0\n"      /* trap unconditionally */
    "             blr\n"
    "p_twi_no:    li r3, 5\n"
    "             twi 4, r3, 6\n"       /* trap if r3 == 6: false */
    "             twi 16, r3, 5\n"      /* trap if r3 < 5 (signed): false */
    "             blr\n"
    "p_sc:        li r0, 77\n"
    "             sc\n"
    "p_sc_next:   blr\n"
    "p_lfd:       lfd f1, 0(r3)\n"
    "             blr\n"
    /* 1.0 / 0.0 with FPSCR[ZE] set; FPSCR cleared again afterwards */
    "p_fpe:       lfd f2, 0(r3)\n"
    "             lfd f3, 0(r4)\n"
    "             mtfsb1 27\n"
    "p_fpe_div:   fdiv f1, f2, f3\n"
    "             mtfsf 0xff, f3\n"
    "             blr\n");
extern char p_fpe[], p_fpe_div[];
extern char p_illegal[], p_priv_mfmsr[], p_priv_mtsrr0[], p_user_rfi[], p_trap[], p_twi_no[],
    p_sc[], p_sc_next[], p_lfd[];

static uint32_t ill_code[2] __attribute__((aligned(32)));
static volatile ExcFrame last;
static volatile int taken;

static void record_skip(ExcFrame *f)
{
    last = *f;
    taken++;
    exc_skip(f);
}

static void record(ExcFrame *f)
{
    last = *f;
    taken++;
}

static void expect(uint32_t vec, uint32_t srr0, uint32_t srr1, const char *what)
{
    rt_printf("  %s: vector %x srr0 %08x srr1 %08x\n", what, last.vector, last.srr0, last.srr1);
    if (taken != 1) {
        CHECK_EQ(taken, 1, what);
        return;
    }
    CHECK_EQ(last.vector, vec, what);
    CHECK_EQ(last.srr0, srr0, what);
    CHECK_EQ(last.srr1, srr1, what);
}

static void call_illegal(void) { ((void (*)(void))p_illegal)(); }
static void call_mfmsr(void) { ((void (*)(void))p_priv_mfmsr)(); }
static void call_mtsrr0(void) { ((void (*)(void))p_priv_mtsrr0)(); }
static void call_rfi(void) { ((void (*)(void))p_user_rfi)(); }
static void call_trap(void) { ((void (*)(void))p_trap)(); }
static void call_sc(void) { ((void (*)(void))p_sc)(); }

int main(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0x700, record_skip);

    taken = 0;
    call_illegal();
    expect(0x700, (uint32_t)p_illegal, (msr & SRR1_MSR_MASK) | SRR1_ILLEGAL, "illegal (supervisor)");

    taken = 0;
    rt_run_user(call_illegal, 0);
    expect(0x700, (uint32_t)p_illegal, ((msr | MSR_PR) & SRR1_MSR_MASK) | SRR1_ILLEGAL, "illegal (user)");

    /* instructions the 750 does not implement (MPC750 UM 2.3.1.2: tlbia,
     * fsqrt, fsqrts) and illegal primary opcodes (2.3.1.3: the 64-bit
     * ones and the never-defined ones), each executed from a buffer with
     * MSR[FP]=1 so no FP-unavailable exception competes */
    static const struct { uint32_t w; const char *what; } ill[] = {
        {0x7C0002E4, "tlbia"},          {0xFC20102C, "fsqrt f1,f2"},
        {0xEC20102C, "fsqrts f1,f2"},   {0x08000000, "opcode 2 (tdi)"},
        {0x78000000, "opcode 30 (rldicl)"}, {0xE8000000, "opcode 58 (ld)"},
        {0xF8000000, "opcode 62 (std)"}, {0x7C000088, "td"},
        {0x04000000, "opcode 1"},       {0x10000000, "opcode 4"},
        {0x14000000, "opcode 5"},       {0x18000000, "opcode 6"},
        {0x24000000, "opcode 9"},       {0x58000000, "opcode 22"},
        {0xE0000000, "opcode 56"},      {0xF0000000, "opcode 60"},
        {0xF4000000, "opcode 61"},
    };
    mtmsr(msr | MSR_FP);
    for (unsigned i = 0; i < sizeof(ill) / sizeof(ill[0]); i++) {
        ill_code[0] = ill[i].w;
        ill_code[1] = 0x4E800020; /* blr */
        rt_sync_icache(ill_code, 8);
        taken = 0;
        ((void (*)(void))ill_code)();
        expect(0x700, (uint32_t)ill_code, ((msr | MSR_FP) & SRR1_MSR_MASK) | SRR1_ILLEGAL, ill[i].what);
    }
    mtmsr(msr);

    taken = 0;
    rt_run_user(call_mfmsr, 0);
    expect(0x700, (uint32_t)p_priv_mfmsr, ((msr | MSR_PR) & SRR1_MSR_MASK) | SRR1_PRIV, "mfmsr in user mode");

    taken = 0;
    rt_run_user(call_mtsrr0, 0);
    expect(0x700, (uint32_t)p_priv_mtsrr0, ((msr | MSR_PR) & SRR1_MSR_MASK) | SRR1_PRIV, "mtsrr0 in user mode");

    taken = 0;
    rt_run_user(call_rfi, 0);
    expect(0x700, (uint32_t)p_user_rfi, ((msr | MSR_PR) & SRR1_MSR_MASK) | SRR1_PRIV, "rfi in user mode");

    taken = 0;
    call_trap();
    expect(0x700, (uint32_t)p_trap, (msr & SRR1_MSR_MASK) | SRR1_TRAP, "tw 31");

    taken = 0;
    rt_run_user(call_trap, 0);
    expect(0x700, (uint32_t)p_trap, ((msr | MSR_PR) & SRR1_MSR_MASK) | SRR1_TRAP, "tw 31 (user)");

    taken = 0;
    ((void (*)(void))p_twi_no)();
    CHECK_EQ(taken, 0, "twi with false conditions does not trap");

    /* sc: SRR0 = the instruction after sc (750 UM 4.5.10) */
    exc_set_handler(0xC00, record);
    taken = 0;
    call_sc();
    expect(0xC00, (uint32_t)p_sc_next, msr & SRR1_MSR_MASK, "sc (supervisor)");
    CHECK_EQ(last.gpr[0], 77, "sc sees r0");
    taken = 0;
    rt_run_user(call_sc, 0);
    expect(0xC00, (uint32_t)p_sc_next, (msr | MSR_PR) & SRR1_MSR_MASK, "sc (user)");

    /* FP unavailable: any FP instruction with MSR[FP] = 0 (750 UM 4.5.8) */
    static uint64_t dbl = 0x3FF0000000000000ull;
    exc_set_handler(0x800, record_skip);
    taken = 0;
    mtmsr(msr & ~MSR_FP);
    ((void (*)(void *))p_lfd)(&dbl);
    expect(0x800, (uint32_t)p_lfd, (msr & ~MSR_FP) & SRR1_MSR_MASK, "lfd with MSR[FP]=0");
    taken = 0;
    mtmsr(msr | MSR_FP);
    ((void (*)(void *))p_lfd)(&dbl);
    CHECK_EQ(taken, 0, "lfd with MSR[FP]=1 runs");
    mtmsr(msr);

    /* IEEE enabled exception in precise mode (FE0 = FE1 = 1): program
     * exception with SRR1 bit 11 (0x00100000), SRR0 = the fdiv */
    static uint64_t zero = 0;
    uint32_t fmsr = msr | MSR_FP | MSR_FE0 | MSR_FE1;
    taken = 0;
    mtmsr(fmsr);
    ((void (*)(void *, void *))p_fpe)(&dbl, &zero);
    mtmsr(msr);
    expect(0x700, (uint32_t)p_fpe_div, (fmsr & SRR1_MSR_MASK) | 0x00100000u, "fdiv by zero with ZE, FE0=FE1=1");

    return rt_result("exc_program");
}
