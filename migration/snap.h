/*
 * The snapshot stream: the one format savevm/loadvm and live migration use.
 *
 *   header (uncompressed, 64 bytes, big-endian):
 *     magic "PPCEMU\x00S", format version, header length, board[16],
 *     cpu model[16], RAM size, flags, CRC32 of the header's first 60 bytes
 *   body: a zlib stream of sections until the "end" section:
 *     u8 name length, name, u32 section version, u64 payload length,
 *     payload, u32 CRC32 of (name, version, length, payload)
 *
 * Components describe their state once, as a table of SnapField (name,
 * offset, size, count, since-version), in the spirit of QEMU's VMState.
 * Every integer is written big-endian; nothing in the stream is a host
 * pointer or a host-clock value.  Loading checks everything and reports the
 * first problem as one line in SnapError.
 */
#ifndef MIGRATION_SNAP_H
#define MIGRATION_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_WUR __attribute__((warn_unused_result))

#define SNAP_FORMAT_VERSION 1
#define SNAP_HEADER_SIZE 64

typedef struct SnapError {
    char msg[256];
} SnapError;

typedef struct SnapField {
    const char *name;
    size_t offset;          /* in the component's struct */
    uint8_t size;           /* 1, 2, 4 or 8: an unsigned integer of that size */
    uint32_t count;         /* array length (1 for a scalar) */
    uint32_t since_version; /* first section version that has the field */
    uint64_t max;           /* 0: any value; else the largest valid value
                             * (loading refuses a larger one as corrupt) */
} SnapField;

#define SNAP_FIELD(type, member, ver) \
    { #member, offsetof(type, member), sizeof(((type *)0)->member), 1, ver, 0 }
#define SNAP_ARRAY(type, member, ver) \
    { #member, offsetof(type, member), sizeof(((type *)0)->member[0]), \
      sizeof(((type *)0)->member) / sizeof(((type *)0)->member[0]), ver, 0 }
/* a field with a bounded value (bool-like flags: max 1) */
#define SNAP_FIELD_MAX(type, member, ver, maxv) \
    { #member, offsetof(type, member), sizeof(((type *)0)->member), 1, ver, maxv }
#define SNAP_END { NULL, 0, 0, 0, 0, 0 }

typedef struct SnapHeader {
    uint32_t version;
    char board[16];
    char cpu[16];
    uint32_t ram_size;
    uint32_t flags;
} SnapHeader;

typedef struct SnapWriter SnapWriter;
typedef struct SnapReader SnapReader;

/* ---- writing ---- */
/* Writes to a temporary file beside path; snap_writer_commit fsyncs and
 * renames it over path, so an existing snapshot is never damaged. */
SnapWriter *snap_writer_open_file(const char *path, const SnapHeader *h, SnapError *err);
/* Writes into a file descriptor (a socket for migration): no rename. */
SnapWriter *snap_writer_open_fd(int fd, const SnapHeader *h, SnapError *err);
void snap_begin_section(SnapWriter *w, const char *name, uint32_t version);
void snap_put_bytes(SnapWriter *w, const void *p, size_t n);
void snap_put_u8(SnapWriter *w, uint8_t v);
void snap_put_u32(SnapWriter *w, uint32_t v);
void snap_put_u64(SnapWriter *w, uint64_t v);
/* the fields of the table that exist at version `version` */
void snap_put_fields(SnapWriter *w, const SnapField *f, const void *base, uint32_t version);
void snap_end_section(SnapWriter *w);
SNAP_WUR int snap_writer_commit(SnapWriter *w, SnapError *err); /* frees w */
void snap_writer_abort(SnapWriter *w);                       /* frees w */

/* ---- reading ---- */
SnapReader *snap_reader_open_file(const char *path, SnapHeader *h, SnapError *err);
SnapReader *snap_reader_open_fd(int fd, SnapHeader *h, SnapError *err);
/* Next section: 1 and its name/version, 0 at the end section, -1 on error. */
SNAP_WUR int snap_next_section(SnapReader *r, char name[64], uint32_t *version, uint64_t *len,
                               SnapError *err);
/* Readers within a section; they fail (return -1 and set err) when the
 * section's payload is exhausted. */
SNAP_WUR int snap_get_bytes(SnapReader *r, void *p, size_t n, SnapError *err);
SNAP_WUR int snap_get_u8(SnapReader *r, uint8_t *v, SnapError *err);
SNAP_WUR int snap_get_u32(SnapReader *r, uint32_t *v, SnapError *err);
SNAP_WUR int snap_get_u64(SnapReader *r, uint64_t *v, SnapError *err);
SNAP_WUR int snap_get_fields(SnapReader *r, const SnapField *f, void *base, uint32_t version,
                             SnapError *err);
/* Finish the current section: checks that the payload was consumed exactly
 * and that its CRC matches. */
SNAP_WUR int snap_end_read_section(SnapReader *r, SnapError *err);
/* Skip the rest of the current section (still CRC-checked). */
SNAP_WUR int snap_skip_section(SnapReader *r, SnapError *err);
void snap_reader_close(SnapReader *r);

/* ---- RAM: zero pages cost nothing ---- */
void snap_put_ram(SnapWriter *w, const uint8_t *ram, uint32_t size);
SNAP_WUR int snap_get_ram(SnapReader *r, uint8_t *ram, uint32_t size, SnapError *err);
/* The same into a buffer known to be all zeros (fresh anonymous memory):
 * zero pages are not touched, so loading an idle guest's RAM costs little.
 * data_map (1 bit per page, LSB first, zeroed by the caller) gets the
 * pages that carried data. */
SNAP_WUR int snap_get_ram_zeroed(SnapReader *r, uint8_t *ram, uint32_t size, uint8_t *data_map,
                                 SnapError *err);
/* Walk a RAM section without storing it: page size, page count and how
 * many pages carry data (tools/ppcsnap). */
SNAP_WUR int snap_get_ram_stats(SnapReader *r, uint32_t *page_size, uint32_t *pages,
                                uint32_t *data_pages, SnapError *err);

/* Copy the fields of a table (as they exist at `version`) from src to dst:
 * the post-load commit of a component loaded into a temporary copy. */
void snap_copy_fields(const SnapField *f, void *dst, const void *src, uint32_t version);

void snap_error(SnapError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* MIGRATION_SNAP_H */
