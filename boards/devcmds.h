/*
 * Monitor commands of the second-milestone devices (cli.md "Monitor
 * commands"): rows of boards/monitor.c's tables, handlers here so that
 * the devices stay out of the monitor's file.
 */
#ifndef BOARDS_DEVCMDS_H
#define BOARDS_DEVCMDS_H

#include "boards/monitor.h"

/* info block: one row per virtio drive */
int dev_cmd_info_block(Monitor *mon, const char *args);
/* savevm/loadvm: the snapshot commands proper (boards/vmsnap.h), which
 * save and restore the devices' state; savevm refuses a writable drive
 * that is not snapshot=on with one line (QEMU refuses raw images too). */
int dev_cmd_savevm(Monitor *mon, const char *args);
int dev_cmd_loadvm(Monitor *mon, const char *args);
/* sendkey KEYS: QEMU's key names joined by '-' (ctrl-alt-f1) */
int dev_cmd_sendkey(Monitor *mon, const char *args);
/* screendump FILE [-f ppm|png]: the framebuffer's current frame */
int dev_cmd_screendump(Monitor *mon, const char *args);

#endif /* BOARDS_DEVCMDS_H */
