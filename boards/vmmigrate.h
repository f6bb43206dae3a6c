/*
 * Live migration's machine side (issue 10): the monitor commands, the
 * engine's MigHost (the event loop, the scheduler's host clock, run
 * state, throttling) and -incoming.  The engine is migration/migrate.c.
 *
 * The destination receives from the event loop (its monitor and QMP
 * answer meanwhile).  `migrate` returns at once, with or without -d;
 * `info migrate` follows it.
 */
#ifndef BOARDS_VMMIGRATE_H
#define BOARDS_VMMIGRATE_H

#include "boards/machine.h"
#include "boards/monitor.h"

/* Setup (defaults, timer); called once by machine_main */
void vmmigrate_init(Machine *m);
/* -incoming URI|defer: 0, or the exit status with the line printed */
int vmmigrate_incoming(Machine *m, const char *uri);
void vmmigrate_teardown(Machine *m);

int vmmigrate_cmd_migrate(Monitor *mon, const char *args);
int vmmigrate_cmd_migrate_incoming(Monitor *mon, const char *args);
int vmmigrate_cmd_migrate_cancel(Monitor *mon, const char *args);
int vmmigrate_cmd_set_parameter(Monitor *mon, const char *args);
int vmmigrate_cmd_info_migrate(Monitor *mon, const char *args);
int vmmigrate_cmd_info_parameters(Monitor *mon, const char *args);

/* QMP (rows of boards/qmp.c's table): QEMU's names and fields.  The
 * return value (a jansson object; NULL: {}), or NULL with err set. */
struct json_t;
struct json_t *vmmigrate_qmp_migrate(Machine *m, struct json_t *args, char *err, size_t n);
struct json_t *vmmigrate_qmp_cancel(Machine *m, struct json_t *args, char *err, size_t n);
struct json_t *vmmigrate_qmp_query(Machine *m, struct json_t *args, char *err, size_t n);
struct json_t *vmmigrate_qmp_set_parameters(Machine *m, struct json_t *args, char *err, size_t n);
struct json_t *vmmigrate_qmp_incoming(Machine *m, struct json_t *args, char *err, size_t n);

#endif /* BOARDS_VMMIGRATE_H */
