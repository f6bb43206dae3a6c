/*
 * QMP, the QEMU Machine Protocol (cli.md `-qmp`): JSON commands and
 * events on UNIX or TCP sockets, as QEMU's qemu-qmp-ref manual describes
 * them; ppcemu implements the subset README.md lists.  Each -qmp socket
 * serves one client at a time; events go to every client past the
 * capabilities negotiation.
 */
#ifndef BOARDS_QMP_H
#define BOARDS_QMP_H

#include <stdbool.h>
#include <stddef.h>

struct Machine;
typedef struct QmpServer QmpServer;

/* unix:PATH,server[,nowait] or tcp:HOST:PORT,server[,nowait] */
bool qmp_spec_valid(const char *spec);
/* Listen on spec; without nowait, wait for the first client here.  NULL
 * with err set. */
QmpServer *qmp_open(struct Machine *m, const char *spec, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Flush what the clients have not taken yet (bounded wait), then close */
void qmp_close(QmpServer *q);
/* An event to every negotiated client of q; data: a jansson object
 * (json_t *, reference stolen) or NULL */
void qmp_event(QmpServer *q, const char *name, void *data);

#endif /* BOARDS_QMP_H */
