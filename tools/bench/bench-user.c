/*
 * bench-user: run a static PowerPC Linux ELF (a benchmark workload) in
 * ppcemu's CPU with RAM only, emulating the few system calls it makes.
 *
 * The CPU runs in real mode with MSR[FP] (tests/lib/cpuenv.h), so the
 * program's EAs are physical addresses: it must be linked low (bench.mk
 * puts the text at 1 MiB).  `sc` raises the system call exception (vector
 * 0xC00, PEM 6.4.10); the exception log hook asks ppc_run to return at the
 * end of that block, so no vector code runs.  The call is then done here
 * (r0 = number, r3.. = arguments, result in r3, CR0[SO] on error) and the
 * program resumes at SRR0 with the MSR from SRR1, as rfi would.
 *
 * Usage: bench-user PROGRAM.  Prints the program's output on stdout and
 * "bench-user: N instructions in S s (M MIPS)" on stderr.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "boards/loader.h"
#include "tests/lib/cpuenv.h"

#define RAM_MIB 64
#define STACK_TOP ((RAM_MIB << 20) - 0x10000u)

#define NR_EXIT 1
#define NR_WRITE 4
#define NR_EXIT_GROUP 234
#define ENOSYS_ 38

/* Load the static ELF (PT_LOAD segments at their physical addresses, below
 * the stack area) with the board's loader; returns the entry point, or 0
 * on error (message printed). */
static uint32_t load_elf(CpuEnv *e, const uint8_t *img, size_t len)
{
    ElfInfo info;
    char why[256];
    if (loader_load_elf(&e->bus, img, len, STACK_TOP - 0x100000u, &info, why, sizeof why)) {
        fprintf(stderr, "bench-user: %s\n", why);
        return 0;
    }
    ppc_invalidate_code(&e->cpu, info.low, info.high - info.low);
    return info.entry_pa;
}

/* ppc_exception logs through log_fn when PPC_DBG_INT is set: stop the run
 * at the end of the current block so the caller sees the vector */
static void on_log(void *opaque, const char *fmt, ...)
{
    /* PPCEMU_OUTASM=1: the JIT's -d out_asm lines go to stderr */
    if (!strncmp(fmt, "OUT:", 4) || !strncmp(fmt, "0x%016", 6)) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        return;
    }
    ((PPCState *)opaque)->exit_request = 1;
}

/* One system call; returns 1 when the program exited (*code set) */
static int do_syscall(PPCState *s, int *code)
{
    uint32_t nr = s->gpr[0], a = s->gpr[3], b = s->gpr[4], c = s->gpr[5];
    uint32_t ret = 0;
    bool err = false;
    switch (nr) {
    case NR_EXIT:
    case NR_EXIT_GROUP:
        *code = (int)a;
        return 1;
    case NR_WRITE: {
        uint8_t *buf = malloc(c + 1);
        if (!buf || bus_peek(s->bus, b, buf, c) || (a != 1 && a != 2)) {
            ret = 14; /* EFAULT */
            err = true;
        } else {
            ret = (uint32_t)fwrite(buf, 1, c, a == 1 ? stdout : stderr);
        }
        free(buf);
        break;
    }
    default:
        fprintf(stderr, "bench-user: unsupported system call %u\n", nr);
        ret = ENOSYS_;
        err = true;
    }
    s->gpr[3] = ret;
    s->cr = (s->cr & ~0x10000000u) | (err ? 0x10000000u : 0);
    s->pc = s->srr0;
    ppc_set_msr(s, s->srr1 & 0xFFFFu);
    return 0;
}

/* PPCEMU_PROF=1: a sampling profile of the host PC (SIGPROF every 100 us
 * of CPU time), printed on stderr as the most frequent addresses, to be
 * symbolised with addr2line (the load base is printed); no perf needed */
#define PROF_SLOTS 65536
int main(int argc, char **argv);
static struct { uintptr_t pc; uint32_t n; } prof[PROF_SLOTS];
static uint32_t prof_total;

static void prof_tick(int sig, siginfo_t *si, void *uc_)
{
    (void)sig; (void)si;
#if defined(__x86_64__) && defined(__linux__)
    uintptr_t pc = (uintptr_t)((ucontext_t *)uc_)->uc_mcontext.gregs[REG_RIP];
#else
    uintptr_t pc = 0; (void)uc_;
#endif
    prof_total++;
    for (uint32_t h = (uint32_t)(pc * 0x9E3779B1u) % PROF_SLOTS, k = 0; k < 64; k++, h = (h + 1) % PROF_SLOTS) {
        if (prof[h].pc == pc || !prof[h].n) {
            prof[h].pc = pc;
            prof[h].n++;
            return;
        }
    }
}

static int prof_cmp(const void *a, const void *b)
{
    uint32_t x = ((const typeof(prof[0]) *)a)->n, y = ((const typeof(prof[0]) *)b)->n;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void prof_start(void)
{
    struct sigaction sa = { .sa_sigaction = prof_tick, .sa_flags = SA_SIGINFO | SA_RESTART };
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval it = { { 0, 100 }, { 0, 100 } };
    setitimer(ITIMER_PROF, &it, NULL);
}

static void prof_report(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_PROF, &it, NULL);
    qsort(prof, PROF_SLOTS, sizeof prof[0], prof_cmp);
    fprintf(stderr, "prof: %u samples, main at %p\n", prof_total, (void *)main);
    for (int i = 0; i < 60 && prof[i].n; i++)
        fprintf(stderr, "prof: %6.2f%% %p\n", 100.0 * prof[i].n / prof_total, (void *)prof[i].pc);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-user PROGRAM\n");
        return 2;
    }
    size_t len;
    uint8_t *img = NULL;
    char why[256];
    if (loader_read_file(argv[1], &img, &len, why, sizeof why))
        img = NULL;
    if (!img) {
        fprintf(stderr, "bench-user: cannot read %s\n", argv[1]);
        return 2;
    }
    CpuEnv *e = cpuenv_new(RAM_MIB);
    PPCState *s = &e->cpu;
    uint32_t entry = load_elf(e, img, len);
    free(img);
    if (!entry)
        return 2;
    s->pc = entry;
    s->gpr[1] = STACK_TOP;
    s->hid0 |= HID0_DCE; /* as for a Linux process: data cache on */
    s->log_fn = on_log;
    s->log_opaque = s;
    s->debug_flags |= PPC_DBG_INT;
    if (getenv("PPCEMU_OUTASM"))
        s->debug_flags |= PPC_DBG_OUT_ASM;
    int code = 0;
    bool profile = getenv("PPCEMU_PROF") != NULL;
    if (profile)
        prof_start();
    double t0 = now();
    for (;;) {
        int r = ppc_run(s, 1u << 28);
        if (r == PPC_RUN_STOPPED) {
            fprintf(stderr, "bench-user: stopped at 0x%08x: %s\n", s->pc, s->stop_reason ? s->stop_reason : "?");
            return 1;
        }
        if (s->pc == PPC_EXC_SC) {
            if (do_syscall(s, &code))
                break;
        } else if (s->pc < 0x2000 && (s->pc & 0xFF) == 0) {
            fprintf(stderr, "bench-user: exception 0x%x at 0x%08x (SRR1 0x%08x)\n", s->pc, s->srr0, s->srr1);
            return 1;
        }
    }
    double t = now() - t0;
    if (profile)
        prof_report();
    fflush(stdout);
    fprintf(stderr, "bench-user: %llu instructions in %.3f s (%.1f MIPS)\n", (unsigned long long)s->icount, t,
            t > 0 ? s->icount / t / 1e6 : 0.0);
    cpuenv_free(e);
    return code;
}
