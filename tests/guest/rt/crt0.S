/*
 * Entry of a bare-metal test program.  The boot ROM enters it per board.md's
 * boot protocol: MSR = 0, r1 = a stack, r3 = DTB, r4 = r5 = 0,
 * r6 = 0x45504150 (ePAPR magic), r7 = size of the initially mapped area.
 * The registers and the MSR at entry are kept in rt_boot_regs (in .data, so
 * clearing .bss does not lose them) for the programs that check the
 * protocol itself.
 */
    .section .text.start, "ax"
    .globl _start
_start:
    /* record the entry state before anything changes it */
    lis     r8, rt_boot_regs@ha
    addi    r8, r8, rt_boot_regs@l
    stw     r1, 0(r8)
    stw     r3, 4(r8)
    stw     r4, 8(r8)
    stw     r5, 12(r8)
    stw     r6, 16(r8)
    stw     r7, 20(r8)
    mfmsr   r9
    stw     r9, 24(r8)

    /* our own stack (the SVR4 ABI wants a 16-byte aligned r1 with a
     * zero back chain at the outermost frame) */
    lis     r1, __stack_top@ha
    addi    r1, r1, __stack_top@l
    li      r0, 0
    stwu    r0, -16(r1)
    /* r2 is system-reserved and r13 the small-data base in the 32-bit
     * SVR4 ABI; the runtime is built with -msdata=none so neither is used,
     * but give them defined values */
    li      r2, 0
    lis     r13, _SDA_BASE_@ha
    addi    r13, r13, _SDA_BASE_@l

    /* clear .bss (word-aligned by the linker script) */
    lis     r3, __bss_start@ha
    addi    r3, r3, __bss_start@l
    lis     r4, __bss_end@ha
    addi    r4, r4, __bss_end@l
1:  cmplw   r3, r4
    bge     2f
    stw     r0, 0(r3)
    addi    r3, r3, 4
    b       1b
2:
    bl      rt_init
    bl      main
    bl      test_exit
3:  b       3b

    .section .data
    .globl rt_boot_regs
    .align 2
rt_boot_regs:             /* r1, r3, r4, r5, r6, r7, MSR at entry */
    .long 0, 0, 0, 0, 0, 0, 0

    .section .note.GNU-stack, "", @progbits
