/*
 * The human monitor.  Commands are rows of one table (name, arguments,
 * help, handler); `info` has its own table of subcommands.  Snapshot and
 * migration commands join the tables when those features land.
 */
#include "boards/monitor.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boards/devcmds.h"
#include "boards/machine.h"
#include "boards/vmmigrate.h"
#include "boards/vmsnap.h"
#include "cpu/regs.h"

#define X_MAX_WORDS 4096

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    if (mon->capture) {
        if (mon->cap_len + len + 1 > mon->cap_size) {
            size_t size = (mon->cap_len + len + 1) * 2;
            char *p = realloc(mon->cap, size);
            if (!p)
                return; /* the output is cut short, the command still runs */
            mon->cap = p;
            mon->cap_size = size;
        }
        memcpy(mon->cap + mon->cap_len, buf, len);
        mon->cap_len += len;
        mon->cap[mon->cap_len] = 0;
        return;
    }
    if (!mon->crlf) {
        chardev_write(mon->cd, buf, len);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            chardev_write(mon->cd, buf + start, i - start);
            chardev_write(mon->cd, "\r\n", 2);
            start = i + 1;
        }
    }
    chardev_write(mon->cd, buf + start, len - start);
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* ---- info subcommands ---- */

/* Items of `info registers`, four to a line */
typedef struct RegLine {
    Monitor *mon;
    int n;
} RegLine;

static void reg_item(RegLine *l, const char *name, unsigned size, uint64_t v)
{
    monitor_printf(l->mon, "%s%-3s %0*llx", l->n ? " " : "", name, 2 * (int)size,
                   (unsigned long long)v);
    if (++l->n == 4) {
        monitor_printf(l->mon, "\n");
        l->n = 0;
    }
}

static void reg_flush(RegLine *l)
{
    if (l->n)
        monitor_printf(l->mon, "\n");
    l->n = 0;
}

/* Every register the table (cpu/regs.c) marks for showing, in its order;
 * an array starts a line of its own */
static int info_registers(Monitor *mon, const char *args)
{
    (void)args;
    PPCState *s = &mon->m->vb.cpu;
    TimeBase *tb = mon->m->tb;
    RegLine l = { mon, 0 };
    for (unsigned k = 0; k < ppc_nregs; k++) {
        const PPCRegDesc *r = &ppc_regs[k];
        if (!(r->flags & PPC_REG_SHOW))
            continue;
        if (r->count > 1)
            reg_flush(&l);
        for (unsigned i = 0; i < r->count; i++) {
            char name[24];
            reg_item(&l, ppc_reg_label(r, i, name, sizeof(name)),
                     r->flags & PPC_REG_BOOL ? 1 : r->size, ppc_reg_get(s, r, i));
        }
        if (r->count > 1)
            reg_flush(&l);
    }
    reg_flush(&l);
    if (tb)
        monitor_printf(mon, "TB  %016llx DEC %08x\n", (unsigned long long)tb_read(tb, s->icount),
                       tb_dec_read(tb, s->icount));
    monitor_printf(mon, "icount %llu%s\n", (unsigned long long)s->icount,
                   s->halted ? " (halted: waiting for an interrupt)" : "");
    return 0;
}

static int info_tb(Monitor *mon, const char *args)
{
    (void)args;
    TimeBase *tb = mon->m->tb;
    PPCState *s = &mon->m->vb.cpu;
    if (!tb) {
        monitor_printf(mon, "info tb: no timebase\n");
        return -1;
    }
    monitor_printf(mon, "TB  %016llx (%llu)\n", (unsigned long long)tb_read(tb, s->icount),
                   (unsigned long long)tb_read(tb, s->icount));
    monitor_printf(mon, "DEC %08x\n", tb_dec_read(tb, s->icount));
    monitor_printf(mon, "frequency %llu Hz\n", (unsigned long long)tb_freq(tb));
    monitor_printf(mon, "clock policy %s\n", tb_policy(tb) == TB_CLOCK_VM ? "vm" : "host");
    if (tb_icount_shift(tb) >= 0)
        monitor_printf(mon, "icount: one tick every 2^%d instructions (%llu executed)\n",
                       tb_icount_shift(tb), (unsigned long long)s->icount);
    else
        monitor_printf(mon, "icount: off (real time); %llu instructions executed\n",
                       (unsigned long long)s->icount);
    monitor_printf(mon, "state %s\n", mon->m->running ? "running" : "paused");
    return 0;
}

static const MonitorCmd info_cmds[] = {
    { "registers", "", "the CPU's registers", info_registers },
    { "tb", "", "timebase, decrementer, frequency, clock policy", info_tb },
    { "snapshots", "", "the snapshots in the snapshot directory", vmsnap_cmd_info_snapshots },
    { "migrate", "", "the state of the last live migration", vmmigrate_cmd_info_migrate },
    { "migrate_parameters", "", "the live migration parameters", vmmigrate_cmd_info_parameters },
    { "block", "", "the virtio drives", dev_cmd_info_block },
};

#define N_INFO (sizeof(info_cmds) / sizeof(info_cmds[0]))

/* ---- commands ---- */

static int cmd_help(Monitor *mon, const char *args);

static int cmd_info(Monitor *mon, const char *args)
{
    size_t n = strcspn(args, " \t");
    for (size_t i = 0; i < N_INFO; i++)
        if (n && strlen(info_cmds[i].name) == n && !strncmp(args, info_cmds[i].name, n))
            return info_cmds[i].fn(mon, skip_ws(args + n));
    if (n)
        monitor_printf(mon, "info: unknown subcommand '%.*s' (", (int)n, args);
    else
        monitor_printf(mon, "info: which one? (");
    for (size_t i = 0; i < N_INFO; i++)
        monitor_printf(mon, "%s%s", i ? ", " : "", info_cmds[i].name);
    monitor_printf(mon, ")\n");
    return -1;
}

static int cmd_stop(Monitor *mon, const char *args)
{
    (void)args;
    machine_stop(mon->m);
    return 0;
}

static int cmd_cont(Monitor *mon, const char *args)
{
    (void)args;
    machine_cont(mon->m);
    return 0;
}

static int cmd_system_reset(Monitor *mon, const char *args)
{
    (void)args;
    machine_system_reset(mon->m);
    return 0;
}

static int cmd_quit(Monitor *mon, const char *args)
{
    (void)args;
    machine_quit(mon->m, 0);
    return 0;
}

static bool parse_u32(const char *s, size_t n, uint32_t *v)
{
    char buf[32];
    char *end;
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 0);
    if (errno || *end || x > 0xFFFFFFFFull || buf[0] == '-')
        return false;
    *v = (uint32_t)x;
    return true;
}

/* x/N ADDR: N words of guest physical memory (the format letters of
 * QEMU's x/Nx are accepted; words are always shown in hex) */
static int cmd_x(Monitor *mon, const char *args)
{
    uint32_t count = 1, addr;
    const char *p = args;
    if (*p == '/') {
        p++;
        size_t n = strspn(p, "0123456789");
        if (n && !parse_u32(p, n, &count)) {
            monitor_printf(mon, "x: bad count\n");
            return -1;
        }
        p += n;
        p += strspn(p, "xwd");
        if (*p != ' ' && *p != '\t') {
            monitor_printf(mon, "x: usage: x/N ADDR\n");
            return -1;
        }
    }
    p = skip_ws(p);
    size_t n = strcspn(p, " \t");
    if (!parse_u32(p, n, &addr) || *skip_ws(p + n)) {
        monitor_printf(mon, "x: usage: x/N ADDR (ADDR a guest physical address)\n");
        return -1;
    }
    if (count == 0 || count > X_MAX_WORDS) {
        monitor_printf(mon, "x: count must be 1..%d\n", X_MAX_WORDS);
        return -1;
    }
    if ((uint64_t)addr + 4ull * count > 0x100000000ull) {
        monitor_printf(mon, "x: range wraps past 0xffffffff\n");
        return -1;
    }
    Bus *b = &mon->m->vb.bus;
    uint8_t probe[4];
    for (uint32_t i = 0; i < count; i++)
        if (bus_peek(b, addr + 4 * i, probe, 4)) {
            monitor_printf(mon, "x: 0x%08x is not RAM or ROM\n", addr + 4 * i);
            return -1;
        }
    for (uint32_t i = 0; i < count; i++) {
        uint8_t w[4];
        (void)bus_peek(b, addr + 4 * i, w, 4);
        if (i % 4 == 0)
            monitor_printf(mon, "%s%08x:", i ? "\n" : "", addr + 4 * i);
        monitor_printf(mon, " %02x%02x%02x%02x", w[0], w[1], w[2], w[3]);
    }
    monitor_printf(mon, "\n");
    return 0;
}

static const MonitorCmd cmds[] = {
    { "help", "", "list the commands", cmd_help },
    { "info", "registers|tb|snapshots|block|migrate|migrate_parameters", "show machine state", cmd_info },
    { "stop", "", "pause the machine", cmd_stop },
    { "cont", "", "resume the machine", cmd_cont },
    { "c", "", "same as cont", cmd_cont },
    { "system_reset", "", "reset the machine", cmd_system_reset },
    { "savevm", "NAME", "save the machine as snapshot NAME", dev_cmd_savevm },
    { "loadvm", "NAME", "restore the machine from snapshot NAME", dev_cmd_loadvm },
    { "delvm", "NAME", "delete snapshot NAME", vmsnap_cmd_delvm },
    { "migrate", "[-d] URI", "live-migrate to tcp:HOST:PORT, unix:PATH or exec:CMD",
      vmmigrate_cmd_migrate },
    { "migrate_incoming", "URI", "wait for a migration on URI (with -incoming defer)",
      vmmigrate_cmd_migrate_incoming },
    { "migrate_cancel", "", "cancel the migration in progress", vmmigrate_cmd_migrate_cancel },
    { "migrate_set_parameter", "NAME VALUE",
      "downtime-limit MS, max-bandwidth BYTES, auto-converge on|off, max-passes N",
      vmmigrate_cmd_set_parameter },
    { "x", "/N ADDR", "show N words of guest physical memory", cmd_x },
    { "sendkey", "KEYS", "press and release keys on the virtio keyboard (ctrl-alt-f1)", dev_cmd_sendkey },
    { "screendump", "FILE [-f ppm|png]", "write the framebuffer's frame to FILE", dev_cmd_screendump },
    { "quit", "", "quit the emulator", cmd_quit },
    { "q", "", "same as quit", cmd_quit },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static int cmd_help(Monitor *mon, const char *args)
{
    (void)args;
    for (size_t i = 0; i < N_CMDS; i++)
        monitor_printf(mon, "%s%s%s -- %s\n", cmds[i].name, cmds[i].args[0] && cmds[i].args[0] != '/' ? " " : "",
                       cmds[i].args, cmds[i].help);
    for (size_t i = 0; i < N_INFO; i++)
        monitor_printf(mon, "info %s -- %s\n", info_cmds[i].name, info_cmds[i].help);
    return 0;
}

int monitor_exec(Monitor *mon, const char *line)
{
    const char *p = skip_ws(line);
    if (!*p)
        return 0;
    /* the name ends at a blank or at '/' (x/N) */
    size_t n = strcspn(p, " \t/");
    for (size_t i = 0; i < N_CMDS; i++) {
        if (strlen(cmds[i].name) == n && !strncmp(p, cmds[i].name, n)) {
            const char *args = p[n] == '/' ? p + n : skip_ws(p + n);
            if (p[n] == '/' && cmds[i].args[0] != '/')
                break;
            if (!cmds[i].args[0] && *args) {
                monitor_printf(mon, "%s: takes no arguments\n", cmds[i].name);
                return -1;
            }
            return cmds[i].fn(mon, args);
        }
    }
    monitor_printf(mon, "unknown command: '%.*s' (help lists them)\n", (int)strcspn(p, " \t"), p);
    return -1;
}

void monitor_init(Monitor *mon, struct Machine *m, CharDev *cd, bool crlf, bool echo)
{
    memset(mon, 0, sizeof(*mon));
    mon->m = m;
    mon->cd = cd;
    mon->crlf = crlf;
    mon->echo = echo;
}

void monitor_prompt(Monitor *mon)
{
    monitor_printf(mon, "(ppcemu) ");
}

static void monitor_char_input(void *opaque, const uint8_t *buf, size_t len)
{
    monitor_input(opaque, buf, len);
}

static void monitor_char_connected(void *opaque)
{
    Monitor *mon = opaque;
    mon->pend_len = 0; /* the last client's held input is not the new one's */
    if (!mon->suspended)
        monitor_prompt(mon); /* greet a new client (a suspended one is greeted at resume) */
}

static const CharHandlers monitor_char_handlers = {
    .input = monitor_char_input,
    .connected = monitor_char_connected,
};

int monitor_attach(Monitor *mon, MainLoop *l)
{
    return chardev_attach(mon->cd, l, &monitor_char_handlers, mon);
}

static void strip_trailing(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
}

/* Keep input typed while suspended; past the buffer it is dropped (a
 * client typing 4 KiB ahead of a running migration gets what QEMU's
 * monitor would give it: nothing read until the command ends) */
static void monitor_hold(Monitor *mon, const uint8_t *buf, size_t len)
{
    size_t room = sizeof(mon->pend) - mon->pend_len;
    if (len > room)
        len = room;
    memcpy(mon->pend + mon->pend_len, buf, len);
    mon->pend_len += len;
}

void monitor_suspend(Monitor *mon)
{
    mon->suspended = true;
}

void monitor_resume(Monitor *mon)
{
    if (!mon->suspended)
        return;
    mon->suspended = false;
    if (mon->m->quit)
        return;
    monitor_prompt(mon);
    uint8_t held[sizeof(mon->pend)];
    size_t n = mon->pend_len;
    memcpy(held, mon->pend, n);
    mon->pend_len = 0;
    monitor_input(mon, held, n);
}

void monitor_input(Monitor *mon, const uint8_t *buf, size_t len)
{
    if (mon->suspended) {
        monitor_hold(mon, buf, len);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        if (c == '\r' || c == '\n') {
            /* "\r\n" from a terminal or telnet-ish client is one end of line */
            bool crlf = c == '\n' && mon->last_cr;
            mon->last_cr = c == '\r';
            if (crlf)
                continue;
            if (mon->echo)
                monitor_printf(mon, "\n");
            mon->line[mon->len] = 0;
            mon->len = 0;
            strip_trailing(mon->line);
            monitor_exec(mon, mon->line);
            if (mon->suspended) {
                monitor_hold(mon, buf + i + 1, len - i - 1);
                return;
            }
            if (!mon->m->quit)
                monitor_prompt(mon);
            continue;
        }
        mon->last_cr = false;
        if (c == 0x7F || c == 0x08) {
            if (mon->len) {
                mon->len--;
                if (mon->echo)
                    monitor_printf(mon, "\b \b");
            }
        } else if (c >= 0x20 && mon->len < sizeof(mon->line) - 1) {
            mon->line[mon->len++] = (char)c;
            if (mon->echo)
                chardev_write(mon->cd, &c, 1);
        }
    }
}

int monitor_exec_capture(Monitor *mon, const char *line, char **out)
{
    bool was = mon->capture;
    mon->capture = true;
    mon->cap = NULL;
    mon->cap_len = mon->cap_size = 0;
    int r = monitor_exec(mon, line);
    mon->capture = was;
    *out = mon->cap ? mon->cap : strdup("");
    mon->cap = NULL;
    mon->cap_len = mon->cap_size = 0;
    return r;
}
