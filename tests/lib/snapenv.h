/* A whole virt machine for snapshot tests: a Machine (board, -icount
 * timebase, monitor writing to a file) running a real guest program, so
 * that its snapshots are real machine snapshots. */
#ifndef TESTS_LIB_SNAPENV_H
#define TESTS_LIB_SNAPENV_H

#include <stdbool.h>
#include <stdint.h>

#include "boards/machine.h"

typedef struct SnapEnv {
    Machine *m;
    PpcemuOptions opt;
    char dir[64];      /* temporary directory: snapshots, monitor output */
    char mon_path[96];
    long mon_pos;
    char out[4096];    /* what the last monitor command printed */
} SnapEnv;

/* The guest ELF the environment runs (built by tests/snapshot/snapshot.mk),
 * or NULL when it is not built: callers skip then. */
const char *snapenv_guest(void);
/* A machine of ram_mib MiB under -icount 2 running the guest from reset;
 * NULL (test skipped) without the guest. */
SnapEnv *snapenv_new(uint32_t ram_mib, bool ipic);
void snapenv_free(SnapEnv *e);
/* Run the guest until its instruction count reaches icount */
void snapenv_run_to(SnapEnv *e, uint64_t icount);
/* A monitor command; its output is left in e->out */
int snapenv_mon(SnapEnv *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A digest of the machine's state: CPU registers, timebase, devices, and
 * (with_ram) every byte of RAM */
uint32_t snapenv_digest(SnapEnv *e, bool with_ram);
/* Read a whole file; NULL on failure */
uint8_t *snapenv_read_file(const char *path, size_t *len);
int snapenv_write_file(const char *path, const uint8_t *p, size_t len);

#endif /* TESTS_LIB_SNAPENV_H */
