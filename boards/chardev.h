/*
 * Character backends for the UART and the monitor, in QEMU's spellings:
 *   stdio            the terminal (raw mode while running when it is a tty)
 *   null             output dropped, no input
 *   file:PATH        output appended to PATH (created/truncated), no input
 *   unix:PATH        connect to a UNIX socket
 *   unix:PATH,server[,nowait]
 *                    listen on PATH; without nowait, wait for the first
 *                    client before the machine starts
 *
 * A backend registers its descriptors with the event loop
 * (chardev_attach) and hands what arrives to its owner's handlers.
 * Output never blocks the CPU thread on a socket: what the peer does not
 * take at once waits in a bounded buffer that the loop drains when the
 * socket has room; past CHARDEV_OUTBUF bytes, output is dropped and
 * counted (chardev_dropped), with one line on stderr per episode.  A
 * server socket serves one client: a second one gets one line saying so
 * and is closed.
 */
#ifndef BOARDS_CHARDEV_H
#define BOARDS_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "boards/main_loop.h"

typedef struct CharDev CharDev;

/* bytes waiting for a slow socket client before output is dropped */
#define CHARDEV_OUTBUF (64 * 1024)

/* What the owner of a backend (the UART's machine wiring, the monitor)
 * is told; any member may be NULL. */
typedef struct CharHandlers {
    /* bytes arrived (at most what can_read allowed) */
    void (*input)(void *opaque, const uint8_t *buf, size_t len);
    /* how many bytes input may take now; 0 leaves them in the host and
     * stops reading until chardev_accept_input (NULL: any amount) */
    size_t (*can_read)(void *opaque);
    /* a client connected to a server socket (to greet it) */
    void (*connected)(void *opaque);
} CharHandlers;

/* Parse and open; on error returns NULL with a one-line reason in err.
 * *bad_spec tells whether the error is in the spelling (usage error)
 * rather than in opening it. */
CharDev *chardev_open(const char *spec, bool *bad_spec, char *err, size_t errlen);
/* Check a spelling without opening anything */
bool chardev_spec_valid(const char *spec);
void chardev_close(CharDev *c);
/* Never blocks on a socket (see the top); a terminal or file is written
 * through */
void chardev_write(CharDev *c, const void *buf, size_t len);
/* Register with the loop; 0, or -1 when out of memory */
int chardev_attach(CharDev *c, MainLoop *l, const CharHandlers *h, void *opaque)
    __attribute__((warn_unused_result));
/* can_read may allow more now: read again */
void chardev_accept_input(CharDev *c);
/* bytes of output dropped because a client did not read */
uint64_t chardev_dropped(const CharDev *c);
/* bytes of output waiting for the client */
size_t chardev_pending(const CharDev *c);
bool chardev_is_stdio(const CharDev *c);
bool chardev_is_tty(const CharDev *c);
/* stdio on a tty: raw mode.  keep_signals keeps Ctrl-C/Ctrl-Z as host
 * signals (plain -serial stdio); -nographic passes them to the guest. */
void chardev_stdio_raw(bool keep_signals);
/* Put the terminal back as it was (also done at exit and on signals) */
void chardev_stdio_restore(void);
/* Server sockets waiting for their first client: block until connected */
int chardev_wait_connected(CharDev *c);

/* ---- listening sockets, shared by the servers (the GDB stub, QMP, the
 * unix:PATH,server backend) ----
 * Addresses, in QEMU's spellings:
 *   tcp:HOST:PORT    HOST a name or numeric address ([v6] brackets ok)
 *   tcp::PORT        every interface, as QEMU binds it
 *   unix:PATH        a UNIX socket; a file left at PATH by a process that
 *                    is gone is replaced, but a socket something still
 *                    listens on, or a file that is not a socket, is an error
 * PORT 0 lets the kernel pick one; `where` then names the port it picked. */
typedef struct ChardevListener {
    int fd;             /* listening, close-on-exec; -1 when closed */
    char path[108];     /* UNIX sockets: removed at close */
    char where[300];    /* for messages: "127.0.0.1 port 40123" or the path */
} ChardevListener;

/* Listen on the address in spec[0..len) (the caller's options, after a
 * comma, are its own).  0, or -1 with a one-line reason in err;
 * *bad_spec tells whether the spelling was wrong (a usage error). */
int chardev_listen(const char *spec, size_t len, int backlog, ChardevListener *l,
                   bool *bad_spec, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Whether spec[0..len) is a well-formed listening address */
bool chardev_listen_spec_valid(const char *spec, size_t len);
/* Close, and remove a UNIX socket's file */
void chardev_listen_close(ChardevListener *l);

#endif /* BOARDS_CHARDEV_H */
