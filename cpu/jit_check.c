/*
 * The lockstep checker (-accel lockstep): every block runs in the
 * interpreter, then again from the same state in the JIT, and the two
 * results must agree on every architected register, the reservation, the
 * instructions completed (the op result and index that cpu/exec.c turns
 * into icount and pc) and the bytes the block stored.  The first
 * difference stops the CPU with both states printed.
 *
 * To run a block twice, the interpreter's pass is watched op by op: before
 * each load or store the checker computes its EA the way the instruction
 * does, translates it without side effects (ppc_mmu_probe) and saves the
 * RAM bytes a store will overwrite.  After the pass those bytes are put
 * back and the state is restored.  A block whose effects cannot be undone
 * (an access that is not RAM or ROM: MMIO has side effects; eciwx/ecowx;
 * reads and writes of the time base and decrementer, which depend on the
 * host clock) finishes in the interpreter alone and is counted as skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/jit.h"

#define JOURNAL_BYTES 4096
#define JOURNAL_MAX 256

typedef struct Journal {
    unsigned n;
    size_t used;
    struct {
        uint8_t *host;
        uint32_t len;
        size_t old_at, new_at; /* offsets in bytes[] */
    } e[JOURNAL_MAX];
    uint8_t bytes[2 * JOURNAL_BYTES];
} Journal;

typedef struct Lockstep {
    PPCState before, interp;
    Journal j;
} Lockstep;

/* What memory op touches: 0 none, 1 an access (*ea, *len, *store),
 * -1 not checkable.  The EA rules are those of cpu/ldst.c and cpu/fpu.c:
 * D-form (rA|0) + d, update forms rA + d, X-form (rA|0) + rB. */
static int mem_access(const PPCState *s, const PPCOp *op, uint32_t *ea, uint32_t *len, bool *store)
{
    uint32_t insn = op->insn, p = insn >> 26;
    uint32_t rd = (insn >> 21) & 31, ra = (insn >> 16) & 31, rb = (insn >> 11) & 31;
    uint32_t ra0 = ra ? s->gpr[ra] : 0;
    if (op->kind == 0xFFFF)
        return 0;
    if (p >= 32 && p <= 55) {
        static const uint8_t size[24] = { 4, 4, 1, 1, 4, 4, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0,
                                          4, 4, 8, 8, 4, 4, 8, 8 };
        bool update = (p & 1) && p != 47 && p != 46;
        *ea = (update ? s->gpr[ra] : ra0) + (uint32_t)(int32_t)(int16_t)insn;
        *store = (p >= 36 && p <= 39) || p == 44 || p == 45 || p == 47 || p >= 52;
        *len = (p == 46 || p == 47) ? 4 * (32 - rd) : size[p - 32];
        return 1;
    }
    if (p != 31)
        return 0;
    uint32_t xo = (insn >> 1) & 0x3FF, spr = ((insn >> 16) & 0x1F) | (((insn >> 11) & 0x1F) << 5);
    static const struct {
        uint16_t xo;
        uint8_t len, store, update;
    } x[] = {
        { 23, 4, 0, 0 },   { 55, 4, 0, 1 },   { 87, 1, 0, 0 },   { 119, 1, 0, 1 },
        { 279, 2, 0, 0 },  { 311, 2, 0, 1 },  { 343, 2, 0, 0 },  { 375, 2, 0, 1 },
        { 534, 4, 0, 0 },  { 790, 2, 0, 0 },  { 535, 4, 0, 0 },  { 567, 4, 0, 1 },
        { 599, 8, 0, 0 },  { 631, 8, 0, 1 },  { 20, 4, 0, 0 },   { 151, 4, 1, 0 },
        { 183, 4, 1, 1 },  { 215, 1, 1, 0 },  { 247, 1, 1, 1 },  { 407, 2, 1, 0 },
        { 439, 2, 1, 1 },  { 662, 4, 1, 0 },  { 918, 2, 1, 0 },  { 663, 4, 1, 0 },
        { 695, 4, 1, 1 },  { 727, 8, 1, 0 },  { 759, 8, 1, 1 },  { 983, 4, 1, 0 },
        { 150, 4, 1, 0 },
    };
    for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
        if (x[i].xo != xo)
            continue;
        *ea = (x[i].update ? s->gpr[ra] : ra0) + s->gpr[rb];
        *len = x[i].len;
        *store = x[i].store;
        return 1;
    }
    switch (xo) {
    case 533: case 661: /* lswx, stswx: XER[25-31] bytes */
        *ea = ra0 + s->gpr[rb];
        *len = s->xer & 0x7F;
        *store = xo == 661;
        return *len ? 1 : 0;
    case 597: case 725: /* lswi, stswi: NB bytes, 0 meaning 32 */
        *ea = ra0;
        *len = rb ? rb : 32;
        *store = xo == 725;
        return 1;
    case 1014: /* dcbz: the 32-byte block */
        *ea = (ra0 + s->gpr[rb]) & ~31u;
        *len = 32;
        *store = true;
        return 1;
    case 310: case 438: /* eciwx, ecowx: external devices */
    case 371:           /* mftb */
        return -1;
    case 339: /* mfspr DEC, TBL, TBU */
        return spr == 22 || spr == 268 || spr == 269 ? -1 : 0;
    case 467: /* mtspr DEC, TBL, TBU */
        return spr == 22 || spr == 284 || spr == 285 ? -1 : 0;
    default:
        return 0;
    }
}

/* Before op runs: journal the RAM it may store to; false when the op
 * touches memory whose effects cannot be undone */
static bool watch_op(PPCState *s, Journal *jn, const PPCOp *op)
{
    uint32_t ea, len;
    bool store;
    int k = mem_access(s, op, &ea, &len, &store);
    if (k <= 0)
        return k == 0;
    const Bus *bus = s->bus;
    while (len) {
        uint32_t piece = PPC_PAGE_SIZE - (ea & (PPC_PAGE_SIZE - 1)), pa;
        if (piece > len)
            piece = len;
        /* a fault is raised by the op itself: no access happens there */
        if (ppc_mmu_probe(s, ea, store ? PPC_ACC_WRITE : PPC_ACC_READ, &pa))
            return true;
        bool ram = pa < bus->ram_size && bus->ram_size - pa >= piece;
        bool rom = pa - bus->rom_base < bus->rom_size;
        if (store ? !ram : !(ram || rom))
            return false;
        if (store) {
            if (jn->n == JOURNAL_MAX || jn->used + 2 * piece > sizeof(jn->bytes))
                return false;
            jn->e[jn->n].host = bus->ram + pa;
            jn->e[jn->n].len = piece;
            jn->e[jn->n].old_at = jn->used;
            jn->e[jn->n].new_at = jn->used + piece;
            memcpy(jn->bytes + jn->used, bus->ram + pa, piece);
            jn->used += 2 * piece;
            jn->n++;
        }
        ea += piece;
        len -= piece;
    }
    return true;
}

/* ---- comparing and printing states ---- */

static const struct {
    const char *name;
    size_t off, size;
    unsigned count;
} fields[] = {
#define F(f, n) { #f, offsetof(PPCState, f), sizeof(((PPCState *)0)->f) / (n), n }
    F(gpr, 32), F(fpr, 32), F(cr, 1), F(xer, 1), F(lr, 1), F(ctr, 1), F(fpscr, 1), F(pc, 1),
    F(msr, 1), F(srr0, 1), F(srr1, 1), F(dar, 1), F(dsisr, 1), F(sprg, 4), F(sdr1, 1),
    F(sr, 16), F(ibat, 8), F(dbat, 8), F(pvr, 1), F(hid0, 1), F(hid1, 1), F(hid2, 1),
    F(l2cr, 1), F(ictc, 1), F(thrm, 3), F(pmc, 4), F(mmcr, 2), F(sia, 1), F(iabr, 1),
    F(dabr, 1), F(ear, 1), F(dec, 1), F(reserve_addr, 1), F(reserve_valid, 1), F(halted, 1),
#undef F
    /* not mmio_icount: any slow-path access sets it, and whether a RAM
     * store takes the slow path depends on state outside PPCState (the
     * code-page and dirty maps the first pass already updated) */
};

static uint64_t field_val(const PPCState *s, size_t i, unsigned k)
{
    const uint8_t *p = (const uint8_t *)s + fields[i].off + k * fields[i].size;
    switch (fields[i].size) {
    case 1: return *p;
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void say(PPCState *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(PPCState *s, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (s->log_fn)
        s->log_fn(s->log_opaque, "%s", buf);
    else
        fputs(buf, stderr);
}

/* Print every register of both states, differences marked; returns the
 * number of differing registers */
static unsigned compare_states(PPCState *s, const PPCState *a, const PPCState *b, bool print)
{
    unsigned diffs = 0;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        for (unsigned k = 0; k < fields[i].count; k++) {
            uint64_t va = field_val(a, i, k), vb = field_val(b, i, k);
            diffs += va != vb;
            if (!print)
                continue;
            char name[32];
            if (fields[i].count > 1)
                snprintf(name, sizeof name, "%s[%u]", fields[i].name, k);
            else
                snprintf(name, sizeof name, "%s", fields[i].name);
            say(s, "  %c %-14s interp %016llx  jit %016llx\n", va != vb ? '!' : ' ', name,
                (unsigned long long)va, (unsigned long long)vb);
        }
    }
    return diffs;
}

static Lockstep *lockstep_of(PPCState *s)
{
    if (!s->jit->ls)
        s->jit->ls = calloc(1, sizeof(Lockstep));
    return s->jit->ls;
}

int ppc_lockstep_exec(PPCState *s, PPCBlock *b, unsigned *done)
{
    PPCJit *jit = s->jit;
    Lockstep *ls = lockstep_of(s);
    void *code = ppc_jit_prepare(s, b);
    if (!ls || !code)
        return ppc_interp_ops(s, b->ops, b->n, done);
    /* n and the ops as they are now: a store of the block into its own
     * page sets b->n = 0, and both engines finish the block as it was */
    unsigned n = b->n;
    const PPCOp *ops = b->ops;
    Journal *jn = &ls->j;
    jn->n = 0;
    jn->used = 0;
    memcpy(&ls->before, s, sizeof(*s));

    unsigned i;
    int r1 = PPC_NEXT;
    for (i = 0; i < n; i++) {
        if (!watch_op(s, jn, &ops[i])) {
            /* not undoable: the interpreter alone finishes the block */
            unsigned d;
            int r = ppc_interp_ops(s, ops + i, n - i, &d);
            *done = i + d;
            jit->ls_skipped++;
            return r;
        }
        r1 = ops[i].fn(s, &ops[i]);
        if (r1 != PPC_NEXT)
            break;
    }
    unsigned d1 = i;
    memcpy(&ls->interp, s, sizeof(*s));
    for (unsigned k = 0; k < jn->n; k++)
        memcpy(jn->bytes + jn->e[k].new_at, jn->e[k].host, jn->e[k].len);
    for (unsigned k = jn->n; k-- > 0;)
        memcpy(jn->e[k].host, jn->bytes + jn->e[k].old_at, jn->e[k].len);

    /* same start for the JIT; interrupt inputs may have changed meanwhile
     * (other threads) and are not the block's doing */
    uint32_t irq = s->irq_pending;
    int exit_req = s->exit_request;
    memcpy(s, &ls->before, sizeof(*s));
    s->jc_gen = ls->interp.jc_gen; /* never lowered (ppc.h) */
    s->irq_pending = irq;
    s->exit_request = exit_req;

    unsigned d2;
    int r2 = ppc_jit_run(s, code, 0, n, &d2); /* end 0: no chaining */
    jit->ls_checked++;

    unsigned mem_diffs = 0;
    for (unsigned k = 0; k < jn->n; k++)
        mem_diffs += memcmp(jn->bytes + jn->e[k].new_at, jn->e[k].host, jn->e[k].len) != 0;
    unsigned reg_diffs = compare_states(s, &ls->interp, s, false);
    if (r1 == r2 && d1 == d2 && !mem_diffs && !reg_diffs && ls->interp.stop_reason == s->stop_reason) {
        *done = d2;
        return r2;
    }
    say(s, "lockstep: engines differ in the block at ea 0x%08x pa 0x%08x (%u ops)\n",
        ls->before.block_ea, b->pa, n);
    for (unsigned k = 0; k < n; k++) {
        char buf[96];
        say(s, "  %3u  0x%08x  %08x  %s\n", k, ls->before.block_ea + 4 * k, ops[k].insn,
            ppc_disas(ops[k].insn, ls->before.block_ea + 4 * k, buf, sizeof buf));
    }
    say(s, "  result: interp %d after op %u, jit %d after op %u\n", r1, d1, r2, d2);
    for (unsigned k = 0; k < jn->n; k++) {
        if (!memcmp(jn->bytes + jn->e[k].new_at, jn->e[k].host, jn->e[k].len))
            continue;
        say(s, "  memory at host offset %td (%u bytes) differs\n", jn->e[k].host - s->bus->ram,
            jn->e[k].len);
    }
    say(s, "  state before the block:\n");
    compare_states(s, &ls->before, &ls->before, true);
    say(s, "  after (! = differs):\n");
    compare_states(s, &ls->interp, s, true);
    s->stop_reason = "lockstep: the JIT and the interpreter differ";
    s->exit_request = 1;
    *done = d2;
    return r2;
}
