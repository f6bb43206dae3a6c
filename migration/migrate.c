/* Live migration: the engine (migration/migrate.h) */
#include "migration/migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

#include "timebase/tb.h"

#define MIG_MAGIC "PPCEMIG1"
/* 3: the device region's records and the hello's region size */
#define MIG_VERSION 3u
#define HELLO_SIZE (8 + 4 + 16 + 16 + 4 + 4 + 8 + 8 + 4 + 4)
#define ACK_SIZE (1 + 8 + 4 + 4)
#define REC_PAGE 1
#define REC_ZERO 2
#define REC_DEVICE 3
#define REC_RPAGE 4
#define REC_RZERO 5
#define PAGE_SIZE_ (1u << BUS_PAGE_BITS)
/* the device state of a board is a few KiB; anything above is hostile */
#define DEVICE_MAX (64u << 20)
#define OUT_CAP (256u << 10)      /* bytes per send of the pre-copy worker */
#define RATE_WINDOW_NS 100000000ull /* rate limiting in 100 ms windows */
#define IO_TIMEOUT_MS 30000       /* a peer silent this long is gone */
#define MAX_PASSES_DEFAULT 1000
#define IN_BUF (1u << 20)         /* the destination's receive buffer */
/* socket buffers: the worker sends 256 KiB at once, and the destination
 * drains it in big reads */
#define SOCK_BUF (1 << 20)
/* passes start at most this often: a guest dirtying a few pages would
 * otherwise have the worker spin through passes, each one a dirty-log
 * sync and a MIGRATION_PASS event on the CPU thread */
#define MIN_PASS_NS 5000000ull
/* converged, the source stops once the socket holds at most DRAIN_MAX
 * bytes the destination has not taken, waiting at most DRAIN_MS */
#define DRAIN_MAX (64u << 10)
#define DRAIN_MS 20u
/* after the first pass, a rest of dirty pages above this gets one pass
 * more even when it fits the downtime limit (pass_done) */
#define SECOND_PASS_MIN (256u << 10)
#define PM_BATCH 4096             /* pagemap entries read at once (32 KiB) */
#define POP_PAGES 64              /* the destination backs RAM 256 KiB at a time */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v >> 32);
    put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void say(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* ---- parameters ---- */

void mig_params_default(MigParams *p)
{
    p->downtime_ms = 300;
    p->max_bw = 128ull << 20;
    p->auto_converge = false;
    p->max_passes = MAX_PASSES_DEFAULT;
    p->x_stop_delay_ms = 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

int mig_param_set(MigParams *p, const char *name, const char *value, char *msg, size_t len)
{
    uint64_t v;
    if (!strcmp(name, "downtime-limit")) {
        /* QEMU's bound: 2000 s */
        if (parse_u64(value, &v) || v > 2000000) {
            say(msg, len, "downtime-limit: '%s' is not a number of ms (0..2000000)", value);
            return -1;
        }
        p->downtime_ms = v;
    } else if (!strcmp(name, "max-bandwidth")) {
        if (parse_u64(value, &v) || v == 0 || v > (1ull << 40)) {
            say(msg, len, "max-bandwidth: '%s' is not a number of bytes/s (1..2^40)", value);
            return -1;
        }
        p->max_bw = v;
    } else if (!strcmp(name, "auto-converge")) {
        if (!strcmp(value, "on"))
            p->auto_converge = true;
        else if (!strcmp(value, "off"))
            p->auto_converge = false;
        else {
            say(msg, len, "auto-converge: '%s' is not on or off", value);
            return -1;
        }
    } else if (!strcmp(name, "max-passes")) {
        if (parse_u64(value, &v) || v > 1000000) {
            say(msg, len, "max-passes: '%s' is not a number (0..1000000)", value);
            return -1;
        }
        p->max_passes = (uint32_t)v;
    } else if (!strcmp(name, "x-stop-delay")) {
        /* a test hook: a long downtime, to tell the clock policies apart */
        if (parse_u64(value, &v) || v > 60000) {
            say(msg, len, "x-stop-delay: '%s' is not a number of ms (0..60000)", value);
            return -1;
        }
        p->x_stop_delay_ms = v;
    } else {
        say(msg, len, "unknown parameter '%s' (downtime-limit, max-bandwidth, auto-converge, "
            "max-passes, x-stop-delay)", name);
        return -1;
    }
    return 0;
}

const char *mig_status_name(MigStatus s)
{
    static const char *const names[] = { "none", "setup", "active", "device", "completed",
                                         "failed", "cancelled" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* ---- addresses ---- */

typedef enum { URI_TCP, URI_UNIX, URI_EXEC } UriKind;

static int split_uri(const char *uri, UriKind *k, char *host, size_t hlen, char *port,
                     size_t plen, const char **rest, char *msg, size_t len)
{
    if (!strncmp(uri, "tcp:", 4)) {
        const char *hp = uri + 4, *colon = strrchr(hp, ':');
        if (!colon || colon == hp || !colon[1] || (size_t)(colon - hp) >= hlen ||
            strlen(colon + 1) >= plen) {
            say(msg, len, "'%s': expected tcp:HOST:PORT", uri);
            return -1;
        }
        memcpy(host, hp, (size_t)(colon - hp));
        host[colon - hp] = 0;
        /* [v6] */
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
            memmove(host, host + 1, strlen(host));
            host[strlen(host) - 1] = 0;
        }
        strcpy(port, colon + 1);
        *k = URI_TCP;
        return 0;
    }
    if (!strncmp(uri, "unix:", 5)) {
        if (!uri[5] || strlen(uri + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            say(msg, len, "'%s': expected unix:PATH (a path of at most 107 bytes)", uri);
            return -1;
        }
        *rest = uri + 5;
        *k = URI_UNIX;
        return 0;
    }
    if (!strncmp(uri, "exec:", 5) && uri[5]) {
        *rest = uri + 5;
        *k = URI_EXEC;
        return 0;
    }
    say(msg, len, "'%s': unknown migration URI (tcp:HOST:PORT, unix:PATH, exec:CMD)", uri);
    return -1;
}

int mig_uri_check(const char *uri, bool incoming, char *msg, size_t len)
{
    UriKind k;
    char host[256], port[32];
    const char *rest;
    if (split_uri(uri, &k, host, sizeof host, port, sizeof port, &rest, msg, len))
        return -1;
    if (incoming && k == URI_EXEC) {
        say(msg, len, "'%s': -incoming takes tcp:HOST:PORT, unix:PATH or defer", uri);
        return -1;
    }
    return 0;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof sa->sun_path, "%s", path);
    return 0;
}

/* A socket file nobody listens on.  Asked of /proc/net/unix (a listening
 * socket has __SO_ACCEPTCON, 0x10000, in its flags), not by connecting: a
 * destination accepts exactly one connection, a probe would be it.
 * Without /proc nothing counts as stale. */
static bool stale_unix(const struct sockaddr_un *sa)
{
    struct stat st;
    if (stat(sa->sun_path, &st) || !S_ISSOCK(st.st_mode))
        return false;
    FILE *f = fopen("/proc/net/unix", "r");
    if (!f)
        return false;
    char line[512];
    bool live = false;
    while (!live && fgets(line, sizeof line, f)) {
        unsigned long flags;
        char path[256];
        /* Num RefCount Protocol Flags Type St Inode Path */
        if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %255s", &flags, path) == 2 &&
            !strcmp(path, sa->sun_path) && (flags & 0x10000))
            live = true;
    }
    fclose(f);
    return !live;
}

void mig_unlisten(const char *uri)
{
    if (!strncmp(uri, "unix:", 5) && uri[5])
        unlink(uri + 5);
}

int mig_listen(const char *uri, char *msg, size_t len)
{
    UriKind k;
    char host[256], port[32];
    const char *rest;
    if (split_uri(uri, &k, host, sizeof host, port, sizeof port, &rest, msg, len))
        return -1;
    if (k == URI_UNIX) {
        struct sockaddr_un sa;
        unix_addr(rest, &sa);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
        if (rc && errno == EADDRINUSE && stale_unix(&sa)) {
            /* a killed destination's socket file: nobody listens there */
            unlink(rest);
            rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
        }
        if (rc || listen(fd, 1)) {
            say(msg, len, "cannot listen on %s: %s", rest, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        return fd;
    }
    if (k != URI_TCP) {
        say(msg, len, "'%s': cannot listen there", uri);
        return -1;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        say(msg, len, "%s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        say(msg, len, "cannot listen on %s:%s: %s", host, port, strerror(e));
    return fd;
}

static int connect_uri(const char *uri, bool *one_way, pid_t *child, char *msg, size_t len)
{
    UriKind k;
    char host[256], port[32];
    const char *rest;
    *one_way = false;
    *child = -1;
    if (split_uri(uri, &k, host, sizeof host, port, sizeof port, &rest, msg, len))
        return -1;
    if (k == URI_EXEC) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
            say(msg, len, "socketpair: %s", strerror(errno));
            return -1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            say(msg, len, "fork: %s", strerror(errno));
            close(sv[0]);
            close(sv[1]);
            return -1;
        }
        if (pid == 0) {
            /* the command reads the stream on its stdin (QEMU's exec:) */
            dup2(sv[1], 0);
            signal(SIGPIPE, SIG_DFL);
            execl("/bin/sh", "sh", "-c", rest, (char *)NULL);
            _exit(127);
        }
        close(sv[1]);
        shutdown(sv[0], SHUT_RD);
        *one_way = true;
        *child = pid;
        return sv[0];
    }
    if (k == URI_UNIX) {
        struct sockaddr_un sa;
        unix_addr(rest, &sa);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
            say(msg, len, "cannot connect to %s: %s", rest, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        return fd;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        say(msg, len, "%s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            /* a bounded wait: an unreachable host must not hang the monitor */
            struct pollfd pf = { fd, POLLOUT, 0 };
            int so = 0;
            socklen_t sl = sizeof so;
            if (poll(&pf, 1, 10000) == 1 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) &&
                so == 0)
                break;
            e = so ? so : ETIMEDOUT;
        } else {
            e = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        say(msg, len, "cannot connect to %s:%s: %s", host, port, strerror(e));
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

/* ---- blocking I/O with a timeout (setup, the stop, the destination) ---- */

static int io_wait(int fd, short ev)
{
    struct pollfd pf = { fd, ev, 0 };
    int r;
    do
        r = poll(&pf, 1, IO_TIMEOUT_MS);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    return r < 0 ? -1 : 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (io_wait(fd, POLLOUT))
                return -1;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* -1 with errno; 0 at a clean EOF before any byte, when eof_ok */
static int read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (io_wait(fd, POLLIN))
                return -1;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            errno = EPIPE; /* the stream ended early */
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static const char *io_why(void)
{
    return errno == EPIPE ? "the connection closed" : strerror(errno);
}

/* ---- the source ---- */

struct MigSource {
    MigHost host;
    MigParams p;
    MigConfig cfg;
    const SnapRegistry *reg;
    Bus *bus;
    BusDirtyLog *log;
    int fd;
    pid_t child;
    bool one_way;
    void *watch;
    bool was_running;
    MigStats st;
    /* todo and the passes number RAM's pages 0..npages-1, then the device
     * region's (MigRegion) npages..npages+rpages-1 */
    uint32_t npages, rpages, pass;
    uint8_t *out;            /* the stop's buffer (the CPU thread's) */
    size_t out_len;
    uint64_t pass_start, pass_bytes, bw; /* bytes/s measured */
    /* The pre-copy worker: a thread that sends one pass over the pages of
     * todo (taken from the dirty log at the pass's start) while the guest
     * runs, like QEMU's migration thread, so that the guest is not stalled
     * while RAM is read, and the migration does not wait for guest slices.
     * mu guards cmd, busy, done, err and, while it runs, the counters it
     * adds to (st.transferred, zero and normal pages, pass_bytes, todo_left)
     * and p; todo, wout, the pagemap batch and the rate window are the
     * worker's while busy, the CPU thread's otherwise.  It tells the loop
     * through efd. */
    pthread_t thr;
    bool thr_on, sync_on;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum { W_IDLE, W_PASS, W_QUIT } cmd;
    bool busy, done;
    int err, quit;           /* quit: atomic, checked per page */
    int efd;
    void *ewatch;
    uint64_t *todo;
    uint32_t todo_left;
    uint8_t *wout;
    uint64_t win_start, win_bytes;
    uint64_t w_read_ns, w_send_ns, w_wait_ns; /* this pass's, the worker's */
    uint64_t stop_ns, stopped_ns, ram_ns, dev_ns;
    int64_t stop_real;  /* CLOCK_REALTIME (as the timebase reads it) at the stop */
    /* /proc/self/pagemap (-1: not available) and a batch of its entries,
     * host page numbers pm_lo .. pm_lo + pm_n - 1 (page_untouched) */
    int pm_fd;
    uint64_t pm_lo, pm_n;
    uint64_t pm[PM_BATCH];
    bool stop_waiting;  /* x-stop-delay: stopped, the rest not sent yet */
    bool pass_waiting;  /* a short pass ended: the next starts from the timer */
    bool drain_waiting; /* converged: waiting for the destination to drain */
    unsigned drain_ms;
};

static void set_status(MigSource *s, MigStatus st)
{
    if (s->st.status == st)
        return;
    s->st.status = st;
    if (s->host.status)
        s->host.status(s->host.opaque, mig_status_name(st));
}

static bool page_zero(const uint8_t *p)
{
    const uint64_t *q = (const uint64_t *)p;
    for (unsigned i = 0; i < PAGE_SIZE_ / 8; i++)
        if (q[i])
            return false;
    return true;
}

/* True when the host has never backed page pg of RAM: it reads as zeros,
 * and reading it would cost a page fault, ~13 us in this project's VMs:
 * ~430 ms for a 128 MiB guest that has touched 14 MiB, most of a
 * migration's total time (measured in issue 10's follow-up).  The RAM is
 * private anonymous memory (bus_init's calloc; a destination's after
 * MADV_DONTNEED), where a page neither present nor swapped out holds zeros
 * (the kernel's Documentation/admin-guide/mm/pagemap.rst: bit 63 present,
 * bit 62 swapped).  The guest runs while the worker reads: a page found
 * untouched held zeros when the batch was read, after the pass's dirty
 * sync, so a write to it since is in the log at the next sync and the
 * page goes again (a device thread's write is marked when its request
 * completes).  A batch is dropped at each pass's start. */
static bool page_untouched(MigSource *s, uint32_t pg)
{
    static long hps;
    if (s->pm_fd < 0)
        return false;
    if (!hps)
        hps = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)(s->bus->ram + (size_t)pg * PAGE_SIZE_);
    uint64_t first = a / (uint64_t)hps, last = (a + PAGE_SIZE_ - 1) / (uint64_t)hps;
    for (uint64_t h = first; h <= last; h++) {
        if (h < s->pm_lo || h >= s->pm_lo + s->pm_n) {
            uintptr_t end_a = (uintptr_t)s->bus->ram + s->bus->ram_size;
            uint64_t end = (end_a - 1) / (uint64_t)hps + 1;
            uint64_t n = end - h < PM_BATCH ? end - h : PM_BATCH;
            ssize_t r = pread(s->pm_fd, s->pm, n * 8, (off_t)(h * 8));
            if (r != (ssize_t)(n * 8)) {
                /* no pagemap here: every page is read */
                close(s->pm_fd);
                s->pm_fd = -1;
                return false;
            }
            s->pm_lo = h;
            s->pm_n = n;
        }
        if (s->pm[h - s->pm_lo] >> 62)
            return false; /* present or swapped out */
    }
    return true;
}

/* What a run of records counted: RAM's zero and normal pages, the
 * region's pages */
typedef struct PageCount {
    uint64_t zero, normal, region;
} PageCount;

/* add c to the migration's page counts (under s->mu while the worker runs) */
static void page_count_add(MigSource *s, const PageCount *c)
{
    s->st.zero_pages += c->zero;
    s->st.normal_pages += c->normal;
    s->st.region_pages += c->region;
}

/* queue page pg (RAM's, or past npages the region's) into buf (room for 5
 * + a page), counting it */
static size_t emit_page(MigSource *s, uint8_t *buf, uint32_t pg, PageCount *c)
{
    if (pg >= s->npages) {
        uint32_t i = pg - s->npages;
        const uint8_t *src = s->cfg.region.mem + (size_t)i * PAGE_SIZE_;
        put32(buf + 1, i);
        c->region++;
        if (page_zero(src)) {
            buf[0] = REC_RZERO;
            return 5;
        }
        buf[0] = REC_RPAGE;
        memcpy(buf + 5, src, PAGE_SIZE_);
        return 5 + PAGE_SIZE_;
    }
    const uint8_t *src = s->bus->ram + (size_t)pg * PAGE_SIZE_;
    put32(buf + 1, pg);
    if (page_untouched(s, pg) || page_zero(src)) {
        buf[0] = REC_ZERO;
        c->zero++;
        return 5;
    }
    buf[0] = REC_PAGE;
    memcpy(buf + 5, src, PAGE_SIZE_);
    c->normal++;
    return 5 + PAGE_SIZE_;
}

/* The region's pages written since the last call, into todo (the CPU
 * thread: the device's writes come from it); their count */
static uint32_t region_take(MigSource *s)
{
    uint32_t n = 0;
    uint8_t *d = s->cfg.region.dirty;
    for (uint32_t i = 0; i < s->rpages; i++) {
        if (!d[i])
            continue;
        d[i] = 0;
        uint32_t pg = s->npages + i;
        s->todo[pg / 64] |= 1ull << (pg % 64);
        n++;
    }
    return n;
}

static uint32_t region_dirty_count(const MigSource *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->rpages; i++)
        n += s->cfg.region.dirty[i] != 0;
    return n;
}

/* ---- the pre-copy worker ---- */

static void worker_notify(MigSource *s)
{
    uint64_t one = 1;
    ssize_t r = write(s->efd, &one, sizeof one);
    (void)r; /* a saturated counter wakes the loop anyway */
}

/* Send wout[0, len): at most max-bandwidth per RATE_WINDOW_NS window (the
 * worker sleeps out the window's rest); 0 or an errno */
static int worker_send(MigSource *s, size_t len, const PageCount *c)
{
    for (;;) {
        if (__atomic_load_n(&s->quit, __ATOMIC_ACQUIRE))
            return ECANCELED;
        uint64_t now = mono_ns();
        if (now - s->win_start >= RATE_WINDOW_NS) {
            s->win_start = now;
            s->win_bytes = 0;
        }
        pthread_mutex_lock(&s->mu);
        uint64_t allowed = s->p.max_bw / (1000000000ull / RATE_WINDOW_NS);
        if (s->win_bytes < allowed || s->win_bytes == 0) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        /* the rate limit: wait for the window's end (or quit) */
        uint64_t end = s->win_start + RATE_WINDOW_NS;
        s->w_wait_ns += end > now ? end - now : 0;
        struct timespec ts = { (time_t)(end / 1000000000ull), (long)(end % 1000000000ull) };
        while (!__atomic_load_n(&s->quit, __ATOMIC_ACQUIRE) && mono_ns() < end &&
               pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&s->mu);
    }
    uint64_t t0 = mono_ns();
    if (write_full(s->fd, s->wout, len))
        return errno ? errno : EPIPE;
    s->w_send_ns += mono_ns() - t0;
    s->win_bytes += len;
    pthread_mutex_lock(&s->mu);
    s->st.transferred += len;
    page_count_add(s, c);
    s->pass_bytes += len;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* One pass over todo; 0 or an errno */
static int worker_pass(MigSource *s)
{
    size_t len = 0, words = (s->npages + s->rpages + 63) / 64;
    PageCount c = { 0, 0, 0 };
    uint32_t sent = 0;
    pthread_mutex_lock(&s->mu);
    /* a send at most a tenth of the rate window's share */
    uint64_t cap = s->p.max_bw / (10000000000ull / RATE_WINDOW_NS);
    pthread_mutex_unlock(&s->mu);
    s->pm_n = 0; /* the guest has run since any batch */
    s->w_read_ns = s->w_send_ns = s->w_wait_ns = 0;
    uint64_t t = mono_ns();
    for (size_t i = 0; i < words; i++) {
        while (s->todo[i]) {
            if (__atomic_load_n(&s->quit, __ATOMIC_ACQUIRE))
                return ECANCELED;
            unsigned b = (unsigned)__builtin_ctzll(s->todo[i]);
            s->todo[i] &= s->todo[i] - 1;
            len += emit_page(s, s->wout + len, (uint32_t)(i * 64 + b), &c);
            sent++;
            if (len >= OUT_CAP || len >= cap) {
                s->w_read_ns += mono_ns() - t;
                int e = worker_send(s, len, &c);
                t = mono_ns();
                if (e)
                    return e;
                pthread_mutex_lock(&s->mu);
                s->todo_left -= sent;
                pthread_mutex_unlock(&s->mu);
                len = 0;
                c = (PageCount){ 0, 0, 0 };
                sent = 0;
            }
        }
    }
    s->w_read_ns += mono_ns() - t;
    int e = len ? worker_send(s, len, &c) : 0;
    if (!e) {
        pthread_mutex_lock(&s->mu);
        s->todo_left = 0;
        pthread_mutex_unlock(&s->mu);
    }
    return e;
}

static void *worker_main(void *opaque)
{
    MigSource *s = opaque;
    /* the guest's signals (timers, SIGINT) are the CPU thread's */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->cmd == W_IDLE)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->cmd == W_QUIT)
            break;
        s->cmd = W_IDLE;
        pthread_mutex_unlock(&s->mu);
        int e = worker_pass(s);
        pthread_mutex_lock(&s->mu);
        s->busy = false;
        if (e)
            s->err = e;
        else
            s->done = true;
        worker_notify(s);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Stop and join the worker; a send it is blocked in ends (shutdown) */
static void worker_stop(MigSource *s)
{
    if (!s->thr_on)
        return;
    __atomic_store_n(&s->quit, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&s->mu);
    s->cmd = W_QUIT;
    bool busy = s->busy;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (busy && s->fd >= 0)
        shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thr, NULL);
    s->thr_on = false;
}

/* A pass (the CPU thread, the worker idle): the pages dirty as of the last
 * sync move from the log to todo.  A page the guest writes from here on is
 * in the log again at the next sync (the sync re-arms write detection), so
 * reading it while the guest writes it is safe: it goes again. */
static void start_pass(MigSource *s)
{
    uint32_t n = 0;
    memset(s->todo, 0, ((s->npages + s->rpages + 63) / 64) * sizeof(uint64_t));
    for (uint32_t pg = bus_dirty_log_next(s->log, 0); pg < s->npages;
         pg = bus_dirty_log_next(s->log, pg + 1)) {
        s->todo[pg / 64] |= 1ull << (pg % 64);
        n++;
    }
    bus_dirty_log_clear(s->log, 0, s->bus->ram_size);
    n += region_take(s);
    s->pass_start = mono_ns();
    pthread_mutex_lock(&s->mu);
    s->todo_left = n;
    s->busy = true;
    s->cmd = W_PASS;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Stops watching fd and closes it; both may be unset already */
static void unwatch_close(const MigHost *h, void **watch, int *fd)
{
    if (*watch)
        h->unwatch(*watch);
    *watch = NULL;
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void source_close(MigSource *s)
{
    worker_stop(s);
    unwatch_close(&s->host, &s->ewatch, &s->efd);
    unwatch_close(&s->host, &s->watch, &s->fd);
    if (s->child > 0) {
        int stt;
        if (waitpid(s->child, &stt, WNOHANG) == 0)
            kill(s->child, SIGTERM);
        waitpid(s->child, &stt, 0);
    }
    s->child = -1;
    if (s->pm_fd >= 0)
        close(s->pm_fd);
    s->pm_fd = -1;
    if (s->log)
        bus_dirty_log_free(s->log);
    s->log = NULL;
    if (s->st.throttle_pct)
        s->host.throttle(s->host.opaque, 0);
    s->st.throttle_pct = 0;
    free(s->out);
    s->out = NULL;
    free(s->wout);
    s->wout = NULL;
    free(s->todo);
    s->todo = NULL;
}

/* Failure or cancel: the guest runs again if it ran before */
static void source_end(MigSource *s, MigStatus why, const char *reason)
{
    bool stopped = s->st.status == MIG_DEVICE;
    set_status(s, why);
    s->st.total_ms = (mono_ns() - s->st.start_ns) / 1000000;
    source_close(s);
    snprintf(s->st.error, sizeof s->st.error, "%s", reason);
    char line[300];
    if (stopped && s->was_running)
        s->host.start(s->host.opaque);
    snprintf(line, sizeof line, "migration %s: %s; the guest %s here", mig_status_name(why), reason,
             s->was_running ? "keeps running" : "stays stopped");
    s->host.say(s->host.opaque, line);
}

static void source_fail(MigSource *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void source_fail(MigSource *s, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    source_end(s, MIG_FAILED, why);
}

/* Read the destination's one-line reason after a refusal byte */
static void read_reason(int fd, char *out, size_t len)
{
    uint8_t n;
    char buf[256];
    snprintf(out, len, "the destination refused");
    if (read_full(fd, &n, 1) || read_full(fd, buf, n))
        return;
    buf[n] = 0;
    char safe[256 * 4];
    snap_escape(safe, sizeof safe, buf, n);
    snprintf(out, len, "the destination refused: %s", safe);
}

static int source_handshake(MigSource *s, char *msg, size_t len)
{
    uint8_t h[HELLO_SIZE];
    SnapHeader sh;
    snap_registry_header(s->reg, &sh);
    memcpy(h, MIG_MAGIC, 8);
    put32(h + 8, MIG_VERSION);
    memcpy(h + 12, sh.board, 16);
    memcpy(h + 28, sh.cpu, 16);
    put32(h + 44, sh.ram_size);
    put32(h + 48, sh.flags);
    int64_t t1 = tb_host_real_ns();
    put64(h + 52, (uint64_t)t1);
    put64(h + 60, s->cfg.tb_freq);
    put32(h + 68, (uint32_t)s->cfg.icount_shift);
    put32(h + 72, s->cfg.region.size);
    if (write_full(s->fd, h, sizeof h)) {
        say(msg, len, "sending to the destination: %s", io_why());
        return -1;
    }
    if (s->one_way)
        return 0;
    uint8_t r[17];
    if (read_full(s->fd, r, sizeof r)) {
        say(msg, len, "no reply from the destination: %s", io_why());
        return -1;
    }
    int64_t t4 = tb_host_real_ns();
    if (r[0] != 0) {
        read_reason(s->fd, msg, len);
        return -1;
    }
    int64_t t2 = (int64_t)get64(r + 1), t3 = (int64_t)get64(r + 9);
    /* NTP: offset = ((t2 - t1) + (t3 - t4)) / 2, delay = (t4 - t1) - (t3 - t2) */
    s->st.skew_ns = ((t2 - t1) + (t3 - t4)) / 2;
    s->st.rtt_ns = (t4 - t1) - (t3 - t2);
    s->st.have_skew = true;
    if (s->st.skew_ns > 1000000000ll || s->st.skew_ns < -1000000000ll) {
        char line[200];
        snprintf(line, sizeof line,
                 "migration: warning: the destination's realtime clock is %+.3f s from ours "
                 "(round trip %.3f ms)", s->st.skew_ns / 1e9, s->st.rtt_ns / 1e6);
        s->host.say(s->host.opaque, line);
    }
    return 0;
}

static void source_writable(void *opaque, int fd, unsigned revents);
static void source_worker_event(void *opaque, int fd, unsigned revents);

static void sock_bufs(int fd)
{
    int sz = SOCK_BUF;
    /* best effort: the kernel caps it (wmem_max) */
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
}

MigSource *mig_source_start(const char *uri, const MigParams *p, const MigConfig *cfg,
                            const SnapRegistry *reg, Bus *bus, const MigHost *host, char *msg,
                            size_t len)
{
    MigSource *s = calloc(1, sizeof(*s));
    if (!s) {
        say(msg, len, "out of memory");
        return NULL;
    }
    s->host = *host;
    s->p = *p;
    s->cfg = *cfg;
    s->reg = reg;
    s->bus = bus;
    s->fd = -1;
    s->child = -1;
    s->pm_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the rate window's clock */
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->sync_on = true;
    s->st.start_ns = mono_ns();
    s->st.status = MIG_SETUP;
    s->npages = bus->ram_size >> BUS_PAGE_BITS;
    s->rpages = cfg->region.size >> BUS_PAGE_BITS;
    s->st.total = bus->ram_size;
    s->was_running = host->running(host->opaque);
    s->out = malloc(OUT_CAP + 5 + PAGE_SIZE_);
    s->wout = malloc(OUT_CAP + 5 + PAGE_SIZE_);
    s->todo = calloc((s->npages + s->rpages + 63) / 64 + 1, sizeof(uint64_t));
    s->log = bus_dirty_log_new(bus, "migration");
    if (!s->out || !s->wout || !s->todo || !s->log || s->efd < 0) {
        say(msg, len, "out of memory");
        goto fail;
    }
    s->fd = connect_uri(uri, &s->one_way, &s->child, msg, len);
    if (s->fd >= 0)
        sock_bufs(s->fd);
    if (s->fd < 0 || source_handshake(s, msg, len))
        goto fail;
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    /* the destination speaks during pre-copy only to refuse or fail */
    s->watch = host->watch(host->opaque, s->fd, s->one_way ? 0 : MIG_EV_READ, source_writable, s);
    s->ewatch = host->watch(host->opaque, s->efd, MIG_EV_READ, source_worker_event, s);
    if (!s->watch || !s->ewatch) {
        say(msg, len, "out of memory");
        goto fail;
    }
    if (pthread_create(&s->thr, NULL, worker_main, s)) {
        say(msg, len, "cannot start the migration thread");
        goto fail;
    }
    s->thr_on = true;
    s->st.setup_ms = (mono_ns() - s->st.start_ns) / 1000000;
    if (host->status)
        host->status(host->opaque, "setup");
    set_status(s, MIG_ACTIVE);
    s->pass_start = s->win_start = mono_ns();
    bus_dirty_log_sync(s->log);
    /* the first pass: every page of the region the guest ever wrote (the
     * others are zero on the destination too) */
    for (uint32_t i = 0; i < s->rpages; i++)
        s->cfg.region.dirty[i] = s->cfg.region.touched[i];
    start_pass(s);
    return s;
fail:
    mig_source_free(s);
    return NULL;
}

static uint64_t dirty_bytes(MigSource *s)
{
    return ((uint64_t)bus_dirty_log_count(s->log) + region_dirty_count(s)) * (PAGE_SIZE_ + 5);
}

/* The stop: the rest of RAM and the device state, written blocking (the
 * guest is stopped anyway), then the wait for the acknowledgement */
static void source_send_rest(MigSource *s);

static void source_finish(MigSource *s)
{
    s->stop_ns = mono_ns();
    s->stop_real = tb_host_real_ns();
    s->host.stop(s->host.opaque);
    set_status(s, MIG_DEVICE);
    if (s->p.x_stop_delay_ms) {
        /* the test hook: stay stopped, then go on from the timer */
        s->stop_waiting = true;
        s->host.watch_events(s->watch, 0);
        s->host.timer(s->host.opaque, s->p.x_stop_delay_ms * 1000000ull);
        return;
    }
    source_send_rest(s);
}

/* one page at the stop into out, sent when full; 0 or -1 (errno) */
static int rest_page(MigSource *s, uint32_t pg, PageCount *c)
{
    size_t n = emit_page(s, s->out + s->out_len, pg, c);
    s->st.transferred += n;
    s->out_len += n;
    if (s->out_len < OUT_CAP)
        return 0;
    size_t len = s->out_len;
    s->out_len = 0;
    return write_full(s->fd, s->out, len);
}

static void source_send_rest(MigSource *s)
{
    bus_dirty_log_sync(s->log);
    s->pm_n = 0;
    s->stopped_ns = mono_ns();
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
    s->out_len = 0;
    /* RAM's pages, then the region's, written since the last pass */
    PageCount c = { 0, 0, 0 };
    for (uint32_t pg = bus_dirty_log_next(s->log, 0); pg < s->npages;
         pg = bus_dirty_log_next(s->log, pg + 1)) {
        bus_dirty_log_clear(s->log, pg << BUS_PAGE_BITS, PAGE_SIZE_);
        if (rest_page(s, pg, &c))
            goto io;
    }
    uint64_t before = s->st.transferred;
    for (uint32_t i = 0; i < s->rpages; i++) {
        if (!s->cfg.region.dirty[i])
            continue;
        s->cfg.region.dirty[i] = 0;
        if (rest_page(s, s->npages + i, &c))
            goto io;
    }
    page_count_add(s, &c);
    s->st.dt_ram_pages = c.zero + c.normal;
    s->st.dt_region_pages = c.region;
    s->st.dt_region_bytes = s->st.transferred - before;
    if (s->out_len && write_full(s->fd, s->out, s->out_len))
        goto io;
    s->out_len = 0;
    s->ram_ns = mono_ns();
    /* the device state: every section but RAM, in the snapshot format */
    SnapRegistry dev = *s->reg;
    dev.n = 0;
    for (unsigned i = 0; i < s->reg->n; i++)
        if (strcmp(s->reg->entry[i].desc->name, "ram"))
            dev.entry[dev.n++] = s->reg->entry[i];
    int mfd = memfd_create("ppcemu-mig", MFD_CLOEXEC);
    SnapError err;
    SnapHeader h;
    snap_registry_header(&dev, &h);
    SnapWriter *w = mfd >= 0 ? snap_writer_open_fd(mfd, &h, &err) : NULL;
    if (!w) {
        if (mfd >= 0)
            close(mfd);
        source_fail(s, "cannot write the device state");
        return;
    }
    /* the region's pages went above: its section goes without them */
    if (s->rpages)
        *s->cfg.region.precopied = true;
    snap_registry_write(&dev, w);
    if (s->rpages)
        *s->cfg.region.precopied = false;
    if (snap_writer_commit(w, &err)) {
        close(mfd);
        source_fail(s, "device state: %s", err.msg);
        return;
    }
    off_t sz = lseek(mfd, 0, SEEK_END);
    uint8_t *buf = sz > 0 && sz <= (off_t)DEVICE_MAX ? malloc((size_t)sz + 5) : NULL;
    if (!buf || pread(mfd, buf + 5, (size_t)sz, 0) != sz) {
        free(buf);
        close(mfd);
        source_fail(s, "cannot read back the device state");
        return;
    }
    close(mfd);
    buf[0] = REC_DEVICE;
    put32(buf + 1, (uint32_t)sz);
    int rc = write_full(s->fd, buf, (size_t)sz + 5);
    s->st.transferred += (uint64_t)sz + 5;
    s->st.dt_dev_bytes = (uint64_t)sz + 5;
    free(buf);
    if (rc)
        goto io;
    s->dev_ns = mono_ns();
    s->st.dt_stop_us = (s->stopped_ns - s->stop_ns) / 1000;
    s->st.dt_ram_us = (s->ram_ns - s->stopped_ns) / 1000;
    s->st.dt_dev_us = (s->dev_ns - s->ram_ns) / 1000;
    s->st.remaining = 0;
    if (s->one_way) {
        shutdown(s->fd, SHUT_WR);
        /* the command reads the stream to its end: wait for it (bounded)
         * rather than kill it in source_close; a fast migration ended
         * before `exec:cat > FILE` had even opened FILE */
        for (int i = 0; s->child > 0 && i < IO_TIMEOUT_MS; i++) {
            int stt;
            if (waitpid(s->child, &stt, WNOHANG) != 0) {
                s->child = -1;
                break;
            }
            usleep(1000);
        }
        s->st.total_ms = (mono_ns() - s->st.start_ns) / 1000000;
        s->st.downtime_ms = (mono_ns() - s->stop_ns) / 1000000;
        source_close(s);
        set_status(s, MIG_COMPLETED);
        return;
    }
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    s->host.watch_events(s->watch, MIG_EV_READ);
    return;
io:
    source_fail(s, "sending to the destination: %s", io_why());
}

static void source_acked(MigSource *s)
{
    uint8_t a[ACK_SIZE];
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
    if (read_full(s->fd, a, 1)) {
        source_fail(s, "no acknowledgement from the destination: %s", io_why());
        return;
    }
    if (a[0] != 0) {
        /* u8 kind, s64 0, u8 n, the reason */
        char why[300];
        if (read_full(s->fd, a + 1, 8))
            snprintf(why, sizeof why, "the destination failed");
        else
            read_reason(s->fd, why, sizeof why);
        source_fail(s, "%s", why);
        return;
    }
    if (read_full(s->fd, a + 1, ACK_SIZE - 1)) {
        source_fail(s, "no acknowledgement from the destination: %s", io_why());
        return;
    }
    uint64_t now = mono_ns();
    uint64_t down_us = (now - s->stop_ns) / 1000;
    s->st.downtime_ms = (now - s->stop_ns) / 1000000;
    s->st.total_ms = (now - s->st.start_ns) / 1000000;
    s->st.dt_load_us = get32(a + 9);
    s->st.dt_start_us = get32(a + 13);
    uint64_t parts = s->st.dt_stop_us + s->st.dt_ram_us + s->st.dt_dev_us + s->st.dt_load_us +
                     s->st.dt_start_us;
    s->st.dt_ack_us = down_us > parts ? down_us - parts : 0;
    /* the TB jump host policy gives: destination realtime at its start,
     * in the source's clock, minus the source's realtime at the stop */
    s->st.tb_jump_ns = (int64_t)get64(a + 1) - s->st.skew_ns - s->stop_real;
    source_close(s);
    set_status(s, MIG_COMPLETED);
    char line[200];
    snprintf(line, sizeof line, "migration completed: %llu ms, downtime %llu ms, %llu bytes",
             (unsigned long long)s->st.total_ms, (unsigned long long)s->st.downtime_ms,
             (unsigned long long)s->st.transferred);
    s->host.say(s->host.opaque, line);
}

/* Converged.  What the destination has not yet taken from the socket (up
 * to the socket buffers, ~2 MiB: ~5-8 ms of its page writes in migbench's
 * runs) would be drained while the guest is stopped, before the last RAM
 * and the device state: let the guest run while it drains (a few ms,
 * bounded), then stop.  Pages it dirties meanwhile go with the last RAM. */
static void source_drain(MigSource *s)
{
    int outq = 0;
    if (ioctl(s->fd, SIOCOUTQ, &outq) || outq < 0)
        outq = 0;
    if ((unsigned)outq > DRAIN_MAX && s->drain_ms < DRAIN_MS) {
        s->drain_ms++;
        s->drain_waiting = true;
        s->host.timer(s->host.opaque, 1000000);
        return;
    }
    source_finish(s);
}

/* End of a pass over RAM: stop when the rest fits the downtime limit */
static void pass_done(MigSource *s)
{
    uint64_t now = mono_ns(), dt = now - s->pass_start;
    if (dt > 1000000 && s->pass_bytes > 0)
        s->bw = s->pass_bytes * 1000000000ull / dt;
    if (!s->bw || s->bw > s->p.max_bw)
        s->bw = s->bw ? s->p.max_bw : s->p.max_bw;
    s->st.mbps = s->bw * 8 / 1000000;
    s->st.pass_us = dt / 1000;
    s->st.pass_read_us = s->w_read_ns / 1000;
    s->st.pass_send_us = s->w_send_ns / 1000;
    s->st.pass_wait_us = s->w_wait_ns / 1000;
    bus_dirty_log_sync(s->log);
    s->st.dirty_syncs++;
    /* what the destination has not taken yet is still to move */
    int outq = 0;
    if (ioctl(s->fd, SIOCOUTQ, &outq) || outq < 0)
        outq = 0;
    uint64_t rest = dirty_bytes(s) + (uint64_t)outq;
    s->st.remaining = rest;
    s->st.dirty_rate = dt ? (uint64_t)bus_dirty_log_count(s->log) * 1000000000ull / dt : 0;
    s->st.expected_downtime_ms = rest * 1000 / s->bw;
    s->pass++;
    if (s->host.pass)
        s->host.pass(s->host.opaque, s->pass);
    s->pass_bytes = 0;
    /* The first pass, over all of RAM, takes ~100 ms at the default
     * bandwidth, and a guest writing meanwhile leaves thousands of pages
     * for the stop (migbench (b): 900-5000, 1-7 ms of the downtime) even
     * though they fit the limit; a second pass over just those is short
     * and leaves what the guest writes in those few ms. */
    bool again = s->pass == 1 && dirty_bytes(s) > SECOND_PASS_MIN;
    if (rest * 1000 <= s->bw * s->p.downtime_ms && !again) {
        s->drain_ms = 0;
        source_drain(s);
        return;
    }
    if (s->p.max_passes && s->pass >= s->p.max_passes) {
        source_fail(s, "no convergence after %u passes (raise downtime-limit or max-bandwidth, "
                    "or set auto-converge on)", s->pass);
        return;
    }
    /* QEMU's auto-converge: 20 % first, then +10 % per round, 99 % cap */
    if (s->p.auto_converge && s->pass >= 2) {
        unsigned t = s->st.throttle_pct ? s->st.throttle_pct + 10 : 20;
        s->st.throttle_pct = t > 99 ? 99 : t;
        s->host.throttle(s->host.opaque, s->st.throttle_pct);
    }
    if (dt < MIN_PASS_NS) {
        s->pass_waiting = true;
        s->host.timer(s->host.opaque, MIN_PASS_NS - dt);
        return;
    }
    start_pass(s);
}

/* The worker's word: a pass done, or a send failed */
static void source_worker_event(void *opaque, int fd, unsigned revents)
{
    (void)revents;
    MigSource *s = opaque;
    uint64_t v;
    ssize_t r = read(fd, &v, sizeof v);
    (void)r;
    if (s->st.status != MIG_ACTIVE)
        return;
    pthread_mutex_lock(&s->mu);
    int e = s->busy ? 0 : s->err;
    bool done = !s->busy && s->done;
    s->done = false;
    pthread_mutex_unlock(&s->mu);
    if (e)
        source_fail(s, "sending to the destination: %s", strerror(e));
    else if (done)
        pass_done(s);
}

static void source_writable(void *opaque, int fd, unsigned revents)
{
    (void)fd;
    MigSource *s = opaque;
    if (s->stop_waiting)
        return;
    if (s->st.status == MIG_DEVICE) {
        source_acked(s);
        return;
    }
    if (s->st.status != MIG_ACTIVE)
        return;
    if (revents & MIG_EV_READ) {
        /* the destination never speaks during pre-copy unless it refuses
         * or goes away */
        uint8_t b;
        ssize_t r = recv(s->fd, &b, 1, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            source_fail(s, "the destination closed the connection");
            return;
        }
        if (r == 1 && b != 0) {
            char why[300];
            uint8_t t[8];
            /* a failure mid-stream: u8 2, s64 0, u8 n, the reason */
            if (b == 2 && read_full(s->fd, t, sizeof t))
                snprintf(why, sizeof why, "the destination failed");
            else
                read_reason(s->fd, why, sizeof why);
            source_fail(s, "%s", why);
            return;
        }
    }
    if (revents & MIG_EV_HUP) {
        source_fail(s, "the destination closed the connection");
        return;
    }
}

void mig_source_timer(MigSource *s)
{
    if (s && s->st.status == MIG_DEVICE && s->stop_waiting) {
        s->stop_waiting = false;
        source_send_rest(s);
        return;
    }
    if (s && s->st.status == MIG_ACTIVE && s->drain_waiting) {
        s->drain_waiting = false;
        source_drain(s);
        return;
    }
    if (s && s->st.status == MIG_ACTIVE && s->pass_waiting) {
        s->pass_waiting = false;
        bus_dirty_log_sync(s->log); /* what the guest wrote while we waited */
        start_pass(s);
    }
}

void mig_source_cancel(MigSource *s)
{
    if (mig_source_active(s))
        source_end(s, MIG_CANCELLED, "cancelled");
}

void mig_source_params(MigSource *s, const MigParams *p)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->p = *p;
    pthread_mutex_unlock(&s->mu);
}

void mig_source_stats(const MigSource *s, MigStats *st)
{
    MigSource *w = (MigSource *)s; /* the lock only */
    pthread_mutex_lock(&w->mu);
    *st = s->st;
    uint64_t left = s->todo_left;
    pthread_mutex_unlock(&w->mu);
    if (mig_source_active(s)) {
        st->total_ms = (mono_ns() - s->st.start_ns) / 1000000;
        if (s->st.status == MIG_ACTIVE)
            st->remaining = (s->log ? dirty_bytes(w) : 0) + left * (PAGE_SIZE_ + 5);
    }
}

bool mig_source_active(const MigSource *s)
{
    return s && (s->st.status == MIG_SETUP || s->st.status == MIG_ACTIVE ||
                 s->st.status == MIG_DEVICE);
}

void mig_source_free(MigSource *s)
{
    if (!s)
        return;
    source_close(s);
    if (s->sync_on) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    free(s);
}

/* ---- the destination ---- */

typedef enum { IN_HELLO, IN_RECORDS, IN_DEVICE, IN_LOADED, IN_DONE } InState;

struct MigIncoming {
    MigHost host;
    MigConfig cfg;
    const SnapRegistry *reg;
    Bus *bus;
    int fd;
    void *watch;
    MigDoneFn done;
    void *done_opaque;
    InState state;
    uint8_t *buf;           /* received, not yet parsed: [off, len) */
    size_t off, len;
    uint8_t *dev;           /* the device state record */
    uint32_t dev_len, dev_have;
    uint64_t loaded_ns;     /* when the load ended (the start is timed from it) */
    uint32_t load_us;
    uint64_t *written;      /* pages with data from this stream */
    uint32_t rpages;        /* the device region's (MigRegion) */
    uint64_t *popped;       /* POP_PAGES groups of RAM backed at once */
    bool pop_off;           /* MADV_POPULATE_WRITE refused (before Linux 5.14) */
    MigStats st;
};

/* The destination's RAM starts as zeros without touching it: the pages go
 * back to the kernel (private anonymous memory reads as zeros after
 * MADV_DONTNEED), so a ZERO record costs nothing, not a page fault, on a
 * page this stream never wrote */
static void ram_zero(Bus *bus)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)bus->ram, e = a + bus->ram_size;
    uintptr_t a2 = (a + pg - 1) & ~(pg - 1), e2 = e & ~(pg - 1);
    if (e2 <= a2 || madvise((void *)a2, e2 - a2, MADV_DONTNEED)) {
        memset(bus->ram, 0, bus->ram_size);
        return;
    }
    memset(bus->ram, 0, a2 - a);
    memset((void *)e2, 0, e - e2);
}

static void send_refusal(int fd, uint8_t kind, const char *why)
{
    uint8_t b[1 + 16 + 1 + 255];
    size_t n = strlen(why) > 255 ? 255 : strlen(why), off = 1;
    b[0] = kind;
    if (kind == 1) { /* a reply carries two times before the reason */
        memset(b + 1, 0, 16);
        off += 16;
    } else {
        memset(b + 1, 0, 8);
        off += 8;
    }
    b[off] = (uint8_t)n;
    memcpy(b + off + 1, why, n);
    (void)!write_full(fd, b, off + 1 + n);
}

static void in_close(MigIncoming *in)
{
    unwatch_close(&in->host, &in->watch, &in->fd);
    free(in->buf);
    in->buf = NULL;
    free(in->dev);
    in->dev = NULL;
    free(in->written);
    in->written = NULL;
    free(in->popped);
    in->popped = NULL;
}

/* The end: the board hears of it once */
static void in_end(MigIncoming *in, bool ok, const char *msg)
{
    bool hello = in->state == IN_HELLO;
    in->state = ok ? IN_LOADED : IN_DONE;
    in->st.status = ok ? MIG_COMPLETED : MIG_FAILED;
    in->st.total_ms = (mono_ns() - in->st.start_ns) / 1000000;
    if (!ok) {
        snprintf(in->st.error, sizeof in->st.error, "%s", msg);
        /* the source hears why, in the reply or the ack it waits for */
        send_refusal(in->fd, hello ? 1 : 2, msg);
        in_close(in);
    } else if (in->watch) {
        in->host.unwatch(in->watch);
        in->watch = NULL;
    }
    in->done(in->done_opaque, ok, msg);
}

static void in_fail(MigIncoming *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void in_fail(MigIncoming *in, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    in_end(in, false, msg);
}

/* The hello: the whole configuration checked before any RAM moves */
static int in_hello(MigIncoming *in, const uint8_t *h)
{
    int64_t t2 = tb_host_real_ns();
    char msg[300];
    if (memcmp(h, MIG_MAGIC, 8)) {
        in_fail(in, "not a ppcemu migration stream");
        return -1;
    }
    if (get32(h + 8) != MIG_VERSION) {
        /* an older or newer ppcemu: its records differ (version 3 added
         * the framebuffer's pages), so nothing more is read */
        in_fail(in, "the source speaks migration protocol version %u, this ppcemu version %u "
                "(migrate between equal ppcemu versions)", get32(h + 8), MIG_VERSION);
        return -1;
    }
    SnapHeader sh = { .version = SNAP_FORMAT_VERSION };
    memcpy(sh.board, h + 12, 16);
    memcpy(sh.cpu, h + 28, 16);
    sh.board[15] = sh.cpu[15] = 0;
    sh.ram_size = get32(h + 44);
    sh.flags = get32(h + 48);
    SnapRegistry none = *in->reg;
    none.n = 0;
    SnapError err;
    SnapHeader mine;
    snap_registry_header(in->reg, &mine);
    int bad = strcmp(sh.board, mine.board) || strcmp(sh.cpu, mine.cpu) ||
              sh.ram_size != mine.ram_size ||
              (in->reg->check_header && in->reg->check_header(&sh, in->reg->header_opaque, &err));
    if (bad) {
        /* snap_registry_read words it; a registry without sections reads
         * nothing from a NULL reader before the header checks fail */
        SnapLoad *ld = snap_registry_read(&none, NULL, &sh, &err);
        snap_load_free(ld);
        in_fail(in, "configuration mismatch: %s", err.msg);
        return -1;
    }
    uint64_t freq = get64(h + 60);
    int32_t shift = (int32_t)get32(h + 68);
    uint32_t rsize = get32(h + 72);
    if (rsize != in->cfg.region.size) {
        in_fail(in, "configuration mismatch: the source's framebuffer region is %u bytes, this "
                "machine's %u (-M virt,fb=)", rsize, in->cfg.region.size);
        return -1;
    }
    if (freq != in->cfg.tb_freq) {
        in_fail(in, "configuration mismatch: the source's timebase runs at %llu Hz, this "
                "machine's at %llu Hz (-tb-freq)", (unsigned long long)freq,
                (unsigned long long)in->cfg.tb_freq);
        return -1;
    }
    if (shift != in->cfg.icount_shift) {
        char a[32], b[32];
        snprintf(a, sizeof a, shift < 0 ? "real time" : "-icount %d", (int)shift);
        snprintf(b, sizeof b, in->cfg.icount_shift < 0 ? "real time" : "-icount %d",
                 (int)in->cfg.icount_shift);
        in_fail(in, "configuration mismatch: the source runs in %s, this machine in %s", a, b);
        return -1;
    }
    uint8_t r[17];
    r[0] = 0;
    put64(r + 1, (uint64_t)t2);
    put64(r + 9, (uint64_t)tb_host_real_ns());
    if (write_full(in->fd, r, sizeof r)) {
        say(msg, sizeof msg, "replying to the source: %s", io_why());
        in_fail(in, "%s", msg);
        return -1;
    }
    in->st.status = MIG_ACTIVE;
    in->state = IN_RECORDS;
    return 0;
}

static int in_load_device(MigIncoming *in)
{
    uint64_t t0 = mono_ns();
    /* the bus counts every page as written (code, dirty logs) */
    bus_ram_written(in->bus, 0, in->bus->ram_size);
    int mfd = memfd_create("ppcemu-mig-in", MFD_CLOEXEC);
    if (mfd < 0 || write(mfd, in->dev, in->dev_len) != (ssize_t)in->dev_len) {
        if (mfd >= 0)
            close(mfd);
        in_fail(in, "buffering the device state: %s", strerror(errno));
        return -1;
    }
    lseek(mfd, 0, SEEK_SET);
    SnapRegistry dev = *in->reg;
    dev.n = 0;
    for (unsigned i = 0; i < in->reg->n; i++)
        if (strcmp(in->reg->entry[i].desc->name, "ram"))
            dev.entry[dev.n++] = in->reg->entry[i];
    SnapError err;
    SnapHeader h;
    SnapReader *r = snap_reader_open_fd(mfd, &h, &err);
    /* the region's pages came as records: its section has none */
    if (in->rpages)
        *in->cfg.region.precopied = true;
    SnapLoad *ld = r ? snap_registry_read(&dev, r, &h, &err) : NULL;
    snap_reader_close(r);
    close(mfd);
    if (ld)
        snap_load_commit(ld);
    if (in->rpages)
        *in->cfg.region.precopied = false;
    if (!ld) {
        in_fail(in, "device state: %s", err.msg);
        return -1;
    }
    in->loaded_ns = mono_ns();
    in->load_us = (uint32_t)((in->loaded_ns - t0) / 1000);
    in->st.dt_load_us = in->load_us;
    in_end(in, true, "");
    return 1;
}

/* Back the group of RAM pages around page v in one call before the first
 * page of it is written.  A write fault per page costs ~13 us in this
 * project's VMs (14 MiB of a Linux guest's pages: ~45 ms of the
 * destination's time, and the source waits on a full socket meanwhile);
 * MADV_POPULATE_WRITE backs 32 MiB in ~7 ms.  It changes no data (pages
 * not written stay zeros), so rounding the range out to host pages (the
 * RAM's calloc block is not page-aligned) is harmless; a refusal only
 * leaves the faults. */
static void populate(MigIncoming *in, uint32_t v)
{
    uint32_t g = v / POP_PAGES;
    if (in->pop_off || (in->popped[g / 64] >> (g % 64) & 1))
        return;
    in->popped[g / 64] |= 1ull << (g % 64);
    uintptr_t hp = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)in->bus->ram + (size_t)g * POP_PAGES * PAGE_SIZE_;
    uintptr_t e = a + (size_t)POP_PAGES * PAGE_SIZE_;
    uintptr_t ram_end = (uintptr_t)in->bus->ram + in->bus->ram_size;
    if (e > ram_end)
        e = ram_end;
    a &= ~(hp - 1);
    e = (e + hp - 1) & ~(hp - 1);
    if (madvise((void *)a, e - a, MADV_POPULATE_WRITE) && errno == EINVAL)
        in->pop_off = true;
}

/* Parse what has arrived; -1 ended (failed), 1 loaded, 0 wants more */
static int in_parse(MigIncoming *in)
{
    uint32_t npages = in->bus->ram_size >> BUS_PAGE_BITS;
    for (;;) {
        const uint8_t *p = in->buf + in->off;
        size_t have = in->len - in->off;
        if (in->state == IN_HELLO) {
            if (have < HELLO_SIZE)
                return 0;
            in->off += HELLO_SIZE;
            if (in_hello(in, p))
                return -1;
            continue;
        }
        if (in->state == IN_DEVICE) {
            size_t k = in->dev_len - in->dev_have;
            if (k > have)
                k = have;
            memcpy(in->dev + in->dev_have, p, k);
            in->dev_have += (uint32_t)k;
            in->off += k;
            if (in->dev_have < in->dev_len)
                return 0;
            return in_load_device(in);
        }
        if (in->state != IN_RECORDS)
            return 0;
        if (have < 5)
            return 0;
        uint32_t v = get32(p + 1);
        if (p[0] == REC_PAGE || p[0] == REC_ZERO) {
            if (v >= npages) {
                in_fail(in, "corrupt migration stream: page %u of %u", v, npages);
                return -1;
            }
            uint8_t *dst = in->bus->ram + (size_t)v * PAGE_SIZE_;
            if (p[0] == REC_ZERO) {
                /* reading a page never written costs no memory; writing
                 * zeros over it would allocate it */
                if (in->written[v / 64] >> (v % 64) & 1) {
                    memset(dst, 0, PAGE_SIZE_);
                    in->written[v / 64] &= ~(1ull << (v % 64));
                }
                in->st.zero_pages++;
                in->off += 5;
            } else {
                if (have < 5 + PAGE_SIZE_)
                    return 0;
                populate(in, v);
                memcpy(dst, p + 5, PAGE_SIZE_);
                in->written[v / 64] |= 1ull << (v % 64);
                in->st.normal_pages++;
                in->off += 5 + PAGE_SIZE_;
            }
            continue;
        }
        if (p[0] == REC_RPAGE || p[0] == REC_RZERO) {
            if (v >= in->rpages) {
                in_fail(in, "corrupt migration stream: framebuffer page %u of %u", v, in->rpages);
                return -1;
            }
            const MigRegion *rg = &in->cfg.region;
            uint8_t *dst = rg->mem + (size_t)v * PAGE_SIZE_;
            if (p[0] == REC_RZERO) {
                if (rg->touched[v])
                    memset(dst, 0, PAGE_SIZE_);
                rg->touched[v] = 0;
                in->off += 5;
            } else {
                if (have < 5 + PAGE_SIZE_)
                    return 0;
                memcpy(dst, p + 5, PAGE_SIZE_);
                rg->touched[v] = 1;
                in->off += 5 + PAGE_SIZE_;
            }
            in->st.region_pages++;
            continue;
        }
        if (p[0] == REC_DEVICE) {
            if (v == 0 || v > DEVICE_MAX) {
                in_fail(in, "corrupt migration stream: device state of %u bytes", v);
                return -1;
            }
            in->dev = malloc(v);
            if (!in->dev) {
                in_fail(in, "out of memory for a device state of %u bytes", v);
                return -1;
            }
            in->dev_len = v;
            in->dev_have = 0;
            in->off += 5;
            in->state = IN_DEVICE;
            in->st.status = MIG_DEVICE;
            continue;
        }
        in_fail(in, "corrupt migration stream: record type %u", p[0]);
        return -1;
    }
}

static void in_readable(void *opaque, int fd, unsigned revents)
{
    (void)revents;
    MigIncoming *in = opaque;
    /* read what is there (at most a buffer), then parse it all: the loop
     * and the monitor get their turn between reads */
    for (int turns = 0; turns < 64 && in->state < IN_LOADED; turns++) {
        if (in->off == in->len) {
            in->off = in->len = 0;
        } else if (IN_BUF - in->len < 5 + PAGE_SIZE_) {
            memmove(in->buf, in->buf + in->off, in->len - in->off);
            in->len -= in->off;
            in->off = 0;
        }
        ssize_t r = recv(fd, in->buf + in->len, IN_BUF - in->len, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            in_fail(in, "the migration stream ended early: %s",
                    r == 0 ? "the connection closed" : strerror(errno));
            return;
        }
        in->len += (size_t)r;
        in->st.transferred += (uint64_t)r;
        if (in_parse(in))
            return;
    }
}

MigIncoming *mig_incoming_start(int fd, const MigConfig *cfg, const SnapRegistry *reg, Bus *bus,
                                const MigHost *host, MigDoneFn done, void *opaque)
{
    MigIncoming *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->host = *host;
    in->cfg = *cfg;
    in->reg = reg;
    in->bus = bus;
    in->fd = fd;
    in->done = done;
    in->done_opaque = opaque;
    in->st.start_ns = mono_ns();
    in->st.status = MIG_SETUP;
    in->st.total = bus->ram_size;
    in->buf = malloc(IN_BUF);
    in->written = calloc((bus->ram_size >> BUS_PAGE_BITS) / 64 + 1, sizeof(uint64_t));
    in->popped = calloc((bus->ram_size >> BUS_PAGE_BITS) / POP_PAGES / 64 + 1, sizeof(uint64_t));
    if (!in->written || !in->popped) {
        free(in->buf);
        in->buf = NULL;
    }
    ram_zero(bus);
    /* the region as at power-on (the records say what differs); the
     * pages never written are zero already */
    in->rpages = cfg->region.size >> BUS_PAGE_BITS;
    for (uint32_t i = 0; i < in->rpages; i++) {
        if (cfg->region.touched[i])
            memset(cfg->region.mem + (size_t)i * PAGE_SIZE_, 0, PAGE_SIZE_);
        cfg->region.touched[i] = 0;
    }
    sock_bufs(fd);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    in->watch = in->buf ? host->watch(host->opaque, fd, MIG_EV_READ, in_readable, in) : NULL;
    if (!in->watch) {
        free(in->buf);
        free(in->written);
        free(in->popped);
        free(in);
        return NULL;
    }
    return in;
}

void mig_incoming_stats(const MigIncoming *in, MigStats *st)
{
    *st = in->st;
    if (in->state < IN_LOADED)
        st->total_ms = (mono_ns() - in->st.start_ns) / 1000000;
}

void mig_incoming_ack(MigIncoming *in, bool ok, const char *why)
{
    if (in->fd < 0)
        return;
    fcntl(in->fd, F_SETFL, fcntl(in->fd, F_GETFL) & ~O_NONBLOCK);
    if (!ok) {
        send_refusal(in->fd, 2, why ? why : "failed");
    } else {
        uint8_t a[ACK_SIZE];
        uint64_t start_us = (mono_ns() - in->loaded_ns) / 1000;
        in->st.dt_start_us = start_us;
        a[0] = 0;
        put64(a + 1, (uint64_t)tb_host_real_ns());
        put32(a + 9, in->load_us);
        put32(a + 13, (uint32_t)start_us);
        (void)!write_full(in->fd, a, sizeof a);
    }
    in->state = IN_DONE;
    in_close(in);
}

void mig_incoming_free(MigIncoming *in)
{
    if (!in)
        return;
    in_close(in);
    free(in);
}
