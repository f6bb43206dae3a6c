/*
 * The virt board's flattened device tree, generated from the options in
 * force (board.md "Device tree").
 */
#ifndef BOARDS_FDT_H
#define BOARDS_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct FdtConfig {
    uint32_t ram_size;       /* bytes */
    uint64_t tb_freq;        /* Hz */
    bool ipic;               /* IPIC node and UART interrupts */
    const char *bootargs;    /* NULL: empty */
    uint32_t initrd_start, initrd_end; /* both 0: no initrd */
    uint32_t virtio_mask;    /* bit n: virtio-mmio slot n has a device */
    uint32_t fb_width, fb_height; /* 0: no framebuffer */
} FdtConfig;

/* Build the blob (malloc'ed, packed).  Returns 0, or -1 with err set. */
__attribute__((warn_unused_result))
int board_fdt_build(const FdtConfig *c, void **blob, size_t *size, char *err, size_t errlen);

/* Take a user-supplied blob (-dtb) and set /chosen bootargs and the initrd
 * properties in it, as for a generated one; the result is malloc'ed. */
__attribute__((warn_unused_result))
int board_fdt_patch(const void *in, size_t in_size, const FdtConfig *c,
                    void **blob, size_t *size, char *err, size_t errlen);

/* Paths the tree uses (tests and the boot code rely on them) */
#define FDT_SOC_PATH    "/soc@80000000"
#define FDT_UART0_PATH  "/soc@80000000/serial@3f8"
#define FDT_IPIC_PATH   "/soc@80000000/interrupt-controller@700"
#define FDT_IPIC_PHANDLE 1
/* virtio slots and the framebuffer (board.md, second milestone) */
#define FDT_DEVBUS_PATH "/devices"
#define FDT_FB_FORMAT   "x8r8g8b8"

#endif /* BOARDS_FDT_H */
