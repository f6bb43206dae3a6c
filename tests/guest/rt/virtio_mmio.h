/* virtio-mmio access for the guest test programs: slot n of the virt
 * board's transport (../shared/spec/board.md: 0x8100_0000 + n * 0x200).
 * Registers and rings are little-endian (virtio 1.1, 2.4 and 4.2.2); this
 * guest is big-endian, so registers go through lwbrx/stwbrx (each followed
 * by eieio: device accesses stay in program order) and ring fields through
 * sw16/sw32/sw64. */
#ifndef GUEST_VIRTIO_MMIO_H
#define GUEST_VIRTIO_MMIO_H

#include <stdint.h>

#define VIRTIO_MMIO_BASE 0x81000000u
#define VIRTIO_MMIO_SLOT(n) (VIRTIO_MMIO_BASE + (n) * 0x200u)

/* transport registers (virtio 1.1, 4.2.2) */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVID 0x008
#define R_VENDOR 0x00c
#define R_DEVFEAT 0x010
#define R_DEVFEATSEL 0x014
#define R_DRVFEAT 0x020
#define R_DRVFEATSEL 0x024
#define R_QSEL 0x030
#define R_QNUMMAX 0x034
#define R_QNUM 0x038
#define R_QREADY 0x044
#define R_QNOTIFY 0x050
#define R_ISR 0x060
#define R_IACK 0x064
#define R_STATUS 0x070
#define R_QDESC 0x080
#define R_QDRIVER 0x090
#define R_QDEVICE 0x0a0
#define R_CONFIG 0x100

/* a split-ring descriptor (virtio 1.1, 2.6.5), little-endian fields */
struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static inline uint32_t vio_rd(unsigned slot, unsigned off)
{
    uint32_t v;
    __asm__ volatile("lwbrx %0,0,%1; eieio" : "=r"(v) : "r"(VIRTIO_MMIO_SLOT(slot) + off) : "memory");
    return v;
}

static inline void vio_wr(unsigned slot, unsigned off, uint32_t v)
{
    __asm__ volatile("stwbrx %0,0,%1; eieio" : : "r"(v), "r"(VIRTIO_MMIO_SLOT(slot) + off) : "memory");
}

static inline uint16_t sw16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static inline uint32_t sw32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t sw64(uint64_t v) { return __builtin_bswap64(v); }

#endif /* GUEST_VIRTIO_MMIO_H */
