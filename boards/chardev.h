/*
 * Character backends for the UART and the monitor, in QEMU's spellings:
 *   stdio            the terminal (raw mode while running when it is a tty)
 *   null             output dropped, no input
 *   file:PATH        output appended to PATH (created/truncated), no input
 *   unix:PATH        connect to a UNIX socket
 *   unix:PATH,server[,nowait]
 *                    listen on PATH; without nowait, wait for the first
 *                    client before the machine starts
 * Input is non-blocking: chardev_read() returns 0 when nothing is waiting.
 */
#ifndef BOARDS_CHARDEV_H
#define BOARDS_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct CharDev CharDev;

/* Parse and open; on error returns NULL with a one-line reason in err.
 * *bad_spec tells whether the error is in the spelling (usage error)
 * rather than in opening it. */
CharDev *chardev_open(const char *spec, bool *bad_spec, char *err, size_t errlen);
/* Check a spelling without opening anything */
bool chardev_spec_valid(const char *spec);
void chardev_close(CharDev *c);
void chardev_write(CharDev *c, const void *buf, size_t len);
/* fd to poll for input (or a pending connection), -1 if none */
int chardev_fd(const CharDev *c);
/* Read what is waiting, never blocks; -1 when the peer went away */
ssize_t chardev_read(CharDev *c, void *buf, size_t len);
bool chardev_is_stdio(const CharDev *c);
bool chardev_is_tty(const CharDev *c);
/* stdio on a tty: raw mode.  keep_signals keeps Ctrl-C/Ctrl-Z as host
 * signals (plain -serial stdio); -nographic passes them to the guest. */
void chardev_stdio_raw(bool keep_signals);
/* Put the terminal back as it was (also done at exit and on signals) */
void chardev_stdio_restore(void);
/* True once after a client connected to a server socket (to greet it) */
bool chardev_take_connect(CharDev *c);
/* Server sockets waiting for their first client: block until connected */
int chardev_wait_connected(CharDev *c);

#endif /* BOARDS_CHARDEV_H */
