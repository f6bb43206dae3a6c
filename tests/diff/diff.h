/*
 * The differential tester's shared layout: the fixed guest addresses both
 * sides use (so every address a sequence can compute is identical under
 * qemu-ppc and ppcemu) and the wire records between the host driver and the
 * PowerPC harness.  Included by the host driver (x86-64), by the harness C
 * code and by its assembly (PowerPC), so only macros outside the C guard.
 */
#ifndef TESTS_DIFF_DIFF_H
#define TESTS_DIFF_DIFF_H

/* Guest memory map, identical on both sides.  r1 holds DIFF_BLOCK during a
 * sequence and is never written by one. */
#define DIFF_BLOCK   0x00100000  /* register block; r1 points here */
#define DIFF_SCRATCH 0x00101000  /* the scratch buffer loads/stores hit */
#define DIFF_CODE    0x00110000  /* return stub (harness) / "b ." (ppcemu) */
#define DIFF_SEQ     0x00110100  /* the instruction sequence */
#define DIFF_MAP_SIZE 0x00020000

#define DIFF_SCR_SIZE 512        /* bytes of scratch compared */
#define DIFF_MAXI 64             /* instructions per sequence, max */

/* Offsets in the register block (harness assembly) */
#define B_GPR     0
#define B_CR      128
#define B_XER     132
#define B_LR      136
#define B_CTR     140
#define B_HOST_SP 144
#define B_STATUS  148
#define B_RESV    152
#define B_FAULT_PC 156 /* NIP of a faulting instruction (signal path) */
#define B_FPSCR   160  /* 8-byte image for mtfsf/mffs; FPSCR is the low word */
#define B_FPR     168
#define B_SIZE    424

#define DIFF_F_FP 1 /* DiffCase.flags: a case with FP instructions */

#define DIFF_MAGIC_CASE 0x43415345u /* "CASE" */
#define DIFF_MAGIC_END  0x454E4421u /* "END!" */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Architectural state of one side before or after a case.  On the wire
 * every uint32_t/uint64_t is big-endian, mem is raw bytes. */
typedef struct DiffState {
    uint32_t gpr[32];
    uint32_t cr, xer, lr, ctr;
    uint32_t fpscr;
    uint32_t status; /* 0 = ran to the end; else signal (qemu) or vector (ppcemu) */
    uint32_t fault_pc; /* status != 0: the faulting instruction (NIP / SRR0) */
    uint32_t fault_info; /* ppcemu: SRR1 */
    uint64_t fpr[32];
    uint8_t mem[DIFF_SCR_SIZE];
} DiffState;

typedef struct DiffCase {
    uint32_t magic, n, flags, pad;
    DiffState st;
    uint32_t insn[DIFF_MAXI];
} DiffCase;

_Static_assert(sizeof(DiffState) == 160 + 256 + DIFF_SCR_SIZE, "DiffState layout");
_Static_assert(sizeof(DiffCase) == 16 + sizeof(DiffState) + 4 * DIFF_MAXI, "DiffCase layout");
#endif

#endif /* TESTS_DIFF_DIFF_H */
