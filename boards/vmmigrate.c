/* Live migration's machine side (boards/vmmigrate.h) */
#include "boards/vmmigrate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

_Static_assert((int)MIG_EV_READ == (int)LOOP_READ && (int)MIG_EV_WRITE == (int)LOOP_WRITE &&
                   (int)MIG_EV_HUP == (int)LOOP_HUP,
               "the engine's event bits are the loop's");

/* The incoming side's state.  One machine per process, and Machine's
 * fields are the board's: these live here. */
static struct {
    MigIncoming *in;
    char uri[300];  /* the -incoming address (its unix: file is removed) */
} vin;

/* ---- the engine's host ---- */

static void *h_watch(void *opaque, int fd, unsigned events, MigFdFn fn, void *fn_opaque)
{
    Machine *m = opaque;
    return loop_fd_add(m->loop, fd, events, fn, fn_opaque);
}

static void h_watch_events(void *w, unsigned events)
{
    loop_fd_set_events(w, events);
}

static void h_unwatch(void *w)
{
    loop_fd_remove(w);
}

static void h_timer(void *opaque, uint64_t delay_ns)
{
    Machine *m = opaque;
    sched_timer_arm(m->sched, &m->mig_timer, tb_host_mono_ns() + delay_ns);
}

static void timer_due(void *opaque)
{
    Machine *m = opaque;
    mig_source_timer(m->mig);
}

static void h_stop(void *opaque)
{
    machine_stop(opaque);
}

static void h_start(void *opaque)
{
    machine_cont(opaque);
}

static bool h_running(void *opaque)
{
    return ((Machine *)opaque)->running;
}

static void h_throttle(void *opaque, unsigned pct)
{
    ((Machine *)opaque)->mig_throttle = pct;
}

static void h_say(void *opaque, const char *line)
{
    (void)opaque;
    fprintf(stderr, "ppcemu: %s\n", line);
}

/* QMP's MIGRATION and MIGRATION_PASS events */
/* the monitor a `migrate` without -d holds until the migration ends */
static Monitor *mig_waiter;

static bool mig_logging(const Machine *m)
{
    return m->opt && m->opt->debug_migration;
}

static void h_status(void *opaque, const char *status)
{
    Machine *m = opaque;
    machine_log(m, mig_logging(m), "migration", "status %s", status);
    machine_event(opaque, "MIGRATION", json_pack("{s:s}", "status", status));
    if (mig_waiter && (!strcmp(status, "completed") || !strcmp(status, "failed") ||
                       !strcmp(status, "cancelled"))) {
        Monitor *mon = mig_waiter;
        mig_waiter = NULL;
        if (strcmp(status, "completed"))
            monitor_printf(mon, "migrate: %s\n", status);
        monitor_resume(mon);
    }
}

static void h_pass(void *opaque, uint64_t pass)
{
    Machine *m = opaque;
    if (mig_logging(m) && m->mig) {
        MigStats st;
        mig_source_stats(m->mig, &st);
        machine_log(m, true, "migration",
                    "pass %llu: %llu bytes sent so far, %llu normal and %llu zero pages, "
                    "throttle %u%%; %llu us (reading %llu, sending %llu, rate limit %llu)",
                    (unsigned long long)pass, (unsigned long long)st.transferred,
                    (unsigned long long)st.normal_pages, (unsigned long long)st.zero_pages,
                    (unsigned)st.throttle_pct, (unsigned long long)st.pass_us,
                    (unsigned long long)st.pass_read_us, (unsigned long long)st.pass_send_us,
                    (unsigned long long)st.pass_wait_us);
    }
    machine_event(opaque, "MIGRATION_PASS", json_pack("{s:I}", "pass", (json_int_t)pass));
}

static MigHost host_of(Machine *m)
{
    MigHost h = {
        m, h_watch, h_watch_events, h_unwatch, h_timer, h_stop, h_start, h_running,
        h_throttle, h_say, h_status, h_pass,
    };
    return h;
}

static MigConfig config_of(Machine *m)
{
    MigConfig c = { tb_freq(m->tb), tb_icount_shift(m->tb), { NULL, 0, NULL, NULL, NULL } };
    Fb *fb = &m->vb.fb;
    if (m->vb.has_fb) /* its memory migrates like RAM (migrate.h: MigRegion) */
        c.region = (MigRegion){ fb->mem, fb->size, fb->mig_dirty, fb->touched,
                                &fb->mig_precopied };
    return c;
}

void vmmigrate_init(Machine *m)
{
    mig_params_default(&m->mig_params);
    sched_timer_init(&m->mig_timer, SCHED_HOST, "migration pass spacing, x-stop-delay",
                     timer_due, m);
    m->mig_lfd = -1;
}

void vmmigrate_teardown(Machine *m)
{
    mig_waiter = NULL;
    mig_source_free(m->mig);
    m->mig = NULL;
    mig_incoming_free(vin.in);
    vin.in = NULL;
    if (m->mig_lfd >= 0 && vin.uri[0])
        mig_unlisten(vin.uri);
    if (m->mig_lw)
        loop_fd_remove(m->mig_lw);
    m->mig_lw = NULL;
    if (m->mig_lfd >= 0)
        close(m->mig_lfd);
    m->mig_lfd = -1;
    if (m->sched)
        sched_timer_disarm(m->sched, &m->mig_timer);
}

/* ---- the destination ---- */

static void incoming_done(void *opaque, bool ok, const char *msg)
{
    Machine *m = opaque;
    if (!ok) {
        fprintf(stderr, "ppcemu: -incoming: %s\n", msg);
        h_status(m, "failed");
        machine_quit(m, 1);
        return;
    }
    m->vb.cpu.exit_request = 1;
    /* time is derived now, when the guest starts here (timebase.md 5, 9);
     * -S keeps it stopped, as QEMU does */
    if (!m->opt->start_paused)
        machine_cont(m);
    mig_incoming_ack(vin.in, true, NULL);
    h_status(m, "completed");
}

static void incoming_ready(void *opaque, int fd, unsigned revents)
{
    (void)revents;
    Machine *m = opaque;
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return; /* a connection that went away: keep waiting */
    /* exactly one connection: nobody else may connect from now on, and
     * the socket file goes (a killed destination leaves none behind) */
    loop_fd_remove(m->mig_lw);
    m->mig_lw = NULL;
    close(m->mig_lfd);
    m->mig_lfd = -1;
    mig_unlisten(vin.uri);
    MigHost h = host_of(m);
    MigConfig cfg = config_of(m);
    vin.in = mig_incoming_start(c, &cfg, &m->vb.snap, &m->vb.bus, &h, incoming_done, m);
    if (!vin.in) {
        close(c);
        fprintf(stderr, "ppcemu: -incoming: out of memory\n");
        machine_quit(m, 1);
        return;
    }
    h_status(m, "active");
}

static int listen_on(Machine *m, const char *uri, char *msg, size_t len)
{
    if (mig_uri_check(uri, true, msg, len))
        return -1;
    int fd = mig_listen(uri, msg, len);
    if (fd < 0)
        return -1;
    m->mig_lfd = fd;
    snprintf(vin.uri, sizeof vin.uri, "%s", uri);
    m->mig_lw = loop_fd_add(m->loop, fd, LOOP_READ, incoming_ready, m);
    if (!m->mig_lw) {
        close(fd);
        m->mig_lfd = -1;
        snprintf(msg, len, "out of memory");
        return -1;
    }
    return 0;
}

int vmmigrate_incoming(Machine *m, const char *uri)
{
    char msg[300];
    if (!strcmp(uri, "defer"))
        return 0;
    if (listen_on(m, uri, msg, sizeof msg)) {
        fprintf(stderr, "ppcemu: -incoming %s: %s\n", uri, msg);
        return 1;
    }
    return 0;
}

/* ---- monitor commands ---- */

/* migrate_incoming URI: 0, or -1 with msg */
static int start_incoming(Machine *m, const char *uri, char *msg, size_t len)
{
    if (!m->opt->incoming || strcmp(m->opt->incoming, "defer")) {
        snprintf(msg, len, "only with -incoming defer");
        return -1;
    }
    if (m->mig_lfd >= 0 || vin.in) {
        snprintf(msg, len, "already waiting for or received a migration");
        return -1;
    }
    if (!*uri) {
        snprintf(msg, len, "usage: migrate_incoming URI");
        return -1;
    }
    return listen_on(m, uri, msg, len);
}

int vmmigrate_cmd_migrate_incoming(Monitor *mon, const char *args)
{
    char msg[300];
    if (start_incoming(mon->m, args, msg, sizeof msg)) {
        monitor_printf(mon, "migrate_incoming: %s\n", msg);
        return -1;
    }
    return 0;
}

/* the incoming migration still runs (a destination that has started
 * may migrate on) */
static bool incoming_active(void)
{
    if (!vin.in)
        return false;
    MigStats st;
    mig_incoming_stats(vin.in, &st);
    return st.status != MIG_COMPLETED && st.status != MIG_FAILED;
}

/* migrate URI: 0, or -1 with msg (then nothing changed) */
static int start_migrate(Machine *m, const char *uri, char *msg, size_t len)
{
    if (mig_source_active(m->mig)) {
        snprintf(msg, len, "a migration is already in progress");
        return -1;
    }
    if ((m->opt->incoming && m->mig_lfd >= 0) || incoming_active()) {
        snprintf(msg, len, "this machine is waiting for or receiving a migration");
        return -1;
    }
    MigHost ops = host_of(m);
    MigConfig cfg = config_of(m);
    MigSource *s = mig_source_start(uri, &m->mig_params, &cfg, &m->vb.snap, &m->vb.bus, &ops,
                                    msg, len);
    if (!s)
        return -1;
    mig_source_free(m->mig);
    m->mig = s;
    return 0;
}

int vmmigrate_cmd_migrate(Monitor *mon, const char *args)
{
    Machine *m = mon->m;
    /* without -d the monitor waits for the end, as QEMU's HMP does; -d
     * returns at once (and a captured command, gdb's qRcmd or QMP's
     * human-monitor-command, cannot wait: it is detached too) */
    bool detach = mon->capture;
    if (!strncmp(args, "-d", 2) && (args[2] == ' ' || args[2] == '\t')) {
        detach = true;
        args += 2;
        while (*args == ' ' || *args == '\t')
            args++;
    }
    if (!*args || (strpbrk(args, " \t") && strncmp(args, "exec:", 5))) {
        monitor_printf(mon, "migrate: usage: migrate [-d] URI\n");
        return -1;
    }
    char msg[300];
    if (start_migrate(m, args, msg, sizeof msg)) {
        monitor_printf(mon, "migrate: %s\n", msg);
        return -1;
    }
    MigStats st;
    mig_source_stats(m->mig, &st);
    if (!detach && st.status != MIG_COMPLETED && st.status != MIG_FAILED &&
        st.status != MIG_CANCELLED) {
        mig_waiter = mon;
        monitor_suspend(mon);
    }
    return 0;
}

int vmmigrate_cmd_migrate_cancel(Monitor *mon, const char *args)
{
    (void)args;
    mig_source_cancel(mon->m->mig);
    return 0;
}

int vmmigrate_cmd_set_parameter(Monitor *mon, const char *args)
{
    Machine *m = mon->m;
    char name[64], value[64], msg[200];
    if (sscanf(args, "%63s %63s", name, value) != 2) {
        monitor_printf(mon, "migrate_set_parameter: usage: migrate_set_parameter NAME VALUE\n");
        return -1;
    }
    if (mig_param_set(&m->mig_params, name, value, msg, sizeof msg)) {
        monitor_printf(mon, "migrate_set_parameter: %s\n", msg);
        return -1;
    }
    mig_source_params(m->mig, &m->mig_params);
    return 0;
}

int vmmigrate_cmd_info_parameters(Monitor *mon, const char *args)
{
    (void)args;
    const MigParams *p = &mon->m->mig_params;
    monitor_printf(mon, "downtime-limit: %llu ms\nmax-bandwidth: %llu bytes/second\n"
                   "auto-converge: %s\nmax-passes: %u\n",
                   (unsigned long long)p->downtime_ms, (unsigned long long)p->max_bw,
                   p->auto_converge ? "on" : "off", p->max_passes);
    return 0;
}

int vmmigrate_cmd_info_migrate(Monitor *mon, const char *args)
{
    (void)args;
    Machine *m = mon->m;
    MigStats st;
    if (!m->mig && vin.in) {
        /* the destination's side */
        mig_incoming_stats(vin.in, &st);
        monitor_printf(mon, "Migration status: %s (incoming)\n", mig_status_name(st.status));
        if (st.error[0])
            monitor_printf(mon, "error: %s\n", st.error);
        monitor_printf(mon, "total time: %llu ms\nreceived: %llu kbytes\nduplicate: %llu pages\n"
                       "normal: %llu pages\nframebuffer: %llu pages\n",
                       (unsigned long long)st.total_ms, (unsigned long long)st.transferred >> 10,
                       (unsigned long long)st.zero_pages, (unsigned long long)st.normal_pages,
                       (unsigned long long)st.region_pages);
        if (st.status == MIG_COMPLETED)
            monitor_printf(mon, "downtime parts here: load %llu us, start %llu us\n",
                           (unsigned long long)st.dt_load_us, (unsigned long long)st.dt_start_us);
        return 0;
    }
    if (!m->mig) {
        monitor_printf(mon, "Migration status: %s\n",
                       m->mig_lfd >= 0 ? "setup (waiting for the source)" : "none");
        return 0;
    }
    mig_source_stats(m->mig, &st);
    monitor_printf(mon, "Migration status: %s\n", mig_status_name(st.status));
    if (st.error[0])
        monitor_printf(mon, "error: %s\n", st.error);
    monitor_printf(mon, "total time: %llu ms\n", (unsigned long long)st.total_ms);
    if (st.status == MIG_COMPLETED) {
        monitor_printf(mon, "downtime: %llu ms\n", (unsigned long long)st.downtime_ms);
        if (st.dt_dev_bytes)
            monitor_printf(mon, "downtime parts: stop %llu us, last ram %llu us (%llu pages), "
                           "device state %llu us (%llu bytes), destination load %llu us, "
                           "start %llu us, ack %llu us\n",
                           (unsigned long long)st.dt_stop_us, (unsigned long long)st.dt_ram_us,
                           (unsigned long long)st.dt_ram_pages, (unsigned long long)st.dt_dev_us,
                           (unsigned long long)st.dt_dev_bytes, (unsigned long long)st.dt_load_us,
                           (unsigned long long)st.dt_start_us, (unsigned long long)st.dt_ack_us);
        monitor_printf(mon, "framebuffer at the stop: %llu pages (%llu bytes)\n",
                       (unsigned long long)st.dt_region_pages,
                       (unsigned long long)st.dt_region_bytes);
        if (st.have_skew)
            monitor_printf(mon, "handover: %lld us (destination start minus source stop, "
                           "realtime, skew removed)\n", (long long)(st.tb_jump_ns / 1000));
    }
    else
        monitor_printf(mon, "expected downtime: %llu ms\n",
                       (unsigned long long)st.expected_downtime_ms);
    monitor_printf(mon, "setup: %llu ms\n", (unsigned long long)st.setup_ms);
    if (st.have_skew)
        monitor_printf(mon, "clock skew: %+lld ns (destination minus source realtime, round trip "
                       "%lld ns)%s\n", (long long)st.skew_ns, (long long)st.rtt_ns,
                       st.skew_ns > 1000000000ll || st.skew_ns < -1000000000ll ? " WARNING" : "");
    monitor_printf(mon,
                   "transferred ram: %llu kbytes\nthroughput: %llu mbps\n"
                   "remaining ram: %llu kbytes\ntotal ram: %llu kbytes\n"
                   "duplicate: %llu pages\nnormal: %llu pages\nframebuffer: %llu pages\n"
                   "dirty sync count: %llu\ndirty pages rate: %llu pages\n"
                   "cpu throttle percentage: %u\n",
                   (unsigned long long)st.transferred >> 10, (unsigned long long)st.mbps,
                   (unsigned long long)st.remaining >> 10, (unsigned long long)st.total >> 10,
                   (unsigned long long)st.zero_pages, (unsigned long long)st.normal_pages,
                   (unsigned long long)st.region_pages, (unsigned long long)st.dirty_syncs, (unsigned long long)st.dirty_rate,
                   st.throttle_pct);
    return 0;
}

/* ---- QMP ---- */

json_t *vmmigrate_qmp_migrate(Machine *m, json_t *args, char *err, size_t n)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    if (start_migrate(m, uri ? uri : "", err, n))
        return NULL;
    return NULL;
}

json_t *vmmigrate_qmp_cancel(Machine *m, json_t *args, char *err, size_t n)
{
    (void)args, (void)err, (void)n;
    mig_source_cancel(m->mig);
    return NULL;
}

json_t *vmmigrate_qmp_incoming(Machine *m, json_t *args, char *err, size_t n)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    start_incoming(m, uri ? uri : "", err, n);
    return NULL;
}

json_t *vmmigrate_qmp_set_parameters(Machine *m, json_t *args, char *err, size_t n)
{
    /* all or nothing: checked on a copy */
    MigParams p = m->mig_params;
    static const char *const names[] = { "downtime-limit", "max-bandwidth" };
    for (unsigned i = 0; i < 2; i++) {
        json_t *v = json_object_get(args, names[i]);
        if (!v)
            continue;
        char val[32];
        snprintf(val, sizeof val, "%lld", (long long)json_integer_value(v));
        if (mig_param_set(&p, names[i], val, err, n))
            return NULL;
    }
    m->mig_params = p;
    mig_source_params(m->mig, &m->mig_params);
    return NULL;
}

/* QEMU's MigrationInfo: {} before any migration */
json_t *vmmigrate_qmp_query(Machine *m, json_t *args, char *err, size_t n)
{
    (void)args, (void)err, (void)n;
    MigStats st;
    if (!m->mig && vin.in) {
        mig_incoming_stats(vin.in, &st);
    } else if (m->mig) {
        mig_source_stats(m->mig, &st);
    } else {
        json_t *o = json_object();
        if (m->mig_lfd >= 0)
            json_object_set_new(o, "status", json_string("setup"));
        return o;
    }
    json_t *o = json_pack("{s:s,s:I,s:I}", "status", mig_status_name(st.status), "total-time",
                          (json_int_t)st.total_ms, "setup-time", (json_int_t)st.setup_ms);
    if (st.status == MIG_COMPLETED)
        json_object_set_new(o, "downtime", json_integer((json_int_t)st.downtime_ms));
    else
        json_object_set_new(o, "expected-downtime",
                            json_integer((json_int_t)st.expected_downtime_ms));
    json_object_set_new(
        o, "ram",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:I}", "transferred",
                  (json_int_t)st.transferred, "remaining", (json_int_t)st.remaining, "total",
                  (json_int_t)st.total, "duplicate", (json_int_t)st.zero_pages, "normal",
                  (json_int_t)st.normal_pages, "normal-bytes",
                  (json_int_t)(st.normal_pages << 12), "mbps", (double)st.mbps,
                  "dirty-sync-count", (json_int_t)st.dirty_syncs, "dirty-pages-rate",
                  (json_int_t)st.dirty_rate));
    json_object_set_new(o, "cpu-throttle-percentage", json_integer(st.throttle_pct));
    if (st.error[0])
        json_object_set_new(o, "error-desc", json_string(st.error));
    if (st.status == MIG_COMPLETED && st.dt_dev_bytes)
        /* ppcemu's own: the downtime's parts, us */
        json_object_set_new(
            o, "x-downtime-parts",
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "stop", (json_int_t)st.dt_stop_us, "last-ram",
                      (json_int_t)st.dt_ram_us, "device-state", (json_int_t)st.dt_dev_us,
                      "destination-load", (json_int_t)st.dt_load_us, "start",
                      (json_int_t)st.dt_start_us, "ack", (json_int_t)st.dt_ack_us));
    if (st.have_skew)
        json_object_set_new(o, "x-clock-skew-ns", json_integer((json_int_t)st.skew_ns));
    /* ppcemu's own: the framebuffer's pages, sent in all and at the stop */
    json_object_set_new(o, "x-framebuffer",
                        json_pack("{s:I,s:I,s:I}", "pages", (json_int_t)st.region_pages,
                                  "stop-pages", (json_int_t)st.dt_region_pages, "stop-bytes",
                                  (json_int_t)st.dt_region_bytes));
    return o;
}
