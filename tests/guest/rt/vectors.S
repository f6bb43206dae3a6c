/*
 * Exception entry and exit.  exc_install() copies rt_exc_tramp to every
 * vector 0x100..0x1700 (750 UM Table 4-2) and patches the `li r3,0` at
 * RT_TRAMP_VEC_OFF with the vector offset.  The trampoline frees r1, r3 and
 * CTR through SPRG0..2 and jumps to rt_exc_common, which saves the whole
 * user-visible state in an ExcFrame on the exception stack and calls
 * rt_exc_dispatch(frame).  On return the (possibly changed) frame is
 * reloaded, SRR0/SRR1 included, and rfi resumes.
 *
 * Exceptions run with IR/DR off (750 UM 4.2), so everything here must sit
 * at its physical address: programs are linked at physical addresses.
 */
#define FRAME_OFF 16            /* back chain + LR save word + pad */
#define F_GPR(n)  (FRAME_OFF + 4 * (n))
#define F_LR      (FRAME_OFF + 128)
#define F_CTR     (FRAME_OFF + 132)
#define F_CR      (FRAME_OFF + 136)
#define F_XER     (FRAME_OFF + 140)
#define F_SRR0    (FRAME_OFF + 144)
#define F_SRR1    (FRAME_OFF + 148)
#define F_DAR     (FRAME_OFF + 152)
#define F_DSISR   (FRAME_OFF + 156)
#define F_VECTOR  (FRAME_OFF + 160)
#define F_TBL     (FRAME_OFF + 164)
#define F_TBU     (FRAME_OFF + 168)
#define STACK_FRAME (FRAME_OFF + 176)

    .text
    .globl rt_exc_tramp, rt_exc_tramp_end, rt_exc_tramp_vec
rt_exc_tramp:
    mtsprg  0, r1
    mtsprg  1, r3
    mfctr   r3
    mtsprg  2, r3
    lis     r3, rt_exc_common@ha
    addi    r3, r3, rt_exc_common@l
    mtctr   r3
rt_exc_tramp_vec:
    li      r3, 0               /* patched: the vector offset */
    bctr
rt_exc_tramp_end:

    .globl rt_exc_common
rt_exc_common:
    lis     r1, __exc_stack_top@ha
    addi    r1, r1, __exc_stack_top@l
    subi    r1, r1, STACK_FRAME
    stw     r0, F_GPR(0)(r1)
    mftb    r0                  /* as early as possible: DEC tests */
    stw     r0, F_TBL(r1)
    mftbu   r0
    stw     r0, F_TBU(r1)
    stw     r2, F_GPR(2)(r1)
    .irp n, 4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    stw     \n, F_GPR(\n)(r1)
    .endr
    mfsprg  r0, 0
    stw     r0, F_GPR(1)(r1)
    mfsprg  r0, 1
    stw     r0, F_GPR(3)(r1)
    mfsprg  r0, 2
    stw     r0, F_CTR(r1)
    mflr    r0
    stw     r0, F_LR(r1)
    mfcr    r0
    stw     r0, F_CR(r1)
    mfxer   r0
    stw     r0, F_XER(r1)
    mfsrr0  r0
    stw     r0, F_SRR0(r1)
    mfsrr1  r0
    stw     r0, F_SRR1(r1)
    mfdar   r0
    stw     r0, F_DAR(r1)
    mfdsisr r0
    stw     r0, F_DSISR(r1)
    stw     r3, F_VECTOR(r1)
    li      r0, 0
    stw     r0, 0(r1)           /* outermost frame: back chain 0 */
    addi    r3, r1, FRAME_OFF
    bl      rt_exc_dispatch

    lwz     r0, F_SRR0(r1)
    mtsrr0  r0
    lwz     r0, F_SRR1(r1)
    mtsrr1  r0
    lwz     r0, F_LR(r1)
    mtlr    r0
    lwz     r0, F_CTR(r1)
    mtctr   r0
    lwz     r0, F_CR(r1)
    mtcrf   0xff, r0
    lwz     r0, F_XER(r1)
    mtxer   r0
    lwz     r0, F_GPR(0)(r1)
    .irp n, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    lwz     \n, F_GPR(\n)(r1)
    .endr
    lwz     r1, F_GPR(1)(r1)
    rfi

/*
 * void rt_run_msr(void (*fn)(void), uint32_t msr)
 * Enters fn with MSR = msr through rfi; when fn returns, `sc` with
 * r0 = RT_SC_RETURN_MAGIC brings control back to rt_run_return with the
 * caller's MSR (rt_exc_dispatch does that part).  Nonvolatile registers are
 * fn's to preserve, as in any call; r1 is unchanged across the trip.
 */
#define RT_SC_RETURN_MAGIC 0x52455455
    .globl rt_run_msr, rt_run_return
rt_run_msr:
    mflr    r0
    stw     r0, 4(r1)
    stwu    r1, -16(r1)
    mfmsr   r5
    lis     r6, rt_saved_msr@ha
    stw     r5, rt_saved_msr@l(r6)
    mtsrr1  r4
    lis     r6, rt_run_entry@ha
    addi    r6, r6, rt_run_entry@l
    mtsrr0  r6
    rfi
rt_run_entry:
    mtctr   r3
    bctrl
    lis     r0, RT_SC_RETURN_MAGIC@h
    ori     r0, r0, RT_SC_RETURN_MAGIC@l
    sc
    b       .
rt_run_return:
    addi    r1, r1, 16
    lwz     r0, 4(r1)
    mtlr    r0
    blr

    .section .note.GNU-stack, "", @progbits
