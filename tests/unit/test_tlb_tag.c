/* The soft TLB's invalid tag can never be hit (issue 15, item 1).
 *
 * The fast paths in cpu/ppc.h compare `ea & (PPC_PAGE_MASK | (size - 1))`
 * with a tag, so a misaligned access in page 0 (EA & 0xFFFFF003 == 1 for a
 * word) used to match the invalid tag 0x00000001 and use the entry's stale
 * or zero host addend: a host SIGSEGV, or a store through a read-only
 * mapping.  This test runs every load/store size and form at every
 * misalignment in page 0 and around page ends, in real mode, under a RW and
 * a read-only DBAT, under a RW and a read-only hashed page table, and with
 * nothing mapped, each with the soft TLB empty (zero addends), flushed
 * after use (stale addends), warmed by a read and warmed by a write, and
 * checks the loaded value, the memory and any exception against a byte
 * model written from PEM 7 (BATs, PTEs, PP bits) and 750 UM 4.5.6 (the 750
 * does misaligned integer/FP accesses in hardware; lmw/stmw take an
 * alignment exception). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/test_sys_insn.h"

#define CODE 0x3000u
#define HTAB 0x00F00000u /* SDR1: HTABORG, HTABMASK 0 (64 KiB) */
#define BAT_PA 0x00100000u
#define PTE_PA 0x00200000u
#define VSID 0x77u

enum { M_REAL, M_BAT_RW, M_BAT_RO, M_PTE_RW, M_PTE_RO, M_NONE, M_COUNT };
static const char *const mode_names[] = { "real", "bat-rw", "bat-ro", "pte-rw", "pte-ro", "none" };
enum { T_ZERO, T_STALE, T_WARM_R, T_WARM_W, T_COUNT };
static const char *const tlb_names[] = { "empty", "stale", "warm-r", "warm-w" };

/* PTE-mapped EA pages (segment 0) */
static const uint32_t pte_pages[] = { 0, 1, 5 };

typedef enum { OK, NOTRANS, PROT } Access;

/* The mapping model: EA byte -> PA and what a read/write of it does */
static Access model(int mode, uint32_t ea, bool store, uint32_t *pa)
{
    switch (mode) {
    case M_REAL:
        *pa = ea;
        return OK;
    case M_BAT_RW:
    case M_BAT_RO:
        if (ea >= 0x20000u)
            return NOTRANS; /* beyond the 128K BAT, empty page table */
        *pa = BAT_PA + ea;
        return store && mode == M_BAT_RO ? PROT : OK;
    case M_PTE_RW:
    case M_PTE_RO:
        for (unsigned i = 0; i < sizeof pte_pages / sizeof pte_pages[0]; i++) {
            if (ea >> 12 == pte_pages[i]) {
                *pa = PTE_PA + i * 0x1000u + (ea & 0xFFFu);
                return store && mode == M_PTE_RO ? PROT : OK;
            }
        }
        return NOTRANS;
    default:
        return NOTRANS;
    }
}

static uint8_t pat(uint32_t pa) { return (uint8_t)(pa * 0x9Du + (pa >> 8) * 0x3Bu + 0x5Bu); }

typedef enum { K_LD, K_ST } Kind;
typedef struct Form {
    const char *name;
    uint32_t insn; /* rA = r3, data register r4 (r29 for multiple, r5 for string) */
    Kind kind;
    unsigned len;  /* bytes accessed */
    bool word_aligned_only; /* else alignment exception (750 UM 4.5.6, 6.4.7) */
} Form;

#define D(op, rd) (((uint32_t)(op) << 26) | ((uint32_t)(rd) << 21) | (3u << 16))
#define X(xo, rd, rb) (I_X31(xo, rd, 3u, rb))
static const Form forms[] = {
    { "lbz", D(34, 4), K_LD, 1, false },      { "lhz", D(40, 4), K_LD, 2, false },
    { "lha", D(42, 4), K_LD, 2, false },      { "lwz", D(32, 4), K_LD, 4, false },
    { "lhbrx", X(790u, 4u, 0u), K_LD, 2, false }, { "lwbrx", X(534u, 4u, 0u), K_LD, 4, false },
    { "lfd", D(50, 4), K_LD, 8, true },      { "lmw", D(46, 29), K_LD, 12, true },
    { "lswi", X(597u, 5u, 5u), K_LD, 5, false },
    { "stb", D(38, 4), K_ST, 1, false },      { "sth", D(44, 4), K_ST, 2, false },
    { "stw", D(36, 4), K_ST, 4, false },      { "sthbrx", X(918u, 4u, 0u), K_ST, 2, false },
    { "stwbrx", X(662u, 4u, 0u), K_ST, 4, false }, { "stfd", D(54, 4), K_ST, 8, true },
    { "stmw", D(47, 29), K_ST, 12, true },    { "stswi", X(725u, 5u, 5u), K_ST, 5, false },
};

#define SRC_GPR4 0xA1B2C3D4u
#define SRC_FPR4 0x1122334455667788ull

/* The bytes a store writes, in address order */
static void store_bytes(const Form *f, uint8_t *b)
{
    static const uint32_t multi[3] = { 0x0A0B0C0Du, 0x1A1B1C1Du, 0x2A2B2C2Du };
    if (!strcmp(f->name, "stfd")) {
        for (unsigned i = 0; i < 8; i++)
            b[i] = (uint8_t)(SRC_FPR4 >> (56 - 8 * i));
    } else if (!strcmp(f->name, "stmw")) {
        for (unsigned i = 0; i < 12; i++)
            b[i] = (uint8_t)(multi[i / 4] >> (24 - 8 * (i % 4)));
    } else if (!strcmp(f->name, "stswi")) {
        for (unsigned i = 0; i < 5; i++)
            b[i] = (uint8_t)(multi[i / 4] >> (24 - 8 * (i % 4)));
    } else if (!strcmp(f->name, "sthbrx")) {
        b[0] = (uint8_t)SRC_GPR4;
        b[1] = (uint8_t)(SRC_GPR4 >> 8);
    } else if (!strcmp(f->name, "stwbrx")) {
        for (unsigned i = 0; i < 4; i++)
            b[i] = (uint8_t)(SRC_GPR4 >> (8 * i));
    } else {
        for (unsigned i = 0; i < f->len; i++)
            b[i] = (uint8_t)(SRC_GPR4 >> (8 * (f->len - 1 - i)));
    }
}

/* Check the registers a load wrote against the bytes it read */
static void check_load(const Form *f, const PPCState *s, const uint8_t *b, const char *ctx)
{
    uint32_t be32 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    uint32_t be16 = (uint32_t)b[0] << 8 | b[1];
    if (!strcmp(f->name, "lbz")) {
        ck_assert_msg(s->gpr[4] == b[0], "%s: r4 0x%x", ctx, s->gpr[4]);
    } else if (!strcmp(f->name, "lhz")) {
        ck_assert_msg(s->gpr[4] == be16, "%s: r4 0x%x want 0x%x", ctx, s->gpr[4], be16);
    } else if (!strcmp(f->name, "lha")) {
        uint32_t want = be16 & 0x8000u ? be16 | 0xFFFF0000u : be16;
        ck_assert_msg(s->gpr[4] == want, "%s: r4 0x%x want 0x%x", ctx, s->gpr[4], want);
    } else if (!strcmp(f->name, "lwz")) {
        ck_assert_msg(s->gpr[4] == be32, "%s: r4 0x%x want 0x%x", ctx, s->gpr[4], be32);
    } else if (!strcmp(f->name, "lhbrx")) {
        uint32_t want = (uint32_t)b[1] << 8 | b[0];
        ck_assert_msg(s->gpr[4] == want, "%s: r4 0x%x want 0x%x", ctx, s->gpr[4], want);
    } else if (!strcmp(f->name, "lwbrx")) {
        uint32_t want = __builtin_bswap32(be32);
        ck_assert_msg(s->gpr[4] == want, "%s: r4 0x%x want 0x%x", ctx, s->gpr[4], want);
    } else if (!strcmp(f->name, "lfd")) {
        uint64_t want = 0;
        for (unsigned i = 0; i < 8; i++)
            want = want << 8 | b[i];
        ck_assert_msg(s->fpr[4] == want, "%s: f4 0x%llx", ctx, (unsigned long long)s->fpr[4]);
    } else if (!strcmp(f->name, "lmw")) {
        for (unsigned r = 0; r < 3; r++) {
            uint32_t want = (uint32_t)b[4 * r] << 24 | (uint32_t)b[4 * r + 1] << 16 |
                            (uint32_t)b[4 * r + 2] << 8 | b[4 * r + 3];
            ck_assert_msg(s->gpr[29 + r] == want, "%s: r%u 0x%x want 0x%x", ctx, 29 + r,
                          s->gpr[29 + r], want);
        }
    } else if (!strcmp(f->name, "lswi")) {
        ck_assert_msg(s->gpr[5] == be32 && s->gpr[6] == (uint32_t)b[4] << 24,
                      "%s: r5 0x%x r6 0x%x", ctx, s->gpr[5], s->gpr[6]);
    }
}

static void put_pte(CpuEnv *e, uint32_t page, uint32_t pa, unsigned pp)
{
    uint32_t hash = (VSID ^ page) & 0x3FFu;
    uint32_t pteg = HTAB + hash * 64u;
    cpuenv_write32(e, pteg, 0x80000000u | VSID << 7);  /* V, VSID, H = 0, API 0 */
    cpuenv_write32(e, pteg + 4, pa | 0x180u | pp);      /* R, C, WIMG 0, PP */
}

static CpuEnv *mode_env(int mode)
{
    CpuEnv *e = sys_env();
    PPCState *s = &e->cpu;
    s->hid0 |= HID0_DCE;
    s->sdr1 = HTAB;
    s->sr[0] = VSID;
    if (mode == M_BAT_RW || mode == M_BAT_RO) {
        s->dbat[0] = 0x00000002u; /* BEPI 0, BL 128K, Vs */
        s->dbat[1] = BAT_PA | (mode == M_BAT_RW ? 2u : 1u);
    }
    if (mode == M_PTE_RW || mode == M_PTE_RO) {
        for (unsigned i = 0; i < sizeof pte_pages / sizeof pte_pages[0]; i++)
            put_pte(e, pte_pages[i], PTE_PA + i * 0x1000u, mode == M_PTE_RW ? 2u : 3u);
    }
    return e;
}

/* EAs: every offset in the first 16 bytes of page 0, and 8 bytes either
 * side of three page ends (page 0 -> 1; 5 -> 6, unmapped under the page
 * table; 0x1F -> 0x20, beyond the BAT) */
static unsigned test_eas(uint32_t *ea)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < 16; i++)
        ea[n++] = i;
    static const uint32_t ends[] = { 0x1000u, 0x6000u, 0x20000u };
    for (unsigned j = 0; j < 3; j++)
        for (uint32_t i = 0; i < 16; i++)
            ea[n++] = ends[j] - 8 + i;
    return n;
}

static void fill_pattern(CpuEnv *e, uint32_t ea, unsigned len, int mode)
{
    for (uint32_t i = 0; i < len + 16; i++) {
        uint32_t pa, b = ea - 8 + i;
        if (b < 0xFFFF0000u && model(mode, b, false, &pa) == OK)
            bus_write(&e->bus, pa, pat(pa), 1);
    }
}

static void run_case(CpuEnv *e, int mode, int tlb, const Form *f, uint32_t ea)
{
    PPCState *s = &e->cpu;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "%s %s tlb=%s ea=0x%x", f->name, mode_names[mode], tlb_names[tlb], ea);
    bool store = f->kind == K_ST;
    uint32_t dmsr = mode == M_REAL ? MSR_FP : MSR_FP | MSR_DR;

    /* warm-up accesses to the pages of the first and last byte */
    uint32_t code[8];
    unsigned n = 0;
    uint32_t pages[2] = { ea & ~0xFFFu, (ea + f->len - 1) & ~0xFFFu };
    for (unsigned p = 0; p < 2 && tlb != T_ZERO; p++) {
        uint32_t pa;
        if (model(mode, pages[p], false, &pa) != OK)
            continue;
        code[n++] = (34u << 26) | (9u << 21) | ((10u + p) << 16); /* lbz r9,0(r10+p) */
        if ((tlb == T_WARM_W || tlb == T_STALE) && model(mode, pages[p], true, &pa) == OK)
            code[n++] = (38u << 26) | (9u << 21) | ((10u + p) << 16); /* stb r9,0(r10+p) */
    }
    unsigned nwarm = n;
    code[n++] = f->insn;
    code[n++] = I_BSELF;

    fill_pattern(e, ea, f->len, mode);
    for (unsigned r = 0; r < 32; r++)
        s->gpr[r] = 0x11110000u + r;
    s->gpr[0] = 0;
    s->gpr[3] = ea;
    s->gpr[4] = SRC_GPR4;
    s->gpr[10] = pages[0];
    s->gpr[11] = pages[1];
    s->gpr[29] = 0x0A0B0C0Du;
    s->gpr[30] = 0x1A1B1C1Du;
    s->gpr[31] = 0x2A2B2C2Du;
    s->gpr[5] = 0x0A0B0C0Du;
    s->gpr[6] = 0x1A1B1C1Du;
    s->fpr[4] = SRC_FPR4;
    s->dar = 0xDEADDEADu;
    s->dsisr = 0;

    cpuenv_put_code(e, CODE, code, n);
    if (tlb == T_STALE) {
        s->msr = dmsr;
        ppc_tlb_flush(s);
        s->pc = CODE;
        ck_assert_int_eq(ppc_run(s, nwarm), PPC_RUN_BUDGET);
        ck_assert_msg(s->pc == CODE + 4 * nwarm, "%s: warm-up faulted", ctx);
        ppc_tlb_flush(s); /* tags invalid, host addends left behind */
        s->pc = CODE + 4 * nwarm;
        ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    } else {
        s->msr = dmsr;
        ppc_tlb_flush(s);
        if (tlb == T_ZERO)
            for (unsigned i = 0; i < PPC_TLB_SIZE; i++)
                s->tlb[i].addend = 0; /* as after reset: never filled */
        s->pc = CODE;
        ck_assert_int_eq(ppc_run(s, nwarm + 1), PPC_RUN_BUDGET);
    }
    uint32_t at = CODE + 4 * nwarm;

    /* the model: the first byte that faults, in address order */
    Access first = OK;
    uint32_t fault_ea = 0;
    uint8_t old[16], want[16];
    for (unsigned i = 0; i < f->len; i++) {
        uint32_t pa;
        Access a = model(mode, ea + i, store, &pa);
        if (a != OK && first == OK) {
            first = a;
            fault_ea = ea + i;
        }
        old[i] = a == NOTRANS ? 0 : pat(pa);
    }
    if (f->word_aligned_only && (ea & 3)) {
        ck_assert_msg(s->pc == 0x600 && s->srr0 == at && s->dar == ea,
                      "%s: pc 0x%x dar 0x%x, want an alignment exception", ctx, s->pc, s->dar);
    } else if (first != OK) {
        uint32_t dsisr = (first == PROT ? DSISR_PROT : DSISR_NOTRANS) | (store ? DSISR_STORE : 0);
        ck_assert_msg(s->pc == 0x300 && s->srr0 == at, "%s: pc 0x%x srr0 0x%x, want a DSI", ctx,
                      s->pc, s->srr0);
        ck_assert_msg(s->dsisr == dsisr, "%s: dsisr 0x%x want 0x%x", ctx, s->dsisr, dsisr);
        /* DAR: in the faulting page, within the access (a store probes
         * both ends before writing) */
        ck_assert_msg(s->dar >= fault_ea && s->dar < ea + f->len &&
                      (s->dar & ~0xFFFu) == (fault_ea & ~0xFFFu),
                      "%s: dar 0x%x, first faulting byte 0x%x", ctx, s->dar, fault_ea);
        if (f->kind == K_LD)
            ck_assert_msg(s->gpr[4] == SRC_GPR4 && s->gpr[29] == 0x0A0B0C0Du &&
                          s->gpr[5] == 0x0A0B0C0Du && s->fpr[4] == SRC_FPR4,
                          "%s: a faulting load changed a register", ctx);
    } else {
        ck_assert_msg(s->pc == at + 4, "%s: pc 0x%x dsisr 0x%x dar 0x%x, want no exception", ctx,
                      s->pc, s->dsisr, s->dar);
        if (f->kind == K_LD)
            check_load(f, s, old, ctx);
    }

    /* memory: 8 bytes either side; a store that completed wrote exactly its
     * bytes, anything else (bar a partly done stmw/stswi) wrote nothing */
    if (store)
        store_bytes(f, want);
    bool partial_ok = first != OK && (!strcmp(f->name, "stmw") || !strcmp(f->name, "stswi"));
    for (uint32_t i = 0; i < f->len + 16 && !partial_ok; i++) {
        uint32_t b = ea - 8 + i, pa;
        if (b >= 0xFFFF0000u || model(mode, b, false, &pa) != OK)
            continue; /* below page 0: the ROM */
        uint8_t w = pat(pa);
        if (store && first == OK && b >= ea && b < ea + f->len &&
            !(f->word_aligned_only && (ea & 3)))
            w = want[b - ea];
        uint8_t got = (uint8_t)bus_read(&e->bus, pa, 1);
        ck_assert_msg(got == w, "%s: byte at EA 0x%x (PA 0x%x) 0x%02x want 0x%02x", ctx, b, pa, got, w);
    }
}

static void run_mode(int mode)
{
    CpuEnv *e = mode_env(mode);
    uint32_t eas[64];
    unsigned nea = test_eas(eas);
    for (int tlb = 0; tlb < T_COUNT; tlb++)
        for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++)
            for (unsigned i = 0; i < nea; i++)
                run_case(e, mode, tlb, &forms[f], eas[i]);
    cpuenv_free(e);
}

START_TEST(every_size_every_misalignment)
{
    run_mode(_i);
}
END_TEST

/* The property itself, for every access size the fast paths use: no
 * effective address masked as they mask it equals the invalid tag */
START_TEST(invalid_tag_unreachable)
{
    static const uint32_t sizes[] = { 1, 2, 4, 8 };
    for (unsigned k = 0; k < 4; k++) {
        uint32_t m = PPC_PAGE_MASK | (sizes[k] - 1);
        /* the masked EA keeps only bits in m: the tag must have one outside */
        ck_assert_msg((PPC_TLB_INVALID & ~m) != 0, "size %u can match the invalid tag", sizes[k]);
        for (uint32_t ea = 0; ea < 0x2000; ea++)
            ck_assert_uint_ne(ea & m, PPC_TLB_INVALID);
    }
}
END_TEST

/* The reported case: `lwz r4,5(0)` as the very first data access after a
 * CPU reset, in real mode */
START_TEST(lwz_5_after_reset)
{
    CpuEnv *e = cpuenv_new(1);
    PPCState *s = &e->cpu;
    ppc_reset(s);
    for (uint32_t a = 0; a < 16; a++)
        bus_write(&e->bus, a, 0x10 + a, 1);
    uint32_t code[] = { I_LWZ(4, 5, 0), I_BSELF };
    cpuenv_put_code(e, CODE, code, 2);
    s->msr = MSR_FP;
    ppc_tlb_flush(s);
    s->pc = CODE;
    ck_assert_int_eq(ppc_run(s, 1), PPC_RUN_BUDGET);
    ck_assert_uint_eq(s->pc, CODE + 4);
    ck_assert_uint_eq(s->gpr[4], 0x15161718u);
    cpuenv_free(e);
}
END_TEST

Suite *suite_tlb_tag(void)
{
    Suite *s = suite_create("tlb_tag");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, invalid_tag_unreachable);
    tcase_add_test(tc, lwz_5_after_reset);
    tcase_add_loop_test(tc, every_size_every_misalignment, 0, M_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
