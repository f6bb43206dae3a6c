/*
 * Floating-point unit internals shared by cpu/fpu.c (instruction handlers,
 * host fast paths) and cpu/fpu_soft.c (the exact software model every
 * special case falls back to).  FPSCR layout: 750 UM 2.1.4, PEM 2.1.4.
 */
#ifndef CPU_FPU_H
#define CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>

/* FPSCR bits (IBM bit n is 1u << (31 - n)) */
#define FPSCR_FX     0x80000000u /* 0: exception summary (sticky) */
#define FPSCR_FEX    0x40000000u /* 1: enabled exception summary */
#define FPSCR_VX     0x20000000u /* 2: invalid operation summary */
#define FPSCR_OX     0x10000000u /* 3: overflow */
#define FPSCR_UX     0x08000000u /* 4: underflow */
#define FPSCR_ZX     0x04000000u /* 5: zero divide */
#define FPSCR_XX     0x02000000u /* 6: inexact */
#define FPSCR_VXSNAN 0x01000000u /* 7 */
#define FPSCR_VXISI  0x00800000u /* 8: inf - inf */
#define FPSCR_VXIDI  0x00400000u /* 9: inf / inf */
#define FPSCR_VXZDZ  0x00200000u /* 10: 0 / 0 */
#define FPSCR_VXIMZ  0x00100000u /* 11: inf * 0 */
#define FPSCR_VXVC   0x00080000u /* 12: invalid compare */
#define FPSCR_FR     0x00040000u /* 13: fraction rounded (incremented) */
#define FPSCR_FI     0x00020000u /* 14: fraction inexact */
#define FPSCR_FPRF   0x0001F000u /* 15-19: result class + FPCC */
#define FPSCR_FPCC   0x0000F000u /* 16-19: FL FG FE FU */
#define FPSCR_FU     0x00001000u
#define FPSCR_VXSOFT 0x00000400u /* 21 */
#define FPSCR_VXSQRT 0x00000200u /* 22 */
#define FPSCR_VXCVI  0x00000100u /* 23 */
#define FPSCR_VE     0x00000080u
#define FPSCR_OE     0x00000040u
#define FPSCR_UE     0x00000020u
#define FPSCR_ZE     0x00000010u
#define FPSCR_XE     0x00000008u
#define FPSCR_NI     0x00000004u
#define FPSCR_RN     0x00000003u

#define FPSCR_VX_ALL (FPSCR_VXSNAN | FPSCR_VXISI | FPSCR_VXIDI | FPSCR_VXZDZ | \
                      FPSCR_VXIMZ | FPSCR_VXVC | FPSCR_VXSOFT | FPSCR_VXSQRT | FPSCR_VXCVI)
/* every sticky exception bit (what sets FX on a 0 -> 1 change) */
#define FPSCR_EXC_ALL (FPSCR_OX | FPSCR_UX | FPSCR_ZX | FPSCR_XX | FPSCR_VX_ALL)

/* FPRF codes (PEM 2.1.4, the FPRF table): C FL FG FE FU */
#define FPRF_QNAN   0x11000u
#define FPRF_NINF   0x09000u
#define FPRF_NNORM  0x08000u
#define FPRF_NDEN   0x18000u
#define FPRF_NZERO  0x12000u
#define FPRF_PZERO  0x02000u
#define FPRF_PDEN   0x14000u
#define FPRF_PNORM  0x04000u
#define FPRF_PINF   0x05000u

/* Rounding modes, FPSCR[RN] */
enum { FP_RN_NEAR = 0, FP_RN_ZERO = 1, FP_RN_PINF = 2, FP_RN_MINF = 3 };

#define FP_DEFAULT_QNAN 0x7FF8000000000000ull
#define FP_SIGN 0x8000000000000000ull
#define FP_EXP  0x7FF0000000000000ull
#define FP_FRAC 0x000FFFFFFFFFFFFFull
#define FP_QBIT 0x0008000000000000ull

/* Arithmetic operations of the software model */
typedef enum {
    FPOP_ADD, FPOP_SUB, FPOP_MUL, FPOP_DIV,
    FPOP_MADD, FPOP_MSUB, FPOP_NMADD, FPOP_NMSUB,
    FPOP_RSP,  /* frsp: round frB to single */
    FPOP_RES,  /* fres: reciprocal estimate, single */
} FPOpKind;

/* Outcome of one arithmetic instruction, applied by the handler:
 *   FPSCR = (FPSCR & ~keep_clear) | set | exc   (+ FX/VX/FEX summaries)
 * and frD = bits when write. */
typedef struct FPResult {
    uint64_t bits;
    uint32_t exc;    /* sticky exception bits raised (OX UX ZX XX VX*) */
    uint32_t clear;  /* status bits replaced (FR FI FPRF normally) */
    uint32_t set;    /* their new values */
    bool write;      /* false: an enabled invalid/zero-divide suppressed it */
} FPResult;

/* The exact model: any operands, any FPSCR mode.  Operands are FPR bit
 * patterns; for two-operand kinds the unused ones are ignored (mul uses a
 * and c, like the instruction's frA/frC). */
void fpsoft_arith(FPOpKind kind, bool single, uint32_t fpscr,
                  uint64_t a, uint64_t b, uint64_t c, FPResult *res);

/* The 750 rounds frC of single-precision multiplies to 24 bits first
 * (see fpu_soft.c); exposed for the fast paths. */
uint64_t fpsoft_round_frc(uint64_t c);

/* FPRF class of a double bit pattern, or of a single-precision value held
 * in double format when single is true (denormal below 2^-126). */
uint32_t fpsoft_class(uint64_t bits, bool single);

static inline bool fp_is_nan(uint64_t x) { return (x & ~FP_SIGN) > FP_EXP; }
static inline bool fp_is_snan(uint64_t x) { return fp_is_nan(x) && !(x & FP_QBIT); }

#endif /* CPU_FPU_H */
