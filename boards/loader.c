/*
 * Image loaders.  ELF layout from the System V ABI (gABI 4.1) and its
 * PowerPC processor supplement: ELFCLASS32, ELFDATA2MSB, EM_PPC = 20.
 */
#include "boards/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EM_PPC_ 20
#define PT_LOAD_ 1

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Reads at most max bytes: a regular file is refused from its size, before
 * anything is read; anything else (a character device such as /dev/zero, a
 * FIFO) is read until EOF or until it has given more than max bytes, so no
 * input can make the loader hold more than max + 1 bytes.  A
 * FIFO is opened without waiting for a writer (with none, it reads as
 * empty).  A directory is refused by name. */
static int read_fd_max(int fd, const char *path, size_t max, const char *what, uint8_t **data,
                       size_t *len, char *err, size_t errlen);

int loader_read_file_max(const char *path, size_t max, const char *what, uint8_t **data,
                         size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    return read_fd_max(fd, path, max, what, data, len, err, errlen);
}

/* Reads fd (opened O_NONBLOCK, so that a FIFO without a writer never
 * blocks the open) as loader_read_file_max says, and closes it. */
static int read_fd_max(int fd, const char *path, size_t max, const char *what, uint8_t **data,
                       size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) || fcntl(fd, F_SETFL, 0)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s: it is a directory", path);
        close(fd);
        return -1;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        snprintf(err, errlen, "%s is larger than %s (%lld bytes, at most %zu)", path, what,
                 (long long)st.st_size, max);
        close(fd);
        return -1;
    }
    size_t cap = 0, n = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (n == cap) {
            if (n > max)
                break;
            size_t ncap = cap ? 2 * cap : 65536; /* doubling: each byte copied O(1) times */
            if (ncap > max + 1)
                ncap = max + 1; /* one byte more tells "too large" */
            uint8_t *nb = realloc(buf, ncap);
            if (!nb)
                break;
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0) {
                close(fd);
                *data = buf ? buf : malloc(1);
                *len = n;
                if (!*data) {
                    snprintf(err, errlen, "cannot read %s: out of memory", path);
                    return -1;
                }
                return 0;
            }
            break;
        }
        n += (size_t)got;
    }
    int e = errno;
    close(fd);
    free(buf);
    if (n > max)
        snprintf(err, errlen, "%s is larger than %s (more than %zu bytes)", path, what, max);
    else
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
    return -1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = pread(fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got, n -= (size_t)got, off += (uint64_t)got;
    }
    return 0;
}

/* A regular ELF file larger than max (a kernel with its debug sections):
 * keep the ELF header, the program headers and the PT_LOAD segments' bytes,
 * with p_offset rewritten and the section headers dropped, when those fit
 * in max.  1: not such a file (the caller refuses it by size), 0 or -1. */
static int read_elf_loadable(int fd, uint64_t fsize, size_t max, const char *path, const char *what,
                             uint8_t **data, size_t *len, char *err, size_t errlen)
{
    uint8_t eh[52];
    if (pread_all(fd, eh, sizeof(eh), 0) || !loader_is_elf(eh, sizeof(eh)) || eh[4] != 1 ||
        eh[5] != 2)
        return 1;
    uint32_t phoff = be32(eh + 28);
    uint16_t phentsize = be16(eh + 42), phnum = be16(eh + 44);
    size_t phsize = (size_t)phentsize * phnum;
    if (phentsize < 32 || (uint64_t)phoff + phsize > fsize)
        return 1;
    uint8_t *ph = malloc(phsize ? phsize : 1);
    if (!ph || pread_all(fd, ph, phsize, phoff)) {
        free(ph);
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    uint64_t need = sizeof(eh) + phsize;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *p = ph + (size_t)i * phentsize;
        if (be32(p) == PT_LOAD_)
            need += be32(p + 16);
    }
    if (need > max) {
        free(ph);
        snprintf(err, errlen, "%s is larger than %s (%llu loadable bytes, at most %zu)", path, what,
                 (unsigned long long)need, max);
        return -1;
    }
    uint8_t *img = malloc((size_t)need);
    if (!img) {
        free(ph);
        snprintf(err, errlen, "cannot read %s: out of memory", path);
        return -1;
    }
    memcpy(img, eh, sizeof(eh));
    put_be32(img + 28, sizeof(eh));         /* e_phoff: right after the header */
    put_be32(img + 32, 0);                  /* e_shoff: no section headers */
    img[46] = img[47] = img[48] = img[49] = 0; /* e_shentsize, e_shnum */
    size_t at = sizeof(eh) + phsize;
    for (unsigned i = 0; i < phnum; i++) {
        uint8_t *p = ph + (size_t)i * phentsize;
        uint32_t off = be32(p + 4), filesz = be32(p + 16);
        if (be32(p) != PT_LOAD_)
            continue;
        if ((uint64_t)off + filesz > fsize || pread_all(fd, img + at, filesz, off)) {
            free(ph);
            free(img);
            snprintf(err, errlen, "%s: truncated ELF segment at file offset 0x%x", path, off);
            return -1;
        }
        put_be32(p + 4, (uint32_t)at);
        at += filesz;
    }
    memcpy(img + sizeof(eh), ph, phsize);
    free(ph);
    *data = img;
    *len = at;
    return 0;
}

int loader_read_elf_max(const char *path, size_t max, const char *what, uint8_t **data, size_t *len,
                        char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    /* one open only: reopening would lose a FIFO's writer */
    struct stat st;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        int r = read_elf_loadable(fd, (uint64_t)st.st_size, max, path, what, data, len, err, errlen);
        if (r <= 0) {
            close(fd);
            return r;
        }
    }
    return read_fd_max(fd, path, max, what, data, len, err, errlen);
}

int loader_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    return loader_read_file_max(path, LOADER_FILE_MAX, "the loader's limit", data, len, err,
                                errlen);
}

bool loader_is_elf(const uint8_t *data, size_t len)
{
    return len >= 4 && !memcmp(data, "\177ELF", 4);
}

static int check_header(const uint8_t *d, size_t len, char *err, size_t errlen)
{
    if (len < 52 || !loader_is_elf(d, len)) {
        snprintf(err, errlen, "not an ELF file");
        return -1;
    }
    if (d[4] != 1 || d[5] != 2) {
        snprintf(err, errlen, "not a 32-bit big-endian ELF file");
        return -1;
    }
    if (be16(d + 18) != EM_PPC_) {
        snprintf(err, errlen, "ELF machine %u is not PowerPC", be16(d + 18));
        return -1;
    }
    uint32_t phoff = be32(d + 28);
    uint16_t phentsize = be16(d + 42), phnum = be16(d + 44);
    if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > len) {
        snprintf(err, errlen, "truncated ELF program headers");
        return -1;
    }
    return 0;
}

static int load_segment(Bus *b, const uint8_t *d, size_t len, const uint8_t *ph, uint32_t limit,
                        char *err, size_t errlen)
{
    uint32_t off = be32(ph + 4), paddr = be32(ph + 12);
    uint32_t filesz = be32(ph + 16), memsz = be32(ph + 20);
    if (filesz > memsz || (uint64_t)off + filesz > len) {
        snprintf(err, errlen, "bad ELF segment at 0x%08x", paddr);
        return -1;
    }
    if ((uint64_t)paddr + memsz > 0x100000000ull || (limit && (uint64_t)paddr + memsz > limit)) {
        snprintf(err, errlen, "ELF segment 0x%08x+0x%x does not fit", paddr, memsz);
        return -1;
    }
    if (bus_write_ram(b, paddr, d + off, filesz)) {
        snprintf(err, errlen, "ELF segment 0x%08x+0x%x is outside RAM/ROM", paddr, memsz);
        return -1;
    }
    /* p_memsz beyond p_filesz is zero-filled (.bss) */
    static const uint8_t zero[4096];
    for (uint32_t done = filesz; done < memsz;) {
        uint32_t n = memsz - done < sizeof(zero) ? memsz - done : (uint32_t)sizeof(zero);
        if (bus_write_ram(b, paddr + done, zero, n)) {
            snprintf(err, errlen, "ELF segment 0x%08x+0x%x is outside RAM/ROM", paddr, memsz);
            return -1;
        }
        done += n;
    }
    return 0;
}

int loader_load_elf(Bus *b, const uint8_t *d, size_t len, uint32_t limit, ElfInfo *info,
                    char *err, size_t errlen)
{
    if (check_header(d, len, err, errlen))
        return -1;
    uint32_t entry = be32(d + 24), phoff = be32(d + 28);
    uint16_t phentsize = be16(d + 42), phnum = be16(d + 44);
    info->entry_pa = entry;
    info->low = 0xFFFFFFFFu;
    info->high = 0;
    bool any = false;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (size_t)i * phentsize;
        if (be32(ph) != PT_LOAD_ || be32(ph + 20) == 0)
            continue;
        if (load_segment(b, d, len, ph, limit, err, errlen))
            return -1;
        uint32_t vaddr = be32(ph + 8), paddr = be32(ph + 12), memsz = be32(ph + 20);
        /* the entry is a virtual address (0xC0000000 for vmlinux): the
         * boot ROM runs with the MMU off, so it needs the physical one */
        if (entry - vaddr < memsz)
            info->entry_pa = paddr + (entry - vaddr);
        if (paddr < info->low)
            info->low = paddr;
        if (paddr + memsz > info->high)
            info->high = paddr + memsz;
        any = true;
    }
    if (!any) {
        snprintf(err, errlen, "ELF file has no loadable segment");
        return -1;
    }
    return 0;
}
