/*
 * ppcemu boot ROM, C part: program UART0, print the one-line banner, read
 * the boot-info block the emulator filled (boards/bootinfo.h is the one
 * definition of its layout) and enter the kernel.
 *
 * Without a kernel the ROM prints "no kernel" and idles in MSR[POW]
 * forever (it does not exit the emulator: a user who starts ppcemu with
 * only -bios or with -S has a machine to look at in the monitor).
 */
#include <stdint.h>

#include "boards/bootinfo.h"

#define UART0 0x800003F8u
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20

void fw_main(void);
void fw_report_exception(uint32_t vec, uint32_t srr0, uint32_t srr1, uint32_t dar, uint32_t dsisr);
void fw_enter_kernel(uint32_t entry, uint32_t dtb, uint32_t ima_size, uint32_t stack)
    __attribute__((noreturn));

static uint32_t bi_read(uint32_t off)
{
    uint32_t v = *(volatile const uint32_t *)(BOOTINFO_PHYS + off);
    __asm__ volatile("eieio" ::: "memory");
    return v;
}

static void uart_write(unsigned reg, uint8_t v)
{
    *(volatile uint8_t *)(UART0 + reg) = v;
    __asm__ volatile("eieio" ::: "memory");
}

static uint8_t uart_read(unsigned reg)
{
    uint8_t v = *(volatile uint8_t *)(UART0 + reg);
    __asm__ volatile("eieio" ::: "memory");
    return v;
}

/* 115200 8N1 from the 1,843,200 Hz input clock (divisor 1), FIFOs on,
 * interrupts off: what Linux's 8250 console and earlycon expect to find. */
static void uart_init(void)
{
    uart_write(UART_IER, 0x00);
    uart_write(UART_LCR, 0x80);
    uart_write(UART_DLL, 0x01);
    uart_write(UART_DLM, 0x00);
    uart_write(UART_LCR, 0x03);
    uart_write(UART_FCR, 0x07);
    uart_write(UART_MCR, 0x03);
}

static void putc_raw(char c)
{
    while (!(uart_read(UART_LSR) & LSR_THRE))
        ;
    uart_write(UART_THR, (uint8_t)c);
}

static void puts_(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            putc_raw('\r');
        putc_raw(*s);
    }
}

static void put_hex(uint32_t v)
{
    puts_("0x");
    for (int sh = 28; sh >= 0; sh -= 4)
        putc_raw("0123456789abcdef"[(v >> sh) & 0xF]);
}

static void put_dec(uint32_t v)
{
    char buf[12];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putc_raw(buf[--n]);
}

void fw_report_exception(uint32_t vec, uint32_t srr0, uint32_t srr1, uint32_t dar, uint32_t dsisr)
{
    uart_init();
    puts_("boot ROM: unexpected exception ");
    put_hex(vec);
    puts_(" srr0 ");
    put_hex(srr0);
    puts_(" srr1 ");
    put_hex(srr1);
    puts_(" dar ");
    put_hex(dar);
    puts_(" dsisr ");
    put_hex(dsisr);
    puts_("; halted\n");
}

void fw_main(void)
{
    uart_init();
    puts_("ppcemu boot ROM: ");
    if (bi_read(BI_MAGIC) != BOOTINFO_MAGIC) {
        puts_("boot-info block missing or invalid; halted\n");
        return;
    }
    put_dec(bi_read(BI_RAM_SIZE) >> 20);
    puts_(" MiB RAM, timebase ");
    put_dec(bi_read(BI_TB_FREQ));
    puts_(" Hz, ");
    if (!(bi_read(BI_FLAGS) & BI_FLAG_KERNEL)) {
        puts_("no kernel (use -kernel ELF); idle\n");
        return;
    }
    uint32_t entry = bi_read(BI_KERNEL_ENTRY), dtb = bi_read(BI_DTB_ADDR);
    puts_("kernel entry ");
    put_hex(entry);
    puts_(", dtb ");
    put_hex(dtb);
    puts_("\n");
    fw_enter_kernel(entry, dtb, bi_read(BI_IMA_SIZE), bi_read(BI_STACK));
}
