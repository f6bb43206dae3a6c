/*
 * An interrupt line: {set_irq, opaque, n}.  A source raises or lowers its
 * output through one of these without knowing what sits at the other end
 * (the IPIC, the CPU's inputs, or nothing at all).
 *
 * It sits in mem/, the bottom layer, beside the other half of a device's
 * wiring (MemOps, mem/bus.h), and includes nothing of the project, so
 * every layer may include it: the timebase raises the decrementer through
 * an IrqLine without knowing the CPU.
 */
#ifndef MEM_IRQ_H
#define MEM_IRQ_H

#include <stdbool.h>

typedef struct IrqLine {
    void (*set_irq)(void *opaque, int n, bool level);
    void *opaque;
    int n;
} IrqLine;

static inline void irq_line_set(const IrqLine *l, bool level)
{
    if (l->set_irq)
        l->set_irq(l->opaque, l->n, level);
}

#endif /* MEM_IRQ_H */
