/*
 * Interrupt lines for the board's devices.  The type lives in the neutral
 * common/irq.h, where the timebase (which may not include boards/ or
 * cpu/) finds it too.
 */
#ifndef BOARDS_IRQ_H
#define BOARDS_IRQ_H

#include "common/irq.h"

#endif /* BOARDS_IRQ_H */
