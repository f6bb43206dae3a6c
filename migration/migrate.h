/*
 * Live migration (issue 10): the engine.  The source sends a running
 * machine's RAM in iterative pre-copy rounds (the bus's dirty log), then
 * stops it, sends the rest and the device state (the snapshot registry's
 * sections, in the snapshot stream format), and waits for the
 * destination's acknowledgement over the same socket.  The destination
 * loads, starts and acknowledges.
 *
 * The engine knows no board and no event loop: the board gives it a
 * MigHost (watch a descriptor, arm a timer, stop/start the CPU, throttle
 * it, print a line) and calls its entry points from the loop's thread (the
 * CPU thread, between slices); every MigHost call comes from that thread.
 * Pre-copy passes are sent by a thread of the engine's own, concurrent
 * with the guest (migrate.c: "the pre-copy worker").  Errors come back as
 * one line.
 *
 * Live protocol (big-endian), after the connection:
 *   src -> dst  hello: "PPCEMIG1", u32 version (3), board[16], cpu[16],
 *               u32 RAM size, u32 header flags, s64 t1 (source realtime),
 *               u64 TB frequency, s32 -icount shift (-1: real time),
 *               u32 device region size (0: none)
 *   dst -> src  reply: u8 0 ok | 1 refused, s64 t2 (receive), s64 t3
 *               (send), u8 n, n bytes of reason (refused)
 *   src -> dst  records: u8 1 PAGE u32 pfn + page | u8 2 ZERO u32 pfn |
 *               u8 4 RPAGE u32 index + page | u8 5 RZERO u32 index (a
 *               page of the device region, MigRegion) |
 *               u8 3 DEVICE u32 len + a snapshot stream of every section
 *               but "ram" (the last record; the region's device writes
 *               its section without the region's pages)
 *   dst -> src  ack: u8 0 running | 1 failed, s64 realtime at the start,
 *               u32 load us, u32 start us (ok) | u8 n, reason (failed)
 * t1..t4 give the clock offset and round trip NTP-style (timebase.md 9).
 * The whole configuration (board, CPU, RAM, TB frequency, -icount) is
 * checked at the hello, before any RAM moves; so is the version, so that
 * an older or newer ppcemu at the other end is one line, not a corrupt
 * guest.  exec:CMD streams have no return path: no reply, no ack.
 */
#ifndef MIGRATION_MIGRATE_H
#define MIGRATION_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "mem/bus.h"
#include "migration/snapstate.h"

#define MIG_WUR __attribute__((warn_unused_result))

/* the event bits of MigHost.watch (the same values as the loop's) */
enum { MIG_EV_READ = 1, MIG_EV_WRITE = 2, MIG_EV_HUP = 4 };

typedef struct MigParams {
    uint64_t downtime_ms;  /* downtime-limit (QEMU: 300) */
    uint64_t max_bw;       /* max-bandwidth, bytes/s (QEMU: 128 MiB/s) */
    bool auto_converge;
    uint32_t max_passes;   /* a hard limit (0: none) */
    uint64_t x_stop_delay_ms; /* test hook: the source waits this long stopped */
} MigParams;

/* A device's memory migrated like RAM: the framebuffer, as QEMU treats
 * VGA memory.  Its pages go in the pre-copy passes and at the stop only
 * those written since the last pass, raw like RAM pages (not through the
 * device state's deflate, which took a few ms of the downtime for the
 * 768 pages of a 1024x768 console).  The device keeps the log: `dirty`
 * (1 byte per 4 KiB page, set by its writes, cleared by the engine; not
 * the display's map, which its window clears when it redraws) and
 * `touched` (pages ever written: the others are zero and are not read).
 * While the engine sets *precopied (the stop's device state on the
 * source, its load on the destination) the device's section carries none
 * of the region's pages and its load keeps the memory as received.
 * The pointers are the device's, fixed for its lifetime (the worker
 * thread reads mem; dirty and touched only the loop's thread touches). */
typedef struct MigRegion {
    uint8_t *mem;
    uint32_t size;          /* bytes, a multiple of 4 KiB; 0: no region */
    uint8_t *dirty, *touched;
    bool *precopied;
} MigRegion;

/* What both ends must agree on beyond the snapshot header (the region's
 * size; its pointers are each end's own) */
typedef struct MigConfig {
    uint64_t tb_freq;
    int32_t icount_shift; /* -1: real time */
    MigRegion region;
} MigConfig;

void mig_params_default(MigParams *p);
/* `migrate_set_parameter NAME VALUE`; 0, or -1 with a line in msg */
MIG_WUR int mig_param_set(MigParams *p, const char *name, const char *value, char *msg,
                          size_t len);

typedef void (*MigFdFn)(void *opaque, int fd, unsigned revents);

typedef struct MigHost {
    void *opaque;
    /* watch fd (MIG_EV_*; 0 parks it); NULL when out of memory */
    void *(*watch)(void *opaque, int fd, unsigned events, MigFdFn fn, void *fn_opaque);
    void (*watch_events)(void *w, unsigned events);
    void (*unwatch)(void *w);
    /* call mig_source_timer after delay_ns (re-arming moves it) */
    void (*timer)(void *opaque, uint64_t delay_ns);
    void (*stop)(void *opaque);
    void (*start)(void *opaque);
    bool (*running)(void *opaque);
    void (*throttle)(void *opaque, unsigned pct);
    void (*say)(void *opaque, const char *line);
    /* a status change (QMP's MIGRATION event); may be NULL */
    void (*status)(void *opaque, const char *status);
    /* the end of a pass over RAM (QMP's MIGRATION_PASS); may be NULL */
    void (*pass)(void *opaque, uint64_t pass);
} MigHost;

typedef enum MigStatus {
    MIG_NONE, MIG_SETUP, MIG_ACTIVE, MIG_DEVICE, MIG_COMPLETED, MIG_FAILED, MIG_CANCELLED,
} MigStatus;
const char *mig_status_name(MigStatus s);

typedef struct MigStats {
    MigStatus status;
    uint64_t start_ns, total_ms, downtime_ms, expected_downtime_ms, setup_ms;
    uint64_t transferred, remaining, total, zero_pages, normal_pages, dirty_syncs;
    uint64_t dirty_rate;   /* pages/s of the last round */
    uint64_t mbps;         /* measured throughput, Mbit/s */
    unsigned throttle_pct;
    bool have_skew;
    int64_t skew_ns, rtt_ns; /* destination realtime minus source's */
    /* the downtime's parts, us: stopping (and the last dirty sync), the
     * last RAM pass, serialising and sending the device state, the
     * destination's load and start (as it reports them), and the rest
     * (transit, the acknowledgement, scheduling) */
    uint64_t dt_stop_us, dt_ram_us, dt_dev_us, dt_load_us, dt_start_us, dt_ack_us;
    uint64_t dt_ram_pages, dt_dev_bytes;
    /* the device region's pages (MigRegion) sent (received) in all, and
     * at the stop */
    uint64_t region_pages, dt_region_pages, dt_region_bytes;
    /* the last pre-copy pass (-d migration): its wall time, and the
     * worker's time reading and encoding pages, blocked sending, and
     * waiting out the rate limit, us */
    uint64_t pass_us, pass_read_us, pass_send_us, pass_wait_us;
    int64_t tb_jump_ns; /* destination start minus source stop, realtime, skew removed */
    char error[200];
} MigStats;

typedef struct MigSource MigSource;

/* Start migrating; NULL with msg set when the URI is bad or nothing can be
 * connected to (then nothing changed). */
MigSource *mig_source_start(const char *uri, const MigParams *p, const MigConfig *cfg,
                            const SnapRegistry *reg, Bus *bus, const MigHost *host, char *msg,
                            size_t len);
void mig_source_timer(MigSource *s);
void mig_source_cancel(MigSource *s);
/* the parameters may change while it runs (raising the downtime limit) */
void mig_source_params(MigSource *s, const MigParams *p);
void mig_source_stats(const MigSource *s, MigStats *st);
bool mig_source_active(const MigSource *s);
void mig_source_free(MigSource *s);

/* ---- the destination ---- */
/* Check a URI (tcp:HOST:PORT, unix:PATH; defer is the board's) */
MIG_WUR int mig_uri_check(const char *uri, bool incoming, char *msg, size_t len);
/* Listen on the URI's address only; the fd, or -1 with msg.  A unix:
 * socket file that nothing listens on any more (a killed process's) is
 * replaced; one with a listener is not. */
int mig_listen(const char *uri, char *msg, size_t len);
/* Remove a unix: URI's socket file (the listener is closed) */
void mig_unlisten(const char *uri);

/* Receiving, driven by the event loop through host->watch: the RAM goes
 * straight into the bus, then the device state's two-phase load.  When it
 * ends, done(opaque, ok, msg) is called once (from the loop); on ok the
 * board starts the machine and calls mig_incoming_ack. */
typedef struct MigIncoming MigIncoming;
typedef void (*MigDoneFn)(void *opaque, bool ok, const char *msg);
MigIncoming *mig_incoming_start(int fd, const MigConfig *cfg, const SnapRegistry *reg, Bus *bus,
                                const MigHost *host, MigDoneFn done, void *opaque);
void mig_incoming_stats(const MigIncoming *in, MigStats *st);
/* the acknowledgement (ok: running now), then the connection is closed */
void mig_incoming_ack(MigIncoming *in, bool ok, const char *why);
void mig_incoming_free(MigIncoming *in);

#endif /* MIGRATION_MIGRATE_H */
