/*
 * Bare-metal runtime for ppcemu's guest test programs.
 *
 * A program is entered by the boot ROM per board.md's boot protocol (MSR=0,
 * MMU off).  crt0 sets up the stack, clears .bss, installs the exception
 * trampolines at 0x100..0x1700, calls main() and exits through the test
 * device with main's return value (0 = pass).
 *
 * The runtime owns SPRG0..SPRG2 (scratch in the exception trampolines) and
 * everything below 0x3000 (the vectors).  Programs are linked at 0x10000.
 */
#ifndef TESTS_GUEST_RT_RT_H
#define TESTS_GUEST_RT_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the board (board.md) ---- */
#define SOC_BASE      0x80000000u
#define UART0_BASE    (SOC_BASE + 0x3F8)
#define IPIC_BASE     (SOC_BASE + 0x700)
#define TESTDEV_BASE  (SOC_BASE + 0xF00)
#define UART0_IPIC_SRC 9

/* 16550 registers (offsets from UART0_BASE) */
#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

/* IPIC registers (MPC8315E RM, "IPIC"; the offsets Linux's ipic.h uses) */
#define IPIC_SICFR   0x00
#define IPIC_SIVCR   0x04
#define IPIC_SIPNR_H 0x08
#define IPIC_SIPNR_L 0x0C
#define IPIC_SIPRR_A 0x10
#define IPIC_SIPRR_D 0x1C
#define IPIC_SIMSR_H 0x20
#define IPIC_SIMSR_L 0x24
#define IPIC_SICNR   0x28
#define IPIC_SEPNR   0x2C
#define IPIC_SEMSR   0x38
/* internal source 9 (UART1 on the MPC831x) is bit 24 of SIPNR_H/SIMSR_H */
#define IPIC_UART0_BIT (1u << (31 - 24))

/* ---- MSR (750 UM 2.1.3.3) ---- */
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
#define MSR_RI  (1u << 1)
#define MSR_LE  (1u << 0)

/* ---- SPR numbers ---- */
#define SPR_XER 1
#define SPR_LR 8
#define SPR_CTR 9
#define SPR_DSISR 18
#define SPR_DAR 19
#define SPR_DEC 22
#define SPR_SDR1 25
#define SPR_SRR0 26
#define SPR_SRR1 27
#define SPR_SPRG0 272
#define SPR_SPRG1 273
#define SPR_SPRG2 274
#define SPR_SPRG3 275
#define SPR_EAR 282
#define SPR_TBL_W 284
#define SPR_TBU_W 285
#define SPR_PVR 287
#define SPR_IBAT0U 528 /* IBATnU = 528 + 2n, IBATnL = 529 + 2n */
#define SPR_DBAT0U 536 /* DBATnU = 536 + 2n, DBATnL = 537 + 2n */
#define SPR_HID0 1008
#define SPR_IABR 1010
#define HID0_ICE 0x00008000u /* 750 UM 2.1.2.1 */
#define HID0_DCE 0x00004000u
#define SPR_DABR 1013

#define STR_(x) #x
#define STR(x) STR_(x)
#define mfspr(n) ({ uint32_t v_; __asm__ volatile("mfspr %0," STR(n) : "=r"(v_)); v_; })
#define mtspr(n, v) __asm__ volatile("mtspr " STR(n) ",%0" : : "r"((uint32_t)(v)) : "memory")

static inline uint32_t mfmsr(void)
{
    uint32_t v;
    __asm__ volatile("mfmsr %0" : "=r"(v));
    return v;
}

static inline void mtmsr(uint32_t v)
{
    __asm__ volatile("sync; mtmsr %0; isync" : : "r"(v) : "memory");
}

static inline uint32_t mfsr(unsigned n)
{
    uint32_t v;
    __asm__ volatile("mfsrin %0,%1" : "=r"(v) : "r"(n << 28));
    return v;
}

static inline void mtsr(unsigned n, uint32_t v)
{
    __asm__ volatile("mtsrin %0,%1; isync" : : "r"(v), "r"(n << 28) : "memory");
}

/* ---- MMIO ---- */
static inline uint8_t mmio_read8(uint32_t a)
{
    uint8_t v = *(volatile uint8_t *)a;
    __asm__ volatile("eieio" ::: "memory");
    return v;
}

static inline void mmio_write8(uint32_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
    __asm__ volatile("eieio" ::: "memory");
}

static inline uint32_t mmio_read32(uint32_t a)
{
    uint32_t v = *(volatile uint32_t *)a;
    __asm__ volatile("eieio" ::: "memory");
    return v;
}

static inline void mmio_write32(uint32_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
    __asm__ volatile("eieio" ::: "memory");
}

static inline uint8_t uart_reg_read(unsigned r) { return mmio_read8(UART0_BASE + r); }
static inline void uart_reg_write(unsigned r, uint8_t v) { mmio_write8(UART0_BASE + r, v); }
static inline uint32_t ipic_read(unsigned r) { return mmio_read32(IPIC_BASE + r); }
static inline void ipic_write(unsigned r, uint32_t v) { mmio_write32(IPIC_BASE + r, v); }

/* ---- timebase and decrementer (750 UM 2.1.5, 2.1.6) ---- */
static inline uint32_t tb_lo(void)
{
    uint32_t v;
    __asm__ volatile("mftb %0" : "=r"(v));
    return v;
}

static inline uint32_t tb_hi(void)
{
    uint32_t v;
    __asm__ volatile("mftbu %0" : "=r"(v));
    return v;
}

/* The 64-bit TB read loop of PEM 2.2.1 (re-read TBU on a carry). */
static inline uint64_t tb_read(void)
{
    uint32_t hi, lo, hi2;
    do {
        hi = tb_hi();
        lo = tb_lo();
        hi2 = tb_hi();
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* mttbl 0 first so no carry into TBU happens between the writes (PEM 2.2.1) */
static inline void tb_write(uint64_t v)
{
    mtspr(SPR_TBL_W, 0);
    mtspr(SPR_TBU_W, (uint32_t)(v >> 32));
    mtspr(SPR_TBL_W, (uint32_t)v);
}

static inline uint32_t dec_read(void) { return mfspr(SPR_DEC); }
static inline void dec_write(uint32_t v) { mtspr(SPR_DEC, v); }

/* ---- caches ---- */
void rt_sync_icache(const void *p, size_t len); /* dcbst, sync, icbi, isync */

/* ---- UART output ---- */
void rt_uart_init(void);
void rt_putc(char c);
void rt_puts(const char *s);
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rt_vprintf(const char *fmt, va_list ap);

/* ---- test device ---- */
void test_exit(int status) __attribute__((noreturn));
uint64_t rt_icount(void); /* executed-instruction count (testdev +0x4/+0x8) */

/* ---- exceptions ---- */
typedef struct ExcFrame {
    uint32_t gpr[32];
    uint32_t lr, ctr, cr, xer;
    uint32_t srr0, srr1, dar, dsisr;
    uint32_t vector;
    uint32_t tbl, tbu;  /* TB read at handler entry */
    uint32_t pad;
} ExcFrame;

typedef void (*ExcHandler)(ExcFrame *f);
/* Register h for the vector (0x100..0x1700); NULL = unexpected (report
 * and exit with status RT_EXIT_UNEXPECTED). Returns the previous handler. */
ExcHandler exc_set_handler(uint32_t vector, ExcHandler h);
/* Helper for handlers: resume after the faulting instruction. */
static inline void exc_skip(ExcFrame *f) { f->srr0 += 4; }
void exc_install(void);

#define RT_EXIT_UNEXPECTED 0x7E

/* Run fn in user mode (MSR[PR]=1, other MSR bits as now plus extra_msr);
 * returns when fn returns (the runtime's sc path brings it back). */
void rt_run_user(void (*fn)(void), uint32_t extra_msr);
/* Run fn with the MSR set to msr (e.g. IR|DR on); returns to the caller's
 * MSR when fn returns (through the same sc path). */
void rt_run_msr(void (*fn)(void), uint32_t msr);
#define RT_SC_RETURN_MAGIC 0x52455455u /* r0 value of the runtime's return sc */

/* ---- checks ---- */
extern int rt_failures;
void rt_check_fail(const char *file, int line, const char *what, uint32_t got, uint32_t want);
#define CHECK_EQ(got, want, what) do { \
        uint32_t g_ = (uint32_t)(got), w_ = (uint32_t)(want); \
        if (g_ != w_) rt_check_fail(__FILE__, __LINE__, (what), g_, w_); \
    } while (0)
#define CHECK(cond, what) do { \
        if (!(cond)) rt_check_fail(__FILE__, __LINE__, (what), 0, 1); \
    } while (0)
/* end main with this: prints the summary line, returns the exit status */
int rt_result(const char *name);

/* ---- misc ---- */
void *rt_memset(void *d, int c, size_t n);
void *rt_memcpy(void *d, const void *s, size_t n);
void rt_delay_ticks(uint32_t ticks);

#endif /* TESTS_GUEST_RT_RT_H */
