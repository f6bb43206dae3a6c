/*
 * Interrupt lines for the board's devices.  The type lives in the neutral
 * mem/irq.h, where the timebase (which may not include boards/ or
 * cpu/) finds it too.
 */
#ifndef BOARDS_IRQ_H
#define BOARDS_IRQ_H

#include "mem/irq.h"

#endif /* BOARDS_IRQ_H */
