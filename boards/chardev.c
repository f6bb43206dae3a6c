/*
 * Character backends: stdio, null, file, UNIX sockets (client or server).
 */
#include "boards/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

typedef enum { CD_NULL, CD_STDIO, CD_FILE, CD_UNIX_CLIENT, CD_UNIX_SERVER } CharKind;

struct CharDev {
    CharKind kind;
    int in_fd, out_fd;   /* -1 when absent */
    int listen_fd;       /* server sockets */
    bool wait;           /* server: wait for the first client */
    bool new_client;     /* a client connected since chardev_take_connect */
    char path[108];
};

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
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    if (server) {
        unlink(c->path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
            snprintf(err, errlen, "cannot listen on %s: %s", c->path, strerror(errno));
            close(fd);
            return -1;
        }
        c->listen_fd = fd;
        return 0;
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

static bool try_accept(CharDev *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return false;
    c->in_fd = c->out_fd = fd;
    c->new_client = true;
    return true;
}

int chardev_wait_connected(CharDev *c)
{
    if (c->kind != CD_UNIX_SERVER || !c->wait || c->in_fd >= 0)
        return 0;
    fprintf(stderr, "ppcemu: waiting for a connection on %s\n", c->path);
    return try_accept(c) ? 0 : -1;
}

void chardev_close(CharDev *c)
{
    if (!c)
        return;
    if (c->kind == CD_FILE || c->kind == CD_UNIX_CLIENT || c->kind == CD_UNIX_SERVER) {
        if (c->out_fd >= 0)
            close(c->out_fd);
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        unlink(c->path);
    }
    free(c);
}

static void drop_client(CharDev *c)
{
    close(c->in_fd);
    c->in_fd = c->out_fd = -1;
}

void chardev_write(CharDev *c, const void *buf, size_t len)
{
    const char *p = buf;
    if (!c || c->out_fd < 0)
        return;
    while (len) {
        ssize_t n;
        if (c->kind == CD_UNIX_CLIENT || c->kind == CD_UNIX_SERVER)
            n = send(c->out_fd, p, len, MSG_NOSIGNAL);
        else
            n = write(c->out_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pf = { c->out_fd, POLLOUT, 0 };
            poll(&pf, 1, 100);
            continue;
        }
        if (n <= 0) {
            if (c->kind == CD_UNIX_SERVER)
                drop_client(c); /* the peer went away: listen again */
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

int chardev_fd(const CharDev *c)
{
    if (!c)
        return -1;
    if (c->kind == CD_UNIX_SERVER && c->in_fd < 0)
        return c->listen_fd;
    return c->in_fd;
}

ssize_t chardev_read(CharDev *c, void *buf, size_t len)
{
    if (!c)
        return 0;
    if (c->kind == CD_UNIX_SERVER && c->in_fd < 0) {
        struct pollfd pf = { c->listen_fd, POLLIN, 0 };
        if (poll(&pf, 1, 0) <= 0 || !try_accept(c))
            return 0;
    }
    if (c->in_fd < 0)
        return 0;
    struct pollfd pf = { c->in_fd, POLLIN, 0 };
    if (poll(&pf, 1, 0) <= 0)
        return 0;
    ssize_t n = read(c->in_fd, buf, len);
    if (n > 0)
        return n;
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    /* end of input */
    if (c->kind == CD_UNIX_SERVER) {
        drop_client(c);
        return 0;
    }
    if (c->kind == CD_STDIO || c->kind == CD_UNIX_CLIENT)
        c->in_fd = -1; /* stop polling a closed stdin / socket */
    return -1;
}

bool chardev_take_connect(CharDev *c)
{
    bool r = c && c->new_client;
    if (c)
        c->new_client = false;
    return r;
}

bool chardev_is_stdio(const CharDev *c) { return c && c->kind == CD_STDIO; }
bool chardev_is_tty(const CharDev *c) { return c && c->kind == CD_STDIO && isatty(1); }
