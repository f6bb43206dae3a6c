/*
 * Random instruction words as a bare-metal guest (issue 15, item 8; run by
 * tests/steps/fuzz_guest.sh, `make fuzz-guest`).  The emulator must never
 * crash or hang, whatever the guest runs; this program must always end
 * through the test device with "FUZZ-OK".
 *
 * Blocks of random words run in user mode (MSR[PR] = 1, so the guest
 * cannot change the MSR, BATs or page table; privileged words take a
 * program exception), in turn in real mode, under BATs and under a hashed
 * page table.  Every exception is handled by skipping the instruction
 * (ISI, machine check, a decrementer watchdog and the block's closing `sc`
 * end the block instead).  Under translation the harness (everything below
 * 8 MiB) is not mapped for user mode, so any word may run; in real mode,
 * where nothing protects the harness, store words are rewritten to loads
 * and branch words to no-ops (a branch into a template could run its store
 * with another base), and stores
 * only come from templates aimed at the sandbox, page 0's unused first 32
 * bytes, the ROM and device registers.  Templated loads and stores of
 * every size and form hit misaligned and page-crossing addresses in RAM,
 * ROM, MMIO (every device; never the test device's exit word or the reset
 * registers; devices are read-only for user mode under translation),
 * page 0, the RAM end and the top of the address space.
 *
 * Command line (-append): "seed=S words=N"; defaults seed=1 words=30000.
 * The stream of words depends only on the seed; with -icount the whole
 * run is deterministic.
 */
#include <stdbool.h>

#pragma GCC diagnostic ignored "-Warray-bounds" /* fixed physical addresses */

#include "mmu.h"

uint32_t htab[HTAB_SIZE / 4] __attribute__((aligned(HTAB_SIZE)));

#define BLOCK 192             /* random words per block */
#define CODE_EA 0x00800000u   /* user code buffer (EA = PA in every mode) */
#define DATA_EA 0x00900000u   /* user data sandbox: 64 KiB */
#define PAGE0_PA 0x00A00000u  /* what EA page 0..128K maps to when translated */
#define SOC 0x80000000u
#define ROM 0xFFF00000u
#define WATCHDOG 20000u       /* DEC ticks a block may run */

enum { MODE_REAL, MODE_BAT, MODE_PTE, NMODES };
static const char *const mode_names[] = { "real", "bat", "pte" };

/* ---- PRNG: xorshift64* ---- */
static uint64_t rng;
static uint32_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 32);
}
static uint32_t rndn(uint32_t n) { return rnd() % n; }

/* ---- block entry and exit (supervisor state saved around the user run) ---- */
uint32_t fz_save[32];
extern void fz_enter(const uint32_t *regs, uint32_t pc, uint32_t msr);
extern char fz_exit[];
__asm__(".text\n"
        ".globl fz_enter, fz_exit\n"
        "fz_enter:\n"
        "  lis r12, fz_save@ha\n"
        "  addi r12, r12, fz_save@l\n"
        "  mflr r0\n"
        "  stw r0, 0(r12)\n"
        "  stw r1, 4(r12)\n"
        "  stw r2, 8(r12)\n"
        "  mfcr r0\n"
        "  stw r0, 12(r12)\n"
        "  stmw r13, 16(r12)\n"      /* r13..r31: 16..91 */
        "  mtsrr0 r4\n"
        "  mtsrr1 r5\n"
        "  lwz r0, 0(r3)\n"
        "  lwz r1, 4(r3)\n"
        "  lwz r2, 8(r3)\n"
        "  lmw r4, 16(r3)\n"
        "  lwz r3, 12(r3)\n"
        "  rfi\n"
        "fz_exit:\n"
        "  lis r12, fz_save@ha\n"
        "  addi r12, r12, fz_save@l\n"
        "  lwz r0, 0(r12)\n"
        "  mtlr r0\n"
        "  lwz r1, 4(r12)\n"
        "  lwz r2, 8(r12)\n"
        "  lwz r0, 12(r12)\n"
        "  mtcr r0\n"
        "  lmw r13, 16(r12)\n"
        "  blr\n");

static uint32_t sup_msr;
static volatile uint32_t n_exc, n_escape, n_ext, n_watchdog, in_block;
static uint32_t sentinel_ea;

static void escape(ExcFrame *f)
{
    n_escape++;
    in_block = 0;
    f->srr0 = (uint32_t)fz_exit;
    f->srr1 = sup_msr;
}

static void on_skip(ExcFrame *f)
{
    n_exc++;
    if (!(f->srr1 & MSR_PR)) {
        rt_uart_init();
        rt_printf("FUZZ-FAIL: exception 0x%x in the harness at %08x\n", f->vector, f->srr0);
        test_exit(3);
    }
    f->srr0 += 4;
}

/* SRR0 already points at the next instruction */
static void on_resume(ExcFrame *f)
{
    n_exc++;
    (void)f;
}

/* The block is fenced by `sc` words, MARGIN before it and after its end */
#define MARGIN 64
static void on_sc(ExcFrame *f)
{
    n_exc++;
    uint32_t at = f->srr0 - 4;
    if ((f->srr1 & MSR_PR) && ((at >= CODE_EA && at < CODE_EA + 4 * MARGIN) ||
                               (at >= sentinel_ea && at < sentinel_ea + 4 * MARGIN)))
        escape(f);
}

static void on_lost(ExcFrame *f) /* ISI, machine check, reset: control lost */
{
    n_exc++;
    if (!(f->srr1 & MSR_PR)) {
        rt_uart_init();
        rt_printf("FUZZ-FAIL: exception 0x%x in the harness at %08x\n", f->vector, f->srr0);
        test_exit(3);
    }
    escape(f);
}

static void on_dec(ExcFrame *f)
{
    dec_write(0x7FFFFFFFu);
    if (in_block && (f->srr1 & MSR_PR)) {
        n_watchdog++;
        escape(f);
    }
}

/* A guest store may have enabled an interrupt source: mask them all */
static void on_ext(ExcFrame *f)
{
    n_ext++;
    uart_reg_write(UART_IER, 0);
    ipic_write(IPIC_SIMSR_H, 0);
    ipic_write(IPIC_SIMSR_L, 0);
    ipic_write(IPIC_SEMSR, 0);
    mmio_write32(IPIC_BASE + 0x3C, 0); /* SERMR */
    mmio_write32(IPIC_BASE + 0x58, 0); /* SIFCR_H */
    mmio_write32(IPIC_BASE + 0x5C, 0); /* SIFCR_L */
    mmio_write32(IPIC_BASE + 0x60, 0); /* SEFCR */
    if (n_ext > 1000 && in_block)
        escape(f);
}

/* ---- interesting effective addresses ---- */
typedef struct Target {
    uint32_t ea, span; /* EA range [ea, ea + span) */
    bool store_ok_real; /* stores allowed in real mode */
} Target;

static const Target targets[] = {
    { 0x00000000u, 0x20, true },         /* page 0: lwz r4,5(0) and friends */
    { 0x00000020u, 0x1000 - 0x20, false }, /* page 0 (vectors in real mode) */
    { 0x00000FF8u, 0x10, false },        /* page 0 -> 1 */
    { 0x0001FFF8u, 0x10, false },        /* end of the page-0 BAT */
    { DATA_EA, 0x40, true },
    { DATA_EA + 0x0FF8u, 0x10, true },   /* page crossings in the sandbox */
    { DATA_EA + 0x2FF8u, 0x10, true },   /* RW -> RO page under the PTEs */
    { DATA_EA + 0x3FF8u, 0x10, true },   /* RO -> no access */
    { DATA_EA + 0xFFF8u, 0x10, true },   /* sandbox end */
    { CODE_EA, 4 * BLOCK, false },       /* the running code (stores: translated only) */
    { ROM, 0x20, true },                 /* ROM: stores dropped */
    { 0xFFFFFFF0u, 0x10, true },         /* top of the address space, wraps to 0 */
    { 0x07FFFFF8u, 0x10, false },        /* RAM end (128 MiB) -> unmapped */
    { SOC + 0x0100u, 0x20, true },       /* SPCR and unmapped around it */
    { SOC + 0x03F6u, 0x0C, true },       /* UART0 */
    { SOC + 0x0700u, 0x100, true },      /* IPIC */
    { SOC + 0x0DFCu, 0x4C, true },       /* boot-info block */
    { SOC + 0x0F04u, 0x0C, true },       /* test device icount words */
};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* a store never touches the test device's exit word or the reset block */
static bool store_forbidden(uint32_t ea, uint32_t len)
{
    uint64_t a = ea, e = (uint64_t)ea + len;
    return (a < SOC + 0xF04u && e > SOC + 0xF00u) || (a < SOC + 0x920u && e > SOC + 0x918u);
}

static uint32_t pick_ea(bool store, uint32_t len, int mode)
{
    for (;;) {
        const Target *t = &targets[rndn(NTARGETS)];
        uint32_t ea = t->ea + rndn(t->span);
        uint32_t lo = len == 32 ? ea & ~31u : ea; /* dcbz: its whole line */
        if (store && (store_forbidden(lo, len) || (mode == MODE_REAL && !t->store_ok_real)))
            continue;
        if (store && mode == MODE_REAL && t->ea == 0 && lo + len > 0x100)
            continue; /* below the first vector */
        return ea;
    }
}

/* ---- load/store templates: (opcode word with rD/rS free, bytes) ---- */
#define D(op) ((uint32_t)(op) << 26)
#define X(xo) ((31u << 26) | ((uint32_t)(xo) << 1))
typedef struct Form {
    uint32_t w;
    uint8_t len, store, xform; /* len: bytes it may touch (lswx/stswx: XER, <= 127) */
} Form;
static const Form forms[] = {
    { D(34), 1, 0, 0 }, { D(35), 1, 0, 0 }, { D(40), 2, 0, 0 }, { D(41), 2, 0, 0 },
    { D(42), 2, 0, 0 }, { D(43), 2, 0, 0 }, { D(32), 4, 0, 0 }, { D(33), 4, 0, 0 },
    { D(48), 4, 0, 0 }, { D(50), 8, 0, 0 }, { D(46), 12, 0, 0 }, /* lfs lfd lmw r29 */
    { X(790), 2, 0, 1 }, { X(534), 4, 0, 1 }, { X(20), 4, 0, 1 },  /* lhbrx lwbrx lwarx */
    { X(597), 7, 0, 1 }, { X(533), 128, 0, 1 },                    /* lswi (nb 7) lswx */
    { D(38), 1, 1, 0 }, { D(39), 1, 1, 0 }, { D(44), 2, 1, 0 }, { D(45), 2, 1, 0 },
    { D(36), 4, 1, 0 }, { D(37), 4, 1, 0 }, { D(52), 4, 1, 0 }, { D(54), 8, 1, 0 },
    { D(47), 12, 1, 0 },                                         /* stmw r29 */
    { X(918), 2, 1, 1 }, { X(662), 4, 1, 1 }, { X(150), 4, 1, 1 }, /* sthbrx stwbrx stwcx. */
    { X(725), 7, 1, 1 }, { X(661), 128, 1, 1 }, { X(983), 4, 1, 1 }, /* stswi stswx stfiwx */
    { X(1014), 32, 1, 1 }, { X(86), 1, 0, 1 }, { X(54), 1, 0, 1 },  /* dcbz dcbf dcbst */
    { X(982), 1, 0, 1 }, { X(278), 1, 0, 1 },                    /* icbi dcbt */
};
#define NFORMS (sizeof forms / sizeof forms[0])

/* ---- real-mode rewriting of words that could reach the harness ---- */
static bool is_store_x(uint32_t xo)
{
    static const uint16_t st[] = { 150, 151, 183, 215, 247, 407, 438, 439, 661, 662, 663, 695,
                                   725, 727, 758, 759, 918, 983, 1014 };
    for (unsigned i = 0; i < sizeof st / sizeof st[0]; i++)
        if (st[i] == xo)
            return true;
    return false;
}

static uint32_t tame_real(uint32_t w)
{
    uint32_t op = w >> 26;
    switch (op) {
    case 36: case 37: case 38: case 39: case 44: case 45: case 47:
    case 52: case 53: case 54: case 55:
        return (w & 0x03FFFFFFu) | (op == 47 ? 46u : op - 4) << 26; /* the load of the pair */
    case 31:
        if (is_store_x((w >> 1) & 0x3FF))
            return (w & ~(0x3FFu << 1)) | (444u << 1); /* or */
        return w;
    case 16: case 18: /* a branch could land inside a template, between */
        return 0x60000000u; /* setting its base and the store: nop */
    case 19: {
        uint32_t xo = (w >> 1) & 0x3FF;
        return xo == 16 || xo == 528 ? 0x60000000u : w; /* bclr, bcctr: nop */
    }
    default:
        return w;
    }
}

/* A random word, biased towards real instructions */
static uint32_t random_word(void)
{
    static const uint8_t ops[] = { 14, 15, 24, 25, 28, 29, 20, 21, 23, 31, 31, 31, 31, 63, 59,
                                   16, 18, 19, 32, 34, 36, 38, 40, 44, 46, 47, 48, 50, 52, 54,
                                   10, 11, 7, 8, 12, 13, 17, 3, 26, 27 };
    uint32_t w = rnd();
    switch (rndn(4)) {
    case 0:
        return w; /* anything */
    case 1:
        return (w & 0x03FFFFFFu) | (uint32_t)ops[rndn(sizeof ops)] << 26;
    case 2: /* opcode 31 with a real-looking XO */
        return (w & 0x03FFF801u) | (31u << 26) | (rndn(1024) << 1);
    default: /* opcode 19 / 63 / 59 families */
        return (w & 0x03FFFFFFu) | (rndn(2) ? 19u : 63u) << 26;
    }
}

/* Emit a templated access: lis/ori the base, then the access */
static unsigned emit_template(uint32_t *p, unsigned room, int mode)
{
    const Form *f = &forms[rndn(NFORMS)];
    uint32_t ea = pick_ea(f->store, f->len, mode);
    if (room < 5)
        return 0;
    unsigned rs = f->len == 12 ? 29 : 3 + rndn(8); /* lmw/stmw: r29..r31 */
    unsigned rb = 12 + rndn(4);
    unsigned n = 0;
    uint32_t op = f->w >> 26;
    /* not for lmw/stmw, nor the update forms, whose EA is (r0) + d */
    bool plain = op != 46 && op != 47 && !(op & 1);
    if (!f->xform && rndn(8) == 0 && ea < 0x8000u && plain) {
        /* rA = 0 form: EA = the displacement (lwz r4,5(0)) */
        p[n++] = f->w | rs << 21 | ea;
        return n;
    }
    p[n++] = (15u << 26) | rb << 21 | (ea >> 16);               /* lis rb, hi */
    p[n++] = (24u << 26) | rb << 21 | rb << 16 | (ea & 0xFFFF);  /* ori rb, rb, lo */
    if (f->xform) {
        uint32_t w = f->w | rs << 21;
        if (f->w == X(597) || f->w == X(725))
            p[n++] = w | 0u << 16 | rb << 16 | 7u << 11; /* lswi/stswi rs, rb, 7 */
        else
            p[n++] = w | 0u << 16 | rb << 11;             /* rA = 0, rB = base */
    } else {
        p[n++] = f->w | rs << 21 | rb << 16;              /* d = 0 */
    }
    /* li rb, 0: random words after it must not find a device pointer (a
     * random store could reach the test device's exit word) */
    p[n++] = (14u << 26) | rb << 21;
    return n;
}

/* The page table is built once (below); BAT mode adds BATs over it, page
 * table mode clears them, real mode turns translation off */
static void setup_mode(int mode)
{
    bats_clear();
    if (mode == MODE_BAT) {
        SET_IBAT(0, batu(CODE_EA, BAT_BL_128K, BAT_VS | BAT_VP), batl(CODE_EA, 0, PP_RW));
        SET_DBAT(0, batu(CODE_EA, 0x01F /* 4 MiB */, BAT_VS | BAT_VP), batl(CODE_EA, 0, PP_RW));
        SET_DBAT(1, batu(0, BAT_BL_128K, BAT_VS | BAT_VP), batl(PAGE0_PA, 0, PP_RO));
        /* devices read-only under translation: a loaded pointer (the boot-info
         * block holds the test device's address) must not let a random
         * store end the run; device stores are exercised in real mode */
        SET_DBAT(2, batu(SOC, BAT_BL_128K, BAT_VS | BAT_VP), batl(SOC, WIMG_I | WIMG_G, PP_RO));
        SET_DBAT(3, batu(ROM, 0x007 /* 1 MiB */, BAT_VS | BAT_VP), batl(ROM, 0, PP_RO));
    }
    __asm__ volatile("isync" ::: "memory");
}

static void setup_htab(void)
{
    htab_init();
    for (unsigned i = 0; i < 16; i++)
        __asm__ volatile("mtsrin %0, %1" : : "r"(SR_KP | (0x100u + i)), "r"(i << 28));
    {
        /* user key 1 (SR[Kp]): PP 00 none, 01/11 read-only, 10 read/write */
        for (uint32_t i = 0; i < 4; i++)
            pte_map(0x100, CODE_EA + i * 0x1000, CODE_EA + i * 0x1000, 0, PP_RW, 0, 0);
        for (uint32_t i = 0; i < 16; i++) {
            uint32_t pp = i == 3 ? PP_RO : i == 4 ? PP_NONE : PP_RW;
            pte_map(0x100, DATA_EA + i * 0x1000, DATA_EA + i * 0x1000, 0, pp, 0, 1);
        }
        pte_map(0x100, 0, PAGE0_PA, 0, PP_RO3, 0, 2);
        pte_map(0x100, 0x1000, PAGE0_PA + 0x1000, 0, PP_RW, 0, 2);
        pte_map(0x108, SOC, SOC, WIMG_I | WIMG_G, PP_RO, 0, 0); /* as the BAT */
        pte_map(0x10F, ROM, ROM, 0, PP_RO, 0, 0);
        pte_map(0x10F, 0xFFFFF000u, 0xFFFFF000u, 0, PP_RO, 0, 0);
    }
    __asm__ volatile("isync" ::: "memory");
}

/* The runtime's vectors (0x100..0x1800) must never change */
static uint32_t vec_sum0, vec_copy[(0x1800 - 0x100) / 4];
static uint32_t vec_sum(void)
{
    uint32_t h = 0;
    for (const volatile uint32_t *p = (const uint32_t *)0x100; p < (const uint32_t *)0x1800; p++)
        h = (h ^ *p) * 0x01000193u;
    return h;
}

static uint32_t parse_arg(const char *cmd, const char *key, uint32_t dflt)
{
    for (const char *p = cmd; p && *p; p++) {
        const char *k = key, *q = p;
        while (*k && *q == *k)
            k++, q++;
        if (!*k && *q == '=' && (p == cmd || p[-1] == ' ')) {
            uint32_t v = 0;
            for (q++; *q >= '0' && *q <= '9'; q++)
                v = v * 10 + (uint32_t)(*q - '0');
            return v;
        }
    }
    return dflt;
}

int main(void)
{
    const char *cmd = (const char *)mmio_read32(SOC + 0xE00 + 0x40); /* BI_CMDLINE_ADDR */
    uint32_t seed = parse_arg(cmd, "seed", 1), words = parse_arg(cmd, "words", 30000);
    rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed << 17) ^ seed;
    if (!rng)
        rng = 1;
    rt_printf("FUZZ seed=%u words=%u\n", seed, words);

    static const uint32_t vecs[] = { 0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700, 0x800,
                                     0x900, 0xC00, 0xD00, 0xF00, 0x1300, 0x1400, 0x1700 };
    for (unsigned i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        exc_set_handler(vecs[i], on_skip);
    exc_set_handler(0x100, on_lost);
    exc_set_handler(0x200, on_lost);
    exc_set_handler(0x400, on_lost);
    exc_set_handler(0x500, on_ext);
    exc_set_handler(0x900, on_dec);
    exc_set_handler(0xC00, on_sc);
    exc_set_handler(0xD00, on_resume);
    exc_set_handler(0xF00, on_resume);
    exc_set_handler(0x1400, on_resume);
    exc_set_handler(0x1700, on_resume);
    mtspr(1008, mfspr(1008) | 0x4000u); /* HID0[DCE]: dcbz works */
    setup_htab();

    sup_msr = mfmsr() & ~MSR_EE;
    vec_sum0 = vec_sum();
    rt_memcpy(vec_copy, (void *)0x100, sizeof vec_copy);
    uint32_t *code = (uint32_t *)CODE_EA + MARGIN;
    for (unsigned i = 0; i < MARGIN; i++)
        ((uint32_t *)CODE_EA)[i] = 0x44000002u;
    uint32_t done = 0, blocks = 0, per_mode[NMODES] = { 0 };
    while (done < words) {
        int mode = (int)(blocks % NMODES);
        unsigned n = 0;
        while (n < BLOCK) {
            if (rndn(3) == 0) {
                unsigned k = emit_template(code + n, BLOCK - n, mode);
                if (k) {
                    n += k;
                    continue;
                }
            }
            uint32_t w = random_word();
            code[n++] = mode == MODE_REAL ? tame_real(w) : w;
        }
        for (unsigned i = 0; i < MARGIN; i++)
            code[n + i] = 0x44000002u; /* sc: the block's end */
        sentinel_ea = (uint32_t)(code + n);
        rt_sync_icache((void *)CODE_EA, 4 * (2 * MARGIN + n));

        uint32_t regs[32];
        for (unsigned r = 0; r < 32; r++) {
            const Target *t = &targets[rndn(NTARGETS)];
            /* device pointers only where random stores are tamed */
            while (mode != MODE_REAL && t->ea >= SOC && t->ea < ROM)
                t = &targets[rndn(NTARGETS)];
            regs[r] = rndn(2) ? rnd() : t->ea + rndn(t->span);
        }
        regs[0] = rndn(64);
        setup_mode(mode);
        uint32_t msr = MSR_PR | MSR_EE | MSR_FP | MSR_ME |
                       (mode == MODE_REAL ? 0 : MSR_IR | MSR_DR);
        n_ext = 0;
        in_block = 1;
        dec_write(WATCHDOG);
        fz_enter(regs, (uint32_t)code, msr);
        dec_write(0x7FFFFFFFu);
        in_block = 0;
        if (vec_sum() != vec_sum0) {
            rt_uart_init();
            rt_printf("FUZZ-FAIL: the vectors changed in block %u (%s)\n", blocks, mode_names[mode]);
            for (uint32_t a = 0x100; a < 0x1800; a += 4)
                if (*(volatile uint32_t *)a != vec_copy[(a - 0x100) / 4])
                    rt_printf("  %x: %08x was %08x\n", a, *(volatile uint32_t *)a, vec_copy[(a - 0x100) / 4]);
            for (unsigned i = 0; i < n; i++)
                rt_printf("%08x%c", code[i], i % 8 == 7 ? '\n' : ' ');
            test_exit(4);
        }
        done += n;
        per_mode[mode] += n;
        blocks++;
        if (blocks % 2000 == 0 && (rt_uart_init(), 1)) /* guest stores may have reprogrammed it */
            rt_printf("FUZZ progress words=%u\n", done);
    }
    bats_clear();
    rt_uart_init();
    rt_printf("FUZZ-OK seed=%u words=%u blocks=%u real=%u bat=%u pte=%u exceptions=%u "
              "watchdog=%u\n",
              seed, done, blocks, per_mode[0], per_mode[1], per_mode[2], n_exc, n_watchdog);
    (void)mode_names;
    return 0;
}
