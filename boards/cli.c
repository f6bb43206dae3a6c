/*
 * Command-line parsing.  One table lists every flag with its argument and
 * help line; `ppcemu -h` is printed from it.  QEMU accepts both -flag and
 * --flag, so do we.  A bad flag or value gets one line naming it and the
 * caller exits with status 2 (cli.md).
 */
#include "boards/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "boards/chardev.h"
#include "boards/qmp.h"
#include "boards/virtmap.h"
#include "cpu/ppc.h"
#include "migration/migrate.h"

typedef struct CliCtx {
    PpcemuOptions *o;
    FILE *out, *err;
    const char *flag;
} CliCtx;

/* A handler returns CLI_RUN to go on, CLI_DONE or CLI_USAGE to stop. */
typedef int (*CliFn)(CliCtx *c, const char *arg);

typedef struct CliOpt {
    const char *name;
    const char *argname; /* NULL: no argument */
    CliFn fn;
    const char *help;
} CliOpt;

static int bad(CliCtx *c, const char *arg, const char *why)
{
    fprintf(c->err, "ppcemu: %s %s: %s\n", c->flag, arg, why);
    return CLI_USAGE;
}

/* Unsigned decimal (or 0x hex) with nothing after it */
static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}


/* fb=WxH or fb=off: width and height multiples of 8 (whole 8x8 glyph
 * cells for a console), the 32 bpp frame within the 16 MiB region */
static int machine_fb(PpcemuOptions *o, const char *p, size_t n)
{
    char buf[32];
    unsigned w, h;
    char tail;
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, p, n);
    buf[n] = 0;
    if (!strcmp(buf, "off")) {
        o->fb_width = o->fb_height = 0;
        return 0;
    }
    if (sscanf(buf, "%ux%u%c", &w, &h, &tail) != 2 || w < 8 || h < 8 || w % 8 || h % 8 ||
        w > 8192 || h > 8192 || (uint64_t)w * h * 4 > VIRT_FB_SIZE)
        return -1;
    o->fb_width = w;
    o->fb_height = h;
    return 0;
}

static int opt_machine(CliCtx *c, const char *arg)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        fprintf(c->out, "Supported machines are:\nvirt                 ppcemu virt board (PowerPC 750, 16550A, IPIC) (default)\n");
        return CLI_DONE;
    }
    const char *p = arg;
    if (!strncmp(p, "type=", 5))
        p += 5;
    size_t n = strcspn(p, ",");
    if (n != 4 || strncmp(p, "virt", 4))
        return bad(c, arg, "unknown machine (only virt; -M help lists them)");
    for (p += n; *p == ','; p += n) {
        p++;
        n = strcspn(p, ",");
        if (n == 7 && !strncmp(p, "ipic=on", 7))
            c->o->ipic = true;
        else if (n == 8 && !strncmp(p, "ipic=off", 8))
            c->o->ipic = false;
        else if (n > 3 && !strncmp(p, "fb=", 3)) {
            if (machine_fb(c->o, p + 3, n - 3))
                return bad(c, arg, "fb= takes WxH (multiples of 8, at most 16 MiB at 32 bpp) or off");
        } else
            return bad(c, arg, "unknown machine property (virt takes ipic=on|off, fb=WxH|off)");
    }
    return CLI_RUN;
}

static int opt_mem(CliCtx *c, const char *arg)
{
    char buf[32];
    const char *p = !strncmp(arg, "size=", 5) ? arg + 5 : arg;
    size_t n = strlen(p);
    uint64_t mul = 1, v;
    if (n == 0 || n >= sizeof(buf))
        return bad(c, arg, "not a size in MiB");
    memcpy(buf, p, n + 1);
    if (buf[n - 1] == 'M' || buf[n - 1] == 'm') {
        buf[n - 1] = 0;
    } else if (buf[n - 1] == 'G' || buf[n - 1] == 'g') {
        buf[n - 1] = 0;
        mul = 1024;
    }
    if (!parse_u64(buf, &v) || v > UINT32_MAX / mul)
        return bad(c, arg, "not a size in MiB");
    v *= mul;
    if (v < VIRT_RAM_MIB_MIN || v > VIRT_RAM_MIB_MAX)
        return bad(c, arg, "RAM size must be 16..768 MiB");
    c->o->ram_mib = (uint32_t)v;
    return CLI_RUN;
}

#define STR_OPT(fname, field) \
    static int fname(CliCtx *c, const char *arg) \
    { \
        c->o->field = arg; \
        return CLI_RUN; \
    }
STR_OPT(opt_kernel, kernel)
STR_OPT(opt_initrd, initrd)
STR_OPT(opt_append, append)
STR_OPT(opt_bios, bios)
STR_OPT(opt_dtb, dtb)
STR_OPT(opt_dump_dtb, dump_dtb)
STR_OPT(opt_snapshot_dir, snapshot_dir)
STR_OPT(opt_logfile, logfile)
STR_OPT(opt_loadvm, loadvm)

/* -incoming tcp:HOST:PORT | unix:PATH | defer (cli.md, issue 10) */
static int opt_incoming(CliCtx *c, const char *arg)
{
    char msg[300];
    if (strcmp(arg, "defer") && mig_uri_check(arg, true, msg, sizeof msg))
        return bad(c, arg, "expected tcp:HOST:PORT, unix:PATH or defer");
    c->o->incoming = arg;
    return CLI_RUN;
}
STR_OPT(opt_gdb, gdb)

/* -drive: QEMU's key=value list; ",," in a value is a literal comma */
static int drive_next(const char **pp, char *out, size_t outlen)
{
    const char *p = *pp;
    size_t n = 0;
    for (; *p; p++) {
        if (*p == ',') {
            if (p[1] != ',')
                break;
            p++;
        }
        if (n + 1 >= outlen)
            return -1;
        out[n++] = *p;
    }
    out[n] = 0;
    *pp = *p ? p + 1 : p;
    return 0;
}

static int drive_onoff(const char *v, bool *b)
{
    if (!strcmp(v, "on"))
        *b = true;
    else if (!strcmp(v, "off"))
        *b = false;
    else
        return -1;
    return 0;
}

static int opt_drive(CliCtx *c, const char *arg)
{
    PpcemuOptions *o = c->o;
    if (o->ndrives >= VIRT_VIRTIO_SLOTS)
        return bad(c, arg, "too many drives (8 virtio slots)");
    VirtioBlkConf d = { NULL, false, false };
    char *file = o->drive_files[o->ndrives];
    char item[1100];
    for (const char *p = arg; *p;) {
        if (drive_next(&p, item, sizeof(item)))
            return bad(c, arg, "option too long");
        char *v = strchr(item, '=');
        if (!v)
            return bad(c, arg, "expected key=value items");
        *v++ = 0;
        if (!strcmp(item, "file")) {
            if (strlen(v) >= sizeof(o->drive_files[0]) || !*v)
                return bad(c, arg, "bad file name");
            strcpy(file, v);
            d.file = file;
        } else if (!strcmp(item, "format")) {
            if (strcmp(v, "raw"))
                return bad(c, arg, "only format=raw is supported");
        } else if (!strcmp(item, "if")) {
            if (strcmp(v, "virtio"))
                return bad(c, arg, "only if=virtio is supported");
        } else if (!strcmp(item, "readonly")) {
            if (drive_onoff(v, &d.readonly))
                return bad(c, arg, "readonly= takes on or off");
        } else if (!strcmp(item, "snapshot")) {
            if (drive_onoff(v, &d.snapshot))
                return bad(c, arg, "snapshot= takes on or off");
        } else {
            return bad(c, arg, "unknown drive option (file, format, if, readonly, snapshot)");
        }
    }
    if (!d.file)
        return bad(c, arg, "file= is required");
    o->drives[o->ndrives++] = d;
    return CLI_RUN;
}

static int opt_nographic(CliCtx *c, const char *arg)
{
    (void)arg;
    c->o->nographic = true;
    return CLI_RUN;
}

static int opt_display(CliCtx *c, const char *arg)
{
    size_t n = strcspn(arg, ",");
    if ((n == 3 && !strncmp(arg, "sdl", 3)) || (n == 4 && !strncmp(arg, "none", 4))) {
        c->o->display = arg;
        return CLI_RUN;
    }
    return bad(c, arg, "unknown display (sdl or none)");
}

static int opt_serial(CliCtx *c, const char *arg)
{
    if (!chardev_spec_valid(arg))
        return bad(c, arg, "unknown character device (stdio, null, file:PATH, unix:PATH[,server])");
    c->o->serial = arg;
    return CLI_RUN;
}

static int opt_monitor(CliCtx *c, const char *arg)
{
    if (strcmp(arg, "stdio") && strcmp(arg, "none") && strcmp(arg, "null") && strncmp(arg, "unix:", 5))
        return bad(c, arg, "unknown monitor device (stdio, none, unix:PATH,server[,nowait])");
    if (!chardev_spec_valid(arg))
        return bad(c, arg, "bad socket options (unix:PATH,server[,nowait])");
    c->o->monitor = arg;
    return CLI_RUN;
}

static int opt_qmp(CliCtx *c, const char *arg)
{
    if (!qmp_spec_valid(arg))
        return bad(c, arg, "expected unix:PATH,server[,nowait] or tcp:HOST:PORT,server[,nowait]");
    if (c->o->nqmp == CLI_MAX_QMP)
        return bad(c, arg, "too many -qmp sockets");
    c->o->qmp[c->o->nqmp++] = arg;
    return CLI_RUN;
}

static int opt_paused(CliCtx *c, const char *arg)
{
    (void)arg;
    c->o->start_paused = true;
    return CLI_RUN;
}

static int opt_s(CliCtx *c, const char *arg)
{
    (void)arg;
    c->o->gdb = "tcp::1234";
    return CLI_RUN;
}

static int opt_no_reboot(CliCtx *c, const char *arg)
{
    (void)arg;
    c->o->no_reboot = true;
    return CLI_RUN;
}

static int opt_tb_freq(CliCtx *c, const char *arg)
{
    uint64_t v;
    /* the device tree's timebase-frequency is one 32-bit cell */
    if (!parse_u64(arg, &v) || v < 1000 || v > UINT32_MAX)
        return bad(c, arg, "timebase frequency must be 1000..4294967295 Hz");
    c->o->tb_freq = v;
    return CLI_RUN;
}

static int opt_tb_clock(CliCtx *c, const char *arg)
{
    if (!strcmp(arg, "host"))
        c->o->tb_clock = TB_CLOCK_HOST;
    else if (!strcmp(arg, "vm"))
        c->o->tb_clock = TB_CLOCK_VM;
    else
        return bad(c, arg, "clock policy must be host or vm");
    return CLI_RUN;
}

static int opt_icount(CliCtx *c, const char *arg)
{
    uint64_t v;
    const char *p = !strncmp(arg, "shift=", 6) ? arg + 6 : arg;
    if (!parse_u64(p, &v) || v > 30)
        return bad(c, arg, "icount shift must be 0..30");
    c->o->icount_shift = (int)v;
    return CLI_RUN;
}

static int opt_accel(CliCtx *c, const char *arg)
{
    if (!strcmp(arg, "interp"))
        c->o->accel = PPC_ENGINE_INTERP;
    else if (!strcmp(arg, "jit"))
        c->o->accel = PPC_ENGINE_JIT;
    else if (!strcmp(arg, "lockstep"))
        c->o->accel = PPC_ENGINE_LOCKSTEP;
    else
        return bad(c, arg, "engine must be jit, interp or lockstep (a debug check)");
    if (c->o->accel != PPC_ENGINE_INTERP && !ppc_jit_available())
        return bad(c, arg, "this host has no JIT (x86-64 only): use -accel interp");
    return CLI_RUN;
}

static int opt_perfmap(CliCtx *c, const char *arg)
{
    (void)arg;
    if (!ppc_jit_available())
        return bad(c, "", "this host has no JIT (x86-64 only), so no generated code to map");
    c->o->perfmap = true;
    return CLI_RUN;
}

static const struct {
    const char *name;
    unsigned flag;
    const char *help;
} debug_items[] = {
    { "in_asm", PPC_DBG_IN_ASM, "show guest code as it is translated" },
    { "out_asm", PPC_DBG_OUT_ASM, "show the host code the JIT generates" },
    { "exec", PPC_DBG_EXEC, "show each block as it runs" },
    { "int", PPC_DBG_INT, "show interrupts and exceptions" },
    { "mmu", PPC_DBG_MMU, "show MMU activity" },
    { "unimp", PPC_DBG_UNIMP, "show unimplemented features and unmapped accesses" },
    { "snapshot", 0, "show snapshot save/restore activity" },
    { "migration", 0, "show live migration activity (status changes, passes)" },
};

static int opt_debug(CliCtx *c, const char *arg)
{
    if (!strcmp(arg, "help")) {
        fprintf(c->out, "Log items (comma separated):\n");
        for (size_t i = 0; i < sizeof(debug_items) / sizeof(debug_items[0]); i++)
            fprintf(c->out, "%-9s %s\n", debug_items[i].name, debug_items[i].help);
        return CLI_DONE;
    }
    for (const char *p = arg; *p;) {
        size_t n = strcspn(p, ","), i;
        for (i = 0; i < sizeof(debug_items) / sizeof(debug_items[0]); i++)
            if (strlen(debug_items[i].name) == n && !strncmp(p, debug_items[i].name, n))
                break;
        if (i == sizeof(debug_items) / sizeof(debug_items[0]))
            return bad(c, arg, "unknown log item (-d help lists them)");
        c->o->debug_flags |= debug_items[i].flag;
        if (!strcmp(debug_items[i].name, "snapshot"))
            c->o->debug_snapshot = true;
        if (!strcmp(debug_items[i].name, "migration"))
            c->o->debug_migration = true;
        p += n;
        if (*p == ',')
            p++;
    }
    return CLI_RUN;
}

/* a signed decimal (or 0x hex) of n characters at s, nothing else */
static bool parse_s64(const char *s, size_t n, int64_t *v)
{
    char buf[32], *end;
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    errno = 0;
    long long x = strtoll(buf, &end, 0);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

bool cli_parse_clock_offsets(const char *arg, int64_t *mono_ns, int64_t *real_ns)
{
    const char *p = arg;
    if (!*p)
        return false;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (n > 5 && !strncmp(p, "mono=", 5)) {
            if (!parse_s64(p + 5, n - 5, mono_ns))
                return false;
        } else if (n > 5 && !strncmp(p, "real=", 5)) {
            if (!parse_s64(p + 5, n - 5, real_ns))
                return false;
        } else {
            return false;
        }
        if (!p[n])
            return true;
        p += n + 1;
    }
}

/* Shift the host clocks the emulator reads: a snapshot restored under
 * other clock origins must behave the same (timebase.md's tests). */
static int opt_debug_clock_offset(CliCtx *c, const char *arg)
{
    if (!cli_parse_clock_offsets(arg, &c->o->debug_mono_offset_ns, &c->o->debug_real_offset_ns))
        return bad(c, arg, "expected mono=NS,real=NS (signed nanoseconds, either part optional)");
    return CLI_RUN;
}

/* Pause when the instruction count reaches N: exact -icount comparisons */
static int opt_debug_stop_icount(CliCtx *c, const char *arg)
{
    uint64_t v;
    if (!parse_u64(arg, &v) || v == 0)
        return bad(c, arg, "expected an instruction count above 0");
    c->o->debug_stop_icount = v;
    return CLI_RUN;
}

static int opt_help(CliCtx *c, const char *arg)
{
    (void)arg;
    cli_help(c->out);
    return CLI_DONE;
}

static int opt_version(CliCtx *c, const char *arg)
{
    (void)arg;
    fprintf(c->out, "ppcemu version %s (PowerPC 750 system emulator)\n", PPCEMU_VERSION);
    return CLI_DONE;
}

static const CliOpt options[] = {
    { "M", "MACHINE", opt_machine, "machine: virt[,ipic=on|off][,fb=WxH|off] (-M help lists them)" },
    { "machine", "MACHINE", opt_machine, "same as -M" },
    { "m", "MIB", opt_mem, "RAM size in MiB, 16..768 (default 128)" },
    { "kernel", "ELF", opt_kernel, "kernel (or bare-metal program) the boot ROM enters" },
    { "initrd", "FILE", opt_initrd, "initial ramdisk" },
    { "append", "ARGS", opt_append, "kernel command line (/chosen bootargs)" },
    { "bios", "FILE", opt_bios, "boot ROM image (raw for 0xFFF00000, or ELF)" },
    { "dtb", "FILE", opt_dtb, "use this device tree blob" },
    { "dump-dtb", "FILE", opt_dump_dtb, "write the generated device tree and exit" },
    { "drive", "SPEC", opt_drive,
      "virtio disk file=PATH,format=raw,if=virtio[,readonly=on][,snapshot=on]; repeatable" },
    { "nographic", NULL, opt_nographic, "serial on stdio, multiplexed with the monitor (Ctrl-A c, Ctrl-A x)" },
    { "display", "sdl|none", opt_display, "sdl: a window on the framebuffer; none (the default): no window" },
    { "serial", "DEV", opt_serial, "UART0 backend: stdio|null|file:PATH|unix:PATH[,server]" },
    { "monitor", "DEV", opt_monitor, "monitor: stdio|unix:PATH,server[,nowait]" },
    { "S", NULL, opt_paused, "do not start the CPU until the monitor's cont" },
    { "loadvm", "NAME", opt_loadvm, "start from snapshot NAME" },
    { "snapshot-dir", "DIR", opt_snapshot_dir, "where named snapshots live" },
    { "incoming", "tcp:HOST:PORT|unix:PATH|defer", opt_incoming,
      "wait for a live migration, then run it (defer: migrate_incoming URI)" },
    { "no-reboot", NULL, opt_no_reboot, "exit (status 0) instead of resetting" },
    { "tb-freq", "HZ", opt_tb_freq, "timebase frequency (default 33333333)" },
    { "tb-clock", "host|vm", opt_tb_clock, "timebase across pauses: real time or VM time" },
    { "icount", "N", opt_icount, "deterministic: TB ticks every 2^N instructions" },
    { "accel", "jit|interp", opt_accel, "execution engine (default jit on x86-64, else interp; lockstep: both, compared)" },
    { "perfmap", NULL, opt_perfmap, "write /tmp/perf-PID.map: perf names the JIT's code by guest address" },
    { "d", "ITEMS", opt_debug, "debug log items (-d help lists them)" },
    { "D", "FILE", opt_logfile, "write the debug log to FILE (default stderr)" },
    { "gdb", "DEV", opt_gdb, "GDB remote stub: tcp::PORT|tcp:HOST:PORT|unix:PATH" },
    { "s", NULL, opt_s, "same as -gdb tcp::1234" },
    { "qmp", "DEV", opt_qmp, "QMP socket: unix:PATH,server[,nowait]|tcp:HOST:PORT,server[,nowait] (repeatable)" },
    { "version", NULL, opt_version, "print the version and exit" },
    { "h", NULL, opt_help, "print this help and exit" },
    { "help", NULL, opt_help, "same as -h" },
};

#define NOPTS (sizeof(options) / sizeof(options[0]))

/* For the tests and for diagnosis, listed apart in -h */
static const CliOpt debug_options[] = {
    { "debug-clock-offset", "mono=NS,real=NS", opt_debug_clock_offset,
      "shift the host clocks the emulator reads (signed ns)" },
    { "debug-stop-icount", "N", opt_debug_stop_icount,
      "pause the machine when the instruction count reaches N" },
};

#define NDEBUG_OPTS (sizeof(debug_options) / sizeof(debug_options[0]))

static void help_rows(FILE *out, const CliOpt *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char lhs[48];
        snprintf(lhs, sizeof(lhs), "-%s%s%s", t[i].name, t[i].argname ? " " : "",
                 t[i].argname ? t[i].argname : "");
        fprintf(out, "  %-24s %s\n", lhs, t[i].help);
    }
}

void cli_help(FILE *out)
{
    fprintf(out, "usage: ppcemu [options]\n"
                 "PowerPC 750 system emulator; QEMU's flag spellings.\n\n");
    help_rows(out, options, NOPTS);
    fprintf(out, "\nDebug options (for tests and diagnosis):\n");
    help_rows(out, debug_options, NDEBUG_OPTS);
    fprintf(out, "\nExit status: 0 normal end, N when the guest's test device wrote N,\n"
                 "1 fatal emulator error, 2 bad command line.\n");
}

int cli_env_defaults(PpcemuOptions *o, FILE *err)
{
    const char *accel = getenv("PPCEMU_ACCEL");
    if (!accel || !*accel)
        return CLI_RUN;
    CliCtx c = { o, NULL, err, "PPCEMU_ACCEL" };
    return opt_accel(&c, accel);
}

void cli_defaults(PpcemuOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->ipic = true;
    o->ram_mib = VIRT_RAM_MIB_DEFAULT;
    o->tb_freq = VIRT_TB_FREQ_DEFAULT;
    o->tb_clock = TB_CLOCK_HOST;
    o->icount_shift = -1;
    o->accel = ppc_jit_available() ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP;
    o->fb_width = VIRT_FB_WIDTH_DEFAULT;
    o->fb_height = VIRT_FB_HEIGHT_DEFAULT;
}

static const CliOpt *find_opt(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(options[i].name, name))
            return &options[i];
    for (size_t i = 0; i < NDEBUG_OPTS; i++)
        if (!strcmp(debug_options[i].name, name))
            return &debug_options[i];
    return NULL;
}

int cli_parse(int argc, char **argv, PpcemuOptions *o, FILE *out, FILE *err)
{
    CliCtx c = { o, out, err, NULL };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            fprintf(err, "ppcemu: %s: not an option (ppcemu -h lists them)\n", a);
            return CLI_USAGE;
        }
        const char *name = a + 1 + (a[1] == '-');
        const CliOpt *opt = find_opt(name);
        if (!opt) {
            fprintf(err, "ppcemu: %s: unknown option (ppcemu -h lists them)\n", a);
            return CLI_USAGE;
        }
        c.flag = a;
        const char *arg = NULL;
        if (opt->argname) {
            if (i + 1 >= argc) {
                fprintf(err, "ppcemu: %s: needs an argument (%s)\n", a, opt->argname);
                return CLI_USAGE;
            }
            arg = argv[++i];
        }
        int r = opt->fn(&c, arg);
        if (r != CLI_RUN)
            return r;
    }
    if (o->perfmap && o->accel == PPC_ENGINE_INTERP) {
        fprintf(err, "ppcemu: -perfmap: the interpreter generates no code (use -accel jit)\n");
        return CLI_USAGE;
    }
    return CLI_RUN;
}
