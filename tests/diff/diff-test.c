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
 *                  [--len L] [--no-mask] [--no-priv] [--trace] [--batch B] [--print P] [--harness PATH] [--qemu PATH]
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

enum {
    DEV_DIV_RD, DEV_DIV_CR0, DEV_STWCX_OTHER,
    DEV_FR, DEV_FPSCR20, DEV_IMZ_NAN, DEV_FX, DEV_FCMP_FI, DEV_FCMP_C, DEV_SGL_DENORM, DEV_FNMA, DEV_FEST, DEV_FCTIW, DEV_TRAP_CR1, N_DEV
};

/* FPSCR bits (PEM 2.1.4) */
#define FPSCR_FX   0x80000000u
#define FPSCR_EXC  0x1FF80700u /* OX UX ZX XX and the VX causes */
#define FPSCR_FR   0x00040000u
#define FPSCR_FI   0x00020000u
#define FPSCR_FPRF 0x0001F000u
#define FPSCR_XX   0x02000000u
#define FPSCR_C    0x00010000u
#define FPSCR_FEX  0x40000000u
#define FPSCR_VX   0x20000000u
#define FPSCR_VXSNAN 0x01000000u
#define FPSCR_OUX  0x1A000000u /* OX UX XX */
#define FPSCR_B20  0x00000800u /* reserved */

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
    [DEV_FR] =
        "FPSCR[FR] (fraction rounded up), in FPSCR and wherever mffs/mcrfs copy it: qemu's "
        "softfloat does not report whether rounding incremented the fraction; and frD bits "
        "0-31 of mffs, undefined by PEM 8 (ppcemu gives 0xFFF80000, qemu 0)",
    [DEV_FPSCR20] =
        "FPSCR bit 20, reserved (PEM 2.1.4): ppcemu keeps what mtfsf/mtfsfi/mtfsb1 write "
        "there, qemu drops it; masked in FPSCR and mffs/mcrfs copies",
    [DEV_IMZ_NAN] =
        "VXSNAN of fmadd-family 0 x inf with an SNaN addend: 750CL silicon sets VXSNAN and "
        "VXIMZ (0 x -inf + SNaN -> FPSCR 0xA1111000, issue 14; PEM 3.3.6.1.1 sets VXSNAN for "
        "any SNaN operand), qemu's softfloat only VXIMZ; VXSNAN FX FEX masked after",
    [DEV_FCMP_FI] =
        "FPSCR[FI] after fcmpu/fcmpo: PEM 8 (fcmpu, fcmpo) alters only FPCC, FX and the VX "
        "bits, so FI keeps its value; qemu clears FI",
    [DEV_FCMP_C] =
        "FPSCR[C] after fcmpu/fcmpo with a NaN operand: PEM 8 alters only FPCC; qemu "
        "first sets the QNaN class (C = 1) for the invalid-operation case",
    [DEV_FX] =
        "FPSCR[FX] (and its copies in CR1, mffs, mcrfs) (a) after an FP instruction that finds "
        "an exception bit already set: PEM 2.1.4 sets FX only on a 0->1 transition, qemu on "
        "every exception; (b) after mtfsb1 turns an exception bit on: 750CL silicon sets FX "
        "(mtfsb1 3 sets FX with OX, issue 14; PEM 2.1.4 excepts only mtfsf/mtfsfi), qemu "
        "does not",
    [DEV_SGL_DENORM] =
        "FPSCR[FPRF] and FI after a single-precision result that is a single denormal: the "
        "750 classes it as denormalized (single format, PEM 3.3.6.2), qemu as the double "
        "(normal); qemu also reports such a denormalized (inexact) result with FI = 0",
    [DEV_FNMA] =
        "fnmadd/fnmsub[s] result under round toward +/-inf: PEM 8 negates the rounded result, "
        "qemu negates before rounding (so it may overflow where the 750 does not); FPRF FI OX "
        "UX XX FX FEX and CR1 masked after",
    [DEV_FEST] =
        "fres/frsqrte results: estimates whose exact bits are implementation-specific (PEM 8, "
        "750 UM 2.3.4.3); ppcemu uses the 750's tables, qemu computes the exact quotient/root, "
        "so near the single range ends one may over/underflow where the other does not, and "
        "qemu sets XX (PEM 8 lists XX as not altered); FPRF FI OX UX XX FX FEX and CR1 masked "
        "after",
    [DEV_FCTIW] =
        "fctiw[z]: frD bits 0-31 and FPRF are undefined (PEM 8, fctiw)",
    [DEV_TRAP_CR1] =
        "CR1 of an Rc=1 instruction that takes a precise FP enabled exception: ppcemu sets "
        "it, qemu leaves it; PEM 6.4.7 does not settle it (UNVERIFIED on hardware)",
};

/* Avoided by construction (the generator never creates them), listed in
 * every summary so nobody mistakes them for coverage */
static const char *const avoided[] = {
    "reserved XER bits (3-24) are never written by mtxer: not architected "
    "(750 UM 2.1.2.4), qemu keeps them, so only SO/OV/CA/byte count are set",
    "no store between lwarx and stwcx.: qemu implements stwcx. as a compare-and-swap "
    "on the loaded value, which fails after a store by the same program that changed "
    "the word; on the 750 such a store does not clear the reservation",
    "primary opcode 4 (AltiVec / Gekko paired-single space, illegal on the 750): qemu-ppc "
    "-cpu 750 executes some encodings (e.g. 0x1398c5c7) instead of raising SIGILL; primary "
    "opcode 60: some (VSX) encodings, e.g. 0xf2555282, abort qemu-ppc; mfpvr: "
    "Linux (and qemu-ppc) emulate it for user space",
    "invalid instruction forms (PEM appendix A.x): update forms with rA=0/rA=rD, "
    "lmw/lswi/lswx ranges holding rA or rB, bcctr with CTR decrement, BO z bits set",
};

static const char *const avoided_fp[] = {
    "inputs of single-precision instructions and sources of stfs are frsp'ed first: "
    "other values give undefined results (PEM 4.2.3; 750 UM 2.3.4.3)",
    "FPSCR[NI] stays 0 (mtfsf never writes field 7, mtfsfi/mtfsb1 never set NI): "
    "non-IEEE mode is implementation-specific and qemu does not model it",
    "FEX is clear at entry (qemu-ppc runs with MSR[FE0,FE1] = 1 and has no "
    "prctl(PR_SET_FPEXC), so both sides use the precise mode)",
    "FP loads and stores are word aligned (the 750 takes an alignment exception "
    "otherwise, 750 UM 4.5.6); fsqrt[s] is not generated (not on the 750)",
    "CR1 is never read by a later instruction (it copies FPSCR bits that may be masked)",
};

static unsigned long dev_count[N_DEV];
static bool trace; /* --trace: ppcemu's state after every instruction */
static unsigned long end_count[2]; /* agreed ends: normal, trap */
static unsigned long uncertain;    /* cases not compared: trap place uncertain */

typedef struct Mask {
    uint32_t gpr, cr, fpscr;
    uint64_t fpr[32];
    unsigned reasons; /* 1 << DEV_* applied to this case */
    bool trap_uncertain; /* a masked FPSCR difference may change where a trap is taken */
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
                    "                 [--no-mask] [--no-priv] [--trace] [--batch B] [--print P] [--harness PATH] [--qemu PATH]\n");
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
        if (!strcmp(a, "--no-priv")) { o->gen.no_priv = true; continue; }
        if (!strcmp(a, "--trace")) { trace = true; continue; }
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

/* a non-zero value of magnitude below 2^-126: denormal in single format */
static bool single_denormal(uint64_t v)
{
    unsigned e = (unsigned)(v >> 52) & 0x7FF;
    return e != 0x7FF && (v << 1) != 0 && e < 1023 - 126;
}

/* After instruction i ran: masks that depend on its result.  *taint holds
 * the FPSCR bits whose value qemu may have differently from here on. */
/* FP instructions that signal exceptions: A-form arithmetic, fcmpu/fcmpo,
 * frsp, fctiw[z] (not moves, loads, stores or FPSCR moves) */
static bool fp_signals(uint32_t insn)
{
    unsigned op = insn >> 26, xo5 = (insn >> 1) & 31, xo10 = (insn >> 1) & 1023;
    if (op == 59)
        return xo5 >= 18;
    if (op != 63)
        return false;
    return xo5 >= 18 || xo10 == 0 || xo10 == 32 || xo10 == 12 || xo10 == 14 || xo10 == 15;
}

static bool is_nan(uint64_t v)
{
    return (v & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (v << 12) != 0;
}

/* fmadd family (A-form xo 28-31) about to compute 0 x inf with an SNaN addend */
static bool imz_with_nan(const PPCState *s, uint32_t insn)
{
    unsigned op = insn >> 26, xo = (insn >> 1) & 31;
    if ((op != 59 && op != 63) || xo < 28)
        return false;
    uint64_t a = s->fpr[(insn >> 16) & 31], b = s->fpr[(insn >> 11) & 31], c = s->fpr[(insn >> 6) & 31];
    bool a0 = (a << 1) == 0, c0 = (c << 1) == 0;
    bool ainf = (a << 1) == 0xFFE0000000000000ull, cinf = (c << 1) == 0xFFE0000000000000ull;
    return ((a0 && cinf) || (ainf && c0)) && is_nan(b) && !(b & 0x0008000000000000ull);
}

static void taint_fx(const PPCState *s, uint32_t insn, uint32_t before, Mask *mk, uint32_t *taint)
{
    bool fx_now = s->fpscr & FPSCR_FX, fx_before = before & FPSCR_FX;
    if (fp_signals(insn) && !fx_before && !fx_now && (before & FPSCR_EXC))
        *taint |= FPSCR_FX;
    unsigned xo10 = (insn >> 1) & 1023;
    /* mtfsb1 (38) turning an exception bit on */
    if ((insn >> 26) == 63 && xo10 == 38 && !fx_before && fx_now)
        *taint |= FPSCR_FX;
    if ((insn >> 26) == 63 && (xo10 == 0 || xo10 == 32) && (before & FPSCR_FI)) {
        *taint |= FPSCR_FI;
        mk->reasons |= 1u << DEV_FCMP_FI;
    }
    if ((insn >> 26) == 63 && (xo10 == 0 || xo10 == 32) &&
        (is_nan(s->fpr[(insn >> 16) & 31]) || is_nan(s->fpr[(insn >> 11) & 31]))) {
        *taint |= FPSCR_C;
        mk->reasons |= 1u << DEV_FCMP_C;
    }
    unsigned op = insn >> 26;
    if ((op == 59 || op == 63) && (insn & 1)) /* Rc=1: CR1 copies FX FEX VX OX (PEM 2.1.3) */
        mk->cr |= (*taint >> 4) & 0x0F000000u;
    if (*taint & FPSCR_FX)
        mk->reasons |= 1u << DEV_FX;
}

static void after_insn(const PPCState *s, const DiffCase *c, const CaseMeta *m, unsigned i,
                       uint32_t before, Mask *mk, uint32_t *taint)
{
    uint32_t insn = c->insn[i], rn_before = before & 3;
    unsigned d = (insn >> 21) & 31;
    if (c->flags & DIFF_F_FP)
        taint_fx(s, insn, before, mk, taint);
    /* every single-precision result: frsp and the opcode-59 arithmetic */
    if ((m->kind[i] == GK_FP_SINGLE || insn >> 26 == 59) && single_denormal(s->fpr[d])) {
        *taint |= FPSCR_FPRF | FPSCR_FI;
        mk->reasons |= 1u << DEV_SGL_DENORM;
    }
    switch (m->kind[i]) {
    case GK_FNMA:
        if (rn_before >= 2) {
            /* the value, its class, and whether it overflowed/was inexact */
            mk->fpr[d] = ~0ull;
            *taint |= FPSCR_FPRF | FPSCR_FI | FPSCR_OUX | FPSCR_FX | FPSCR_FEX;
            if (insn & 1)
                mk->cr |= 0x0F000000u;
            mk->trap_uncertain = true;
            mk->reasons |= 1u << DEV_FNMA;
        }
        break;
    case GK_FEST:
        /* PEM 8 (fres): FR, FI undefined, XX not altered; qemu sets XX;
         * the table estimate and the exact quotient may differ in OX/UX */
        mk->fpr[d] = ~0ull;
        *taint |= FPSCR_FPRF | FPSCR_FI | FPSCR_OUX | FPSCR_FX | FPSCR_FEX;
        mk->trap_uncertain = true;
        if (insn & 1)
            mk->cr |= 0x0F000000u;
        mk->reasons |= 1u << DEV_FEST;
        break;
    case GK_FCTIW:
        mk->fpr[d] |= 0xFFFFFFFF00000000ull;
        *taint |= FPSCR_FPRF;
        mk->reasons |= 1u << DEV_FCTIW;
        break;
    case GK_MFFS:
        /* PEM 8 (mffs): frD bits 0-31 are undefined */
        mk->fpr[d] |= 0xFFFFFFFF00000000ull | *taint;
        mk->reasons |= 1u << DEV_FR;
        break;
    case GK_MCRFS: {
        unsigned crfs = (insn >> 18) & 7, crfd = (insn >> 23) & 7;
        mk->cr |= ((*taint << (4 * crfs)) & 0xF0000000u) >> (4 * crfd);
        mk->reasons |= 1u << DEV_FR;
        break;
    }
    default: break;
    }
}

static void trace_step(const PPCState *s, const DiffCase *c, uint32_t i, uint32_t before)
{
    char buf[96];
    if (i >= c->n)
        return;
    uint32_t insn = c->insn[i];
    unsigned d = (insn >> 21) & 31;
    printf("  trace %2u %-28s pc=%08x cr=%08x xer=%08x fpscr %08x->%08x r%u=%08x f%u=%016llx\n", i,
           ppc_disas(insn, DIFF_SEQ + 4 * i, buf, sizeof buf), s->pc, s->cr, s->xer, before, s->fpscr, d,
           s->gpr[d], d, (unsigned long long)s->fpr[d]);
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
    if (bus_write_ram(&e->bus, DIFF_SCRATCH, c->st.mem, DIFF_SCR_SIZE)) {
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
    /* problem state, as the harness under qemu-ppc (linux-user); real mode.
     * qemu-ppc (linux-user) runs with FE0 = FE1 = 1 and has no
     * prctl(PR_SET_FPEXC): both sides use the precise mode then, and an
     * enabled FP exception ends a case in a trap on both (PEM 6.4.7) */
    s->msr = MSR_FP | MSR_PR | (c->flags & DIFF_F_FP ? MSR_FE0 | MSR_FE1 : 0);
    /* a Linux process runs with the data cache on: dcbz zeroes, no alignment trap */
    s->hid0 |= HID0_DCE;
    s->pc = DIFF_SEQ;
    s->reserve_valid = false;
    s->srr0 = s->srr1 = 0;
    memset(mk, 0, sizeof *mk);
    uint32_t taint = FPSCR_FR | FPSCR_B20;
    if (m->has_special || (c->flags & DIFF_F_FP) || trace) {
        /* step, so operands and results of the special kinds are seen */
        for (unsigned k = 0; k < m->max_exec && s->pc >= DIFF_SEQ && s->pc != DIFF_CODE; k++) {
            uint32_t pc = s->pc, before = s->fpscr, i = (pc - DIFF_SEQ) / 4;
            before_insn(s, c, m, mk);
            bool imz = i < c->n && imz_with_nan(s, c->insn[i]);
            /* these may trap on one side only, at this very instruction */
            if (i < c->n && (m->kind[i] == GK_FEST || (m->kind[i] == GK_FNMA && (before & 3) >= 2)))
                mk->trap_uncertain = true;
            (void)ppc_run(s, 1);
            if (imz) {
                taint |= FPSCR_VXSNAN | FPSCR_FX | FPSCR_FEX;
                mk->trap_uncertain = true;
                mk->reasons |= 1u << DEV_IMZ_NAN;
            }
            if (i < c->n && s->pc >= DIFF_SEQ)
                after_insn(s, c, m, i, before, mk, &taint);
            if (trace)
                trace_step(s, c, i, before);
        }
    } else {
        (void)ppc_run(s, m->max_exec);
    }
    mk->fpscr = taint;
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

static int qemu_run(const Options *o, const DiffCase *cases, unsigned n, DiffState *out, uint64_t first)
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
    bool exited = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    rewind(res);
    static DiffState ws;
    unsigned got = 0;
    while (got < n && fread(&ws, sizeof ws, 1, res) == 1)
        state_swap(&out[got++], &ws);
    int rc = exited && got == n ? 0 : -1;
    if (rc) /* results come in order: the first missing one killed it */
        fprintf(stderr, "diff-test: %s -cpu 750 %s failed (status 0x%x) at case %" PRIu64 "\n", o->qemu,
                o->harness, st, first + got);
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
    printf("  replay: diff-test --seed %" PRIu64 " --case %" PRIu64 " --len %u%s%s%s\n", o->seed, idx,
           o->gen.max_len, o->gen.fp ? " --fp" : "", o->gen.skip_unimpl ? " --skip-unimpl" : "",
           o->gen.no_priv ? " --no-priv" : "");
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
            if ((q->fpr[i] & ~mk->fpr[i]) != (e->fpr[i] & ~mk->fpr[i])) {
                snprintf(name, sizeof name, "f%d", i);
                diff_add(d, name, q->fpr[i], e->fpr[i], 16);
            }
        }
        if ((q->fpscr & ~mk->fpscr) != (e->fpscr & ~mk->fpscr))
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

/* After an estimate or a directed-rounding fnmadd (DEV_FEST, DEV_FNMA) the
 * exception bits may differ, so an enabled exception can trap at another
 * place on one side: nothing after that point can be compared */
static bool uncertain_trap(const DiffState *q, const DiffState *e, const Mask *mk)
{
    bool fpe = end_qemu(q) == END_FPE || end_emu(e) == END_FPE;
    return mk->trap_uncertain && fpe && (end_qemu(q) != end_emu(e) || q->fault_pc != e->fault_pc);
}

/* Both sides took the FP enabled exception at the same Rc=1 instruction */
static void trap_cr1(const DiffCase *c, const DiffState *q, const DiffState *e, Mask *mk)
{
    if (end_qemu(q) != END_FPE || end_emu(e) != END_FPE || q->fault_pc != e->fault_pc)
        return;
    uint32_t i = (q->fault_pc - DIFF_SEQ) / 4;
    if (q->fault_pc < DIFF_SEQ || i >= c->n || !(c->insn[i] & 1))
        return;
    mk->cr |= 0x0F000000u;
    mk->reasons |= 1u << DEV_TRAP_CR1;
}

static void print_summary(const Options *o, uint64_t cases, uint64_t bad)
{
    printf("diff-test: seed %" PRIu64 ", %" PRIu64 " cases%s, %" PRIu64 " mismatches\n", o->seed, cases,
           o->gen.fp ? " (with FP)" : "", bad);
    printf("  agreeing cases: %lu ran to the end, %lu ended in the same trap\n", end_count[0], end_count[1]);
    if (uncertain)
        printf("  not compared: %lu cases whose FP trap moved after a masked FPSCR difference\n", uncertain);
    printf("  masked qemu-ppc deviations (cases where applied):\n");
    for (int i = 0; i < (o->gen.fp ? N_DEV : DEV_FR); i++)
        printf("    [%lu] %s\n", dev_count[i], deviations[i]);
    printf("  avoided by construction:\n");
    for (size_t i = 0; i < sizeof avoided / sizeof avoided[0]; i++)
        printf("    %s\n", avoided[i]);
    for (size_t i = 0; o->gen.fp && i < sizeof avoided_fp / sizeof avoided_fp[0]; i++)
        printf("    %s\n", avoided_fp[i]);
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
        if (qemu_run(&o, cases, n, qres, first + done)) {
            cpuenv_free(env);
            return 2;
        }
        for (unsigned i = 0; i < n; i++) {
            Diff d;
            trap_cr1(&cases[i], &qres[i], &eres[i], &masks[i]);
            if (!o.no_mask && uncertain_trap(&qres[i], &eres[i], &masks[i])) {
                uncertain++;
                continue;
            }
            compare(&qres[i], &eres[i], &masks[i], o.gen.fp, &d);
            if (o.gen.fp && !qres[i].status)
                masks[i].reasons |= 1u << DEV_FR | 1u << DEV_FPSCR20;
            for (int k = 0; k < N_DEV; k++)
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
    free(cases);
    free(meta);
    free(qres);
    free(eres);
    free(masks);
    return bad ? 1 : 0;
}
