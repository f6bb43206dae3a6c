/*
 * Differential tester: ppcemu's CPU against `qemu-ppc -cpu 750`.
 *
 * Random cases (tests/diff/gen.c) run in ppcemu (a bare CPU + RAM,
 * tests/lib/cpuenv.h) and, in batches through one qemu-ppc process each,
 * in the PowerPC harness (tests/diff/harness.c).  Both sides start from
 * the same GPRs, CR, XER, LR, CTR, FPRs, FPSCR and scratch buffer at the
 * same guest addresses; everything is compared afterwards.
 *
 * Usage: diff-test [--seed S] [-n N] [--case K] [--fp] [--skip-unimpl]
 *                  [--len L] [--no-mask] [--batch B] [--print P] [--harness PATH] [--qemu PATH]
 * Exit: 0 no mismatch, 1 mismatches, 2 setup error.
 *
 * A case may end in a trap (tw/twi): the harness takes the integer state
 * from the signal context, ppcemu's is read at the vector, and both must
 * agree on the kind of end, the faulting instruction and the state.
 *
 * Known qemu-ppc deviations are masked, never ppcemu behaviour: see
 * deviations[] below, printed with their counts in every summary.
 */
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/diff/diff.h"
#include "tests/diff/gen.h"
#include "tests/lib/cpuenv.h"

/* ---- masked deviations ---- */

enum { DEV_DIV_RD, DEV_DIV_CR0, DEV_STWCX_OTHER, N_DEV };

static const char *const deviations[N_DEV] = {
    [DEV_DIV_RD] =
        "divw/divwu rD after divide by 0 or 0x80000000/-1: PEM 8 (divw, divwu) leaves rD "
        "undefined; the 750 vectors (ppcinttests.csv) give 0/-1 by the sign of rA for /0 and -1 "
        "for MIN/-1, qemu computes other values",
    [DEV_DIV_CR0] =
        "CR0 LT/GT/EQ of divw./divwu. in those cases: undefined by PEM 8; the 750 derives them "
        "from its rD (vectors), qemu from its own",
    [DEV_STWCX_OTHER] =
        "stwcx. to another word than the reservation's: PEM 8 (stwcx.) makes it undefined whether "
        "rS is stored; qemu compares addresses, so CR0[EQ] and that word are masked",
};

/* Avoided by construction (the generator never creates them), listed in
 * every summary so nobody mistakes them for coverage */
static const char *const avoided[] = {
    "reserved XER bits (3-24) are never written by mtxer: not architected "
    "(750 UM 2.1.2.4), qemu keeps them, so only SO/OV/CA/byte count are set",
    "no store between lwarx and stwcx.: qemu implements stwcx. as a compare-and-swap "
    "on the loaded value, which fails after a store by the same program that changed "
    "the word; on the 750 such a store does not clear the reservation",
    "invalid instruction forms (PEM appendix A.x): update forms with rA=0/rA=rD, "
    "lmw/lswi/lswx ranges holding rA or rB, bcctr with CTR decrement, BO z bits set",
};

static unsigned long dev_count[N_DEV];
static unsigned long end_count[2]; /* agreed ends: normal, trap */

typedef struct Mask {
    uint32_t gpr, cr;
    unsigned reasons; /* 1 << DEV_* applied to this case */
    uint8_t mem[DIFF_SCR_SIZE];
} Mask;

/* ---- options ---- */

typedef struct Options {
    uint64_t seed;
    uint64_t n;
    long long only;
    GenOpts gen;
    unsigned batch, print;
    bool no_mask; /* show what the masks hide (to justify them) */
    const char *harness, *qemu;
} Options;

static void usage(void)
{
    fprintf(stderr, "usage: diff-test [--seed S] [-n N] [--case K] [--fp] [--skip-unimpl] [--len L]\n"
                    "                 [--no-mask] [--batch B] [--print P] [--harness PATH] [--qemu PATH]\n");
    exit(2);
}

static void parse(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = (uint64_t)time(NULL);
    o->n = 2000;
    o->only = -1;
    o->gen.max_len = 24;
    o->batch = 5000;
    o->print = 10;
    o->harness = "build/tests/diff-harness";
    o->qemu = "qemu-ppc";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--fp")) { o->gen.fp = true; continue; }
        if (!strcmp(a, "--skip-unimpl")) { o->gen.skip_unimpl = true; continue; }
        if (!strcmp(a, "--no-mask")) { o->no_mask = true; continue; }
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "-n")) o->n = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--case")) o->only = strtoll(v, NULL, 0);
        else if (!strcmp(a, "--len")) o->gen.max_len = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--batch")) o->batch = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--print")) o->print = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--harness")) o->harness = v;
        else if (!strcmp(a, "--qemu")) o->qemu = v;
        else usage();
    }
    if (!o->batch || !o->gen.max_len)
        usage();
}

/* ---- the ppcemu side ---- */

#define B_SELF 0x48000000u /* b . */

static CpuEnv *emu_new(void)
{
    CpuEnv *e = cpuenv_new(4);
    /* every vector spins, so an exception leaves PC at its vector */
    for (uint32_t v = 0x100; v < 0x2000; v += 0x100)
        cpuenv_put_code(e, v, &(uint32_t){ B_SELF }, 1);
    cpuenv_put_code(e, DIFF_CODE, &(uint32_t){ B_SELF }, 1);
    return e;
}

/* An undefined divide at instruction insn with the live register values */
static void check_divide(const PPCState *s, uint32_t insn, bool sgn, Mask *mk)
{
    uint32_t a = s->gpr[(insn >> 16) & 31], b = s->gpr[(insn >> 11) & 31];
    if (b != 0 && !(sgn && a == 0x80000000u && b == 0xFFFFFFFFu))
        return;
    mk->gpr |= 1u << ((insn >> 21) & 31);
    mk->reasons |= 1u << DEV_DIV_RD;
    if (insn & 1) {
        mk->cr |= 0xE0000000u;
        mk->reasons |= 1u << DEV_DIV_CR0;
    }
}

static void before_insn(const PPCState *s, const DiffCase *c, const CaseMeta *m, Mask *mk)
{
    uint32_t i = (s->pc - DIFF_SEQ) / 4;
    if (s->pc < DIFF_SEQ || i >= c->n)
        return;
    switch (m->kind[i]) {
    case GK_DIVW: check_divide(s, c->insn[i], true, mk); break;
    case GK_DIVWU: check_divide(s, c->insn[i], false, mk); break;
    case GK_STWCX_OTHER:
        mk->cr |= 0x20000000u;
        memset(mk->mem + (m->stwcx_ea - DIFF_SCRATCH), 1, 4);
        mk->reasons |= 1u << DEV_STWCX_OTHER;
        break;
    default: break;
    }
}

static void emu_run(CpuEnv *e, const DiffCase *c, const CaseMeta *m, DiffState *out, Mask *mk)
{
    PPCState *s = &e->cpu;
    uint32_t code[DIFF_MAXI + 1];
    memcpy(code, c->insn, 4 * c->n);
    code[c->n] = 0x48000000u | ((DIFF_CODE - (DIFF_SEQ + 4 * c->n)) & 0x03FFFFFCu);
    cpuenv_put_code(e, DIFF_SEQ, code, c->n + 1);
    if (bus_load(&e->bus, DIFF_SCRATCH, c->st.mem, DIFF_SCR_SIZE)) {
        fprintf(stderr, "diff-test: scratch outside RAM\n");
        exit(2);
    }
    memcpy(s->gpr, c->st.gpr, sizeof s->gpr);
    memcpy(s->fpr, c->st.fpr, sizeof s->fpr);
    s->cr = c->st.cr;
    s->xer = c->st.xer;
    s->lr = c->st.lr;
    s->ctr = c->st.ctr;
    s->fpscr = c->st.fpscr;
    s->msr = MSR_FP;
    s->pc = DIFF_SEQ;
    s->reserve_valid = false;
    s->srr0 = s->srr1 = 0;
    memset(mk, 0, sizeof *mk);
    if (m->has_special) {
        /* step, so the operands of each divide are seen as it runs */
        for (unsigned k = 0; k <= c->n && s->pc >= DIFF_SEQ; k++) {
            before_insn(s, c, m, mk);
            (void)ppc_run(s, 1);
        }
    } else {
        (void)ppc_run(s, c->n + 1);
    }
    memcpy(out->gpr, s->gpr, sizeof out->gpr);
    memcpy(out->fpr, s->fpr, sizeof out->fpr);
    out->cr = s->cr;
    out->xer = s->xer;
    out->lr = s->lr;
    out->ctr = s->ctr;
    out->fpscr = s->fpscr;
    out->status = s->pc == DIFF_CODE ? 0 : s->pc < 0x2000 ? s->pc : 1;
    out->fault_pc = out->status ? s->srr0 : 0;
    out->fault_info = out->status ? s->srr1 : 0;
    if (bus_peek(&e->bus, DIFF_SCRATCH, out->mem, DIFF_SCR_SIZE)) {
        fprintf(stderr, "diff-test: scratch outside RAM\n");
        exit(2);
    }
}

/* ---- the qemu side: wire format and one process per batch ---- */

static void state_swap(DiffState *d, const DiffState *s)
{
    for (int i = 0; i < 32; i++) {
        d->gpr[i] = __builtin_bswap32(s->gpr[i]);
        d->fpr[i] = __builtin_bswap64(s->fpr[i]);
    }
    d->cr = __builtin_bswap32(s->cr);
    d->xer = __builtin_bswap32(s->xer);
    d->lr = __builtin_bswap32(s->lr);
    d->ctr = __builtin_bswap32(s->ctr);
    d->fpscr = __builtin_bswap32(s->fpscr);
    d->status = __builtin_bswap32(s->status);
    d->fault_pc = __builtin_bswap32(s->fault_pc);
    d->fault_info = __builtin_bswap32(s->fault_info);
    memcpy(d->mem, s->mem, DIFF_SCR_SIZE);
}

static void case_to_wire(DiffCase *d, const DiffCase *s)
{
    memset(d, 0, sizeof *d);
    d->magic = __builtin_bswap32(s->magic);
    d->n = __builtin_bswap32(s->n);
    d->flags = __builtin_bswap32(s->flags);
    state_swap(&d->st, &s->st);
    for (unsigned i = 0; i < DIFF_MAXI; i++)
        d->insn[i] = __builtin_bswap32(s->insn[i]);
}

static FILE *tmpfile_in_dir(char *path, size_t len, const char *tag)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, len, "%s/ppcemu-diff-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    return fdopen(fd, "w+b");
}

static int qemu_run(const Options *o, const DiffCase *cases, unsigned n, DiffState *out)
{
    char inpath[512], outpath[512];
    FILE *in = tmpfile_in_dir(inpath, sizeof inpath, "in");
    FILE *res = tmpfile_in_dir(outpath, sizeof outpath, "out");
    if (!in || !res) {
        fprintf(stderr, "diff-test: temporary file: %s\n", strerror(errno));
        return -1;
    }
    static DiffCase w;
    for (unsigned i = 0; i < n; i++) {
        case_to_wire(&w, &cases[i]);
        fwrite(&w, sizeof w, 1, in);
    }
    memset(&w, 0, sizeof w);
    w.magic = __builtin_bswap32(DIFF_MAGIC_END);
    fwrite(&w, sizeof w, 1, in);
    fflush(in);
    rewind(in);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fileno(in), 0);
        dup2(fileno(res), 1);
        execlp(o->qemu, o->qemu, "-cpu", "750", o->harness, (char *)NULL);
        fprintf(stderr, "diff-test: cannot run %s: %s\n", o->qemu, strerror(errno));
        _exit(127);
    }
    int st = 0;
    int rc = -1;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        rewind(res);
        static DiffState ws;
        rc = 0;
        for (unsigned i = 0; i < n && rc == 0; i++) {
            if (fread(&ws, sizeof ws, 1, res) != 1)
                rc = -1;
            else
                state_swap(&out[i], &ws);
        }
    }
    if (rc)
        fprintf(stderr, "diff-test: %s -cpu 750 %s failed (status 0x%x)\n", o->qemu, o->harness, st);
    fclose(in);
    fclose(res);
    unlink(inpath);
    unlink(outpath);
    return rc;
}

/* ---- comparison and reports ---- */

static void print_case(const Options *o, uint64_t idx, const DiffCase *c)
{
    char buf[128];
    printf("  replay: diff-test --seed %" PRIu64 " --case %" PRIu64 "%s%s\n", o->seed, idx,
           o->gen.fp ? " --fp" : "", o->gen.skip_unimpl ? " --skip-unimpl" : "");
    printf("  initial state:\n");
    for (int i = 0; i < 32; i++)
        printf("%s r%-2d=%08x%s", i % 8 ? "" : "   ", i, c->st.gpr[i], i % 8 == 7 ? "\n" : "");
    printf("    cr=%08x xer=%08x lr=%08x ctr=%08x fpscr=%08x\n", c->st.cr, c->st.xer, c->st.lr, c->st.ctr,
           c->st.fpscr);
    if (o->gen.fp)
        for (int i = 0; i < 32; i++)
            printf("%s f%-2d=%016" PRIx64 "%s", i % 4 ? "" : "   ", i, c->st.fpr[i], i % 4 == 3 ? "\n" : "");
    printf("  sequence:\n");
    for (uint32_t i = 0; i < c->n; i++)
        printf("    %08x: %08x  %s\n", DIFF_SEQ + 4 * i, c->insn[i],
               ppc_disas(c->insn[i], DIFF_SEQ + 4 * i, buf, sizeof buf));
    printf("    %08x: (branch back to the harness)\n", DIFF_SEQ + 4 * c->n);
}

typedef struct Diff {
    char text[2048];
    size_t len;
    unsigned count;
} Diff;

static void diff_add(Diff *d, const char *what, uint64_t q, uint64_t e, int width)
{
    d->count++;
    if (d->len < sizeof d->text - 100)
        d->len += (size_t)snprintf(d->text + d->len, sizeof d->text - d->len,
                                   "    %-10s qemu %0*" PRIx64 "  ppcemu %0*" PRIx64 "\n", what, width, q,
                                   width, e);
}

/* One name for how a case ended on either side: the Linux signal qemu
 * delivers for each 750 exception (arch/powerpc/kernel/traps.c) */
enum { END_OK, END_TRAP, END_ILLEGAL, END_FPE, END_SEGV, END_ALIGN, END_OTHER };

static int end_qemu(const DiffState *q)
{
    switch (q->status) {
    case 0: return END_OK;
    case SIGTRAP: return END_TRAP;
    case SIGILL: return END_ILLEGAL;
    case SIGFPE: return END_FPE;
    case SIGSEGV: return END_SEGV;
    case SIGBUS: return END_ALIGN;
    default: return END_OTHER;
    }
}

static int end_emu(const DiffState *e)
{
    switch (e->status) {
    case 0: return END_OK;
    case PPC_EXC_PROGRAM:
        if (e->fault_info & SRR1_TRAP) return END_TRAP;
        if (e->fault_info & SRR1_FP_ENABLED) return END_FPE;
        return END_ILLEGAL;
    case PPC_EXC_DSI: case PPC_EXC_ISI: return END_SEGV;
    case PPC_EXC_ALIGN: return END_ALIGN;
    default: return END_OTHER;
    }
}

static void compare(const DiffState *q, const DiffState *e, const Mask *mk, bool fp, Diff *d)
{
    char name[32];
    memset(d, 0, sizeof *d);
    int qe = end_qemu(q), ee = end_emu(e);
    if (qe != ee || q->fault_pc != e->fault_pc) {
        diff_add(d, "end", qe, ee, 1);
        diff_add(d, "fault pc", q->fault_pc, e->fault_pc, 8);
        return;
    }
    if (qe != END_OK) /* a fault ends the case; the harness saw no FP state */
        fp = false;
    for (int i = 0; i < 32; i++) {
        if (!(mk->gpr >> i & 1) && q->gpr[i] != e->gpr[i]) {
            snprintf(name, sizeof name, "r%d", i);
            diff_add(d, name, q->gpr[i], e->gpr[i], 8);
        }
    }
    if ((q->cr & ~mk->cr) != (e->cr & ~mk->cr))
        diff_add(d, "cr", q->cr, e->cr, 8);
    if (q->xer != e->xer)
        diff_add(d, "xer", q->xer, e->xer, 8);
    if (q->lr != e->lr)
        diff_add(d, "lr", q->lr, e->lr, 8);
    if (q->ctr != e->ctr)
        diff_add(d, "ctr", q->ctr, e->ctr, 8);
    if (fp) {
        for (int i = 0; i < 32; i++) {
            if (q->fpr[i] != e->fpr[i]) {
                snprintf(name, sizeof name, "f%d", i);
                diff_add(d, name, q->fpr[i], e->fpr[i], 16);
            }
        }
        if (q->fpscr != e->fpscr)
            diff_add(d, "fpscr", q->fpscr, e->fpscr, 8);
    }
    for (int i = 0; i < DIFF_SCR_SIZE; i += 4) {
        uint32_t qw, ew;
        memcpy(&qw, q->mem + i, 4);
        memcpy(&ew, e->mem + i, 4);
        for (int k = 0; k < 4; k++) /* masked bytes compare equal */
            if (mk->mem[i + k])
                ((uint8_t *)&ew)[k] = ((uint8_t *)&qw)[k];
        if (qw != ew) {
            snprintf(name, sizeof name, "mem+0x%03x", i);
            diff_add(d, name, __builtin_bswap32(qw), __builtin_bswap32(ew), 8);
        }
    }
}

static void print_summary(const Options *o, uint64_t cases, uint64_t bad)
{
    printf("diff-test: seed %" PRIu64 ", %" PRIu64 " cases%s, %" PRIu64 " mismatches\n", o->seed, cases,
           o->gen.fp ? " (with FP)" : "", bad);
    printf("  agreeing cases: %lu ran to the end, %lu ended in the same trap\n", end_count[0], end_count[1]);
    printf("  masked qemu-ppc deviations (cases where applied):\n");
    for (int i = 0; i < N_DEV; i++)
        printf("    [%lu] %s\n", dev_count[i], deviations[i]);
    printf("  avoided by construction:\n");
    for (size_t i = 0; i < sizeof avoided / sizeof avoided[0]; i++)
        printf("    %s\n", avoided[i]);
    gen_report_unimpl();
}

int main(int argc, char **argv)
{
    Options o;
    parse(argc, argv, &o);
    if (access(o.harness, R_OK)) {
        fprintf(stderr, "diff-test: harness %s missing (make fuzz-diff builds it)\n", o.harness);
        return 2;
    }
    uint64_t first = o.only >= 0 ? (uint64_t)o.only : 0;
    uint64_t total = o.only >= 0 ? 1 : o.n;
    printf("diff-test: seed %" PRIu64 ", %" PRIu64 " cases, up to %u instructions each%s\n", o.seed, total,
           o.gen.max_len, o.gen.fp ? ", FP" : "");
    fflush(stdout);

    CpuEnv *env = emu_new();
    DiffCase *cases = calloc(o.batch, sizeof *cases);
    CaseMeta *meta = calloc(o.batch, sizeof *meta);
    DiffState *qres = calloc(o.batch, sizeof *qres), *eres = calloc(o.batch, sizeof *eres);
    Mask *masks = calloc(o.batch, sizeof *masks);
    if (!cases || !meta || !qres || !eres || !masks) {
        fprintf(stderr, "diff-test: out of memory\n");
        return 2;
    }
    uint64_t bad = 0, done = 0;
    while (done < total) {
        unsigned n = (unsigned)(total - done < o.batch ? total - done : o.batch);
        for (unsigned i = 0; i < n; i++) {
            gen_case(o.seed, first + done + i, &o.gen, &cases[i], &meta[i]);
            emu_run(env, &cases[i], &meta[i], &eres[i], &masks[i]);
            if (o.no_mask)
                memset(&masks[i], 0, sizeof masks[i]);
        }
        if (qemu_run(&o, cases, n, qres))
            return 2;
        for (unsigned i = 0; i < n; i++) {
            Diff d;
            compare(&qres[i], &eres[i], &masks[i], o.gen.fp, &d);
            for (int k = 0; k < N_DEV && !qres[i].status && !eres[i].status; k++)
                dev_count[k] += masks[i].reasons >> k & 1;
            if (!d.count) {
                end_count[qres[i].status != 0]++;
                continue;
            }
            if (bad++ < o.print) {
                printf("MISMATCH in case %" PRIu64 " (%u differences)\n", first + done + i, d.count);
                print_case(&o, first + done + i, &cases[i]);
                printf("  differences:\n%s", d.text);
                if (eres[i].status)
                    printf("    (ppcemu exception 0x%x: SRR0 %08x SRR1 %08x)\n", eres[i].status,
                           eres[i].fault_pc, eres[i].fault_info);
                if (qres[i].status)
                    printf("    (qemu signal %u at %08x)\n", qres[i].status, qres[i].fault_pc);
            }
        }
        done += n;
    }
    print_summary(&o, total, bad);
    cpuenv_free(env);
    return bad ? 1 : 0;
}
