/*
 * Random case generator of the differential tester.
 *
 * A case is a random initial state plus a sequence of instruction groups:
 * one instruction, or a short preamble that makes the instruction safe
 * (a base register pointing into the scratch buffer, LR/CTR holding a
 * forward target, XER holding a known byte count).  Every case is a pure
 * function of (seed, case number), so one case can be replayed alone.
 *
 * Rules that keep a case well-defined on both sides:
 * - r1 holds DIFF_BLOCK and is never written (it may be read).
 * - branches go forward only, to a group start or to the final branch
 *   back, so a sequence always terminates and never lands in the middle
 *   of a preamble.
 * - loads and stores only reach the scratch buffer; invalid forms (PEM
 *   appendix A.x "invalid instruction forms": update with rA = 0 or
 *   rA = rD, lmw/lswi/lswx ranges holding rA/rB) are never generated.
 * - the rD of a divide is "dead" afterwards (never read or written again),
 *   and so are CR0's LT/GT/EQ after divw./divwu.: when the divide turns out
 *   undefined (PEM 8, divw) the comparison masks exactly those.
 * - one reservation address per case; after the first lwarx no ordinary
 *   store is generated (see the stwcx. note in diff-test.c).
 */
#include "tests/diff/gen.h"

#include <stdio.h>
#include <string.h>

#include "cpu/ppc.h"

/* ---- random numbers (splitmix64) ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rnd(Rng *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }
static uint32_t r32(Rng *r) { return (uint32_t)rng_next(r); }
static bool chance(Rng *r, unsigned pct) { return rnd(r, 100) < pct; }

/* Operand values that reach the corners (carries, overflow, sign) */
static uint32_t rval(Rng *r)
{
    static const uint32_t corners[] = {
        0, 1, 2, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFEu,
        0x0000FFFFu, 0x00008000u, 0x00007FFFu, 0xFFFF8000u, 0xFFFF0000u, 0x00010000u,
        0x55555555u, 0xAAAAAAAAu, 31, 32, 33, 63, 64,
    };
    switch (rnd(r, 8)) {
    case 0: case 1: return corners[rnd(r, sizeof corners / sizeof corners[0])];
    case 2: return rnd(r, 64);
    case 3: return (uint32_t)-(int32_t)rnd(r, 64);
    case 4: return r32(r) & 0xFFFFu;
    default: return r32(r);
    }
}

/* ---- generator state ---- */

typedef struct Gen {
    Rng rng;
    const GenOpts *o;
    uint32_t buf[64];   /* the group being built */
    unsigned blen;
    uint8_t bkind[64];
    bool in_loop;       /* building a loop body: no dead results, no CTR use */
    unsigned extra, pend_extra; /* instructions executed beyond one pass (loops) */
    uint32_t dead;      /* GPRs never to be touched again */
    uint32_t pend_dead; /* becomes dead once the group is accepted */
    uint32_t crdead, pend_crdead; /* CR bits never to be read again (bit i = 0x80000000 >> i) */
    uint32_t fdead, pend_fdead;   /* FPRs never to be touched again */
    bool reserved;      /* an lwarx has been generated */
    bool pend_reserved;
    uint32_t resv_off;  /* scratch offset of the case's reservation */
    bool want_last;     /* group must be the last of the sequence */
    uint32_t other_ea;  /* EA of a GK_STWCX_OTHER in the group */
    /* branches whose target is resolved at the end */
    struct { unsigned at, raw; bool abs; } fix[DIFF_MAXI];
    unsigned nfix, pend_fix;
    unsigned pos;       /* index the group will start at */
} Gen;

static void emit(Gen *g, uint32_t insn) { g->bkind[g->blen] = GK_PLAIN; g->buf[g->blen++] = insn; }

/* a GPR the sequence may write: not r1, not dead */
static int pick_w(Gen *g)
{
    for (int tries = 0; tries < 64; tries++) {
        unsigned r = rnd(&g->rng, 32);
        if (r != 1 && !(g->dead >> r & 1))
            return (int)r;
    }
    return -1;
}

/* a GPR the sequence may read: anything live (r1 is readable) */
static unsigned pick_r(Gen *g)
{
    for (;;) {
        unsigned r = rnd(&g->rng, 32);
        if (!(g->dead >> r & 1))
            return r;
    }
}

/* a CR bit a branch or CR-logical op may read */
static unsigned pick_crbit(Gen *g)
{
    for (;;) {
        unsigned b = rnd(&g->rng, 32);
        if (!(g->crdead & 0x80000000u >> b))
            return b;
    }
}

/* ---- encodings (PEM appendix A) ---- */

#define D_FORM(op, d, a, imm) ((uint32_t)(op) << 26 | (uint32_t)(d) << 21 | (uint32_t)(a) << 16 | ((uint32_t)(imm) & 0xFFFF))
#define X_FORM(d, a, b, xo, rc) (31u << 26 | (uint32_t)(d) << 21 | (uint32_t)(a) << 16 | (uint32_t)(b) << 11 | (uint32_t)(xo) << 1 | (uint32_t)(rc))
#define XO_FORM(d, a, b, oe, xo, rc) (31u << 26 | (uint32_t)(d) << 21 | (uint32_t)(a) << 16 | (uint32_t)(b) << 11 | (uint32_t)(oe) << 10 | (uint32_t)(xo) << 1 | (uint32_t)(rc))
#define XL_FORM(d, a, b, xo, lk) (19u << 26 | (uint32_t)(d) << 21 | (uint32_t)(a) << 16 | (uint32_t)(b) << 11 | (uint32_t)(xo) << 1 | (uint32_t)(lk))
#define A_FORM(op, d, a, b, c, xo, rc) ((uint32_t)(op) << 26 | (uint32_t)(d) << 21 | (uint32_t)(a) << 16 | (uint32_t)(b) << 11 | (uint32_t)(c) << 6 | (uint32_t)(xo) << 1 | (uint32_t)(rc))
#define FX_FORM(d, a, b, xo, rc) (63u << 26 | (uint32_t)(d) << 21 | (uint32_t)(a) << 16 | (uint32_t)(b) << 11 | (uint32_t)(xo) << 1 | (uint32_t)(rc))
#define SPR_FIELD(spr) ((((uint32_t)(spr) & 31) << 16) | (((uint32_t)(spr) >> 5) << 11))

#define SPR_XER 1
#define SPR_LR 8
#define SPR_CTR 9

/* rD = 32-bit constant, two instructions */
static void emit_li32(Gen *g, unsigned rd, uint32_t v)
{
    emit(g, D_FORM(15, rd, 0, v >> 16));       /* addis rd,0,hi */
    emit(g, D_FORM(24, rd, rd, v & 0xFFFF));   /* ori rd,rd,lo */
}

static void emit_li(Gen *g, unsigned rd, int16_t v) { emit(g, D_FORM(14, rd, 0, (uint16_t)v)); }

/* ---- integer groups ---- */

static bool g_dform_alu(Gen *g)
{
    static const unsigned ops[] = { 14, 15, 12, 13, 8, 7, 24, 25, 26, 27, 28, 29 };
    unsigned op = ops[rnd(&g->rng, sizeof ops / sizeof ops[0])];
    int d = pick_w(g);
    if (d < 0)
        return false;
    unsigned a = pick_r(g), imm = rval(&g->rng) & 0xFFFF;
    if (op >= 24) /* logical immediates: rS is the source, rA the target */
        emit(g, D_FORM(op, a, d, imm));
    else
        emit(g, D_FORM(op, d, a, imm));
    return true;
}

static bool g_xo_alu(Gen *g)
{
    /* xo, has-rB, may-OE */
    static const struct { uint16_t xo; bool b, oe; } t[] = {
        { 266, 1, 1 }, { 10, 1, 1 }, { 138, 1, 1 }, { 234, 0, 1 }, { 202, 0, 1 },
        { 40, 1, 1 }, { 8, 1, 1 }, { 136, 1, 1 }, { 232, 0, 1 }, { 200, 0, 1 },
        { 104, 0, 1 }, { 235, 1, 1 }, { 75, 1, 0 }, { 11, 1, 0 },
    };
    unsigned k = rnd(&g->rng, sizeof t / sizeof t[0]);
    int d = pick_w(g);
    if (d < 0)
        return false;
    unsigned a = pick_r(g), b = t[k].b ? pick_r(g) : 0;
    emit(g, XO_FORM(d, a, b, t[k].oe ? rnd(&g->rng, 2) : 0, t[k].xo, rnd(&g->rng, 2)));
    return true;
}

static bool g_div(Gen *g)
{
    bool sgn = chance(&g->rng, 50);
    int d = pick_w(g);
    if (d < 0)
        return false;
    unsigned a = pick_r(g), b = pick_r(g);
    /* make the undefined corners common (PEM 8: divw, divwu) */
    if (chance(&g->rng, 30) && a != 1 && b != 1 && a != b) {
        if (sgn && chance(&g->rng, 50)) {
            emit(g, D_FORM(15, a, 0, 0x8000)); /* lis a,0x8000 */
            emit_li(g, b, -1);
        } else {
            emit_li(g, b, 0);
        }
    }
    unsigned rc = rnd(&g->rng, 2);
    emit(g, XO_FORM(d, a, b, rnd(&g->rng, 2), sgn ? 491 : 459, rc));
    g->bkind[g->blen - 1] = sgn ? GK_DIVW : GK_DIVWU;
    g->pend_dead |= 1u << d;
    if (rc)
        g->pend_crdead |= 0xE0000000u;
    return true;
}

static bool g_x_logic(Gen *g)
{
    static const uint16_t two[] = { 28, 60, 444, 412, 316, 124, 476, 284, 24, 536, 792 };
    static const uint16_t one[] = { 26, 954, 922 };
    int a = pick_w(g);
    if (a < 0)
        return false;
    unsigned s = pick_r(g), rc = rnd(&g->rng, 2);
    switch (rnd(&g->rng, 4)) {
    case 0:
        emit(g, X_FORM(s, a, 0, one[rnd(&g->rng, 3)], rc));
        break;
    case 1:
        emit(g, X_FORM(s, a, rnd(&g->rng, 32), 824, rc)); /* srawi */
        break;
    default:
        emit(g, X_FORM(s, a, pick_r(g), two[rnd(&g->rng, sizeof two / sizeof two[0])], rc));
    }
    return true;
}

static bool g_rotate(Gen *g)
{
    static const unsigned ops[] = { 20, 21, 23 };
    unsigned op = ops[rnd(&g->rng, 3)];
    int a = pick_w(g);
    if (a < 0)
        return false;
    unsigned s = pick_r(g);
    unsigned sh = op == 23 ? pick_r(g) : rnd(&g->rng, 32);
    emit(g, (uint32_t)op << 26 | s << 21 | (uint32_t)a << 16 | sh << 11 | rnd(&g->rng, 32) << 6 |
                rnd(&g->rng, 32) << 1 | rnd(&g->rng, 2));
    return true;
}

static bool g_compare(Gen *g)
{
    unsigned crf = rnd(&g->rng, 8), a = pick_r(g);
    switch (rnd(&g->rng, 4)) {
    case 0: emit(g, D_FORM(11, crf << 2, a, rval(&g->rng))); break; /* cmpi */
    case 1: emit(g, D_FORM(10, crf << 2, a, rval(&g->rng))); break; /* cmpli */
    case 2: emit(g, X_FORM(crf << 2, a, pick_r(g), 0, 0)); break;  /* cmp */
    default: emit(g, X_FORM(crf << 2, a, pick_r(g), 32, 0)); break; /* cmpl */
    }
    return true;
}

static bool g_crlogic(Gen *g)
{
    static const uint16_t xo[] = { 257, 129, 289, 225, 33, 449, 417, 193 };
    switch (rnd(&g->rng, 5)) {
    case 0: { /* mcrf */
        unsigned s = rnd(&g->rng, 8);
        if (g->crdead & 0xF0000000u >> (4 * s))
            return false;
        emit(g, 19u << 26 | rnd(&g->rng, 8) << 23 | s << 18);
        return true;
    }
    case 1: { /* mtcrf */
        emit(g, X_FORM(pick_r(g), 0, 0, 144, 0) | rnd(&g->rng, 256) << 12);
        return true;
    }
    case 2: { /* mfcr / mcrxr */
        if (chance(&g->rng, 50)) {
            emit(g, X_FORM(0, 0, 0, 512, 0) | rnd(&g->rng, 8) << 23);
            return true;
        }
        int d = pick_w(g);
        if (d < 0 || g->crdead)
            return false;
        emit(g, X_FORM(d, 0, 0, 19, 0));
        return true;
    }
    default:
        emit(g, XL_FORM(rnd(&g->rng, 32), pick_crbit(g), pick_crbit(g), xo[rnd(&g->rng, 8)], 0));
        return true;
    }
}

/* tw/twi: a taken trap ends the case on both sides (PEM 8, tw) */
static bool g_trap(Gen *g)
{
    unsigned to = rnd(&g->rng, 32), a = pick_r(g);
    if (chance(&g->rng, 50))
        emit(g, D_FORM(3, to, a, rval(&g->rng)));
    else
        emit(g, X_FORM(to, a, pick_r(g), 4, 0));
    return true;
}

/* A privileged instruction (user mode: program exception, PEM 6.4.7) or an
 * encoding the 750 does not implement (64-bit, POWER, Gekko paired-single,
 * fsqrt): both sides must fault at it with the same state. */
static bool g_illegal(Gen *g)
{
    if (g->o->no_priv)
        return false;
    static const uint16_t priv_x[] = { 83, 146, 595, 210, 659, 242, 306, 566, 470 };
    /* not PVR (287): Linux emulates mfpvr for user space, and so does qemu-ppc */
    static const uint16_t sprs[] = { 26, 27, 272, 273, 19, 18, 25, 1008, 22, 528, 1017 };
    static const uint16_t x64[] = { 233, 489, 457, 58, 986, 27, 539, 794, 21, 53, 149, 181 };
    /* not 4: qemu-ppc -cpu 750 runs some of its (AltiVec VA-form) encodings;
     * not 60: some (VSX) encodings abort qemu-ppc ("Unknown exception 0x5e") */
    static const uint8_t prim[] = { 1, 5, 6, 9, 22, 30, 56, 57, 58, 61, 62 };
    unsigned d = rnd(&g->rng, 32), a = rnd(&g->rng, 32), b = rnd(&g->rng, 32);
    switch (rnd(&g->rng, 6)) {
    case 0: emit(g, X_FORM(d, a, b, priv_x[rnd(&g->rng, sizeof priv_x / 2)], 0)); break;
    case 1: emit(g, XL_FORM(0, 0, 0, 50, 0)); break; /* rfi */
    case 2: { /* mfspr/mtspr of a supervisor SPR */
        unsigned spr = sprs[rnd(&g->rng, sizeof sprs / 2)];
        emit(g, X_FORM(d, 0, 0, chance(&g->rng, 50) ? 339 : 467, 0) | SPR_FIELD(spr));
        break;
    }
    case 3: emit(g, X_FORM(d, a, b, x64[rnd(&g->rng, sizeof x64 / 2)], 0)); break;
    case 4: emit(g, (uint32_t)prim[rnd(&g->rng, sizeof prim)] << 26 | (r32(&g->rng) & 0x03FFFFFFu)); break;
    default: emit(g, A_FORM(chance(&g->rng, 50) ? 63 : 59, d, 0, b, 0, 22, 0)); break; /* fsqrt[s] */
    }
    return true;
}

/* mtxer with a value that has only SO/OV/CA and a byte count: the reserved
 * XER bits are never written (750 UM 2.1.2.4; their contents are not
 * architected and qemu keeps what is written) */
static bool g_xer(Gen *g, unsigned count)
{
    int x = pick_w(g);
    if (x < 0)
        return false;
    emit_li32(g, (unsigned)x, (r32(&g->rng) & 0xE0000000u) | count);
    emit(g, X_FORM(x, 0, 0, 467, 0) | SPR_FIELD(SPR_XER));
    return true;
}

static bool g_spr(Gen *g)
{
    static const unsigned sprs[] = { SPR_XER, SPR_LR, SPR_CTR };
    unsigned spr = sprs[rnd(&g->rng, 3)];
    if (chance(&g->rng, 50)) {
        int d = pick_w(g);
        if (d < 0)
            return false;
        emit(g, X_FORM(d, 0, 0, 339, 0) | SPR_FIELD(spr)); /* mfspr */
        return true;
    }
    if (spr == SPR_XER)
        return g_xer(g, rnd(&g->rng, 128));
    emit(g, X_FORM(pick_r(g), 0, 0, 467, 0) | SPR_FIELD(spr)); /* mtlr/mtctr */
    return true;
}

/* ---- branches ---- */

/* valid BO values with z = 0 (PEM 4.2.4.2, Table 4-1), y random */
static unsigned pick_bo(Gen *g, bool ctr_ok)
{
    static const uint8_t all[] = { 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20 };
    static const uint8_t no_ctr[] = { 4, 5, 12, 13, 20 };
    return ctr_ok ? all[rnd(&g->rng, sizeof all)] : no_ctr[rnd(&g->rng, sizeof no_ctr)];
}

static unsigned pick_bi(Gen *g, unsigned bo)
{
    /* BO = 1z1zz ignores the condition; otherwise respect a dead CR0 */
    return (bo & 0x14) == 0x14 ? rnd(&g->rng, 32) : pick_crbit(g);
}

static void add_fix(Gen *g, unsigned at, bool abs)
{
    unsigned i = g->nfix + g->pend_fix++;
    g->fix[i].at = at;
    g->fix[i].raw = (unsigned)rnd(&g->rng, 1000);
    g->fix[i].abs = abs;
}

static bool g_branch(Gen *g)
{
    unsigned k = rnd(&g->rng, 6);
    if (k <= 1) { /* b/bl/ba/bla */
        bool abs = chance(&g->rng, 30);
        add_fix(g, g->pos + g->blen, abs);
        emit(g, 18u << 26 | (abs ? 2u : 0u) | rnd(&g->rng, 2));
        return true;
    }
    if (k <= 3) { /* bc/bcl */
        unsigned bo = pick_bo(g, true);
        add_fix(g, g->pos + g->blen, false);
        emit(g, 16u << 26 | bo << 21 | pick_bi(g, bo) << 16 | rnd(&g->rng, 2));
        return true;
    }
    /* bclr/bcctr with the target loaded just before */
    int x = pick_w(g);
    if (x < 0)
        return false;
    bool lr = k == 4;
    add_fix(g, g->pos + g->blen, false); /* patches the addis/ori pair */
    emit(g, D_FORM(15, x, 0, 0));
    emit(g, D_FORM(24, x, x, 0));
    emit(g, X_FORM(x, 0, 0, 467, 0) | SPR_FIELD(lr ? SPR_LR : SPR_CTR));
    unsigned bo = pick_bo(g, lr);
    emit(g, XL_FORM(bo, pick_bi(g, bo), 0, lr ? 16 : 528, rnd(&g->rng, 2)));
    return true;
}

/* ---- loads and stores ---- */

/* Load base register a so that d(a) or a+b hits scratch offset off */
static void emit_base(Gen *g, unsigned a, uint32_t off, int32_t disp)
{
    emit_li32(g, a, (uint32_t)((int32_t)(DIFF_SCRATCH + off) - disp));
}

static int pick_base(Gen *g, int avoid1, int avoid2)
{
    for (int tries = 0; tries < 64; tries++) {
        int a = pick_w(g);
        if (a > 0 && a != avoid1 && a != avoid2)
            return a;
    }
    return -1;
}

static bool g_ldst(Gen *g)
{
    /* D-form opcode, X-form xo, size, is-store, is-update */
    static const struct { uint8_t op; uint16_t xo; uint8_t size; bool st, up; } t[] = {
        { 32, 23, 4, 0, 0 }, { 33, 55, 4, 0, 1 }, { 34, 87, 1, 0, 0 }, { 35, 119, 1, 0, 1 },
        { 40, 279, 2, 0, 0 }, { 41, 311, 2, 0, 1 }, { 42, 343, 2, 0, 0 }, { 43, 375, 2, 0, 1 },
        { 36, 151, 4, 1, 0 }, { 37, 183, 4, 1, 1 }, { 38, 215, 1, 1, 0 }, { 39, 247, 1, 1, 1 },
        { 44, 407, 2, 1, 0 }, { 45, 439, 2, 1, 1 },
        { 0, 534, 4, 0, 0 }, { 0, 790, 2, 0, 0 }, { 0, 662, 4, 1, 0 }, { 0, 918, 2, 1, 0 },
    };
    unsigned k = rnd(&g->rng, sizeof t / sizeof t[0]);
    if (t[k].st && g->reserved)
        return false;
    int rd = t[k].st ? (int)pick_r(g) : pick_w(g);
    if (rd < 0)
        return false;
    int a = pick_base(g, t[k].up && !t[k].st ? rd : -1, -1);
    if (a < 0)
        return false;
    uint32_t off = rnd(&g->rng, DIFF_SCR_SIZE - 8);
    if (chance(&g->rng, 75))
        off &= ~(uint32_t)(t[k].size - 1);
    bool indexed = !t[k].op || chance(&g->rng, 40);
    if (indexed) {
        int b = pick_base(g, a, t[k].up && !t[k].st ? rd : -1);
        if (b < 0)
            return false;
        int16_t idx = (int16_t)((int)rnd(&g->rng, 129) - 64);
        emit_base(g, (unsigned)a, off, idx);
        emit_li(g, (unsigned)b, idx);
        emit(g, X_FORM(rd, a, b, t[k].xo, 0));
    } else {
        int16_t d = (int16_t)((int)rnd(&g->rng, 129) - 64);
        emit_base(g, (unsigned)a, off, d);
        emit(g, D_FORM(t[k].op, rd, a, (uint16_t)d));
    }
    return true;
}

/* registers rd .. rd+n-1 (mod 32) avoid r1 and a/b; return true when ok */
static bool range_ok(Gen *g, unsigned rd, unsigned n, int a, int b, bool write)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned r = (rd + i) & 31;
        if ((write && r == 1) || (int)r == a || (int)r == b || (g->dead >> r & 1))
            return false;
    }
    return true;
}

static bool g_multiple(Gen *g)
{
    bool st = chance(&g->rng, 50);
    if (st && g->reserved)
        return false;
    unsigned rd = 2 + rnd(&g->rng, 30);
    int a = pick_base(g, -1, -1);
    if (a < 0)
        return false;
    if (!st && (unsigned)a >= rd) /* lmw: rA must not be loaded (invalid form) */
        return false;
    unsigned n = 32 - rd;
    if (!range_ok(g, rd, n, st ? -1 : a, -1, !st))
        return false;
    uint32_t off = rnd(&g->rng, (DIFF_SCR_SIZE - 4 * n) / 4) * 4;
    int16_t d = (int16_t)(((int)rnd(&g->rng, 33) - 16) * 4);
    emit_base(g, (unsigned)a, off, d);
    emit(g, D_FORM(st ? 47 : 46, rd, a, (uint16_t)d));
    return true;
}

static bool g_string(Gen *g)
{
    bool st = chance(&g->rng, 50), imm = chance(&g->rng, 50);
    if (st && g->reserved)
        return false;
    unsigned nb = imm ? 1 + rnd(&g->rng, 32) : rnd(&g->rng, 64);
    unsigned nregs = (nb + 3) / 4;
    unsigned rd = rnd(&g->rng, 32);
    int a = pick_base(g, -1, -1);
    if (a < 0)
        return false;
    int b = -1;
    if (!imm) {
        b = pick_base(g, a, -1);
        if (b < 0)
            return false;
    }
    /* lswi/lswx: rA and rB must not be in the loaded range (invalid form) */
    if (!range_ok(g, rd, nregs ? nregs : 1, st ? -1 : a, st ? -1 : b, !st))
        return false;
    uint32_t off = rnd(&g->rng, DIFF_SCR_SIZE - 64);
    if (imm) {
        emit_base(g, (unsigned)a, off, 0);
        emit(g, X_FORM(rd, a, nb & 31, st ? 725 : 597, 0));
    } else {
        int16_t idx = (int16_t)((int)rnd(&g->rng, 65) - 32);
        if (!g_xer(g, nb))
            return false;
        emit_base(g, (unsigned)a, off, idx);
        emit_li(g, (unsigned)b, idx);
        emit(g, X_FORM(rd, a, b, st ? 661 : 533, 0));
    }
    return true;
}

static bool g_atomic(Gen *g)
{
    if (!g->reserved && !g->pend_reserved)
        g->resv_off = rnd(&g->rng, DIFF_SCR_SIZE / 4) * 4;
    bool st = (g->reserved || g->pend_reserved) && chance(&g->rng, 60);
    int rd = st ? (int)pick_r(g) : pick_w(g);
    if (rd < 0)
        return false;
    int a = pick_base(g, -1, -1), b = pick_base(g, a, -1);
    if (a < 0 || b < 0)
        return false;
    int16_t idx = (int16_t)(((int)rnd(&g->rng, 17) - 8) * 4);
    uint32_t off = g->resv_off;
    bool other = st && chance(&g->rng, 10);
    if (other) /* another word: the store's outcome is undefined (PEM 8, stwcx.) */
        off = (off + 4 * (1 + rnd(&g->rng, 8))) % DIFF_SCR_SIZE;
    emit_base(g, (unsigned)a, off, idx);
    emit_li(g, (unsigned)b, idx);
    emit(g, X_FORM(rd, a, b, st ? 150 : 20, st));
    if (other) {
        g->bkind[g->blen - 1] = GK_STWCX_OTHER;
        g->want_last = true;
        g->other_ea = DIFF_SCRATCH + off;
    }
    if (!st)
        g->pend_reserved = true;
    return true;
}

static bool g_cache(Gen *g)
{
    /* dcbz, dcbst, dcbf, dcbt, dcbtst, icbi; sync, eieio, isync */
    static const uint16_t xo[] = { 1014, 54, 86, 278, 246, 982 };
    unsigned k = rnd(&g->rng, 9);
    if (k == 6) { emit(g, X_FORM(0, 0, 0, 598, 0)); return true; }
    if (k == 7) { emit(g, X_FORM(0, 0, 0, 854, 0)); return true; }
    if (k == 8) { emit(g, XL_FORM(0, 0, 0, 150, 0)); return true; }
    if (k == 0 && g->reserved)
        return false;
    int a = pick_base(g, -1, -1), b = pick_base(g, a, -1);
    if (a < 0 || b < 0)
        return false;
    int16_t idx = (int16_t)((int)rnd(&g->rng, 65) - 32);
    emit_base(g, (unsigned)a, rnd(&g->rng, DIFF_SCR_SIZE), idx);
    emit_li(g, (unsigned)b, idx);
    emit(g, X_FORM(0, a, b, xo[k], 0));
    return true;
}

/* ---- floating point ---- */

/* an FPR the sequence may use (read or write): not dead */
static unsigned pick_f(Gen *g)
{
    for (;;) {
        unsigned r = rnd(&g->rng, 32);
        if (!(g->fdead >> r & 1))
            return r;
    }
}


/* Inputs of single-precision instructions must be representable in single
 * format, else "the results ... are undefined" (PEM 4.2.3, "floating-point
 * single-precision instructions"; 750 UM 2.3.4.3): frsp them first. */
static void emit_frsp_inputs(Gen *g, const unsigned *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        bool seen = false;
        for (unsigned k = 0; k < i; k++)
            seen |= r[k] == r[i];
        if (!seen) {
            emit(g, FX_FORM(r[i], 0, r[i], 12, 0));
            g->bkind[g->blen - 1] = GK_FP_SINGLE;
        }
    }
}

static bool g_fp_arith(Gen *g)
{
    /* xo, uses frA/frB/frC, single allowed, double allowed */
    static const struct { uint8_t xo; bool a, b, c, sgl, dbl; } t[] = {
        { 21, 1, 1, 0, 1, 1 }, { 20, 1, 1, 0, 1, 1 }, { 25, 1, 0, 1, 1, 1 }, { 18, 1, 1, 0, 1, 1 },
        { 29, 1, 1, 1, 1, 1 }, { 28, 1, 1, 1, 1, 1 }, { 31, 1, 1, 1, 1, 1 }, { 30, 1, 1, 1, 1, 1 },
        { 23, 1, 1, 1, 0, 1 }, { 24, 0, 1, 0, 1, 0 }, { 26, 0, 1, 0, 0, 1 },
    };
    unsigned k = rnd(&g->rng, sizeof t / sizeof t[0]);
    bool sgl = t[k].sgl && (!t[k].dbl || chance(&g->rng, 50));
    unsigned d = pick_f(g), a = t[k].a ? pick_f(g) : 0, b = t[k].b ? pick_f(g) : 0,
             c = t[k].c ? pick_f(g) : 0;
    unsigned rc = rnd(&g->rng, 2);
    if (sgl) {
        unsigned in[3], n = 0;
        if (t[k].a) in[n++] = a;
        if (t[k].b) in[n++] = b;
        if (t[k].c) in[n++] = c;
        emit_frsp_inputs(g, in, n);
    }
    uint8_t kind = GK_PLAIN;
    if (t[k].xo == 24 || t[k].xo == 26)
        kind = GK_FEST;
    else if (t[k].xo == 31 || t[k].xo == 30)
        kind = GK_FNMA;
    else if (sgl)
        kind = GK_FP_SINGLE;
    if (g->in_loop && (kind == GK_FEST || kind == GK_FNMA)) /* results that must stay unread */
        return false;
    emit(g, A_FORM(sgl ? 59 : 63, d, a, b, c, t[k].xo, rc));
    g->bkind[g->blen - 1] = kind;
    if (kind == GK_FEST || kind == GK_FNMA)
        g->pend_fdead |= 1u << d; /* possibly masked: never read again */
    if (kind == GK_FEST && rc)
        g->pend_crdead |= 0x0F000000u; /* CR1 copies FX..OX */
    return true;
}

static bool g_fp_move(Gen *g)
{
    static const uint16_t xo[] = { 72, 40, 264, 136, 12 };
    unsigned d = pick_f(g), b = pick_f(g), rc = rnd(&g->rng, 2);
    if (!g->in_loop && chance(&g->rng, 25)) { /* fctiw[z], often stored with stfiwx */
        emit(g, FX_FORM(d, 0, b, chance(&g->rng, 50) ? 14 : 15, rc));
        g->bkind[g->blen - 1] = GK_FCTIW;
        g->pend_fdead |= 1u << d;
        if (!g->reserved && chance(&g->rng, 60)) {
            int a = pick_w(g), x = pick_w(g);
            if (a <= 0 || x < 0 || a == x)
                return false;
            int16_t idx = (int16_t)(((int)rnd(&g->rng, 17) - 8) * 4);
            emit_base(g, (unsigned)a, rnd(&g->rng, DIFF_SCR_SIZE / 4) * 4, idx);
            emit_li(g, (unsigned)x, idx);
            emit(g, X_FORM(d, a, x, 983, 0));
        }
        return true;
    }
    unsigned k = rnd(&g->rng, sizeof xo / sizeof xo[0]);
    emit(g, FX_FORM(d, 0, b, xo[k], rc));
    if (xo[k] == 12)
        g->bkind[g->blen - 1] = GK_FP_SINGLE;
    return true;
}

static bool g_fp_cmp(Gen *g)
{
    emit(g, FX_FORM(rnd(&g->rng, 8) << 2, pick_f(g), pick_f(g), chance(&g->rng, 50) ? 32 : 0, 0));
    return true;
}

static bool g_fp_fpscr(Gen *g)
{
    unsigned rc = rnd(&g->rng, 2);
    switch (rnd(&g->rng, 6) + (g->in_loop ? 2 : 0)) {
    case 0: { /* mffs: the target observes FPSCR and is dead afterwards */
        unsigned d = pick_f(g);
        emit(g, FX_FORM(d, 0, 0, 583, rc));
        g->bkind[g->blen - 1] = GK_MFFS;
        g->pend_fdead |= 1u << d;
        return true;
    }
    case 1: { /* mcrfs: likewise for the CR field */
        unsigned crf = rnd(&g->rng, 8);
        emit(g, FX_FORM(crf << 2, rnd(&g->rng, 8) << 2, 0, 64, 0));
        g->bkind[g->blen - 1] = GK_MCRFS;
        g->pend_crdead |= 0xF0000000u >> (4 * crf);
        return true;
    }
    case 2: /* mtfsf: never field 7 (NI, RN come from mtfsfi/mtfsb) */
        emit(g, FX_FORM(0, 0, pick_f(g), 711, rc) | (rnd(&g->rng, 256) & 0xFEu) << 17);
        return true;
    case 3: { /* mtfsfi; NI (non-IEEE mode) stays 0 */
        unsigned crf = rnd(&g->rng, 8), imm = rnd(&g->rng, 16);
        if (crf == 7)
            imm &= ~4u;
        emit(g, FX_FORM(crf << 2, 0, imm << 1, 134, rc));
        return true;
    }
    default: { /* mtfsb0 / mtfsb1 */
        bool one = chance(&g->rng, 50);
        unsigned bit = rnd(&g->rng, 32);
        if (one && bit == 29)
            bit = 30;
        emit(g, FX_FORM(bit, 0, 0, one ? 38 : 70, rc));
        return true;
    }
    }
}

static bool g_fp_ldst(Gen *g)
{
    /* D-form op, X-form xo, is-store, is-update, single */
    static const struct { uint8_t op; uint16_t xo; bool st, up, sgl; } t[] = {
        { 48, 535, 0, 0, 1 }, { 49, 567, 0, 1, 1 }, { 50, 599, 0, 0, 0 }, { 51, 631, 0, 1, 0 },
        { 52, 663, 1, 0, 1 }, { 53, 695, 1, 1, 1 }, { 54, 727, 1, 0, 0 }, { 55, 759, 1, 1, 0 },
    };
    unsigned k = rnd(&g->rng, sizeof t / sizeof t[0]);
    if (t[k].st && g->reserved)
        return false;
    unsigned f = pick_f(g);
    /* stfs of a value outside single range is not defined by PEM 3.3.x;
     * store single-format values only */
    if (t[k].st && t[k].sgl)
        emit_frsp_inputs(g, &f, 1);
    int a = pick_base(g, -1, -1);
    if (a < 0)
        return false;
    /* word aligned: the 750 takes an alignment exception otherwise (750 UM 4.5.6) */
    uint32_t off = rnd(&g->rng, (DIFF_SCR_SIZE - 8) / 4) * 4;
    if (chance(&g->rng, 40)) {
        int b = pick_base(g, a, -1);
        if (b < 0)
            return false;
        int16_t idx = (int16_t)(((int)rnd(&g->rng, 33) - 16) * 4);
        emit_base(g, (unsigned)a, off, idx);
        emit_li(g, (unsigned)b, idx);
        emit(g, X_FORM(f, a, b, t[k].xo, 0));
    } else {
        int16_t d = (int16_t)(((int)rnd(&g->rng, 33) - 16) * 4);
        emit_base(g, (unsigned)a, off, d);
        emit(g, D_FORM(t[k].op, f, a, (uint16_t)d));
    }
    return true;
}

/* ---- block-engine stress: loops and code patched at run time ---- */

static bool g_dform_alu(Gen *g);
static bool g_xo_alu(Gen *g);
static bool g_x_logic(Gen *g);
static bool g_rotate(Gen *g);
static bool g_compare(Gen *g);
static bool g_crlogic(Gen *g);
static bool g_ldst(Gen *g);
static bool g_multiple(Gen *g);
static bool g_string(Gen *g);
static bool g_cache(Gen *g);

/* A counted loop: li rX,k; mtctr rX; body; bdnz body.  The body holds no
 * branch, no CTR write, no divide and nothing whose result must stay unread,
 * so every pass is well defined; it runs the body k times. */
static bool g_loop(Gen *g)
{
    static bool (*const body[])(Gen *) = {
        g_dform_alu, g_xo_alu, g_x_logic, g_rotate, g_compare, g_crlogic, g_ldst, g_multiple,
        g_string, g_cache, g_fp_arith, g_fp_move, g_fp_cmp, g_fp_fpscr, g_fp_ldst,
    };
    unsigned nbody = g->o->fp ? sizeof body / sizeof body[0] : 10;
    if (g->in_loop)
        return false;
    int x = pick_w(g);
    if (x < 0)
        return false;
    unsigned k = 1 + rnd(&g->rng, 4);
    emit_li(g, (unsigned)x, (int16_t)k);
    emit(g, X_FORM(x, 0, 0, 467, 0) | SPR_FIELD(SPR_CTR));
    unsigned start = g->blen;
    g->in_loop = true;
    for (unsigned i = 0, n = 1 + rnd(&g->rng, 4); i < n; i++) {
        unsigned save = g->blen;
        if (!body[rnd(&g->rng, nbody)](g) || g->blen > 40)
            g->blen = save;
    }
    g->in_loop = false;
    unsigned len = g->blen - start;
    if (!len)
        return false;
    emit(g, 16u << 26 | 16u << 21 | ((uint32_t)(-(int32_t)(4 * len)) & 0xFFFCu)); /* bdnz */
    g->pend_extra += (k - 1) * (len + 1);
    return true;
}

/* Patch the instruction just ahead and run it: stw the new word, then
 * dcbst, sync, icbi, isync make it visible to fetch (PEM 5.1.5.1, 750 UM
 * 2.3.3.4); the old word must never run. */
static bool g_smc(Gen *g)
{
    if (g->reserved || g->in_loop)
        return false;
    int x = pick_w(g), a = pick_base(g, x, -1);
    if (x < 0 || a < 0 || !g_dform_alu(g))
        return false;
    uint32_t new_insn = g->buf[--g->blen];
    if (!g_x_logic(g))
        return false;
    uint32_t old_insn = g->buf[--g->blen];
    emit_li32(g, (unsigned)x, new_insn);
    uint32_t slot = DIFF_SEQ + 4 * (g->pos + g->blen + 2 + 5);
    emit_li32(g, (unsigned)a, slot);
    emit(g, D_FORM(36, x, a, 0));             /* stw x,0(a) */
    emit(g, X_FORM(0, 0, a, 54, 0));          /* dcbst 0,a */
    emit(g, X_FORM(0, 0, 0, 598, 0));         /* sync */
    emit(g, X_FORM(0, 0, a, 982, 0));         /* icbi 0,a */
    emit(g, XL_FORM(0, 0, 0, 150, 0));        /* isync */
    emit(g, old_insn);
    return true;
}

/* ---- the sequence ---- */

typedef bool (*GroupFn)(Gen *g);
static const struct { GroupFn fn; unsigned weight; const char *name; } groups[] = {
    { g_dform_alu, 12, "D-form ALU" }, { g_xo_alu, 14, "XO-form ALU" }, { g_div, 5, "divide" },
    { g_x_logic, 10, "logical/shift" }, { g_rotate, 8, "rotate" }, { g_compare, 6, "compare" },
    { g_crlogic, 8, "CR ops" }, { g_spr, 4, "SPR moves" }, { g_trap, 1, "tw/twi" }, { g_branch, 9, "branch" },
    { g_ldst, 14, "load/store" }, { g_multiple, 3, "lmw/stmw" }, { g_string, 4, "string" },
    { g_atomic, 5, "lwarx/stwcx." }, { g_cache, 3, "cache/sync" },
    { g_loop, 4, "loop" }, { g_smc, 2, "patched code" }, { g_illegal, 1, "privileged/illegal" },
    /* --fp only, from here */
    { g_fp_arith, 30, "FP arithmetic" }, { g_fp_move, 12, "FP move/convert" },
    { g_fp_cmp, 6, "FP compare" }, { g_fp_fpscr, 8, "FPSCR ops" }, { g_fp_ldst, 12, "FP load/store" },
};
#define FIRST_FP_GROUP 18
#define N_GROUPS (sizeof groups / sizeof groups[0])

static unsigned long unimpl_count[N_GROUPS];
static unsigned long used_count[N_GROUPS];
static uint32_t unimpl_example[N_GROUPS];

static bool all_decoded(Gen *g, unsigned gi)
{
    for (unsigned i = 0; i < g->blen; i++) {
        PPCOp op;
        if (!ppc_decode(g->buf[i], &op)) {
            unimpl_count[gi]++;
            unimpl_example[gi] = g->buf[i];
            return false;
        }
    }
    return true;
}

static unsigned pick_group(Gen *g)
{
    unsigned n = g->o->fp ? N_GROUPS : FIRST_FP_GROUP, total = 0;
    for (unsigned i = 0; i < n; i++)
        total += groups[i].weight;
    unsigned x = rnd(&g->rng, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < groups[i].weight)
            return i;
        x -= groups[i].weight;
    }
    return 0;
}

/* Try one group at g->pos; true when it was accepted into c */
static bool try_group(Gen *g, DiffCase *c, CaseMeta *m, unsigned len, unsigned gi)
{
    uint32_t dead0 = g->dead;
    g->blen = 0;
    g->pend_dead = 0;
    g->pend_crdead = 0;
    g->pend_fdead = 0;
    g->pend_reserved = false;
    g->pend_fix = 0;
    g->pend_extra = 0;
    g->want_last = false;
    bool ok = groups[gi].fn(g) && g->pos + g->blen <= len;
    if (ok && g->want_last && g->pos + g->blen != len)
        ok = false;
    if (ok && g->o->skip_unimpl && !all_decoded(g, gi))
        ok = false;
    if (!ok) {
        g->dead = dead0;
        return false;
    }
    for (unsigned i = 0; i < g->blen; i++) {
        c->insn[g->pos + i] = g->buf[i];
        m->kind[g->pos + i] = g->bkind[i];
        if (g->bkind[i] != GK_PLAIN)
            m->has_special = true;
        if (g->bkind[i] == GK_STWCX_OTHER)
            m->stwcx_ea = g->other_ea;
    }
    used_count[gi]++;
    g->dead |= g->pend_dead;
    g->crdead |= g->pend_crdead;
    g->fdead |= g->pend_fdead;
    g->reserved |= g->pend_reserved;
    g->nfix += g->pend_fix;
    g->extra += g->pend_extra;
    g->pos += g->blen;
    return true;
}

/* Forward branch targets: a group start after the branch, or len (the
 * final branch back to the harness) */
static void resolve_branches(Gen *g, DiffCase *c, const bool *starts, unsigned len)
{
    for (unsigned i = 0; i < g->nfix; i++) {
        unsigned at = g->fix[i].at;
        uint32_t insn = c->insn[at];
        unsigned br = at; /* index of the branch instruction itself */
        if ((insn >> 26) == 15) /* addis/ori/mt*: the branch is 3 later */
            br = at + 3;
        unsigned t = br + 1 + g->fix[i].raw % (len - br);
        while (t < len && !starts[t])
            t++;
        uint32_t target = DIFF_SEQ + 4 * t;
        switch (insn >> 26) {
        case 18:
            c->insn[at] = (insn & 0xFC000003u) |
                          ((g->fix[i].abs ? target : target - (DIFF_SEQ + 4 * at)) & 0x03FFFFFCu);
            break;
        case 16:
            c->insn[at] = (insn & 0xFFFF0003u) | ((target - (DIFF_SEQ + 4 * at)) & 0xFFFCu);
            break;
        default:
            c->insn[at] = (insn & 0xFFFF0000u) | (target >> 16);
            c->insn[at + 1] = (c->insn[at + 1] & 0xFFFF0000u) | (target & 0xFFFF);
        }
    }
}

/* Double bit patterns that reach the FPU's corners */
static uint64_t fval(Rng *r)
{
    static const uint64_t corners[] = {
        0, 0x8000000000000000ull, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
        0x7FF8000000000000ull, 0x7FF4000000000000ull, 0xFFF8000000000001ull, 0x7FF0000000000001ull,
        0x3FF0000000000000ull, 0xBFF0000000000000ull, 0x4000000000000000ull, 0x3FE0000000000000ull,
        0x0000000000000001ull, 0x000FFFFFFFFFFFFFull, 0x0010000000000000ull, 0x7FEFFFFFFFFFFFFFull,
        0x47EFFFFFE0000000ull, 0x3810000000000000ull, 0x36A0000000000000ull, 0x41DFFFFFFFC00000ull,
        0x41E0000000000000ull, 0xC1E0000000000000ull, 0xC1E0000000200000ull, 0x3FF8000000000000ull,
    };
    switch (rnd(r, 10)) {
    case 0: case 1: return corners[rnd(r, sizeof corners / sizeof corners[0])];
    case 2: case 3: { /* a single: exact in single format, incl. denormals */
        uint32_t f = r32(r);
        if (rnd(r, 4) == 0)
            f &= 0x807FFFFFu; /* single denormal */
        float x;
        memcpy(&x, &f, 4);
        double dd = x;
        uint64_t u;
        memcpy(&u, &dd, 8);
        return u;
    }
    case 4: { /* small integer, maybe plus a fraction (fctiw) */
        double dd = (double)((int32_t)r32(r) >> rnd(r, 32)) + (rnd(r, 2) ? 0.5 : 0.0);
        uint64_t u;
        memcpy(&u, &dd, 8);
        return u;
    }
    case 5: /* any exponent */
        return (uint64_t)r32(r) << 32 | r32(r);
    default: { /* moderate exponent, random fraction and sign */
        uint64_t e = 1023 - 40 + rnd(r, 80);
        return (uint64_t)rnd(r, 2) << 63 | e << 52 | ((uint64_t)r32(r) << 32 | r32(r)) >> 12;
    }
    }
}

/* FPSCR with consistent summaries: VX = OR of the VX* bits, FEX = 0
 * (PEM 2.1.4); NI = 0 (IEEE mode); enables in one case of five */
static uint32_t fpscr_val(Rng *r)
{
    uint32_t f = r32(r) & (chance(r, 50) ? 0x9FFFF7FBu : 0x000000FBu);
    if (!chance(r, 20))
        f &= ~0xF8u; /* VE OE UE ZE XE */
    f &= ~0x4u;
    if (f & 0x01F80700u)
        f |= 0x20000000u;
    /* FEX must start clear: qemu-ppc runs with MSR[FE0,FE1] set, so an
     * enabled exception pending at entry would trap in the harness */
    uint32_t en = f >> 3 & 0x1F;                 /* VE OE UE ZE XE as bits 4..0 */
    f &= ~((en & 0x0Fu) << 25);                  /* OX UX ZX XX that are enabled */
    if (en & 0x10u)
        f &= ~0x21F80700u;                       /* VX and its causes */
    return f;
}

static void gen_state(Gen *g, DiffCase *c)
{
    if (g->o->fp) {
        for (int i = 0; i < 32; i++)
            c->st.fpr[i] = fval(&g->rng);
        c->st.fpscr = fpscr_val(&g->rng);
    }
    for (int i = 0; i < 32; i++)
        c->st.gpr[i] = rval(&g->rng);
    c->st.gpr[1] = DIFF_BLOCK;
    c->st.cr = r32(&g->rng);
    /* XER: SO/OV/CA and the byte count only (reserved bits stay 0) */
    c->st.xer = (r32(&g->rng) & 0xE0000000u) | rnd(&g->rng, 128);
    c->st.lr = rval(&g->rng) & ~3u;
    c->st.ctr = chance(&g->rng, 50) ? rnd(&g->rng, 4) : rval(&g->rng);
    for (int i = 0; i < DIFF_SCR_SIZE; i++)
        c->st.mem[i] = (uint8_t)(chance(&g->rng, 20) ? rval(&g->rng) : r32(&g->rng));
}

void gen_case(uint64_t seed, uint64_t idx, const GenOpts *o, DiffCase *c, CaseMeta *m)
{
    Gen g;
    memset(&g, 0, sizeof g);
    memset(c, 0, sizeof *c);
    memset(m, 0, sizeof *m);
    g.rng.s = seed * 0x9E3779B97F4A7C15ull ^ (idx + 1) * 0xD1B54A32D192ED03ull;
    g.o = o;
    /* with FP, CR1 copies FPSCR bits that may be masked (diff-test.c):
     * never read it */
    if (o->fp)
        g.crdead = 0x0F000000u;
    gen_state(&g, c);
    unsigned maxl = o->max_len < DIFF_MAXI - 1 ? o->max_len : DIFF_MAXI - 1;
    unsigned len = 1 + rnd(&g.rng, maxl);
    bool starts[DIFF_MAXI] = { 0 };
    while (g.pos < len) {
        unsigned at = g.pos;
        bool ok = false;
        for (int tries = 0; tries < 20 && !ok; tries++)
            ok = try_group(&g, c, m, len, pick_group(&g));
        if (!ok) { /* filler that always fits: addi rX,rY,imm */
            int d = pick_w(&g);
            c->insn[g.pos++] = D_FORM(14, d < 0 ? 0 : d, pick_r(&g), r32(&g.rng));
            if (d < 0) /* r0 may be dead; then the filler is a no-op */
                c->insn[g.pos - 1] = X_FORM(0, 0, 0, 598, 0);
        }
        starts[at] = true;
    }
    resolve_branches(&g, c, starts, len);
    c->magic = DIFF_MAGIC_CASE;
    c->n = len;
    c->flags = o->fp ? DIFF_F_FP : 0;
    m->max_exec = len + 1 + g.extra;
}

void gen_report_unimpl(void)
{
    printf("  groups generated:");
    for (unsigned i = 0; i < N_GROUPS; i++)
        if (used_count[i])
            printf("%s %s %lu", i ? "," : "", groups[i].name, used_count[i]);
    printf("\n");
    for (unsigned i = 0; i < N_GROUPS; i++) {
        if (!unimpl_count[i])
            continue;
        char buf[96];
        printf("  skipped (ppcemu does not decode): %-14s %lu groups, e.g. 0x%08x %s\n", groups[i].name,
               unimpl_count[i], unimpl_example[i], ppc_disas(unimpl_example[i], 0, buf, sizeof buf));
    }
}
