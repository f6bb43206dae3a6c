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
/* savevm/loadvm, refused with one line while virtio drives are attached:
 * their device state (transport registers, queue indices, a snapshot=on
 * overlay) is not in the snapshot stream yet, and a writable raw image
 * cannot be rolled back (QEMU refuses savevm on raw images too).  savevm
 * is also refused while the guest drives the keyboard or tablet; a
 * loadvm resets them.  Else the snapshot commands proper (boards/vmsnap.h).
 * (The state registry refuses a stream that lacks a registered section,
 * so describing the framebuffer and the input devices, which a default
 * machine has, would make every older snapshot unloadable: that needs an
 * "absent section = reset state" rule in migration/snapstate.c first.) */
int dev_cmd_savevm(Monitor *mon, const char *args);
int dev_cmd_loadvm(Monitor *mon, const char *args);
/* sendkey KEYS: QEMU's key names joined by '-' (ctrl-alt-f1) */
int dev_cmd_sendkey(Monitor *mon, const char *args);
/* screendump FILE [-f ppm|png]: the framebuffer's current frame */
int dev_cmd_screendump(Monitor *mon, const char *args);

#endif /* BOARDS_DEVCMDS_H */
