/*
 * ppcemu's command line (../shared/spec/cli.md): QEMU's spellings.
 */
#ifndef BOARDS_CLI_H
#define BOARDS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "boards/virtio_blk.h"
#include "boards/virtmap.h"
#include "timebase/tb.h"

#define PPCEMU_VERSION "0.1"
#define CLI_MAX_QMP 8

typedef struct PpcemuOptions {
    bool ipic;
    uint32_t ram_mib;
    const char *kernel, *initrd, *append, *bios, *dtb, *dump_dtb;
    bool nographic;
    const char *display;
    const char *serial;   /* NULL: default (stdio) */
    const char *monitor;  /* NULL: default (muxed on stdio with -nographic, else none) */
    bool start_paused;    /* -S */
    const char *loadvm, *snapshot_dir, *incoming, *gdb;
    bool no_reboot;
    const char *qmp[CLI_MAX_QMP]; /* -qmp, in order */
    unsigned nqmp;
    uint64_t tb_freq;
    TBClockPolicy tb_clock;
    int icount_shift;     /* -1: real time */
    unsigned debug_flags; /* PPC_DBG_* */
    bool debug_snapshot;  /* -d snapshot */
    bool debug_migration; /* -d migration */
    const char *logfile;  /* -D */
    /* -drive ...,if=virtio: files[i] holds drives[i].file */
    VirtioBlkConf drives[VIRT_VIRTIO_SLOTS];
    char drive_files[VIRT_VIRTIO_SLOTS][1024];
    unsigned ndrives;
    uint32_t fb_width, fb_height; /* -M virt,fb=WxH; 0: fb=off */
    /* debug options (the tests pass them; `ppcemu -h` lists them apart) */
    int64_t debug_mono_offset_ns; /* -debug-clock-offset mono=NS */
    int64_t debug_real_offset_ns; /* -debug-clock-offset real=NS */
    uint64_t debug_stop_icount;   /* -debug-stop-icount N (0: never) */
    int accel;            /* -accel: PPC_ENGINE_* of cpu/ppc.h */
    bool perfmap;         /* -perfmap: /tmp/perf-PID.map for the JIT's code */
} PpcemuOptions;

enum {
    CLI_RUN = 0,   /* options parsed: run the machine */
    CLI_DONE = 1,  /* -h, -version, -d help...: printed, exit 0 */
    CLI_USAGE = 2, /* bad command line: one line printed, exit 2 */
};

void cli_defaults(PpcemuOptions *o);
/* The environment's defaults, before the command line: PPCEMU_ACCEL=
 * jit|interp|lockstep is the engine when there is no -accel (so that
 * `PPCEMU_ACCEL=interp make check` runs every step under the interpreter).
 * CLI_RUN, or CLI_USAGE with one line on err. */
int cli_env_defaults(PpcemuOptions *o, FILE *err);
/* Parse argv; messages go to out (help, version) and err (errors). */
int cli_parse(int argc, char **argv, PpcemuOptions *o, FILE *out, FILE *err);
void cli_help(FILE *out);
/* "mono=NS,real=NS" (either part optional, NS signed decimal): the
 * argument of -debug-clock-offset; false if malformed */
bool cli_parse_clock_offsets(const char *arg, int64_t *mono_ns, int64_t *real_ns);

#endif /* BOARDS_CLI_H */
