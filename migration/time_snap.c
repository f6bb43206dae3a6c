/* The timebase's section (migration/time_snap.h) */
#include "migration/time_snap.h"

/* TBSavedState described in place.  Version 1 also held the instruction
 * count (after dec) and the external interrupt line (after dec_pending):
 * both are read from such a stream and then replaced in post_load (the
 * count is the cpu section's; the line is the interrupt controller's). */
static const SnapField time_fields[] = {
    SNAP_MEMBER_RANGE("freq_hz", SnapTime, st.freq_hz, 1, 1, UINT64_C(1) << 40),
    SNAP_MEMBER_RANGE("icount_shift", SnapTime, st.icount_shift, 1, -1, 62),
    SNAP_MEMBER("tb", SnapTime, st.tb, 1, 0),
    SNAP_MEMBER_RANGE("realtime_ns", SnapTime, st.realtime_ns, 1, 0, SNAP_REALTIME_MAX),
    SNAP_MEMBER_RANGE("dec", SnapTime, st.dec, 1, SNAP_DEC_MIN, SNAP_DEC_MAX),
    SNAP_MEMBER("icount", SnapTime, st.icount, 1, 2),
    SNAP_MEMBER("dec_pending", SnapTime, st.dec_pending, 1, 0),
    SNAP_MEMBER("ext_pending", SnapTime, st.ext_pending, 1, 2),
    SNAP_FIELD_MAX(SnapTime, policy, 1, TB_CLOCK_VM),
    SNAP_END,
};

/* The CPU is at a block boundary (between ppc_run calls), so icount is
 * exact and TB, DEC and icount are sampled at one instant. */
static void time_pre_save(void *opaque)
{
    SnapTime *t = opaque;
    tb_export(t->cpu->tb, t->cpu->icount, &t->st);
    if (t->st.icount_shift < 0)
        t->st.icount_shift = -1;
    t->policy = (uint8_t)tb_policy(t->cpu->tb);
}

/* -tb-freq and -icount must match: the guest read the frequency from its
 * device tree, and -icount changes what a TB value means */
static int time_check(const void *loaded, SnapError *err)
{
    const TBSavedState *t = &((const SnapTime *)loaded)->st;
    TimeBase *tb = ((const SnapTime *)loaded)->cpu->tb;
    if (!tb) {
        snap_error(err, "this machine has no timebase to load the snapshot's into");
        return -1;
    }
    int shift = tb_icount_shift(tb);
    if (t->freq_hz != tb_freq(tb)) {
        snap_error(err, "snapshot's timebase runs at %llu Hz, this machine's at %llu Hz (use -tb-freq %llu)",
                   (unsigned long long)t->freq_hz, (unsigned long long)tb_freq(tb),
                   (unsigned long long)t->freq_hz);
        return -1;
    }
    if (t->icount_shift < 0 && shift >= 0) {
        snap_error(err, "snapshot was saved in real time, this machine runs -icount %d", shift);
        return -1;
    }
    if (t->icount_shift >= 0 && t->icount_shift != shift) {
        if (shift < 0)
            snap_error(err, "snapshot was saved under -icount %d, this machine runs in real time",
                       t->icount_shift);
        else
            snap_error(err, "snapshot was saved under -icount %d, this machine runs -icount %d",
                       t->icount_shift, shift);
        return -1;
    }
    return 0;
}

/* Runs after the cpu's post_load (registry order): the count is the
 * loaded one.  Re-arms the decrementer and leaves the timebase paused
 * until the guest runs (rule 5); the external line is re-driven by the
 * interrupt controller's post_load after this. */
static void time_post_load(void *opaque)
{
    SnapTime *t = opaque;
    t->st.icount = t->cpu->icount;
    t->st.ext_pending = (t->cpu->irq_pending & PPC_IRQ_EXTERNAL) != 0;
    /* time_check accepted it, so it cannot fail */
    if (tb_import(t->cpu->tb, &t->st))
        return;
}

const SnapStateDesc snap_time_desc = {
    .name = "tb",
    .version = SNAP_TB_VERSION,
    .size = sizeof(SnapTime),
    .fields = time_fields,
    .pre_save = time_pre_save,
    .check = time_check,
    .post_load = time_post_load,
};
