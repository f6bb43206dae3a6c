/*
 * The execution loop: look up (or translate) the block at the current PC,
 * run its ops, and check interrupts and the budget at block ends only.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/ppc.h"
#include "cpu/translate.h"

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
    ppc_bc_free(s);
}

/* Power-on state, board.md "CPU" */
void ppc_reset(PPCState *s)
{
    memset(s->gpr, 0, sizeof(s->gpr));
    memset(s->fpr, 0, sizeof(s->fpr));
    s->cr = s->xer = s->lr = s->ctr = s->fpscr = 0;
    s->srr0 = s->srr1 = s->dar = s->dsisr = 0;
    memset(s->sprg, 0, sizeof(s->sprg));
    memset(s->sr, 0, sizeof(s->sr));
    memset(s->ibat, 0, sizeof(s->ibat));
    memset(s->dbat, 0, sizeof(s->dbat));
    s->sdr1 = 0;
    s->pvr = 0x00080200;
    s->hid0 = s->hid1 = s->hid2 = 0;
    s->l2cr = s->ictc = 0;
    memset(s->thrm, 0, sizeof(s->thrm));
    memset(s->pmc, 0, sizeof(s->pmc));
    memset(s->mmcr, 0, sizeof(s->mmcr));
    s->sia = s->iabr = s->dabr = s->ear = 0;
    s->reserve_valid = false;
    s->irq_pending = 0;
    s->halted = false;
    s->msr = MSR_IP;
    s->pc = 0xFFF00100;
    ppc_tlb_flush(s);
    ppc_flush_blocks(s);
}

void ppc_tlb_flush(PPCState *s)
{
    for (unsigned i = 0; i < PPC_TLB_SIZE; i++) {
        s->tlb[i].tag_r = s->tlb[i].tag_w = s->tlb[i].tag_x = PPC_TLB_INVALID;
        s->tlb[i].pa_page = PPC_TLB_INVALID;
    }
}

void ppc_tlb_flush_page(PPCState *s, uint32_t ea)
{
    /* tlbie invalidates by EA page index (all "ways"); we have one way */
    PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    e->tag_r = e->tag_w = e->tag_x = PPC_TLB_INVALID;
    e->pa_page = PPC_TLB_INVALID;
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

/* Deliver the highest-priority pending interrupt if MSR allows it
 * (750 UM 4.1.4, Table 4-3).  Returns true if one was taken. */
static bool check_irq(PPCState *s)
{
    uint32_t p = s->irq_pending;
    if (p & PPC_IRQ_RESET) {
        ppc_set_irq(s, PPC_IRQ_RESET, false);
        ppc_exception(s, PPC_EXC_RESET, s->pc, 0);
        return true;
    }
    if (!(s->msr & MSR_EE))
        return false;
    if (p & PPC_IRQ_SMI) {
        ppc_exception(s, PPC_EXC_SMI, s->pc, 0);
        return true;
    }
    if (p & PPC_IRQ_EXTERNAL) {
        ppc_exception(s, PPC_EXC_EXTERNAL, s->pc, 0);
        return true;
    }
    if (p & PPC_IRQ_DEC) {
        /* the decrementer exception is cleared when taken */
        ppc_set_irq(s, PPC_IRQ_DEC, false);
        ppc_exception(s, PPC_EXC_DEC, s->pc, 0);
        return true;
    }
    if (p & PPC_IRQ_PERF) {
        ppc_exception(s, PPC_EXC_PERF, s->pc, 0);
        return true;
    }
    if (p & PPC_IRQ_THERM) {
        ppc_exception(s, PPC_EXC_THERM, s->pc, 0);
        return true;
    }
    return false;
}

/* Fetch from a page that is not RAM/ROM (MMIO or unmapped): run the one
 * instruction from a block built on the stack, never cached. */
static int run_uncached(PPCState *s, uint32_t pa)
{
    struct {
        PPCBlock b;
        PPCOp op;
    } tmp;
    uint32_t insn = bus_read(s->bus, pa, 4);
    ppc_decode(insn, &tmp.b.ops[0]);
    s->block_ea = s->pc;
    s->block_icount = s->icount;
    int r = tmp.b.ops[0].fn(s, &tmp.b.ops[0]);
    if (r == PPC_NEXT)
        s->pc += 4;
    if (r != PPC_FAULT)
        s->icount++;
    return r;
}

int ppc_run(PPCState *s, uint64_t max_insns)
{
    /* a budget of "no limit" (UINT64_MAX) must not wrap the end mark */
    uint64_t end = max_insns > UINT64_MAX - s->icount ? UINT64_MAX : s->icount + max_insns;
    s->stop_reason = NULL;
    for (;;) {
        if (PPC_UNLIKELY(s->exit_request)) {
            s->exit_request = 0;
            if (s->irq_pending && check_irq(s)) {
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
        if (PPC_UNLIKELY(s->irq_pending) && (s->msr & MSR_EE || s->irq_pending & PPC_IRQ_RESET)) {
            if (check_irq(s))
                s->halted = false;
        }
        if (PPC_UNLIKELY(s->halted))
            return PPC_RUN_HALTED;
        if (s->icount >= end)
            return PPC_RUN_BUDGET;

        uint32_t pc = s->pc;
        PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(pc)];
        uint32_t pa;
        if (PPC_UNLIKELY(e->tag_x != (pc & PPC_PAGE_MASK))) {
            if (ppc_translate(s, NULL, pc, PPC_ACC_FETCH, &pa))
                continue; /* ISI raised; s->pc is the vector */
            if (e->tag_x != (pc & PPC_PAGE_MASK)) {
                run_uncached(s, pa);
                continue;
            }
        }
        pa = e->pa_page | (pc & ~PPC_PAGE_MASK);
        PPCBlock *b = ppc_bc_lookup(s, pa);
        if (PPC_UNLIKELY(!b))
            b = ppc_bc_translate(s, pa, (const uint8_t *)(pc + e->addend), pc);

        unsigned n = b->n;
        if (end - s->icount < n)
            n = (unsigned)(end - s->icount);
        s->block_ea = pc;
        s->block_icount = s->icount;
        if (PPC_UNLIKELY(s->debug_flags & PPC_DBG_EXEC) && s->log_fn)
            s->log_fn(s->log_opaque, "Trace 0x%08x [pa 0x%08x] n=%u\n", pc, pa, n);
        const PPCOp *op = b->ops;
        unsigned i;
        int r = PPC_NEXT;
        for (i = 0; i < n; i++) {
            r = op[i].fn(s, &op[i]);
            if (PPC_UNLIKELY(r != PPC_NEXT))
                break;
        }
        if (r == PPC_NEXT) {
            s->pc = pc + 4 * n;
            s->icount += n;
        } else {
            s->icount += i + (r == PPC_EXIT);
        }
    }
}
