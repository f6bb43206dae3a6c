/*
 * The boot protocol (board.md): the boot ROM entered this program with
 * MSR = 0, r1 = the BI_STACK of the boot-info block (16-byte aligned, in
 * RAM), r3 = the DTB (flattened device tree magic 0xD00DFEED, totalsize =
 * BI_DTB_SIZE, above the program), r4 = r5 = 0, r6 = 0x45504150 (ePAPR),
 * r7 = BI_IMA_SIZE = min(RAM, 256 MiB).  Also: PVR = 0x00080200.
 */
#include "rt.h"
#include "boards/bootinfo.h"

extern uint32_t rt_boot_regs[7];   /* r1 r3 r4 r5 r6 r7 MSR (crt0.S) */
extern char _end[];

static uint32_t bi(uint32_t off) { return mmio_read32(BOOTINFO_PHYS + off); }

int main(void)
{
    uint32_t r1 = rt_boot_regs[0], r3 = rt_boot_regs[1], r7 = rt_boot_regs[5];
    uint32_t ram = bi(BI_RAM_SIZE);
    rt_printf("entry: r1 %08x r3 %08x r4 %08x r5 %08x r6 %08x r7 %08x msr %08x; ram %u MiB\n", r1, r3,
              rt_boot_regs[2], rt_boot_regs[3], rt_boot_regs[4], r7, rt_boot_regs[6], ram >> 20);
    CHECK_EQ(bi(BI_MAGIC), BOOTINFO_MAGIC, "boot-info magic");
    CHECK_EQ(rt_boot_regs[6], 0, "MSR = 0 at entry");
    CHECK_EQ(rt_boot_regs[2], 0, "r4 = 0");
    CHECK_EQ(rt_boot_regs[3], 0, "r5 = 0");
    CHECK_EQ(rt_boot_regs[4], 0x45504150, "r6 = ePAPR magic");
    CHECK_EQ(r7, ram < 0x10000000u ? ram : 0x10000000u, "r7 = min(RAM, 256 MiB)");
    CHECK_EQ(r7, bi(BI_IMA_SIZE), "r7 = BI_IMA_SIZE");
    CHECK_EQ(r1, bi(BI_STACK), "r1 = BI_STACK");
    CHECK_EQ(r1 & 15, 0, "r1 16-byte aligned");
    CHECK(r1 > 0x3000 && r1 < ram, "r1 inside RAM");
    CHECK_EQ(r3, bi(BI_DTB_ADDR), "r3 = BI_DTB_ADDR");
    CHECK_EQ(r3 & 0xFFF, 0, "DTB page aligned");
    CHECK(r3 >= (uint32_t)_end, "DTB above the program");
    CHECK(r3 < ram, "DTB inside RAM");
    if (r3 && r3 < ram) {
        CHECK_EQ(((volatile uint32_t *)r3)[0], 0xD00DFEED, "FDT magic at r3");
        CHECK_EQ(((volatile uint32_t *)r3)[1], bi(BI_DTB_SIZE), "FDT totalsize = BI_DTB_SIZE");
    }
    CHECK_EQ(bi(BI_FLAGS) & BI_FLAG_KERNEL, BI_FLAG_KERNEL, "BI_FLAG_KERNEL set");
    CHECK_EQ(bi(BI_KERNEL_ENTRY), 0x10000, "BI_KERNEL_ENTRY = our _start");
    CHECK_EQ(bi(BI_KERNEL_START), 0x10000, "BI_KERNEL_START = our first segment");
    CHECK_EQ(mfspr(SPR_PVR), 0x00080200, "PVR (750)");

    /* -initrd / -append (only boot.args' last line passes them, with
     * tests/guest/boot.initrd = "PPCEMU-INITRD\n") */
    uint32_t kend = bi(BI_KERNEL_END), dtb_end = r3 + bi(BI_DTB_SIZE);
    CHECK(kend >= 0x10000 && kend <= r3, "kernel end at or below the DTB");
    if (bi(BI_FLAGS) & BI_FLAG_INITRD) {
        uint32_t is = bi(BI_INITRD_START), ie = bi(BI_INITRD_END);
        rt_printf("initrd %08x..%08x\n", is, ie);
        CHECK_EQ(is & 0xFFF, 0, "initrd page aligned");
        CHECK_EQ(ie - is, 14, "initrd size");
        CHECK(is >= kend, "initrd above the kernel");
        CHECK(is >= dtb_end || ie <= r3, "initrd and DTB do not overlap");
        CHECK(ie <= 0x10000000u && ie <= ram, "initrd below 256 MiB and inside RAM");
        const char *want = "PPCEMU-INITRD\n";
        for (int i = 0; i < 14; i++)
            CHECK_EQ(((volatile uint8_t *)is)[i], (uint8_t)want[i], "initrd contents");
    } else {
        CHECK_EQ(bi(BI_INITRD_START), 0, "no initrd: start 0");
        CHECK_EQ(bi(BI_INITRD_END), 0, "no initrd: end 0");
    }
    uint32_t cl = bi(BI_CMDLINE_ADDR);
    if (cl) {
        const char *want = "ppcemu-test-args";
        const volatile char *got = (const volatile char *)cl;
        rt_printf("cmdline at %08x\n", cl);
        for (int i = 0; i <= 16; i++)
            CHECK_EQ(got[i], want[i], "command line copy in RAM");
    }
    return rt_result("boot");
}
