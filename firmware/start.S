/*
 * ppcemu boot ROM: reset entry, exception stubs and the kernel hand-off.
 *
 * The ROM is mapped at 0xFFF00000 and the CPU comes out of reset with
 * MSR[IP] = 1, so every exception vector is at 0xFFF00000 + offset
 * (750 UM 4.2, Table 4-2).  This section is placed at 0xFFF00000 by
 * bootrom.lds; `.org` puts each stub at its vector.
 *
 * The ROM has no writable data.  Its stack is below the BI_STACK the
 * emulator places in RAM (boards/bootinfo.h); the kernel gets r1 = BI_STACK
 * itself, untouched, as the boot protocol (board.md) asks.
 */
#include "boards/bootinfo.h"

#define EPAPR_MAGIC 0x45504150
#define SPR_DEC 22
#define MSR_POW 0x00040000
#define MSR_EE  0x00008000
#define FW_STACK_GAP 0x100      /* our frames start this far below BI_STACK */

    .section .vectors, "ax"
    .globl fw_rom_header
fw_rom_header:
    .ascii "ppcemu boot ROM\0"

/* System reset (0x100) */
    .org 0x100
    .globl fw_reset_vector
fw_reset_vector:
    b       fw_reset

/* An exception the ROM does not expect: report it and stop (li r3 = the
 * vector; the rest of the state is still in SRR0/SRR1/DAR/DSISR). */
    .macro UNEXPECTED vec
    .org \vec
    li      r3, \vec
    b       fw_unexpected
    .endm

    UNEXPECTED 0x200
    UNEXPECTED 0x300
    UNEXPECTED 0x400
    UNEXPECTED 0x500
    UNEXPECTED 0x600
    UNEXPECTED 0x700
    UNEXPECTED 0x800

/* Decrementer (0x900): only taken while the ROM idles without a kernel
 * (fw_idle enables EE); push the next expiry as far out as possible and
 * go back to sleep. */
    .org 0x900
    mtsprg  0, r3
    lis     r3, 0x7fff
    ori     r3, r3, 0xffff
    mtspr   SPR_DEC, r3
    mfsprg  r3, 0
    rfi

    UNEXPECTED 0xA00
    UNEXPECTED 0xB00
    UNEXPECTED 0xC00
    UNEXPECTED 0xD00
    UNEXPECTED 0xE00
    UNEXPECTED 0xF00
    UNEXPECTED 0x1000
    UNEXPECTED 0x1100
    UNEXPECTED 0x1200
    UNEXPECTED 0x1300
    UNEXPECTED 0x1400
    UNEXPECTED 0x1500
    UNEXPECTED 0x1600
    UNEXPECTED 0x1700
    .org 0x1800

    .text
/* Load r1 from the boot-info block (or a low-RAM fallback when the block
 * is not valid) and leave FW_STACK_GAP bytes of room under BI_STACK. */
fw_load_stack:
    lis     r4, BOOTINFO_PHYS@h
    ori     r4, r4, BOOTINFO_PHYS@l
    lwz     r5, BI_MAGIC(r4)
    lis     r6, BOOTINFO_MAGIC@h
    ori     r6, r6, BOOTINFO_MAGIC@l
    li      r1, 0x7000          /* fallback: below any kernel at 0x10000 */
    cmplw   r5, r6
    bne     1f
    lwz     r1, BI_STACK(r4)
1:  clrrwi  r1, r1, 4
    subi    r1, r1, FW_STACK_GAP
    li      r0, 0
    stw     r0, 0(r1)           /* back chain 0: outermost frame */
    stw     r0, 4(r1)
    blr

fw_reset:
    bl      fw_load_stack
    li      r2, 0
    li      r13, 0
    bl      fw_main             /* only returns when there is nothing to run */
    b       fw_idle

fw_unexpected:
    mr      r31, r3
    bl      fw_load_stack
    mr      r3, r31
    mfsrr0  r4
    mfsrr1  r5
    mfdar   r6
    mfdsisr r7
    bl      fw_report_exception
    /* fall through: stay idle */

/* Idle forever with MSR[POW] (750 UM 10.2: doze/nap wake on an interrupt);
 * the decrementer stub above brings us back here about once a minute at
 * the default timebase frequency. */
    .globl fw_idle
fw_idle:
    lis     r3, 0x7fff
    ori     r3, r3, 0xffff
    mtspr   SPR_DEC, r3
1:  mfmsr   r3
    ori     r3, r3, MSR_EE
    oris    r3, r3, MSR_POW@h
    sync
    mtmsr   r3
    isync
    b       1b

/*
 * void fw_enter_kernel(uint32_t entry, uint32_t dtb, uint32_t ima_size,
 *                      uint32_t stack)
 * The boot protocol of board.md: MSR = 0 (IP cleared so the kernel's own
 * vectors at 0 are used; MMU and interrupts off), r1 = stack, r3 = DTB,
 * r4 = r5 = 0, r6 = ePAPR magic, r7 = size of the initially mapped area.
 * rfi sets PC and MSR together.
 */
    .globl fw_enter_kernel
fw_enter_kernel:
    mtsrr0  r3
    li      r0, 0
    mtsrr1  r0
    mr      r1, r6
    mr      r3, r4
    mr      r7, r5
    li      r4, 0
    li      r5, 0
    lis     r6, EPAPR_MAGIC@h
    ori     r6, r6, EPAPR_MAGIC@l
    li      r0, 0
    li      r2, 0
    li      r13, 0
    mtlr    r0
    mtctr   r0
    sync
    isync
    rfi

    .section .note.GNU-stack, "", @progbits
