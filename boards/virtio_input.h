/*
 * virtio-input (virtio 1.1 section 5.8): a keyboard and an absolute
 * pointer ("tablet"), fed by the monitor's sendkey (QEMU's key names).
 * Events are Linux input events (type, code, value; little-endian) put
 * into the buffers the driver offers on the event queue; when it has
 * none, up to VINPUT_PENDING events wait on the host side and go out on
 * the driver's next notify.  The status queue (LEDs) is taken and
 * returned unread.
 *
 * Snapshot state: the transport's (boards/virtio.h) and the section
 * "virtio-kbd" / "virtio-tablet": the config selector (select, subsel)
 * and the pending events (count bounded on load).  Optional sections
 * (snapshots before them lack them): absent, the device is reset.
 */
#ifndef BOARDS_VIRTIO_INPUT_H
#define BOARDS_VIRTIO_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "boards/virtio.h"

#define VIRTIO_ID_INPUT 18
#define VINPUT_PENDING 256

/* config selectors (5.8.2) */
#define VIRTIO_INPUT_CFG_ID_NAME 0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS 0x11
#define VIRTIO_INPUT_CFG_ABS_INFO 0x12

/* Linux input event types and codes (include/uapi/linux/input-event-codes.h) */
#define VINPUT_EV_SYN 0x00
#define VINPUT_EV_KEY 0x01
#define VINPUT_EV_ABS 0x03
#define VINPUT_BTN_LEFT 0x110
#define VINPUT_BTN_RIGHT 0x111
#define VINPUT_BTN_MIDDLE 0x112
#define VINPUT_ABS_MAX 0x7FFF

typedef enum { VINPUT_KEYBOARD, VINPUT_TABLET } VirtioInputKind;

typedef struct VirtioInputEvent {
    uint16_t type, code;
    uint32_t value;
} VirtioInputEvent;

typedef struct VirtioInput {
    VirtioDev *vd;
    VirtioInputKind kind;
    uint8_t select, subsel;
    VirtioInputEvent pending[VINPUT_PENDING];
    unsigned npending;
    uint64_t dropped; /* events lost with the pending queue full */
} VirtioInput;

extern const VirtioDeviceOps virtio_input_ops;
extern const SnapStateDesc virtio_kbd_state_desc, virtio_tablet_state_desc;

void virtio_input_init(VirtioInput *in, VirtioDev *vd, VirtioInputKind kind);
/* Queue one event and deliver what the driver has room for */
void virtio_input_send(VirtioInput *in, uint16_t type, uint16_t code, uint32_t value);

/* QEMU's key name (sendkey, "a", "ret", "ctrl", "f1", "0x1e"...) to a
 * Linux key code; -1 if unknown */
int virtio_input_keycode(const char *name, unsigned len);
/* sendkey KEYS: "ctrl-alt-f1" presses the keys in order and releases them
 * in reverse, each change followed by EV_SYN.  0, or -1 with the unknown
 * name in err. */
__attribute__((warn_unused_result))
int virtio_input_sendkey(VirtioInput *kbd, const char *keys, char *err, unsigned errlen);

#endif /* BOARDS_VIRTIO_INPUT_H */
