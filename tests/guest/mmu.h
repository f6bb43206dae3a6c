/*
 * MMU helpers of the guest programs: BATs and a hashed page table
 * (PEM 7.4 block address translation, 7.5-7.6 segments and page tables).
 */
#ifndef TESTS_GUEST_MMU_H
#define TESTS_GUEST_MMU_H

#include "rt.h"

/* BATU: BEPI | BL << 2 | Vs | Vp; BATL: BRPN | WIMG << 3 | PP (PEM 7.4.3) */
#define BAT_BL_128K 0x000
#define BAT_BL_8M   0x03F
#define BAT_BL_256M 0x7FF
#define BAT_VS 0x2
#define BAT_VP 0x1
#define WIMG_W 0x8
#define WIMG_I 0x4
#define WIMG_M 0x2
#define WIMG_G 0x1
#define PP_NONE 0
#define PP_RO 1   /* BAT: read-only; PTE: key-dependent (see pte_w1) */
#define PP_RW 2
#define PP_RO3 3

static inline uint32_t batu(uint32_t ea, uint32_t bl, uint32_t v) { return (ea & 0xFFFE0000u) | bl << 2 | v; }
static inline uint32_t batl(uint32_t pa, uint32_t wimg, uint32_t pp) { return (pa & 0xFFFE0000u) | wimg << 3 | pp; }

#define SET_IBAT(n, u, l) do { mtspr(528 + 2 * (n), 0); mtspr(529 + 2 * (n), (l)); mtspr(528 + 2 * (n), (u)); } while (0)
#define SET_DBAT(n, u, l) do { mtspr(536 + 2 * (n), 0); mtspr(537 + 2 * (n), (l)); mtspr(536 + 2 * (n), (u)); } while (0)

static inline void bats_clear(void)
{
    SET_IBAT(0, 0, 0); SET_IBAT(1, 0, 0); SET_IBAT(2, 0, 0); SET_IBAT(3, 0, 0);
    SET_DBAT(0, 0, 0); SET_DBAT(1, 0, 0); SET_DBAT(2, 0, 0); SET_DBAT(3, 0, 0);
    __asm__ volatile("isync" ::: "memory");
}

/* BAT0: EA 0..8 MiB = PA (the program, its stacks, the vectors), supervisor
 * and user, read/write.  DBAT1: the SoC window, cache-inhibited and
 * guarded, so the UART and the test device work with translation on. */
static inline void bats_identity(void)
{
    SET_IBAT(0, batu(0, BAT_BL_8M, BAT_VS | BAT_VP), batl(0, 0, PP_RW));
    SET_DBAT(0, batu(0, BAT_BL_8M, BAT_VS | BAT_VP), batl(0, 0, PP_RW));
    SET_DBAT(1, batu(0x80000000u, BAT_BL_128K, BAT_VS | BAT_VP), batl(0x80000000u, WIMG_I | WIMG_G, PP_RW));
    __asm__ volatile("isync" ::: "memory");
}

/* ---- segment registers (PEM 7.5.2.1): T | Ks | Kp | N | VSID ---- */
#define SR_KS 0x40000000u
#define SR_KP 0x20000000u
#define SR_N  0x10000000u
#define SR_T  0x80000000u

/* ---- hashed page table: 64 KiB (the minimum), HTABMASK 0 ---- */
#define HTAB_SIZE 0x10000u
extern uint32_t htab[HTAB_SIZE / 4];

#define PTE_V 0x80000000u
#define PTE_H 0x00000040u
#define PTE_R 0x00000100u
#define PTE_C 0x00000080u

static inline void htab_init(void)
{
    rt_memset(htab, 0, HTAB_SIZE);
    __asm__ volatile("sync" ::: "memory");
    mtspr(SPR_SDR1, (uint32_t)htab);  /* HTABORG = address, HTABMASK = 0 */
    __asm__ volatile("isync" ::: "memory");
}

/* primary hash (PEM 7.6.1.1): low 19 bits of VSID XOR the page index */
static inline uint32_t pte_hash(uint32_t vsid, uint32_t ea)
{
    return (vsid & 0x7FFFF) ^ ((ea >> 12) & 0xFFFF);
}

/* PTEG for hash h in a 64 KiB table: 10 bits of the hash select the group */
static inline uint32_t *pteg(uint32_t hash)
{
    return &htab[((hash & 0x3FF) << 6) / 4];
}

static inline uint32_t pte_w0(uint32_t vsid, uint32_t ea, int secondary)
{
    return PTE_V | (vsid & 0xFFFFFF) << 7 | (secondary ? PTE_H : 0) | ((ea >> 22) & 0x3F);
}

static inline uint32_t pte_w1(uint32_t pa, uint32_t wimg, uint32_t pp)
{
    return (pa & 0xFFFFF000u) | wimg << 3 | pp;
}

static inline void tlbie(uint32_t ea)
{
    __asm__ volatile("sync; tlbie %0; sync; tlbsync; sync; isync" : : "r"(ea) : "memory");
}

/* Enter a PTE in slot `slot` of the primary or secondary PTEG of ea
 * (PEM 7.6.3.2: word 1 first, then word 0 with V, with syncs between).
 * Returns a pointer to the PTE. */
static inline volatile uint32_t *pte_map(uint32_t vsid, uint32_t ea, uint32_t pa, uint32_t wimg,
                                         uint32_t pp, int secondary, int slot)
{
    uint32_t h = pte_hash(vsid, ea);
    volatile uint32_t *p = pteg(secondary ? ~h : h) + 2 * slot;
    p[0] = 0;
    __asm__ volatile("sync" ::: "memory");
    p[1] = pte_w1(pa, wimg, pp);
    __asm__ volatile("eieio" ::: "memory");
    p[0] = pte_w0(vsid, ea, secondary);
    __asm__ volatile("sync" ::: "memory");
    return p;
}

/* PEM 7.6.3.3: invalidate, tlbie, then rewrite */
static inline void pte_unmap(volatile uint32_t *p, uint32_t ea)
{
    p[0] &= ~PTE_V;
    __asm__ volatile("sync" ::: "memory");
    tlbie(ea);
}

#endif /* TESTS_GUEST_MMU_H */
