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

/* the boot protocol keeps everything below 256 MiB (linux-notes.md) */
#define VIRT_BOOT_LIMIT   0x10000000u

/* RPR key and RCR bit of a software hard reset (MPC8315E RM 5.5) */
#define VIRT_RPR_KEY      0x52535445u
#define VIRT_RCR_SWHR     0x2u

#endif /* BOARDS_VIRTMAP_H */
