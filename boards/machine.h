/*
 * The machine around the board: run state, the backends and the monitor
 * wired to the board, and the CPU's turns with the event loop
 * (boards/main_loop.h).
 */
#ifndef BOARDS_MACHINE_H
#define BOARDS_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boards/chardev.h"
#include "boards/cli.h"
#include "boards/gdbstub.h"
#include "boards/main_loop.h"
#include "boards/monitor.h"
#include "boards/qmp.h"
#include "boards/virt.h"
#include "migration/migrate.h"
#include "timebase/sched.h"
#include "timebase/tb.h"

#define MACHINE_RXBUF 4096

typedef struct Machine {
    const PpcemuOptions *opt;
    VirtConfig cfg;
    VirtBoard vb;
    TimeBase *tb;        /* the guest clock */
    Scheduler *sched;    /* both clocks' timers, the CPU kick */
    MainLoop *loop;      /* host descriptors and bottom halves */
    SchedTimer host_turn; /* brings the running CPU back to the loop */
    CharDev *serial;     /* UART0's backend */
    CharDev *mon_cd;     /* the monitor's backend (== serial when muxed), or NULL */
    Monitor mon;
    GdbStub *gdb;        /* -gdb / -s, or NULL */
    QmpServer *qmp[CLI_MAX_QMP]; /* -qmp sockets */
    unsigned nqmp;
    bool shutdown_guest;         /* the SHUTDOWN event's data */
    const char *shutdown_reason;
    bool mux;            /* serial and monitor share stdio (-nographic) */
    bool mux_to_monitor; /* input focus of the mux */
    bool mux_escape;     /* Ctrl-A seen */
    bool running;        /* false: paused (-S, stop) */
    bool quit;
    int exit_status;
    uint8_t rx[MACHINE_RXBUF]; /* host input waiting for room in the UART FIFO */
    size_t rx_len;
    FILE *log;
    uint64_t last_poll_ns;
    /* pause when the instruction count reaches this (0: never):
     * -debug-stop-icount, for exact -icount comparisons */
    uint64_t stop_icount;
    char default_bios[4096];
    /* live migration (boards/vmmigrate.c) */
    MigParams mig_params;
    struct MigSource *mig; /* the last outgoing migration, or NULL */
    SchedTimer mig_timer;  /* the rate limit's window */
    unsigned mig_throttle; /* auto-converge: % of the time the CPU sleeps */
    int mig_lfd;           /* -incoming's listening socket, or -1 */
    LoopFd *mig_lw;
    struct DisplaySdl *display; /* -display sdl's window, or NULL */
    SchedTimer display_timer;   /* its refresh, on the host clock */
} Machine;

/* The whole program after option parsing: returns the exit status. */
int machine_main(const PpcemuOptions *o);

/* Used by the monitor */
void machine_stop(Machine *m);
void machine_cont(Machine *m);
void machine_system_reset(Machine *m);
void machine_quit(Machine *m, int status);
/* machine_quit with the SHUTDOWN event's reason (QEMU's ShutdownCause
 * names: "host-qmp-quit", "guest-shutdown", ...) */
void machine_shutdown(Machine *m, int status, bool guest, const char *reason);
/* A QMP event to every client: data is a json_t object (reference
 * stolen) or NULL */
void machine_event(Machine *m, const char *name, void *data);
/* One line "WHAT: ..." to the -d log (-D FILE, else stderr) when on */
void machine_log(const Machine *m, bool on, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* BOARDS_MACHINE_H */
