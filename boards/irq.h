/*
 * An interrupt line: {set_irq, opaque, n}.  A device raises or lowers its
 * output through one of these without knowing what sits at the other end
 * (the IPIC, the CPU's external input, or nothing at all).
 */
#ifndef BOARDS_IRQ_H
#define BOARDS_IRQ_H

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

#endif /* BOARDS_IRQ_H */
