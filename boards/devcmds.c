/*
 * Monitor commands of the virtio drives and the framebuffer.
 */
#include "boards/devcmds.h"

#include <string.h>

#include "boards/machine.h"

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
        char slot[16];
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
