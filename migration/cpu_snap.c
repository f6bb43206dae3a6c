#include "migration/cpu_snap.h"

#include <string.h>

/* A plain mirror of the architectural part of PPCState, so the field table
 * is independent of host-side members (pointers, caches). */
typedef struct CpuImage {
    uint32_t gpr[32];
    uint64_t fpr[32];
    uint32_t cr, xer, lr, ctr, fpscr, pc, msr;
    uint32_t srr0, srr1, dar, dsisr, sprg[4], sdr1, sr[16], ibat[8], dbat[8];
    uint32_t pvr, hid0, hid1, hid2, l2cr, ictc, thrm[3], pmc[4], mmcr[2], sia;
    uint32_t iabr, dabr, ear;
    uint32_t reserve_addr;
    uint8_t reserve_valid, halted;
    uint32_t irq_pending; /* which interrupts are pending (DEC, external...) */
    uint64_t icount;
} CpuImage;

const SnapField snap_cpu_fields[] = {
    SNAP_ARRAY(CpuImage, gpr, 1), SNAP_ARRAY(CpuImage, fpr, 1),
    SNAP_FIELD(CpuImage, cr, 1), SNAP_FIELD(CpuImage, xer, 1), SNAP_FIELD(CpuImage, lr, 1),
    SNAP_FIELD(CpuImage, ctr, 1), SNAP_FIELD(CpuImage, fpscr, 1), SNAP_FIELD(CpuImage, pc, 1),
    SNAP_FIELD(CpuImage, msr, 1), SNAP_FIELD(CpuImage, srr0, 1), SNAP_FIELD(CpuImage, srr1, 1),
    SNAP_FIELD(CpuImage, dar, 1), SNAP_FIELD(CpuImage, dsisr, 1), SNAP_ARRAY(CpuImage, sprg, 1),
    SNAP_FIELD(CpuImage, sdr1, 1), SNAP_ARRAY(CpuImage, sr, 1), SNAP_ARRAY(CpuImage, ibat, 1),
    SNAP_ARRAY(CpuImage, dbat, 1), SNAP_FIELD(CpuImage, pvr, 1), SNAP_FIELD(CpuImage, hid0, 1),
    SNAP_FIELD(CpuImage, hid1, 1), SNAP_FIELD(CpuImage, hid2, 1), SNAP_FIELD(CpuImage, l2cr, 1),
    SNAP_FIELD(CpuImage, ictc, 1), SNAP_ARRAY(CpuImage, thrm, 1), SNAP_ARRAY(CpuImage, pmc, 1),
    SNAP_ARRAY(CpuImage, mmcr, 1), SNAP_FIELD(CpuImage, sia, 1), SNAP_FIELD(CpuImage, iabr, 1),
    SNAP_FIELD(CpuImage, dabr, 1), SNAP_FIELD(CpuImage, ear, 1),
    SNAP_FIELD(CpuImage, reserve_addr, 1), SNAP_FIELD_MAX(CpuImage, reserve_valid, 1, 1),
    SNAP_FIELD_MAX(CpuImage, halted, 1, 1), SNAP_FIELD_MAX(CpuImage, irq_pending, 1, 0x7F),
    SNAP_FIELD(CpuImage, icount, 1),
    SNAP_END,
};

/* one list of the members both directions copy */
#define CPU_SCALARS(X) X(cr) X(xer) X(lr) X(ctr) X(fpscr) X(pc) X(msr) X(srr0) X(srr1) \
    X(dar) X(dsisr) X(sdr1) X(pvr) X(hid0) X(hid1) X(hid2) X(l2cr) X(ictc) X(sia) X(iabr) \
    X(dabr) X(ear) X(reserve_addr) X(icount)
#define CPU_ARRAYS(X) X(gpr) X(fpr) X(sprg) X(sr) X(ibat) X(dbat) X(thrm) X(pmc) X(mmcr)

static void to_image(CpuImage *im, const PPCState *s)
{
    memset(im, 0, sizeof(*im));
#define COPY_S(m) im->m = s->m;
#define COPY_A(m) memcpy(im->m, s->m, sizeof(im->m));
    CPU_SCALARS(COPY_S)
    CPU_ARRAYS(COPY_A)
#undef COPY_S
#undef COPY_A
    im->reserve_valid = s->reserve_valid;
    im->halted = s->halted;
    im->irq_pending = s->irq_pending;
}

static void from_image(PPCState *s, const CpuImage *im)
{
#define COPY_S(m) s->m = im->m;
#define COPY_A(m) memcpy(s->m, im->m, sizeof(s->m));
    CPU_SCALARS(COPY_S)
    CPU_ARRAYS(COPY_A)
#undef COPY_S
#undef COPY_A
    s->reserve_valid = im->reserve_valid != 0;
    s->halted = im->halted != 0;
    s->irq_pending = im->irq_pending;
}

void snap_save_cpu(SnapWriter *w, const PPCState *s)
{
    CpuImage im;
    to_image(&im, s);
    snap_begin_section(w, "cpu", SNAP_CPU_VERSION);
    snap_put_fields(w, snap_cpu_fields, &im, SNAP_CPU_VERSION);
    snap_end_section(w);
}

int snap_load_cpu(SnapReader *r, uint32_t version, PPCState *dst, SnapError *err)
{
    if (version > SNAP_CPU_VERSION) {
        snap_error(err, "snapshot's cpu section version %u is newer than supported (%u)", version,
                   SNAP_CPU_VERSION);
        return -1;
    }
    CpuImage im;
    to_image(&im, dst);
    if (snap_get_fields(r, snap_cpu_fields, &im, version, err))
        return -1;
    if (snap_end_read_section(r, err))
        return -1;
    from_image(dst, &im);
    return 0;
}

void snap_cpu_commit(PPCState *live, const PPCState *loaded)
{
    CpuImage im;
    to_image(&im, loaded);
    from_image(live, &im);
    /* post-load: nothing derived survives (750 state changed under it) */
    ppc_tlb_flush(live);
    ppc_flush_blocks(live);
}
