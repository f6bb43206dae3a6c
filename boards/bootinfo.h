/*
 * The boot-info block: read-only 32-bit big-endian words the emulator fills
 * for the boot ROM, at SoC offset 0x0E00 (physical 0x80000E00), 0x100 bytes.
 * Offsets not listed below read 0.  Writes are ignored.
 *
 * The boot ROM (firmware/) reads it after reset and, when BI_FLAG_KERNEL is
 * set, enters the kernel as board.md "Boot protocol" says:
 *   MSR = 0, r1 = BI_STACK, r3 = BI_DTB_ADDR, r4 = r5 = 0,
 *   r6 = 0x45504150 (ePAPR magic), r7 = BI_IMA_SIZE, PC = BI_KERNEL_ENTRY.
 *
 * All addresses are guest physical.  Layout version 1:
 *
 *  off   name              meaning
 *  0x00  BI_MAGIC          BOOTINFO_MAGIC ("PEBI") when the block is valid
 *  0x04  BI_VERSION        BOOTINFO_VERSION; later versions only append words
 *  0x08  BI_FLAGS          BI_FLAG_* below
 *  0x0C  BI_RAM_SIZE       RAM size in bytes (RAM is at physical 0)
 *  0x10  BI_KERNEL_ENTRY   physical address of the ELF entry point
 *  0x14  BI_KERNEL_START   lowest physical address a PT_LOAD segment covers
 *  0x18  BI_KERNEL_END     first physical byte above every PT_LOAD segment
 *  0x1C  BI_DTB_ADDR       device tree blob (page aligned, above the kernel)
 *  0x20  BI_DTB_SIZE       its size in bytes (totalsize of the blob)
 *  0x24  BI_INITRD_START   initrd image start (page aligned), 0 if none
 *  0x28  BI_INITRD_END     first byte after it, 0 if none
 *  0x2C  BI_STACK          initial r1: 16-byte aligned, with 16 bytes of
 *                          zeroed back chain above it, inside RAM
 *  0x30  BI_IMA_SIZE       ePAPR r7: size of the initially mapped area
 *                          (RAM size, at most 256 MiB)
 *  0x34  BI_TB_FREQ        timebase frequency in Hz (as in the device tree)
 *  0x38  BI_UART_BASE      physical address of UART0 (0x800003F8)
 *  0x3C  BI_TESTDEV_BASE   physical address of the test device (0x80000F00)
 *  0x40  BI_CMDLINE_ADDR   -append string (NUL terminated) copy in RAM, 0 if none
 *                          (the same string is in /chosen bootargs)
 *
 * Placement (board.md): above the kernel's end, page aligned, come the
 * DTB, the command line copy (16-byte aligned, right after the DTB), the
 * initrd (page aligned), then a BOOTINFO_STACK_SIZE stack area (page
 * aligned) whose top minus 16 is BI_STACK; all below min(RAM, 256 MiB).
 * Without -kernel, BI_FLAG_KERNEL is clear, the kernel words are 0 and the
 * same layout starts at BOOTINFO_DTB_DEFAULT (the tree is still in RAM).
 */
#ifndef BOARDS_BOOTINFO_H
#define BOARDS_BOOTINFO_H

#define BOOTINFO_SOC_OFFSET 0x0E00u
#define BOOTINFO_PHYS       0x80000E00u
#define BOOTINFO_SIZE       0x100u

#define BOOTINFO_MAGIC   0x50454249u /* "PEBI" */
#define BOOTINFO_VERSION 1u

#define BI_MAGIC         0x00
#define BI_VERSION       0x04
#define BI_FLAGS         0x08
#define BI_RAM_SIZE      0x0C
#define BI_KERNEL_ENTRY  0x10
#define BI_KERNEL_START  0x14
#define BI_KERNEL_END    0x18
#define BI_DTB_ADDR      0x1C
#define BI_DTB_SIZE      0x20
#define BI_INITRD_START  0x24
#define BI_INITRD_END    0x28
#define BI_STACK         0x2C
#define BI_IMA_SIZE      0x30
#define BI_TB_FREQ       0x34
#define BI_UART_BASE     0x38
#define BI_TESTDEV_BASE  0x3C
#define BI_CMDLINE_ADDR  0x40
#define BI_NWORDS        17

#define BI_FLAG_KERNEL 0x1u /* -kernel given: enter BI_KERNEL_ENTRY */
#define BI_FLAG_INITRD 0x2u /* -initrd given */
#define BI_FLAG_IPIC   0x4u /* the IPIC is present (not -M virt,ipic=off) */

/* Where the device tree goes when there is no kernel (1 MiB into RAM) */
#define BOOTINFO_DTB_DEFAULT 0x00100000u
/* Size of the initial stack area placed after the kernel/DTB/initrd */
#define BOOTINFO_STACK_SIZE  0x00010000u

#endif /* BOARDS_BOOTINFO_H */
