/*
 * Monitor commands of the virtio drives and the framebuffer.
 */
#include "boards/devcmds.h"

#include <string.h>

#include "boards/machine.h"
#include "boards/vmsnap.h"

int dev_cmd_info_block(Monitor *mon, const char *args)
{
    (void)args;
    VirtBoard *vb = &mon->m->vb;
    if (!vb->nblk) {
        monitor_printf(mon, "no drives (add one with -drive file=PATH,format=raw,if=virtio)\n");
        return 0;
    }
    monitor_printf(mon, "%-8s %-10s %-10s %-12s %-10s %-10s %s\n", "drive", "slot", "sectors", "mode",
                   "read", "written", "file");
    for (unsigned i = 0; i < vb->nblk; i++) {
        const VirtioBlk *b = &vb->blk[i];
        const VirtioDev *vd = &vb->virtio[i];
        char slot[32];
        snprintf(slot, sizeof(slot), "%u@%08x", i, VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_STRIDE);
        monitor_printf(mon, "virtio%-2u %-10s %-10llu %-12s %-10llu %-10llu %s\n", i, slot,
                       (unsigned long long)(b->size / VIRTIO_BLK_SECTOR),
                       b->readonly ? "read-only" : b->snapshot ? "snapshot" : "read-write",
                       (unsigned long long)b->rd_bytes, (unsigned long long)b->wr_bytes, b->path);
        if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
            monitor_printf(mon, "         device error (needs reset): %s\n", vd->error);
    }
    return 0;
}

/* The drives', keyboard's, tablet's and framebuffer's state is in the
 * snapshot (their sections, boards/virt.c); machine_savevm refuses a
 * writable drive */
int dev_cmd_savevm(Monitor *mon, const char *args)
{
    return vmsnap_cmd_savevm(mon, args);
}

int dev_cmd_loadvm(Monitor *mon, const char *args)
{
    return vmsnap_cmd_loadvm(mon, args);
}

int dev_cmd_sendkey(Monitor *mon, const char *args)
{
    VirtBoard *vb = &mon->m->vb;
    char err[80];
    if (!*args || strchr(args, ' ')) {
        monitor_printf(mon, "sendkey: usage: sendkey KEYS (e.g. ctrl-alt-f1)\n");
        return -1;
    }
    if (!vb->has_input) {
        monitor_printf(mon, "sendkey: the machine has no keyboard (it comes with the framebuffer)\n");
        return -1;
    }
    if (virtio_input_sendkey(&vb->kbd, args, err, sizeof(err))) {
        monitor_printf(mon, "sendkey: %s\n", err);
        return -1;
    }
    return 0;
}

/* QEMU's HMP spelling: screendump FILENAME [-f ppm|png]; -f may also come
 * first.  The file name is one word. */
int dev_cmd_screendump(Monitor *mon, const char *args)
{
    char file[1024] = "", fmt[16] = "ppm";
    const char *p = args;
    while (*p) {
        size_t n = strcspn(p, " \t");
        if (n == 2 && !strncmp(p, "-f", 2)) {
            p += n + strspn(p + n, " \t");
            n = strcspn(p, " \t");
            if (!n || n >= sizeof(fmt)) {
                monitor_printf(mon, "screendump: -f takes ppm or png\n");
                return -1;
            }
            memcpy(fmt, p, n);
            fmt[n] = 0;
        } else if (!file[0] && n < sizeof(file)) {
            memcpy(file, p, n);
            file[n] = 0;
        } else {
            monitor_printf(mon, "screendump: usage: screendump FILE [-f ppm|png]\n");
            return -1;
        }
        p += n + strspn(p + n, " \t");
    }
    if (!file[0]) {
        monitor_printf(mon, "screendump: usage: screendump FILE [-f ppm|png]\n");
        return -1;
    }
    if (strcmp(fmt, "ppm") && strcmp(fmt, "png")) {
        monitor_printf(mon, "screendump: unknown format '%s' (ppm or png)\n", fmt);
        return -1;
    }
    VirtBoard *vb = &mon->m->vb;
    if (!vb->has_fb) {
        monitor_printf(mon, "screendump: the machine has no framebuffer (-M virt,fb=off)\n");
        return -1;
    }
    char err[1200];
    if (fb_screendump(&vb->fb, file, strcmp(fmt, "png") ? FB_FMT_PPM : FB_FMT_PNG, err, sizeof(err))) {
        monitor_printf(mon, "screendump: %s\n", err);
        return -1;
    }
    return 0;
}
