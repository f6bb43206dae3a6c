/* Random case generator of the differential tester (host side). */
#ifndef TESTS_DIFF_GEN_H
#define TESTS_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/diff/diff.h"

/* What the comparison must know about instruction i of a case */
enum {
    GK_PLAIN = 0,
    GK_DIVW,        /* divw[o][.]: rD (and CR0 LT/GT/EQ) undefined for /0, MIN/-1 */
    GK_DIVWU,       /* divwu[o][.]: undefined for /0 */
    GK_STWCX_OTHER, /* stwcx. to another address than the reservation's */
    GK_FP_SINGLE,   /* single-precision result: FPRF of a single denormal */
    GK_FNMA,        /* fnmadd/fnmsub[s]: rounding of the negated result */
    GK_FEST,        /* fres/frsqrte: estimates */
    GK_FCTIW,       /* fctiw[z]: high word of frD and FPRF undefined */
    GK_MFFS,        /* mffs: frD observes FPSCR (FR, masked bits) */
    GK_MCRFS,       /* mcrfs: a CR field observes FPSCR */
};

typedef struct GenOpts {
    bool fp;          /* also floating-point instructions */
    bool skip_unimpl; /* never emit an instruction ppcemu does not decode */
    bool no_priv;     /* no privileged/illegal group */
    unsigned max_len; /* instructions per sequence */
} GenOpts;

typedef struct CaseMeta {
    uint8_t kind[DIFF_MAXI];
    uint32_t stwcx_ea;   /* GK_STWCX_OTHER: its EA */
    bool has_special;    /* some kind[] is not GK_PLAIN */
    unsigned max_exec;   /* instructions a run executes at most (loops) */
} CaseMeta;

/* Fill c (host byte order) and m for case number idx of a run seeded seed */
void gen_case(uint64_t seed, uint64_t idx, const GenOpts *o, DiffCase *c, CaseMeta *m);

/* Generator statistics: groups skipped because ppcemu does not decode them */
void gen_report_unimpl(void);

#endif /* TESTS_DIFF_GEN_H */
