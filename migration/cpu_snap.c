/* The cpu section: one field per row of the register table (cpu/regs.c)
 * flagged PPC_REG_SNAP, in the table's order, which is the stream's. */
#include "migration/cpu_snap.h"

#include "cpu/regs.h"

#define CPU_FIELDS_MAX 64

static SnapField cpu_fields[CPU_FIELDS_MAX + 1];

/* Values the CPU could never hold, which the engine must not meet */
static int cpu_check(const void *loaded, SnapError *err)
{
    const PPCState *s = loaded;
    if (s->pc & 3) {
        snap_error(err, "snapshot is corrupt (cpu PC 0x%08x is not word-aligned)", s->pc);
        return -1;
    }
    if (s->msr & ~MSR_750_MASK) {
        snap_error(err, "snapshot is corrupt (cpu MSR 0x%08x has bits a 750 lacks)", s->msr);
        return -1;
    }
    return 0;
}

/* nothing derived survives: the 750 state changed under it */
static void cpu_post_load(void *opaque)
{
    PPCState *s = opaque;
    ppc_tlb_flush(s);
    ppc_flush_blocks(s);
}

static SnapStateDesc cpu_desc = {
    .name = "cpu",
    .version = SNAP_CPU_VERSION,
    .size = sizeof(PPCState),
    .fields = cpu_fields,
    .check = cpu_check,
    .post_load = cpu_post_load,
};

static SnapType reg_type(const PPCRegDesc *r)
{
    if (r->flags & PPC_REG_BOOL)
        return SNAP_T_BOOL;
    return r->size == 8 ? SNAP_T_U64 : r->size == 4 ? SNAP_T_U32 : SNAP_T_U8;
}

const SnapStateDesc *snap_cpu_desc(void)
{
    if (cpu_fields[0].name)
        return &cpu_desc;
    unsigned n = 0;
    for (unsigned k = 0; k < ppc_nregs && n < CPU_FIELDS_MAX; k++) {
        const PPCRegDesc *r = &ppc_regs[k];
        if (!(r->flags & PPC_REG_SNAP))
            continue;
        cpu_fields[n++] = (SnapField){ r->name, r->offset, (uint8_t)reg_type(r), r->count,
                                       r->since ? r->since : 1u, 0,
                                       r->max != 0, 0, r->max };
    }
    return &cpu_desc;
}
