/*
 * The human monitor (cli.md "Monitor commands"): one line per command,
 * a table of commands easy to extend.  A failed command prints one line
 * saying why and changes nothing.
 */
#ifndef BOARDS_MONITOR_H
#define BOARDS_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boards/chardev.h"
#include "boards/main_loop.h"

struct Machine;

typedef struct Monitor {
    struct Machine *m;
    CharDev *cd;
    bool crlf;  /* raw terminal: "\n" goes out as "\r\n" */
    bool echo;  /* raw terminal: echo what is typed */
    char line[512];
    size_t len;
    bool last_cr;
    /* capture mode (gdb's qRcmd, QMP's human-monitor-command): output
     * goes to this growing buffer instead of cd */
    bool capture;
    char *cap;
    size_t cap_len, cap_size;
    /* suspended (QEMU's HMP migrate without -d): no prompt, and what is
     * typed meanwhile waits in pend until monitor_resume */
    bool suspended;
    uint8_t pend[4096];
    size_t pend_len;
} Monitor;

typedef struct MonitorCmd {
    const char *name;
    const char *args;
    const char *help;
    /* returns 0, or -1 after printing one line saying why it failed */
    int (*fn)(Monitor *mon, const char *args);
} MonitorCmd;

void monitor_init(Monitor *mon, struct Machine *m, CharDev *cd, bool crlf, bool echo);
/* Register with the event loop on the monitor's own backend (not when it
 * shares stdio with the serial line: the machine's mux feeds it then);
 * 0, or -1 when out of memory */
int monitor_attach(Monitor *mon, MainLoop *l) __attribute__((warn_unused_result));
void monitor_prompt(Monitor *mon);
void monitor_input(Monitor *mon, const uint8_t *buf, size_t len);
void monitor_printf(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run one command line; 0 on success, -1 if it failed */
int monitor_exec(Monitor *mon, const char *line);
/* Run one command line with its output captured: *out (NUL-terminated,
 * the caller frees it; NULL when out of memory) gets what it printed */
int monitor_exec_capture(Monitor *mon, const char *line, char **out);
/* Hold the monitor after the current command (no prompt, input kept) until
 * monitor_resume, which prints the prompt and runs what was typed */
void monitor_suspend(Monitor *mon);
void monitor_resume(Monitor *mon);

#endif /* BOARDS_MONITOR_H */
