/*
 * The runtime's C half: UART output, printf-lite, the test device, the
 * exception dispatcher and small helpers.
 */
#include "rt.h"

int rt_failures;
uint32_t rt_saved_msr;               /* MSR to return with from rt_run_msr */
extern void rt_run_return(void);
extern const uint32_t rt_exc_tramp[], rt_exc_tramp_end[], rt_exc_tramp_vec[];

#define RT_NVEC 0x18                 /* vectors 0x000..0x1700 */
static ExcHandler handlers[RT_NVEC];

/* ---- libc bits the compiler may call even when freestanding ---- */
void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

void *rt_memset(void *d, int c, size_t n) { return memset(d, c, n); }
void *rt_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }

/* ---- caches: the sequence of PEM 5.1.5.2 for modified instructions ---- */
void rt_sync_icache(const void *p, size_t len)
{
    uint32_t a = (uint32_t)p & ~31u, end = (uint32_t)p + len;
    for (uint32_t x = a; x < end; x += 32)
        __asm__ volatile("dcbst 0,%0" : : "r"(x) : "memory");
    __asm__ volatile("sync" ::: "memory");
    for (uint32_t x = a; x < end; x += 32)
        __asm__ volatile("icbi 0,%0" : : "r"(x) : "memory");
    __asm__ volatile("sync; isync" ::: "memory");
}

/* ---- UART0: 115200 8N1 from the 1.8432 MHz clock (divisor 1) ---- */
void rt_uart_init(void)
{
    uart_reg_write(UART_IER, 0);
    uart_reg_write(UART_LCR, 0x80);  /* DLAB */
    uart_reg_write(UART_DLL, 1);
    uart_reg_write(UART_DLM, 0);
    uart_reg_write(UART_LCR, 0x03);  /* 8N1 */
    uart_reg_write(UART_FCR, 0x07);  /* FIFOs on and reset */
    uart_reg_write(UART_MCR, 0x03);  /* DTR, RTS */
}

void rt_putc(char c)
{
    if (c == '\n')
        rt_putc('\r');
    while (!(uart_reg_read(UART_LSR) & LSR_THRE))
        ;
    uart_reg_write(UART_THR, (uint8_t)c);
}

void rt_puts(const char *s)
{
    while (*s)
        rt_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, int width, char pad, int neg)
{
    char buf[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg && pad == '0') {
        rt_putc('-');
        width--;
    } else if (neg) {
        buf[n++] = '-';
    }
    while (width-- > n)
        rt_putc(pad);
    while (n)
        rt_putc(buf[--n]);
}

/* %[0][width][l|ll](d|u|x|s|c|p|%) */
void rt_vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            rt_putc(*fmt);
            continue;
        }
        char pad = ' ';
        int width = 0, lng = 0;
        if (*++fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            lng++, fmt++;
        switch (*fmt) {
        case 'd': {
            int64_t v = lng >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
            put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = lng >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
            put_num(v, *fmt == 'u' ? 10 : 16, width, pad, 0);
            break;
        }
        case 'p':
            put_num((uint32_t)va_arg(ap, void *), 16, 8, '0', 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            rt_puts(s ? s : "(null)");
            break;
        }
        case 'c':
            rt_putc((char)va_arg(ap, int));
            break;
        case '%':
            rt_putc('%');
            break;
        default:
            return;
        }
    }
}

void rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
}

/* ---- test device (board.md) ---- */
void test_exit(int status)
{
    /* let the last bytes leave the UART before the emulator exits */
    while (!(uart_reg_read(UART_LSR) & LSR_TEMT))
        ;
    mmio_write32(TESTDEV_BASE, (uint32_t)status);
    for (;;)
        ;
}

uint64_t rt_icount(void)
{
    uint32_t hi, lo, hi2;
    do {
        hi = mmio_read32(TESTDEV_BASE + 8);
        lo = mmio_read32(TESTDEV_BASE + 4);
        hi2 = mmio_read32(TESTDEV_BASE + 8);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* ---- exceptions ---- */
ExcHandler exc_set_handler(uint32_t vector, ExcHandler h)
{
    unsigned i = vector >> 8;
    if (i >= RT_NVEC)
        return NULL;
    ExcHandler old = handlers[i];
    handlers[i] = h;
    return old;
}

void exc_install(void)
{
    size_t words = (size_t)(rt_exc_tramp_end - rt_exc_tramp);
    size_t vec_idx = (size_t)(rt_exc_tramp_vec - rt_exc_tramp);
    for (uint32_t v = 0x100; v < RT_NVEC * 0x100; v += 0x100) {
        volatile uint32_t *dst = (volatile uint32_t *)v;
        for (size_t i = 0; i < words; i++)
            dst[i] = rt_exc_tramp[i];
        dst[vec_idx] = (rt_exc_tramp[vec_idx] & 0xFFFF0000u) | v; /* li r3,v */
    }
    rt_sync_icache((const void *)0x100, RT_NVEC * 0x100 - 0x100);
}

void rt_exc_dispatch(ExcFrame *f)
{
    unsigned i = f->vector >> 8;
    /* the return path of rt_run_msr (vectors.S) */
    if (f->vector == 0xC00 && f->gpr[0] == RT_SC_RETURN_MAGIC) {
        f->srr0 = (uint32_t)rt_run_return;
        f->srr1 = rt_saved_msr;
        return;
    }
    if (i < RT_NVEC && handlers[i]) {
        handlers[i](f);
        return;
    }
    rt_printf("\nFAIL: unexpected exception 0x%x at srr0 %08x srr1 %08x dar %08x dsisr %08x lr %08x\n",
              f->vector, f->srr0, f->srr1, f->dar, f->dsisr, f->lr);
    test_exit(RT_EXIT_UNEXPECTED);
}

void rt_run_user(void (*fn)(void), uint32_t extra_msr)
{
    rt_run_msr(fn, mfmsr() | MSR_PR | extra_msr);
}

/* ---- checks ---- */
void rt_check_fail(const char *file, int line, const char *what, uint32_t got, uint32_t want)
{
    rt_failures++;
    rt_printf("FAIL: %s: got 0x%08x, expected 0x%08x (%s:%d)\n", what, got, want, file, line);
}

int rt_result(const char *name)
{
    if (rt_failures)
        rt_printf("%s: %d check(s) failed\n", name, rt_failures);
    else
        rt_printf("%s: all checks passed\n", name);
    return rt_failures ? 1 : 0;
}

/* busy-wait until the TB has advanced by ticks */
void rt_delay_ticks(uint32_t ticks)
{
    uint64_t end = tb_read() + ticks;
    while (tb_read() < end)
        ;
}

void rt_init(void)
{
    rt_uart_init();
    exc_install();
}
