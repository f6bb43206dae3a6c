/*
 * The GDB remote stub (boards/gdbstub.h).  gdb's remote serial protocol
 * (the "Remote Protocol" appendix of the GDB manual): packets
 * `$data#cs` with a two-hex-digit modulo-256 checksum, acknowledged by
 * `+` / `-` until QStartNoAckMode; a 0x03 byte outside a packet is an
 * interrupt request.
 *
 * Registers: a target description (qXfer:features:read) built from the
 * register table (cpu/regs.c).  gdb's PowerPC numbering is kept for the
 * standard features (rs6000-tdep: r0-r31 0-31, f0-f31 32-63, pc 64, msr
 * 65, cr 66, lr 67, ctr 68, xer 69, fpscr 70); the supervisor and 750
 * registers follow in a feature of their own, in table order, then DEC
 * and TB from the timebase.
 *
 * Breakpoints and watchpoints never touch guest memory: they live in the
 * CPU (PPCState.debug_*), whose run loop stops before a breakpoint's
 * instruction and after a watched access (cpu/exec.c).  Z0 and Z1 are
 * the same mechanism.  Memory is read and written at the addresses the
 * CPU's data side sees (ppc_mmu_probe: BATs and page table as the guest
 * set them up, physical when MSR[DR] is 0), RAM and ROM only (no device
 * side effects from a debugger read); writes go through the bus and
 * drop translated code.
 *
 * Replies wait in a buffer the event loop drains as the socket takes
 * them: a debugger that stops reading never blocks the machine; past
 * GDB_OUT_MAX bytes unread it is dropped (one line on stderr) and the
 * guest runs on, as after a detach.
 */
#include "boards/gdbstub.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boards/chardev.h"
#include "boards/machine.h"
#include "cpu/regs.h"

#define PKT_MAX 16384 /* PacketSize we announce (hex 4000) */
#define XML_MAX 32768
/* replies a debugger may leave unread: a 'g' is under 2 KiB, a memory read
 * or a qXfer chunk at most PKT_MAX; gdb reads each before its next request */
#define GDB_OUT_MAX (1u << 20)

enum { REG_TABLE, REG_TB, REG_DEC };
enum { FEAT_CORE, FEAT_FPU, FEAT_SUPER, FEAT_N };

typedef struct GdbReg {
    char name[16];
    unsigned bits;
    unsigned feature;
    const char *type;
    unsigned kind; /* REG_* */
    const PPCRegDesc *r;
    unsigned i;
} GdbReg;

#define MAX_REGS 200

struct GdbStub {
    Machine *m;
    ChardevListener lis;
    LoopFd *listen_w;
    int fd;
    LoopFd *fd_w;
    bool noack;
    bool owed;   /* a c/s/vCont is running: a stop reply is owed */
    int state;   /* packet parser: 0 idle, 1 data, 2 and 3 checksum digits */
    char pkt[PKT_MAX + 1];
    size_t len;
    bool overflow;
    uint8_t sum;
    char cs[2];
    char stop_reply[64]; /* the last one, for '?' */
    GdbReg regs[MAX_REGS];
    unsigned nregs;
    char xml[XML_MAX];
    size_t xml_len;
    Monitor mon;
    char *out; /* replies the socket has not taken yet */
    size_t out_len, out_cap;
};

static const char hexd[] = "0123456789abcdef";

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- the register list and its description ---- */

static const PPCRegDesc *reg_named(const char *name)
{
    for (unsigned k = 0; k < ppc_nregs; k++)
        if (!strcmp(ppc_regs[k].name, name))
            return &ppc_regs[k];
    return NULL;
}

static void add_reg(GdbStub *g, const char *name, unsigned bits, unsigned feature,
                    const char *type, unsigned kind, const PPCRegDesc *r, unsigned i)
{
    if (g->nregs == MAX_REGS)
        return;
    GdbReg *x = &g->regs[g->nregs++];
    snprintf(x->name, sizeof(x->name), "%s", name);
    for (char *p = x->name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    x->bits = bits;
    x->feature = feature;
    x->type = type;
    x->kind = kind;
    x->r = r;
    x->i = i;
}

static void build_regs(GdbStub *g)
{
    static const char *const core[] = { "pc", "msr", "cr", "lr", "ctr", "xer" };
    const PPCRegDesc *gpr = reg_named("gpr"), *fpr = reg_named("fpr");
    char name[24];
    for (unsigned i = 0; i < 32; i++)
        add_reg(g, ppc_reg_label(gpr, i, name, sizeof(name)), 32, FEAT_CORE, "uint32",
                REG_TABLE, gpr, i);
    for (unsigned i = 0; i < 32; i++)
        add_reg(g, ppc_reg_label(fpr, i, name, sizeof(name)), 64, FEAT_FPU, "ieee_double",
                REG_TABLE, fpr, i);
    for (unsigned i = 0; i < 6; i++)
        add_reg(g, core[i], 32, FEAT_CORE, i == 0 || i == 3 ? "code_ptr" : "uint32", REG_TABLE,
                reg_named(core[i]), 0);
    add_reg(g, "fpscr", 32, FEAT_FPU, "uint32", REG_TABLE, reg_named("fpscr"), 0);
    /* the supervisor and 750 registers `info registers` shows */
    for (unsigned k = 0; k < ppc_nregs; k++) {
        const PPCRegDesc *r = &ppc_regs[k];
        if (!(r->flags & PPC_REG_SHOW) || (r->group != PPC_RG_SUPER && r->group != PPC_RG_IMPL) ||
            !strcmp(r->name, "msr"))
            continue;
        for (unsigned i = 0; i < r->count; i++)
            add_reg(g, ppc_reg_label(r, i, name, sizeof(name)), 32, FEAT_SUPER, "uint32",
                    REG_TABLE, r, i);
    }
    add_reg(g, "dec", 32, FEAT_SUPER, "uint32", REG_DEC, NULL, 0);
    add_reg(g, "tb", 64, FEAT_SUPER, "uint64", REG_TB, NULL, 0);
}

static void xml_add(GdbStub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xml_add(GdbStub *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->xml + g->xml_len, sizeof(g->xml) - g->xml_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        g->xml_len += (size_t)n;
    if (g->xml_len >= sizeof(g->xml))
        g->xml_len = sizeof(g->xml) - 1;
}

static void build_xml(GdbStub *g)
{
    static const char *const feat[FEAT_N] = {
        "org.gnu.gdb.power.core", "org.gnu.gdb.power.fpu", "org.ppcemu.750.supervisor",
    };
    xml_add(g, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
               "<target version=\"1.0\">\n<architecture>powerpc:750</architecture>\n");
    for (unsigned f = 0; f < FEAT_N; f++) {
        xml_add(g, "<feature name=\"%s\">\n", feat[f]);
        for (unsigned n = 0; n < g->nregs; n++) {
            const GdbReg *r = &g->regs[n];
            if (r->feature == f)
                xml_add(g, "  <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>\n",
                        r->name, r->bits, r->type, n,
                        f == FEAT_SUPER ? " group=\"system\"" : f == FEAT_FPU ? " group=\"float\"" : "");
        }
        xml_add(g, "</feature>\n");
    }
    xml_add(g, "</target>\n");
}

static uint64_t reg_read(GdbStub *g, const GdbReg *r)
{
    PPCState *s = &g->m->vb.cpu;
    switch (r->kind) {
    case REG_TB:
        return g->m->tb ? tb_read(g->m->tb, s->icount) : 0;
    case REG_DEC:
        return g->m->tb ? tb_dec_read(g->m->tb, s->icount) : s->dec;
    default:
        return ppc_reg_get(s, r->r, r->i);
    }
}

static void reg_write(GdbStub *g, const GdbReg *r, uint64_t v)
{
    PPCState *s = &g->m->vb.cpu;
    switch (r->kind) {
    case REG_TB:
        if (g->m->tb) {
            tb_write_lower(g->m->tb, s->icount, (uint32_t)v);
            tb_write_upper(g->m->tb, s->icount, (uint32_t)(v >> 32));
        }
        return;
    case REG_DEC:
        if (g->m->tb)
            tb_dec_write(g->m->tb, s->icount, (uint32_t)v);
        return;
    default:
        break;
    }
    if (r->r == reg_named("msr")) {
        ppc_set_msr(s, (uint32_t)v); /* flushes the soft TLB as mtmsr does */
        return;
    }
    ppc_reg_set(s, r->r, r->i, v);
    if (r->feature == FEAT_SUPER)
        ppc_tlb_flush(s); /* SRs, BATs, SDR1 change translations */
}

/* ---- output ---- */

static void drop_client(GdbStub *g);

/* Send what waits, as far as the socket takes it now; the loop sends the
 * rest when the socket has room (client_ready) */
static void flush_out(GdbStub *g)
{
    size_t done = 0;
    while (done < g->out_len && g->fd >= 0) {
        ssize_t n = send(g->fd, g->out + done, g->out_len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            drop_client(g);
            return;
        }
        done += (size_t)n;
    }
    if (g->fd < 0)
        return;
    memmove(g->out, g->out + done, g->out_len - done);
    g->out_len -= done;
    loop_fd_set_events(g->fd_w, LOOP_READ | (g->out_len ? LOOP_WRITE : 0));
}

/* Before a close: the last replies, for up to a second */
static void flush_wait(GdbStub *g)
{
    for (int i = 0; i < 100 && g->fd >= 0 && g->out_len; i++) {
        struct pollfd p = { .fd = g->fd, .events = POLLOUT };
        if (poll(&p, 1, 10) > 0)
            flush_out(g);
    }
}

/* Queue output.  A debugger that lets GDB_OUT_MAX bytes pile up has
 * stopped reading: it is dropped (the guest runs on, detached) rather
 * than allowed to stall the machine. */
static void send_raw(GdbStub *g, const char *buf, size_t len)
{
    if (g->fd < 0)
        return;
    if (g->out_len + len > GDB_OUT_MAX) {
        fprintf(stderr, "ppcemu: gdb stub: the debugger stopped reading (%zu bytes waiting); "
                        "dropping the connection\n", g->out_len);
        drop_client(g);
        return;
    }
    if (g->out_len + len > g->out_cap) {
        size_t cap = (g->out_len + len) * 2;
        char *p = realloc(g->out, cap);
        if (!p) {
            drop_client(g);
            return;
        }
        g->out = p;
        g->out_cap = cap;
    }
    memcpy(g->out + g->out_len, buf, len);
    g->out_len += len;
    flush_out(g);
}

static void send_packet(GdbStub *g, const char *data, size_t len)
{
    char *buf = malloc(len + 5);
    if (!buf)
        return;
    uint8_t sum = 0;
    buf[0] = '$';
    for (size_t i = 0; i < len; i++) {
        buf[1 + i] = data[i];
        sum = (uint8_t)(sum + (uint8_t)data[i]);
    }
    buf[1 + len] = '#';
    buf[2 + len] = hexd[sum >> 4];
    buf[3 + len] = hexd[sum & 15];
    send_raw(g, buf, len + 4);
    free(buf);
}

static void send_str(GdbStub *g, const char *s)
{
    send_packet(g, s, strlen(s));
}

/* the binary-data escape of qXfer replies: } # $ * are sent as } x^0x20 */
static void send_binary(GdbStub *g, char lead, const char *data, size_t len)
{
    char *buf = malloc(2 * len + 2);
    if (!buf)
        return;
    size_t n = 0;
    buf[n++] = lead;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '}' || c == '#' || c == '$' || c == '*') {
            buf[n++] = '}';
            buf[n++] = (char)(c ^ 0x20);
        } else {
            buf[n++] = c;
        }
    }
    send_packet(g, buf, n);
    free(buf);
}

/* ---- stop replies ---- */

static void set_stop_reply(GdbStub *g, int sig)
{
    PPCState *s = &g->m->vb.cpu;
    if (sig == 5 && s->debug_stop == PPC_DEBUG_STOP_WATCH) {
        const char *k = s->debug_hit_kind == PPC_WATCH_WRITE  ? "watch"
                        : s->debug_hit_kind == PPC_WATCH_READ ? "rwatch"
                                                              : "awatch";
        snprintf(g->stop_reply, sizeof(g->stop_reply), "T05thread:01;%s:%08x;", k,
                 s->debug_hit_ea);
    } else if (sig == 5 && s->debug_stop == PPC_DEBUG_STOP_BP) {
        snprintf(g->stop_reply, sizeof(g->stop_reply), "T05thread:01;swbreak:;");
    } else {
        snprintf(g->stop_reply, sizeof(g->stop_reply), "T%02xthread:01;", sig);
    }
}

void gdbstub_debug_stop(GdbStub *g)
{
    if (!g)
        return;
    PPCState *s = &g->m->vb.cpu;
    ppc_debug_set_step(s, false);
    set_stop_reply(g, 5);
    s->debug_stop = PPC_DEBUG_STOP_NONE;
    if (g->owed && g->fd >= 0) {
        g->owed = false;
        send_str(g, g->stop_reply);
    }
}

void gdbstub_exit(GdbStub *g, int status)
{
    if (!g || g->fd < 0)
        return;
    char buf[8];
    snprintf(buf, sizeof(buf), "W%02x", status & 0xFF);
    send_str(g, buf);
}

/* ---- commands ---- */

static void resume(GdbStub *g, bool step)
{
    PPCState *s = &g->m->vb.cpu;
    ppc_debug_set_step(s, step);
    ppc_debug_resume(s);
    g->owed = true;
    machine_cont(g->m);
}

static bool parse_hex(const char **p, uint32_t *v)
{
    uint64_t x = 0;
    int d, n = 0;
    while ((d = hexval((unsigned char)**p)) >= 0) {
        x = (x << 4) | (unsigned)d;
        if (x > 0xFFFFFFFFull)
            return false;
        (*p)++;
        n++;
    }
    *v = (uint32_t)x;
    return n > 0;
}

/* "ADDR,LEN" then optional terminator */
static bool parse_addr_len(const char **p, uint32_t *addr, uint32_t *len)
{
    if (!parse_hex(p, addr) || **p != ',')
        return false;
    (*p)++;
    return parse_hex(p, len);
}

static void put_hex(char *out, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t b = (uint8_t)(v >> (8 * (bytes - 1 - i)));
        out[2 * i] = hexd[b >> 4];
        out[2 * i + 1] = hexd[b & 15];
    }
}

static bool get_hex(const char *in, unsigned bytes, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < 2 * bytes; i++) {
        int d = hexval((unsigned char)in[i]);
        if (d < 0)
            return false;
        x = (x << 4) | (unsigned)d;
    }
    *v = x;
    return true;
}

static void cmd_read_regs(GdbStub *g)
{
    char *buf = malloc(g->nregs * 16 + 1);
    if (!buf) {
        send_str(g, "E0c");
        return;
    }
    size_t n = 0;
    for (unsigned i = 0; i < g->nregs; i++) {
        put_hex(buf + n, reg_read(g, &g->regs[i]), g->regs[i].bits / 8);
        n += g->regs[i].bits / 4;
    }
    send_packet(g, buf, n);
    free(buf);
}

static void cmd_write_regs(GdbStub *g, const char *p, size_t len)
{
    size_t off = 0;
    for (unsigned i = 0; i < g->nregs; i++) {
        unsigned bytes = g->regs[i].bits / 8;
        uint64_t v;
        if (off + 2 * bytes > len)
            break; /* a short G leaves the rest as they are */
        if (!get_hex(p + off, bytes, &v)) {
            send_str(g, "E01");
            return;
        }
        reg_write(g, &g->regs[i], v);
        off += 2 * bytes;
    }
    send_str(g, "OK");
}

static void cmd_read_reg(GdbStub *g, const char *p)
{
    uint32_t n;
    if (!parse_hex(&p, &n) || *p) {
        send_str(g, "E01");
        return;
    }
    if (n >= g->nregs) {
        send_str(g, "E02");
        return;
    }
    char buf[17];
    put_hex(buf, reg_read(g, &g->regs[n]), g->regs[n].bits / 8);
    send_packet(g, buf, g->regs[n].bits / 4);
}

static void cmd_write_reg(GdbStub *g, const char *p)
{
    uint32_t n;
    uint64_t v;
    if (!parse_hex(&p, &n) || *p != '=' || n >= g->nregs ||
        strlen(p + 1) != g->regs[n].bits / 4 || !get_hex(p + 1, g->regs[n].bits / 8, &v)) {
        send_str(g, "E01");
        return;
    }
    reg_write(g, &g->regs[n], v);
    if (g->regs[n].r == reg_named("pc"))
        g->m->vb.cpu.debug_skip_armed = false; /* the debugger moved the pc itself (jump):
                                                * the last stop is not resumed */
    send_str(g, "OK");
}

/* The physical address of ea as the CPU's data side sees it, or false */
static bool mem_xlate(GdbStub *g, uint32_t ea, int access, uint32_t *pa)
{
    return ppc_mmu_probe(&g->m->vb.cpu, ea, access, pa) == 0;
}

static void cmd_read_mem(GdbStub *g, const char *p)
{
    uint32_t addr, len;
    if (!parse_addr_len(&p, &addr, &len) || *p) {
        send_str(g, "E01");
        return;
    }
    if (len > PKT_MAX / 2)
        len = PKT_MAX / 2;
    char *buf = malloc(2 * (size_t)len + 1);
    if (!buf) {
        send_str(g, "E0c");
        return;
    }
    uint32_t i;
    for (i = 0; i < len; i++) {
        uint32_t pa;
        uint8_t b;
        if (!mem_xlate(g, addr + i, PPC_ACC_READ, &pa) || bus_peek(g->m->vb.cpu.bus, pa, &b, 1))
            break;
        buf[2 * i] = hexd[b >> 4];
        buf[2 * i + 1] = hexd[b & 15];
    }
    if (i == 0 && len)
        send_str(g, "E14"); /* EFAULT */
    else
        send_packet(g, buf, 2 * (size_t)i);
    free(buf);
}

/* One byte at ea into RAM, through the bus; translated code of the page
 * is dropped.  ROM and devices are refused. */
static bool mem_write_byte(GdbStub *g, uint32_t ea, uint8_t b)
{
    PPCState *s = &g->m->vb.cpu;
    uint32_t pa;
    bool writable;
    if (!mem_xlate(g, ea, PPC_ACC_WRITE, &pa) || !bus_host_ptr(s->bus, pa, &writable) || !writable)
        return false;
    /* tracked by the bus: translated code dropped, the page dirty */
    return bus_write_ram(s->bus, pa, &b, 1) == 0;
}

static void cmd_write_mem(GdbStub *g, const char *p, size_t plen, bool binary)
{
    const char *end = p + plen;
    uint32_t addr, len;
    if (!parse_addr_len(&p, &addr, &len) || *p != ':') {
        send_str(g, "E01");
        return;
    }
    p++;
    for (uint32_t i = 0; i < len; i++) {
        uint8_t b;
        if (binary) {
            if (p >= end)
                goto bad;
            b = (uint8_t)*p++;
            if (b == '}') {
                if (p >= end)
                    goto bad;
                b = (uint8_t)(*p++ ^ 0x20);
            }
        } else {
            int hi, lo;
            if (p + 2 > end || (hi = hexval((unsigned char)p[0])) < 0 ||
                (lo = hexval((unsigned char)p[1])) < 0)
                goto bad;
            b = (uint8_t)(hi << 4 | lo);
            p += 2;
        }
        if (!mem_write_byte(g, addr + i, b)) {
            send_str(g, "E14");
            return;
        }
    }
    send_str(g, "OK");
    return;
bad:
    send_str(g, "E01");
}

static void cmd_breakpoint(GdbStub *g, const char *p, bool insert)
{
    PPCState *s = &g->m->vb.cpu;
    char type = *p++;
    uint32_t addr, len;
    if (*p++ != ',' || !parse_addr_len(&p, &addr, &len)) {
        send_str(g, "E01");
        return;
    }
    int r;
    switch (type) {
    case '0':
    case '1':
        r = insert ? ppc_debug_bp_insert(s, addr) : ppc_debug_bp_remove(s, addr);
        break;
    case '2':
    case '3':
    case '4': {
        unsigned kind = type == '2' ? PPC_WATCH_WRITE : type == '3' ? PPC_WATCH_READ : PPC_WATCH_ACCESS;
        r = insert ? ppc_debug_wp_insert(s, addr, len, kind) : ppc_debug_wp_remove(s, addr, len, kind);
        break;
    }
    default:
        send_str(g, ""); /* not supported */
        return;
    }
    send_str(g, r ? "E0e" : "OK");
}

static void cmd_rcmd(GdbStub *g, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *line = malloc(n + 1);
    if (!line) {
        send_str(g, "E0c");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(line);
            send_str(g, "E01");
            return;
        }
        line[i] = (char)(hi << 4 | lo);
    }
    line[n] = 0;
    char *out;
    (void)monitor_exec_capture(&g->mon, line, &out);
    free(line);
    /* the output in console-output packets ("O" + hex), then OK */
    size_t olen = out ? strlen(out) : 0;
    for (size_t off = 0; off < olen;) {
        size_t chunk = olen - off < 1024 ? olen - off : 1024;
        char buf[1 + 2 * 1024];
        buf[0] = 'O';
        for (size_t i = 0; i < chunk; i++)
            put_hex(buf + 1 + 2 * i, (uint8_t)out[off + i], 1);
        send_packet(g, buf, 1 + 2 * chunk);
        off += chunk;
    }
    free(out);
    send_str(g, "OK");
}

static void cmd_xfer_features(GdbStub *g, const char *p)
{
    static const char pre[] = "target.xml:";
    uint32_t off, len;
    if (strncmp(p, pre, sizeof(pre) - 1)) {
        send_str(g, "E00");
        return;
    }
    p += sizeof(pre) - 1;
    if (!parse_addr_len(&p, &off, &len)) {
        send_str(g, "E01");
        return;
    }
    if (off >= g->xml_len) {
        send_str(g, "l");
        return;
    }
    size_t left = g->xml_len - off;
    if (len > PKT_MAX / 2 - 2)
        len = PKT_MAX / 2 - 2;
    if (left <= len)
        send_binary(g, 'l', g->xml + off, left);
    else
        send_binary(g, 'm', g->xml + off, len);
}

static void detach(GdbStub *g)
{
    ppc_debug_clear(&g->m->vb.cpu);
    g->owed = false;
    machine_cont(g->m);
}

static void handle_query(GdbStub *g, const char *p)
{
    if (!strncmp(p, "qSupported", 10)) {
        send_str(g, "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;"
                    "vContSupported+;swbreak+;hwbreak+");
    } else if (!strncmp(p, "qXfer:features:read:", 20)) {
        cmd_xfer_features(g, p + 20);
    } else if (!strcmp(p, "QStartNoAckMode")) {
        send_str(g, "OK");
        g->noack = true;
    } else if (!strcmp(p, "qAttached")) {
        send_str(g, "1");
    } else if (!strcmp(p, "qC")) {
        send_str(g, "QC01");
    } else if (!strcmp(p, "qfThreadInfo")) {
        send_str(g, "m01");
    } else if (!strcmp(p, "qsThreadInfo")) {
        send_str(g, "l");
    } else if (!strncmp(p, "qRcmd,", 6)) {
        cmd_rcmd(g, p + 6);
    } else {
        send_str(g, ""); /* unsupported */
    }
}

static void handle_vcont(GdbStub *g, const char *p)
{
    if (!strcmp(p, "?")) {
        send_str(g, "vCont;c;C;s;S");
        return;
    }
    if (*p != ';') {
        send_str(g, "E01");
        return;
    }
    /* one CPU: the first action decides */
    char a = p[1];
    if (a == 's' || a == 'S')
        resume(g, true);
    else if (a == 'c' || a == 'C')
        resume(g, false);
    else
        send_str(g, "E01");
}

static void handle_packet(GdbStub *g, char *p, size_t len)
{
    PPCState *s = &g->m->vb.cpu;
    p[len] = 0;
    switch (p[0]) {
    case '?':
        send_str(g, g->stop_reply);
        break;
    case 'g':
        cmd_read_regs(g);
        break;
    case 'G':
        cmd_write_regs(g, p + 1, len - 1);
        break;
    case 'p':
        cmd_read_reg(g, p + 1);
        break;
    case 'P':
        cmd_write_reg(g, p + 1);
        break;
    case 'm':
        cmd_read_mem(g, p + 1);
        break;
    case 'M':
        cmd_write_mem(g, p + 1, len - 1, false);
        break;
    case 'X':
        cmd_write_mem(g, p + 1, len - 1, true);
        break;
    case 'Z':
    case 'z':
        cmd_breakpoint(g, p + 1, p[0] == 'Z');
        break;
    case 'c':
    case 's': {
        const char *q = p + 1;
        uint32_t addr;
        if (*q && parse_hex(&q, &addr))
            s->pc = addr;
        resume(g, p[0] == 's');
        break;
    }
    case 'C':
    case 'S': /* the signal is ignored: there is no process to give it to */
        resume(g, p[0] == 'S');
        break;
    case 'H':
    case 'T':
        send_str(g, "OK");
        break;
    case 'D':
        send_str(g, "OK");
        flush_wait(g);
        detach(g);
        drop_client(g);
        break;
    case 'k':
        machine_quit(g->m, 0);
        drop_client(g);
        break;
    case 'q':
    case 'Q':
        handle_query(g, p);
        break;
    case 'v':
        if (!strncmp(p, "vCont", 5))
            handle_vcont(g, p + 5);
        else
            send_str(g, ""); /* vMustReplyEmpty and the rest */
        break;
    default:
        send_str(g, "");
        break;
    }
}

/* Ctrl-C: stop the guest where it is and report SIGINT */
static void interrupt(GdbStub *g)
{
    if (!g->m->running)
        return;
    machine_stop(g->m);
    ppc_debug_set_step(&g->m->vb.cpu, false);
    set_stop_reply(g, 2);
    if (g->owed) {
        g->owed = false;
        send_str(g, g->stop_reply);
    }
}

static void input_byte(GdbStub *g, uint8_t c)
{
    switch (g->state) {
    case 0:
        if (c == '$') {
            g->state = 1;
            g->len = 0;
            g->sum = 0;
            g->overflow = false;
        } else if (c == 0x03) {
            interrupt(g);
        } /* '+', '-' and noise: we never retransmit */
        break;
    case 1:
        if (c == '#') {
            g->state = 2;
        } else {
            g->sum = (uint8_t)(g->sum + c);
            if (g->len < PKT_MAX)
                g->pkt[g->len++] = (char)c;
            else
                g->overflow = true;
        }
        break;
    case 2:
        g->cs[0] = (char)c;
        g->state = 3;
        break;
    default: {
        g->state = 0;
        int hi = hexval((unsigned char)g->cs[0]), lo = hexval(c);
        bool good = hi >= 0 && lo >= 0 && (uint8_t)(hi << 4 | lo) == g->sum && !g->overflow;
        if (!g->noack)
            send_raw(g, good ? "+" : "-", 1);
        if (good && g->fd >= 0)
            handle_packet(g, g->pkt, g->len);
        break;
    }
    }
}

/* ---- the sockets ---- */

static void drop_client(GdbStub *g)
{
    if (g->fd < 0)
        return;
    loop_fd_remove(g->fd_w);
    g->fd_w = NULL;
    close(g->fd);
    g->fd = -1;
    g->out_len = 0;
    /* a debugger that goes away leaves the guest running, unbroken */
    if (!g->m->quit)
        detach(g);
}

static void client_ready(void *opaque, int fd, unsigned revents)
{
    GdbStub *g = opaque;
    uint8_t buf[4096];
    if (revents & LOOP_WRITE)
        flush_out(g);
    if (g->fd < 0 || !(revents & (LOOP_READ | LOOP_HUP)))
        return;
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        drop_client(g);
        return;
    }
    for (ssize_t i = 0; i < n && g->fd >= 0; i++)
        input_byte(g, buf[i]);
}

static void listen_ready(void *opaque, int fd, unsigned revents)
{
    GdbStub *g = opaque;
    (void)revents;
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return;
    if (g->fd >= 0) {
        close(c); /* one debugger at a time */
        return;
    }
    int one = 1;
    (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* fails on UNIX sockets */
    g->fd_w = loop_fd_add(g->m->loop, c, LOOP_READ, client_ready, g);
    if (!g->fd_w) {
        close(c);
        return;
    }
    g->fd = c;
    g->out_len = 0;
    g->noack = false;
    g->state = 0;
    g->owed = false;
    /* gdb attaching stops the guest, as QEMU does */
    machine_stop(g->m);
    set_stop_reply(g, 5);
}

GdbStub *gdbstub_open(Machine *m, const char *spec, bool *bad_spec, char *err, size_t errlen)
{
    *bad_spec = false;
    GdbStub *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->m = m;
    g->fd = -1;
    build_regs(g);
    build_xml(g);
    monitor_init(&g->mon, m, NULL, false, false);
    set_stop_reply(g, 5);
    if (chardev_listen(spec, strlen(spec), 1, &g->lis, bad_spec, err, errlen)) {
        free(g);
        return NULL;
    }
    fprintf(stderr, "ppcemu: gdb stub listening on %s\n", g->lis.where);
    g->listen_w = loop_fd_add(m->loop, g->lis.fd, LOOP_READ, listen_ready, g);
    if (!g->listen_w) {
        snprintf(err, errlen, "out of memory");
        chardev_listen_close(&g->lis);
        free(g);
        return NULL;
    }
    return g;
}

void gdbstub_close(GdbStub *g)
{
    if (!g)
        return;
    flush_wait(g); /* W00 for the guest's exit */
    if (g->fd >= 0) {
        loop_fd_remove(g->fd_w);
        close(g->fd);
    }
    loop_fd_remove(g->listen_w);
    chardev_listen_close(&g->lis);
    free(g->out);
    free(g);
}
