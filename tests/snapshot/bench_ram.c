/*
 * The guest of tools/snapbench.sh (a benchmark, not a test): with
 * `-append fill` it fills every byte of RAM above its own image with
 * pseudo-random (incompressible) data; without, RAM stays as booted.  Then
 * it prints READY and idles (MSR[POW], nothing armed).
 */
#include "../guest/timer.h"

extern char _end[];

static int is_fill(void)
{
    const char *cmd = (const char *)mmio_read32(BOOTINFO_PHYS + BI_CMDLINE_ADDR);
    return cmd && cmd[0] == 'f' && cmd[1] == 'i' && cmd[2] == 'l' && cmd[3] == 'l';
}

int main(void)
{
    uint32_t ram = mmio_read32(BOOTINFO_PHYS + BI_RAM_SIZE);
    uint32_t from = ((uint32_t)_end + 0xFFFFF) & ~0xFFFFFu;
    if (is_fill()) {
        uint32_t x = 0x12345678;
        for (uint32_t *p = (uint32_t *)from; (uint32_t)p < ram; p++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *p = x;
        }
        rt_printf("filled 0x%08x..0x%08x\n", from, ram);
    }
    dec_quiesce();
    rt_printf("READY\n");
    for (;;)
        mtmsr(mfmsr() | MSR_EE | MSR_POW);
}
