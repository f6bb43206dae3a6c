/*
 * Special-purpose registers (750 UM 2.1, Table 2-1 and 2.1.2): mfspr, mtspr
 * and mftb semantics.  Time (TB, DEC) comes from timebase/tb.h.
 */
#include "cpu/ppc.h"
#include "timebase/tb.h"

enum {
    SPR_XER = 1, SPR_LR = 8, SPR_CTR = 9,
    SPR_DSISR = 18, SPR_DAR = 19, SPR_DEC = 22, SPR_SDR1 = 25,
    SPR_SRR0 = 26, SPR_SRR1 = 27,
    SPR_TBL_R = 268, SPR_TBU_R = 269,
    SPR_SPRG0 = 272, SPR_SPRG3 = 275, SPR_EAR = 282,
    SPR_TBL_W = 284, SPR_TBU_W = 285, SPR_PVR = 287,
    SPR_IBAT0U = 528, SPR_IBAT3L = 535, SPR_DBAT0U = 536, SPR_DBAT3L = 543,
    SPR_UMMCR0 = 936, SPR_UPMC1 = 937, SPR_UPMC2 = 938, SPR_USIA = 939,
    SPR_UMMCR1 = 940, SPR_UPMC3 = 941, SPR_UPMC4 = 942,
    SPR_MMCR0 = 952, SPR_PMC1 = 953, SPR_PMC2 = 954, SPR_SIA = 955,
    SPR_MMCR1 = 956, SPR_PMC3 = 957, SPR_PMC4 = 958,
    SPR_HID0 = 1008, SPR_HID1 = 1009, SPR_IABR = 1010, SPR_DABR = 1013,
    SPR_L2CR = 1017, SPR_ICTC = 1019, SPR_THRM1 = 1020, SPR_THRM3 = 1022,
};

/* Field masks of the registers that have reserved bits */
#define XER_MASK   0xE000007Fu
#define SDR1_MASK  0xFFFF01FFu /* HTABORG, HTABMASK (PEM 7.7.1.1) */
#define BATU_MASK  0xFFFE1FFFu /* BEPI, BL, Vs, Vp (PEM 7.4.3) */
#define BATL_MASK  0xFFFE007Bu /* BRPN, WIMG, PP */
#define L2CR_L2IP  0x00000001u /* invalidate in progress: done at once here */
/* HID0[ICFI], [DCFI]: cache flash invalidates, cleared by the 750 as the
 * operation starts (750 UM 2.1.2.2); there is no cache to invalidate */
#define HID0_FLASH 0x00000C00u

static bool spr_privileged(unsigned spr)
{
    return spr & 0x10; /* PEM 3.3.16: SPR[0] (bit 0x10 of the number) set */
}

static void log_unimp(PPCState *s, const PPCOp *op, const char *what, unsigned spr)
{
    if ((s->debug_flags & PPC_DBG_UNIMP) && s->log_fn)
        s->log_fn(s->log_opaque, "%s of unknown SPR %u at 0x%08x\n", what, spr, ppc_op_ea(s, op));
}

/* The performance-monitor registers and their user read-only copies
 * (750 UM 2.1.2.4): returns a pointer to the register or NULL. */
static uint32_t *pm_reg(PPCState *s, unsigned spr)
{
    if (spr >= SPR_UMMCR0 && spr <= SPR_UPMC4)
        spr += SPR_MMCR0 - SPR_UMMCR0;
    switch (spr) {
    case SPR_MMCR0: return &s->mmcr[0];
    case SPR_MMCR1: return &s->mmcr[1];
    case SPR_PMC1: return &s->pmc[0];
    case SPR_PMC2: return &s->pmc[1];
    case SPR_PMC3: return &s->pmc[2];
    case SPR_PMC4: return &s->pmc[3];
    case SPR_SIA: return &s->sia;
    default: return NULL;
    }
}

static uint64_t tb_now(PPCState *s, const PPCOp *op)
{
    return s->tb ? tb_read(s->tb, ppc_icount_now(s, op)) : 0;
}

int ppc_mftb(PPCState *s, const PPCOp *op, unsigned tbr, uint32_t *val)
{
    if (tbr == SPR_TBL_R)
        *val = (uint32_t)tb_now(s, op);
    else if (tbr == SPR_TBU_R)
        *val = (uint32_t)(tb_now(s, op) >> 32);
    else
        return ppc_program_exc(s, op, SRR1_ILLEGAL); /* PEM 8, mftb: invalid TBR */
    return 0;
}

/* A DEC read negative means its 0 -> 1 edge has happened: make sure the
 * request is latched even if the host timer reporting it is late */
static uint32_t dec_read(PPCState *s, const PPCOp *op)
{
    if (!s->tb)
        return s->dec;
    uint32_t v = tb_dec_read(s->tb, ppc_icount_now(s, op));
    if (v >> 31)
        tb_run_due(s->tb, ppc_icount_now(s, op));
    return v;
}

static bool mfspr_bat(PPCState *s, unsigned spr, uint32_t *val)
{
    if (spr >= SPR_IBAT0U && spr <= SPR_IBAT3L)
        *val = s->ibat[spr - SPR_IBAT0U];
    else if (spr >= SPR_DBAT0U && spr <= SPR_DBAT3L)
        *val = s->dbat[spr - SPR_DBAT0U];
    else
        return false;
    return true;
}

static bool mfspr_known(PPCState *s, const PPCOp *op, unsigned spr, uint32_t *val)
{
    uint32_t *pm = pm_reg(s, spr);
    if (pm) {
        *val = *pm;
        return true;
    }
    if (spr >= SPR_SPRG0 && spr <= SPR_SPRG3) {
        *val = s->sprg[spr - SPR_SPRG0];
        return true;
    }
    if (spr >= SPR_THRM1 && spr <= SPR_THRM3) {
        *val = s->thrm[spr - SPR_THRM1];
        return true;
    }
    switch (spr) {
    case SPR_XER: *val = s->xer; return true;
    case SPR_LR: *val = s->lr; return true;
    case SPR_CTR: *val = s->ctr; return true;
    case SPR_DSISR: *val = s->dsisr; return true;
    case SPR_DAR: *val = s->dar; return true;
    case SPR_DEC: *val = dec_read(s, op); return true;
    case SPR_SDR1: *val = s->sdr1; return true;
    case SPR_SRR0: *val = s->srr0; return true;
    case SPR_SRR1: *val = s->srr1; return true;
    case SPR_TBL_R: *val = (uint32_t)tb_now(s, op); return true;
    case SPR_TBU_R: *val = (uint32_t)(tb_now(s, op) >> 32); return true;
    case SPR_EAR: *val = s->ear; return true;
    case SPR_PVR: *val = s->pvr; return true;
    case SPR_HID0: *val = s->hid0; return true;
    case SPR_HID1: *val = s->hid1; return true;
    case SPR_IABR: *val = s->iabr; return true;
    case SPR_DABR: *val = s->dabr; return true;
    case SPR_L2CR: *val = s->l2cr; return true;
    case SPR_ICTC: *val = s->ictc; return true;
    default: return mfspr_bat(s, spr, val);
    }
}

int ppc_mfspr(PPCState *s, const PPCOp *op, unsigned spr, uint32_t *val)
{
    if (spr_privileged(spr) && (s->msr & MSR_PR))
        return ppc_program_exc(s, op, SRR1_PRIV);
    if (!mfspr_known(s, op, spr, val)) {
        log_unimp(s, op, "mfspr", spr);
        *val = 0;
    }
    return 0;
}

/* BAT writes change translations the soft TLB may hold */
static bool mtspr_bat(PPCState *s, unsigned spr, uint32_t val)
{
    uint32_t *r;
    if (spr >= SPR_IBAT0U && spr <= SPR_IBAT3L)
        r = &s->ibat[spr - SPR_IBAT0U];
    else if (spr >= SPR_DBAT0U && spr <= SPR_DBAT3L)
        r = &s->dbat[spr - SPR_DBAT0U];
    else
        return false;
    *r = val & ((spr & 1) ? BATL_MASK : BATU_MASK);
    ppc_tlb_flush(s);
    return true;
}

static void mtspr_tb(PPCState *s, const PPCOp *op, unsigned spr, uint32_t val)
{
    if (!s->tb)
        return;
    if (spr == SPR_TBL_W)
        tb_write_lower(s->tb, ppc_icount_now(s, op), val);
    else
        tb_write_upper(s->tb, ppc_icount_now(s, op), val);
}

static void mtspr_dec(PPCState *s, const PPCOp *op, uint32_t val)
{
    if (s->tb)
        tb_dec_write(s->tb, ppc_icount_now(s, op), val);
    else
        s->dec = val;
}

static bool mtspr_known(PPCState *s, const PPCOp *op, unsigned spr, uint32_t val)
{
    uint32_t *pm = pm_reg(s, spr);
    if (pm) {
        if (spr >= SPR_MMCR0) /* the user copies (936-942) are read-only */
            *pm = val;
        return true;
    }
    if (spr >= SPR_SPRG0 && spr <= SPR_SPRG3) {
        s->sprg[spr - SPR_SPRG0] = val;
        return true;
    }
    if (spr >= SPR_THRM1 && spr <= SPR_THRM3) {
        s->thrm[spr - SPR_THRM1] = val;
        return true;
    }
    switch (spr) {
    case SPR_XER: s->xer = val & XER_MASK; return true;
    case SPR_LR: s->lr = val; return true;
    case SPR_CTR: s->ctr = val; return true;
    case SPR_DSISR: s->dsisr = val; return true;
    case SPR_DAR: s->dar = val; return true;
    case SPR_DEC: mtspr_dec(s, op, val); return true;
    case SPR_SDR1: s->sdr1 = val & SDR1_MASK; ppc_tlb_flush(s); return true;
    case SPR_SRR0: s->srr0 = val; return true;
    case SPR_SRR1: s->srr1 = val; return true;
    case SPR_TBL_W:
    case SPR_TBU_W: mtspr_tb(s, op, spr, val); return true;
    case SPR_EAR: s->ear = val & 0x8000003Fu; return true;
    case SPR_PVR: return true;  /* read-only */
    case SPR_HID0: s->hid0 = val & ~HID0_FLASH; return true;
    case SPR_HID1: return true; /* read-only on the 750 (PLL configuration) */
    case SPR_IABR: s->iabr = val; return true;
    case SPR_DABR: s->dabr = val; ppc_tlb_flush(s); return true;
    case SPR_L2CR: s->l2cr = val & ~L2CR_L2IP; return true;
    case SPR_ICTC: s->ictc = val; return true;
    default: return mtspr_bat(s, spr, val);
    }
}

int ppc_mtspr(PPCState *s, const PPCOp *op, unsigned spr, uint32_t val)
{
    if (spr_privileged(spr) && (s->msr & MSR_PR))
        return ppc_program_exc(s, op, SRR1_PRIV);
    if (!mtspr_known(s, op, spr, val))
        log_unimp(s, op, "mtspr", spr);
    return 0;
}
