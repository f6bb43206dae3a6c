/*
 * The virt board's physical address map (../shared/spec/board.md).  Never
 * move an existing address: guests and test programs rely on them.
 */
#ifndef BOARDS_VIRTMAP_H
#define BOARDS_VIRTMAP_H

#define VIRT_ROM_BASE     0xFFF00000u
#define VIRT_ROM_SIZE     0x00100000u
#define VIRT_SOC_BASE     0x80000000u
#define VIRT_SOC_SIZE     0x00100000u

/* offsets inside the SoC window */
#define VIRT_SPCR_OFF     0x0110u
#define VIRT_UART0_OFF    0x03F8u
#define VIRT_UART0_SIZE   8u
#define VIRT_IPIC_OFF     0x0700u
#define VIRT_RST_OFF      0x0918u /* RPR at +0x918, RCR at +0x91C */
#define VIRT_RST_SIZE     8u
#define VIRT_BOOTINFO_OFF 0x0E00u
#define VIRT_TESTDEV_OFF  0x0F00u
#define VIRT_TESTDEV_SIZE 0x10u

#define VIRT_UART0_IRQ    9       /* IPIC internal source (UART1 on the 831x) */
#define VIRT_UART_CLOCK   1843200u
#define VIRT_UART_BAUD    115200u
#define VIRT_CPU_CLOCK    400000000u
#define VIRT_BUS_CLOCK    133333333u
#define VIRT_TB_FREQ_DEFAULT 33333333u

#define VIRT_RAM_MIB_DEFAULT 128u
#define VIRT_RAM_MIB_MIN     16u
#define VIRT_RAM_MIB_MAX     768u

/* second milestone (board.md "Devices added in the second milestone") */
#define VIRT_VIRTIO_BASE  0x81000000u
#define VIRT_VIRTIO_STRIDE 0x200u
#define VIRT_VIRTIO_SLOTS 8u
/* IPIC sources of the slots: slot 0 on external IRQ0 (source 48), slot n
 * on IRQn (source 16 + n), level-sensitive.  Linux 6.1's ipic driver has
 * all eight in its ipic_info table (sysdev/ipic.c: [17]..[23], [48], SEPNR
 * and SEMSR bits 1..7 and 0) and takes IRQ_TYPE_LEVEL_LOW for them
 * (ipic_set_irq_type clears their SECNR edge bit). */
#define VIRT_VIRTIO_IRQ(n) ((n) == 0 ? 48 : 16 + (n))
#define VIRT_FB_BASE      0xA0000000u
#define VIRT_FB_SIZE      0x01000000u
#define VIRT_FB_WIDTH_DEFAULT 1024u
#define VIRT_FB_HEIGHT_DEFAULT 768u

/* the boot protocol keeps everything below 256 MiB (linux-notes.md) */
#define VIRT_BOOT_LIMIT   0x10000000u

/* RPR key and RCR bit of a software hard reset (MPC8315E RM 5.5) */
#define VIRT_RPR_KEY      0x52535445u
#define VIRT_RCR_SWHR     0x2u

#endif /* BOARDS_VIRTMAP_H */
