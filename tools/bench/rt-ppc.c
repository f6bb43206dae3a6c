/*
 * Minimal PowerPC Linux runtime for the benchmark workloads: no libc.
 * _start keeps the stack the loader gave (qemu-ppc's or bench-user's),
 * calls bench_run(), prints "name checksum" with write(2) and exits.
 * Syscalls use the Linux PowerPC ABI: number in r0, arguments in r3-r5,
 * `sc`, result in r3, CR0[SO] set on error.
 */
#include "tools/bench/bench.h"

static long sys3(long nr, long a, long b, long c)
{
    register long r0 __asm__("r0") = nr;
    register long r3 __asm__("r3") = a;
    register long r4 __asm__("r4") = b;
    register long r5 __asm__("r5") = c;
    __asm__ volatile("sc" : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5) : : "memory", "cr0", "ctr", "r6",
                     "r7", "r8", "r9", "r10", "r11", "r12");
    return r3;
}

#define NR_EXIT 1
#define NR_WRITE 4

/* the compiler may emit calls to these for copies and clears */
void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

static void put(const char *s, long n) { sys3(NR_WRITE, 1, (long)s, n); }

static void put_result(uint64_t v)
{
    char buf[96];
    long n = 0;
    for (const char *p = bench_name; *p; p++)
        buf[n++] = *p;
    buf[n++] = ' ';
    for (int i = 60; i >= 0; i -= 4)
        buf[n++] = "0123456789abcdef"[(v >> i) & 15];
    buf[n++] = '\n';
    put(buf, n);
}

void bench_start(void) __attribute__((noreturn, used));
void bench_start(void)
{
    put_result(bench_run());
    for (;;)
        sys3(NR_EXIT, 0, 0, 0);
}

/* entry: 16-byte aligned frame below the loader's stack, then C */
__asm__(".globl _start\n"
        "_start:\n"
        "    clrrwi 1, 1, 4\n"
        "    stwu 1, -16(1)\n"
        "    li 0, 0\n"
        "    stw 0, 0(1)\n"
        "    b bench_start\n");
