/*
 * The 750's register list, described once: every architectural member of
 * PPCState with its name, place, width, group, SPR number and reset value.
 * One table serves ppc_reset, the monitor's `info registers`, the snapshot's
 * cpu section (migration/cpu_snap.c builds its field table from it) and
 * later the GDB stub.  The table's order is the snapshot stream's order:
 * append, never reorder.  A unit test (tests/unit/test_cpusnap.c) checks
 * that the rows cover PPCState up to its host-side members, so a register
 * added to the struct and forgotten here fails the build's tests.
 */
#ifndef CPU_REGS_H
#define CPU_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/ppc.h"

typedef enum PPCRegGroup {
    PPC_RG_USER,     /* UISA user-level registers (PEM 2.1) */
    PPC_RG_FPR,      /* floating-point registers and FPSCR */
    PPC_RG_SUPER,    /* OEA supervisor registers (PEM 2.3) */
    PPC_RG_IMPL,     /* 750-specific SPRs (750 UM 2.1.2) */
    PPC_RG_INTERNAL, /* emulator state that is architectural in effect
                      * (reservation, interrupt inputs, halt, count) */
    PPC_RG_HOST,     /* emulator bookkeeping: never saved, never shown */
} PPCRegGroup;

/* flags */
#define PPC_REG_SNAP  0x01 /* in the snapshot's cpu section */
#define PPC_REG_RESET 0x02 /* ppc_reset sets it to `reset` */
#define PPC_REG_BOOL  0x04 /* a bool member */
#define PPC_REG_SHOW  0x08 /* `info registers` lists it */
#define PPC_REG_PAIRS 0x10 /* array of upper/lower pairs: BAT0U, BAT0L, ... */
#define PPC_REG_FROM1 0x20 /* the manual numbers the array from 1 (PMC1-4) */

typedef struct PPCRegDesc {
    const char *name;  /* the member's name (the snapshot's field name) */
    const char *show;  /* `info registers` label (arrays: the prefix) */
    size_t offset;     /* in PPCState */
    uint8_t size;      /* bytes per element: 1, 4 or 8 */
    uint8_t count;     /* elements (1: a scalar) */
    uint8_t group;     /* PPCRegGroup */
    uint8_t flags;     /* PPC_REG_* */
    uint16_t spr;      /* SPR number of element 0 when the elements are
                        * consecutive SPRs, else 0 */
    uint32_t reset;    /* power-on value of every element (board.md "CPU") */
    uint32_t max;      /* snapshot bound: 0 none, else the largest valid value */
    uint8_t since;     /* first cpu section version with it (0: 1); a
                        * register added later sets it and bumps
                        * SNAP_CPU_VERSION */
} PPCRegDesc;

extern const PPCRegDesc ppc_regs[];
extern const unsigned ppc_nregs;

/* Every PPC_REG_RESET register to its reset value */
void ppc_regs_reset(PPCState *s);
/* The label of element i of register r (`info registers`, GDB) */
const char *ppc_reg_label(const PPCRegDesc *r, unsigned i, char *buf, size_t len);
/* Element i of register r, widened */
uint64_t ppc_reg_get(const PPCState *s, const PPCRegDesc *r, unsigned i);
/* Store element i of register r as it is (no side effects: a debugger
 * writing MSR, SRs or BATs flushes the soft TLB itself) */
void ppc_reg_set(PPCState *s, const PPCRegDesc *r, unsigned i, uint64_t v);

#endif /* CPU_REGS_H */
