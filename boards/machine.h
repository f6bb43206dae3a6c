/*
 * The emulator around the board: character backends, the monitor, the
 * main loop (CPU slices, timer events, input polling, idle sleeping).
 */
#ifndef BOARDS_MACHINE_H
#define BOARDS_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boards/chardev.h"
#include "boards/cli.h"
#include "boards/monitor.h"
#include "boards/virt.h"
#include "timebase/tb.h"

#define MACHINE_RXBUF 4096

typedef struct Machine {
    const PpcemuOptions *opt;
    VirtConfig cfg;
    VirtBoard vb;
    TimeBase *tb;
    CharDev *serial;     /* UART0's backend */
    CharDev *mon_cd;     /* the monitor's backend (== serial when muxed), or NULL */
    Monitor mon;
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
    /* tests: pause when the instruction count reaches this (0: never);
     * from PPCEMU_TEST_STOP_ICOUNT, for exact -icount comparisons */
    uint64_t stop_icount;
    char default_bios[4096];
    struct DisplaySdl *display; /* -display sdl's window, or NULL */
    uint64_t display_ns;        /* host time of its last refresh */
} Machine;

/* The whole program after option parsing: returns the exit status. */
int machine_main(const PpcemuOptions *o);

/* Used by the monitor */
void machine_stop(Machine *m);
void machine_cont(Machine *m);
void machine_system_reset(Machine *m);
void machine_quit(Machine *m, int status);

#endif /* BOARDS_MACHINE_H */
