/*
 * The GDB remote stub (cli.md `-gdb`, `-s`): gdb's remote serial protocol
 * on a TCP or UNIX socket, registered with the event loop.  One debugger
 * at a time; a connection stops the guest (as QEMU does), detaching or
 * disconnecting removes the breakpoints and lets it run.
 */
#ifndef BOARDS_GDBSTUB_H
#define BOARDS_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>

struct Machine;
typedef struct GdbStub GdbStub;

/* spec: tcp::PORT (every interface, as QEMU), tcp:HOST:PORT, unix:PATH.
 * NULL with err set; *bad_spec tells a malformed spec (exit status 2)
 * from a failure to listen.  PORT 0 picks a free port; the address
 * listened on is printed on stderr. */
GdbStub *gdbstub_open(struct Machine *m, const char *spec, bool *bad_spec, char *err,
                      size_t errlen) __attribute__((warn_unused_result));
void gdbstub_close(GdbStub *g);
/* The CPU stopped for the debugger (ppc_run returned PPC_RUN_DEBUG) */
void gdbstub_debug_stop(GdbStub *g);
/* The machine ends with this status: tell the debugger */
void gdbstub_exit(GdbStub *g, int status);

#endif /* BOARDS_GDBSTUB_H */
