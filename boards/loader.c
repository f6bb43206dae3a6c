/*
 * Image loaders.  ELF layout from the System V ABI (gABI 4.1) and its
 * PowerPC processor supplement: ELFCLASS32, ELFDATA2MSB, EM_PPC = 20.
 */
#include "boards/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_PPC_ 20
#define PT_LOAD_ 1

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

int loader_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *nb = cap < (1u << 30) ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
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
