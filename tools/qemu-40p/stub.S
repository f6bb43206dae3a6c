/*
 * A `-bios` image for `qemu-system-ppc -M 40p -cpu 750` that enters a
 * Linux vmlinux the way ppcemu's boot ROM does (board.md "Boot protocol",
 * linux-notes.md "Entry"): MSR = 0, r1 = a stack in RAM, r3 = the DTB,
 * r4 = r5 = 0, jump to physical 0 where `-device loader` put the kernel.
 *
 * QEMU loads a raw -bios file at 0xFFF00000 (1 MiB). A 750 comes out of
 * reset with MSR[IP] = 1 and fetches the system-reset vector at
 * 0xFFF00100 (750 UM 4.5.1, table 4-2); the last word branches there too,
 * for machines that start at 0xFFFFFFFC.
 */
	.section .text
	.globl	_start
_start:
	.org	0x100
reset:
	/* Mask every input of the 40p's two i8259s (OCW1 = 0xFF at ISA ports
	 * 0x21 and 0xA1; the ISA I/O space is at 0x80000000): Linux has no
	 * driver for them here, and an unmasked one could raise an external
	 * interrupt the kernel would not know how to clear. */
	lis	%r9, 0x8000
	li	%r0, 0xff
	stb	%r0, 0x21(%r9)
	stb	%r0, 0xa1(%r9)
	sync
	/* MSR = 0: MMU off, interrupts off, vectors at 0x000xxxxx. */
	li	%r0, 0
	mtmsr	%r0
	isync
	/* r1: a stack at 16 MiB, above the kernel (< 12 MiB) and the DTB at
	 * 12 MiB; the kernel runs C code on it before switching to its own. */
	lis	%r1, 0x0100
	subi	%r1, %r1, 64
	stw	%r0, 0(%r1)		/* back chain = 0 */
	lis	%r3, 0x00c0		/* r3 = DTB at 0xC00000 */
	li	%r4, 0
	li	%r5, 0			/* r5 != 0 would mean Open Firmware */
	ba	0			/* the kernel's entry, physical 0 */

	.org	0xffffc
	b	reset
