/*
 * monclient SOCKET CMD...: talks to ppcemu's monitor on a UNIX socket
 * (-monitor unix:SOCKET,server,nowait) for tests/steps/snapshot.sh.  Waits
 * (up to 10 s) for the socket, reads the "(ppcemu) " prompt, then sends each
 * command and prints what it answered, up to the next prompt.  Exit status
 * 0, or 1 when the socket or the emulator went away (after `quit` that is
 * expected and not an error).
 *
 * Two more modes for tests/steps/frontends.sh:
 *   monclient -hold SECONDS SOCKET   connect, never read, stay SECONDS
 *                                    (a client that stops reading)
 *   monclient -raw SOCKET            connect, print everything received
 *                                    until the peer closes (or 10 s pass)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PROMPT "(ppcemu) "
#define TIMEOUT_MS 60000

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    strcpy(sa.sun_path, path);
    for (int i = 0; i < 1000; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
            return fd;
        close(fd);
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Read until the prompt; print what came before it (if show).  0 at the
 * prompt, 1 at end of file, -1 on timeout or error. */
static int until_prompt(int fd, int show)
{
    static char buf[1 << 16];
    size_t len = 0, pl = strlen(PROMPT);
    for (;;) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, TIMEOUT_MS) <= 0)
            return -1;
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (show)
                fwrite(buf, 1, len, stdout);
            return 1;
        }
        len += (size_t)n;
        if (len >= pl && !memcmp(buf + len - pl, PROMPT, pl)) {
            if (show)
                fwrite(buf, 1, len - pl, stdout);
            return 0;
        }
        if (len == sizeof(buf) - 1)
            return -1;
    }
}

static int hold(const char *secs, const char *path)
{
    int fd = connect_to(path);
    if (fd < 0) {
        fprintf(stderr, "monclient: cannot connect to %s\n", path);
        return 1;
    }
    sleep((unsigned)atoi(secs));
    close(fd);
    return 0;
}

static int raw(const char *path)
{
    int fd = connect_to(path);
    if (fd < 0) {
        fprintf(stderr, "monclient: cannot connect to %s\n", path);
        return 1;
    }
    char buf[4096];
    for (;;) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 10000) <= 0)
            return 1; /* still open after 10 s */
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, stdout);
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "-hold"))
        return hold(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "-raw"))
        return raw(argv[2]);
    if (argc < 2) {
        fprintf(stderr, "usage: monclient SOCKET CMD...\n");
        return 2;
    }
    int fd = connect_to(argv[1]);
    if (fd < 0) {
        fprintf(stderr, "monclient: cannot connect to %s\n", argv[1]);
        return 1;
    }
    if (until_prompt(fd, 0)) {
        fprintf(stderr, "monclient: no prompt from %s\n", argv[1]);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char line[4096];
        int n = snprintf(line, sizeof(line), "%s\n", argv[i]);
        if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n)
            return 1;
        int r = until_prompt(fd, 1);
        fflush(stdout);
        if (r < 0 || (r == 1 && strcmp(argv[i], "quit") && strcmp(argv[i], "q"))) {
            fprintf(stderr, "monclient: '%s': %s\n", argv[i], r < 0 ? "no answer" : "monitor went away");
            return 1;
        }
    }
    close(fd);
    return 0;
}
