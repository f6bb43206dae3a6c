/*
 * The guest of tools/snapbench.sh (a benchmark, not a test): with
 * `-append fill` it fills every byte of RAM above its own image with
 * pseudo-random (incompressible) data, with `-append text` with a
 * compressible pattern (no zero page left either way); without, RAM stays
 * as booted.  Then
 * it prints READY and idles (MSR[POW], nothing armed).
 */
#include "../guest/timer.h"

extern char _end[];

/* the first letter of -append: 'f' (fill), 't' (text) or 0 */
static char mode(void)
{
    const char *cmd = (const char *)mmio_read32(BOOTINFO_PHYS + BI_CMDLINE_ADDR);
    return cmd ? cmd[0] : 0;
}

int main(void)
{
    uint32_t ram = mmio_read32(BOOTINFO_PHYS + BI_RAM_SIZE);
    uint32_t from = ((uint32_t)_end + 0xFFFFF) & ~0xFFFFFu;
    char m = mode();
    if (m == 'f' || m == 't') {
        uint32_t x = 0x12345678, i = 0;
        for (uint32_t *p = (uint32_t *)from; (uint32_t)p < ram; p++, i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* text: words from a small vocabulary, like code and data */
            *p = m == 'f' ? x : 0x20202020u + (x & 0x0F0F) + (i % 61);
        }
        rt_printf("filled 0x%08x..0x%08x\n", from, ram);
    }
    dec_quiesce();
    rt_printf("READY\n");
    for (;;)
        mtmsr(mfmsr() | MSR_EE | MSR_POW);
}
