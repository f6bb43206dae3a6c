/*
 * The `virt` board (../shared/spec/board.md): one 750, RAM, boot ROM and the
 * SoC window with SPCR, UART0, IPIC, reset registers, boot-info block and
 * test device.  The board knows nothing about terminals or the main loop:
 * it reports guest requests (exit, reset) in flags the loop looks at.
 */
#ifndef BOARDS_VIRT_H
#define BOARDS_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boards/bootinfo.h"
#include "boards/fb.h"
#include "boards/ipic.h"
#include "boards/uart16550.h"
#include "boards/virtio.h"
#include "boards/virtio_blk.h"
#include "boards/virtio_input.h"
#include "boards/virtmap.h"
#include "cpu/ppc.h"
#include "migration/snapstate.h"
#include "migration/time_snap.h"

typedef struct VirtConfig {
    uint32_t ram_mib;
    bool ipic;
    uint64_t tb_freq;
    const char *kernel, *initrd, *append;
    const char *bios;         /* -bios, or NULL */
    const char *default_bios; /* the build's boot ROM, used without -bios */
    const char *dtb_file;     /* -dtb, or NULL */
    bool no_reboot;
    /* -drive ... if=virtio, in slot order */
    const VirtioBlkConf *drives;
    unsigned ndrives;
    uint32_t fb_width, fb_height; /* 0: no framebuffer (-M virt,fb=off) */
} VirtConfig;

#define VIRT_SNAP_FLAG_NO_IPIC 0x1u /* snapshot header flag: -M virt,ipic=off */

typedef struct VirtBoard {
    Bus bus;
    PPCState cpu;
    Uart16550 uart;
    Ipic ipic;
    bool has_ipic;
    uint32_t spcr, rpr;
    uint32_t bootinfo[BI_NWORDS];
    /* virtio-mmio slots: drives first, in -drive order (board.md) */
    VirtioDev virtio[VIRT_VIRTIO_SLOTS];
    VirtioBlk blk[VIRT_VIRTIO_SLOTS];
    unsigned nblk;
    Fb fb;
    bool has_fb;
    /* with a framebuffer: keyboard and tablet in the slots after the drives */
    VirtioInput kbd, tablet;
    bool has_input;
    /* guest requests, looked at by the main loop between CPU slices */
    bool exit_req, reset_req;
    int exit_status;
    bool no_reboot;
    /* images, kept to reload them on system reset */
    uint8_t *kernel_img;
    size_t kernel_len;
    uint8_t *initrd_img;
    size_t initrd_len;
    uint32_t initrd_start;
    void *dtb;
    size_t dtb_size;
    const char *cmdline;
    uint32_t cmdline_addr;
    bool have_rom;   /* a boot ROM image is loaded */
    bool direct_boot; /* no boot ROM: the emulator enters the kernel itself */
    /* what a snapshot holds (virt_register_state's list) */
    SnapRegistry snap;
    SnapTime time;
    /* -d unimp logging */
    void (*log_fn)(void *opaque, const char *fmt, ...);
    void *log_opaque;
    unsigned debug_flags;
} VirtBoard;

/* Bus, CPU and devices; no images yet.  The UART transmits through tx_fn. */
__attribute__((warn_unused_result))
int virt_init(VirtBoard *vb, const VirtConfig *c, void (*tx_fn)(void *, uint8_t), void *tx_opaque,
              char *err, size_t errlen);
void virt_free(VirtBoard *vb);
/* The drives' I/O on worker threads completing through loop (not under
 * -icount: there requests stay synchronous, boards/virtio_blk.h).
 * 0, or -1 with err set. */
__attribute__((warn_unused_result))
int virt_start_io(VirtBoard *vb, MainLoop *loop, char *err, size_t errlen);
/* Complete every disk request in flight (before a stop, save or load) */
void virt_io_drain(VirtBoard *vb);
/* Kernel, initrd, device tree and boot-info block (board.md boot protocol). */
__attribute__((warn_unused_result))
int virt_load_images(VirtBoard *vb, const VirtConfig *c, char *err, size_t errlen);
/* The boot ROM: -bios or the default image.  Returns 0, or -1 with err set
 * (a missing default ROM is not an error when a kernel can be entered
 * directly: *warning is set then). */
__attribute__((warn_unused_result))
int virt_load_rom(VirtBoard *vb, const VirtConfig *c, bool *warning, char *err, size_t errlen);
/* Fill vb->snap with the board's snapshot sections (done by virt_init;
 * reads only vb's RAM size and IPIC setting, so tools may call it on a
 * board they never initialised). */
__attribute__((warn_unused_result))
int virt_register_state(VirtBoard *vb);
/* System reset: CPU, devices, images reloaded (as at power-on) */
void virt_reset(VirtBoard *vb);
/* Executed-instruction count as the test device reports it */
uint64_t virt_icount(const VirtBoard *vb);

#endif /* BOARDS_VIRT_H */
