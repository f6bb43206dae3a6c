/*
 * The PowerPC side of the differential tester: a static Linux program run
 * under `qemu-ppc -cpu 750`.  It reads DiffCase records from stdin until an
 * END record, runs each sequence natively (to qemu) with the case's
 * registers and scratch buffer, and writes the resulting DiffState to
 * stdout.  A fault (SIGILL, SIGSEGV...) does not end the run: the signal
 * handler, on its own stack since r1 is not a stack during a sequence,
 * sends execution to diff_exit and the status word carries the signal.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "tests/diff/diff.h"

int diff_enter(void);
extern char diff_stub_start[], diff_stub_end[], diff_exit[];

#define BLOCK ((volatile uint32_t *)DIFF_BLOCK)
/* gregs[] indices (asm/ptrace.h: PT_NIP, PT_CTR, PT_LNK, PT_XER, PT_CCR) */
enum { PT_NIP_I = 32, PT_CTR_I = 35, PT_LNK_I = 36, PT_XER_I = 37, PT_CCR_I = 38 };

/* A fault ends the case: the integer state at the faulting instruction is
 * taken from the signal context (FPRs and FPSCR are not captured). */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    unsigned long *g = (unsigned long *)uc->uc_mcontext.uc_regs->gregs;
    (void)si;
    for (int i = 0; i < 32; i++)
        BLOCK[B_GPR / 4 + i] = (uint32_t)g[i];
    BLOCK[B_CR / 4] = (uint32_t)g[PT_CCR_I];
    BLOCK[B_XER / 4] = (uint32_t)g[PT_XER_I];
    BLOCK[B_LR / 4] = (uint32_t)g[PT_LNK_I];
    BLOCK[B_CTR / 4] = (uint32_t)g[PT_CTR_I];
    BLOCK[B_FAULT_PC / 4] = (uint32_t)g[PT_NIP_I];
    BLOCK[B_STATUS / 4] = (uint32_t)sig;
    g[PT_NIP_I] = (unsigned long)diff_exit;
}

/* Make freshly written code visible to instruction fetch (PEM 5.1.5.1) */
static void sync_icache(uint32_t start, uint32_t len)
{
    for (uint32_t a = start & ~31u; a < start + len; a += 32)
        __asm__ volatile("dcbst 0,%0" : : "r"(a) : "memory");
    __asm__ volatile("sync" ::: "memory");
    for (uint32_t a = start & ~31u; a < start + len; a += 32)
        __asm__ volatile("icbi 0,%0" : : "r"(a) : "memory");
    __asm__ volatile("sync; isync" ::: "memory");
}

static void setup(void)
{
    void *p = mmap((void *)DIFF_BLOCK, DIFF_MAP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p != (void *)DIFF_BLOCK) {
        perror("harness: mmap");
        exit(2);
    }
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL)) {
        perror("harness: sigaltstack");
        exit(2);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    size_t stub = (size_t)(diff_stub_end - diff_stub_start);
    memcpy((void *)DIFF_CODE, diff_stub_start, stub);
    sync_icache(DIFF_CODE, (uint32_t)stub);
}

static void load_code(const DiffCase *c)
{
    uint32_t *seq = (uint32_t *)DIFF_SEQ;
    memcpy(seq, c->insn, 4 * c->n);
    /* b DIFF_CODE: the way back */
    uint32_t here = DIFF_SEQ + 4 * c->n;
    seq[c->n] = 0x48000000u | ((DIFF_CODE - here) & 0x03FFFFFCu);
    sync_icache(DIFF_SEQ, 4 * (c->n + 1));
}

static void run_case(const DiffCase *c, DiffState *out)
{
    volatile uint32_t *b = BLOCK;
    memcpy((void *)DIFF_SCRATCH, c->st.mem, DIFF_SCR_SIZE);
    load_code(c);
    for (int i = 0; i < 32; i++)
        b[B_GPR / 4 + i] = c->st.gpr[i];
    b[B_CR / 4] = c->st.cr;
    b[B_XER / 4] = c->st.xer;
    b[B_LR / 4] = c->st.lr;
    b[B_CTR / 4] = c->st.ctr;
    b[B_FPSCR / 4] = 0;
    b[B_FPSCR / 4 + 1] = c->st.fpscr;
    memcpy((void *)(DIFF_BLOCK + B_FPR), c->st.fpr, sizeof c->st.fpr);

    uint32_t status = (uint32_t)diff_enter();

    memset(out, 0, sizeof *out);
    for (int i = 0; i < 32; i++)
        out->gpr[i] = b[B_GPR / 4 + i];
    out->cr = b[B_CR / 4];
    out->xer = b[B_XER / 4];
    out->lr = b[B_LR / 4];
    out->ctr = b[B_CTR / 4];
    out->fpscr = b[B_FPSCR / 4 + 1];
    out->status = status;
    out->fault_pc = status ? b[B_FAULT_PC / 4] : 0;
    memcpy(out->fpr, (const void *)(DIFF_BLOCK + B_FPR), sizeof out->fpr);
    memcpy(out->mem, (const void *)DIFF_SCRATCH, DIFF_SCR_SIZE);
}

int main(void)
{
    static char inbuf[1 << 16], outbuf[1 << 16];
    static DiffCase c;
    static DiffState out;
    setvbuf(stdin, inbuf, _IOFBF, sizeof inbuf);
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    setup();
    while (fread(&c, sizeof c, 1, stdin) == 1) {
        if (c.magic == DIFF_MAGIC_END)
            break;
        if (c.magic != DIFF_MAGIC_CASE || c.n > DIFF_MAXI - 1) {
            fprintf(stderr, "harness: bad case record\n");
            return 2;
        }
        run_case(&c, &out);
        if (fwrite(&out, sizeof out, 1, stdout) != 1)
            return 2;
    }
    return fflush(stdout) ? 2 : 0;
}
