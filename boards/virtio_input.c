/*
 * virtio-input keyboard and tablet (boards/virtio_input.h; virtio 1.1
 * section 5.8).
 */
#include "boards/virtio_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTQ 0
#define STATUSQ 1
#define CFG_HDR 8     /* select, subsel, size, reserved[5] */
#define CFG_UNION 128

/* QEMU's qcode names (qapi/ui.json QKeyCode) and Linux key codes */
static const struct { const char *name; uint16_t code; } keys[] = {
    { "esc", 1 }, { "1", 2 }, { "2", 3 }, { "3", 4 }, { "4", 5 }, { "5", 6 }, { "6", 7 },
    { "7", 8 }, { "8", 9 }, { "9", 10 }, { "0", 11 }, { "minus", 12 }, { "equal", 13 },
    { "backspace", 14 }, { "tab", 15 }, { "q", 16 }, { "w", 17 }, { "e", 18 }, { "r", 19 },
    { "t", 20 }, { "y", 21 }, { "u", 22 }, { "i", 23 }, { "o", 24 }, { "p", 25 },
    { "bracket_left", 26 }, { "bracket_right", 27 }, { "ret", 28 }, { "ctrl", 29 },
    { "a", 30 }, { "s", 31 }, { "d", 32 }, { "f", 33 }, { "g", 34 }, { "h", 35 }, { "j", 36 },
    { "k", 37 }, { "l", 38 }, { "semicolon", 39 }, { "apostrophe", 40 },
    { "grave_accent", 41 }, { "shift", 42 }, { "backslash", 43 }, { "z", 44 }, { "x", 45 },
    { "c", 46 }, { "v", 47 }, { "b", 48 }, { "n", 49 }, { "m", 50 }, { "comma", 51 },
    { "dot", 52 }, { "slash", 53 }, { "shift_r", 54 }, { "kp_multiply", 55 }, { "alt", 56 },
    { "spc", 57 }, { "caps_lock", 58 }, { "f1", 59 }, { "f2", 60 }, { "f3", 61 }, { "f4", 62 },
    { "f5", 63 }, { "f6", 64 }, { "f7", 65 }, { "f8", 66 }, { "f9", 67 }, { "f10", 68 },
    { "num_lock", 69 }, { "scroll_lock", 70 }, { "kp_7", 71 }, { "kp_8", 72 }, { "kp_9", 73 },
    { "kp_subtract", 74 }, { "kp_4", 75 }, { "kp_5", 76 }, { "kp_6", 77 }, { "kp_add", 78 },
    { "kp_1", 79 }, { "kp_2", 80 }, { "kp_3", 81 }, { "kp_0", 82 }, { "kp_decimal", 83 },
    { "less", 86 }, { "f11", 87 }, { "f12", 88 }, { "kp_enter", 96 }, { "ctrl_r", 97 },
    { "kp_divide", 98 }, { "print", 99 }, { "sysrq", 99 }, { "alt_r", 100 }, { "home", 102 },
    { "up", 103 }, { "pgup", 104 }, { "left", 105 }, { "right", 106 }, { "end", 107 },
    { "down", 108 }, { "pgdn", 109 }, { "insert", 110 }, { "delete", 111 }, { "pause", 119 },
    { "meta_l", 125 }, { "meta_r", 126 }, { "menu", 127 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define KEY_MAX_CODE 0x2FF

int virtio_input_keycode(const char *name, unsigned len)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strlen(keys[i].name) == len && !strncmp(keys[i].name, name, len))
            return keys[i].code;
    /* a raw code, as QEMU's sendkey takes 0x.. numbers */
    if (len > 2 && len < 8 && name[0] == '0' && name[1] == 'x') {
        char buf[8], *end;
        memcpy(buf, name, len);
        buf[len] = 0;
        unsigned long v = strtoul(buf, &end, 16);
        if (!*end && v > 0 && v <= KEY_MAX_CODE)
            return (int)v;
    }
    return -1;
}

/* ---- delivery ---- */

static void deliver(VirtioInput *in)
{
    static VirtioReq req;
    unsigned done = 0;
    while (done < in->npending) {
        int r = virtio_pop(in->vd, EVENTQ, &req);
        if (r != 1)
            break;
        const VirtioInputEvent *e = &in->pending[done];
        uint8_t ev[8] = { (uint8_t)e->type, (uint8_t)(e->type >> 8), (uint8_t)e->code,
                          (uint8_t)(e->code >> 8), (uint8_t)e->value, (uint8_t)(e->value >> 8),
                          (uint8_t)(e->value >> 16), (uint8_t)(e->value >> 24) };
        /* 5.8.6.2: each buffer holds one event; a smaller one gets what fits */
        uint32_t n = (uint32_t)virtio_req_write(in->vd, &req, 0, ev, sizeof(ev));
        virtio_push(in->vd, EVENTQ, &req, n);
        done++;
    }
    memmove(in->pending, in->pending + done, (in->npending - done) * sizeof(in->pending[0]));
    in->npending -= done;
}

void virtio_input_send(VirtioInput *in, uint16_t type, uint16_t code, uint32_t value)
{
    if (in->npending == VINPUT_PENDING) {
        in->dropped++;
        return;
    }
    in->pending[in->npending++] = (VirtioInputEvent){ type, code, value };
    if ((in->vd->status & VIRTIO_STATUS_DRIVER_OK) && in->vd->vq[EVENTQ].ready)
        deliver(in);
}

static void key(VirtioInput *in, uint16_t code, bool down)
{
    virtio_input_send(in, VINPUT_EV_KEY, code, down);
    virtio_input_send(in, VINPUT_EV_SYN, 0, 0);
}

int virtio_input_sendkey(VirtioInput *kbd, const char *spec, char *err, unsigned errlen)
{
    uint16_t codes[16];
    unsigned n = 0;
    for (const char *p = spec;;) {
        unsigned len = (unsigned)strcspn(p, "-");
        int c = virtio_input_keycode(p, len);
        if (c < 0 || n == 16) {
            snprintf(err, errlen, c < 0 ? "unknown key '%.*s'" : "too many keys", (int)len, p);
            return -1;
        }
        codes[n++] = (uint16_t)c;
        if (!p[len])
            break;
        p += len + 1;
    }
    for (unsigned i = 0; i < n; i++)
        key(kbd, codes[i], true);
    for (unsigned i = n; i-- > 0;)
        key(kbd, codes[i], false);
    return 0;
}

static void input_notify(VirtioDev *vd, unsigned q)
{
    VirtioInput *in = vd->opaque;
    static VirtioReq req;
    if (q == EVENTQ) {
        deliver(in); /* new buffers: send what waits */
        return;
    }
    while (virtio_pop(vd, STATUSQ, &req) == 1)
        virtio_push(vd, STATUSQ, &req, 0);
}

/* ---- configuration space (5.8.4) ---- */

static void set_bit(uint8_t *bm, unsigned bit)
{
    if (bit < CFG_UNION * 8)
        bm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void put_le(uint8_t *p, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The union for the current select/subsel; returns its size (0: none) */
static uint8_t cfg_union(const VirtioInput *in, uint8_t *u)
{
    bool kbd = in->kind == VINPUT_KEYBOARD;
    const char *s;
    switch (in->select) {
    case VIRTIO_INPUT_CFG_ID_NAME:
        s = kbd ? "ppcemu virtio keyboard" : "ppcemu virtio tablet";
        memcpy(u, s, strlen(s));
        return (uint8_t)strlen(s);
    case VIRTIO_INPUT_CFG_ID_SERIAL:
        s = kbd ? "ppcemu-kbd0" : "ppcemu-tablet0";
        memcpy(u, s, strlen(s));
        return (uint8_t)strlen(s);
    case VIRTIO_INPUT_CFG_ID_DEVIDS:
        put_le(u, 0x06, 2);            /* BUS_VIRTUAL */
        put_le(u + 2, 0x0627, 2);      /* vendor, as QEMU's virtio-input */
        put_le(u + 4, kbd ? 1 : 3, 2); /* product */
        put_le(u + 6, 1, 2);
        return 8;
    case VIRTIO_INPUT_CFG_EV_BITS: {
        uint8_t n = 0;
        if (in->subsel == VINPUT_EV_KEY) {
            if (kbd) {
                for (size_t i = 0; i < NKEYS; i++)
                    set_bit(u, keys[i].code);
            } else {
                set_bit(u, VINPUT_BTN_LEFT);
                set_bit(u, VINPUT_BTN_RIGHT);
                set_bit(u, VINPUT_BTN_MIDDLE);
            }
        } else if (in->subsel == VINPUT_EV_ABS && !kbd) {
            set_bit(u, 0); /* ABS_X */
            set_bit(u, 1); /* ABS_Y */
        }
        for (unsigned i = 0; i < CFG_UNION; i++)
            if (u[i])
                n = (uint8_t)(i + 1);
        return n;
    }
    case VIRTIO_INPUT_CFG_ABS_INFO:
        if (kbd || in->subsel > 1)
            return 0;
        put_le(u + 4, VINPUT_ABS_MAX, 4); /* min 0, max, fuzz 0, flat 0, res 0 */
        return 20;
    default:
        return 0; /* UNSET, PROP_BITS (none) and unknown selectors */
    }
}

static uint32_t input_config(VirtioDev *vd, uint8_t *buf)
{
    VirtioInput *in = vd->opaque;
    buf[0] = in->select;
    buf[1] = in->subsel;
    buf[2] = cfg_union(in, buf + CFG_HDR);
    return CFG_HDR + CFG_UNION;
}

static void input_config_write(VirtioDev *vd, uint32_t off, uint8_t val)
{
    VirtioInput *in = vd->opaque;
    if (off == 0)
        in->select = val;
    else if (off == 1)
        in->subsel = val;
}

static void input_reset(VirtioDev *vd)
{
    VirtioInput *in = vd->opaque;
    in->select = in->subsel = 0;
    in->npending = 0; /* a new driver does not get the old one's events */
}

const VirtioDeviceOps virtio_input_ops = {
    .device_id = VIRTIO_ID_INPUT,
    .nqueues = 2,
    .config = input_config,
    .config_write = input_config_write,
    .notify = input_notify,
    .reset = input_reset,
};

void virtio_input_init(VirtioInput *in, VirtioDev *vd, VirtioInputKind kind)
{
    memset(in, 0, sizeof(*in));
    in->vd = vd;
    in->kind = kind;
    vd->ops = &virtio_input_ops;
    vd->opaque = in;
}

/* ---- snapshot state (boards/virtio_input.h) ----
 * Section "virtio-kbd" / "virtio-tablet", version 1: u8 select, u8 subsel,
 * u32 count of pending events (at most VINPUT_PENDING), then each as
 * u16 type, u16 code, u32 value. */

static void input_state_save(SnapWriter *w, void *opaque)
{
    VirtioInput *in = opaque;
    snap_put_u8(w, in->select);
    snap_put_u8(w, in->subsel);
    snap_put_u32(w, in->npending);
    for (unsigned i = 0; i < in->npending; i++) {
        const VirtioInputEvent *e = &in->pending[i];
        snap_put_u32(w, (uint32_t)e->type << 16 | e->code);
        snap_put_u32(w, e->value);
    }
}

typedef struct InputLoad {
    uint8_t select, subsel;
    unsigned npending;
    VirtioInputEvent pending[VINPUT_PENDING];
} InputLoad;

static int input_state_load(SnapReader *r, uint32_t version, void *opaque, void **tmp,
                            SnapError *err)
{
    (void)version;
    (void)opaque;
    uint32_t n;
    InputLoad *ld = calloc(1, sizeof(*ld));
    if (!ld) {
        snap_error(err, "out of memory");
        return -1;
    }
    *tmp = ld;
    if (snap_get_u8(r, &ld->select, err) || snap_get_u8(r, &ld->subsel, err) ||
        snap_get_u32(r, &n, err))
        return -1;
    if (n > VINPUT_PENDING) {
        snap_error(err, "snapshot is corrupt (%u pending input events, at most %u)", n,
                   VINPUT_PENDING);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t tc, v;
        if (snap_get_u32(r, &tc, err) || snap_get_u32(r, &v, err))
            return -1;
        ld->pending[i] = (VirtioInputEvent){ (uint16_t)(tc >> 16), (uint16_t)tc, v };
    }
    ld->npending = n;
    return 0;
}

static void input_state_commit(void *opaque, void *tmp)
{
    VirtioInput *in = opaque;
    const InputLoad *ld = tmp;
    in->select = ld->select;
    in->subsel = ld->subsel;
    in->npending = ld->npending;
    memcpy(in->pending, ld->pending, ld->npending * sizeof(ld->pending[0]));
}

static void input_state_free(void *opaque, void *tmp)
{
    (void)opaque;
    free(tmp);
}

/* Absent from an older snapshot: the device as after a reset */
static void input_state_reset(void *opaque)
{
    VirtioInput *in = opaque;
    in->select = in->subsel = 0;
    in->npending = 0;
}

static const SnapBulkOps input_bulk = { input_state_save, input_state_load, input_state_commit,
                                        input_state_free };

const SnapStateDesc virtio_kbd_state_desc = {
    .name = "virtio-kbd", .version = 1, .bulk = &input_bulk, .optional = true,
    .reset = input_state_reset,
};
const SnapStateDesc virtio_tablet_state_desc = {
    .name = "virtio-tablet", .version = 1, .bulk = &input_bulk, .optional = true,
    .reset = input_state_reset,
};
