/*
 * An ELF laid out like Linux's vmlinux: linked at virtual 0xC0010000,
 * loaded at physical 0x00010000 (p_vaddr != p_paddr), entry given as the
 * virtual 0xC0010000.  board.md: segments go to p_paddr and the boot ROM
 * enters at the entry's *physical* address with MSR = 0.  Position
 * independent, no runtime: exits through the test device (0 = pass,
 * 1 = wrong PC, 2 = MSR not 0, 3 = r6 not the ePAPR magic, 4 = data in the
 * segment not at its physical address).
 */
    .section .text.start, "ax"
    .globl _start
_start:
    mr      r10, r6
    mfmsr   r9
    bl      1f
1:  mflr    r3                  /* where we really run */
    lis     r4, 0x8000          /* SoC window */
    li      r0, 1
    lis     r5, 0x0001
    ori     r5, r5, 1b - _start /* physical 0x10000 + offset of 1b */
    cmplw   r3, r5
    bne     fail
    li      r0, 2
    cmpwi   r9, 0
    bne     fail
    li      r0, 3
    lis     r5, 0x4550
    ori     r5, r5, 0x4150
    cmplw   r10, r5
    bne     fail
    li      r0, 4
    lis     r5, 0x0001
    lwz     r6, marker - _start(r5)
    lis     r7, 0x1234
    ori     r7, r7, 0x5678
    cmplw   r6, r7
    bne     fail
    li      r0, 0
fail:
    stw     r0, 0xF00(r4)
2:  b       2b

    .align 2
marker:
    .long   0x12345678

    .section .note.GNU-stack, "", @progbits
