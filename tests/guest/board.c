/*
 * The virt board's address map (board.md): unmapped physical addresses
 * read all-ones and drop writes (outside RAM, in the SoC window's holes,
 * between the SoC window and the ROM); the ROM and the boot-info block are
 * read-only; SPCR is a read/write latch that resets to 0.
 */
#include "rt.h"
#include "boards/bootinfo.h"

static uint32_t rd32(uint32_t a) { return mmio_read32(a); }
static void wr32(uint32_t a, uint32_t v) { mmio_write32(a, v); }

int main(void)
{
    uint32_t ram = mmio_read32(BOOTINFO_PHYS + BI_RAM_SIZE);
    const uint32_t holes[] = {ram, ram + 0x1000, 0x7FFFFFFC, 0x80001000, 0x80080000, 0x90000000, 0xC0000000,
                              0xFFEFFFFC};
    for (unsigned i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
        if (holes[i] < ram)
            continue;
        wr32(holes[i], 0x12345678);
        rt_printf("  %08x reads %08x\n", holes[i], rd32(holes[i]));
        CHECK_EQ(rd32(holes[i]), 0xFFFFFFFF, "unmapped word reads all-ones");
        CHECK_EQ(mmio_read8(holes[i] + 1), 0xFF, "unmapped byte reads all-ones");
    }

    /* the ROM: its first bytes are the string "ppcemu boot ROM" */
    uint32_t rom0 = rd32(0xFFF00000);
    CHECK_EQ(rom0, 0x70706365, "ROM starts with \"ppce\"");
    wr32(0xFFF00000, 0);
    CHECK_EQ(rd32(0xFFF00000), rom0, "ROM write dropped");
    CHECK_EQ(rd32(0xFFF00100) >> 26, 18, "ROM reset vector holds a branch");

    /* boot-info block: read-only */
    wr32(BOOTINFO_PHYS + BI_MAGIC, 0);
    CHECK_EQ(rd32(BOOTINFO_PHYS + BI_MAGIC), BOOTINFO_MAGIC, "boot-info write ignored");
    CHECK_EQ(rd32(BOOTINFO_PHYS + BI_VERSION), BOOTINFO_VERSION, "boot-info version");
    CHECK_EQ(rd32(BOOTINFO_PHYS + BI_UART_BASE), 0x800003F8, "boot-info UART base");
    CHECK_EQ(rd32(BOOTINFO_PHYS + BI_TESTDEV_BASE), 0x80000F00, "boot-info test device base");

    /* SPCR latch */
    CHECK_EQ(rd32(SOC_BASE + 0x110), 0, "SPCR resets to 0");
    wr32(SOC_BASE + 0x110, 0x00400000);
    CHECK_EQ(rd32(SOC_BASE + 0x110), 0x00400000, "SPCR latches");
    wr32(SOC_BASE + 0x110, 0);

    /* RAM edges */
    volatile uint32_t *top = (volatile uint32_t *)(ram - 4);
    *top = 0xA5A5F00D;
    CHECK_EQ(*top, 0xA5A5F00D, "last RAM word");
    return rt_result("board");
}
