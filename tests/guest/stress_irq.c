/*
 * Interrupts against translated user code: a checksum loop runs in user
 * mode from a page-table mapping (code and data at EAs that are not their
 * physical addresses) while the decrementer fires every few microseconds.
 * Each exception enters in real mode and rfi's back into the translated
 * loop; the result must equal the same loop run in real mode without
 * interrupts, and SRR0/SRR1 seen by the handler must always be inside the
 * loop with PR, IR, DR and EE set.
 */
#include "mmu.h"
#include "timer.h"

uint32_t htab[HTAB_SIZE / 4] __attribute__((aligned(HTAB_SIZE)));
static uint32_t code_page[1024] __attribute__((aligned(4096)));
static uint32_t data_pages[4][1024] __attribute__((aligned(4096)));

#define EA_CODE 0x30000000u
#define EA_DATA 0x30100000u
#define VSID3   0x00C0DE3u

/* uint32_t csum(const uint32_t *p, uint32_t nwords, uint32_t rounds):
 * position independent, copied to code_page */
__asm__(".text\n.globl csum_src, csum_end\n"
        "csum_src:\n"
        "  li r6, 0\n"                 /* sum */
        "  mtctr r5\n"
        "1: mr r7, r3\n"
        "  mr r8, r4\n"
        "2: lwz r9, 0(r7)\n"
        "  rotlwi r6, r6, 5\n"
        "  xor r6, r6, r9\n"
        "  add r6, r6, r8\n"
        "  stw r6, 0(r7)\n"            /* and write back: stores get translated too */
        "  addi r7, r7, 4\n"
        "  addic. r8, r8, -1\n"
        "  bne 2b\n"
        "  bdnz 1b\n"
        "  mr r3, r6\n"
        "  blr\n"
        "csum_end:\n");
extern uint32_t csum_src[], csum_end[];
typedef uint32_t (*CsumFn)(uint32_t *p, uint32_t n, uint32_t rounds);

#define NWORDS 4096
#define ROUNDS 400

static volatile uint32_t irqs, bad_srr0, bad_srr1, user_result;
static uint32_t dec_period;

static void user_run(void);
static int in(uint32_t a, uint32_t base, uint32_t len) { return a - base < len; }

static void on_dec(ExcFrame *f)
{
    irqs++;
    if (!in(f->srr0, EA_CODE, 4096) && !in(f->srr0, (uint32_t)rt_run_msr, 256) &&
        !in(f->srr0, (uint32_t)user_run, 128))
        bad_srr0++;
    if ((f->srr1 & (MSR_PR | MSR_IR | MSR_DR | MSR_EE)) != (MSR_PR | MSR_IR | MSR_DR | MSR_EE))
        bad_srr1++;
    dec_write(dec_period);
}

static void fill(void)
{
    for (unsigned i = 0; i < NWORDS; i++)
        data_pages[i / 1024][i % 1024] = i * 2654435761u;
}

static void user_run(void)
{
    user_result = ((CsumFn)EA_CODE)((uint32_t *)EA_DATA, NWORDS, ROUNDS);
}

int main(void)
{
    uint32_t msr = mfmsr();
    size_t n = (size_t)(csum_end - csum_src);
    for (size_t i = 0; i < n; i++)
        code_page[i] = csum_src[i];
    rt_sync_icache(code_page, n * 4);

    /* reference: real mode, no interrupts */
    fill();
    uint32_t want = ((CsumFn)code_page)(&data_pages[0][0], NWORDS, ROUNDS);
    uint32_t want_last = data_pages[3][1023];

    bats_clear();
    bats_identity();
    htab_init();
    for (unsigned sr = 0; sr < 16; sr++)
        mtsr(sr, SR_KP | (VSID3 + sr));
    pte_map(VSID3 + 3, EA_CODE, (uint32_t)code_page, WIMG_M, PP_RO3, 0, 0);
    for (unsigned p = 0; p < 4; p++)
        pte_map(VSID3 + 3, EA_DATA + p * 4096, (uint32_t)data_pages[p], WIMG_M, PP_RW, p & 1, p);

    fill();
    dec_quiesce();
    exc_set_handler(0x900, on_dec);
    dec_period = tb_freq() / 200000 + 1;     /* every ~5 us */
    dec_write(dec_period);
    rt_run_msr(user_run, msr | MSR_PR | MSR_IR | MSR_DR | MSR_EE);
    dec_write(0x7FFFFFFF);
    mtmsr(msr);

    rt_printf("  result %08x (want %08x), %u DEC interrupts\n", user_result, want, irqs);
    CHECK_EQ(user_result, want, "translated user loop under interrupts = real-mode result");
    CHECK_EQ(data_pages[3][1023], want_last, "stores through the mapping reached the pages");
    CHECK(irqs > 10, "the decrementer interrupted the loop");
    CHECK_EQ(bad_srr0, 0, "SRR0 always inside the loop (or the runtime's call path)");
    CHECK_EQ(bad_srr1, 0, "SRR1 always has PR, IR, DR, EE");
    return rt_result("stress_irq");
}
