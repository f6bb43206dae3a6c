/*
 * The x86-64 JIT: code buffer and code generator (see cpu/jit.h).
 *
 * Code buffer: one memfd mapped twice, a read-write view the generator
 * writes through and a read-execute view that runs, so no page is ever
 * writable and executable at once (as QEMU's split-wx).  It is bounded and
 * flushed whole when a block does not fit: the generation number goes up
 * and every block's jit_code from an older generation is ignored (blocks
 * never jump to each other, so nothing else refers to the old code).
 *
 * Code generation walks the block's PPCOp list.  Each op is either a
 * template (hot integer ops, compares, branches, loads and stores with
 * the soft-TLB hit inlined) or a direct call of its handler with
 * (state, &op) followed by a test of the result.  A template never
 * raises an exception: whatever could fault (a TLB miss) calls the
 * handler, which takes the slow path with exact SRR0/DAR/DSISR from
 * s->block_ea + 4 * idx.
 *
 * Guest GPR cache: a block's most used GPRs get host registers (see
 * Gen.hreg_of), loaded on first use and written back to PPCState when
 * dirty before anything that reads PPCState: every handler call (which may
 * raise an exception, so SRR0/DAR and all GPRs are exact there), the
 * out-of-line TLB-miss calls (written back before, reloaded after), and
 * the block's end (every exit, chain and jump-cache path starts after the
 * write-back at the branch op).  A block that chains to itself loads its
 * cached GPRs once on entry and keeps them across the back edge.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <capstone/capstone.h>
#include <cpuid.h>

#include "cpu/jit.h"
#include "cpu/jit_x86.h"

#if defined(__x86_64__) && defined(__linux__)
#define PPC_HAVE_JIT 1
#else
#define PPC_HAVE_JIT 0
#endif

bool ppc_jit_available(void)
{
    return PPC_HAVE_JIT;
}

/* ---- code buffer ---- */

/* PPCEMU_JIT_NO_GPTR: access groups without the host pointer of
 * grp_plan (an A/B switch, as the others in PPCJit) */
static bool grp_no_ptr;

static void buf_unmap(PPCJit *j)
{
    if (j->rw)
        munmap(j->rw, j->size);
    if (j->rx)
        munmap(j->rx, j->size);
    if (j->fd >= 0)
        close(j->fd);
    j->rw = j->rx = NULL;
    j->fd = -1;
}

static int buf_map(PPCJit *j, size_t bytes)
{
    bytes = (bytes + 4095) & ~(size_t)4095;
    j->fd = memfd_create("ppcemu-jit", MFD_CLOEXEC);
    if (j->fd < 0)
        return -1;
    if (ftruncate(j->fd, (off_t)bytes) != 0) {
        buf_unmap(j);
        return -1;
    }
    j->size = bytes;
    void *rw = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
    void *rx = mmap(NULL, bytes, PROT_READ | PROT_EXEC, MAP_SHARED, j->fd, 0);
    j->rw = rw == MAP_FAILED ? NULL : rw;
    j->rx = rx == MAP_FAILED ? NULL : rx;
    if (!j->rw || !j->rx) {
        buf_unmap(j);
        return -1;
    }
    j->used = 0;
    return 0;
}

static void jc_clear(PPCJit *j)
{
    for (size_t i = 0; j->jc && i < (1u << PPC_JIT_JC_BITS); i++)
        j->jc[i] = (PPCJitJC){ .ea = 1 };
}

static void buf_flush(PPCJit *j)
{
    jc_clear(j);
    j->used = 0;
    j->n_sites = 0;
    j->link_req = 0;
    memset(j->link_head, 0, sizeof(j->link_head));
    j->gen++;
    j->flushes++;
}

int ppc_jit_set_buffer_size(PPCState *s, size_t bytes)
{
    PPCJit *j = s->jit;
    if (!j)
        return -1;
    buf_unmap(j);
    if (buf_map(j, bytes))
        return -1;
    buf_flush(j);
    return 0;
}

void ppc_jit_free(PPCState *s)
{
    PPCJit *j = s->jit;
    if (!j)
        return;
    /* the checker's verdict needs its coverage next to it */
    if (s->engine == PPC_ENGINE_LOCKSTEP)
        fprintf(stderr, "lockstep: %" PRIu64 " blocks compared, %" PRIu64
                        " run by the interpreter alone (MMIO, timebase)\n",
                j->ls_checked, j->ls_skipped);
    if (j->cs) {
        csh h = j->cs;
        cs_close(&h);
    }
    if (j->perfmap)
        fclose(j->perfmap);
    buf_unmap(j);
    free(j->ls);
    free(j->sites);
    free(j->jc);
    free(j);
    s->jit = NULL;
}

static bool perfmap_wanted; /* -perfmap */

void ppc_jit_want_perfmap(void) { perfmap_wanted = true; }

int ppc_set_engine(PPCState *s, int engine)
{
    if (engine == PPC_ENGINE_INTERP) {
        s->engine = PPC_ENGINE_INTERP;
        return 0;
    }
    if (!PPC_HAVE_JIT || (engine != PPC_ENGINE_JIT && engine != PPC_ENGINE_LOCKSTEP))
        return -1;
    if (!s->jit) {
        PPCJit *j = calloc(1, sizeof(*j));
        if (!j)
            return -1;
        j->fd = -1;
        j->gen = 1;
        j->cap_sites = PPC_JIT_BUFFER_DEFAULT / 256;
        j->sites = calloc(j->cap_sites, sizeof(*j->sites));
        j->jc = calloc(1u << PPC_JIT_JC_BITS, sizeof(*j->jc));
        if (!j->sites || !j->jc || buf_map(j, PPC_JIT_BUFFER_DEFAULT)) {
            free(j->sites);
            free(j->jc);
            free(j);
            return -1;
        }
        jc_clear(j);
        unsigned a, bx, c, d;
        j->movbe = __get_cpuid(1, &a, &bx, &c, &d) && (c & bit_MOVBE) && !getenv("PPCEMU_JIT_NO_MOVBE");
        j->groups = !getenv("PPCEMU_JIT_NO_GROUPS");
        grp_no_ptr = getenv("PPCEMU_JIT_NO_GPTR") != NULL;
        j->direct = !getenv("PPCEMU_JIT_NO_DIRECT");
        j->ca_frame = !getenv("PPCEMU_JIT_NO_CA_FRAME");
        s->jit = j;
        /* as QEMU's -perfmap: host perf symbolises generated code from
         * /tmp/perf-PID.map, one "START SIZE NAME" line (hex) a block */
        const char *pm = getenv("PPCEMU_PERFMAP");
        if (perfmap_wanted || (pm && *pm && strcmp(pm, "0") != 0)) {
            char path[64];
            snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
            j->perfmap = fopen(path, "a"); /* other CPUs of the process */
            if (j->perfmap)
                setvbuf(j->perfmap, NULL, _IOLBF, 0);
        }
    }
    s->engine = (uint8_t)engine;
    return 0;
}

/* ---- code generation ---- */

#define ST(f) ((uint32_t)offsetof(PPCState, f))
#define GPR(n) (ST(gpr) + 4u * (n))
#define TLB_OFF(f) ((uint32_t)(offsetof(PPCState, tlb) + offsetof(PPCTLBEntry, f)))

/* Host registers of the guest GPR cache: rbp, r14 and r15 are saved by
 * the prologue; r8-r11 are caller-saved, which costs nothing as a handler
 * call invalidates the whole cache anyway (a handler may write any GPR).
 * The last, r13, is free since the flag of gen_prologue moved into r12. */
static const uint8_t cache_hregs[] = { X_EBP, X_R14, X_R15, X_R8, X_R9, 13 };

/* Page slots: the pages the block last checked in the soft TLB for loads
 * off an even base GPR (slot 0), for stores (1) and for loads off an odd
 * base GPR (2; two load slots, so that a loop reading two arrays keeps
 * both): their tags at [rsp + SLOT_TAG(slot)] (64-bit words), their
 * addends in r10, r11 and rdi.  A later access to the same page compares
 * against the tag there instead of indexing the TLB again (gen_ldst).
 * A tag is at every point of generated code either invalid (-1: no
 * masked EA matches it) or a page whose soft-TLB entry is unchanged since
 * its addend was loaded: whatever may clobber r10/r11/rdi or change the
 * TLB makes all tags invalid right after (the prologue, entered from C;
 * every handler call, the TLB-miss stubs' included; jit_next's return;
 * sraw's use of edi), and only C code changes the TLB.  So gen_ldst
 * compares against the slot everywhere, also at a block's start, where
 * the slots hold the pages the block chained from used, and across a
 * loop's back edge, with nothing to reset there.
 * Accesses off r1, the stack pointer of the ABIs, have slots of their own
 * for loads (3) and stores (4), their addends in the frame (no register
 * is left), so that a function's stack frame does not evict the pages of
 * its data: their tags at [rsp + SLOT_TAG], their addends at
 * [rsp + SLOT_ADDEND], loaded into rcx for the access. */
#define N_SLOTS 5
#define SLOT_R1_LOAD 3
#define SLOT_R1_STORE 4
#define SLOT_TAG(sl) ((uint8_t)((sl) < 3 ? 8 * (sl) : 24 + 4 * ((sl) - 3)))
#define SLOT_ADDEND(sl) ((uint8_t)(56 + 8 * ((sl) - 3)))
static const uint8_t slot_addend[N_SLOTS] = { X_R10, X_R11, X_EDI, X_ECX, X_ECX };

/* all slots' tags invalid: -1, which no masked EA matches (its bits
 * 2-11 are clear, PPC_PAGE_MASK | (size - 1)).  The tags of slots 0-2
 * are 64-bit words, the page in the low half and 0 in the high one when
 * valid, so that an access group's check (grp_enter), which compares a
 * zero-extended EA with the whole word, never matches an invalid one
 * (its high half is not 0); the r1 slots' two 32-bit tags after them:
 * the 32 bytes at [rsp] in two 16-byte stores of xmm0, all ones. */
static void gen_slots_invalid(JitEmit *e)
{
    x_xmm0_ones(e);
    x_movups_rsp_xmm0(e, 0);
    x_movups_rsp_xmm0(e, 16);
}
#define N_CACHE ((unsigned)sizeof cache_hregs)

/* A loop's instruction count.  A block that branches back to its start
 * (Gen.loop) does not keep s->icount current on its
 * back edge: for the loop's duration the end of the budget (from r12, see
 * gen_prologue) waits at [rsp + LOOP_END], r12 holds the pass's slack and
 * the 64-bit word at [rsp + LOOP_BASE] a base B such that the count at
 * the start of the current pass is always B - r12 (mod 2^64).  The slack
 * is how many instructions past this pass's end the budget allows, at
 * most LOOP_QMAX, or -1 when this pass itself passes it (an entry with end
 * 0, as the lockstep checker's); so the back edge, which takes n off r12
 * for the next pass, goes on while r12 stays >= 0 (sub, jns).  The "a
 * handler ran" flag (r12's bit 63, gen_prologue) becomes a negative
 * slack: the entry and every
 * handler call take LOOP_K off both r12 and B, which keeps the count and
 * sends the back edge to its slow path, where the run loop's full checks
 * are (gen_loop_back).  Every way out stores the count, B - r12, to
 * icount first (gen_loop_count_store: before every
 * handler call, as ppc_icount_now reads it, and before every
 * exit and chain, as the run loop and jit_next read icount), and a chain
 * to another block puts the budget left past the pass (end - count - n)
 * and the flag (set when the slack is negative) back into r12
 * (gen_loop_leave).  Every value a handler or the run loop sees is
 * the interpreter's. */
#define HR_SLACK 12 /* r12 */
#define LOOP_END 40
#define LOOP_BASE 48
#define LOOP_QMAX 0x00FFFFFFu
#define LOOP_K 0x40000000u /* > LOOP_QMAX: slack - LOOP_K < 0 */

/* Largest code one op can take (the longest template is a load or store
 * with its handler call on a miss, about 90 bytes), plus the exit stub */
#define OP_CODE_MAX 160
#define BLOCK_CODE_MAX (16 + PPC_BLOCK_MAX * OP_CODE_MAX)

typedef struct Gen {
    JitEmit e;
    PPCState *s;
    PPCBlock *b;
    /* gen_ldst's load slots: the base GPR + 1 each one was given to in
     * this pass (0: none yet), and where that was (a smaller e.pos: a new
     * pass of compile) */
    uint8_t slot_gpr[N_SLOTS];
    size_t slot_pos;
    unsigned n_exits;
    /* the guest GPR cache: the host register of each GPR or -1; masks of
     * the GPRs whose host register holds the current value (loaded) and
     * of those whose PPCState copy is stale (dirty, a subset of loaded) */
    int8_t hreg_of[32];
    uint32_t alloc, loaded, dirty;
    /* A loop (the block branches back to its start): the back edge jumps
     * to loop_head, past the loads of the cached GPRs, with all of them
     * loaded and those of head_dirty possibly dirty; every other way out
     * writes the dirty ones back.  back_dirty: the dirty ones at the
     * branch, head_dirty of the next pass of compile. */
    bool loop;
    uint32_t head_dirty, back_dirty;
    size_t loop_head;
    /* the guest GPR eax holds when the current op starts (eax_in) and
     * when it ends (eax_gpr), or -1: a template's first load of a GPR
     * into eax is skipped when the previous template left it there */
    int eax_in, eax_gpr;
    struct {
        size_t at;    /* rel32 of a jump to this op's exit stub */
        unsigned idx; /* the op */
    } exits[2 * PPC_BLOCK_MAX];
    /* soft-TLB misses of load/store templates, emitted after the block's
     * code so that a hit runs straight through without a taken jump */
    unsigned n_cold;
    struct {
        size_t at, back; /* rel32 of the jump to the stub; where it returns */
        const PPCOp *op;
        int eax_gpr; /* a load's rD, reloaded into eax before returning, or -1 */
        uint32_t dirty, loaded; /* the cache at the miss / where it returns */
    } cold[PPC_BLOCK_MAX];
    /* Compare-and-branch fusion: a compare template (or an Rc=1 CR0
     * update) describes here how to set the host flags again from eax,
     * which still holds its first operand when the next op starts
     * (cmp_in: the previous op's compare, cmp_out: this op's; valid is
     * false when the op was no such template).  gen_branch then tests
     * the CR bit with a jcc on the flags instead of reloading the CR
     * just stored. */
    struct GenCmp {
        bool valid, sign;
        unsigned crf;
        int rb;       /* cmp eax, GPR(rb), or -1: cmp eax, imm */
        uint32_t imm;
        bool live;    /* the host flags still hold the compare (crf_defer) */
        bool lazy;    /* the field not stored: gen_branch writes it (crf_lazy_ok) */
    } cmp_in, cmp_out;
    /* A loop's instruction count (gen_loop_count_store): true once a
     * handler call of the current pass stored it to PPCState, where it
     * stays exact until the pass ends */
    bool cnt_exact;
    /* A loop ending in a compare and a branch on its CR field
     * (crf_defer_ok): the compare leaves the field to be stored later
     * (gen_crf_flush), its operands at [rsp + CRF_A] and CRF_B (or in
     * GPR(rb), never written in the loop) */
    bool crf_defer;
    struct GenCmp defer;
    bool defer_b_saved;
    /* Access groups (grp_plan): regions of the block whose loads and
     * stores share one page check per base GPR and kind */
    struct GenGrpState {
        unsigned n_region;
        struct GenRegion {
            uint8_t i0, i1, n_grp;
            bool done;            /* its fast version emitted in this pass */
            struct GenGrp {
                uint8_t ra, slot, size;   /* ra: the base GPR, its value at i0 */
                bool store;
                bool ptr;         /* its members through rsi (gen_ldst_ptr) */
                int32_t lo, hi;   /* first and last byte, from rA at i0 */
                size_t refill_at, refill_back;
            } grp[N_SLOTS];
            unsigned n_slow;
            size_t slow_at[3 * N_SLOTS]; /* rel32s of jumps to the slow version */
            size_t join;          /* where the fast version ends */
            uint32_t loaded, dirty;
            int eax_gpr;          /* the cache after the fast version */
        } region[4];
        int8_t slot_of[PPC_BLOCK_MAX]; /* a member's group slot, or -1 */
        int32_t off[PPC_BLOCK_MAX];    /* a member's EA - its base at i0 */
        int16_t pdisp[PPC_BLOCK_MAX];  /* a member's EA - rsi, or -1 */
        int cur;                  /* the region being emitted fast, or -1 */
        struct Gen *snap;         /* each region's state at its start, + 1 */
    } grp;
    /* the index of the op being generated (compile), for the templates
     * that decide on what follows them (crf_lazy_ok) */
    unsigned cur;
    /* XER[CA] pending in the frame (CA_NOT, gen_ca_out): at the current
     * point of the code, and at each miss stub's jump (cold[k]) */
    bool ca_pend;
    bool cold_ca[PPC_BLOCK_MAX];
} Gen;

static uint32_t rd_of(uint32_t insn) { return (insn >> 21) & 31; }
static uint32_t ra_of(uint32_t insn) { return (insn >> 16) & 31; }
static uint32_t rb_of(uint32_t insn) { return (insn >> 11) & 31; }
static uint32_t xo_of(uint32_t insn) { return (insn >> 1) & 0x3FF; }

/* Call op's handler; a result other than PPC_NEXT leaves the block
 * through the op's exit stub with that result in eax */
static void gen_writeback(Gen *g, uint32_t dirty);
static void gen_loop_count_store(Gen *g);
static void gen_crf_flush(Gen *g, bool check);
static void gen_call(Gen *g, const PPCOp *op)
{
    JitEmit *e = &g->e;
    gen_writeback(g, g->dirty);
    if (g->crf_defer)
        gen_crf_flush(g, true);
    if (g->loop && !g->cnt_exact)
        gen_loop_count_store(g);
    g->dirty = g->loaded = 0; /* the handler may write any GPR */
    x_byte(e, 0x48); /* mov rdi, rbx */
    x_byte(e, 0x89);
    x_byte(e, 0xDF);
    x_mov_imm64(e, X_ESI, (uint64_t)(uintptr_t)op);
    x_mov_imm64(e, X_EAX, (uint64_t)(uintptr_t)op->fn);
    x_byte(e, 0xFF); /* call rax */
    x_byte(e, 0xD0);
    gen_slots_invalid(e); /* it clobbered r10, r11, rdi and may change the TLB */
    if (g->loop) { /* a handler ran: slack < 0, the count kept (LOOP_K) */
        x_q_alu_imm(e, ALU_SUB, HR_SLACK, LOOP_K);
        x_q_alu_rsp_imm(e, ALU_SUB, LOOP_BASE, LOOP_K);
        g->cnt_exact = true;
    } else {
        x_q_bit_imm(e, 5, HR_SLACK, 63); /* bts r12, 63: a handler ran */
    }
    x_test(e, X_EAX, X_EAX);
    size_t at = x_jcc_fwd(e, CC_NE);
    g->exits[g->n_exits].at = at;
    g->exits[g->n_exits].idx = op->idx;
    g->n_exits++;
}

/* Frame: rbx = state, r12 = the budget left past the running block: how
 * many instructions may run after its n before the run's end (end -
 * icount - n, icount the count at the block's start; at most 2^62,
 * ppc_jit_run), which a chain or jump-cache exit takes the next block's n
 * off (sub r12, n; jl: a signed r12 < n), with its bit 63 the
 * flag "a handler ran": set after every call of a handler (and on entry
 * from the run loop), cleared once a chain site has made the run loop's
 * full checks.  While it is clear, nothing but generated code ran since
 * those checks, and generated code changes neither the MSR, IABR, the
 * debugger's state, halted nor the soft TLB, so a chain needs only the
 * asynchronous requests and the budget checked; while it is set, r12 is
 * negative and the budget check of every chain and jump-cache exit (a
 * signed compare) fails, into the path that makes the full checks: one
 * test for both.  s->icount stays exact (the chains add to it), for the
 * handlers and the run loop.
 * rbp, r14, r15 (the GPR cache) pushed and 88 bytes reserved (the page
 * slots' tags at [rsp + SLOT_TAG], a loop's end and count base at
 * [rsp + LOOP_END] and [rsp + LOOP_BASE], its deferred CR field's
 * operands, CRF_A, the r1 slots' addends at [rsp + 56], the bytes
 * CRF_PEND and CA_NOT) keep calls 16-byte aligned. */
static void gen_prologue(JitEmit *e)
{
    static const uint8_t code[] = {
        0x53,                   /* push rbx */
        0x41, 0x54,             /* push r12 */
        0x41, 0x55,             /* push r13 */
        0x55,                   /* push rbp */
        0x41, 0x56,             /* push r14 */
        0x41, 0x57,             /* push r15 */
        0x48, 0x83, 0xEC, 0x58, /* sub rsp, 88 */
        0x48, 0x89, 0xFB,       /* mov rbx, rdi */
        0x49, 0x89, 0xF4,       /* mov r12, rsi */
        0x49, 0x0F, 0xBA, 0xEC, 0x3F, /* bts r12, 63 */
    };
    for (size_t i = 0; i < sizeof code; i++)
        x_byte(e, code[i]);
    gen_slots_invalid(e); /* r10, r11, rdi: whatever C left there */
}
/* where chained blocks enter: past the frame set-up, the flag's setting
 * and the page slots' invalidation (25 + 4 + 5 + 5 bytes) */
#define PROLOGUE_LEN 39

static void gen_epilogue(JitEmit *e)
{
    static const uint8_t code[] = {
        0x48, 0x83, 0xC4, 0x58, /* add rsp, 88 */
        0x41, 0x5F, 0x41, 0x5E, /* pop r15, r14 */
        0x5D, 0x41, 0x5D, 0x41, 0x5C, 0x5B, 0xC3, /* pop rbp, r13, r12, rbx; ret */
    };
    for (size_t i = 0; i < sizeof code; i++)
        x_byte(e, code[i]);
}

/* leave the block: eax = result, edx = op index */
static void gen_ret(JitEmit *e, uint32_t r, uint32_t idx)
{
    x_mov_imm(e, X_EAX, r);
    x_mov_imm(e, X_EDX, idx);
    gen_epilogue(e);
}

/* The generator of emitter e (always the e of a Gen) */
static Gen *gen_of(JitEmit *e)
{
    return (Gen *)(void *)((char *)e - offsetof(Gen, e));
}

/* ---- the guest GPR cache ---- */

/* GPR r's host register, loaded from PPCState if it does not hold r yet;
 * -1 when r is not cached.  Only a mov: flags are kept. */
static int cache_get(Gen *g, uint32_t r)
{
    int h = g->hreg_of[r];
    if (h >= 0 && !(g->loaded & (1u << r))) {
        x_load(&g->e, (unsigned)h, GPR(r));
        g->loaded |= 1u << r;
    }
    return h;
}

/* store the dirty GPRs of mask 'dirty' to PPCState (the cache keeps
 * them; the caller updates g->dirty) */
static void gen_writeback(Gen *g, uint32_t dirty)
{
    for (uint32_t r = 0; r < 32; r++)
        if (dirty & (1u << r))
            x_store(&g->e, GPR(r), (unsigned)g->hreg_of[r]);
}

/* load the cached GPRs of mask from PPCState */
static void gen_reload(Gen *g, uint32_t mask)
{
    for (uint32_t r = 0; r < 32; r++)
        if (mask & (1u << r))
            x_load(&g->e, (unsigned)g->hreg_of[r], GPR(r));
}

/* host register x = GPR r */
static void gen_ld(Gen *g, unsigned x, uint32_t r)
{
    int h = cache_get(g, r);
    if (h >= 0)
        x_mov(&g->e, x, (unsigned)h);
    else
        x_load(&g->e, x, GPR(r));
}

/* GPR r = host register x */
static void gen_st(Gen *g, uint32_t r, unsigned x)
{
    int h = g->hreg_of[r];
    if (h >= 0) {
        x_mov(&g->e, (unsigned)h, x);
        g->loaded |= 1u << r;
        g->dirty |= 1u << r;
    } else {
        x_store(&g->e, GPR(r), x);
    }
}

/* op x, GPR r */
static void gen_alu_gpr(Gen *g, int alu, unsigned x, uint32_t r)
{
    int h = cache_get(g, r);
    if (h >= 0)
        x_alu(&g->e, alu, x, (unsigned)h);
    else
        x_alu_load(&g->e, alu, x, GPR(r));
}

/* Choose the cached GPRs of b: those its ops name most often (two uses at
 * least, or one in a loop, where the value stays across iterations) */
static void cache_alloc(Gen *g, bool loop)
{
    unsigned uses[32] = { 0 };
    for (unsigned i = 0; i < g->b->n; i++) {
        uint32_t insn = g->b->ops[i].insn, p = insn >> 26;
        uint32_t rd = rd_of(insn), ra = ra_of(insn), rb = rb_of(insn);
        if (p == 31) {
            /* rD/rS, but the crfD||L of cmp and cmpl, the TO of tw, 0
             * in the cache operations and mcrxr */
            switch (xo_of(insn)) {
            case 0: case 32: case 4: case 54: case 86: case 246: case 278:
            case 470: case 982: case 1014: case 512:
                break;
            default:
                uses[rd]++;
            }
            uses[ra]++;
            uses[rb]++;
        } else if ((p >= 7 && p <= 15 && p != 10 && p != 11) || (p >= 32 && p <= 45)) {
            uses[rd]++; /* D-forms whose rA = 0 means 0 */
            if (ra)
                uses[ra]++;
        } else if (p == 10 || p == 11 || (p >= 20 && p <= 29)) {
            uses[rd] += p > 11;
            uses[ra]++;
        }
    }
    memset(g->hreg_of, -1, sizeof g->hreg_of);
    g->alloc = 0;
    for (unsigned k = 0; k < N_CACHE; k++) {
        unsigned best = 0;
        for (unsigned r = 1; r < 32; r++)
            if (uses[r] > uses[best])
                best = r;
        if (uses[best] < (loop ? 1u : 2u))
            break;
        g->hreg_of[best] = (int8_t)cache_hregs[k];
        g->alloc |= 1u << best;
        uses[best] = 0;
    }
}

/* eax = GPR r, as a template's first write of eax */
static void gen_ld_eax(JitEmit *e, uint32_t r)
{
    Gen *g = gen_of(e);
    if (g->eax_in != (int)r)
        gen_ld(g, X_EAX, r);
    g->eax_in = -1;
}

/* GPR r = eax, as a template's last write of eax */
static void gen_st_eax(JitEmit *e, uint32_t r)
{
    gen_st(gen_of(e), r, X_EAX);
    gen_of(e)->eax_gpr = (int)r;
}

/* eax = (rA|0) */
static void gen_ra0(JitEmit *e, uint32_t ra)
{
    if (ra)
        gen_ld_eax(e, ra);
    else
        x_alu(e, ALU_XOR, X_EAX, X_EAX);
}

/* CR field crf = ecx | XER[SO] (ecx holds LT/GT/EQ as 8/4/2) */
static void gen_set_crf_ecx(JitEmit *e, unsigned crf)
{
    unsigned sh = 4u * (7u - crf);
    /* CF = XER[SO], added into ecx's clear bit 0 */
    x_bt_mem_imm(e, ST(xer), 31);
    x_alu_imm(e, ALU_ADC, X_ECX, 0);
    if (sh)
        x_shl(e, X_ECX, (uint8_t)sh);
    x_alu_mem_imm(e, ALU_AND, ST(cr), ~(0xFu << sh));
    x_alu_store(e, ALU_OR, ST(cr), X_ECX);
}

/* after a cmp (flags set): CR field from the signed or unsigned result;
 * the cmp was eax against GPR rb (rb >= 0) or against imm */
/* CR field crf from the host flags of a compare: LT, GT or EQ (8, 4, 2) */
static void gen_flags_to_crf(JitEmit *e, unsigned crf, bool sign)
{
    x_mov_imm(e, X_ECX, 2);
    x_mov_imm(e, X_EDX, 8);
    x_cmov(e, sign ? CC_L : CC_B, X_ECX, X_EDX);
    x_mov_imm(e, X_EDX, 4);
    x_cmov(e, sign ? CC_G : CC_A, X_ECX, X_EDX);
    gen_set_crf_ecx(e, crf);
}

static bool crf_lazy_ok(Gen *g, unsigned crf);
static void gen_cmp_flags_to_crf(JitEmit *e, unsigned crf, bool sign, int rb, uint32_t imm)
{
    Gen *g = gen_of(e);
    g->cmp_out = (struct GenCmp){ .valid = true, .sign = sign, .crf = crf, .rb = rb, .imm = imm };
    if (crf_lazy_ok(g, crf)) { /* the flags stay for the branch */
        g->cmp_out.lazy = g->cmp_out.live = true;
        return;
    }
    gen_flags_to_crf(e, crf, sign);
}

/* ---- a compare's CR field written by the branch after it ----
 * Outside loops, a compare (or an Rc=1 CR0 update) that is the op right
 * before the block's last op, a conditional branch on LT, GT or EQ of
 * its field that gen_branch makes a template of without decrementing CTR,
 * leaves the field unstored: the branch decides on the compare's host
 * flags, and each of its two ways out writes the field first
 * (gen_crf_lazy_path), where the tested bit is known (the field is that
 * bit alone when it is set, one of the two others when it is clear).
 * Nothing runs between the compare and the branch (no handler, no
 * fault), so no one can see CR before it is written, and XER[SO] is the
 * one the compare saw. */
static bool crf_lazy_ok(Gen *g, unsigned crf)
{
    const PPCBlock *b = g->b;
    if (g->loop || g->cur + 2u != b->n || b->ops[b->n - 1].kind == 0xFFFF)
        return false;
    uint32_t br = b->ops[b->n - 1].insn, p = br >> 26, bo = rd_of(br), bi = ra_of(br);
    /* gen_branch's CR test on the compare's flags (bo & 4: no CTR
     * decrement, which would change the flags before the test) */
    if (!(bo & 4) || (bo & 16) || (bi & 3) == 3 || bi >> 2 != crf)
        return false;
    /* the forms gen_branch takes (not its handler) */
    return p == 16 || (p == 19 && !rb_of(br) && (xo_of(br) == 16 || xo_of(br) == 528));
}

/* On one way out of the branch on the lazy compare c, its flags still
 * set: CR field c->crf = the tested bit (0 LT, 1 GT, 2 EQ) when it is
 * 'set', else LT, GT or EQ among the other two by the flags, and XER[SO]
 * (PEM 2.1.3).  ecx, edx. */
static void gen_crf_lazy_path(Gen *g, const struct GenCmp *c, unsigned bit, bool set)
{
    JitEmit *e = &g->e;
    unsigned sh = 4u * (7u - c->crf);
    uint32_t mask = 0xFu << sh;
    if (set) {
        x_alu_mem_imm(e, ALU_AND, ST(cr), ~mask);
        x_alu_mem_imm(e, ALU_OR, ST(cr), (8u >> bit) << sh);
    } else {
        /* not LT: GT unless equal; not GT: LT unless equal; not EQ: LT
         * when less, else GT */
        uint32_t a = bit == 2 ? 4 : 2, b2 = bit == 0 ? 4 : 8;
        unsigned cc = bit == 2 ? (c->sign ? CC_L : CC_B) : CC_NE;
        x_mov_imm(e, X_ECX, a << sh);
        x_mov_imm(e, X_EDX, b2 << sh);
        x_cmov(e, cc, X_ECX, X_EDX);
        x_alu_mem_imm(e, ALU_AND, ST(cr), ~mask);
        x_alu_store(e, ALU_OR, ST(cr), X_ECX);
    }
    x_bt_mem_imm(e, ST(xer), 31); /* CF = XER[SO] */
    size_t no_so = x_jcc_fwd(e, CC_AE);
    x_alu_mem_imm(e, ALU_OR, ST(cr), 1u << sh);
    x_patch_here(e, no_so);
}

/* ---- a loop's deferred CR field ----
 * A loop whose last two ops are a compare and a conditional branch on
 * the field it sets (crf_defer_ok) does not store that field on every
 * pass: the compare only saves its first operand at [rsp + CRF_A] (and
 * its second at CRF_B unless it is a GPR no op of the loop writes) and
 * sets the byte at [rsp + CRF_PEND]; the branch uses the compare's host
 * flags.  The field is stored from the saved operands wherever anything
 * else could read CR (gen_crf_flush): before every handler call, in the
 * loop or its out-of-line TLB-miss stubs, when a compare ran since the
 * loop was entered (CRF_PEND, cleared by the entry: s->cr is exact
 * then), and on every way out of the loop.  No template before the
 * compare reads or writes CR (crf_defer_ok).  A store clears CRF_PEND:
 * a handler may change XER[SO], which the field takes from XER when it
 * is stored, so the field is stored once for each compare, before the
 * first handler after it. */
#define CRF_PEND 72
#define CRF_A 32
#define CRF_B 36

static bool op_may_touch_cr(uint32_t insn)
{
    uint32_t p = insn >> 26, xo = xo_of(insn);
    bool rc = insn & 1;
    switch (p) {
    case 10: case 11: case 13: case 19: case 28: case 29:
        return true;
    case 20: case 21: case 23: case 59:
        return rc;
    case 31:
        return rc || xo == 0 || xo == 32 || xo == 19 || xo == 144 || xo == 512;
    case 63:
        return rc || xo == 0 || xo == 32 || xo == 64;
    default:
        return false;
    }
}

/* whether an op may write GPR r (conservatively: its rD/rS and rA
 * fields, every register for the multiple and string forms) */
static bool op_may_write(uint32_t insn, uint32_t r)
{
    uint32_t p = insn >> 26, xo = xo_of(insn);
    if (p == 46 || (p == 31 && (xo == 533 || xo == 597)))
        return true;
    return rd_of(insn) == r || ra_of(insn) == r;
}

/* g->crf_defer for a loop block b: its op n-2 a compare gen_alu makes a
 * template of (L=0), its op n-1 a relative bc testing LT, GT or EQ of
 * that compare's field, and no op before them touching CR */
static bool crf_defer_ok(Gen *g)
{
    const PPCBlock *b = g->b;
    if (!g->loop || b->n < 2)
        return false;
    uint32_t c = b->ops[b->n - 2].insn, br = b->ops[b->n - 1].insn, p = c >> 26;
    if (b->ops[b->n - 2].kind == 0xFFFF || b->ops[b->n - 1].kind == 0xFFFF)
        return false;
    bool cmp = ((p == 10 || p == 11) && !(c & (1u << 21))) ||
               (p == 31 && (xo_of(c) == 0 || xo_of(c) == 32) && !(c & ((1u << 21) | 1u)));
    uint32_t bo = rd_of(br), bi = ra_of(br);
    if (!cmp || (br >> 26) != 16 || (br & 2) || (bo & 16) || (bi & 3) == 3 || bi >> 2 != rd_of(c) >> 2)
        return false;
    for (unsigned i = 0; i + 2 < b->n; i++)
        if (op_may_touch_cr(b->ops[i].insn))
            return false;
    return true;
}

/* Store the deferred field from the saved operands: only when a compare
 * ran since the entry if 'check' (else one ran in this pass).  eax, ecx,
 * edx; GPR(rb) must be current in PPCState when it is not saved. */
static void gen_crf_flush(Gen *g, bool check)
{
    JitEmit *e = &g->e;
    const struct GenCmp *c = &g->defer;
    size_t skip = 0;
    if (check) {
        x_cmp8_rsp_imm(e, CRF_PEND, 0);
        skip = x_jcc_fwd(e, CC_E);
    }
    x_load_rsp(e, X_EAX, CRF_A);
    if (c->rb < 0) {
        x_alu_imm(e, ALU_CMP, X_EAX, c->imm);
    } else if (g->defer_b_saved) {
        x_byte(e, 0x3B); /* cmp eax, [rsp + CRF_B] */
        x_byte(e, 0x44);
        x_byte(e, 0x24);
        x_byte(e, CRF_B);
    } else {
        x_alu_load(e, ALU_CMP, X_EAX, GPR((unsigned)c->rb));
    }
    gen_flags_to_crf(e, c->crf, c->sign);
    x_store8_rsp_imm(e, CRF_PEND, 0);
    if (check)
        x_patch_here(e, skip);
}

/* after the deferred compare's cmp (flags set): its operands saved, the
 * field pending; the flags stay for the branch */
static void gen_crf_defer_cmp(Gen *g, unsigned crf, bool sign, int rb, uint32_t imm)
{
    JitEmit *e = &g->e;
    g->defer = (struct GenCmp){ .valid = true, .sign = sign, .crf = crf, .rb = rb, .imm = imm };
    g->cmp_out = g->defer;
    g->cmp_out.live = true;
    x_store_rsp_any(e, CRF_A, X_EAX);
    g->defer_b_saved = false;
    if (rb >= 0) {
        for (unsigned i = 0; i < g->b->n; i++)
            g->defer_b_saved |= op_may_write(g->b->ops[i].insn, (uint32_t)rb);
        if (g->defer_b_saved) {
            int h = cache_get(g, (uint32_t)rb);
            if (h < 0) {
                x_load(e, X_ECX, GPR((unsigned)rb));
                h = X_ECX;
            }
            x_store_rsp_any(e, CRF_B, (unsigned)h);
        }
    }
    x_store8_rsp_imm(e, CRF_PEND, 1);
}

/* Rc=1: CR0 from the result in eax (PEM 2.1.3) */
static void gen_cr0_eax(JitEmit *e)
{
    x_alu_imm(e, ALU_CMP, X_EAX, 0);
    gen_cmp_flags_to_crf(e, 0, true, -1, 0);
}

/* GPR r's current value as an operand: its host register, eax when the
 * previous template left it there, or -1 (PPCState) */
static int gen_src(Gen *g, uint32_t r)
{
    int h = cache_get(g, r);
    return h >= 0 ? h : g->eax_in == (int)r ? X_EAX : -1;
}

/* after a template that wrote GPR d's host register directly */
static void gen_direct_done(Gen *g, uint32_t d)
{
    g->eax_in = -1;
    g->loaded |= 1u << d;
    g->dirty |= 1u << d;
}

/* h = ROTL(h, sh) & mask: a shift alone for the masks of slwi and srwi
 * (the bits the rotation brought round are exactly those cleared), the
 * rotation alone for a full mask */
static void gen_rlwinm(JitEmit *e, unsigned h, uint32_t sh, uint32_t mask)
{
    if (sh && mask == 0xFFFFFFFFu << sh) {
        x_shift_imm_any(e, 4, h, (uint8_t)sh);
        return;
    }
    if (sh && mask == 0xFFFFFFFFu >> (32 - sh)) {
        x_shift_imm_any(e, 5, h, (uint8_t)(32 - sh));
        return;
    }
    if (sh)
        x_shift_imm_any(e, 0, h, (uint8_t)sh);
    if (mask != 0xFFFFFFFFu)
        x_alu_imm_any(e, ALU_AND, h, mask);
}

/* host register h = GPR r (nothing when h holds it already) */
static void gen_mov_to(Gen *g, unsigned h, uint32_t r)
{
    int sr = gen_src(g, r);
    if (sr == (int)h)
        return;
    if (sr >= 0)
        x_mov(&g->e, h, (unsigned)sr);
    else
        x_load(&g->e, h, GPR(r));
}

/* gen_alu_direct for an rD without a host register (its home is
 * PPCState): mr as one store from the source's register, rD = rD op rX
 * as one op on memory, [rbx + GPR(d)] op= the register holding rX; false
 * (nothing emitted) for the other forms, which go through eax */
static bool gen_alu_direct_mem(Gen *g, int alu, uint32_t d, uint32_t a, uint32_t b, bool commute)
{
    JitEmit *e = &g->e;
    if (alu == ALU_OR && a == b) { /* mr */
        int sa = gen_src(g, a);
        if (sa < 0) {
            gen_ld_eax(e, a);
            sa = X_EAX;
        }
        x_store(e, GPR(d), (unsigned)sa);
        g->eax_in = -1;
        if (sa == X_EAX) /* eax holds rD's new value */
            g->eax_gpr = (int)d;
        return true;
    }
    if (d != a && !(commute && d == b))
        return false;
    uint32_t x = d == a ? b : a;
    int sx = x == d ? -1 : gen_src(g, x);
    if (sx < 0)
        return false;
    x_alu_store_any(e, alu, GPR(d), (unsigned)sx);
    g->eax_in = -1;
    return true;
}

/* rD = rA op rB (Rc=0) straight in rD's host register, without a pass
 * through eax: one instruction when rD is rA (or rB and op commutes),
 * else a move and the op; false (nothing emitted) when rD is not cached
 * or is the second operand of a subtraction */
static bool gen_alu_direct(Gen *g, int alu, uint32_t d, uint32_t a, uint32_t b, bool commute)
{
    JitEmit *e = &g->e;
    int hd = g->hreg_of[d];
    if (hd < 0 && g->s->jit->direct)
        return gen_alu_direct_mem(g, alu, d, a, b, commute);
    if (hd < 0 || (!commute && d == b && d != a))
        return false;
    int sa = gen_src(g, a), sb = gen_src(g, b);
    if (alu == ALU_OR && a == b) { /* mr */
        if (sa != hd) {
            if (sa >= 0)
                x_mov(e, (unsigned)hd, (unsigned)sa);
            else
                x_load(e, (unsigned)hd, GPR(a));
        }
    } else {
        if (commute && d == b && d != a) { /* rD = rB op rA */
            uint32_t t = a;
            a = b;
            b = t;
            int st = sa;
            sa = sb;
            sb = st;
        }
        if (d != a) {
            if (sa >= 0)
                x_mov(e, (unsigned)hd, (unsigned)sa);
            else
                x_load(e, (unsigned)hd, GPR(a));
        }
        if (sb >= 0)
            x_alu(e, alu, (unsigned)hd, (unsigned)sb);
        else
            x_alu_load(e, alu, (unsigned)hd, GPR(b));
    }
    g->eax_in = -1;
    g->loaded |= 1u << d;
    g->dirty |= 1u << d;
    return true;
}

/* D-form arithmetic and logical immediates, rlwinm, X-form logical,
 * add/subf, compares, mfspr/mtspr LR/CTR: true when a template was
 * emitted */
static bool gen_alu(Gen *g, const PPCOp *op)
{
    JitEmit *e = &g->e;
    uint32_t insn = op->insn, p = insn >> 26;
    uint32_t rd = rd_of(insn), ra = ra_of(insn), rb = rb_of(insn);
    switch (p) {
    case 14: /* addi, li */
    case 15: /* addis, lis */
        if (g->hreg_of[rd] >= 0) { /* straight into rD's host register */
            unsigned hd = (unsigned)g->hreg_of[rd];
            if (!ra) {
                x_mov_imm(e, hd, op->imm);
            } else {
                int ha = g->eax_in == (int)ra ? X_EAX : cache_get(g, ra);
                if (ha < 0)
                    gen_ld_eax(e, ra);
                x_lea(e, hd, ha < 0 ? X_EAX : (unsigned)ha, op->imm);
            }
            g->eax_in = -1;
            g->loaded |= 1u << rd;
            g->dirty |= 1u << rd;
            return true;
        }
        if (ra && ra == rd && g->eax_in != (int)ra && g->s->jit->direct) {
            /* rD += imm in PPCState: one add on memory */
            if (op->imm)
                x_alu_mem_imm(e, ALU_ADD, GPR(rd), op->imm);
            g->eax_in = -1;
            return true;
        }
        gen_ra0(e, ra);
        if (op->imm)
            x_alu_imm(e, ALU_ADD, X_EAX, op->imm);
        gen_st_eax(e, rd);
        return true;
    case 24: case 25: /* ori, oris: rA = rS | imm */
    case 26: case 27: /* xori, xoris */
    case 28: case 29: /* andi., andis. */
        if (p < 28 && g->hreg_of[ra] >= 0 && g->s->jit->direct) { /* in rA's host register */
            unsigned ha = (unsigned)g->hreg_of[ra];
            gen_mov_to(g, ha, rd);
            if (op->imm)
                x_alu_imm_any(e, p >= 26 ? ALU_XOR : ALU_OR, ha, op->imm);
            gen_direct_done(g, ra);
            return true;
        }
        gen_ld_eax(e, rd);
        x_alu_imm(e, p >= 28 ? ALU_AND : p >= 26 ? ALU_XOR : ALU_OR, X_EAX, op->imm);
        gen_st_eax(e, ra);
        if (p >= 28)
            gen_cr0_eax(e);
        return true;
    case 21: /* rlwinm[.]: rA = ROTL(rS, SH) & MASK(MB, ME) */
        if (!(insn & 1) && g->hreg_of[ra] >= 0 && g->s->jit->direct) {
            unsigned ha = (unsigned)g->hreg_of[ra];
            gen_mov_to(g, ha, rd);
            gen_rlwinm(e, ha, rb, op->imm);
            gen_direct_done(g, ra);
            return true;
        }
        gen_ld_eax(e, rd);
        if (g->s->jit->direct) {
            gen_rlwinm(e, X_EAX, rb, op->imm);
        } else {
            if (rb)
                x_rol(e, X_EAX, (uint8_t)rb);
            x_alu_imm(e, ALU_AND, X_EAX, op->imm);
        }
        gen_st_eax(e, ra);
        if (insn & 1)
            gen_cr0_eax(e);
        return true;
    case 11: /* cmpi */
    case 10: /* cmpli */
        if (insn & (1u << 21))
            return false; /* L=1: leave the odd form to the handler */
        gen_ld_eax(e, ra);
        x_alu_imm(e, ALU_CMP, X_EAX, op->imm);
        if (g->crf_defer && op->idx + 2u == g->b->n)
            gen_crf_defer_cmp(g, rd >> 2, p == 11, -1, op->imm);
        else
            gen_cmp_flags_to_crf(e, rd >> 2, p == 11, -1, op->imm);
        return true;
    case 31:
        break;
    default:
        return false;
    }
    uint32_t xo = xo_of(insn);
    bool rc = insn & 1;
    switch (xo) {
    case 0:  /* cmp */
    case 32: /* cmpl */
        if (insn & ((1u << 21) | 1u))
            return false;
        gen_ld_eax(e, ra);
        gen_alu_gpr(g, ALU_CMP, X_EAX, rb);
        if (g->crf_defer && op->idx + 2u == g->b->n)
            gen_crf_defer_cmp(g, rd >> 2, xo == 0, (int)rb, 0);
        else
            gen_cmp_flags_to_crf(e, rd >> 2, xo == 0, (int)rb, 0);
        return true;
    case 266: /* add (OE=0) */
        if (!rc && gen_alu_direct(g, ALU_ADD, rd, ra, rb, true))
            return true;
        gen_ld_eax(e, ra);
        gen_alu_gpr(g, ALU_ADD, X_EAX, rb);
        gen_st_eax(e, rd);
        break;
    case 40: /* subf: rD = rB - rA (OE=0) */
        if (!rc && gen_alu_direct(g, ALU_SUB, rd, rb, ra, false))
            return true;
        gen_ld_eax(e, rb);
        gen_alu_gpr(g, ALU_SUB, X_EAX, ra);
        gen_st_eax(e, rd);
        break;
    case 28:  /* and: rA = rS & rB */
    case 444: /* or */
    case 316: /* xor */
    case 60:  /* andc */
    case 124: /* nor */
        if (!rc && xo != 60 && xo != 124 &&
            gen_alu_direct(g, xo == 28 ? ALU_AND : xo == 316 ? ALU_XOR : ALU_OR, ra, rd, rb, true))
            return true;
        gen_ld_eax(e, rd);
        if (xo == 60) {
            gen_ld(g, X_ECX, rb);
            x_not(e, X_ECX);
            x_alu(e, ALU_AND, X_EAX, X_ECX);
        } else {
            gen_alu_gpr(g, xo == 28 ? ALU_AND : xo == 316 ? ALU_XOR : ALU_OR, X_EAX, rb);
        }
        if (xo == 124)
            x_not(e, X_EAX);
        gen_st_eax(e, ra);
        break;
    case 339: /* mfspr LR / CTR */
    case 467: /* mtspr LR / CTR */
        if (rc || (op->imm != 8 && op->imm != 9))
            return false;
        if (xo == 339 && g->hreg_of[rd] >= 0 && g->s->jit->direct) { /* into rD's host register */
            x_load(e, (unsigned)g->hreg_of[rd], op->imm == 8 ? ST(lr) : ST(ctr));
            gen_direct_done(g, rd);
        } else if (xo == 339) {
            x_load(e, X_EAX, op->imm == 8 ? ST(lr) : ST(ctr));
            gen_st_eax(e, rd);
        } else {
            int sr = g->s->jit->direct ? gen_src(g, rd) : -1; /* from rS's register */
            if (sr < 0) {
                gen_ld_eax(e, rd);
                sr = X_EAX;
            }
            x_store(e, op->imm == 8 ? ST(lr) : ST(ctr), (unsigned)sr);
            if (sr == X_EAX) /* eax still holds rS */
                g->eax_gpr = (int)rd;
            g->eax_in = -1;
        }
        return true;
    default:
        return false;
    }
    if (rc)
        gen_cr0_eax(e);
    return true;
}

/* ecx = EA -> ecx = its soft-TLB entry's index in the units of
 * gen_tlb_mem's addressing: the byte offset straight from a shift and a
 * mask for entries of a power-of-two size (ppc.h pads them to 32), else
 * 3 * idx with scale 8 for 24-byte entries (an lea, where an imul would
 * add latency to every load and store) */
#define TLB_ENTRY_24 (sizeof(PPCTLBEntry) == 24)
#define TLB_ENTRY_POW2 ((sizeof(PPCTLBEntry) & (sizeof(PPCTLBEntry) - 1)) == 0)
static void gen_tlb_idx_ecx(JitEmit *e)
{
    if (TLB_ENTRY_POW2) {
        unsigned lg = (unsigned)__builtin_ctz((unsigned)sizeof(PPCTLBEntry));
        x_shr(e, X_ECX, (uint8_t)(PPC_PAGE_BITS - lg));
        x_alu_imm(e, ALU_AND, X_ECX, (PPC_TLB_SIZE - 1) << lg);
        return;
    }
    x_shr(e, X_ECX, PPC_PAGE_BITS);
    x_alu_imm(e, ALU_AND, X_ECX, PPC_TLB_SIZE - 1);
    if (TLB_ENTRY_24) {
        x_byte(e, 0x8D); /* lea ecx, [rcx + rcx * 2] */
        x_byte(e, 0x0C);
        x_byte(e, 0x49);
    } else {
        x_imul_imm(e, X_ECX, X_ECX, (uint32_t)sizeof(PPCTLBEntry));
    }
}

/* ModRM+SIB for the TLB entry field at disp: [rbx + rcx * (8 or 1) + disp] */
static void gen_tlb_mem(JitEmit *e, unsigned r, uint32_t disp)
{
    x_byte(e, (uint8_t)(0x80 | (r << 3) | 4));
    x_byte(e, (uint8_t)((TLB_ENTRY_24 ? 0xC0 : 0) | (X_ECX << 3) | X_EBX));
    x_u32(e, disp);
}

/* ---- XER[CA] kept in the frame across a run of carrying ops ----
 * A carrying template (gen_alu2: addic, subfic, addc, adde, addze, addme,
 * subfc, subfe, subfze, subfme) followed by another one before anything
 * that could see XER (ca_keep: only ALU templates, compares and loads
 * and stores of gen_ldst's fast path between) leaves its CA in the byte
 * at [rsp + CA_NOT], inverted (0: CA set, 1: clear, so that cmp byte, 1
 * sets CF = CA), instead of merging it into XER: one setcc instead of
 * four instructions.  The next carrying op reads it from there, and the
 * last one of the run writes XER itself.  XER[CA] is stale only in
 * between (Gen.ca_pend), where the one way to C is a load or store's
 * TLB-miss stub (the handler may fault): the stub merges the byte into
 * XER before the call (gen_ca_cold), so the handler, an exception it
 * raises and every exit see the interpreter's XER. */
#define CA_NOT 73

static bool ca_op(uint32_t insn)
{
    uint32_t p = insn >> 26, xo = xo_of(insn);
    if (p == 8 || p == 12 || p == 13)
        return true;
    return p == 31 && (xo == 10 || xo == 138 || xo == 202 || xo == 234 || xo == 8 || xo == 136 ||
                       xo == 200 || xo == 232);
}

static bool grp_dform(uint32_t insn, unsigned *size, bool *store);
static int grp_alu_dest(uint32_t insn);

/* whether op i's CA may stay in the frame: a carrying op follows, only
 * templates that neither call C (but their miss stubs) nor touch XER
 * between */
static bool ca_keep(const Gen *g, unsigned i)
{
    if (!g->s->jit->ca_frame)
        return false;
    const PPCBlock *b = g->b;
    for (unsigned j = i + 1; j < b->n; j++) {
        uint32_t w = b->ops[j].insn, p = w >> 26;
        unsigned size;
        bool store;
        if (b->ops[j].kind == 0xFFFF)
            return false;
        if (ca_op(w))
            return true;
        bool cmp = ((p == 10 || p == 11) && !(w & (1u << 21))) ||
                   (p == 31 && (xo_of(w) == 0 || xo_of(w) == 32) && !(w & ((1u << 21) | 1u)));
        if (!cmp && grp_alu_dest(w) < 0 && !grp_dform(w, &size, &store))
            return false;
    }
    return false;
}

/* XER[CA] = the byte at CA_NOT, inverted.  ecx, flags. */
static void gen_ca_flush(JitEmit *e)
{
    x_cmp8_rsp_imm(e, CA_NOT, 1); /* CF = CA */
    x_alu(e, ALU_SBB, X_ECX, X_ECX);
    x_alu_imm(e, ALU_AND, X_ECX, XER_CA);
    x_alu_mem_imm(e, ALU_AND, ST(xer), ~XER_CA);
    x_alu_store(e, ALU_OR, ST(xer), X_ECX);
}

/* before miss stub k's handler call: XER[CA] made current */
static void gen_ca_cold(Gen *g, unsigned k)
{
    if (g->cold_ca[k])
        gen_ca_flush(&g->e);
}

/* CF = XER[CA], from the frame when pending */
static void gen_ca_in(Gen *g)
{
    if (g->ca_pend)
        x_cmp8_rsp_imm(&g->e, CA_NOT, 1);
    else
        x_bt_mem(&g->e, ST(xer), 29);
}

static void gen_ca_from_cf(JitEmit *e);
/* XER[CA] = CF (borrow: = !CF, a subtraction's) of op op: into the frame
 * when ca_keep, else into XER.  eax and edx kept. */
static void gen_ca_out(Gen *g, const PPCOp *op, bool borrow)
{
    JitEmit *e = &g->e;
    g->ca_pend = ca_keep(g, op->idx);
    if (g->ca_pend) {
        x_setcc_rsp(e, borrow ? CC_B : CC_AE, CA_NOT);
        return;
    }
    if (borrow)
        x_cmc(e);
    gen_ca_from_cf(e);
}

/* XER[CA] = the host carry flag (sbb turns CF into 0 or -1); eax and
 * edx are kept */
static void gen_ca_from_cf(JitEmit *e)
{
    x_alu(e, ALU_SBB, X_ECX, X_ECX);
    x_alu_imm(e, ALU_AND, X_ECX, XER_CA);
    x_alu_mem_imm(e, ALU_AND, ST(xer), ~XER_CA);
    x_alu_store(e, ALU_OR, ST(xer), X_ECX);
}

/* XER[CA] = ecx (0 or 1) */
static void gen_ca_from_ecx(JitEmit *e)
{
    x_shl(e, X_ECX, 29);
    x_alu_mem_imm(e, ALU_AND, ST(xer), ~XER_CA);
    x_alu_store(e, ALU_OR, ST(xer), X_ECX);
}

/* Carrying arithmetic (addic[.], subfic, addc, adde, addze, addme, subfc,
 * subfe, subfze, subfme; PEM 3.3.1.1 "XER[CA]"), mulli, neg, mullw,
 * mulhw[u], divw[u] with the 750's results for the undefined cases
 * (cpu/int.c core_divw), extsb/extsh, cntlzw, slw/srw/sraw/srawi, the CR
 * logical operations, mfcr and mtcrf.  OE=1 forms go to the handler.
 * Each computes in eax (the result), Rc=1 records CR0 from it. */
static bool gen_alu2(Gen *g, const PPCOp *op)
{
    JitEmit *e = &g->e;
    uint32_t insn = op->insn, p = insn >> 26;
    uint32_t rd = rd_of(insn), ra = ra_of(insn), rb = rb_of(insn);
    bool rc = insn & 1;
    switch (p) {
    case 12: /* addic */
    case 13: /* addic. */
        gen_ld_eax(e, ra);
        x_alu_imm(e, ALU_ADD, X_EAX, op->imm);
        gen_ca_out(g, op, false);
        gen_st_eax(e, rd);
        if (p == 13)
            gen_cr0_eax(e);
        return true;
    case 8: /* subfic: ~rA + SIMM + 1, carry when SIMM >= rA unsigned */
        x_mov_imm(e, X_EAX, op->imm);
        gen_alu_gpr(g, ALU_SUB, X_EAX, ra);
        gen_ca_out(g, op, true);
        gen_st_eax(e, rd);
        return true;
    case 7: /* mulli */
        gen_ld_eax(e, ra);
        x_imul_imm(e, X_EAX, X_EAX, op->imm);
        gen_st_eax(e, rd);
        return true;
    case 19: {
        uint32_t xo = xo_of(insn);
        int f;
        switch (xo) {
        case 257: f = 0; break; /* crand */
        case 449: f = 1; break; /* cror */
        case 193: f = 2; break; /* crxor */
        case 225: f = 3; break; /* crnand */
        case 33: f = 4; break;  /* crnor */
        case 289: f = 5; break; /* creqv */
        case 129: f = 6; break; /* crandc */
        case 417: f = 7; break; /* crorc */
        default: return false;
        }
        if (rc)
            return false;
        x_load(e, X_EAX, ST(cr));
        x_mov(e, X_ECX, X_EAX);
        x_shr(e, X_ECX, (uint8_t)(31 - ra));
        x_mov(e, X_EDX, X_EAX);
        x_shr(e, X_EDX, (uint8_t)(31 - rb));
        if (f >= 6)
            x_not(e, X_EDX);
        static const int alu[8] = { ALU_AND, ALU_OR, ALU_XOR, ALU_AND, ALU_OR, ALU_XOR, ALU_AND, ALU_OR };
        x_alu(e, alu[f], X_ECX, X_EDX);
        if (f >= 3 && f <= 5)
            x_not(e, X_ECX);
        x_alu_imm(e, ALU_AND, X_ECX, 1);
        if (rd != 31)
            x_shl(e, X_ECX, (uint8_t)(31 - rd));
        x_alu_imm(e, ALU_AND, X_EAX, ~(1u << (31 - rd)));
        x_alu(e, ALU_OR, X_EAX, X_ECX);
        x_store(e, ST(cr), X_EAX);
        return true;
    }
    case 31:
        break;
    default:
        return false;
    }
    uint32_t xo = xo_of(insn);
    unsigned res_rd = rd; /* XO-form results go to rD, X-form to rA */
    if (xo == 136 && ra == rb && g->s->jit->ca_frame) {
        /* subfe rD,rA,rA: ~rA + rA + CA = CA - 1 with CA out = CA in,
         * the borrow idiom of unsigned compares: sbb and not, and XER[CA]
         * stays (merged from the frame when the run ends here) */
        gen_ca_in(g);
        x_alu(e, ALU_SBB, X_EAX, X_EAX);
        x_not(e, X_EAX);
        if (g->ca_pend && !ca_keep(g, op->idx)) {
            gen_ca_flush(e);
            g->ca_pend = false;
        }
        g->eax_in = -1;
        gen_st_eax(e, rd);
        if (rc)
            gen_cr0_eax(e);
        return true;
    }
    switch (xo) {
    case 10:  /* addc */
    case 138: /* adde */
    case 202: /* addze */
    case 234: /* addme */
    case 8:   /* subfc */
    case 136: /* subfe */
    case 200: /* subfze */
    case 232: /* subfme */
        if (xo == 8) { /* rB + ~rA + 1: carry when rB >= rA unsigned */
            gen_ld_eax(e, rb);
            gen_alu_gpr(g, ALU_SUB, X_EAX, ra);
        } else if (xo == 10) {
            gen_ld_eax(e, ra);
            gen_alu_gpr(g, ALU_ADD, X_EAX, rb);
        } else {
            gen_ld_eax(e, ra);
            if (xo == 136 || xo == 200 || xo == 232)
                x_not(e, X_EAX); /* the subf forms add ~rA */
            gen_ca_in(g); /* CF = XER[CA] */
            if (xo == 138 || xo == 136)
                gen_alu_gpr(g, ALU_ADC, X_EAX, rb);
            else
                x_alu_imm(e, ALU_ADC, X_EAX, (xo == 234 || xo == 232) ? 0xFFFFFFFFu : 0);
        }
        gen_ca_out(g, op, xo == 8);
        break;
    case 104: /* neg */
        gen_ld_eax(e, ra);
        x_grp3(e, 3, X_EAX);
        break;
    case 235: /* mullw */
        if (!rc && g->hreg_of[rd] >= 0 && g->s->jit->direct) { /* in rD's host register */
            unsigned hd = (unsigned)g->hreg_of[rd];
            uint32_t x = rb;
            if (rd == rb && rd != ra) { /* commutes */
                x = ra;
                cache_get(g, rd);
            } else {
                gen_mov_to(g, hd, ra);
            }
            int sx = gen_src(g, x);
            if (sx >= 0)
                x_imul_any(e, hd, (unsigned)sx);
            else
                x_imul_load_any(e, hd, GPR(x));
            gen_direct_done(g, rd);
            return true;
        }
        gen_ld_eax(e, ra);
        gen_ld(g, X_ECX, rb);
        x_0f_rr(e, 0xAF, X_EAX, X_ECX);
        break;
    case 75: /* mulhw */
    case 11: /* mulhwu */
        gen_ld_eax(e, ra);
        gen_ld(g, X_ECX, rb);
        x_grp3(e, xo == 75 ? 5 : 4, X_ECX);
        x_mov(e, X_EAX, X_EDX);
        break;
    case 491: { /* divw: x/0 and 0x80000000/-1 give 0 or -1 by the sign */
        gen_ld_eax(e, ra);
        gen_ld(g, X_ECX, rb);
        x_test(e, X_ECX, X_ECX);
        size_t z = x_jcc_fwd(e, CC_E);
        x_alu_imm(e, ALU_CMP, X_ECX, 0xFFFFFFFFu);
        size_t ok = x_jcc_fwd(e, CC_NE);
        x_alu_imm(e, ALU_CMP, X_EAX, 0x80000000u);
        size_t ovf = x_jcc_fwd(e, CC_E);
        x_patch_here(e, ok);
        x_cdq(e);
        x_grp3(e, 7, X_ECX);
        size_t done = x_jmp_fwd(e);
        x_patch_here(e, z);
        x_patch_here(e, ovf);
        x_sar(e, X_EAX, 31);
        x_patch_here(e, done);
        break;
    }
    case 459: { /* divwu: x/0 gives 0 */
        gen_ld_eax(e, ra);
        gen_ld(g, X_ECX, rb);
        x_test(e, X_ECX, X_ECX);
        size_t z = x_jcc_fwd(e, CC_E);
        x_alu(e, ALU_XOR, X_EDX, X_EDX);
        x_grp3(e, 6, X_ECX);
        size_t done = x_jmp_fwd(e);
        x_patch_here(e, z);
        x_alu(e, ALU_XOR, X_EAX, X_EAX);
        x_patch_here(e, done);
        break;
    }
    case 954: /* extsb */
    case 922: /* extsh */
        gen_ld_eax(e, rd);
        x_0f_rr(e, xo == 954 ? 0xBE : 0xBF, X_EAX, X_EAX);
        res_rd = ra;
        break;
    case 26: { /* cntlzw: 32 for 0, else 31 - bsr */
        gen_ld(g, X_ECX, rd);
        x_mov_imm(e, X_EAX, 32);
        x_test(e, X_ECX, X_ECX);
        size_t z = x_jcc_fwd(e, CC_E);
        x_0f_rr(e, 0xBD, X_EAX, X_ECX);
        x_alu_imm(e, ALU_XOR, X_EAX, 31);
        x_patch_here(e, z);
        res_rd = ra;
        break;
    }
    case 24:  /* slw */
    case 536: /* srw: shifts of 32..63 give 0 */
        gen_ld_eax(e, rd);
        gen_ld(g, X_ECX, rb);
        x_shift_cl(e, xo == 24 ? 4 : 5, X_EAX);
        x_alu(e, ALU_XOR, X_EDX, X_EDX);
        x_byte(e, 0xF7); /* test ecx, 0x20 */
        x_byte(e, 0xC1);
        x_u32(e, 0x20);
        x_cmov(e, CC_NE, X_EAX, X_EDX);
        res_rd = ra;
        break;
    case 824: /* srawi: CA = negative and 1 bits shifted out (int.c sra) */
        gen_ld_eax(e, rd);
        if (!rb) {
            x_alu_mem_imm(e, ALU_AND, ST(xer), ~XER_CA);
        } else {
            x_mov(e, X_ECX, X_EAX);
            x_sar(e, X_ECX, 31);
            x_alu(e, ALU_AND, X_ECX, X_EAX); /* rS when negative, else 0 */
            x_byte(e, 0xF7);                 /* test ecx, low SH bits */
            x_byte(e, 0xC1);
            x_u32(e, (1u << rb) - 1);
            x_setcc(e, CC_NE, X_ECX);
            x_0f_rr(e, 0xB6, X_ECX, X_ECX);
            gen_ca_from_ecx(e);
            x_sar(e, X_EAX, (uint8_t)rb);
        }
        res_rd = ra;
        break;
    case 792: { /* sraw: shifts of 32..63 give the sign, CA = negative */
        gen_ld_eax(e, rd);
        gen_ld(g, X_ECX, rb);
        x_alu_imm(e, ALU_AND, X_ECX, 63);
        x_mov(e, X_EDX, X_EAX);
        x_sar(e, X_EDX, 31);
        x_alu_imm(e, ALU_CMP, X_ECX, 31);
        size_t big = x_jcc_fwd(e, CC_A);
        x_mov(e, X_ESI, X_EAX);
        x_shift_cl(e, 7, X_EAX);   /* sar eax, cl */
        x_q_store_rsp_imm(e, SLOT_TAG(2), ~0u); /* edi: slot 2's addend */
        x_mov(e, X_EDI, X_EAX);
        x_shift_cl(e, 4, X_EDI);   /* the bits kept, back in place */
        x_alu(e, ALU_XOR, X_ESI, X_EDI); /* the bits shifted out */
        x_alu(e, ALU_AND, X_ESI, X_EDX); /* only when negative */
        x_alu(e, ALU_XOR, X_ECX, X_ECX);
        x_test(e, X_ESI, X_ESI);
        x_setcc(e, CC_NE, X_ECX);
        size_t merge = x_jmp_fwd(e);
        x_patch_here(e, big);
        x_mov(e, X_EAX, X_EDX);
        x_mov(e, X_ECX, X_EDX);
        x_alu_imm(e, ALU_AND, X_ECX, 1);
        x_patch_here(e, merge);
        gen_ca_from_ecx(e);
        res_rd = ra;
        break;
    }
    case 19: /* mfcr */
        if (rc)
            return false;
        x_load(e, X_EAX, ST(cr));
        break;
    case 144: /* mtcrf: CR = (rS & mask) | (CR & ~mask) */
        if (rc)
            return false;
        gen_ld_eax(e, rd);
        x_alu_imm(e, ALU_AND, X_EAX, op->imm);
        x_load(e, X_ECX, ST(cr));
        x_alu_imm(e, ALU_AND, X_ECX, ~op->imm);
        x_alu(e, ALU_OR, X_EAX, X_ECX);
        x_store(e, ST(cr), X_EAX);
        return true;
    default:
        return false;
    }
    gen_st_eax(e, res_rd);
    if (rc)
        gen_cr0_eax(e);
    return true;
}

/* Integer loads and stores: lwz lbz lhz stw stb sth, their update and
 * indexed forms.  The soft-TLB hit is the compare of ppc.h's ppc_ld32 and
 * friends, (ea & (PAGE_MASK | size - 1)) == tag, and one add; anything
 * else calls the handler, which repeats the lookup and takes the slow
 * path.  Returns false for forms left to the handler. */
/* The page slot for a load off base GPR ra: the slot of ra's parity (so
 * that blocks agree, their slots living on across chains) unless this
 * block gave it to another base GPR and the other slot is free or ra's:
 * a loop reading a table off r4 and a buffer off r8 keeps both pages.  A
 * base the block last set as addi ra,rX,SIMM (no op writing ra between,
 * judged from the instruction fields) takes rX's slot, most likely the
 * same page.  Only a choice: any slot is correct. */
/* Page slot sl from the soft-TLB entry of the EA in eax, for a load or a
 * store, when that entry's tag is 'tag' (a register holding the EA
 * masked as the tag is): the entry's addend into the slot's register
 * (and the frame, for the r1 slots: reloaded by the caller) and 'tag'
 * into the slot's tag.  Returns the rel32 of the jump taken on a miss.
 * ecx. */
static size_t gen_slot_fill(JitEmit *e, unsigned sl, unsigned tag, bool store)
{
    unsigned base = slot_addend[sl];
    x_mov(e, X_ECX, X_EAX);
    gen_tlb_idx_ecx(e);
    x_byte(e, 0x3B); /* cmp tag, [rbx + rcx + tag_r/tag_w] */
    gen_tlb_mem(e, tag, store ? TLB_OFF(tag_w) : TLB_OFF(tag_r));
    size_t miss = x_jcc_fwd(e, CC_NE);
    x_byte(e, (uint8_t)(0x48 | ((base >> 3) << 2))); /* mov base, [rbx + rcx + addend] */
    x_byte(e, 0x8B);
    gen_tlb_mem(e, base & 7, TLB_OFF(addend));
    if (sl < 3) /* the 64-bit tag: tag was written as 32 bits */
        x_q_store_rsp(e, SLOT_TAG(sl), tag);
    else
        x_store_rsp(e, SLOT_TAG(sl), tag);
    if (base == X_ECX) /* the addend kept in the frame */
        x_q_store_rsp(e, SLOT_ADDEND(sl), X_ECX);
    return miss;
}

static unsigned load_slot(Gen *g, const PPCOp *op, uint32_t ra)
{
    if (g->e.pos < g->slot_pos)
        memset(g->slot_gpr, 0, sizeof g->slot_gpr);
    g->slot_pos = g->e.pos;
    for (unsigned i = op->idx; i-- > 0;) {
        uint32_t w = g->b->ops[i].insn;
        if (rd_of(w) != ra && ra_of(w) != ra)
            continue;
        uint32_t src = ra_of(w);
        if (w >> 26 == 14 && rd_of(w) == ra && src && src != ra) {
            for (unsigned k = 0; k < 3; k += 2)
                if (g->slot_gpr[k] == src + 1)
                    return k;
        }
        break;
    }
    unsigned pref = (ra & 1) ? 2 : 0, other = 2 - pref;
    uint8_t me = (uint8_t)(ra + 1);
    unsigned sl = pref;
    if (g->slot_gpr[pref] && g->slot_gpr[pref] != me &&
        (!g->slot_gpr[other] || g->slot_gpr[other] == me))
        sl = other;
    g->slot_gpr[sl] = me;
    return sl;
}

/* A group member's access at the host address [mb + mi + md] (mi
 * X_NOIDX: none): through the region's host pointer rsi (grp_enter),
 * [rsi + the member's EA - the group's lowest], or for a displacement of
 * 0 off a cached base, [the slot's addend + the base's host register]
 * (32-bit writes keep the register's high half 0).  A store of size
 * bytes of rD; a load into rD's host register (movbe) or into ld,
 * sign-extended for lha (sext).  edx. */
static void gen_ldst_at(Gen *g, unsigned size, bool store, bool sext, uint32_t rd, unsigned ld,
                        unsigned mb, unsigned mi, uint32_t md)
{
    JitEmit *e = &g->e;
    bool movbe = size == 4 && g->s->jit->movbe;
    unsigned r;
    if (store) {
        int h = movbe ? cache_get(g, rd) : -1;
        r = h >= 0 ? (unsigned)h : X_EDX;
        if (h < 0)
            gen_ld(g, X_EDX, rd);
        if (!movbe && size == 4)
            x_bswap(e, X_EDX);
        else if (size == 2)
            x_rol16_8(e, X_EDX);
        if (size == 2)
            x_byte(e, 0x66);
        x_rex_mem(e, r, mb, mi);
        if (movbe) {
            x_byte(e, 0x0F);
            x_byte(e, 0x38);
            x_byte(e, 0xF1);
        } else {
            x_byte(e, size == 1 ? 0x88 : 0x89);
        }
        x_mem_any(e, r, mb, mi, md);
        return;
    }
    int rd_h = g->hreg_of[rd];
    r = movbe && rd_h >= 0 ? (unsigned)rd_h : ld;
    x_rex_mem(e, r, mb, mi);
    if (movbe) {
        x_byte(e, 0x0F);
        x_byte(e, 0x38);
        x_byte(e, 0xF0);
    } else if (size == 4) {
        x_byte(e, 0x8B);
    } else {
        x_byte(e, 0x0F);
        x_byte(e, size == 2 ? 0xB7 : 0xB6);
    }
    x_mem_any(e, r, mb, mi, md);
    if (movbe)
        return;
    if (size == 4)
        x_bswap(e, r);
    else if (size == 2)
        x_rol16_8(e, r);
    if (sext)
        x_0f_rr(e, 0xBF, r, r); /* movsx r, r16 */
}

static bool gen_ldst(Gen *g, const PPCOp *op)
{
    JitEmit *e = &g->e;
    uint32_t insn = op->insn, p = insn >> 26;
    uint32_t rd = rd_of(insn), ra = ra_of(insn), rb = rb_of(insn);
    unsigned size;
    bool store, update, indexed = false;
    if (p == 31) {
        if (insn & 1)
            return false;
        switch (xo_of(insn)) {
        case 23: p = 32; break;  /* lwzx */
        case 55: p = 33; break;  /* lwzux */
        case 87: p = 34; break;  /* lbzx */
        case 119: p = 35; break; /* lbzux */
        case 151: p = 36; break; /* stwx */
        case 183: p = 37; break; /* stwux */
        case 215: p = 38; break; /* stbx */
        case 247: p = 39; break; /* stbux */
        case 279: p = 40; break; /* lhzx */
        case 311: p = 41; break; /* lhzux */
        case 407: p = 44; break; /* sthx */
        case 439: p = 45; break; /* sthux */
        case 343: p = 42; break; /* lhax */
        case 375: p = 43; break; /* lhaux */
        default: return false;
        }
        indexed = true;
    }
    switch (p) {
    case 32: case 33: size = 4; store = false; break;
    case 34: case 35: size = 1; store = false; break;
    case 40: case 41: size = 2; store = false; break;
    case 36: case 37: size = 4; store = true; break;
    case 38: case 39: size = 1; store = true; break;
    case 44: case 45: size = 2; store = true; break;
    case 42: case 43: size = 2; store = false; break; /* lha: sign-extended */
    default: return false;
    }
    update = p & 1;
    /* invalid update forms (rA = 0, or rA = rD for loads) keep their
     * handler's documented behaviour */
    if (update && (ra == 0 || (!store && ra == rd)))
        return false;

    /* a member of a group with the region's host pointer (grp_enter):
     * the access at [rsi + pd], no EA computed */
    int member = g->grp.cur >= 0 ? g->grp.slot_of[op->idx] : -1;
    int pd = member >= 0 ? g->grp.pdisp[op->idx] : -1;
    /* a member at displacement 0 off a cached base: [addend + base] */
    int zb = member >= 0 && pd < 0 && !indexed && !update && !op->imm && g->hreg_of[ra] >= 0
                 ? cache_get(g, ra)
                 : -1;
    /* eax = EA */
    if (pd >= 0 || zb >= 0) {
        g->eax_in = -1;
    } else if (!indexed && ra && op->imm && g->hreg_of[ra] >= 0 && g->eax_in != (int)ra) {
        x_lea(e, X_EAX, (unsigned)cache_get(g, ra), op->imm);
        g->eax_in = -1;
    } else if (indexed && ra && g->hreg_of[ra] >= 0 && g->hreg_of[rb] >= 0 && g->eax_in != (int)ra &&
               g->s->jit->direct) { /* both in host registers: one lea */
        unsigned ha = (unsigned)cache_get(g, ra);
        x_lea_bi(e, X_EAX, ha, (unsigned)cache_get(g, rb));
        g->eax_in = -1;
    } else {
        gen_ra0(e, ra);
        if (indexed)
            gen_alu_gpr(g, ALU_ADD, X_EAX, rb);
        else if (op->imm)
            x_alu_imm(e, ALU_ADD, X_EAX, op->imm);
    }
    /* edx = the tag to compare: first the slot's of the page last
     * checked for this kind of access, then the TLB entry's (ecx = its
     * offset), which becomes the slot's */
    unsigned sl = member >= 0 ? (unsigned)member
                  : ra == 1   ? (store ? SLOT_R1_STORE : SLOT_R1_LOAD)
                  : store     ? 1
                              : load_slot(g, op, ra);
    unsigned base = slot_addend[sl];
    size_t miss = 0;
    uint32_t miss_dirty = g->dirty;
    if (member < 0) {
        x_mov(e, X_EDX, X_EAX);
        x_alu_imm(e, ALU_AND, X_EDX, PPC_PAGE_MASK | (size - 1));
        /* the tag is always either invalid or right (see N_SLOTS), also at
         * the block's start, where it may hold the page of the block chained
         * from */
        x_cmp_rsp(e, X_EDX, SLOT_TAG(sl));
        size_t same_page = x_jcc_fwd(e, CC_E);
        miss = gen_slot_fill(e, sl, X_EDX, store);
        x_patch_here(e, same_page);
        if (base == X_ECX) /* the r1 slots' addend, from the frame */
            x_q_load_rsp(e, X_ECX, SLOT_ADDEND(sl));
    } /* else its region's group check covered this access (grp_enter) */
    /* host address = base + rax (eax was written as 32 bits: zero-extended) */
    int rd_h = g->hreg_of[rd];
    bool movbe = size == 4 && g->s->jit->movbe;
    /* a load's register: eax itself for an uncached rD (the EA in rax is
     * read before it is written; an update form still needs the EA) */
    unsigned ld = !store && !update && rd_h < 0 && g->s->jit->direct ? X_EAX : X_EDX;
    if (pd >= 0) {
        gen_ldst_at(g, size, store, p == 42 || p == 43, rd, ld, X_ESI, X_NOIDX, (uint32_t)pd);
    } else if (zb >= 0) {
        gen_ldst_at(g, size, store, p == 42 || p == 43, rd, ld, base, (unsigned)zb, 0);
    } else if (store && movbe) {
        int h = cache_get(g, rd);
        if (h < 0)
            gen_ld(g, X_EDX, rd);
        x_movbe_acc(e, true, h >= 0 ? (unsigned)h : X_EDX, base);
    } else if (movbe) { /* straight into rD's host register when cached */
        x_movbe_acc(e, false, rd_h >= 0 ? (unsigned)rd_h : ld, base);
    } else if (store) {
        gen_ld(g, X_EDX, rd);
        if (size == 4) {
            x_bswap(e, X_EDX);
        } else if (size == 2) {
            x_rol16_8(e, X_EDX);
            x_byte(e, 0x66);
        }
        x_rex_acc(e, X_EDX, base);
        x_byte(e, size == 1 ? 0x88 : 0x89);
        x_mem_base_rax(e, X_EDX, base);
    } else {
        x_rex_acc(e, ld, base);
        if (size == 4) {
            x_byte(e, 0x8B);
        } else {
            x_byte(e, 0x0F);
            x_byte(e, size == 2 ? 0xB7 : 0xB6);
        }
        x_mem_base_rax(e, ld, base);
        if (size == 4)
            x_bswap(e, ld);
        else if (size == 2)
            x_rol16_8(e, ld);
        if (p == 42 || p == 43)
            x_0f_rr(e, 0xBF, ld, ld); /* movsx ld, ld16 */
    }
    /* update forms: rA receives the EA first, a load's rD the data last */
    if (update && pd >= 0) { /* rA += d: no wrap is possible either way */
        int h = cache_get(g, ra);
        if (h >= 0) {
            x_lea(e, (unsigned)h, (unsigned)h, op->imm);
            g->dirty |= 1u << ra;
        } else {
            x_alu_mem_imm(e, ALU_ADD, GPR(ra), op->imm);
        }
    } else if (update) {
        gen_st(g, ra, X_EAX);
    }
    if (!store && movbe && rd_h >= 0) {
        g->loaded |= 1u << rd;
        g->dirty |= 1u << rd;
    } else if (!store) {
        gen_st(g, rd, ld);
        /* an uncached rD also in eax for the next template (gen_ld_eax),
         * so a use of the loaded value does not wait for the store to
         * forward */
        if (g->hreg_of[rd] < 0) {
            if (ld != X_EAX)
                x_mov(e, X_EAX, X_EDX);
            g->eax_gpr = (int)rd;
        }
    }
    /* the miss calls the handler out of line (compile) and comes back:
     * the cached GPRs dirty at the miss written back before, those the
     * code here holds from now on reloaded after (the handler wrote rD
     * and rA to PPCState) */
    if (member >= 0)
        return true;
    g->cold[g->n_cold].at = miss;
    g->cold[g->n_cold].back = e->pos;
    g->cold[g->n_cold].op = op;
    g->cold[g->n_cold].eax_gpr = g->eax_gpr;
    g->cold[g->n_cold].dirty = miss_dirty;
    g->cold[g->n_cold].loaded = g->loaded;
    g->cold_ca[g->n_cold] = g->ca_pend;
    g->n_cold++;
    return true;
}

/* ---- access groups ----
 * A straight run of loads and stores off a few base GPRs (copy_words:
 * four loads off one base, four stores off another, the bases stepped by
 * addi) checks each access's page on its own in gen_ldst.  grp_plan finds
 * such runs (regions): every op of one is a D-form load or store of
 * gen_ldst's fast path (a member) or an ALU op whose template never calls
 * a handler, and the members form at most one group per page slot (the
 * accesses of one kind, load or store, off GPRs whose values are one
 * base GPR's value at the region's start plus known constants: addi
 * rA,rA,SIMM, addi rD,rA,SIMM (matmul's r10 = r7 + 4) and update forms).
 * At the region's start (grp_enter) one check per group
 * proves that the lowest and the highest byte its members can touch lie
 * in the page of the group's slot, aligned for the members' size (all
 * members of a group have one size and offsets equal modulo it), so that
 * every member between is a plain access through the slot's addend: no
 * page can change in between, as nothing in the region calls C (no
 * handler, no miss stub).  A slot tag that does not match is refilled
 * from the soft TLB out of line, as gen_ldst's would be; a group that
 * spans two pages, is misaligned, or whose page misses in the TLB runs
 * the region's slow version instead: the same ops emitted again after
 * the block with gen_ldst's per-access checks (grp_emit_slow), from the
 * GPR cache's state at the check, and joining the fast version's end
 * with its cache state.  So a fault, a miss and every handler call happen
 * in the slow version at exactly the access they would without groups.
 * The group with most members also gets rsi (only handler calls and exits
 * use it, none inside a region): rsi = its slot's addend + its lowest EA, once the
 * check proved the group's bytes lie in one page with no wrap past 2^32,
 * so each member is [rsi + its EA - the lowest] (gen_ldst_at), no EA
 * computed; the others' members at displacement 0 off a cached base
 * need no EA either ([addend + the base's host register]).
 * GRP_SPAN: matmul's column loads, 384 bytes apart, cross a page in about
 * one pass of ten, which still pays. */
#define GRP_SPAN 512 /* bytes a group may span: a page crossing stays rare */
#define GRP_MIN 2    /* members a group needs to be worth its check */
#define GRP_REGIONS ((unsigned)(sizeof(((Gen *)0)->grp.region) / sizeof(((Gen *)0)->grp.region[0])))

/* a load or store gen_ldst has a fast path for, in D-form with rA != 0:
 * its size and kind */
static bool grp_dform(uint32_t insn, unsigned *size, bool *store)
{
    uint32_t p = insn >> 26, ra = ra_of(insn);
    switch (p) {
    case 32: case 33: *size = 4; *store = false; break;
    case 34: case 35: *size = 1; *store = false; break;
    case 40: case 41: case 42: case 43: *size = 2; *store = false; break;
    case 36: case 37: *size = 4; *store = true; break;
    case 38: case 39: *size = 1; *store = true; break;
    case 44: case 45: *size = 2; *store = true; break;
    default: return false;
    }
    /* invalid update forms go to their handler (gen_ldst) */
    return ra && !((p & 1) && !*store && ra == rd_of(insn));
}

/* the GPR an ALU op allowed in a region writes, or -1: not allowed (only
 * forms gen_alu always emits a template for, none touching CR or XER) */
static int grp_alu_dest(uint32_t insn)
{
    uint32_t p = insn >> 26;
    switch (p) {
    case 14: case 15: /* addi, addis */
        return (int)rd_of(insn);
    case 21: /* rlwinm */
        return insn & 1 ? -1 : (int)ra_of(insn);
    case 24: case 25: case 26: case 27: /* ori, oris, xori, xoris */
        return (int)ra_of(insn);
    case 31:
        if (insn & 1)
            return -1;
        switch (xo_of(insn)) {
        case 266: case 40: /* add, subf (OE=0) */
            return (int)rd_of(insn);
        case 28: case 444: case 316: case 60: case 124: /* and, or, xor, andc, nor */
            return (int)ra_of(insn);
        }
        return -1;
    }
    return -1;
}

/* Build the region starting at op i0 and ending before op 'limit' at the
 * latest into r; returns the index of the first member of a group with
 * fewer than GRP_MIN members (the region must end before it), or limit
 * when every group has enough (r->n_grp == 0: no region) */
static unsigned grp_build(const PPCBlock *b, unsigned i0, unsigned limit, struct GenRegion *r,
                          int8_t *slot_of, int32_t *moff)
{
    int32_t delta[32] = { 0 };
    uint8_t base_of[32];
    uint32_t known = ~0u; /* GPRs whose value is (value of base_of at i0) + delta */
    for (unsigned q = 0; q < 32; q++)
        base_of[q] = (uint8_t)q;
    unsigned members[N_SLOTS] = { 0 }, first[N_SLOTS] = { 0 };
    int last = -1;
    for (unsigned j = i0; j < b->n; j++)
        slot_of[j] = -1; /* from a longer try */
    r->n_grp = 0;
    r->i0 = (uint8_t)i0;
    for (unsigned j = i0; j < limit; j++) {
        const PPCOp *op = &b->ops[j];
        uint32_t insn = op->insn, ra = ra_of(insn);
        unsigned size;
        bool store;
        if (op->kind == 0xFFFF)
            break;
        if (grp_dform(insn, &size, &store)) {
            if (!(known & (1u << ra)))
                break;
            int32_t off = delta[ra] + (int32_t)op->imm;
            unsigned k, base = base_of[ra];
            for (k = 0; k < r->n_grp; k++)
                if (r->grp[k].ra == base && r->grp[k].store == store)
                    break;
            if (k < r->n_grp) {
                struct GenGrp *gr = &r->grp[k];
                int32_t lo = off < gr->lo ? off : gr->lo;
                int32_t hi = off + (int32_t)size - 1 > gr->hi ? off + (int32_t)size - 1 : gr->hi;
                if (gr->size != size || (uint32_t)(off - gr->lo) % size || hi - lo >= GRP_SPAN)
                    break;
                gr->lo = lo;
                gr->hi = hi;
            } else {
                /* one group per slot: stores slot 1, loads 0 then 2 */
                bool used[N_SLOTS] = { false };
                for (unsigned q = 0; q < r->n_grp; q++)
                    used[r->grp[q].slot] = true;
                unsigned sl = store ? 1 : !used[0] ? 0 : 2;
                if (used[sl])
                    break;
                r->grp[k] = (struct GenGrp){ .ra = (uint8_t)base, .slot = (uint8_t)sl,
                                             .size = (uint8_t)size, .store = store,
                                             .lo = off, .hi = off + (int32_t)size - 1 };
                first[k] = j;
                r->n_grp++;
            }
            members[k]++;
            slot_of[j] = (int8_t)r->grp[k].slot;
            moff[j] = off;
            last = (int)j;
            if (insn >> 26 & 1) /* update: rA = the EA */
                delta[ra] = off;
            if (!store)
                known &= ~(1u << rd_of(insn));
            continue;
        }
        int d = grp_alu_dest(insn);
        if (d < 0)
            break;
        /* addi rD,rA,SIMM: rD = rA's base + rA's delta + SIMM (mod 2^32,
         * as every EA), so an access off rD joins rA's base's group */
        if (insn >> 26 == 14 && ra && (known & (1u << ra))) {
            base_of[d] = base_of[ra];
            delta[d] = delta[ra] + (int32_t)op->imm;
            known |= 1u << d;
        } else {
            known &= ~(1u << d);
        }
    }
    for (unsigned k = 0; k < r->n_grp; k++)
        if (members[k] < GRP_MIN)
            return first[k];
    if (last < 0)
        r->n_grp = 0;
    r->i1 = (uint8_t)(last < 0 ? i0 : (unsigned)last);
    return limit;
}

/* Find the block's regions (once per compile) */
static void grp_plan(Gen *g)
{
    struct GenGrpState *gs = &g->grp;
    gs->n_region = 0;
    gs->cur = -1;
    gs->snap = NULL;
    memset(gs->slot_of, -1, sizeof gs->slot_of);
    memset(gs->pdisp, -1, sizeof gs->pdisp);
    if (!g->s->jit->groups)
        return;
    const PPCBlock *b = g->b;
    for (unsigned i0 = 0; i0 < b->n && gs->n_region < GRP_REGIONS;) {
        struct GenRegion *r = &gs->region[gs->n_region];
        unsigned limit = b->n, cut;
        while ((cut = grp_build(b, i0, limit, r, gs->slot_of, gs->off)) != limit)
            limit = cut;
        if (!r->n_grp) {
            i0++;
            continue;
        }
        /* rsi, the one free register, for the group with most members */
        unsigned best = 0, most = 0;
        for (unsigned q = 0; q < r->n_grp; q++) {
            unsigned n = 0;
            for (unsigned j = r->i0; j <= r->i1; j++)
                n += gs->slot_of[j] == (int8_t)r->grp[q].slot;
            r->grp[q].ptr = false;
            if (n > most) {
                most = n;
                best = q;
            }
        }
        if (!grp_no_ptr) {
            r->grp[best].ptr = true;
            for (unsigned j = r->i0; j <= r->i1; j++)
                if (gs->slot_of[j] == (int8_t)r->grp[best].slot)
                    gs->pdisp[j] = (int16_t)(gs->off[j] - r->grp[best].lo);
        }
        gs->n_region++;
        i0 = r->i1 + 1u;
    }
    if (gs->n_region) {
        gs->snap = malloc(GRP_REGIONS * sizeof *gs->snap);
        if (!gs->snap)
            gs->n_region = 0;
    }
}

/* eax = the lowest EA of group gr (its base GPR at the region's start +
 * lo), zero-extended: the GPR's host register is loaded (grp_enter) */
static void gen_grp_lo(Gen *g, const struct GenGrp *gr)
{
    int h = g->hreg_of[gr->ra];
    if (h >= 0) {
        x_lea(&g->e, X_EAX, (unsigned)h, (uint32_t)gr->lo);
    } else {
        x_load(&g->e, X_EAX, GPR(gr->ra));
        x_alu_imm(&g->e, ALU_ADD, X_EAX, (uint32_t)gr->lo);
    }
}

/* Called by compile before each op i (and with i = n at the end): ends
 * the region being emitted fast when its last member is done, starts one
 * at i with its group checks */
static void grp_enter(Gen *g, unsigned i)
{
    struct GenGrpState *gs = &g->grp;
    JitEmit *e = &g->e;
    if (gs->cur >= 0 && i == gs->region[gs->cur].i1 + 1u) {
        struct GenRegion *r = &gs->region[gs->cur];
        r->join = e->pos;
        r->loaded = g->loaded;
        r->dirty = g->dirty;
        r->eax_gpr = g->eax_gpr;
        r->done = true;
        gs->cur = -1;
    }
    if (i == 0) { /* a new pass */
        g->ca_pend = false;
        gs->cur = -1;
        for (unsigned k = 0; k < gs->n_region; k++)
            gs->region[k].done = false;
    }
    unsigned k;
    for (k = 0; k < gs->n_region; k++)
        if (gs->region[k].i0 == i)
            break;
    if (k == gs->n_region || i >= g->b->n)
        return;
    struct GenRegion *r = &gs->region[k];
    /* the bases' host registers loaded before the state is kept: the
     * slow version starts from it */
    for (unsigned q = 0; q < r->n_grp; q++)
        cache_get(g, r->grp[q].ra);
    g->eax_gpr = -1; /* the checks use eax, ecx, edx */
    gs->snap[k] = *g;
    r->n_slow = 0;
    for (unsigned q = 0; q < r->n_grp; q++) {
        struct GenGrp *gr = &r->grp[q];
        unsigned sh = (unsigned)__builtin_ctz(gr->size);
        gen_grp_lo(g, gr);
        if (gr->ptr) /* rsi = the host address of the lowest byte */
            x_q_lea_bi(e, X_ESI, slot_addend[gr->slot], X_EAX);
        /* x = the lowest EA, zero-extended; t = the slot's 64-bit tag
         * (N_SLOTS); rax = x ^ t rotated right by log2(size) is at most
         * (0xFFF - (hi - lo)) >> log2(size) exactly when x lies in t's
         * page, its offset there aligned and no larger than 0xFFF - (hi -
         * lo) (the highest byte in the page: no crossing, no wrap past
         * 2^32) and t is valid (an invalid t's high half stays in rax's
         * high bits) */
        x_q_xor_rsp(e, X_EAX, SLOT_TAG(gr->slot));
        if (sh)
            x_q_shift_imm(e, 1, X_EAX, (uint8_t)sh); /* ror */
        x_q_alu_imm(e, ALU_CMP, X_EAX, (uint32_t)(0xFFF - (gr->hi - gr->lo)) >> sh);
        gr->refill_at = x_jcc_fwd(e, CC_A);
        gr->refill_back = e->pos;
    }
    gs->cur = (int)k;
}

/* g's code generation state from 'from', but what the block emitted so
 * far (the emitter, exits, miss stubs) and the regions' bookkeeping */
static void grp_state_from(Gen *g, const Gen *from)
{
    Gen *keep = malloc(sizeof *keep);
    if (!keep) {
        g->e.overflow = 1; /* compile gives up: the block is interpreted */
        return;
    }
    *keep = *g;
    *g = *from;
    g->e = keep->e;
    g->n_exits = keep->n_exits;
    memcpy(g->exits, keep->exits, sizeof g->exits);
    g->n_cold = keep->n_cold;
    memcpy(g->cold, keep->cold, sizeof g->cold);
    memcpy(g->cold_ca, keep->cold_ca, sizeof g->cold_ca);
    g->grp = keep->grp;
    free(keep);
}

/* After the block: each region's slot refills and slow version, then
 * the state at the block's end back for its miss stubs */
static void grp_emit_slow(Gen *g)
{
    struct GenGrpState *gs = &g->grp;
    JitEmit *e = &g->e;
    Gen *end = gs->n_region ? malloc(sizeof *end) : NULL;
    if (!end) {
        if (gs->n_region)
            e->overflow = 1;
        return;
    }
    *end = *g;
    for (unsigned k = 0; k < gs->n_region; k++) {
        struct GenRegion *r = &gs->region[k];
        if (!r->done)
            continue;
        /* The check failed: the slow version when the group crosses a
         * page (or wraps) or is misaligned (its masked lowest EA then
         * matches no TLB tag) or its page misses in the soft TLB, else
         * the slot refilled from the TLB and the check passed.  The GPR
         * cache is as at the check (the snapshot). */
        for (unsigned q = 0; q < r->n_grp; q++) {
            struct GenGrp *gr = &r->grp[q];
            x_patch_here(e, gr->refill_at);
            gen_grp_lo(g, gr);
            x_lea(e, X_EDX, X_EAX, (uint32_t)(gr->hi - gr->lo));
            x_alu(e, ALU_XOR, X_EDX, X_EAX);
            x_alu_imm(e, ALU_CMP, X_EDX, ~PPC_PAGE_MASK);
            r->slow_at[r->n_slow++] = x_jcc_fwd(e, CC_A);
            x_alu_imm(e, ALU_AND, X_EAX, PPC_PAGE_MASK | (gr->size - 1u));
            r->slow_at[r->n_slow++] = gen_slot_fill(e, gr->slot, X_EAX, gr->store);
            if (gr->ptr) {
                gen_grp_lo(g, gr);
                x_q_lea_bi(e, X_ESI, slot_addend[gr->slot], X_EAX);
            }
            x_jmp_back(e, gr->refill_back);
        }
    }
    for (unsigned k = 0; k < gs->n_region; k++) {
        struct GenRegion *r = &gs->region[k];
        if (!r->done)
            continue;
        for (unsigned q = 0; q < r->n_slow; q++)
            x_patch_here(e, r->slow_at[q]);
        grp_state_from(g, &gs->snap[k]); /* the state at the checks */
        g->grp.cur = -1;
        for (unsigned i = r->i0; i <= r->i1 && !e->overflow; i++) {
            const PPCOp *op = &g->b->ops[i];
            g->cur = i;
            g->eax_in = g->eax_gpr;
            g->eax_gpr = -1;
            g->cmp_in = g->cmp_out;
            g->cmp_out.valid = false;
            if (!gen_alu(g, op) && !gen_alu2(g, op) && !gen_ldst(g, op))
                gen_call(g, op); /* none in a region (grp_alu_dest) */
        }
        /* to the fast version's cache state: what it holds as clean
         * written back, what it holds loaded, eax */
        gen_writeback(g, g->dirty & ~r->dirty);
        gen_reload(g, r->loaded & ~g->loaded);
        if (r->eax_gpr >= 0 && r->eax_gpr != g->eax_gpr)
            gen_ld(g, X_EAX, (uint32_t)r->eax_gpr);
        x_jmp_back(e, r->join);
    }
    grp_state_from(g, end);
    free(end);
}

/* The code of the next block and its budget left (r12 there, see
 * gen_prologue), returned in rax and rdx */
typedef struct {
    void *code;
    uint64_t left;
} JitNext;

/* Called from generated code when a block ends on a target known only at
 * run time (bclr, bcctr, another page): the run loop's checks between two
 * blocks, in its order, and the next block's code when the loop would run
 * it in the JIT next; NULL sends the block back to the loop.  On success
 * the finished block (done ops) is accounted as the loop would. */
static JitNext jit_next(PPCState *s, uint64_t left, uint32_t done)
{
    /* left is the budget past the finished block, whose done ops are
     * its n: the run's end is icount + done + left */
    uint64_t icount = s->icount + done, end = icount + left;
    if (s->exit_request || s->irq_pending || s->halted || s->debug_active || icount >= end ||
        ((s->msr & (MSR_SE | MSR_BE)) | (s->iabr & 2u)) || (s->debug_flags & PPC_DBG_EXEC))
        return (JitNext){ NULL, 0 };
    uint32_t pc = s->pc;
    const PPCTLBEntry *e = &s->tlb[PPC_TLB_IDX(pc)];
    if (e->tag_x != (pc & PPC_PAGE_MASK))
        return (JitNext){ NULL, 0 };
    PPCBlock *b = ppc_bc_lookup(s, e->pa_page | (pc & ~PPC_PAGE_MASK));
    if (!b || end - icount < b->n || !b->jit_code || b->jit_gen != s->jit->gen)
        return (JitNext){ NULL, 0 };
    /* the fetch translation just checked and the block found stay what
     * they are until jc_gen goes up (ppc.h) */
    s->jit->jc[(pc >> 2) & ((1u << PPC_JIT_JC_BITS) - 1)] =
        (PPCJitJC){ pc, 0, b->n, s->jc_gen, (uint8_t *)b->jit_code + PROLOGUE_LEN };
    s->icount = icount;
    s->block_ea = pc;
    return (JitNext){ (uint8_t *)b->jit_code + PROLOGUE_LEN, end - icount - b->n };
}

#define BLK(f) ((uint32_t)offsetof(PPCBlock, f))

/* op r12, imm32 (the long form: chain sites patch the imm32, 3 bytes in) */
static void gen_r12_imm(JitEmit *e, int alu, uint32_t imm)
{
    x_byte(e, 0x49);
    x_byte(e, 0x81);
    x_byte(e, (uint8_t)(0xC0 | (alu << 3) | (HR_SLACK & 7)));
    x_u32(e, imm);
}

/* s->icount += n, or -= n with ALU_SUB (a qword op on memory) */
static void gen_icount_alu(JitEmit *e, int alu, uint32_t n)
{
    x_byte(e, 0x48);
    x_byte(e, n < 0x80 ? 0x83 : 0x81);
    x_mem_rbx(e, (unsigned)alu, ST(icount));
    if (n < 0x80)
        x_byte(e, (uint8_t)n);
    else
        x_u32(e, n);
}

static void gen_icount_add(JitEmit *e, uint32_t n)
{
    gen_icount_alu(e, ALU_ADD, n);
}

/* s->pc = block_ea + off, the target of a relative branch, in esi too.
 * A chain does not store s->pc (the target's block_ea is the next PC):
 * only the ways out of the block to the run loop or jit_next do, as
 * nothing in a block reads s->pc (handlers take their CIA from block_ea,
 * and set s->pc when they end the block). */
static void gen_pc_store(JitEmit *e, uint32_t off)
{
    x_load(e, X_ESI, ST(block_ea));
    if (off)
        x_alu_imm(e, ALU_ADD, X_ESI, off);
    x_store(e, ST(pc), X_ESI);
}

/* s->pc is set: go on with the block there, or leave.  When no handler
 * ran since the last full check (r12 >= 0, see gen_prologue), the jump
 * cache is looked up inline by the target EA: an entry of that EA and of
 * the current jc_gen (its fetch translation, block and code unchanged
 * since jit_next checked them) whose block fits in the budget.  Anything
 * else calls jit_next, which makes the run loop's checks in C (and fills
 * the cache).  Both update icount and block_ea as the run
 * loop does. */
static void gen_exit_dynamic(Gen *g, const PPCOp *op, bool esi_pc)
{
    JitEmit *e = &g->e;
    uint32_t done = op->idx + 1u;
    size_t slow[8];
    unsigned n_slow = 0;
    _Static_assert(sizeof(PPCJitJC) == 32, "the lookup scales by 32");
    if (ST(exit_request) == ST(irq_pending) + 4) {
        x_byte(e, 0x48); /* cmp qword [rbx + irq_pending], 0 */
        x_byte(e, 0x83);
        x_mem_rbx(e, 7, ST(irq_pending));
        x_byte(e, 0);
        slow[n_slow++] = x_jcc_fwd(e, CC_NE);
    } else {
        x_alu_mem_imm(e, ALU_CMP, ST(exit_request), 0);
        slow[n_slow++] = x_jcc_fwd(e, CC_NE);
        x_alu_mem_imm(e, ALU_CMP, ST(irq_pending), 0);
        slow[n_slow++] = x_jcc_fwd(e, CC_NE);
    }
    if (!esi_pc) /* else the caller left s->pc in esi */
        x_load(e, X_ESI, ST(pc));
    /* rdx = the entry: jc + ((pc >> 2) & mask) * 32 */
    x_mov(e, X_EAX, X_ESI);
    x_alu_imm(e, ALU_AND, X_EAX, ((1u << PPC_JIT_JC_BITS) - 1) << 2);
    x_mov_imm64(e, X_EDX, (uint64_t)(uintptr_t)g->s->jit->jc);
    x_byte(e, 0x48); /* lea rdx, [rdx + rax * 8] */
    x_byte(e, 0x8D);
    x_byte(e, 0x14);
    x_byte(e, 0xC2);
    x_byte(e, 0x3B); /* cmp esi, [rdx] */
    x_byte(e, 0x32);
    slow[n_slow++] = x_jcc_fwd(e, CC_NE);
    x_byte(e, 0x48); /* mov rcx, [rbx + jc_gen] */
    x_byte(e, 0x8B);
    x_mem_rbx(e, X_ECX, ST(jc_gen));
    x_byte(e, 0x48); /* cmp rcx, [rdx + 16] */
    x_byte(e, 0x3B);
    x_byte(e, 0x4A);
    x_byte(e, 0x10);
    slow[n_slow++] = x_jcc_fwd(e, CC_NE);
    /* the target's n within the budget left (r12 < n also when a handler
     * ran, see gen_prologue): r12 -= n, as it was again on the slow path */
    x_byte(e, 0x4C); /* sub r12, [rdx + 8] */
    x_byte(e, 0x2B);
    x_byte(e, 0x62);
    x_byte(e, 0x08);
    size_t over = x_jcc_fwd(e, CC_L);
    gen_icount_add(e, done);
    x_store(e, ST(block_ea), X_ESI);
    x_byte(e, 0xFF); /* jmp [rdx + 24] */
    x_byte(e, 0x62);
    x_byte(e, 0x18);
    x_patch_here(e, over);
    x_byte(e, 0x4C); /* add r12, [rdx + 8] */
    x_byte(e, 0x03);
    x_byte(e, 0x62);
    x_byte(e, 0x08);
    for (unsigned k = 0; k < n_slow; k++)
        x_patch_here(e, slow[k]);
    static const uint8_t args[] = { 0x48, 0x89, 0xDF, 0x4C, 0x89, 0xE6 }; /* mov rdi, rbx; mov rsi, r12 */
    for (size_t i = 0; i < sizeof args; i++)
        x_byte(e, args[i]);
    x_q_bit_imm(e, 6, X_ESI, 63); /* btr rsi, 63: the budget left, without the flag */
    x_mov_imm(e, X_EDX, done);
    x_mov_imm64(e, X_EAX, (uint64_t)(uintptr_t)jit_next);
    x_byte(e, 0xFF); /* call rax */
    x_byte(e, 0xD0);
    x_byte(e, 0x48); /* test rax, rax */
    x_byte(e, 0x85);
    x_byte(e, 0xC0);
    size_t leave = x_jcc_fwd(e, CC_E);
    /* jit_next made the full checks: r12 = the next block's budget left,
     * without the flag */
    x_q_mov(e, HR_SLACK, X_EDX);
    gen_slots_invalid(e); /* and clobbered r10, r11, rdi */
    x_byte(e, 0xFF); /* jmp rax */
    x_byte(e, 0xE0);
    x_patch_here(e, leave);
    gen_ret(e, PPC_EXIT, op->idx);
}

/* The run loop's checks between blocks that only a handler can make
 * fail (see gen_prologue), for a chain from this block (to itself when
 * self): each failure jumps out (out[], patched by the caller).  ecx,
 * edx (rax is kept: gen_chain's count). */
static void gen_full_checks(Gen *g, size_t *out, unsigned *n_out, bool self)
{
    JitEmit *e = &g->e;
    x_test_mem_imm(e, ST(msr), MSR_SE | MSR_BE);
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    x_test_mem_imm(e, ST(iabr), 2u); /* IABR[BE] */
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    x_test_mem_imm(e, ST(debug_flags), PPC_DBG_EXEC);
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    x_byte(e, 0x80); /* cmp byte [rbx + halted], 0 */
    x_mem_rbx(e, 7, ST(halted));
    x_byte(e, 0);
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    x_byte(e, 0x80); /* cmp byte [rbx + debug_active], 0: the debugger's */
    x_mem_rbx(e, 7, ST(debug_active)); /* checks are the run loop's (ppc.h) */
    x_byte(e, 0);
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    /* the run loop's fetch check: tag_x of block_ea's entry, and its
     * physical page this block's */
    x_load(e, X_EDX, ST(block_ea));
    x_mov(e, X_ECX, X_EDX);
    gen_tlb_idx_ecx(e);
    x_alu_imm(e, ALU_AND, X_EDX, PPC_PAGE_MASK);
    x_byte(e, 0x3B); /* cmp edx, [rbx + rcx + tag_x] */
    gen_tlb_mem(e, X_EDX, TLB_OFF(tag_x));
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    x_byte(e, 0x81); /* cmp dword [rbx + rcx + pa_page], imm32 */
    gen_tlb_mem(e, 7, TLB_OFF(pa_page));
    x_u32(e, g->b->pa & PPC_PAGE_MASK);
    out[(*n_out)++] = x_jcc_fwd(e, CC_NE);
    if (self) {
        x_mov_imm64(e, X_EDX, (uint64_t)(uintptr_t)&g->b->n);
        x_byte(e, 0x66); /* cmp word [rdx], 0 */
        x_byte(e, 0x83);
        x_byte(e, 0x3A);
        x_byte(e, 0x00);
        out[(*n_out)++] = x_jcc_fwd(e, CC_E);
    }
}

/* ---- a loop's instruction count (see LOOP_BASE) ---- */

/* s->icount = the current pass's count, B - r12 (left
 * in rax) */
static void gen_loop_count_store(Gen *g)
{
    JitEmit *e = &g->e;
    x_q_load_rsp(e, X_EAX, LOOP_BASE);
    x_q_alu(e, ALU_SUB, X_EAX, HR_SLACK);
    x_q_store(e, ST(icount), X_EAX);
}

/* Start the count of a pass whose count is in rax: r12 = its slack,
 * minus LOOP_K when 'flag' and r12's bit 63 (the flag of gen_prologue) is set,
 * so that the first back edge makes the full checks; B = rax + r12.
 * rcx. */
static void gen_loop_budget(Gen *g, bool flag)
{
    JitEmit *e = &g->e;
    x_q_load_rsp(e, X_ECX, LOOP_END);
    x_q_alu(e, ALU_SUB, X_ECX, X_EAX); /* end - count */
    size_t nofit = x_jcc_fwd(e, CC_B);
    x_q_alu_imm(e, ALU_SUB, X_ECX, g->b->n);
    size_t nofit2 = x_jcc_fwd(e, CC_B);
    x_q_alu_imm(e, ALU_CMP, X_ECX, LOOP_QMAX);
    size_t ok = x_jcc_fwd(e, CC_BE);
    x_mov_imm(e, X_ECX, LOOP_QMAX);
    size_t ok2 = x_jmp_fwd(e);
    x_patch_here(e, nofit);
    x_patch_here(e, nofit2);
    x_q_mov_imm(e, X_ECX, 0xFFFFFFFFu); /* -1 */
    x_patch_here(e, ok);
    x_patch_here(e, ok2);
    if (flag) {
        x_q_test(e, HR_SLACK, HR_SLACK);
        size_t clear = x_jcc_fwd(e, CC_NS);
        x_q_alu_imm(e, ALU_SUB, X_ECX, LOOP_K);
        x_patch_here(e, clear);
    }
    x_q_mov(e, HR_SLACK, X_ECX);
    x_q_alu(e, ALU_ADD, X_EAX, X_ECX);
    x_q_store_rsp(e, LOOP_BASE, X_EAX);
}

/* Leave a loop other than by its back edge, after the GPR write-back: the
 * count stored, r12 the budget left past this pass again (end - count -
 * n, never negative: a pass runs only when it fits) with the flag (bit
 * 63) set when the slack is negative (a handler ran since the last full
 * checks, or the budget ends here anyway).  rcx, rdx. */
static void gen_loop_leave(Gen *g)
{
    JitEmit *e = &g->e;
    if (g->crf_defer) /* after the compare */
        gen_crf_flush(g, false);
    gen_loop_count_store(g);
    x_q_mov(e, X_ECX, HR_SLACK);
    x_q_shift_imm(e, 5, X_ECX, 63); /* shr rcx, 63 */
    x_q_shift_imm(e, 4, X_ECX, 63); /* shl rcx, 63: the flag */
    x_q_load_rsp(e, X_EDX, LOOP_END);
    x_q_alu(e, ALU_SUB, X_EDX, X_EAX);
    x_q_alu_imm(e, ALU_SUB, X_EDX, g->b->n);
    x_q_alu(e, ALU_OR, X_ECX, X_EDX);
    x_q_mov(e, HR_SLACK, X_ECX);
}

/* A loop's entry: the end of the budget to [rsp + LOOP_END], from r12
 * (the budget left past this block, see gen_prologue) without the flag,
 * and the count in rax (for gen_loop_budget).  rcx. */
static void gen_loop_enter(Gen *g)
{
    JitEmit *e = &g->e;
    x_q_mov(e, X_ECX, HR_SLACK);
    x_q_bit_imm(e, 6, X_ECX, 63);
    x_q_load(e, X_EAX, ST(icount));
    x_q_alu(e, ALU_ADD, X_ECX, X_EAX);
    x_q_alu_imm(e, ALU_ADD, X_ECX, g->b->n);
    x_q_store_rsp(e, LOOP_END, X_ECX);
}

/* A loop's back edge: on into the next pass unless an exit or interrupt
 * request is pending or r12 - n < 0, where the slow path stores the
 * count, checks the budget exactly and makes the full checks (a handler
 * ran) before it goes on with a new slack, or leaves */
static void gen_loop_back(Gen *g, const PPCOp *op)
{
    JitEmit *e = &g->e;
    uint32_t n = g->b->n;
    size_t out[16], req[2];
    unsigned n_out = 0, n_req = 0;
    if (ST(exit_request) == ST(irq_pending) + 4) {
        x_byte(e, 0x48); /* cmp qword [rbx + irq_pending], 0 */
        x_byte(e, 0x83);
        x_mem_rbx(e, 7, ST(irq_pending));
        x_byte(e, 0);
        req[n_req++] = x_jcc_fwd(e, CC_NE);
    } else {
        x_alu_mem_imm(e, ALU_CMP, ST(exit_request), 0);
        req[n_req++] = x_jcc_fwd(e, CC_NE);
        x_alu_mem_imm(e, ALU_CMP, ST(irq_pending), 0);
        req[n_req++] = x_jcc_fwd(e, CC_NE);
    }
    x_q_alu_imm(e, ALU_SUB, HR_SLACK, n);
    /* straight back to the loop head when nothing is to be done on the
     * way (the GPRs dirty at the back edge but not at the head written
     * back) */
    bool tail = g->dirty & ~g->head_dirty;
    size_t slow = 0, cont = e->pos;
    if (tail) {
        slow = x_jcc_fwd(e, CC_S);
        cont = e->pos;
        gen_writeback(g, g->dirty & ~g->head_dirty);
        x_jmp_back(e, g->loop_head);
        x_patch_here(e, slow);
    } else {
        x_jcc_back(e, CC_NS, g->loop_head);
        cont = g->loop_head;
    }
    /* slow: this pass's count stored; the next pass within the budget
     * (end - count >= 2n, unsigned) and the full checks */
    x_q_alu_imm(e, ALU_ADD, HR_SLACK, n);
    if (g->crf_defer) /* the field exact wherever the slow path goes */
        gen_crf_flush(g, false);
    gen_loop_count_store(g);
    x_q_load_rsp(e, X_ECX, LOOP_END);
    x_q_alu(e, ALU_SUB, X_ECX, X_EAX);
    out[n_out++] = x_jcc_fwd(e, CC_B);
    x_q_alu_imm(e, ALU_CMP, X_ECX, 2 * n);
    out[n_out++] = x_jcc_fwd(e, CC_B);
    gen_full_checks(g, out, &n_out, true);
    x_q_load(e, X_EAX, ST(icount));
    x_q_alu_imm(e, ALU_ADD, X_EAX, n);
    gen_loop_budget(g, false);
    x_jmp_back(e, cont);
    for (unsigned k = 0; k < n_req; k++)
        x_patch_here(e, req[k]);
    if (g->crf_defer)
        gen_crf_flush(g, false);
    gen_loop_count_store(g);
    for (unsigned k = 0; k < n_out; k++)
        x_patch_here(e, out[k]);
    gen_writeback(g, g->dirty);
    gen_pc_store(e, 0);
    gen_ret(e, PPC_EXIT, op->idx);
}

/* Leave the block after the branch op at index idx to block_ea + off.
 * When the target is in the same physical page, go on directly into its
 * code if the run loop would run it next in the JIT: no exit or interrupt
 * request, the whole block within the budget (r12), and, when a handler
 * ran since the last full check (r12's bit 63, see gen_prologue), also
 * not single-stepping, tracing, halted, under IABR, the debugger or the
 * exec log, the fetch TLB entry still mapping this page (validated by
 * physical page).  A jump to the block itself (a loop) is linked now;
 * others jump to their exit stub, which asks the run loop to link them
 * when the block at their target runs next (ppc_jit_exec, link_site),
 * and are unlinked again when their target's page is invalidated
 * (ppc_jit_unlink_page): a linked site's target is valid.  The chain
 * leaves s->pc as it is (see gen_pc_store); every way out stores it. */
static void gen_chain(Gen *g, const PPCOp *op, uint32_t off)
{
    JitEmit *e = &g->e;
    PPCJit *j = g->s->jit;
    int64_t po = (int64_t)(g->b->pa & ~PPC_PAGE_MASK) + (int32_t)off;
    if (po < 0 || po >= PPC_PAGE_SIZE || (po & 3) || j->n_sites == j->cap_sites) {
        gen_writeback(g, g->dirty);
        if (g->loop)
            gen_loop_leave(g);
        gen_pc_store(e, off);
        gen_exit_dynamic(g, op, true);
        return;
    }
    uint32_t target_pa = (g->b->pa & PPC_PAGE_MASK) + (uint32_t)po;
    bool self = target_pa == g->b->pa;
    if (self && g->loop) {
        gen_loop_back(g, op);
        return;
    }
    if (!self)
        gen_writeback(g, g->dirty);
    if (g->loop)
        gen_loop_leave(g);
    uint32_t done = op->idx + 1u;
    PPCJitSite *st = NULL;
    uint32_t site_id = 0;
    if (!self) {
        st = &j->sites[j->n_sites];
        site_id = (uint32_t)j->n_sites++;
        *st = (PPCJitSite){ .target_pa = target_pa, .gen = j->gen, .done = done };
    }
    size_t out[16];
    unsigned n_out = 0;
    /* irq_pending and exit_request, set from outside generated code */
    if (ST(exit_request) == ST(irq_pending) + 4) {
        x_byte(e, 0x48); /* cmp qword [rbx + irq_pending], 0 */
        x_byte(e, 0x83);
        x_mem_rbx(e, 7, ST(irq_pending));
        x_byte(e, 0);
        out[n_out++] = x_jcc_fwd(e, CC_NE);
    } else {
        x_alu_mem_imm(e, ALU_CMP, ST(exit_request), 0);
        out[n_out++] = x_jcc_fwd(e, CC_NE);
        x_alu_mem_imm(e, ALU_CMP, ST(irq_pending), 0);
        out[n_out++] = x_jcc_fwd(e, CC_NE);
    }
    /* the target's ops within the budget left, r12 (see gen_prologue):
     * sub r12, n; jl, a signed r12 < n, also when a handler ran (r12 < 0) */
    uint32_t tn = self ? g->b->n : 0xFFFFu; /* patched: the target's n */
    size_t budget = e->pos;
    if (st)
        st->at_n = j->used + e->pos + 3;
    gen_r12_imm(e, ALU_SUB, tn);
    size_t slow = x_jcc_fwd(e, CC_L);
    /* what the run loop does between blocks: icount += done, block_ea =
     * the target (a loop's block_ea stays) */
    gen_icount_add(e, done);
    size_t jmp = 0;
    if (self) {
        gen_writeback(g, g->dirty & ~g->head_dirty);
        x_jmp_back(e, g->loop_head);
    } else {
        if (off)
            x_alu_mem_imm(e, ALU_ADD, ST(block_ea), off);
        jmp = x_jmp_fwd(e); /* patched: the target's code */
        st->at_jmp = j->used + jmp;
    }
    /* r12 < n: r12 as it was (mod 2^64); leave unless the flag was set
     * (btr: CF), else the full checks and the budget again without it
     * (leaving pops r12 anyway).  The target block, when not this one,
     * is valid while the site is linked; this one was valid when it was
     * entered and only a handler can have invalidated it since: checked
     * on this path only (gen_full_checks). */
    x_patch_here(e, slow);
    if (st)
        st->at_n2 = j->used + e->pos + 3;
    gen_r12_imm(e, ALU_ADD, tn);
    x_q_bit_imm(e, 6, HR_SLACK, 63); /* btr r12, 63: CF = the flag */
    out[n_out++] = x_jcc_fwd(e, CC_AE);
    gen_full_checks(g, out, &n_out, self);
    x_jmp_back(e, budget);
    if (!self) {
        /* the unlinked site's jump: the run loop's accounting undone */
        x_patch_here(e, jmp);
        st->at_unl = j->used + e->pos;
        gen_icount_alu(e, ALU_SUB, done);
        if (off)
            x_alu_mem_imm(e, ALU_SUB, ST(block_ea), off);
    }
    for (unsigned k = 0; k < n_out; k++)
        x_patch_here(e, out[k]);
    if (!self) {
        x_mov_imm64(e, X_EAX, (uint64_t)(uintptr_t)&j->link_req);
        x_byte(e, 0xC7); /* mov dword [rax], site + 1 */
        x_byte(e, 0x00);
        x_u32(e, site_id + 1);
    } else {
        gen_writeback(g, g->dirty);
    }
    gen_pc_store(e, off);
    gen_ret(e, PPC_EXIT, op->idx);
}

/* s->pc = block_ea + off; LR = CIA + 4 with LK; then leave or chain */
static void gen_exit_to(Gen *g, const PPCOp *op, uint32_t off, bool lk)
{
    JitEmit *e = &g->e;
    if (lk) {
        x_load(e, X_EAX, ST(block_ea));
        x_alu_imm(e, ALU_ADD, X_EAX, 4u * op->idx + 4);
        x_store(e, ST(lr), X_EAX);
    }
    gen_chain(g, op, off);
}

/* s->pc = the absolute target op->imm (AA=1), LR = CIA + 4 with LK, then
 * on through the jump cache */
static void gen_link_and_go_abs(Gen *g, const PPCOp *op, bool lk)
{
    JitEmit *e = &g->e;
    x_mov_imm(e, X_ESI, op->imm);
    x_store(e, ST(pc), X_ESI);
    if (lk) {
        x_load(e, X_EAX, ST(block_ea));
        x_alu_imm(e, ALU_ADD, X_EAX, 4u * op->idx + 4);
        x_store(e, ST(lr), X_EAX);
    }
    gen_writeback(g, g->dirty);
    if (g->loop) /* not a loop's back edge (relative) */
        gen_loop_leave(g);
    gen_exit_dynamic(g, op, true);
}

/* Branches (the block's last op): b/bl, bc/bcl, bclr/bclrl, bcctr/bcctrl
 * with AA=0.  The taken test is PEM 4.2.4.2's, which every BO class of
 * cpu/branch.c specialises: CTR is decremented when BO[2] = 0, the CTR
 * condition holds when BO[2] = 1 or (CTR != 0) != BO[3], the CR condition
 * when BO[0] = 1 or CR[BI] == BO[1].  The next PC goes to s->pc and the
 * block ends with PPC_EXIT, as the handlers do. */
static bool gen_branch(Gen *g, const PPCOp *op)
{
    JitEmit *e = &g->e;
    uint32_t insn = op->insn, p = insn >> 26;
    uint32_t cia_off = 4u * op->idx;
    bool lk = insn & 1;
    if (op->idx + 1u != g->b->n)
        return false;
    /* every path out of the block starts here: PPCState's GPRs made
     * current (stores only: flags and eax, the compare's, are kept).  A
     * loop's back edge wants all its cached GPRs loaded instead, and
     * only its other ways out write the dirty ones back (gen_chain and
     * the gen_writeback calls below; g->dirty stays as it is here). */
    if (!g->loop) {
        gen_writeback(g, g->dirty);
        g->dirty = 0;
    } else {
        uint32_t miss = g->alloc & ~g->loaded;
        gen_reload(g, miss);
        g->loaded |= miss;
        g->back_dirty = g->dirty;
    }
    if (p == 18) {
        if (insn & 2) { /* AA=1: the target is absolute, its page unknown here */
            gen_link_and_go_abs(g, op, lk);
            return true;
        }
        gen_exit_to(g, op, cia_off + op->imm, lk);
        return true;
    }
    uint32_t bo = rd_of(insn), bi = ra_of(insn);
    int target; /* 0: CIA + BD, 1: LR, 2: CTR, 3: BD (AA=1) */
    if (p == 16) {
        target = (insn & 2) ? 3 : 0;
    } else if (p == 19 && xo_of(insn) == 16 && !rb_of(insn)) {
        target = 1;
    } else if (p == 19 && xo_of(insn) == 528 && !rb_of(insn) && (bo & 4)) {
        target = 2; /* bcctr that decrements CTR is illegal: handler */
    } else {
        return false;
    }
    /* the target is read before CTR is decremented and LR written */
    if (target == 1 || target == 2) {
        x_load(e, X_ESI, target == 1 ? ST(lr) : ST(ctr));
        x_alu_imm(e, ALU_AND, X_ESI, ~3u);
    }
    size_t not_taken[2];
    unsigned nt = 0;
    if (!(bo & 4)) {
        x_dec_mem(e, ST(ctr)); /* ZF: CTR now 0 */
        not_taken[nt++] = x_jcc_fwd(e, (bo & 2) ? CC_NE : CC_E);
    }
    const struct GenCmp *c = &g->cmp_in;
    if (!(bo & 16) && c->valid && c->crf == bi >> 2 && (bi & 3) != 3) {
        /* the previous op compared eax into this CR field (the field is
         * stored, but its LT/GT/EQ bit is the host condition of the same
         * cmp, made again since the CR merge and the CTR update changed
         * the flags); SO is only in the stored field */
        if (c->live && (bo & 4) && target != 1 && target != 2)
            ; /* the compare's flags, untouched since (gen_crf_defer_cmp,
               * crf_lazy_ok; the LR/CTR target's 'and' changes them) */
        else if (c->rb >= 0 && (g->loaded & (1u << c->rb)))
            x_alu(e, ALU_CMP, X_EAX, (unsigned)g->hreg_of[c->rb]);
        else if (c->rb >= 0) /* written back above */
            x_alu_load(e, ALU_CMP, X_EAX, GPR((unsigned)c->rb));
        else
            x_alu_imm(e, ALU_CMP, X_EAX, c->imm);
        unsigned cc = (bi & 3) == 2 ? CC_E : (bi & 3) == 0 ? (c->sign ? CC_L : CC_B)
                                                           : (c->sign ? CC_G : CC_A);
        /* not taken when CR[BI] != BO[1] */
        not_taken[nt++] = x_jcc_fwd(e, (bo & 8) ? cc ^ 1u : cc);
        if (c->lazy) /* taken: CR[BI] = BO[1] */
            gen_crf_lazy_path(g, c, bi & 3, bo & 8);
    } else if (!(bo & 16)) {
        x_test_mem_imm(e, ST(cr), 1u << (31 - bi));
        not_taken[nt++] = x_jcc_fwd(e, (bo & 8) ? CC_E : CC_NE);
    }
    if (target == 3) {
        gen_link_and_go_abs(g, op, lk);
    } else if (target) {
        x_store(e, ST(pc), X_ESI);
        if (lk) {
            x_load(e, X_EAX, ST(block_ea));
            x_alu_imm(e, ALU_ADD, X_EAX, cia_off + 4);
            x_store(e, ST(lr), X_EAX);
        }
        gen_writeback(g, g->dirty);
        if (g->loop)
            gen_loop_leave(g);
        gen_exit_dynamic(g, op, true); /* esi: the target */
    } else {
        gen_exit_to(g, op, cia_off + op->imm, lk);
    }
    if (nt) {
        for (unsigned k = 0; k < nt; k++)
            x_patch_here(e, not_taken[k]);
        if (c->valid && c->lazy) /* the only way here (crf_lazy_ok: no CTR test) */
            gen_crf_lazy_path(g, c, bi & 3, !(bo & 8));
        gen_exit_to(g, op, cia_off + 4, lk);
    }
    return true;
}

static void log_out_asm(PPCState *s, const PPCBlock *b, const uint8_t *code, const void *at,
                        size_t len)
{
    PPCJit *j = s->jit;
    if (!s->log_fn)
        return;
    if (!j->cs) {
        csh h;
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
            return;
        j->cs = h;
    }
    cs_insn *insn;
    size_t count = cs_disasm(j->cs, code, len, (uint64_t)(uintptr_t)at, 0, &insn);
    s->log_fn(s->log_opaque, "OUT: [pa 0x%08x, %u ops, size=%zu]\n", b->pa, (unsigned)b->n, len);
    for (size_t i = 0; i < count; i++)
        s->log_fn(s->log_opaque, "0x%016" PRIx64 ":  %s %s\n", insn[i].address, insn[i].mnemonic,
                  insn[i].op_str);
    if (count)
        cs_free(insn, count);
}

/* Generate host code for b into the buffer; NULL when it does not fit
 * (the caller flushes and tries once more). */
static void *compile(PPCState *s, PPCBlock *b)
{
    PPCJit *j = s->jit;
    Gen *g = &(Gen){ .s = s, .b = b };
    JitEmit *e = &g->e;
    size_t n_sites = j->n_sites;
    e->buf = j->rw + j->used;
    e->cap = j->size - j->used;
    /* a block whose last op is a relative branch back to its start (a
     * loop chained to itself) loads its cached GPRs at its start, once,
     * and its back edge jumps past the loads with them live (gen_branch) */
    const PPCOp *last = &b->ops[b->n - 1];
    uint32_t lp = last->insn >> 26;
    bool loop = (lp == 18 || lp == 16) && !(last->insn & 2) &&
                4u * last->idx + last->imm == 0;
    cache_alloc(g, loop);
    g->loop = loop && g->alloc;
    g->crf_defer = crf_defer_ok(g);
    grp_plan(g);
    /* A loop is generated twice when its first pass left GPRs dirty at
     * the back edge: the second keeps them dirty across it (head_dirty)
     * instead of writing them back on every iteration.  Either pass alone
     * is correct. */
    for (unsigned pass = 0;; pass++) {
    e->pos = 0;
    e->overflow = 0;
    j->n_sites = n_sites;
    g->n_exits = g->n_cold = 0;
    gen_prologue(e);
    bool ended = false;
    g->eax_gpr = -1;
    g->cmp_out.valid = false;
    g->loop_head = PROLOGUE_LEN;
    g->loaded = g->dirty = 0;
    if (g->loop) {
        gen_loop_enter(g);
        gen_loop_budget(g, true);
        if (g->crf_defer)
            x_store8_rsp_imm(e, CRF_PEND, 0); /* s->cr exact */
        gen_reload(g, g->alloc);
        g->loaded = g->alloc;
        g->dirty = g->head_dirty;
        g->loop_head = e->pos;
    }
    g->cnt_exact = false;
    g->back_dirty = 0;
    for (unsigned i = 0; i < b->n && !e->overflow; i++) {
        grp_enter(g, i);
        const PPCOp *op = &b->ops[i];
        g->cur = i;
        g->eax_in = g->eax_gpr;
        g->eax_gpr = -1;
        g->cmp_in = g->cmp_out;
        g->cmp_out.valid = false;
        /* templates implement the encodings the decoder accepted only */
        if (op->kind == 0xFFFF) {
            gen_call(g, op);
            continue;
        }
        if (gen_alu(g, op) || gen_alu2(g, op) || gen_ldst(g, op))
            continue;
        if (gen_branch(g, op)) {
            ended = true;
            break;
        }
        gen_call(g, op);
    }
    grp_enter(g, b->n);
    if (!ended) {
        if (g->loop && !g->cnt_exact)
            gen_loop_count_store(g);
        gen_writeback(g, g->dirty);
        gen_ret(e, PPC_NEXT, b->n);
    }
    grp_emit_slow(g);
    g->cnt_exact = false; /* a miss may come from any pass */
    for (unsigned k = 0; k < g->n_cold; k++) {
        x_patch_here(e, g->cold[k].at);
        g->dirty = g->cold[k].dirty;
        gen_ca_cold(g, k);
        gen_call(g, g->cold[k].op);
        /* the handler may have refilled the TLB and clobbered r10/r11 */
        gen_slots_invalid(e);
        gen_reload(g, g->cold[k].loaded);
        if (g->cold[k].eax_gpr >= 0)
            x_load(e, X_EAX, GPR((unsigned)g->cold[k].eax_gpr));
        x_jmp_back(e, g->cold[k].back);
    }
    for (unsigned k = 0; k < g->n_exits; k++) {
        x_patch_here(e, g->exits[k].at);
        x_mov_imm(e, X_EDX, g->exits[k].idx); /* eax holds the result */
        gen_epilogue(e);
    }
    if (!g->loop || pass || !(g->back_dirty & ~g->head_dirty))
        break;
    g->head_dirty = g->back_dirty;
    }
    free(g->grp.snap);
    if (e->overflow) {
        j->n_sites = n_sites;
        return NULL;
    }
    void *code = j->rx + j->used;
    /* disassembled from the writable view, addresses of the executable */
    if (PPC_UNLIKELY(s->debug_flags & PPC_DBG_OUT_ASM))
        log_out_asm(s, b, j->rw + j->used, code, e->pos);
    if (j->perfmap)
        fprintf(j->perfmap, "%" PRIxPTR " %zx ppc-pa-%08x-n%u-g%u\n", (uintptr_t)code, e->pos, b->pa,
                (unsigned)b->n, (unsigned)j->gen);
    j->used = (j->used + e->pos + 15) & ~(size_t)15;
    j->blocks++;
    return code;
}

typedef struct {
    uint64_t r, idx;
} JitRet;
typedef JitRet (*JitFn)(PPCState *s, uint64_t left);

void *ppc_jit_prepare(PPCState *s, PPCBlock *b)
{
    PPCJit *j = s->jit;
    if (PPC_LIKELY(b->jit_code && b->jit_gen == j->gen))
        return b->jit_code;
    void *code = j->size - j->used >= BLOCK_CODE_MAX ? compile(s, b) : NULL;
    if (!code) {
        buf_flush(j);
        code = compile(s, b);
    }
    b->jit_code = code; /* NULL: a buffer smaller than one block */
    b->jit_gen = j->gen;
    return code;
}

int ppc_jit_run(PPCState *s, void *code, uint64_t end, unsigned n, unsigned *done)
{
    /* r12 of gen_prologue: the budget left past the block's n ops, 0
     * when they end it or pass it (the block runs, nothing chains); at
     * most 2^62, clear of the flag (bit 63) */
    uint64_t past = s->icount + n;
    uint64_t left = end > past ? end - past : 0;
    if (left > (1ull << 62))
        left = 1ull << 62;
    JitRet ret = ((JitFn)code)(s, left);
    *done = (unsigned)ret.idx;
    return (int)ret.r;
}

static uint32_t link_bucket(uint32_t pa)
{
    return (pa >> PPC_PAGE_BITS) & (PPC_JIT_LINK_BUCKETS - 1);
}

/* Patch the chain site that asked for b (gen_chain) */
static void link_site(PPCJit *j, PPCBlock *b, const uint8_t *code)
{
    uint32_t id = j->link_req - 1;
    j->link_req = 0;
    if (id >= j->n_sites)
        return;
    PPCJitSite *st = &j->sites[id];
    if (st->gen != j->gen || st->target_pa != b->pa || !b->n || st->linked)
        return;
    uint32_t n = b->n;
    uint32_t rel = (uint32_t)((code + PROLOGUE_LEN) - (j->rx + st->at_jmp + 4));
    memcpy(j->rw + st->at_n, &n, 4);
    memcpy(j->rw + st->at_n2, &n, 4);
    memcpy(j->rw + st->at_jmp, &rel, 4);
    st->linked = 1;
    uint32_t *head = &j->link_head[link_bucket(b->pa)];
    st->link_next = *head;
    *head = id + 1;
}

void ppc_jit_unlink_page(PPCState *s, uint32_t pa)
{
    PPCJit *j = s->jit;
    if (!j)
        return;
    uint32_t page = pa & PPC_PAGE_MASK;
    uint32_t *link = &j->link_head[link_bucket(pa)];
    while (*link) {
        PPCJitSite *st = &j->sites[*link - 1];
        if ((st->target_pa & PPC_PAGE_MASK) != page) {
            link = &st->link_next;
            continue;
        }
        /* back to the exit stub, which asks to be linked again */
        uint32_t rel = (uint32_t)(st->at_unl - (st->at_jmp + 4));
        memcpy(j->rw + st->at_jmp, &rel, 4);
        st->linked = 0;
        *link = st->link_next;
    }
}

void ppc_jit_set_hot(PPCState *s, unsigned runs)
{
    if (s->jit)
        s->jit->hot = runs > UINT16_MAX ? UINT16_MAX : runs;
}

int ppc_jit_exec(PPCState *s, PPCBlock *b, uint64_t end, unsigned *done)
{
    PPCJit *j = s->jit;
    /* not compiled yet and still cold: the run loop's interpreter (the
     * block runs whole, as when the buffer cannot hold it) */
    if (PPC_UNLIKELY(b->runs < j->hot) && !(b->jit_code && b->jit_gen == j->gen)) {
        b->runs++;
        return ppc_interp_ops(s, b->ops, b->n, done);
    }
    void *code = ppc_jit_prepare(s, b);
    if (PPC_UNLIKELY(!code))
        return ppc_interp_ops(s, b->ops, b->n, done);
    if (j->link_req)
        link_site(j, b, code);
    return ppc_jit_run(s, code, end, b->n, done);
}
