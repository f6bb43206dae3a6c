/*
 * The x86-64 JIT behind the block cache: internal interface between
 * cpu/exec.c (the run loop), cpu/jit.c (code buffer and code generator)
 * and cpu/jit_check.c (the lockstep checker).
 *
 * A translated block (cpu/translate.h) gets host code on its first run
 * under the JIT.  The code runs the block's ops in order, with the guest
 * state addressed from rbx, and returns exactly what the interpreter's op
 * loop ends with: the result of the op that left the block (PPC_NEXT when
 * all ran) and that op's index, so that cpu/exec.c accounts icount and pc
 * the same way for both engines.
 */
#ifndef CPU_JIT_H
#define CPU_JIT_H

#include <stdio.h>

#include "cpu/translate.h"

#define PPC_JIT_BUFFER_DEFAULT (32u << 20)

/* A chain site: the jump at a block's end into the block at target_pa of
 * the same page, patched when that block first runs after it (offsets in
 * the buffer of the patched fields), and patched back to its exit stub
 * (at_unl) when a block of that page is invalidated (ppc_jit_unlink_page):
 * a linked site jumps without checking its target */
typedef struct PPCJitSite {
    uint32_t target_pa, gen, done;
    uint32_t linked;    /* its jump goes to the target's code */
    uint32_t link_next; /* next linked site + 1 of the same bucket, or 0 */
    size_t at_n, at_jmp, at_unl;
    size_t at_n2; /* the second copy of the target's n (the slow path's) */
} PPCJitSite;

/* Linked sites by their target's physical page */
#define PPC_JIT_LINK_BUCKETS 1024u

/* The jump cache of run-time targets (bclr, bcctr, another page), as
 * QEMU's tb_jmp_cache: by guest EA, the entry point of the block the
 * fetch translation of that EA led to, and its op count, valid while
 * PPCState.jc_gen is the one stored (which goes up on anything that could
 * make the EA translate or run differently, or the block stale); looked
 * up by generated code (cpu/jit.c gen_exit_dynamic), filled by jit_next.
 * 32 bytes an entry (the generated lookup scales the index by 32). */
#define PPC_JIT_JC_BITS 12
typedef struct PPCJitJC {
    uint32_t ea;  /* 1 (no word-aligned EA) when empty */
    uint32_t pad;
    uint64_t n;   /* the block's op count (a qword: the generated budget
                   * check subtracts it from r12 straight from memory) */
    uint64_t gen; /* PPCState.jc_gen when filled */
    void *code;   /* where the block's code is entered (past its prologue) */
} PPCJitJC;

typedef struct PPCJit {
    int fd;              /* the memfd behind both views */
    uint8_t *rw;         /* writable view (never executable) */
    uint8_t *rx;         /* executable view (never writable) */
    size_t size, used;
    uint32_t gen;        /* bumped by each flush: older jit_code is stale */
    uint64_t blocks, flushes; /* blocks compiled, whole-buffer flushes */
    uint64_t ls_checked, ls_skipped; /* lockstep: blocks compared / not */
    size_t cs;           /* capstone handle for -d out_asm (0: not open) */
    struct Lockstep *ls; /* the lockstep checker's saved states */
    PPCJitSite *sites;   /* chain sites of this generation */
    size_t n_sites, cap_sites;
    uint32_t link_req;   /* site + 1 that asked to be linked, or 0 */
    uint32_t link_head[PPC_JIT_LINK_BUCKETS]; /* linked site + 1 by target page */
    PPCJitJC *jc;        /* 1 << PPC_JIT_JC_BITS entries */
    FILE *perfmap;       /* /tmp/perf-PID.map (PPCEMU_PERFMAP=1), or NULL */
    bool movbe;          /* the host has MOVBE (CPUID.01H:ECX[22]) */
    bool groups;         /* access groups (grp_plan); off by PPCEMU_JIT_NO_GROUPS */
    bool direct;         /* ALU templates straight on host registers and PPCState
                          * (gen_alu_direct_mem, ...); off by PPCEMU_JIT_NO_DIRECT */
    /* a block's first 'hot' runs are interpreted, then it is compiled:
     * code that runs a few times only (a boot) costs no compile.  0 (the
     * default): compiled on its first run, as the tests need */
    unsigned hot;
    bool ca_frame;       /* XER[CA] kept in the frame across a run of carrying
                          * ops (ca_keep); off by PPCEMU_JIT_NO_CA_FRAME */
} PPCJit;

/* Run block b whole (s->block_ea set, b->n fits in the budget), and the
 * blocks it chains to while they fit before 'end' (each accounted in
 * s->icount and s->block_ea as the run loop does); returns the op result
 * that ended the last block, *done its index (that block's n when every
 * op returned PPC_NEXT). */
int ppc_jit_exec(PPCState *s, PPCBlock *b, uint64_t end, unsigned *done);
/* The host code of b, generated now if needed (NULL: the buffer cannot
 * hold one block), and running it */
void *ppc_jit_prepare(PPCState *s, PPCBlock *b);
/* n: the block's op count, the part of the budget it takes */
int ppc_jit_run(PPCState *s, void *code, uint64_t end, unsigned n, unsigned *done);
/* The same, checked: the block runs in the interpreter, then from the same
 * state in the JIT, and any difference stops the CPU (cpu/jit_check.c). */
int ppc_lockstep_exec(PPCState *s, PPCBlock *b, unsigned *done);
/* The interpreter's op loop over ops[0..n) (cpu/exec.c) */
int ppc_interp_ops(PPCState *s, const PPCOp *ops, unsigned n, unsigned *done);
void ppc_jit_free(PPCState *s);
/* The blocks of physical page pa are invalidated: every chain site linked
 * into that page jumps to its exit stub again (cpu/translate.c) */
void ppc_jit_unlink_page(PPCState *s, uint32_t pa);
/* Replace the code buffer by one of 'bytes' bytes (tests: a small buffer
 * forces whole-buffer flushes).  0, or -1 if it cannot be mapped. */
PPC_WUR int ppc_jit_set_buffer_size(PPCState *s, size_t bytes);

#endif /* CPU_JIT_H */
