/*
 * Character backends: stdio, null, file, UNIX sockets (client or server),
 * served by the event loop (boards/main_loop.h); and the listening
 * sockets every server (GDB stub, QMP, unix:PATH,server) opens.
 */
#include "boards/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

typedef enum { CD_NULL, CD_STDIO, CD_FILE, CD_UNIX_CLIENT, CD_UNIX_SERVER } CharKind;

struct CharDev {
    CharKind kind;
    int in_fd, out_fd;   /* -1 when absent */
    int listen_fd;       /* server sockets */
    bool wait;           /* server: wait for the first client */
    char path[108];
    /* the loop's view */
    MainLoop *loop;
    LoopFd *in_w, *listen_w;
    CharHandlers h;
    void *opaque;
    /* output a socket client has not taken yet (sockets only) */
    uint8_t *out;
    size_t out_len;
    uint64_t dropped;
    bool dropping;       /* in a dropping episode (one stderr line each) */
};

static bool is_socket(const CharDev *c)
{
    return c->kind == CD_UNIX_CLIENT || c->kind == CD_UNIX_SERVER;
}

static struct termios saved_tio;
static bool tio_saved, tio_raw;

void chardev_stdio_restore(void)
{
    if (tio_raw) {
        tcsetattr(0, TCSANOW, &saved_tio);
        tio_raw = false;
    }
}

static void restore_on_signal(int sig)
{
    chardev_stdio_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

void chardev_stdio_raw(bool keep_signals)
{
    if (!isatty(0))
        return;
    if (!tio_saved) {
        if (tcgetattr(0, &saved_tio))
            return;
        tio_saved = true;
        atexit(chardev_stdio_restore);
        signal(SIGTERM, restore_on_signal);
        signal(SIGHUP, restore_on_signal);
        signal(SIGINT, restore_on_signal);
    }
    struct termios t = saved_tio;
    /* like cfmakeraw(), but the guest does its own CR/LF handling and
     * Ctrl-C stays a host signal unless the guest should get it */
    t.c_iflag &= (tcflag_t)~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= (tcflag_t)~OPOST;
    t.c_lflag &= (tcflag_t)~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!keep_signals)
        t.c_lflag &= (tcflag_t)~ISIG;
    t.c_cflag &= (tcflag_t)~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &t) == 0)
        tio_raw = true;
}

static CharDev *cd_new(CharKind k)
{
    CharDev *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->kind = k;
    c->in_fd = c->out_fd = c->listen_fd = -1;
    return c;
}

/* "unix:PATH[,server][,nowait]" -> path and flags */
static bool parse_unix(const char *spec, char *path, size_t plen, bool *server, bool *wait)
{
    const char *p = spec + 5;
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == 0 || n >= plen)
        return false;
    memcpy(path, p, n);
    path[n] = 0;
    *server = false;
    *wait = true;
    while (comma) {
        const char *opt = comma + 1;
        comma = strchr(opt, ',');
        size_t len = comma ? (size_t)(comma - opt) : strlen(opt);
        if (len == 6 && !strncmp(opt, "server", 6))
            *server = true;
        else if (len == 6 && !strncmp(opt, "nowait", 6))
            *wait = false;
        else if (len == 8 && !strncmp(opt, "wait=off", 8))
            *wait = false;
        else if (len == 7 && !strncmp(opt, "wait=on", 7))
            *wait = true;
        else if (len == 9 && !strncmp(opt, "server=on", 9))
            *server = true;
        else
            return false;
    }
    return true;
}

bool chardev_spec_valid(const char *spec)
{
    char path[108];
    bool server, wait;
    if (!strcmp(spec, "stdio") || !strcmp(spec, "null") || !strcmp(spec, "none"))
        return true;
    if (!strncmp(spec, "file:", 5))
        return spec[5] != 0;
    if (!strncmp(spec, "unix:", 5))
        return parse_unix(spec, path, sizeof(path), &server, &wait);
    return false;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -1;
    strcpy(sa->sun_path, path);
    return 0;
}

static int open_unix(CharDev *c, bool server, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (unix_addr(c->path, &sa)) {
        snprintf(err, errlen, "socket path too long: %s", c->path);
        return -1;
    }
    if (server) {
        char spec[sizeof(c->path) + 8];
        int n = snprintf(spec, sizeof(spec), "unix:%s", c->path);
        ChardevListener l;
        bool bad;
        if (chardev_listen(spec, (size_t)n, 1, &l, &bad, err, errlen))
            return -1;
        c->listen_fd = l.fd; /* the file is removed by chardev_close */
        return 0;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        snprintf(err, errlen, "cannot connect to %s: %s", c->path, strerror(errno));
        close(fd);
        return -1;
    }
    c->in_fd = c->out_fd = fd;
    return 0;
}

CharDev *chardev_open(const char *spec, bool *bad_spec, char *err, size_t errlen)
{
    *bad_spec = false;
    if (!chardev_spec_valid(spec)) {
        *bad_spec = true;
        snprintf(err, errlen, "unknown character device '%s' (stdio, null, file:PATH, unix:PATH[,server[,nowait]])", spec);
        return NULL;
    }
    CharDev *c;
    if (!strcmp(spec, "stdio")) {
        c = cd_new(CD_STDIO);
        if (c) {
            c->in_fd = 0;
            c->out_fd = 1;
        }
    } else if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
        c = cd_new(CD_NULL);
    } else if (!strncmp(spec, "file:", 5)) {
        c = cd_new(CD_FILE);
        if (c) {
            c->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (c->out_fd < 0) {
                snprintf(err, errlen, "cannot open %s: %s", spec + 5, strerror(errno));
                free(c);
                return NULL;
            }
        }
    } else {
        bool server, wait;
        c = cd_new(CD_UNIX_CLIENT);
        if (c) {
            if (!parse_unix(spec, c->path, sizeof(c->path), &server, &wait)) {
                free(c);
                return NULL;
            }
            c->kind = server ? CD_UNIX_SERVER : CD_UNIX_CLIENT;
            c->wait = server && wait;
            if (open_unix(c, server, err, errlen)) {
                free(c);
                return NULL;
            }
        }
    }
    if (!c)
        snprintf(err, errlen, "out of memory");
    return c;
}

static void update_watch(CharDev *c);
static void on_input_fd(void *opaque, int fd, unsigned rev);

/* A new client: watched for input (and output) from now on */
static int set_client(CharDev *c, int fd)
{
    c->in_fd = c->out_fd = fd;
    if (c->loop) {
        c->in_w = loop_fd_add(c->loop, fd, 0, on_input_fd, c);
        if (!c->in_w)
            return -1;
        update_watch(c);
    }
    return 0;
}

static bool try_accept(CharDev *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return false;
    if (set_client(c, fd)) {
        close(fd);
        c->in_fd = c->out_fd = -1;
        return false;
    }
    return true;
}

int chardev_wait_connected(CharDev *c)
{
    if (c->kind != CD_UNIX_SERVER || !c->wait || c->in_fd >= 0)
        return 0;
    fprintf(stderr, "ppcemu: waiting for a connection on %s\n", c->path);
    return try_accept(c) ? 0 : -1;
}

static void drop_client(CharDev *c)
{
    loop_fd_remove(c->in_w);
    c->in_w = NULL;
    close(c->in_fd);
    c->in_fd = c->out_fd = -1;
    c->out_len = 0; /* output for a client that is gone */
    c->dropping = false;
}

void chardev_close(CharDev *c)
{
    if (!c)
        return;
    loop_fd_remove(c->listen_w);
    if (c->kind == CD_UNIX_SERVER && c->in_fd >= 0)
        drop_client(c);
    loop_fd_remove(c->in_w);
    if (c->kind == CD_FILE || c->kind == CD_UNIX_CLIENT) {
        if (c->out_fd >= 0)
            close(c->out_fd);
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        unlink(c->path);
    }
    if (c->dropped)
        fprintf(stderr, "ppcemu: %s: %llu bytes of output dropped (the client did not read)\n",
                c->path, (unsigned long long)c->dropped);
    free(c->out);
    free(c);
}

/* Send what waits, as far as the socket takes it without blocking;
 * false when the peer went away */
static bool flush_out(CharDev *c)
{
    size_t done = 0;
    while (done < c->out_len) {
        ssize_t n = send(c->out_fd, c->out + done, c->out_len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    memmove(c->out, c->out + done, c->out_len - done);
    c->out_len -= done;
    if (!c->out_len)
        c->dropping = false;
    return true;
}

static void peer_gone(CharDev *c)
{
    if (c->kind == CD_UNIX_SERVER) {
        drop_client(c); /* listen again */
    } else {
        loop_fd_remove(c->in_w);
        c->in_w = NULL;
        c->in_fd = -1;
        c->out_len = 0;
    }
}

/* Sockets: buffer what the client does not take at once, up to
 * CHARDEV_OUTBUF; drop (and count) beyond.  Dropping rather than pacing:
 * pacing would have to stall the guest's UART, and a client that never
 * reads would then stall the guest for good. */
static void socket_write(CharDev *c, const uint8_t *p, size_t len)
{
    /* while output waits, only the loop's write-readiness handler sends
     * (a send per guest byte into a full socket would cost a system call
     * per byte) */
    if (!c->out) {
        c->out = malloc(CHARDEV_OUTBUF);
        if (!c->out) {
            c->dropped += len;
            return;
        }
    }
    if (!c->out_len) {
        ssize_t n;
        do
            n = send(c->out_fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            peer_gone(c);
            return;
        }
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        }
    }
    size_t take = CHARDEV_OUTBUF - c->out_len;
    if (take > len)
        take = len;
    memcpy(c->out + c->out_len, p, take);
    c->out_len += take;
    if (take < len) {
        c->dropped += len - take;
        if (!c->dropping)
            fprintf(stderr, "ppcemu: %s: the client is not reading; dropping output\n", c->path);
        c->dropping = true;
    }
    update_watch(c);
}

void chardev_write(CharDev *c, const void *buf, size_t len)
{
    const char *p = buf;
    if (!c || c->out_fd < 0 || !len)
        return;
    if (is_socket(c)) {
        socket_write(c, buf, len);
        return;
    }
    /* the terminal and files: written through */
    while (len) {
        ssize_t n = write(c->out_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pf = { c->out_fd, POLLOUT, 0 };
            poll(&pf, 1, 100);
            continue;
        }
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

uint64_t chardev_dropped(const CharDev *c)
{
    return c ? c->dropped : 0;
}

size_t chardev_pending(const CharDev *c)
{
    return c ? c->out_len : 0;
}

/* ---- the loop's side ---- */

static size_t input_room(CharDev *c)
{
    return c->h.can_read ? c->h.can_read(c->opaque) : SIZE_MAX;
}

static void update_watch(CharDev *c)
{
    if (!c->in_w)
        return;
    unsigned ev = 0;
    if (c->in_fd >= 0 && input_room(c) > 0)
        ev |= LOOP_READ;
    if (c->out_len)
        ev |= LOOP_WRITE;
    loop_fd_set_events(c->in_w, ev);
}

static void on_input_fd(void *opaque, int fd, unsigned rev)
{
    CharDev *c = opaque;
    (void)fd;
    if ((rev & LOOP_WRITE) && c->out_len && !flush_out(c)) {
        peer_gone(c);
        return;
    }
    if ((rev & LOOP_READ) && c->in_fd >= 0) {
        uint8_t buf[4096];
        size_t room = input_room(c);
        if (room > sizeof(buf))
            room = sizeof(buf);
        if (room) {
            ssize_t n = read(c->in_fd, buf, room);
            if (n > 0) {
                if (c->h.input)
                    c->h.input(c->opaque, buf, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                /* end of input: a server listens again; a closed stdin or
                 * client socket is not polled any more */
                if (c->kind == CD_UNIX_SERVER) {
                    drop_client(c);
                    return;
                }
                loop_fd_remove(c->in_w);
                c->in_w = NULL;
                c->in_fd = -1;
                if (c->kind == CD_UNIX_CLIENT)
                    c->out_fd = -1;
                return;
            }
        }
    }
    update_watch(c);
}

/* One client at a time: a second one is told so in one line and closed
 * (it would otherwise wait in the backlog with no answer at all). */
static void on_listen_fd(void *opaque, int fd, unsigned rev)
{
    CharDev *c = opaque;
    (void)rev;
    /* the current client may have closed in the same poll round (a client
     * that disconnects and reconnects at once): finish its input first, so
     * that its end is seen before the newcomer is judged */
    for (int i = 0; i < 64 && c->in_fd >= 0; i++) {
        struct pollfd pf = { c->in_fd, POLLIN, 0 };
        if (poll(&pf, 1, 0) <= 0 || input_room(c) == 0)
            break;
        on_input_fd(c, c->in_fd, LOOP_READ);
    }
    if (c->in_fd >= 0) {
        int extra = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (extra >= 0) {
            char line[200];
            int n = snprintf(line, sizeof(line), "ppcemu: %s is busy with another client\n", c->path);
            ssize_t w = send(extra, line, n > 0 ? (size_t)n : 0, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)w;
            close(extra);
        }
        return;
    }
    if (try_accept(c) && c->h.connected)
        c->h.connected(c->opaque);
}

int chardev_attach(CharDev *c, MainLoop *l, const CharHandlers *h, void *opaque)
{
    c->loop = l;
    c->h = *h;
    c->opaque = opaque;
    if (c->listen_fd >= 0) {
        c->listen_w = loop_fd_add(l, c->listen_fd, LOOP_READ, on_listen_fd, c);
        if (!c->listen_w)
            return -1;
    }
    if (c->in_fd >= 0 || (is_socket(c) && c->out_fd >= 0)) {
        c->in_w = loop_fd_add(l, c->in_fd, 0, on_input_fd, c);
        if (!c->in_w)
            return -1;
        update_watch(c);
    }
    return 0;
}

void chardev_accept_input(CharDev *c)
{
    if (c)
        update_watch(c);
}

bool chardev_is_stdio(const CharDev *c) { return c && c->kind == CD_STDIO; }
bool chardev_is_tty(const CharDev *c) { return c && c->kind == CD_STDIO && isatty(1); }

/* ---- listening sockets ---- */

typedef struct ListenAddr {
    bool is_unix;
    char host[256]; /* tcp: "" for every interface */
    char port[8];
    char path[108]; /* unix */
} ListenAddr;

static bool parse_listen(const char *spec, size_t len, ListenAddr *a)
{
    memset(a, 0, sizeof(*a));
    if (len > 5 && !strncmp(spec, "unix:", 5)) {
        if (len - 5 >= sizeof(a->path) || memchr(spec + 5, 0, len - 5))
            return false;
        a->is_unix = true;
        memcpy(a->path, spec + 5, len - 5);
        return true;
    }
    if (len < 4 || strncmp(spec, "tcp:", 4))
        return false;
    const char *hp = spec + 4, *end = spec + len, *colon = NULL;
    for (const char *p = hp; p < end; p++)
        if (*p == ':')
            colon = p;
    if (!colon)
        return false;
    size_t hl = (size_t)(colon - hp), pl = (size_t)(end - colon - 1);
    if (hl >= sizeof(a->host) || !pl || pl > 5)
        return false;
    for (size_t i = 0; i < pl; i++)
        if (colon[1 + i] < '0' || colon[1 + i] > '9')
            return false;
    memcpy(a->port, colon + 1, pl);
    if (atoi(a->port) > 65535)
        return false;
    /* [v6] as QEMU writes it: getaddrinfo wants it bare */
    if (hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']') {
        hp++;
        hl -= 2;
    }
    memcpy(a->host, hp, hl);
    return true;
}

bool chardev_listen_spec_valid(const char *spec, size_t len)
{
    ListenAddr a;
    return parse_listen(spec, len, &a);
}

static int listen_tcp(const ListenAddr *a, int backlog, ChardevListener *l, char *err,
                      size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res;
    int e = getaddrinfo(a->host[0] ? a->host : NULL, a->port, &hints, &res);
    if (e) {
        snprintf(err, errlen, "%s:%s: %s", a->host, a->port, gai_strerror(e));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, backlog))
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s:%s: %s", a->host, a->port, strerror(saved));
        return -1;
    }
    /* the port the kernel picked for PORT 0 */
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char h[NI_MAXHOST], sv[NI_MAXSERV];
    if (!getsockname(fd, (struct sockaddr *)&ss, &sl) &&
        !getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), sv, sizeof(sv),
                     NI_NUMERICHOST | NI_NUMERICSERV))
        snprintf(l->where, sizeof(l->where), "%.200s port %.20s", h, sv);
    else
        snprintf(l->where, sizeof(l->where), "%s port %s", a->host, a->port);
    l->fd = fd;
    return 0;
}

/* A socket file at path: stale (its server is gone) when connecting is
 * refused.  Anything else there is left alone. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa, char *err,
                              size_t errlen)
{
    struct stat st;
    if (lstat(path, &st)) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int r = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
    int e = errno;
    close(probe);
    if (r == 0) {
        snprintf(err, errlen, "%s: another process is listening on it", path);
        return -1;
    }
    if (e != ECONNREFUSED) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -1;
    }
    unlink(path);
    return 0;
}

static int listen_unix(const ListenAddr *a, int backlog, ChardevListener *l, char *err,
                       size_t errlen)
{
    struct sockaddr_un sa;
    if (unix_addr(a->path, &sa)) {
        snprintf(err, errlen, "socket path too long: %s", a->path);
        return -1;
    }
    if (clear_stale_socket(a->path, &sa, err, errlen))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, backlog)) {
        snprintf(err, errlen, "cannot listen on %s: %s", a->path, strerror(errno));
        close(fd);
        return -1;
    }
    memcpy(l->path, a->path, sizeof(l->path));
    snprintf(l->where, sizeof(l->where), "%s", a->path);
    l->fd = fd;
    return 0;
}

int chardev_listen(const char *spec, size_t len, int backlog, ChardevListener *l,
                   bool *bad_spec, char *err, size_t errlen)
{
    ListenAddr a;
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    *bad_spec = !parse_listen(spec, len, &a);
    if (*bad_spec) {
        snprintf(err, errlen, "expected tcp:HOST:PORT, tcp::PORT or unix:PATH");
        return -1;
    }
    return a.is_unix ? listen_unix(&a, backlog, l, err, errlen)
                     : listen_tcp(&a, backlog, l, err, errlen);
}

void chardev_listen_close(ChardevListener *l)
{
    if (l->fd < 0)
        return;
    close(l->fd);
    l->fd = -1;
    if (l->path[0])
        unlink(l->path);
    l->path[0] = 0;
}
