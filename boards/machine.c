/*
 * The machine: run state, the wiring of the board to its backends, and
 * the CPU's side of the event loop (boards/main_loop.h):
 *
 *   repeat: fire due timers of both clocks; run the CPU for
 *           sched_insn_budget() (at most MACHINE_SLICE_INSNS); act on
 *           guest requests (test device exit, reset); serve host
 *           descriptors between slices (at most every POLL_NS, never
 *           blocking); a halted CPU (MSR[POW]) sleeps in the loop until
 *           sched_ns_to_next(): an idle guest costs ~0% of a host core
 *           (timebase.md rule 8).
 *
 * -nographic multiplexes UART0 and the monitor on stdio like QEMU's mux
 * chardev: Ctrl-A c switches the input focus, Ctrl-A x quits, Ctrl-A h
 * lists the keys, Ctrl-A Ctrl-A sends a Ctrl-A.
 */
#include "boards/machine.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boards/display_sdl.h"
#include "boards/virtmap.h"
#include "boards/vmmigrate.h"
#include "boards/vmsnap.h"

#define POLL_NS 1000000ull /* host input is looked at every millisecond */
#define MUX_ESC 0x01       /* Ctrl-A */
/* the longest CPU slice in instructions: a few ms of guest code */
#define MACHINE_SLICE_INSNS (1u << 20)

static void log_vprintf(void *opaque, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(opaque, fmt, ap);
    va_end(ap);
}

static void uart_tx(void *opaque, uint8_t byte)
{
    Machine *m = opaque;
    chardev_write(m->serial, &byte, 1);
}

/* ---- run state (also the monitor's commands) ---- */

void machine_log(const Machine *m, bool on, const char *what, const char *fmt, ...)
{
    if (!on || !m->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(m->log, "%s: ", what);
    vfprintf(m->log, fmt, ap);
    fprintf(m->log, "\n");
    va_end(ap);
}

void machine_event(Machine *m, const char *name, void *data)
{
    json_t *d = data;
    for (unsigned i = 0; i < m->nqmp; i++)
        qmp_event(m->qmp[i], name, d ? json_incref(d) : NULL);
    json_decref(d);
}

void machine_stop(Machine *m)
{
    if (!m->running)
        return;
    m->running = false;
    /* disk requests in flight complete now: a stopped guest's RAM and
     * rings do not change any more (a migration's last pass relies on it) */
    virt_io_drain(&m->vb);
    tb_pause(m->tb, m->vb.cpu.icount);
    machine_event(m, "STOP", NULL);
}

void machine_cont(Machine *m)
{
    if (m->running)
        return;
    m->running = true;
    /* time is re-derived now, when the guest runs again (timebase.md 5) */
    tb_resume(m->tb, m->vb.cpu.icount);
    machine_event(m, "RESUME", NULL);
}

static void reset_for(Machine *m, bool guest, const char *reason)
{
    virt_reset(&m->vb);
    m->rx_len = 0;
    machine_event(m, "RESET", json_pack("{s:b,s:s}", "guest", guest, "reason", reason));
}

void machine_system_reset(Machine *m)
{
    reset_for(m, false, "host-qmp-system-reset");
}

void machine_shutdown(Machine *m, int status, bool guest, const char *reason)
{
    m->quit = true;
    m->exit_status = status;
    m->shutdown_guest = guest;
    m->shutdown_reason = reason;
    m->vb.cpu.exit_request = 1;
}

void machine_quit(Machine *m, int status)
{
    machine_shutdown(m, status, false, "host-ui");
}

/* ---- host input ---- */

static void rx_to_uart(Machine *m)
{
    if (!m->rx_len)
        return;
    size_t n = uart_receive(&m->vb.uart, m->rx, m->rx_len);
    memmove(m->rx, m->rx + n, m->rx_len - n);
    m->rx_len -= n;
}

static void to_serial(Machine *m, uint8_t b)
{
    if (m->rx_len < sizeof(m->rx))
        m->rx[m->rx_len++] = b;
}

static void mux_help(Machine *m)
{
    static const char help[] =
        "\r\nC-a h    print this help\r\n"
        "C-a x    exit emulator\r\n"
        "C-a c    switch between console and monitor\r\n"
        "C-a C-a  sends C-a\r\n";
    chardev_write(m->serial, help, sizeof(help) - 1);
}

static void mux_escape(Machine *m, uint8_t b)
{
    switch (b) {
    case 'x':
        chardev_write(m->serial, "ppcemu: terminated\r\n", 20);
        machine_quit(m, 0);
        break;
    case 'c':
        m->mux_to_monitor = !m->mux_to_monitor;
        if (m->mux_to_monitor) {
            chardev_write(m->serial, "\r\n", 2);
            monitor_prompt(&m->mon);
        }
        break;
    case 'h':
    case '?':
        mux_help(m);
        break;
    case MUX_ESC:
        if (m->mux_to_monitor)
            monitor_input(&m->mon, &b, 1);
        else
            to_serial(m, b);
        break;
    default:
        break; /* unknown escapes are dropped, as QEMU does */
    }
}

static void mux_input(Machine *m, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && !m->quit; i++) {
        uint8_t b = buf[i];
        if (m->mux_escape) {
            m->mux_escape = false;
            mux_escape(m, b);
        } else if (b == MUX_ESC) {
            m->mux_escape = true;
        } else if (m->mux_to_monitor) {
            monitor_input(&m->mon, &b, 1);
        } else {
            to_serial(m, b);
        }
    }
}

/* the serial backend's handlers (boards/chardev.h) */
static size_t serial_can_read(void *opaque)
{
    Machine *m = opaque;
    if (m->mux)
        return MACHINE_RXBUF; /* the mux reads ahead for the monitor's keys */
    return sizeof(m->rx) - m->rx_len; /* 0: the guest is not reading, leave
                                       * the bytes in the host */
}

static void serial_input(void *opaque, const uint8_t *buf, size_t len)
{
    Machine *m = opaque;
    if (m->mux) {
        mux_input(m, buf, len);
    } else {
        memcpy(m->rx + m->rx_len, buf, len);
        m->rx_len += len;
    }
    rx_to_uart(m);
}

static const CharHandlers serial_handlers = {
    .input = serial_input,
    .can_read = serial_can_read,
};

/* the earlier of two waits in ns, -1 meaning none */
static int64_t earlier(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* Serve host descriptors, bottom halves and due timers.  timeout_ns 0
 * only looks; otherwise the loop sleeps at most that long (-1: no limit)
 * and never past the next timer of either clock (a paused guest clock has
 * none). */
static void serve_host(Machine *m, int64_t timeout_ns)
{
    if (timeout_ns != 0)
        timeout_ns = earlier(timeout_ns, sched_ns_to_next(m->sched, m->vb.cpu.icount));
    loop_run_once(m->loop, timeout_ns);
    sched_run_due(m->sched, m->vb.cpu.icount);
    rx_to_uart(m);
    chardev_accept_input(m->serial); /* the UART may have room again */
    m->last_poll_ns = tb_host_mono_ns();
}

/* Auto-converge (issue 10.2): after a slice that took ran_ns, the CPU
 * sleeps so that it runs only (100 - mig_throttle) % of the time; the
 * loop keeps serving descriptors (the migration's socket) meanwhile.
 * Guest results do not change: only host time passes. */
static void throttle_sleep(Machine *m, uint64_t ran_ns)
{
    unsigned pct = m->mig_throttle;
    uint64_t end = tb_host_mono_ns() + ran_ns * pct / (100 - pct);
    for (uint64_t now = tb_host_mono_ns(); now < end && !m->quit && m->mig_throttle;
         now = tb_host_mono_ns())
        serve_host(m, (int64_t)(end - now));
}

/* ---- the loop ---- */

static void board_requests(Machine *m)
{
    VirtBoard *vb = &m->vb;
    if (vb->exit_req) {
        vb->exit_req = false;
        machine_shutdown(m, vb->exit_status, true, "guest-shutdown");
    }
    if (vb->reset_req) {
        vb->reset_req = false;
        reset_for(m, true, "guest-reset");
    }
}

/* The budget, cut short at the debug stop point; true: stop now.  Slices
 * never exceed MACHINE_SLICE_INSNS, so the loop serves host descriptors
 * (the monitor's quit) between slices in every clock mode, even when no
 * guest event is due under -icount.  The cut is a fixed instruction count,
 * never a host time, and ppc_run stops exactly at its budget, so where the
 * slices end does not change what the guest computes (issue 15.3). */
static bool slice_budget(Machine *m, uint64_t *budget)
{
    uint64_t now = m->vb.cpu.icount;
    *budget = sched_insn_budget(m->sched, now);
    if (*budget > MACHINE_SLICE_INSNS)
        *budget = MACHINE_SLICE_INSNS;
    if (!m->stop_icount)
        return false;
    if (now >= m->stop_icount) {
        m->stop_icount = 0;
        machine_stop(m);
        return true;
    }
    if (*budget > m->stop_icount - now)
        *budget = m->stop_icount - now;
    return false;
}

/* While the guest runs, the CPU comes back to the loop at least every
 * POLL_NS of host time, however slowly its instructions go (a guest
 * polling MMIO runs 2^20 instructions in ~100 ms): a host-clock timer
 * whose only effect is the scheduler's kick.  The kick makes ppc_run
 * return at a block end, which changes no guest state (pending interrupts
 * are taken at the same instruction either way; under -icount the TB and
 * every guest deadline are counts), so -icount results stay exact.  Idle
 * or paused, it is disarmed and the loop sleeps until a real event. */
static void host_turn_due(void *opaque)
{
    (void)opaque; /* the kick has brought the CPU back already */
}

static void run_slice(Machine *m)
{
    PPCState *cpu = &m->vb.cpu;
    uint64_t budget;
    sched_run_due(m->sched, cpu->icount);
    if (slice_budget(m, &budget))
        return;
    if (!m->host_turn.armed)
        sched_timer_arm(m->sched, &m->host_turn, tb_host_mono_ns() + POLL_NS);
    uint64_t t0 = m->mig_throttle ? tb_host_mono_ns() : 0;
    int r = ppc_run(cpu, budget);
    if (m->mig_throttle)
        throttle_sleep(m, tb_host_mono_ns() - t0);
    board_requests(m);
    if (m->quit)
        return;
    if (r == PPC_RUN_DEBUG) {
        /* a debugger breakpoint, watchpoint or step: pause and tell it */
        machine_stop(m);
        gdbstub_debug_stop(m->gdb);
        return;
    }
    if (r == PPC_RUN_STOPPED) {
        fprintf(stderr, "ppcemu: CPU stopped at 0x%08x: %s\n", cpu->pc,
                cpu->stop_reason ? cpu->stop_reason : "unknown reason");
        machine_quit(m, 1);
        return;
    }
    if (r == PPC_RUN_HALTED) {
        /* under -icount, idle time is skipped; in real time we sleep */
        if (sched_idle_warp(m->sched, cpu->icount))
            return;
        sched_run_due(m->sched, cpu->icount);
        if (cpu->exit_request)
            return; /* a timer just raised an interrupt: no sleeping */
        sched_timer_disarm(m->sched, &m->host_turn);
        serve_host(m, -1);
        return;
    }
    if (tb_host_mono_ns() - m->last_poll_ns >= POLL_NS)
        serve_host(m, 0);
    else
        sched_run_due(m->sched, cpu->icount);
}

/* The CPU thread: guest slices and turns with the event loop until quit */
static int machine_run(Machine *m)
{
    while (!m->quit) {
        if (m->running) {
            run_slice(m);
        } else {
            sched_timer_disarm(m->sched, &m->host_turn);
            serve_host(m, -1);
        }
    }
    return m->exit_status;
}

/* ---- setup ---- */

static void default_bios_path(Machine *m)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        snprintf(m->default_bios, sizeof(m->default_bios), "firmware/bootrom.bin");
        return;
    }
    exe[n] = 0;
    snprintf(m->default_bios, sizeof(m->default_bios), "%s/firmware/bootrom.bin", dirname(exe));
}

static int dump_dtb(Machine *m, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(m->vb.dtb, 1, m->vb.dtb_size, f) != m->vb.dtb_size) {
        fprintf(stderr, "ppcemu: -dump-dtb %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return 1;
    }
    if (fclose(f)) {
        fprintf(stderr, "ppcemu: -dump-dtb %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static int open_chardevs(Machine *m)
{
    const PpcemuOptions *o = m->opt;
    const char *sspec = o->serial ? o->serial : "stdio";
    const char *mspec = o->monitor ? o->monitor : (o->nographic ? "stdio" : "none");
    char err[300];
    bool bad;
    m->mux = !strcmp(sspec, "stdio") && !strcmp(mspec, "stdio");
    m->serial = chardev_open(sspec, &bad, err, sizeof(err));
    if (!m->serial) {
        fprintf(stderr, "ppcemu: -serial %s: %s\n", sspec, err);
        return bad ? 2 : 1;
    }
    if (m->mux) {
        m->mon_cd = m->serial;
        /* an explicit -monitor stdio starts with the monitor in focus */
        m->mux_to_monitor = o->monitor && !o->nographic;
    } else if (strcmp(mspec, "none") && strcmp(mspec, "null")) {
        m->mon_cd = chardev_open(mspec, &bad, err, sizeof(err));
        if (!m->mon_cd) {
            fprintf(stderr, "ppcemu: -monitor %s: %s\n", mspec, err);
            return bad ? 2 : 1;
        }
    }
    if (chardev_wait_connected(m->serial) || (m->mon_cd && chardev_wait_connected(m->mon_cd))) {
        fprintf(stderr, "ppcemu: waiting for a socket connection failed\n");
        return 1;
    }
    bool raw = chardev_is_stdio(m->serial);
    if (raw)
        chardev_stdio_raw(!m->mux);
    bool tty = raw && chardev_is_tty(m->serial);
    if (m->mon_cd) {
        bool mtty = chardev_is_tty(m->mon_cd);
        monitor_init(&m->mon, m, m->mon_cd, tty && m->mon_cd == m->serial, mtty && m->mon_cd == m->serial);
    }
    /* the serial backend feeds the UART (and the monitor when muxed); a
     * monitor of its own registers itself */
    if (chardev_attach(m->serial, m->loop, &serial_handlers, m) ||
        (m->mon_cd && m->mon_cd != m->serial && monitor_attach(&m->mon, m->loop))) {
        fprintf(stderr, "ppcemu: out of memory\n");
        return 1;
    }
    return 0;
}

static void setup_log(Machine *m)
{
    const PpcemuOptions *o = m->opt;
    m->log = stderr;
    if (o->logfile) {
        FILE *f = fopen(o->logfile, "w");
        if (f) {
            setvbuf(f, NULL, _IOLBF, 0);
            m->log = f;
        } else {
            fprintf(stderr, "ppcemu: -D %s: %s (logging to stderr)\n", o->logfile, strerror(errno));
        }
    }
    m->vb.cpu.log_fn = log_vprintf;
    m->vb.cpu.log_opaque = m->log;
    m->vb.cpu.debug_flags = o->debug_flags;
}

static void fill_config(Machine *m)
{
    const PpcemuOptions *o = m->opt;
    default_bios_path(m);
    m->cfg = (VirtConfig){
        .ram_mib = o->ram_mib, .ipic = o->ipic, .tb_freq = o->tb_freq,
        .kernel = o->kernel, .initrd = o->initrd, .append = o->append,
        .bios = o->bios, .default_bios = m->default_bios, .dtb_file = o->dtb,
        .no_reboot = o->no_reboot,
        .drives = o->drives, .ndrives = o->ndrives,
        .fb_width = o->fb_width, .fb_height = o->fb_height,
    };
}

/* The window's refresh: a host-clock timer, about every DISPLAY_REFRESH_NS */
static void display_due(void *opaque)
{
    Machine *m = opaque;
    if (display_sdl_refresh(m->display, !m->running))
        machine_quit(m, 0); /* the window was closed, as QEMU's */
    else
        sched_timer_arm(m->sched, &m->display_timer, tb_host_mono_ns() + DISPLAY_REFRESH_NS);
}

/* -display sdl: the framebuffer's window (none without a framebuffer,
 * with -nographic or -display none; none by default for now) */
static int open_display(Machine *m)
{
    const char *disp = m->opt->display;
    if (!disp || strncmp(disp, "sdl", 3) || m->opt->nographic)
        return 0;
    if (!m->vb.has_fb) {
        fprintf(stderr, "ppcemu: warning: -display sdl: the machine has no framebuffer, no window\n");
        return 0;
    }
    char err[300];
    m->display = display_sdl_open(&m->vb.fb, m->vb.has_input ? &m->vb.kbd : NULL,
                                  m->vb.has_input ? &m->vb.tablet : NULL, "ppcemu virt", err, sizeof(err));
    if (!m->display) {
        fprintf(stderr, "ppcemu: -display sdl: %s\n", err);
        return 1;
    }
    sched_timer_init(&m->display_timer, SCHED_HOST, "display", display_due, m);
    sched_timer_arm(m->sched, &m->display_timer, tb_host_mono_ns());
    return 0;
}

static int start(Machine *m)
{
    char err[400];
    bool warn;
    fill_config(m);
    if (virt_init(&m->vb, &m->cfg, uart_tx, m, err, sizeof(err))) {
        fprintf(stderr, "ppcemu: %s\n", err);
        return 1;
    }
    if (virt_load_images(&m->vb, &m->cfg, err, sizeof(err))) {
        fprintf(stderr, "ppcemu: %s\n", err);
        return 1;
    }
    if (m->opt->dump_dtb)
        return dump_dtb(m, m->opt->dump_dtb) ? 1 : -1;
    if (virt_load_rom(&m->vb, &m->cfg, &warn, err, sizeof(err))) {
        fprintf(stderr, "ppcemu: %s\n", err);
        return 1;
    }
    if (warn)
        fprintf(stderr, "ppcemu: warning: %s\n", err);
    tb_host_set_offsets(m->opt->debug_mono_offset_ns, m->opt->debug_real_offset_ns);
    /* one scheduler: the timebase is its guest clock; its kick stops the
     * CPU at the next block end */
    m->sched = sched_new(ppc_kick, &m->vb.cpu);
    if (!m->sched) {
        fprintf(stderr, "ppcemu: cannot create the scheduler\n");
        return 1;
    }
    sched_timer_init(&m->host_turn, SCHED_HOST, "host turn", host_turn_due, m);
    vmmigrate_init(m);
    TBLinks links = ppc_tb_links(&m->vb.cpu);
    links.sched = m->sched;
    m->tb = tb_new(links, m->opt->tb_freq, m->opt->icount_shift, m->opt->tb_clock);
    if (!m->tb) {
        fprintf(stderr, "ppcemu: cannot create the timebase\n");
        return 1;
    }
    m->vb.cpu.tb = m->tb;
    /* under -icount the disks stay synchronous: a completion at an
     * instruction that depends on host timing would break the replay */
    if (m->opt->icount_shift < 0 && virt_start_io(&m->vb, m->loop, err, sizeof(err))) {
        fprintf(stderr, "ppcemu: %s\n", err);
        return 1;
    }
    setup_log(m);
    if (m->opt->perfmap)
        ppc_jit_want_perfmap();
    if (ppc_set_engine(&m->vb.cpu, m->opt->accel)) {
        fprintf(stderr, "ppcemu: -accel: cannot start the JIT (code buffer)\n");
        return 1;
    }
    /* blocks run PPC_JIT_HOT times interpreted before they are compiled
     * (a boot's cold code costs no compile); PPCEMU_JIT_HOT=0 compiles
     * every block on its first run (the jit test step's guest suite) */
    const char *hot = getenv("PPCEMU_JIT_HOT");
    ppc_jit_set_hot(&m->vb.cpu, hot && *hot ? (unsigned)strtoul(hot, NULL, 10) : PPC_JIT_HOT);
    return open_display(m);
}

static void teardown(Machine *m)
{
    chardev_stdio_restore();
    vmmigrate_teardown(m);
    if (m->display)
        sched_timer_disarm(m->sched, &m->display_timer);
    display_sdl_close(m->display);
    m->display = NULL;
    if (m->tb)
        tb_free(m->tb);
    m->vb.cpu.tb = NULL;
    sched_free(m->sched);
    virt_free(&m->vb);
    if (m->mon_cd && m->mon_cd != m->serial)
        chardev_close(m->mon_cd);
    chardev_close(m->serial);
    gdbstub_close(m->gdb);
    for (unsigned i = 0; i < m->nqmp; i++)
        qmp_close(m->qmp[i]);
    loop_free(m->loop);
    if (m->log && m->log != stderr)
        fclose(m->log);
}

/* Power-on state, or the -loadvm snapshot; then running unless -S.  With
 * -loadvm the timebase stays paused until the guest runs, so time is
 * derived at the start or at `cont` (timebase.md rule 5). */
static int initial_state(Machine *m)
{
    const PpcemuOptions *o = m->opt;
    m->stop_icount = o->debug_stop_icount;
    virt_reset(&m->vb);
    if (o->incoming) {
        /* stopped until the migration has arrived (boards/vmmigrate.c) */
        m->running = true;
        machine_stop(m);
        return vmmigrate_incoming(m, o->incoming);
    }
    if (!o->loadvm) {
        m->running = true;
        if (o->start_paused)
            machine_stop(m);
        return 0;
    }
    SnapError err;
    m->running = false; /* the load leaves the timebase paused */
    if (machine_loadvm(m, o->loadvm, &err)) {
        fprintf(stderr, "ppcemu: -loadvm %s: %s\n", o->loadvm, err.msg);
        return 1;
    }
    if (!o->start_paused)
        machine_cont(m);
    return 0;
}

int machine_main(const PpcemuOptions *o)
{
    signal(SIGPIPE, SIG_IGN);
    Machine *m = calloc(1, sizeof(*m));
    if (!m) {
        fprintf(stderr, "ppcemu: out of memory\n");
        return 1;
    }
    m->opt = o;
    m->mig_lfd = -1;
    m->loop = loop_new();
    int r = m->loop ? start(m) : 1;
    if (!m->loop)
        fprintf(stderr, "ppcemu: cannot create the event loop\n");
    if (r == 0)
        r = open_chardevs(m);
    if (r == 0)
        r = initial_state(m);
    for (unsigned i = 0; r == 0 && i < o->nqmp; i++) {
        char err[300];
        m->qmp[i] = qmp_open(m, o->qmp[i], err, sizeof(err));
        if (!m->qmp[i]) {
            fprintf(stderr, "ppcemu: -qmp %s: %s\n", o->qmp[i], err);
            r = 1;
        }
        m->nqmp = i + 1;
    }
    if (r == 0 && o->gdb) {
        char err[300];
        bool bad;
        m->gdb = gdbstub_open(m, o->gdb, &bad, err, sizeof(err));
        if (!m->gdb) {
            fprintf(stderr, "ppcemu: -gdb %s: %s\n", o->gdb, err);
            r = bad ? 2 : 1;
        }
    }
    if (r == 0) {
        if (m->mon_cd && (m->mux_to_monitor || m->mon_cd != m->serial))
            monitor_prompt(&m->mon);
        m->last_poll_ns = tb_host_mono_ns();
        r = machine_run(m);
        gdbstub_exit(m->gdb, r);
        machine_event(m, "SHUTDOWN", json_pack("{s:b,s:s}", "guest", m->shutdown_guest, "reason",
                                               m->shutdown_reason ? m->shutdown_reason : "host-ui"));
    } else if (r < 0) {
        r = 0; /* -dump-dtb done */
    }
    teardown(m);
    free(m);
    return r;
}
