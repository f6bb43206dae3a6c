/*
 * QMP (boards/qmp.h).  The protocol, from QEMU's qmp-spec and
 * qemu-qmp-ref manuals:
 *
 *  - on connection the server sends a greeting
 *    {"QMP": {"version": {...}, "capabilities": []}} and is in
 *    capabilities-negotiation mode: only qmp_capabilities is accepted;
 *  - a command is {"execute": NAME, "arguments": {...}, "id": ANY}; the
 *    answer is {"return": VALUE} or {"error": {"class": C, "desc": D}},
 *    with the request's id copied in;
 *  - events are {"event": NAME, "data": {...}, "timestamp":
 *    {"seconds": S, "microseconds": US}} (host real time).
 *
 * JSON is parsed and printed by jansson.  Bad input (malformed JSON, a
 * message over QMP_MAX_MSG bytes, a request of the wrong shape, an
 * unknown command, an argument missing, unexpected or of the wrong type)
 * gets an error with QEMU's class and changes nothing.  After malformed
 * JSON the rest of the line is dropped (clients send one message a line).
 *
 * Output waits in a per-client buffer and goes out as the socket takes it;
 * a client that lets QMP_MAX_OUT bytes pile up is dropped, so a client
 * that stops reading never blocks the machine.
 */
#include "boards/qmp.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boards/chardev.h"
#include "boards/machine.h"
#include "boards/virtio_input.h"
#include "boards/vmmigrate.h"
#include "boards/vmsnap.h"

#define QMP_MAX_MSG (64 * 1024)   /* largest request */
#define QMP_MAX_OUT (4 << 20)     /* output a client may leave unread */

struct QmpServer {
    Machine *m;
    ChardevListener lis;
    LoopFd *listen_w;
    int fd;
    LoopFd *fd_w;
    bool negotiated;
    bool skip_line; /* after malformed or oversized input: drop to '\n' */
    char *in;
    size_t in_len;
    char *out;
    size_t out_len, out_cap;
    Monitor mon; /* human-monitor-command's, output captured */
};

/* ---- specs and sockets ---- */

/* "unix:PATH,server[,nowait]" or "tcp:HOST:PORT,server[,nowait]": the
 * address is spec[0..*addr_len) (boards/chardev.h's listening sockets) */
static bool parse_spec(const char *spec, size_t *addr_len, bool *nowait)
{
    size_t n = strcspn(spec, ",");
    if (!chardev_listen_spec_valid(spec, n))
        return false;
    *addr_len = n;
    bool server = false;
    *nowait = false;
    const char *p = spec + n;
    while (*p == ',') {
        p++;
        size_t k = strcspn(p, ",");
        if (k == 6 && !strncmp(p, "server", 6))
            server = true;
        else if (k == 6 && !strncmp(p, "nowait", 6))
            *nowait = true;
        else
            return false;
        p += k;
    }
    return server; /* ppcemu only listens */
}

bool qmp_spec_valid(const char *spec)
{
    size_t n;
    bool nowait;
    return parse_spec(spec, &n, &nowait);
}

/* ---- output ---- */

static void drop_client(QmpServer *q);

static void flush_out(QmpServer *q)
{
    while (q->out_len && q->fd >= 0) {
        ssize_t n = send(q->fd, q->out, q->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            drop_client(q);
            return;
        }
        memmove(q->out, q->out + n, q->out_len - (size_t)n);
        q->out_len -= (size_t)n;
    }
    if (q->fd >= 0)
        loop_fd_set_events(q->fd_w, LOOP_READ | (q->out_len ? LOOP_WRITE : 0));
}

/* Queue one message (reference stolen) and a CRLF, as QEMU ends them */
static void send_json(QmpServer *q, json_t *msg)
{
    char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!s || q->fd < 0) {
        free(s);
        return;
    }
    size_t len = strlen(s);
    if (q->out_len + len + 2 > QMP_MAX_OUT) {
        free(s);
        drop_client(q); /* it stopped reading */
        return;
    }
    if (q->out_len + len + 2 > q->out_cap) {
        size_t cap = (q->out_len + len + 2) * 2;
        char *p = realloc(q->out, cap);
        if (!p) {
            free(s);
            return;
        }
        q->out = p;
        q->out_cap = cap;
    }
    memcpy(q->out + q->out_len, s, len);
    memcpy(q->out + q->out_len + len, "\r\n", 2);
    q->out_len += len + 2;
    free(s);
    flush_out(q);
}

static void send_error(QmpServer *q, json_t *id, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void send_error(QmpServer *q, json_t *id, const char *cls, const char *fmt, ...)
{
    char desc[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    json_t *msg = json_pack("{s:{s:s,s:s}}", "error", "class", cls, "desc", desc);
    if (msg && id)
        json_object_set(msg, "id", id);
    send_json(q, msg);
}

static void send_return(QmpServer *q, json_t *id, json_t *value)
{
    json_t *msg = json_object();
    if (!msg) {
        json_decref(value);
        return;
    }
    json_object_set_new(msg, "return", value ? value : json_object());
    if (id)
        json_object_set(msg, "id", id);
    send_json(q, msg);
}

void qmp_event(QmpServer *q, const char *name, void *data)
{
    json_t *d = data;
    if (!q || q->fd < 0 || !q->negotiated) {
        json_decref(d);
        return;
    }
    int64_t ns = tb_host_real_ns();
    json_t *msg = json_pack("{s:s,s:{s:I,s:I}}", "event", name, "timestamp", "seconds",
                            (json_int_t)(ns / 1000000000), "microseconds",
                            (json_int_t)(ns % 1000000000 / 1000));
    if (msg && d)
        json_object_set_new(msg, "data", d);
    else
        json_decref(d);
    send_json(q, msg);
}

/* ---- commands ---- */

/* An argument: name, type ('s' string, 'b' bool, 'i' integer, 'S' array
 * of strings, 'a' any array), whether it is required */
typedef struct QmpArg {
    const char *name;
    char type;
    bool required;
} QmpArg;

typedef struct QmpCmd {
    const char *name;
    /* the return value (NULL: {}), or NULL with *err set (GenericError) */
    json_t *(*fn)(QmpServer *q, json_t *args, char *err, size_t errlen);
    QmpArg args[5];
} QmpCmd;

static json_t *version_obj(void)
{
    unsigned major = 0, minor = 0, micro = 0;
    sscanf(PPCEMU_VERSION, "%u.%u.%u", &major, &minor, &micro);
    return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "major", major, "minor", minor, "micro",
                     micro, "package", "ppcemu " PPCEMU_VERSION);
}

static json_t *c_query_version(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)q, (void)a, (void)err, (void)n;
    return version_obj();
}

static json_t *c_query_commands(QmpServer *q, json_t *a, char *err, size_t n);

static json_t *c_query_status(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a, (void)err, (void)n;
    bool run = q->m->running;
    return json_pack("{s:b,s:s}", "running", run, "status", run ? "running" : "paused");
}

static json_t *c_stop(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a, (void)err, (void)n;
    machine_stop(q->m);
    return NULL;
}

static json_t *c_cont(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a, (void)err, (void)n;
    machine_cont(q->m);
    return NULL;
}

static json_t *c_system_reset(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a, (void)err, (void)n;
    machine_system_reset(q->m);
    return NULL;
}

static json_t *c_quit(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a, (void)err, (void)n;
    machine_shutdown(q->m, 0, false, "host-qmp-quit");
    return NULL;
}

/* The virt board has no power button a guest could see: the request is
 * announced (POWERDOWN) and ends the machine as quit does */
static json_t *c_system_powerdown(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a, (void)err, (void)n;
    machine_event(q->m, "POWERDOWN", NULL);
    machine_shutdown(q->m, 0, false, "host-qmp-system-powerdown");
    return NULL;
}

static json_t *c_hmp(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)err, (void)n;
    char *out;
    (void)monitor_exec_capture(&q->mon, json_string_value(json_object_get(a, "command-line")), &out);
    json_t *r = json_string(out ? out : "");
    free(out);
    return r;
}

static json_t *c_query_tb(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)a;
    TimeBase *tb = q->m->tb;
    PPCState *s = &q->m->vb.cpu;
    if (!tb) {
        snprintf(err, n, "no timebase");
        return NULL;
    }
    uint64_t freq = tb_freq(tb), now = tb_read(tb, s->icount);
    int64_t real_ns = tb_host_real_ns();
    /* timebase.md rule 4: TB - realtime * freq, in ticks */
    int64_t offset = (int64_t)(now - tb_ns_to_ticks((uint64_t)real_ns, freq));
    json_t *r = json_pack("{s:I,s:I,s:I,s:s,s:I,s:I}", "frequency", (json_int_t)freq, "tb",
                          (json_int_t)now, "dec", (json_int_t)tb_dec_read(tb, s->icount),
                          "clock-policy", tb_policy(tb) == TB_CLOCK_VM ? "vm" : "host",
                          "realtime-offset-ticks", (json_int_t)offset, "icount",
                          (json_int_t)s->icount);
    if (r && tb_icount_shift(tb) >= 0)
        json_object_set_new(r, "icount-shift", json_integer(tb_icount_shift(tb)));
    return r;
}

/* snapshot-save/load/delete: QEMU's job arguments; the work is done
 * before the command returns (README: a synchronous subset), framed by the
 * JOB_STATUS_CHANGE events a job client waits for.  As in QEMU the job
 * then stays "concluded" (query-jobs shows it, with its error if it
 * failed) until job-dismiss; a failure is also the command's own error
 * (QEMU would report it through the job only).
 *
 * The jobs belong to the machine, and a process runs one machine: the
 * list is shared by every QMP socket. */
#define QMP_MAX_JOBS 16

typedef struct QmpJob {
    char id[64];
    const char *type; /* the command's name, QEMU's JobType */
    char error[300];  /* "" when it succeeded */
} QmpJob;

static QmpJob jobs[QMP_MAX_JOBS];
static unsigned njobs;

static QmpJob *job_find(const char *id)
{
    for (unsigned i = 0; i < njobs; i++)
        if (!strcmp(jobs[i].id, id))
            return &jobs[i];
    return NULL;
}

static void job_event(QmpServer *q, const char *id, const char *status)
{
    machine_event(q->m, "JOB_STATUS_CHANGE", json_pack("{s:s,s:s}", "id", id, "status", status));
}

static json_t *snapshot_job(QmpServer *q, json_t *a, char *err, size_t n, const char *type,
                            int (*fn)(Machine *, const char *, SnapError *))
{
    const char *id = json_string_value(json_object_get(a, "job-id"));
    const char *tag = json_string_value(json_object_get(a, "tag"));
    if (job_find(id)) {
        snprintf(err, n, "Job ID '%s' already in use", id);
        return NULL;
    }
    if (njobs == QMP_MAX_JOBS || strlen(id) >= sizeof(jobs[0].id)) {
        snprintf(err, n, njobs == QMP_MAX_JOBS ? "too many concluded jobs: dismiss some (job-dismiss)"
                                               : "job-id too long");
        return NULL;
    }
    QmpJob *j = &jobs[njobs++];
    snprintf(j->id, sizeof(j->id), "%s", id);
    j->type = type;
    j->error[0] = 0;
    job_event(q, id, "created");
    job_event(q, id, "running");
    SnapError e;
    int r = fn(q->m, tag, &e);
    if (r)
        snprintf(j->error, sizeof(j->error), "%s", e.msg);
    static const char *const after[] = { "waiting", "pending", "concluded" };
    for (unsigned i = 0; i < 3; i++)
        job_event(q, id, after[i]);
    if (r) {
        snprintf(err, n, "%s", e.msg);
        return NULL;
    }
    return json_object();
}

/* QEMU's JobInfo: id, type, status, current-progress, total-progress,
 * error when it failed */
static json_t *c_query_jobs(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)q, (void)a, (void)err, (void)n;
    json_t *r = json_array();
    for (unsigned i = 0; i < njobs; i++) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:i,s:i}", "id", jobs[i].id, "type", jobs[i].type,
                              "status", "concluded", "current-progress", 1, "total-progress", 1);
        if (j && jobs[i].error[0])
            json_object_set_new(j, "error", json_string(jobs[i].error));
        json_array_append_new(r, j);
    }
    return r;
}

static json_t *c_job_dismiss(QmpServer *q, json_t *a, char *err, size_t n)
{
    const char *id = json_string_value(json_object_get(a, "id"));
    QmpJob *j = job_find(id);
    if (!j) {
        snprintf(err, n, "Job not found");
        return NULL;
    }
    *j = jobs[--njobs];
    job_event(q, id, "null");
    return NULL;
}

static json_t *c_snapshot_save(QmpServer *q, json_t *a, char *err, size_t n)
{
    return snapshot_job(q, a, err, n, "snapshot-save", machine_savevm);
}

static json_t *c_snapshot_load(QmpServer *q, json_t *a, char *err, size_t n)
{
    return snapshot_job(q, a, err, n, "snapshot-load", machine_loadvm);
}

static json_t *c_snapshot_delete(QmpServer *q, json_t *a, char *err, size_t n)
{
    return snapshot_job(q, a, err, n, "snapshot-delete", machine_delvm);
}

/* ---- input-send-event: QEMU's InputEvent union (qapi/ui.json) ----
 * key {down, key: {type: qcode|number, data}} goes to the virtio
 * keyboard; btn {down, button: left|middle|right} and abs {axis: x|y,
 * value 0..0x7FFF} to the virtio tablet (boards/virtio_input.h); each
 * device that got events gets one EV_SYN after them, as QEMU syncs once
 * per command.  Every event is checked before any is sent. */

typedef struct InputEv {
    VirtioInput *dev;
    uint16_t type, code;
    uint32_t value;
} InputEv;

#define QMP_MAX_INPUT 64

/* QEMU's "number" keys are qnums: PC scancode set 1, 0x80 added for the
 * 0xE0-prefixed keys.  Codes 1..0x58 are the same numbers as Linux key
 * codes (input-event-codes.h keeps the XT layout); the extended keys
 * the keyboard knows are listed. */
static int qnum_to_key(json_int_t q)
{
    static const uint16_t ext[][2] = {
        { 0x9c, 96 },  { 0x9d, 97 },  { 0xb5, 98 },  { 0xb7, 99 },  { 0xb8, 100 }, { 0xc7, 102 },
        { 0xc8, 103 }, { 0xc9, 104 }, { 0xcb, 105 }, { 0xcd, 106 }, { 0xcf, 107 }, { 0xd0, 108 },
        { 0xd1, 109 }, { 0xd2, 110 }, { 0xd3, 111 }, { 0xdb, 125 }, { 0xdc, 126 }, { 0xdd, 127 },
    };
    if (q > 0 && q <= 0x58)
        return (int)q;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (ext[i][0] == q)
            return ext[i][1];
    return -1;
}

/* member key of o with the jansson type wanted; err set otherwise */
static json_t *member(json_t *o, const char *path, const char *key, json_type t, char *err,
                      size_t n)
{
    static const char *const names[] = { [JSON_OBJECT] = "object", [JSON_STRING] = "string",
                                         [JSON_INTEGER] = "int", [JSON_TRUE] = "boolean" };
    json_t *v = json_object_get(o, key);
    if (!v) {
        snprintf(err, n, "Parameter '%s.%s' is missing", path, key);
        return NULL;
    }
    bool good = t == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == t;
    if (!good) {
        snprintf(err, n, "Invalid parameter type for '%s.%s', expected: %s", path, key, names[t]);
        return NULL;
    }
    return v;
}

static int parse_key(VirtBoard *vb, json_t *d, const char *path, InputEv *e, char *err, size_t n)
{
    json_t *down = member(d, path, "down", JSON_TRUE, err, n);
    json_t *key = down ? member(d, path, "key", JSON_OBJECT, err, n) : NULL;
    if (!key)
        return -1;
    char kp[64];
    snprintf(kp, sizeof(kp), "%s.key", path);
    json_t *kt = member(key, kp, "type", JSON_STRING, err, n);
    if (!kt)
        return -1;
    const char *ktype = json_string_value(kt);
    int code = -1;
    if (!strcmp(ktype, "qcode")) {
        json_t *name = member(key, kp, "data", JSON_STRING, err, n);
        if (!name)
            return -1;
        const char *nm = json_string_value(name);
        if (strncmp(nm, "0x", 2)) /* sendkey's raw numbers are not qcodes */
            code = virtio_input_keycode(nm, (unsigned)strlen(nm));
        if (code < 0) {
            snprintf(err, n, "Parameter '%s.data' does not accept value '%s'", kp, nm);
            return -1;
        }
    } else if (!strcmp(ktype, "number")) {
        json_t *num = member(key, kp, "data", JSON_INTEGER, err, n);
        if (!num)
            return -1;
        code = qnum_to_key(json_integer_value(num));
        if (code < 0) {
            snprintf(err, n, "key number 0x%llx is not on the virtio keyboard",
                     (unsigned long long)json_integer_value(num));
            return -1;
        }
    } else {
        snprintf(err, n, "Parameter '%s.type' does not accept value '%s'", kp, ktype);
        return -1;
    }
    *e = (InputEv){ &vb->kbd, VINPUT_EV_KEY, (uint16_t)code, json_is_true(down) };
    return 0;
}

static int parse_btn(VirtBoard *vb, json_t *d, const char *path, InputEv *e, char *err, size_t n)
{
    static const char *const known[] = { "left", "middle", "right", "wheel-up", "wheel-down",
                                         "side", "extra", "wheel-left", "wheel-right", "touch" };
    static const uint16_t codes[] = { VINPUT_BTN_LEFT, VINPUT_BTN_MIDDLE, VINPUT_BTN_RIGHT };
    json_t *down = member(d, path, "down", JSON_TRUE, err, n);
    json_t *b = down ? member(d, path, "button", JSON_STRING, err, n) : NULL;
    if (!b)
        return -1;
    const char *name = json_string_value(b);
    for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(known[i], name))
            continue;
        if (i >= 3) {
            snprintf(err, n, "button '%s' is not on the virtio tablet", name);
            return -1;
        }
        *e = (InputEv){ &vb->tablet, VINPUT_EV_KEY, codes[i], json_is_true(down) };
        return 0;
    }
    snprintf(err, n, "Parameter '%s.button' does not accept value '%s'", path, name);
    return -1;
}

static int parse_abs(VirtBoard *vb, json_t *d, const char *path, InputEv *e, char *err, size_t n)
{
    json_t *axis = member(d, path, "axis", JSON_STRING, err, n);
    json_t *val = axis ? member(d, path, "value", JSON_INTEGER, err, n) : NULL;
    if (!val)
        return -1;
    const char *a = json_string_value(axis);
    json_int_t v = json_integer_value(val);
    if (strcmp(a, "x") && strcmp(a, "y")) {
        snprintf(err, n, "Parameter '%s.axis' does not accept value '%s'", path, a);
        return -1;
    }
    if (v < 0 || v > VINPUT_ABS_MAX) {
        snprintf(err, n, "'%s.value' out of range 0..%d", path, VINPUT_ABS_MAX);
        return -1;
    }
    /* ABS_X 0, ABS_Y 1 */
    *e = (InputEv){ &vb->tablet, VINPUT_EV_ABS, a[0] == 'y', (uint32_t)v };
    return 0;
}

static int parse_input(VirtBoard *vb, json_t *ev, unsigned i, InputEv *e, char *err, size_t n)
{
    char path[32];
    snprintf(path, sizeof(path), "events[%u]", i);
    if (!json_is_object(ev)) {
        snprintf(err, n, "Invalid parameter type for '%s', expected: object", path);
        return -1;
    }
    json_t *t = member(ev, path, "type", JSON_STRING, err, n);
    json_t *d = t ? member(ev, path, "data", JSON_OBJECT, err, n) : NULL;
    if (!d)
        return -1;
    const char *type = json_string_value(t);
    bool known = !strcmp(type, "key") || !strcmp(type, "btn") || !strcmp(type, "abs") ||
                 !strcmp(type, "rel") || !strcmp(type, "mtt");
    if (!known) {
        snprintf(err, n, "Parameter '%s.type' does not accept value '%s'", path, type);
        return -1;
    }
    /* QEMU's words when no device takes the kind: there is no keyboard or
     * tablet without the framebuffer, and no relative pointer at all */
    if (!vb->has_input || !strcmp(type, "rel") || !strcmp(type, "mtt")) {
        snprintf(err, n, "Input handler not found for event type %s", type);
        return -1;
    }
    char dp[48];
    snprintf(dp, sizeof(dp), "%s.data", path);
    if (type[0] == 'k')
        return parse_key(vb, d, dp, e, err, n);
    return type[0] == 'b' ? parse_btn(vb, d, dp, e, err, n) : parse_abs(vb, d, dp, e, err, n);
}

static json_t *c_input_send_event(QmpServer *q, json_t *a, char *err, size_t n)
{
    VirtBoard *vb = &q->m->vb;
    json_t *events = json_object_get(a, "events");
    json_t *dev = json_object_get(a, "device");
    InputEv ev[QMP_MAX_INPUT];
    size_t count = json_array_size(events);
    if (dev) { /* one display, one keyboard and tablet: nothing to choose */
        snprintf(err, n, "Device '%s' not found", json_string_value(dev));
        return NULL;
    }
    if (!q->m->running) {
        snprintf(err, n, "VM not running");
        return NULL;
    }
    if (count > QMP_MAX_INPUT) {
        snprintf(err, n, "at most %d events per command", QMP_MAX_INPUT);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (parse_input(vb, json_array_get(events, i), (unsigned)i, &ev[i], err, n))
            return NULL;
    bool kbd = false, tablet = false;
    for (size_t i = 0; i < count; i++) {
        virtio_input_send(ev[i].dev, ev[i].type, ev[i].code, ev[i].value);
        kbd |= ev[i].dev == &vb->kbd;
        tablet |= ev[i].dev == &vb->tablet;
    }
    if (kbd)
        virtio_input_send(&vb->kbd, VINPUT_EV_SYN, 0, 0);
    if (tablet)
        virtio_input_send(&vb->tablet, VINPUT_EV_SYN, 0, 0);
    return NULL;
}

#define JOB_ARGS(...) { { "job-id", 's', true }, { "tag", 's', true }, __VA_ARGS__ }

/* live migration: boards/vmmigrate.c */
#define MIG_QMP(name, impl) \
    static json_t *name(QmpServer *q, json_t *a, char *err, size_t n) \
    { \
        return impl(q->m, a, err, n); \
    }
MIG_QMP(c_migrate, vmmigrate_qmp_migrate)
MIG_QMP(c_migrate_cancel, vmmigrate_qmp_cancel)
MIG_QMP(c_query_migrate, vmmigrate_qmp_query)
MIG_QMP(c_migrate_set_parameters, vmmigrate_qmp_set_parameters)
MIG_QMP(c_migrate_incoming, vmmigrate_qmp_incoming)

static const QmpCmd cmds[] = {
    { "query-version", c_query_version, { { 0 } } },
    { "query-commands", c_query_commands, { { 0 } } },
    { "query-status", c_query_status, { { 0 } } },
    { "stop", c_stop, { { 0 } } },
    { "cont", c_cont, { { 0 } } },
    { "system_reset", c_system_reset, { { 0 } } },
    { "system_powerdown", c_system_powerdown, { { 0 } } },
    { "quit", c_quit, { { 0 } } },
    { "human-monitor-command", c_hmp, { { "command-line", 's', true }, { "cpu-index", 'i', false } } },
    { "snapshot-save", c_snapshot_save, JOB_ARGS({ "vmstate", 's', true }, { "devices", 'S', true }) },
    { "snapshot-load", c_snapshot_load, JOB_ARGS({ "vmstate", 's', true }, { "devices", 'S', true }) },
    { "snapshot-delete", c_snapshot_delete, JOB_ARGS({ "devices", 'S', true }) },
    { "query-tb", c_query_tb, { { 0 } } },
    { "query-jobs", c_query_jobs, { { 0 } } },
    { "job-dismiss", c_job_dismiss, { { "id", 's', true } } },
    { "input-send-event", c_input_send_event,
      { { "events", 'a', true }, { "device", 's', false }, { "head", 'i', false } } },
    { "migrate", c_migrate, { { "uri", 's', true }, { "detach", 'b', false } } },
    { "migrate_cancel", c_migrate_cancel, { { 0 } } },
    { "query-migrate", c_query_migrate, { { 0 } } },
    { "migrate-set-parameters", c_migrate_set_parameters,
      { { "downtime-limit", 'i', false }, { "max-bandwidth", 'i', false } } },
    { "migrate-incoming", c_migrate_incoming, { { "uri", 's', true } } },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static json_t *c_query_commands(QmpServer *q, json_t *a, char *err, size_t n)
{
    (void)q, (void)a, (void)err, (void)n;
    json_t *r = json_array();
    json_array_append_new(r, json_pack("{s:s}", "name", "qmp_capabilities"));
    for (size_t i = 0; i < N_CMDS; i++)
        json_array_append_new(r, json_pack("{s:s}", "name", cmds[i].name));
    return r;
}

static const char *type_name(char t)
{
    return t == 's' ? "string" : t == 'b' ? "boolean" : t == 'i' ? "int" : t == 'a' ? "array"
                                                                         : "array of strings";
}

static bool type_ok(char t, json_t *v)
{
    switch (t) {
    case 's':
        return json_is_string(v);
    case 'b':
        return json_is_boolean(v);
    case 'i':
        return json_is_integer(v);
    case 'a': /* the members are the command's to check */
        return json_is_array(v);
    default:
        if (!json_is_array(v))
            return false;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i)))
                return false;
        return true;
    }
}

static void run_command(QmpServer *q, const QmpCmd *c, json_t *args, json_t *id)
{
    const char *key;
    json_t *v;
    /* every argument known, of its type; every required one there */
    json_object_foreach(args, key, v) {
        const QmpArg *a = NULL;
        for (unsigned i = 0; i < 5 && c->args[i].name; i++)
            if (!strcmp(c->args[i].name, key))
                a = &c->args[i];
        if (!a) {
            send_error(q, id, "GenericError", "Parameter '%s' is unexpected", key);
            return;
        }
        if (!type_ok(a->type, v)) {
            send_error(q, id, "GenericError", "Invalid parameter type for '%s', expected: %s", key,
                       type_name(a->type));
            return;
        }
    }
    for (unsigned i = 0; i < 5 && c->args[i].name; i++) {
        if (c->args[i].required && !json_object_get(args, c->args[i].name)) {
            send_error(q, id, "GenericError", "Parameter '%s' is missing", c->args[i].name);
            return;
        }
    }
    char err[300] = "";
    json_t *r = c->fn(q, args, err, sizeof(err));
    if (err[0]) {
        json_decref(r);
        send_error(q, id, "GenericError", "%s", err);
        return;
    }
    send_return(q, id, r);
}

static void handle_request(QmpServer *q, json_t *req)
{
    if (!json_is_object(req)) {
        send_error(q, NULL, "GenericError", "QMP input must be a JSON object");
        return;
    }
    json_t *id = json_object_get(req, "id");
    const char *key;
    json_t *v;
    json_object_foreach(req, key, v) {
        if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
            send_error(q, id, "GenericError", "QMP input member '%s' is unexpected", key);
            return;
        }
    }
    json_t *exec = json_object_get(req, "execute");
    if (!exec) {
        send_error(q, id, "GenericError", "QMP input lacks member 'execute'");
        return;
    }
    if (!json_is_string(exec)) {
        send_error(q, id, "GenericError", "QMP input member 'execute' must be a string");
        return;
    }
    json_t *args = json_object_get(req, "arguments");
    if (args && !json_is_object(args)) {
        send_error(q, id, "GenericError", "QMP input member 'arguments' must be an object");
        return;
    }
    const char *name = json_string_value(exec);
    if (!strcmp(name, "qmp_capabilities")) {
        if (q->negotiated) {
            send_error(q, id, "CommandNotFound",
                       "Capabilities negotiation is already complete, command ignored");
            return;
        }
        json_t *en = args ? json_object_get(args, "enable") : NULL;
        if (en && (!json_is_array(en) || json_array_size(en))) {
            send_error(q, id, "GenericError", "Capability '%s' not available",
                       json_is_array(en) && json_is_string(json_array_get(en, 0))
                           ? json_string_value(json_array_get(en, 0)) : "?");
            return;
        }
        q->negotiated = true;
        send_return(q, id, NULL);
        return;
    }
    if (!q->negotiated) {
        send_error(q, id, "CommandNotFound",
                   "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    for (size_t i = 0; i < N_CMDS; i++) {
        if (!strcmp(cmds[i].name, name)) {
            json_t *empty = args ? NULL : json_object();
            run_command(q, &cmds[i], args ? args : empty, id);
            json_decref(empty);
            return;
        }
    }
    send_error(q, id, "CommandNotFound", "The command %s has not been found", name);
}

/* ---- input ---- */

static void drop_bytes(QmpServer *q, size_t n)
{
    memmove(q->in, q->in + n, q->in_len - n + 1); /* with the NUL */
    q->in_len -= n;
}

/* Parse and run every complete message in the input buffer */
static void process_input(QmpServer *q)
{
    while (q->in_len && q->fd >= 0) {
        if (q->skip_line) {
            char *nl = memchr(q->in, '\n', q->in_len);
            if (!nl) {
                q->in_len = 0;
                q->in[0] = 0;
                return;
            }
            drop_bytes(q, (size_t)(nl - q->in) + 1);
            q->skip_line = false;
            continue;
        }
        size_t ws = strspn(q->in, " \t\r\n"); /* in[] is NUL-terminated */
        if (ws) {
            drop_bytes(q, ws);
            continue;
        }
        json_error_t e;
        json_t *req = json_loadb(q->in, q->in_len, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &e);
        if (!req) {
            if (json_error_code(&e) == json_error_premature_end_of_input) {
                if (q->in_len > QMP_MAX_MSG) {
                    send_error(q, NULL, "GenericError", "JSON message too long (over %d bytes)",
                               QMP_MAX_MSG);
                    q->in_len = 0;
                    q->skip_line = true;
                }
                return; /* wait for the rest */
            }
            send_error(q, NULL, "GenericError", "JSON parse error, %s", e.text);
            /* resynchronise at the end of the line the error is on */
            size_t at = e.position > 0 && (size_t)e.position <= q->in_len ? (size_t)e.position : 0;
            while (at > 0 && q->in[at - 1] != '\n')
                at--;
            drop_bytes(q, at);
            q->skip_line = true;
            continue;
        }
        drop_bytes(q, (size_t)e.position);
        handle_request(q, req);
        json_decref(req);
    }
}

static void client_ready(void *opaque, int fd, unsigned revents)
{
    QmpServer *q = opaque;
    if (revents & LOOP_WRITE)
        flush_out(q);
    if (q->fd < 0 || !(revents & (LOOP_READ | LOOP_HUP)))
        return;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        drop_client(q);
        return;
    }
    if (q->skip_line && q->in_len == 0 && !memchr(buf, '\n', (size_t)n))
        return; /* still inside a dropped line */
    char *p = realloc(q->in, q->in_len + (size_t)n + 1);
    if (!p)
        return;
    q->in = p;
    memcpy(q->in + q->in_len, buf, (size_t)n);
    q->in_len += (size_t)n;
    q->in[q->in_len] = 0;
    process_input(q);
    if (q->in_len > QMP_MAX_MSG) { /* one value still open past the limit */
        send_error(q, NULL, "GenericError", "JSON message too long (over %d bytes)", QMP_MAX_MSG);
        q->in_len = 0;
        q->skip_line = true;
    }
}

static void listen_ready(void *opaque, int fd, unsigned revents);

static void drop_client(QmpServer *q)
{
    if (q->fd < 0)
        return;
    loop_fd_remove(q->fd_w);
    q->fd_w = NULL;
    close(q->fd);
    q->fd = -1;
    q->in_len = q->out_len = 0;
    loop_fd_set_events(q->listen_w, LOOP_READ); /* the next client */
}

static void start_client(QmpServer *q, int c)
{
    q->fd_w = loop_fd_add(q->m->loop, c, LOOP_READ, client_ready, q);
    if (!q->fd_w) {
        close(c);
        return;
    }
    q->fd = c;
    q->negotiated = false;
    q->skip_line = false;
    q->in_len = q->out_len = 0;
    /* one client at a time: the others wait in the backlog */
    loop_fd_set_events(q->listen_w, 0);
    json_t *caps = json_array();
    send_json(q, json_pack("{s:{s:o,s:o}}", "QMP", "version", version_obj(), "capabilities", caps));
}

static void listen_ready(void *opaque, int fd, unsigned revents)
{
    QmpServer *q = opaque;
    (void)revents;
    if (q->fd >= 0)
        return;
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0)
        start_client(q, c);
}

QmpServer *qmp_open(Machine *m, const char *spec, char *err, size_t errlen)
{
    size_t addr_len;
    bool nowait, bad;
    if (!parse_spec(spec, &addr_len, &nowait)) {
        snprintf(err, errlen, "expected unix:PATH,server[,nowait] or tcp:HOST:PORT,server[,nowait]");
        return NULL;
    }
    QmpServer *q = calloc(1, sizeof(*q));
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    q->m = m;
    q->fd = -1;
    monitor_init(&q->mon, m, NULL, false, false);
    if (chardev_listen(spec, addr_len, 4, &q->lis, &bad, err, errlen)) {
        free(q);
        return NULL;
    }
    fprintf(stderr, "ppcemu: QMP listening on %s\n", q->lis.where);
    q->listen_w = loop_fd_add(m->loop, q->lis.fd, LOOP_READ, listen_ready, q);
    if (!q->listen_w) {
        snprintf(err, errlen, "out of memory");
        chardev_listen_close(&q->lis);
        free(q);
        return NULL;
    }
    if (!nowait) {
        /* as QEMU's server without nowait: the machine starts once a
         * client is there */
        fprintf(stderr, "ppcemu: QMP: waiting for a connection on %s\n", q->lis.where);
        int c = accept4(q->lis.fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            snprintf(err, errlen, "accept: %s", strerror(errno));
            qmp_close(q);
            return NULL;
        }
        start_client(q, c);
    }
    return q;
}

void qmp_close(QmpServer *q)
{
    if (!q)
        return;
    /* the last replies and events (SHUTDOWN), up to a second */
    for (int i = 0; i < 100 && q->fd >= 0 && q->out_len; i++) {
        struct pollfd p = { .fd = q->fd, .events = POLLOUT };
        if (poll(&p, 1, 10) > 0)
            flush_out(q);
    }
    if (q->fd >= 0) {
        loop_fd_remove(q->fd_w);
        close(q->fd);
    }
    loop_fd_remove(q->listen_w);
    chardev_listen_close(&q->lis);
    free(q->in);
    free(q->out);
    free(q);
}
