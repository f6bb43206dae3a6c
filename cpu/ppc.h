/*
 * PowerPC 750 CPU: architectural state, the pre-decoded operation format,
 * the soft TLB and the public API.  The CPU knows no board: all memory
 * traffic goes through the Bus of mem/bus.h, time through timebase/tb.h.
 */
#ifndef CPU_PPC_H
#define CPU_PPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem/bus.h"

#define PPC_WUR __attribute__((warn_unused_result))
#define PPC_LIKELY(x) __builtin_expect(!!(x), 1)
#define PPC_UNLIKELY(x) __builtin_expect(!!(x), 0)

struct TimeBase;
struct PPCState;
struct PPCOp;

/* ---- MSR bits (750 UM 2.1.3.3); bit names by IBM numbering ---- */
#define MSR_POW (1u << 18)
#define MSR_ILE (1u << 16)
#define MSR_EE  (1u << 15)
#define MSR_PR  (1u << 14)
#define MSR_FP  (1u << 13)
#define MSR_ME  (1u << 12)
#define MSR_FE0 (1u << 11)
#define MSR_SE  (1u << 10)
#define MSR_BE  (1u << 9)
#define MSR_FE1 (1u << 8)
#define MSR_IP  (1u << 6)
#define MSR_IR  (1u << 5)
#define MSR_DR  (1u << 4)
#define MSR_PM  (1u << 2)
#define MSR_RI  (1u << 1)
#define MSR_LE  (1u << 0)

/* ---- XER ---- */
#define XER_SO (1u << 31)
#define XER_OV (1u << 30)
#define XER_CA (1u << 29)

/* ---- Exception vectors (offsets; MSR[IP] selects 0xFFF00000 base) ---- */
enum {
    PPC_EXC_RESET = 0x100, PPC_EXC_MCHECK = 0x200, PPC_EXC_DSI = 0x300,
    PPC_EXC_ISI = 0x400, PPC_EXC_EXTERNAL = 0x500, PPC_EXC_ALIGN = 0x600,
    PPC_EXC_PROGRAM = 0x700, PPC_EXC_FPU = 0x800, PPC_EXC_DEC = 0x900,
    PPC_EXC_SC = 0xC00, PPC_EXC_TRACE = 0xD00, PPC_EXC_PERF = 0xF00,
    PPC_EXC_IABR = 0x1300, PPC_EXC_SMI = 0x1400, PPC_EXC_THERM = 0x1700,
};

/* SRR1 bits for program exceptions (750 UM 4.5.7) */
#define SRR1_FP_ENABLED (1u << 20)
#define SRR1_ILLEGAL    (1u << 19)
#define SRR1_PRIV       (1u << 18)
#define SRR1_TRAP       (1u << 17)

/* Interrupt input lines (bits of PPCState.irq_pending) */
#define PPC_IRQ_EXTERNAL (1u << 0)
#define PPC_IRQ_DEC      (1u << 1)
#define PPC_IRQ_SMI      (1u << 2)
#define PPC_IRQ_PERF     (1u << 3)
#define PPC_IRQ_THERM    (1u << 4)
#define PPC_IRQ_RESET    (1u << 5)
#define PPC_IRQ_MCHECK   (1u << 6) /* MCP: machine check (checkstop if MSR[ME]=0) */

/* MSR bits the 750 implements: mtmsr/rfi never set the others (750 UM 2.1.3.3) */
#define MSR_750_MASK 0x0005FF77u

/* HID0 bits the CPU looks at (750 UM 2.1.2.2) */
#define HID0_DCE (1u << 14) /* data cache enable: dcbz takes alignment when off */

/* DSISR bits (750 UM 4.5.3, PEM 6.4.3) and ISI SRR1 bits (750 UM 4.5.4) */
#define DSISR_NOTRANS  0x40000000u /* no BAT/PTE matches */
#define DSISR_PROT     0x08000000u /* protection violation */
#define DSISR_DIRECT   0x04000000u /* direct-store segment (T=1), or lwarx/stwcx. to W=1 */
#define DSISR_STORE    0x02000000u /* the access was a store */
#define DSISR_DABR     0x00400000u /* DABR match */
#define DSISR_EAR      0x00100000u /* eciwx/ecowx with EAR[E]=0 */
#define SRR1_ISI_NOTRANS 0x40000000u
#define SRR1_ISI_NOEXEC  0x10000000u /* N segment, direct-store segment or guarded */
#define SRR1_ISI_PROT    0x08000000u

/* ---- Pre-decoded operations ----
 * A translation block is a flat array of PPCOp: one guest instruction each,
 * a handler plus explicitly extracted operands, so that a later JIT can walk
 * the same list.  Handlers return one of PPC_NEXT / PPC_EXIT / PPC_FAULT. */
enum {
    PPC_NEXT = 0,  /* instruction done, go on with the next op */
    PPC_EXIT = 1,  /* instruction done, s->pc set: leave the block */
    PPC_FAULT = 2, /* instruction not done (exception raised, s->pc set) */
};

typedef int (*PPCHandler)(struct PPCState *s, const struct PPCOp *op);

typedef struct PPCOp {
    PPCHandler fn;
    uint32_t insn;   /* the raw instruction word */
    uint32_t imm;    /* form-specific immediate, see PPCImmForm */
    uint16_t kind;   /* index of the PPCInsnDef in the decoder's table */
    uint16_t idx;    /* position in the block: EA = block ea + 4 * idx */
    uint8_t rd, ra, rb, rc; /* bits 6-10, 11-15, 16-20, 21-25 */
} PPCOp;

/* How the decoder fills PPCOp.imm */
typedef enum {
    IMM_NONE = 0,
    IMM_SIMM,      /* sign-extended low 16 bits */
    IMM_UIMM,      /* zero-extended low 16 bits */
    IMM_UIMM_HI,   /* low 16 bits << 16 */
    IMM_LI,        /* I-form branch displacement, sign-extended, AA applied later */
    IMM_BD,        /* B-form displacement, sign-extended */
    IMM_MASK,      /* rlw*: MASK(MB, ME) (MB = rc, ME = bits 26-30) */
    IMM_SPR,       /* mfspr/mtspr: SPR number with halves swapped back */
    IMM_CRM,       /* mtcrf: 32-bit mask expanded from CRM */
} PPCImmForm;

/* Flags of an instruction definition */
#define PPC_F_ENDS_BLOCK 0x01 /* branch or context change: block ends after it */
#define PPC_F_PRIV       0x02 /* privileged: program exception in user mode */

typedef struct PPCInsnDef {
    const char *name;
    uint32_t mask, match; /* insn matches when (insn & mask) == match */
    PPCHandler fn;
    uint8_t imm_form;     /* PPCImmForm */
    uint8_t flags;        /* PPC_F_* */
} PPCInsnDef;

/* ---- Soft TLB ----
 * Direct-mapped over effective page numbers.  A hit is a compare and an add;
 * tags hold the page EA, or PPC_TLB_INVALID.  Only RAM (and ROM for reads and
 * fetches) is ever entered; MMIO and faults always take the slow path.  A
 * write tag is only installed for pages holding no translated code, so the
 * slow path sees every store into code and every first store into a page
 * (which feeds the dirty bitmap in mem/). */
#define PPC_TLB_BITS 8
#define PPC_TLB_SIZE (1u << PPC_TLB_BITS)
#define PPC_PAGE_BITS 12
#define PPC_PAGE_SIZE (1u << PPC_PAGE_BITS)
#define PPC_PAGE_MASK (~(PPC_PAGE_SIZE - 1))
/* The invalid tag must never equal any masked EA that a fast path compares
 * with it.  Every fast path (here, cpu/ldst.c, and any JIT that inlines the
 * compare) compares `ea & (PPC_PAGE_MASK | (size - 1))` with size at most 8,
 * so bits 3..11 of the compared value are always 0: an invalid tag with bit
 * 11 set can never be hit, whatever the EA, its alignment or the access size
 * (up to 2 KiB).  The old value 1 was hit by any misaligned access in page 0
 * with EA & (PAGE_MASK | size - 1) == 1 (`lwz r4,5(0)`): the fast path then
 * used the entry's zero or stale addend (issue 15).  Keep this property in
 * any new compare: never widen the low mask past bit 10. */
#define PPC_TLB_INVALID 0x00000800u
_Static_assert((PPC_TLB_INVALID & ~(PPC_PAGE_MASK | 7u)) != 0,
               "an effective address masked by a fast path could match PPC_TLB_INVALID");

#define PPC_TLB_FILL_MAX 64

typedef struct PPCTLBEntry {
    uint32_t tag_r, tag_w, tag_x;
    uint32_t pa_page;   /* physical page of the mapping */
    uintptr_t addend;   /* host pointer = ea + addend */
    /* to 32 bytes: the JIT's inline lookup scales the index with the
     * shift and mask it extracts it with (cpu/jit.c gen_tlb_idx_ecx) */
    uint32_t pad[(16 - sizeof(uintptr_t)) / 4];
} PPCTLBEntry;

/* Access kinds for the MMU slow path */
enum { PPC_ACC_READ = 0, PPC_ACC_WRITE = 1, PPC_ACC_FETCH = 2 };

typedef struct PPCBlock PPCBlock;

/* debugger watchpoints (PPCState.debug_wp) */
#define PPC_DEBUG_MAX_BP 64
#define PPC_DEBUG_MAX_WP 16
enum { PPC_WATCH_WRITE = 1, PPC_WATCH_READ = 2, PPC_WATCH_ACCESS = 3 };
typedef struct PPCWatch {
    uint32_t ea, len;
    uint8_t kind; /* PPC_WATCH_* */
} PPCWatch;

/* ---- Architectural state ---- */
typedef struct PPCState {
    /* user level */
    uint32_t gpr[32];
    uint64_t fpr[32];   /* IEEE-754 double bit patterns */
    uint32_t cr;
    uint32_t xer;       /* SO OV CA and the byte count in bits 0-6 */
    uint32_t lr, ctr;
    uint32_t fpscr;
    uint32_t pc;        /* EA of the next instruction to run */

    /* supervisor */
    uint32_t msr;
    uint32_t srr0, srr1, dar, dsisr;
    uint32_t sprg[4];
    uint32_t sdr1;
    uint32_t sr[16];
    uint32_t ibat[8];   /* IBAT0U, IBAT0L, IBAT1U, ... */
    uint32_t dbat[8];
    uint32_t pvr;
    uint32_t hid0, hid1, hid2;
    uint32_t l2cr, ictc, thrm[3];
    uint32_t pmc[4], mmcr[2], sia;
    uint32_t iabr, dabr, ear;
    uint32_t ummcr_unused;
    uint32_t dec;       /* DEC as a plain register when there is no timebase (tb NULL) */

    /* reservation of lwarx/stwcx. */
    uint32_t reserve_addr;
    bool reserve_valid;

    /* interrupt inputs: PPC_IRQ_* bits set by the board / timebase */
    volatile uint32_t irq_pending;
    /* set asynchronously to make ppc_run return at the next block end */
    volatile int exit_request;
    bool halted;        /* MSR[POW] set with EE: wait for an interrupt */

    /* instruction count, completed instructions: exact at block ends,
     * and while a block runs the count at its start (every engine adds a
     * block's instructions when it ends), so that ppc_icount_now() is
     * exact inside a handler */
    uint64_t icount;
    uint32_t block_ea;  /* EA of the block now running */
    /* exact count (ppc_icount_now) of the instruction whose load/store is
     * now in the bus, set by ppc_ld_slow/ppc_st_slow before an MMIO access
     * so that device callbacks can see it (the test device's counter) */
    uint64_t mmio_icount;

    /* host side */
    Bus *bus;
    struct TimeBase *tb;
    PPCTLBEntry tlb[PPC_TLB_SIZE];
    /* Soft-TLB entries filled since the last full flush, so that a flush
     * (every exception and rfi that changes MSR[IR/DR/PR]) touches only
     * those: tlb_nfill = 0 means "unknown, flush all", n > 0 means the
     * first n - 1 of tlb_fill_list are the only entries that may be valid. */
    uint32_t tlb_nfill;
    uint16_t tlb_fill_list[PPC_TLB_FILL_MAX];
    /* Generation of the JIT's jump cache (cpu/jit.h PPCJitJC), never
     * lowered: bumped whenever a soft-TLB entry's fetch translation may be
     * dropped (flush, tlbie, segment or BAT change, an eviction of a valid
     * tag_x) or a block invalidated, so that a cached EA -> block entry of
     * the current generation still has its tag_x entry and its block. */
    uint64_t jc_gen;
    struct PPCBlockCache *bc;
    void (*log_fn)(void *opaque, const char *fmt, ...);
    void *log_opaque;
    unsigned debug_flags; /* PPC_DBG_* */
    /* stop reason text for a clean, reported stop (e.g. unimplemented) */
    const char *stop_reason;
    /* execution engine (PPC_ENGINE_*, set with ppc_set_engine) and the
     * JIT's code buffer and counters (cpu/jit.c), NULL under interp */
    uint8_t engine;
    struct PPCJit *jit;
    /* the debugger's breakpoints and watchpoints (boards/gdbstub.c).  Never
     * in guest memory: the run loop checks them.  Every execution engine
     * must honour debug_active: while it is set, a block holding a
     * breakpoint, every block when a watchpoint or a single step is set,
     * runs through the interpreter's one-instruction path (cpu/exec.c
     * run_step), which stops before a breakpoint's instruction and before
     * an instruction's watched access (as the 750's DABR does, and as
     * gdb's PowerPC target expects: it steps over the access itself);
     * ppc_run then returns PPC_RUN_DEBUG. */
    bool debug_active;    /* any of the below: the run loop must look */
    bool debug_sstep;     /* stop after one instruction */
    bool debug_skip;      /* resuming at debug_skip_pc: its breakpoint or
                           * watched access was reported, run it once */
    bool debug_skip_now;  /* the instruction now running is that one */
    bool debug_skip_armed; /* the last stop was a breakpoint or watched
                            * access at debug_skip_pc */
    uint8_t debug_stop;   /* PPC_DEBUG_STOP_*: why ppc_run returned PPC_RUN_DEBUG */
    uint32_t debug_skip_pc;
    uint32_t debug_hit_ea; /* the watched access's EA */
    uint8_t debug_hit_kind; /* PPC_WATCH_* of the watchpoint that fired */
    unsigned debug_nbp, debug_nwp;
    uint32_t debug_bp[PPC_DEBUG_MAX_BP];
    PPCWatch debug_wp[PPC_DEBUG_MAX_WP];
} PPCState;

/* Execution engines.  The interpreter is the reference and the fallback:
 * the JIT runs a block only when the whole block fits in the budget and no
 * single-step/trace/IABR mode is on; LOCKSTEP runs every block in both
 * engines from the same state and stops at the first difference. */
enum { PPC_ENGINE_INTERP = 0, PPC_ENGINE_JIT = 1, PPC_ENGINE_LOCKSTEP = 2 };

enum { PPC_DEBUG_STOP_NONE, PPC_DEBUG_STOP_BP, PPC_DEBUG_STOP_WATCH, PPC_DEBUG_STOP_STEP };

/* debug flags (-d) */
#define PPC_DBG_IN_ASM 0x01
#define PPC_DBG_EXEC   0x02
#define PPC_DBG_INT    0x04
#define PPC_DBG_MMU    0x08
#define PPC_DBG_UNIMP  0x10
#define PPC_DBG_OUT_ASM 0x20 /* generated host code (JIT) */

/* ppc_run return reasons */
enum {
    PPC_RUN_BUDGET = 0,   /* executed the requested number of instructions */
    PPC_RUN_EXIT_REQ = 1, /* exit_request was set */
    PPC_RUN_HALTED = 2,   /* MSR[POW]: waiting for an interrupt */
    PPC_RUN_STOPPED = 3,  /* emulator-level stop (stop_reason says why) */
    PPC_RUN_DEBUG = 4,    /* a debugger breakpoint, watchpoint or step (debug_stop) */
};

/* ---- API ---- */
PPC_WUR int ppc_init(PPCState *s, Bus *bus);
void ppc_free(PPCState *s);
void ppc_reset(PPCState *s);  /* power-on / system reset state (board.md) */
int ppc_run(PPCState *s, uint64_t max_insns);
void ppc_set_irq(PPCState *s, uint32_t line, bool level);
/* The CPU's side of the timebase's wiring (timebase/tb.h): the decrementer
 * and external inputs as interrupt lines, their latched state, and the
 * kick that stops the CPU at its next block end.  The board adds the
 * scheduler. */
struct TBLinks ppc_tb_links(PPCState *s);
/* Stop the CPU at its next block end (any thread): opaque is the PPCState */
void ppc_kick(void *cpu);
void ppc_tlb_flush(PPCState *s);
void ppc_tlb_flush_page(PPCState *s, uint32_t ea);
void ppc_invalidate_code(PPCState *s, uint32_t pa, uint32_t len);
void ppc_flush_blocks(PPCState *s);
/* Select the execution engine (PPC_ENGINE_*): 0, or -1 when this host
 * cannot run it (no x86-64, or no memory for the code buffer). */
PPC_WUR int ppc_set_engine(PPCState *s, int engine);
/* Does this host have the JIT (x86-64)? */
bool ppc_jit_available(void);
/* -perfmap: every JIT engine started after this call writes
 * /tmp/perf-PID.map (as does PPCEMU_PERFMAP=1 in the environment) */
void ppc_jit_want_perfmap(void);
/* Under the JIT, interpret each block's first 'runs' runs before compiling
 * it (0, the default of ppc_set_engine: compiled on its first run).  The
 * board uses PPC_JIT_HOT. */
void ppc_jit_set_hot(PPCState *s, unsigned runs);
#define PPC_JIT_HOT 4

/* Debugger breakpoints and watchpoints (cpu/exec.c).  Inserting one that
 * exists succeeds; -1 when the table is full or (remove) it is not there. */
PPC_WUR int ppc_debug_bp_insert(PPCState *s, uint32_t ea);
PPC_WUR int ppc_debug_bp_remove(PPCState *s, uint32_t ea);
PPC_WUR int ppc_debug_wp_insert(PPCState *s, uint32_t ea, uint32_t len, unsigned kind);
PPC_WUR int ppc_debug_wp_remove(PPCState *s, uint32_t ea, uint32_t len, unsigned kind);
void ppc_debug_clear(PPCState *s);
/* Single-step the next instruction (interrupts stay pending meanwhile) */
void ppc_debug_set_step(PPCState *s, bool on);
/* Resume: when the PC is where the last breakpoint or watchpoint stop
 * was, that instruction runs once without stopping again */
void ppc_debug_resume(PPCState *s);
/* A watched page must not get soft-TLB data tags (cpu/mmu.c) */
bool ppc_debug_page_watched(const PPCState *s, uint32_t page);
/* Before a data access at ea (translated, not yet done): true when it
 * hits a watchpoint; the access must then not happen (the load/store
 * returns PPC_FAULT with no exception raised, the instruction is undone
 * and the run loop reports the stop) */
PPC_WUR bool ppc_debug_watch_check(PPCState *s, uint32_t ea, unsigned size, int access);

/* Decoder.  ppc_decode fills *op from insn; returns the definition or NULL
 * for an illegal encoding (op then holds the illegal-instruction handler). */
const PPCInsnDef *ppc_decode(uint32_t insn, PPCOp *op);
const PPCInsnDef *ppc_insn_def(unsigned kind);
/* Disassembly of one instruction (capstone) into buf; returns buf. */
const char *ppc_disas(uint32_t insn, uint32_t pc, char *buf, size_t len);

/* Exceptions (cpu/exception.c).  srr0 is the EA that SRR0 receives. */
void ppc_exception(PPCState *s, uint32_t vector, uint32_t srr0, uint32_t srr1_bits);
/* Program/illegal/privileged helpers; return PPC_FAULT */
int ppc_program_exc(PPCState *s, const PPCOp *op, uint32_t srr1_bits);
int ppc_fpu_unavailable(PPCState *s, const PPCOp *op);
/* Write MSR (mtmsr, rfi, exceptions): flushes TLB if translation or
 * privilege changed; may set halted for POW. */
void ppc_set_msr(PPCState *s, uint32_t msr);

/* Alignment exception (0x600) for the access at ea by op: DSISR from the
 * instruction encoding, DAR = ea (750 UM 4.5.6).  Returns PPC_FAULT. */
int ppc_alignment_exc(PPCState *s, const PPCOp *op, uint32_t ea);

/* SPRs (cpu/spr.c).  These check the SPR's privilege themselves (SPR numbers
 * with 0x10 set are supervisor-only) and return 0, or PPC_FAULT when they
 * raised a program exception. */
int ppc_mfspr(PPCState *s, const PPCOp *op, unsigned spr, uint32_t *val);
int ppc_mtspr(PPCState *s, const PPCOp *op, unsigned spr, uint32_t val);
/* mftb: tbr 268 (TBL) or 269 (TBU), user level; others are illegal */
int ppc_mftb(PPCState *s, const PPCOp *op, unsigned tbr, uint32_t *val);

/* MMU slow path (cpu/mmu.c): translate ea for the access, raise DSI/ISI on a
 * fault (returns PPC_FAULT), else fill the TLB when the page is RAM/ROM and
 * set *pa.  *is_ram tells whether the TLB entry now maps it. */
int ppc_translate(PPCState *s, const PPCOp *op, uint32_t ea, int access, uint32_t *pa);
/* As ppc_translate, also giving the page's WIMG bits (lwarx/stwcx., dcbz) */
int ppc_translate_attr(PPCState *s, const PPCOp *op, uint32_t ea, int access, uint32_t *pa,
                       unsigned *wimg);
/* dcbz's checks (750 UM 4.5.6): translate the 32-byte block of ea for a
 * store; alignment exception if the page is W=1 or I=1 or the data cache is
 * off (HID0[DCE]=0).  *pa is the block's physical address.  0 or PPC_FAULT. */
int ppc_dcbz_check(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t *pa);
/* Translate without side effects (no exception, no R/C update, no TLB
 * fill), for the monitor and debuggers: 0, or the DSISR/SRR1 fault bits. */
uint32_t ppc_mmu_probe(PPCState *s, uint32_t ea, int access, uint32_t *pa);
PPC_WUR int ppc_ld_slow(PPCState *s, const PPCOp *op, uint32_t ea, unsigned size, uint32_t *val);
PPC_WUR int ppc_st_slow(PPCState *s, const PPCOp *op, uint32_t ea, unsigned size, uint32_t val);

/* Helpers for handlers */
static inline uint32_t ppc_op_ea(const PPCState *s, const PPCOp *op)
{
    return s->block_ea + 4u * op->idx;
}

static inline uint64_t ppc_icount_now(const PPCState *s, const PPCOp *op)
{
    return s->icount + op->idx;
}

static inline uint32_t ppc_bswap32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint16_t ppc_bswap16(uint16_t v) { return __builtin_bswap16(v); }

/* ---- Fast-path loads and stores (big-endian guest) ----
 * The tag compare includes the low address bits of the access size, so an
 * access that is not naturally aligned takes the slow path (which handles
 * page crossing and the 750's alignment rules).  The compared value never
 * has bits 3..11 set, which is what keeps PPC_TLB_INVALID unreachable. */
#define PPC_TLB_IDX(ea) (((ea) >> PPC_PAGE_BITS) & (PPC_TLB_SIZE - 1))

static inline PPC_WUR int ppc_ld32(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t *v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_r == (ea & (PPC_PAGE_MASK | 3)))) {
        uint32_t x;
        __builtin_memcpy(&x, (void *)(ea + e->addend), 4);
        *v = ppc_bswap32(x);
        return 0;
    }
    return ppc_ld_slow(s, op, ea, 4, v);
}

static inline PPC_WUR int ppc_ld16(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t *v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_r == (ea & (PPC_PAGE_MASK | 1)))) {
        uint16_t x;
        __builtin_memcpy(&x, (void *)(ea + e->addend), 2);
        *v = ppc_bswap16(x);
        return 0;
    }
    return ppc_ld_slow(s, op, ea, 2, v);
}

static inline PPC_WUR int ppc_ld8(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t *v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_r == (ea & PPC_PAGE_MASK))) {
        *v = *(const uint8_t *)(ea + e->addend);
        return 0;
    }
    return ppc_ld_slow(s, op, ea, 1, v);
}

static inline PPC_WUR int ppc_st32(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_w == (ea & (PPC_PAGE_MASK | 3)))) {
        uint32_t x = ppc_bswap32(v);
        __builtin_memcpy((void *)(ea + e->addend), &x, 4);
        return 0;
    }
    return ppc_st_slow(s, op, ea, 4, v);
}

static inline PPC_WUR int ppc_st16(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_w == (ea & (PPC_PAGE_MASK | 1)))) {
        uint16_t x = ppc_bswap16((uint16_t)v);
        __builtin_memcpy((void *)(ea + e->addend), &x, 2);
        return 0;
    }
    return ppc_st_slow(s, op, ea, 2, v);
}

static inline PPC_WUR int ppc_st8(PPCState *s, const PPCOp *op, uint32_t ea, uint32_t v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_w == (ea & PPC_PAGE_MASK))) {
        *(uint8_t *)(ea + e->addend) = (uint8_t)v;
        return 0;
    }
    return ppc_st_slow(s, op, ea, 1, v);
}

/* 64-bit accesses (lfd/stfd): two word accesses, high word first */
static inline PPC_WUR int ppc_ld64(PPCState *s, const PPCOp *op, uint32_t ea, uint64_t *v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_r == (ea & (PPC_PAGE_MASK | 7)))) {
        uint64_t x;
        __builtin_memcpy(&x, (void *)(ea + e->addend), 8);
        *v = __builtin_bswap64(x);
        return 0;
    }
    uint32_t hi, lo;
    int r = ppc_ld_slow(s, op, ea, 4, &hi);
    if (r) return r;
    r = ppc_ld_slow(s, op, ea + 4, 4, &lo);
    if (r) return r;
    *v = ((uint64_t)hi << 32) | lo;
    return 0;
}

static inline PPC_WUR int ppc_st64(PPCState *s, const PPCOp *op, uint32_t ea, uint64_t v)
{
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(ea)];
    if (PPC_LIKELY(e->tag_w == (ea & (PPC_PAGE_MASK | 7)))) {
        uint64_t x = __builtin_bswap64(v);
        __builtin_memcpy((void *)(ea + e->addend), &x, 8);
        return 0;
    }
    /* probe both words before writing either so a fault leaves memory as is */
    uint32_t pa;
    int r = ppc_translate(s, op, ea, PPC_ACC_WRITE, &pa);
    if (r) return r;
    r = ppc_translate(s, op, ea + 7, PPC_ACC_WRITE, &pa);
    if (r) return r;
    /* a debugger's watch on either word stops before the first is stored */
    if (PPC_UNLIKELY(s->debug_nwp) && ppc_debug_watch_check(s, ea, 8, PPC_ACC_WRITE))
        return PPC_FAULT;
    r = ppc_st_slow(s, op, ea, 4, (uint32_t)(v >> 32));
    if (r) return r;
    return ppc_st_slow(s, op, ea + 4, 4, (uint32_t)v);
}

/* CR helpers: field n (0..7) occupies bits 4*(7-n) .. +3 */
static inline void ppc_set_crf(PPCState *s, unsigned n, uint32_t v4)
{
    unsigned sh = 4u * (7u - n);
    s->cr = (s->cr & ~(0xFu << sh)) | ((v4 & 0xFu) << sh);
}

static inline uint32_t ppc_get_crf(const PPCState *s, unsigned n)
{
    return (s->cr >> (4u * (7u - n))) & 0xFu;
}

/* CR0 from a result, with XER[SO] */
static inline void ppc_set_cr0(PPCState *s, uint32_t r)
{
    uint32_t c = (int32_t)r < 0 ? 8 : r ? 4 : 2;
    ppc_set_crf(s, 0, c | (s->xer >> 31));
}

/* Instruction tables each source file contributes, terminated by name NULL */
extern const PPCInsnDef ppc_insns_int[];    /* cpu/int.c: ALU, rotate, compare, CR */
extern const PPCInsnDef ppc_insns_branch[]; /* cpu/branch.c: branches, SPR moves, sync */
extern const PPCInsnDef ppc_insns_ldst[];   /* cpu/ldst.c: integer loads/stores, cache ops */
extern const PPCInsnDef ppc_insns_fpu[];    /* cpu/fpu.c: floating point */
extern const PPCInsnDef ppc_insns_sys[];    /* cpu/sys.c: supervisor, MMU, sc, rfi, tw */

#endif /* CPU_PPC_H */
