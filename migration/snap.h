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
 * offset, type, count, since/until versions, bounds), grouped into a
 * SnapStateDesc (migration/snapstate.h) in the spirit of QEMU's VMState.
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

/* The type of a field: how many bytes it takes in the stream (big-endian,
 * two's complement for the signed ones, 0/1 for a bool) and how a bound is
 * compared. */
typedef enum SnapType {
    SNAP_T_U8, SNAP_T_U16, SNAP_T_U32, SNAP_T_U64,
    SNAP_T_S8, SNAP_T_S16, SNAP_T_S32, SNAP_T_S64,
    SNAP_T_BOOL,
} SnapType;

/* One field of a component's state struct.  A field the stream no longer
 * carries keeps its row with until_version set, so older streams still
 * read; a row with offset SNAP_NO_OFFSET is read, bound-checked and
 * dropped (its value lives elsewhere now). */
typedef struct SnapField {
    const char *name;
    size_t offset;          /* in the component's struct */
    uint8_t type;           /* SnapType */
    uint32_t count;         /* array length (1 for a scalar) */
    uint32_t since_version; /* first section version that has the field */
    uint32_t until_version; /* 0: still written; else first version without it */
    bool bounded;           /* lo..hi is the valid range (loading refuses
                             * anything else as corrupt); bools are 0..1 */
    uint64_t lo, hi;        /* signed types: int64 bit patterns */
} SnapField;

#define SNAP_NO_OFFSET ((size_t)-1)

#define SNAP_TYPE_OF(x) _Generic((x), \
    bool: SNAP_T_BOOL, uint8_t: SNAP_T_U8, uint16_t: SNAP_T_U16, uint32_t: SNAP_T_U32, \
    unsigned long: SNAP_T_U64, unsigned long long: SNAP_T_U64, int8_t: SNAP_T_S8, \
    char: SNAP_T_S8, int16_t: SNAP_T_S16, int32_t: SNAP_T_S32, long: SNAP_T_S64, \
    long long: SNAP_T_S64)
#define SNAP_MEMBER_(type, member) (((type *)0)->member)
#define SNAP_NELEM_(type, member) \
    (sizeof(SNAP_MEMBER_(type, member)) / sizeof(SNAP_MEMBER_(type, member)[0]))

/* a scalar; an array; a scalar with the range lo..hi (signed or unsigned
 * as the member is); a scalar with the range 0..max */
#define SNAP_FIELD(type, member, ver) \
    { #member, offsetof(type, member), SNAP_TYPE_OF(SNAP_MEMBER_(type, member)), 1, ver, 0, \
      false, 0, 0 }
#define SNAP_ARRAY(type, member, ver) \
    { #member, offsetof(type, member), SNAP_TYPE_OF(SNAP_MEMBER_(type, member)[0]), \
      SNAP_NELEM_(type, member), ver, 0, false, 0, 0 }
#define SNAP_FIELD_RANGE(type, member, ver, lov, hiv) \
    { #member, offsetof(type, member), SNAP_TYPE_OF(SNAP_MEMBER_(type, member)), 1, ver, 0, \
      true, (uint64_t)(lov), (uint64_t)(hiv) }
#define SNAP_FIELD_MAX(type, member, ver, maxv) SNAP_FIELD_RANGE(type, member, ver, 0, maxv)
/* a (nested) member under a name of its own, in versions ver..until-1
 * (until 0: still written), optionally bounded */
#define SNAP_MEMBER(nm, type, member, ver, until) \
    { nm, offsetof(type, member), SNAP_TYPE_OF(SNAP_MEMBER_(type, member)), 1, ver, until, \
      false, 0, 0 }
#define SNAP_MEMBER_RANGE(nm, type, member, ver, lov, hiv) \
    { nm, offsetof(type, member), SNAP_TYPE_OF(SNAP_MEMBER_(type, member)), 1, ver, 0, \
      true, (uint64_t)(lov), (uint64_t)(hiv) }
/* a field versions since..until-1 of the section had, read and dropped */
#define SNAP_FIELD_GONE(name, snaptype, since, until) \
    { name, SNAP_NO_OFFSET, snaptype, 1, since, until, false, 0, 0 }
#define SNAP_END { NULL, 0, 0, 0, 0, 0, false, 0, 0 }

/* bytes a field of this type takes in the stream */
unsigned snap_type_size(SnapType t);
bool snap_type_signed(SnapType t);
/* whether the field is in a section of this version */
bool snap_field_in(const SnapField *f, uint32_t version);

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
/* Writes to an unnamed file (O_TMPFILE) in path's directory, or where the
 * file system lacks those to path.tmp.PID (and first removes such names
 * of dead processes); snap_writer_commit fsyncs it, links it as
 * path.tmp.PID and renames that over path, so an existing snapshot is
 * never damaged and a killed save leaves nothing behind. */
SnapWriter *snap_writer_open_file(const char *path, const SnapHeader *h, SnapError *err);
/* Writes into a file descriptor (a socket for migration): no rename.  For
 * a small stream (live migration's device state): deflate with less
 * memory (zlib's memLevel 1), the same format. */
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
/* Payload bytes of the current section not read yet */
uint64_t snap_remaining(const SnapReader *r);
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

/* n bytes of untrusted text (header or section names) made printable:
 * printable ASCII stays, backslash and anything else become \\ and \xHH;
 * NUL-terminated, cut to fit outlen.  Returns out. */
char *snap_escape(char *out, size_t outlen, const char *in, size_t n);

void snap_error(SnapError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* MIGRATION_SNAP_H */
