/* The 750's register list (cpu/regs.h). */
#include "cpu/regs.h"

#include <stdio.h>
#include <string.h>

#define M_(m) offsetof(PPCState, m), sizeof(((PPCState *)0)->m)
#define A_(m) offsetof(PPCState, m), sizeof(((PPCState *)0)->m[0]), \
    sizeof(((PPCState *)0)->m) / sizeof(((PPCState *)0)->m[0])

#define SAVED (PPC_REG_SNAP | PPC_REG_RESET | PPC_REG_SHOW)

/* name, label, offset+size[+count], group, flags, SPR, reset, bound.
 * Stream order of the cpu section (version 1): do not reorder. */
const PPCRegDesc ppc_regs[] = {
    { "gpr", "r", A_(gpr), PPC_RG_USER, SAVED, 0, 0, 0, 1 },
    { "fpr", "f", A_(fpr), PPC_RG_FPR, SAVED, 0, 0, 0, 1 },
    { "cr", "CR", M_(cr), 1, PPC_RG_USER, SAVED, 0, 0, 0, 1 },
    { "xer", "XER", M_(xer), 1, PPC_RG_USER, SAVED, 1, 0, 0, 1 },
    { "lr", "LR", M_(lr), 1, PPC_RG_USER, SAVED, 8, 0, 0, 1 },
    { "ctr", "CTR", M_(ctr), 1, PPC_RG_USER, SAVED, 9, 0, 0, 1 },
    { "fpscr", "FPSCR", M_(fpscr), 1, PPC_RG_FPR, SAVED, 0, 0, 0, 1 },
    /* the reset vector with MSR[IP] set (750 UM 4.5.1) */
    { "pc", "PC", M_(pc), 1, PPC_RG_USER, SAVED, 0, 0xFFF00100u, 0, 1 },
    { "msr", "MSR", M_(msr), 1, PPC_RG_SUPER, SAVED, 0, MSR_IP, 0, 1 },
    { "srr0", "SRR0", M_(srr0), 1, PPC_RG_SUPER, SAVED, 26, 0, 0, 1 },
    { "srr1", "SRR1", M_(srr1), 1, PPC_RG_SUPER, SAVED, 27, 0, 0, 1 },
    { "dar", "DAR", M_(dar), 1, PPC_RG_SUPER, SAVED, 19, 0, 0, 1 },
    { "dsisr", "DSISR", M_(dsisr), 1, PPC_RG_SUPER, SAVED, 18, 0, 0, 1 },
    { "sprg", "SPRG", A_(sprg), PPC_RG_SUPER, SAVED, 272, 0, 0, 1 },
    { "sdr1", "SDR1", M_(sdr1), 1, PPC_RG_SUPER, SAVED, 25, 0, 0, 1 },
    { "sr", "SR", A_(sr), PPC_RG_SUPER, SAVED, 0, 0, 0, 1 },
    /* IBAT0U, IBAT0L, IBAT1U... are SPRs 528..535, DBATs 536..543 */
    { "ibat", "IBAT", A_(ibat), PPC_RG_SUPER, SAVED | PPC_REG_PAIRS, 528, 0, 0, 1 },
    { "dbat", "DBAT", A_(dbat), PPC_RG_SUPER, SAVED | PPC_REG_PAIRS, 536, 0, 0, 1 },
    /* 750 PVR 0x0008xxxx (750 UM 2.1.2.1) */
    { "pvr", "PVR", M_(pvr), 1, PPC_RG_SUPER, SAVED, 287, 0x00080200u, 0, 1 },
    { "hid0", "HID0", M_(hid0), 1, PPC_RG_IMPL, SAVED, 1008, 0, 0, 1 },
    { "hid1", "HID1", M_(hid1), 1, PPC_RG_IMPL, SAVED, 1009, 0, 0, 1 },
    { "hid2", "HID2", M_(hid2), 1, PPC_RG_IMPL, SAVED, 0, 0, 0, 1 },
    { "l2cr", "L2CR", M_(l2cr), 1, PPC_RG_IMPL, SAVED, 1017, 0, 0, 1 },
    { "ictc", "ICTC", M_(ictc), 1, PPC_RG_IMPL, SAVED, 1019, 0, 0, 1 },
    { "thrm", "THRM", A_(thrm), PPC_RG_IMPL, SAVED | PPC_REG_FROM1, 1020, 0, 0, 1 },
    /* PMC1-4 are SPRs 953, 954, 957, 958 and MMCR0/1 952, 956: not runs */
    { "pmc", "PMC", A_(pmc), PPC_RG_IMPL, SAVED | PPC_REG_FROM1, 0, 0, 0, 1 },
    { "mmcr", "MMCR", A_(mmcr), PPC_RG_IMPL, SAVED, 0, 0, 0, 1 },
    { "sia", "SIA", M_(sia), 1, PPC_RG_IMPL, SAVED, 955, 0, 0, 1 },
    { "iabr", "IABR", M_(iabr), 1, PPC_RG_IMPL, SAVED, 1010, 0, 0, 1 },
    { "dabr", "DABR", M_(dabr), 1, PPC_RG_IMPL, SAVED, 1013, 0, 0, 1 },
    { "ear", "EAR", M_(ear), 1, PPC_RG_SUPER, SAVED, 282, 0, 0, 1 },
    /* lwarx/stwcx. reservation: an address without the valid flag is
     * meaningless, so reset only clears the flag */
    { "reserve_addr", "RESV", M_(reserve_addr), 1, PPC_RG_INTERNAL, PPC_REG_SNAP | PPC_REG_SHOW,
      0, 0, 0, 1 },
    { "reserve_valid", "RESV_VALID", M_(reserve_valid), 1, PPC_RG_INTERNAL,
      SAVED | PPC_REG_BOOL, 0, 0, 1, 1 },
    { "halted", "HALTED", M_(halted), 1, PPC_RG_INTERNAL, SAVED | PPC_REG_BOOL, 0, 0, 1, 1 },
    /* PPC_IRQ_* inputs; DEC and EXTERNAL are re-derived after a load (the
     * timebase and the interrupt controller drive them) */
    { "irq_pending", "IRQ", M_(irq_pending), 1, PPC_RG_INTERNAL, SAVED, 0, 0, 0x7F, 1 },
    /* the count runs on across a reset (the test device reads it) */
    { "icount", "icount", M_(icount), 1, PPC_RG_INTERNAL, PPC_REG_SNAP, 0, 0, 0, 1 },
    /* not saved */
    { "ummcr_unused", NULL, M_(ummcr_unused), 1, PPC_RG_HOST, 0, 0, 0, 0, 1 },
    /* DEC when there is no timebase (unit tests); with one, the timebase
     * section carries DEC */
    { "dec", NULL, M_(dec), 1, PPC_RG_HOST, PPC_REG_RESET, 0, 0, 0, 1 },
    { "exit_request", NULL, M_(exit_request), 1, PPC_RG_HOST, 0, 0, 0, 0, 1 },
    { "block_ea", NULL, M_(block_ea), 1, PPC_RG_HOST, 0, 0, 0, 0, 1 },
    { "mmio_icount", NULL, M_(mmio_icount), 1, PPC_RG_HOST, 0, 0, 0, 0, 1 },
};

const unsigned ppc_nregs = sizeof(ppc_regs) / sizeof(ppc_regs[0]);

void ppc_reg_set(PPCState *s, const PPCRegDesc *r, unsigned i, uint64_t v)
{
    uint8_t *p = (uint8_t *)s + r->offset + (size_t)i * r->size;
    if (r->flags & PPC_REG_BOOL) {
        *(bool *)p = v != 0;
    } else if (r->size == 4) {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
    } else if (r->size == 8) {
        memcpy(p, &v, 8);
    } else {
        *p = (uint8_t)v;
    }
}

const char *ppc_reg_label(const PPCRegDesc *r, unsigned i, char *buf, size_t len)
{
    if (r->count == 1)
        snprintf(buf, len, "%s", r->show);
    else if (r->flags & PPC_REG_PAIRS)
        snprintf(buf, len, "%s%u%c", r->show, i / 2, i % 2 ? 'L' : 'U');
    else
        snprintf(buf, len, "%s%u", r->show, i + (r->flags & PPC_REG_FROM1 ? 1 : 0));
    return buf;
}

uint64_t ppc_reg_get(const PPCState *s, const PPCRegDesc *r, unsigned i)
{
    const uint8_t *p = (const uint8_t *)s + r->offset + (size_t)i * r->size;
    if (r->flags & PPC_REG_BOOL)
        return *(const bool *)p;
    if (r->size == 4) {
        uint32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    if (r->size == 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        return x;
    }
    return *p;
}

void ppc_regs_reset(PPCState *s)
{
    for (unsigned k = 0; k < ppc_nregs; k++) {
        const PPCRegDesc *r = &ppc_regs[k];
        if (r->flags & PPC_REG_RESET)
            for (unsigned i = 0; i < r->count; i++)
                ppc_reg_set(s, r, i, r->reset);
    }
}
