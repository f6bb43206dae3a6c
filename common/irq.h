/*
 * An interrupt line: {set_irq, opaque, n}.  A source raises or lowers its
 * output through one of these without knowing what sits at the other end
 * (the IPIC, the CPU's inputs, or nothing at all).
 *
 * common/ holds the few types every layer may share; it includes nothing
 * of the project, so cpu/, mem/, timebase/, boards/ and migration/ may all
 * include it (the timebase raises the decrementer through an IrqLine
 * without knowing the CPU).
 */
#ifndef COMMON_IRQ_H
#define COMMON_IRQ_H

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

#endif /* COMMON_IRQ_H */
