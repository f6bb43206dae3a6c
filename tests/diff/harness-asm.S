/*
 * The harness's register switch (PowerPC, assembled with -mregnames).
 *
 * diff_enter() saves the host's callee-saved state, loads the case's
 * FPSCR, FPRs, CR, XER, LR, CTR and GPRs from the register block at
 * DIFF_BLOCK (r1 = DIFF_BLOCK for the whole sequence) and jumps to the
 * sequence at DIFF_SEQ with an absolute branch (ba reaches 32 MiB).  The
 * sequence ends with a branch to the stub copied to DIFF_CODE, which stores
 * every register back into the block and goes to diff_exit; a fault goes
 * there too (the signal handler rewrites the NIP).  diff_exit restores the
 * host state and returns the block's status word.
 *
 * Host frame (256 bytes): 8 CR, 12 r2, 16..91 r13-r31, 96..239 f14-f31,
 * 240 host FPSCR image; LR in the caller's frame at 260.
 */
#include "tests/diff/diff.h"

    .text
    .globl diff_enter
    .type diff_enter, @function
diff_enter:
    stwu r1, -256(r1)
    mflr r0
    stw r0, 260(r1)
    mfcr r0
    stw r0, 8(r1)
    stw r2, 12(r1)
    stmw r13, 16(r1)
    stfd f14, 96(r1)
    stfd f15, 104(r1)
    stfd f16, 112(r1)
    stfd f17, 120(r1)
    stfd f18, 128(r1)
    stfd f19, 136(r1)
    stfd f20, 144(r1)
    stfd f21, 152(r1)
    stfd f22, 160(r1)
    stfd f23, 168(r1)
    stfd f24, 176(r1)
    stfd f25, 184(r1)
    stfd f26, 192(r1)
    stfd f27, 200(r1)
    stfd f28, 208(r1)
    stfd f29, 216(r1)
    stfd f30, 224(r1)
    stfd f31, 232(r1)
    mffs f0
    stfd f0, 240(r1)
    lis r3, DIFF_BLOCK@ha
    addi r3, r3, DIFF_BLOCK@l
    stw r1, B_HOST_SP(r3)
    li r0, 0
    stw r0, B_STATUS(r3)
    /* stwcx. always clears the reservation: none survives from the
     * previous case (PEM 8, stwcx.) */
    addi r4, r3, B_RESV
    stwcx. r0, 0, r4
    mr r1, r3
    lfd f0, B_FPSCR(r1)
    mtfsf 0xff, f0
    lfd f0, B_FPR+0(r1)
    lfd f1, B_FPR+8(r1)
    lfd f2, B_FPR+16(r1)
    lfd f3, B_FPR+24(r1)
    lfd f4, B_FPR+32(r1)
    lfd f5, B_FPR+40(r1)
    lfd f6, B_FPR+48(r1)
    lfd f7, B_FPR+56(r1)
    lfd f8, B_FPR+64(r1)
    lfd f9, B_FPR+72(r1)
    lfd f10, B_FPR+80(r1)
    lfd f11, B_FPR+88(r1)
    lfd f12, B_FPR+96(r1)
    lfd f13, B_FPR+104(r1)
    lfd f14, B_FPR+112(r1)
    lfd f15, B_FPR+120(r1)
    lfd f16, B_FPR+128(r1)
    lfd f17, B_FPR+136(r1)
    lfd f18, B_FPR+144(r1)
    lfd f19, B_FPR+152(r1)
    lfd f20, B_FPR+160(r1)
    lfd f21, B_FPR+168(r1)
    lfd f22, B_FPR+176(r1)
    lfd f23, B_FPR+184(r1)
    lfd f24, B_FPR+192(r1)
    lfd f25, B_FPR+200(r1)
    lfd f26, B_FPR+208(r1)
    lfd f27, B_FPR+216(r1)
    lfd f28, B_FPR+224(r1)
    lfd f29, B_FPR+232(r1)
    lfd f30, B_FPR+240(r1)
    lfd f31, B_FPR+248(r1)
    lwz r0, B_CR(r1)
    mtcr r0
    lwz r0, B_XER(r1)
    mtxer r0
    lwz r0, B_LR(r1)
    mtlr r0
    lwz r0, B_CTR(r1)
    mtctr r0
    lwz r0, B_GPR(r1)
    lmw r2, B_GPR+8(r1)
    ba DIFF_SEQ
    .size diff_enter, .-diff_enter

/* Copied to DIFF_CODE: position independent except the absolute address
 * of diff_exit (a static, non-PIE binary). */
    .globl diff_stub_start
    .globl diff_stub_end
diff_stub_start:
    stmw r0, B_GPR(r1)
    mfcr r0
    stw r0, B_CR(r1)
    mfxer r0
    stw r0, B_XER(r1)
    mflr r0
    stw r0, B_LR(r1)
    mfctr r0
    stw r0, B_CTR(r1)
    stfd f0, B_FPR+0(r1)
    stfd f1, B_FPR+8(r1)
    stfd f2, B_FPR+16(r1)
    stfd f3, B_FPR+24(r1)
    stfd f4, B_FPR+32(r1)
    stfd f5, B_FPR+40(r1)
    stfd f6, B_FPR+48(r1)
    stfd f7, B_FPR+56(r1)
    stfd f8, B_FPR+64(r1)
    stfd f9, B_FPR+72(r1)
    stfd f10, B_FPR+80(r1)
    stfd f11, B_FPR+88(r1)
    stfd f12, B_FPR+96(r1)
    stfd f13, B_FPR+104(r1)
    stfd f14, B_FPR+112(r1)
    stfd f15, B_FPR+120(r1)
    stfd f16, B_FPR+128(r1)
    stfd f17, B_FPR+136(r1)
    stfd f18, B_FPR+144(r1)
    stfd f19, B_FPR+152(r1)
    stfd f20, B_FPR+160(r1)
    stfd f21, B_FPR+168(r1)
    stfd f22, B_FPR+176(r1)
    stfd f23, B_FPR+184(r1)
    stfd f24, B_FPR+192(r1)
    stfd f25, B_FPR+200(r1)
    stfd f26, B_FPR+208(r1)
    stfd f27, B_FPR+216(r1)
    stfd f28, B_FPR+224(r1)
    stfd f29, B_FPR+232(r1)
    stfd f30, B_FPR+240(r1)
    stfd f31, B_FPR+248(r1)
    mffs f0
    stfd f0, B_FPSCR(r1)
    lis r3, diff_exit@ha
    addi r3, r3, diff_exit@l
    mtctr r3
    bctr
diff_stub_end:

    .globl diff_exit
    .type diff_exit, @function
diff_exit:
    lis r3, DIFF_BLOCK@ha
    addi r3, r3, DIFF_BLOCK@l
    lwz r1, B_HOST_SP(r3)
    lfd f0, 240(r1)
    mtfsf 0xff, f0
    lfd f14, 96(r1)
    lfd f15, 104(r1)
    lfd f16, 112(r1)
    lfd f17, 120(r1)
    lfd f18, 128(r1)
    lfd f19, 136(r1)
    lfd f20, 144(r1)
    lfd f21, 152(r1)
    lfd f22, 160(r1)
    lfd f23, 168(r1)
    lfd f24, 176(r1)
    lfd f25, 184(r1)
    lfd f26, 192(r1)
    lfd f27, 200(r1)
    lfd f28, 208(r1)
    lfd f29, 216(r1)
    lfd f30, 224(r1)
    lfd f31, 232(r1)
    lwz r2, 12(r1)
    lmw r13, 16(r1)
    lwz r0, 8(r1)
    mtcr r0
    lwz r0, 260(r1)
    mtlr r0
    lwz r3, B_STATUS(r3)
    addi r1, r1, 256
    blr
    .size diff_exit, .-diff_exit
    .section .note.GNU-stack,"",@progbits
