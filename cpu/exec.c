/*
 * The execution loop: look up (or translate) the block at the current PC,
 * run its ops, and check interrupts and the budget at block ends only.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/ppc.h"
#include "cpu/jit.h"
#include "cpu/regs.h"
#include "cpu/translate.h"
#include "timebase/tb.h"

int ppc_init(PPCState *s, Bus *bus)
{
    memset(s, 0, sizeof(*s));
    s->bus = bus;
    if (ppc_bc_init(s))
        return -1;
    ppc_reset(s);
    return 0;
}

void ppc_free(PPCState *s)
{
    ppc_jit_free(s);
    ppc_bc_free(s);
}

/* Power-on state, board.md "CPU": the values are in the register table
 * (cpu/regs.c) */
void ppc_reset(PPCState *s)
{
    ppc_regs_reset(s);
    ppc_tlb_flush(s);
    ppc_flush_blocks(s);
}

static void tlb_entry_clear(PPCTLBEntry *e)
{
    e->tag_r = e->tag_w = e->tag_x = PPC_TLB_INVALID;
    e->pa_page = PPC_TLB_INVALID;
}

/* Only the entries filled since the last flush can be valid (cpu/mmu.c
 * lists them), unless the list overflowed */
void ppc_tlb_flush(PPCState *s)
{
    if (s->tlb_nfill) {
        for (unsigned i = 0; i + 1 < s->tlb_nfill; i++)
            tlb_entry_clear(&s->tlb[s->tlb_fill_list[i]]);
    } else {
        for (unsigned i = 0; i < PPC_TLB_SIZE; i++)
            tlb_entry_clear(&s->tlb[i]);
    }
    s->tlb_nfill = 1;
    s->jc_gen++;
}

void ppc_tlb_flush_page(PPCState *s, uint32_t ea)
{
    /* tlbie invalidates by EA page index (all "ways"); we have one way */
    PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    e->tag_r = e->tag_w = e->tag_x = PPC_TLB_INVALID;
    e->pa_page = PPC_TLB_INVALID;
    s->jc_gen++;
}

void ppc_set_irq(PPCState *s, uint32_t line, bool level)
{
    if (level) {
        __atomic_or_fetch(&s->irq_pending, line, __ATOMIC_SEQ_CST);
        s->exit_request = 1;
    } else {
        __atomic_and_fetch(&s->irq_pending, ~line, __ATOMIC_SEQ_CST);
    }
}

void ppc_kick(void *cpu)
{
    PPCState *s = cpu;
    __atomic_store_n(&s->exit_request, 1, __ATOMIC_SEQ_CST);
}

/* an interrupt line into the CPU: n is the PPC_IRQ_* bit */
static void ppc_irq_input(void *cpu, int n, bool level)
{
    ppc_set_irq(cpu, (uint32_t)n, level);
}

static bool ppc_irq_latched(void *cpu, int n)
{
    PPCState *s = cpu;
    return __atomic_load_n(&s->irq_pending, __ATOMIC_SEQ_CST) & (uint32_t)n;
}

TBLinks ppc_tb_links(PPCState *s)
{
    return (TBLinks){
        .kick = ppc_kick, .kick_opaque = s,
        .dec = { ppc_irq_input, s, PPC_IRQ_DEC },
        .ext = { ppc_irq_input, s, PPC_IRQ_EXTERNAL },
        .latched = ppc_irq_latched, .latched_opaque = s,
        .icount = s->icount,
    };
}

/* MCP with MSR[ME]=0 is a checkstop (750 UM 4.5.2.2): the CPU stops */
static bool take_mcheck(PPCState *s)
{
    ppc_set_irq(s, PPC_IRQ_MCHECK, false);
    if (!(s->msr & MSR_ME)) {
        s->stop_reason = "checkstop: machine check with MSR[ME]=0";
        s->exit_request = 1;
        return false;
    }
    ppc_exception(s, PPC_EXC_MCHECK, s->pc, 0);
    return true;
}

/* Deliver the highest-priority pending interrupt if MSR allows it.  750 UM
 * Table 4-3: machine check, soft reset, SMI, external, performance
 * monitor, decrementer, thermal; all but the first two wait for MSR[EE].
 * SRR0 is the instruction that would have run next.  Soft reset, machine
 * check and the decrementer are latched events cleared when taken; the
 * others are levels the board or the source drops.  Returns true if one
 * was taken. */
static bool check_irq(PPCState *s)
{
    static const struct {
        uint32_t line, vector;
    } maskable[] = {
        { PPC_IRQ_SMI, PPC_EXC_SMI },   { PPC_IRQ_EXTERNAL, PPC_EXC_EXTERNAL },
        { PPC_IRQ_PERF, PPC_EXC_PERF }, { PPC_IRQ_DEC, PPC_EXC_DEC },
        { PPC_IRQ_THERM, PPC_EXC_THERM },
    };
    uint32_t p = s->irq_pending;
    if (p & PPC_IRQ_MCHECK)
        return take_mcheck(s);
    if (p & PPC_IRQ_RESET) {
        ppc_set_irq(s, PPC_IRQ_RESET, false);
        ppc_exception(s, PPC_EXC_RESET, s->pc, 0);
        return true;
    }
    if (!(s->msr & MSR_EE))
        return false;
    for (unsigned i = 0; i < sizeof(maskable) / sizeof(maskable[0]); i++) {
        if (!(p & maskable[i].line))
            continue;
        if (maskable[i].line == PPC_IRQ_DEC)
            ppc_set_irq(s, PPC_IRQ_DEC, false);
        ppc_exception(s, maskable[i].vector, s->pc, 0);
        return true;
    }
    return false;
}

#define IABR_BE 0x2u /* breakpoint enabled */
#define IABR_TE 0x1u /* matches when equal to MSR[IR] */

/* 750 UM 4.5.14: IABR[0-29] equals the EA of the next instruction */
static bool iabr_hit(const PPCState *s, uint32_t pc)
{
    return (s->iabr & IABR_BE) && !(s->iabr & IABR_TE) == !(s->msr & MSR_IR) &&
           (pc & ~3u) == (s->iabr & ~3u);
}

static bool is_branch(uint32_t insn)
{
    unsigned p = insn >> 26, xo = (insn >> 1) & 0x3FF;
    return p == 16 || p == 18 || (p == 19 && (xo == 16 || xo == 528));
}

/* After an instruction completed (750 UM 4.5.11): SE traces every
 * instruction but rfi and isync (the 750 does not trace isync), BE every
 * branch.  The MSR after the instruction decides, so an instruction that
 * raised an exception (sc) is not traced, and rfi/mtmsr setting SE trace
 * from the next instruction on. */
static bool trace_due(const PPCState *s, uint32_t insn)
{
    if ((insn & 0xFC0007FEu) == 0x4C000064u || (insn & 0xFC0007FEu) == 0x4C00012Cu)
        return false;
    if (s->msr & MSR_SE)
        return true;
    return (s->msr & MSR_BE) && is_branch(insn);
}

/* ---- debugger breakpoints and watchpoints (PPCState.debug_*) ---- */

static void debug_update(PPCState *s)
{
    s->debug_active = s->debug_nbp || s->debug_nwp || s->debug_sstep;
}

int ppc_debug_bp_insert(PPCState *s, uint32_t ea)
{
    for (unsigned i = 0; i < s->debug_nbp; i++)
        if (s->debug_bp[i] == ea)
            return 0;
    if (s->debug_nbp == PPC_DEBUG_MAX_BP)
        return -1;
    s->debug_bp[s->debug_nbp++] = ea;
    debug_update(s);
    return 0;
}

int ppc_debug_bp_remove(PPCState *s, uint32_t ea)
{
    for (unsigned i = 0; i < s->debug_nbp; i++) {
        if (s->debug_bp[i] == ea) {
            s->debug_bp[i] = s->debug_bp[--s->debug_nbp];
            debug_update(s);
            return 0;
        }
    }
    return -1;
}

int ppc_debug_wp_insert(PPCState *s, uint32_t ea, uint32_t len, unsigned kind)
{
    if (!len || kind < PPC_WATCH_WRITE || kind > PPC_WATCH_ACCESS)
        return -1;
    for (unsigned i = 0; i < s->debug_nwp; i++) {
        const PPCWatch *w = &s->debug_wp[i];
        if (w->ea == ea && w->len == len && w->kind == kind)
            return 0;
    }
    if (s->debug_nwp == PPC_DEBUG_MAX_WP)
        return -1;
    s->debug_wp[s->debug_nwp++] = (PPCWatch){ ea, len, (uint8_t)kind };
    debug_update(s);
    /* soft-TLB data tags of the watched pages would let accesses bypass
     * the check (cpu/mmu.c withholds them from now on) */
    ppc_tlb_flush(s);
    return 0;
}

int ppc_debug_wp_remove(PPCState *s, uint32_t ea, uint32_t len, unsigned kind)
{
    for (unsigned i = 0; i < s->debug_nwp; i++) {
        const PPCWatch *w = &s->debug_wp[i];
        if (w->ea == ea && w->len == len && w->kind == kind) {
            s->debug_wp[i] = s->debug_wp[--s->debug_nwp];
            debug_update(s);
            return 0;
        }
    }
    return -1;
}

void ppc_debug_clear(PPCState *s)
{
    s->debug_nbp = s->debug_nwp = 0;
    s->debug_sstep = s->debug_skip = s->debug_skip_armed = false;
    debug_update(s);
}

void ppc_debug_set_step(PPCState *s, bool on)
{
    s->debug_sstep = on;
    debug_update(s);
}

void ppc_debug_resume(PPCState *s)
{
    s->debug_skip = s->debug_skip_armed && s->pc == s->debug_skip_pc;
    s->debug_skip_armed = false;
    s->debug_stop = PPC_DEBUG_STOP_NONE;
}

/* the watchpoints see effective addresses, pages of 4 KiB */
bool ppc_debug_page_watched(const PPCState *s, uint32_t page)
{
    for (unsigned i = 0; i < s->debug_nwp; i++) {
        const PPCWatch *w = &s->debug_wp[i];
        uint32_t first = w->ea & PPC_PAGE_MASK, last = (w->ea + w->len - 1) & PPC_PAGE_MASK;
        if (first <= last ? page >= first && page <= last : page >= first || page <= last)
            return true;
    }
    return false;
}

bool ppc_debug_watch_check(PPCState *s, uint32_t ea, unsigned size, int access)
{
    unsigned want = access == PPC_ACC_WRITE ? PPC_WATCH_WRITE : PPC_WATCH_READ;
    if (s->debug_skip_now)
        return false; /* the access reported last time: it runs now */
    for (unsigned i = 0; i < s->debug_nwp; i++) {
        const PPCWatch *w = &s->debug_wp[i];
        if (!(w->kind & want))
            continue;
        /* overlap of [ea, ea+size) and [w->ea, w->ea+len), mod 2^32 */
        if ((uint32_t)(ea - w->ea) < w->len || (uint32_t)(w->ea - ea) < size) {
            s->debug_stop = PPC_DEBUG_STOP_WATCH;
            /* the first watched byte the access touches: gdb matches the
             * reported address against its watchpoint's range */
            s->debug_hit_ea = (uint32_t)(ea - w->ea) < w->len ? ea : w->ea;
            s->debug_hit_kind = w->kind;
            return true;
        }
    }
    return false;
}

static bool debug_bp_at(const PPCState *s, uint32_t pc)
{
    for (unsigned i = 0; i < s->debug_nbp; i++)
        if (s->debug_bp[i] == pc)
            return true;
    return false;
}

/* Does the block of n instructions at pc need the step path? */
static bool debug_wants_step(const PPCState *s, uint32_t pc, unsigned n)
{
    if (s->debug_sstep || s->debug_nwp)
        return true;
    for (unsigned i = 0; i < s->debug_nbp; i++)
        if ((uint32_t)(s->debug_bp[i] - pc) < 4u * n)
            return true;
    return false;
}

/* Run one instruction when MSR[SE]/[BE], IABR or the debugger ask for it:
 * the blocks run one op at a time, so the normal path pays only one test
 * per block.  Returns true for a debugger stop (s->debug_stop says which):
 * before the instruction at a breakpoint (nothing executed, the count
 * unchanged), after a watched access or a single step. */
static bool run_step(PPCState *s, const PPCBlock *b, uint32_t pc)
{
    const PPCOp *op = &b->ops[0];
    if (s->debug_active) {
        bool skip = s->debug_skip && s->debug_skip_pc == pc;
        s->debug_skip = false;
        s->debug_skip_now = skip;
        s->debug_stop = PPC_DEBUG_STOP_NONE;
        if (!skip && debug_bp_at(s, pc)) {
            s->debug_stop = PPC_DEBUG_STOP_BP;
            s->debug_skip_armed = true;
            s->debug_skip_pc = pc;
            return true;
        }
    }
    if (iabr_hit(s, pc)) {
        ppc_exception(s, PPC_EXC_IABR, pc, 0); /* before it executes */
        if (!s->debug_sstep)
            return false;
        s->debug_stop = PPC_DEBUG_STOP_STEP;
        return true;
    }
    s->block_ea = pc;
    if (PPC_UNLIKELY(s->debug_flags & PPC_DBG_EXEC) && s->log_fn)
        s->log_fn(s->log_opaque, "Trace 0x%08x [step]\n", pc);
    int r = op->fn(s, op);
    s->debug_skip_now = false;
    if (s->debug_stop == PPC_DEBUG_STOP_WATCH) {
        /* undone: the handler returned PPC_FAULT, no exception */
        s->debug_skip_armed = true;
        s->debug_skip_pc = pc;
        return true;
    }
    if (r != PPC_FAULT) {
        if (r == PPC_NEXT)
            s->pc = pc + 4;
        s->icount++;
        if (trace_due(s, op->insn))
            ppc_exception(s, PPC_EXC_TRACE, s->pc, 0);
    }
    if (s->debug_sstep) {
        s->debug_stop = PPC_DEBUG_STOP_STEP;
        return true;
    }
    return false;
}

/* Fetch from a page that is not RAM/ROM (MMIO or unmapped): run the one
 * instruction from a block built on the stack, never cached.  Trace,
 * IABR and the debugger see it as any other instruction (run_step); true
 * for a debugger stop. */
static bool run_uncached(PPCState *s, uint32_t pa)
{
    struct {
        PPCBlock b;
        PPCOp op;
    } tmp;
    uint32_t insn = bus_read(s->bus, pa, 4);
    ppc_decode(insn, &tmp.b.ops[0]);
    tmp.b.n = 1;
    if (PPC_UNLIKELY((s->msr & (MSR_SE | MSR_BE)) | (s->iabr & IABR_BE)) ||
        PPC_UNLIKELY(s->debug_active))
        return run_step(s, &tmp.b, s->pc);
    s->block_ea = s->pc;
    int r = tmp.b.ops[0].fn(s, &tmp.b.ops[0]);
    if (r == PPC_NEXT)
        s->pc += 4;
    if (r != PPC_FAULT)
        s->icount++;
    return false;
}

/* The interpreter: run ops[0..n) until one does not return PPC_NEXT;
 * *done is its index (n when all ran). */
static inline int interp_ops(PPCState *s, const PPCOp *ops, unsigned n, unsigned *done)
{
    unsigned i;
    int r = PPC_NEXT;
    for (i = 0; i < n; i++) {
        r = ops[i].fn(s, &ops[i]);
        if (PPC_UNLIKELY(r != PPC_NEXT))
            break;
    }
    *done = i;
    return r;
}

int ppc_interp_ops(PPCState *s, const PPCOp *ops, unsigned n, unsigned *done)
{
    return interp_ops(s, ops, n, done);
}

/* Fetch and run what is at s->pc: one block (the JIT may chain on), or
 * one instruction when single-stepping, at an IABR or from a page that is
 * not RAM/ROM, or an ISI.  True for a debugger stop. */
static bool run_next(PPCState *s, uint64_t end)
{
    uint32_t pc = s->pc;
    PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(pc)];
    uint32_t pa;
    if (PPC_UNLIKELY(e->tag_x != (pc & PPC_PAGE_MASK))) {
        if (ppc_translate(s, NULL, pc, PPC_ACC_FETCH, &pa))
            return false; /* ISI raised; s->pc is the vector */
        if (e->tag_x != (pc & PPC_PAGE_MASK))
            return run_uncached(s, pa);
    }
    pa = e->pa_page | (pc & ~PPC_PAGE_MASK);
    PPCBlock *b = ppc_bc_lookup(s, pa);
    if (PPC_UNLIKELY(!b))
        b = ppc_bc_translate(s, pa, (const uint8_t *)(pc + e->addend), pc);

    if (PPC_UNLIKELY((s->msr & (MSR_SE | MSR_BE)) | (s->iabr & IABR_BE)) ||
        PPC_UNLIKELY(s->debug_active && debug_wants_step(s, pc, b->n)))
        return run_step(s, b, pc);
    unsigned n = b->n;
    if (end - s->icount < n)
        n = (unsigned)(end - s->icount);
    s->block_ea = pc;
    if (PPC_UNLIKELY(s->debug_flags & PPC_DBG_EXEC) && s->log_fn)
        s->log_fn(s->log_opaque, "Trace 0x%08x [pa 0x%08x] n=%u\n", pc, pa, n);
    unsigned i;
    int r;
    /* the JIT runs whole blocks only: a block cut by the budget is
     * interpreted, so -icount budgets stay exact */
    if (s->engine == PPC_ENGINE_INTERP || n != b->n)
        r = interp_ops(s, b->ops, n, &i);
    else if (s->engine == PPC_ENGINE_JIT)
        r = ppc_jit_exec(s, b, end, &i); /* may chain: block_ea is the last block's */
    else
        r = ppc_lockstep_exec(s, b, &i);
    if (r == PPC_NEXT) {
        s->pc = s->block_ea + 4 * i;
        s->icount += i;
    } else {
        s->icount += i + (r == PPC_EXIT);
    }
    return false;
}

#define PPC_STUCK_LIMIT 4096

int ppc_run(PPCState *s, uint64_t max_insns)
{
    /* a budget of "no limit" (UINT64_MAX) must not wrap the end mark */
    uint64_t end = max_insns > UINT64_MAX - s->icount ? UINT64_MAX : s->icount + max_insns;
    s->stop_reason = NULL;
    /* consecutive entries that completed no instruction: a vector whose
     * first instruction faults again (in a block, from MMIO, at an ISI) or
     * an IABR on the vector it sends to (it breaks again before the
     * vector's first instruction, for ever, as on the 750) would otherwise
     * spin here without the count reaching the budget */
    unsigned stuck = 0;
    for (;;) {
        if (PPC_UNLIKELY(stuck > PPC_STUCK_LIMIT))
            return PPC_RUN_EXIT_REQ;
        if (PPC_UNLIKELY(s->exit_request)) {
            s->exit_request = 0;
            if (s->irq_pending && !s->debug_sstep && check_irq(s)) {
                s->halted = false;
            }
            if (s->stop_reason)
                return PPC_RUN_STOPPED;
            if (s->halted)
                return PPC_RUN_HALTED;
            /* pending interrupts masked by EE stay latched; the exit was
             * for the caller (events, I/O) */
            if (!s->irq_pending || !(s->msr & MSR_EE))
                return PPC_RUN_EXIT_REQ;
        }
        if (PPC_UNLIKELY(s->irq_pending) && !s->debug_sstep &&
            (s->msr & MSR_EE || s->irq_pending & (PPC_IRQ_RESET | PPC_IRQ_MCHECK))) {
            if (check_irq(s))
                s->halted = false;
            else if (s->stop_reason)
                return PPC_RUN_STOPPED; /* checkstop */
        }
        if (PPC_UNLIKELY(s->halted))
            return PPC_RUN_HALTED;
        if (s->icount >= end)
            return PPC_RUN_BUDGET;
        uint64_t ic0 = s->icount;
        if (run_next(s, end))
            return PPC_RUN_DEBUG;
        stuck = s->icount != ic0 ? 0 : stuck + 1;
    }
}
