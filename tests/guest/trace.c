/*
 * Trace exception (750 UM 4.5.11): with MSR[SE] a trace exception follows
 * every completed instruction, SRR0 = the next instruction to run (the
 * branch target after a taken branch), SRR1 = MSR bits (SE included).
 * With MSR[BE] only branches are traced.  Also the instruction address
 * breakpoint (IABR, vector 0x1300).
 */
#include "rt.h"

#define SRR1_MSR_MASK 0x0000FF73u

/* trace_go(msr): rfi into t0 with the given MSR; returns r5 (3) */
__asm__(".text\n"
        ".globl trace_go, t0, t1, t2, t4, t5, t6\n"
        "trace_go: mtsrr1 r3\n"
        "  lis r4, t0@ha\n  addi r4, r4, t0@l\n  mtsrr0 r4\n"
        "  li r5, 0\n"
        "  rfi\n"
        "t0: addi r5, r5, 1\n"
        "t1: addi r5, r5, 1\n"
        "t2: b t4\n"
        "    addi r5, r5, 100\n"
        "t4: addi r5, r5, 1\n"
        "t5: nop\n"
        "t6: mr r3, r5\n"
        "    blr\n");
extern char t0[], t1[], t2[], t4[], t5[], t6[];
uint32_t trace_go(uint32_t msr);

static volatile uint32_t seen[16], seen_srr1[16];
static volatile int n;

static void on_trace(ExcFrame *f)
{
    if (n < 16) {
        seen[n] = f->srr0;
        seen_srr1[n] = f->srr1;
    }
    n++;
    /* SE: stop before t6; BE: stop after the first branch */
    if (f->srr0 == (uint32_t)t6 || (f->srr1 & MSR_BE) || n >= 16)
        f->srr1 &= ~(MSR_SE | MSR_BE);
}

static volatile int iabr_n;
static volatile uint32_t iabr_srr0, iabr_srr1;

static void on_iabr(ExcFrame *f)
{
    iabr_n++;
    iabr_srr0 = f->srr0;
    iabr_srr1 = f->srr1;
    mtspr(SPR_IABR, 0);
}

int main(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0xD00, on_trace);

    n = 0;
    uint32_t r = trace_go(msr | MSR_SE);
    CHECK_EQ(r, 3, "traced code computed its result");
    const uint32_t want[] = {(uint32_t)t1, (uint32_t)t2, (uint32_t)t4, (uint32_t)t5, (uint32_t)t6};
    CHECK_EQ(n, 5, "one trace exception per instruction (SE)");
    for (int i = 0; i < 5 && i < n; i++) {
        rt_printf("  SE trace %d: srr0 %08x srr1 %08x\n", i, seen[i], seen_srr1[i]);
        CHECK_EQ(seen[i], want[i], "SE trace SRR0");
        CHECK_EQ(seen_srr1[i], (msr | MSR_SE) & SRR1_MSR_MASK, "SE trace SRR1");
    }
    CHECK_EQ(mfmsr() & MSR_SE, 0, "SE off after the handler cleared it");

    /* branch trace: only the taken branch at t2; the handler stops at t6 */
    n = 0;
    r = trace_go(msr | MSR_BE);
    CHECK_EQ(r, 3, "branch-traced code computed its result");
    rt_printf("  BE trace: %d exception(s), first srr0 %08x\n", n, seen[0]);
    CHECK_EQ(n, 1, "one branch trace exception before the handler turned BE off");
    CHECK_EQ(seen[0], (uint32_t)t4, "BE trace SRR0 = the branch target");
    CHECK_EQ(seen_srr1[0], (msr | MSR_BE) & SRR1_MSR_MASK, "BE trace SRR1");

    /* instruction address breakpoint (750 UM 2.1.2.2, 4.5.12): IABR =
     * word address | BE (0x2), TE = 0 matches with MSR[IR] = 0; the
     * exception (0x1300) comes before the instruction runs: SRR0 = t4,
     * SRR1 = MSR bits.  The handler disarms IABR and resumes at t4. */
    exc_set_handler(0x1300, on_iabr);
    iabr_n = 0;
    mtspr(SPR_IABR, (uint32_t)t4 | 0x2);
    r = trace_go(msr);
    rt_printf("  IABR: %d exception(s), srr0 %08x srr1 %08x\n", iabr_n, iabr_srr0, iabr_srr1);
    CHECK_EQ(iabr_n, 1, "one IABR exception");
    CHECK_EQ(iabr_srr0, (uint32_t)t4, "IABR SRR0 = the breakpointed instruction");
    CHECK_EQ(iabr_srr1, msr & SRR1_MSR_MASK, "IABR SRR1 = MSR bits");
    CHECK_EQ(r, 3, "the breakpointed instruction ran once after the handler");
    return rt_result("trace");
}
