/*
 * Image loaders: whole files, 32-bit big-endian PowerPC ELF executables
 * (PT_LOAD segments at their physical addresses) and raw images.
 */
#ifndef BOARDS_LOADER_H
#define BOARDS_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem/bus.h"

typedef struct ElfInfo {
    uint32_t entry_pa;  /* entry point translated to a physical address */
    uint32_t low, high; /* lowest and first-above physical byte loaded */
} ElfInfo;

/* Read a whole file (malloc'ed) of at most max bytes; a larger one (or a
 * stream that gives more) is refused with "PATH is larger than WHAT ...",
 * without reading a regular file at all and without reading more than max
 * bytes of anything else; a directory or a FIFO never blocks.  0 or -1
 * with err set (one line). */
__attribute__((warn_unused_result))
int loader_read_file_max(const char *path, size_t max, const char *what, uint8_t **data,
                         size_t *len, char *err, size_t errlen);
/* As loader_read_file_max, except that a regular ELF file larger than max
 * (a kernel with debug sections) is read as its headers and PT_LOAD
 * segments only, and accepted when those fit in max. */
__attribute__((warn_unused_result))
int loader_read_elf_max(const char *path, size_t max, const char *what, uint8_t **data,
                        size_t *len, char *err, size_t errlen);
/* The same with LOADER_FILE_MAX (tools and tests) */
#define LOADER_FILE_MAX (1u << 30)
__attribute__((warn_unused_result))
int loader_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen);
bool loader_is_elf(const uint8_t *data, size_t len);
/* Load an ELF image through the bus (RAM or ROM).  Segments may only go
 * where bus_write_ram can write, and below `limit` (exclusive; 0 = no limit). */
__attribute__((warn_unused_result))
int loader_load_elf(Bus *b, const uint8_t *data, size_t len, uint32_t limit, ElfInfo *info,
                    char *err, size_t errlen);

#endif /* BOARDS_LOADER_H */
