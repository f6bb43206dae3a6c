/*
 * Branches, user-level SPR moves, mftb and the synchronisation
 * instructions (750 UM chapter 12; PEM 4.2.4, 8).
 *
 * bc/bclr/bcctr are split at decode time by the class of their BO field
 * (PEM Table 4-1) and by AA/LK, so a handler tests only what its BO says:
 *   ALWAYS  BO = 1z1zz       branch always
 *   TRUE    BO = 011zy       CR bit set
 *   FALSE   BO = 001zy       CR bit clear
 *   DNZ     BO = 1z00y       --CTR != 0
 *   DZ      BO = 1z01y       --CTR == 0
 *   GENERIC BO = 0z0zy       --CTR test and CR bit test
 */
#include "cpu/ppc.h"

#define INLINE static inline __attribute__((always_inline))

enum { BO_ALWAYS, BO_TRUE, BO_FALSE, BO_DNZ, BO_DZ, BO_GENERIC };

/* CR bit BI (bit 0 = MSB) */
INLINE uint32_t cr_bit(const PPCState *s, unsigned bi)
{
    return (s->cr >> (31u - bi)) & 1u;
}

/* Does the branch go?  Decrements CTR when BO[2] = 0 (PEM 4.2.4.2). */
INLINE bool bo_taken(PPCState *s, const PPCOp *op, int cls)
{
    switch (cls) {
    case BO_ALWAYS: return true;
    case BO_TRUE: return cr_bit(s, op->ra);
    case BO_FALSE: return !cr_bit(s, op->ra);
    case BO_DNZ: return --s->ctr != 0;
    case BO_DZ: return --s->ctr == 0;
    default: {
        unsigned bo = op->rd;
        bool ctr_ok = (--s->ctr != 0) ^ ((bo >> 1) & 1u);
        return ctr_ok && cr_bit(s, op->ra) == ((bo >> 3) & 1u);
    }
    }
}

/* ---- b, ba, bl, bla ---- */

#define GEN_B(sfx, aa, lk) \
    static int op_b##sfx(PPCState *s, const PPCOp *op) \
    { \
        uint32_t cia = ppc_op_ea(s, op); \
        if (lk) \
            s->lr = cia + 4; \
        s->pc = (aa) ? op->imm : cia + op->imm; \
        return PPC_EXIT; \
    }

GEN_B(, 0, 0)
GEN_B(l, 0, 1)
GEN_B(a, 1, 0)
GEN_B(la, 1, 1)

/* ---- bc ---- */

#define GEN_BC(cls, sfx, aa, lk) \
    static int op_bc_##cls##sfx(PPCState *s, const PPCOp *op) \
    { \
        uint32_t cia = ppc_op_ea(s, op); \
        bool t = bo_taken(s, op, BO_##cls); \
        if (lk) \
            s->lr = cia + 4; \
        s->pc = t ? ((aa) ? op->imm : cia + op->imm) : cia + 4; \
        return PPC_EXIT; \
    }

/* bclr reads LR before bclrl writes it (PEM 8, "bclrx") */
#define GEN_BCLR(cls, sfx, lk) \
    static int op_bclr_##cls##sfx(PPCState *s, const PPCOp *op) \
    { \
        uint32_t cia = ppc_op_ea(s, op), target = s->lr & ~3u; \
        bool t = bo_taken(s, op, BO_##cls); \
        if (lk) \
            s->lr = cia + 4; \
        s->pc = t ? target : cia + 4; \
        return PPC_EXIT; \
    }

#define GEN_BCCTR(cls, sfx, lk) \
    static int op_bcctr_##cls##sfx(PPCState *s, const PPCOp *op) \
    { \
        uint32_t cia = ppc_op_ea(s, op); \
        bool t = bo_taken(s, op, BO_##cls); \
        if (lk) \
            s->lr = cia + 4; \
        s->pc = t ? (s->ctr & ~3u) : cia + 4; \
        return PPC_EXIT; \
    }

#define GEN_BC_ALL(cls) \
    GEN_BC(cls, , 0, 0) GEN_BC(cls, l, 0, 1) GEN_BC(cls, a, 1, 0) GEN_BC(cls, la, 1, 1) \
    GEN_BCLR(cls, , 0) GEN_BCLR(cls, l, 1)

GEN_BC_ALL(ALWAYS)
GEN_BC_ALL(TRUE)
GEN_BC_ALL(FALSE)
GEN_BC_ALL(DNZ)
GEN_BC_ALL(DZ)
GEN_BC_ALL(GENERIC)

/* bcctr with BO[2] = 0 (decrement CTR) is an invalid form (PEM 8,
 * "bcctrx"): only the non-decrementing classes are defined, the rest
 * decode as illegal instructions. */
GEN_BCCTR(ALWAYS, , 0)
GEN_BCCTR(ALWAYS, l, 1)
GEN_BCCTR(TRUE, , 0)
GEN_BCCTR(TRUE, l, 1)
GEN_BCCTR(FALSE, , 0)
GEN_BCCTR(FALSE, l, 1)

/* ---- SPR moves ---- */

/* The SPR number is split in the encoding: low half in bits 16-20 */
#define SPR_FIELD(n) ((((uint32_t)(n) & 0x1Fu) << 16) | (((uint32_t)(n) >> 5) << 11))
#define XER_MASK 0xE000007Fu /* SO OV CA and the byte count (PEM 2.1.5) */

static int op_mflr(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = s->lr;
    return PPC_NEXT;
}

static int op_mfctr(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = s->ctr;
    return PPC_NEXT;
}

static int op_mfxer(PPCState *s, const PPCOp *op)
{
    s->gpr[op->rd] = s->xer;
    return PPC_NEXT;
}

static int op_mtlr(PPCState *s, const PPCOp *op)
{
    s->lr = s->gpr[op->rd];
    return PPC_NEXT;
}

static int op_mtctr(PPCState *s, const PPCOp *op)
{
    s->ctr = s->gpr[op->rd];
    return PPC_NEXT;
}

static int op_mtxer(PPCState *s, const PPCOp *op)
{
    s->xer = s->gpr[op->rd] & XER_MASK;
    return PPC_NEXT;
}

/* Other SPRs: cpu/spr.c decides (privilege, side effects).  rD is written
 * only when the read succeeded. */
static int op_mfspr(PPCState *s, const PPCOp *op)
{
    uint32_t v;
    int r = ppc_mfspr(s, op, op->imm, &v);
    if (r)
        return r;
    s->gpr[op->rd] = v;
    return PPC_NEXT;
}

static int op_mtspr(PPCState *s, const PPCOp *op)
{
    int r = ppc_mtspr(s, op, op->imm, s->gpr[op->rd]);
    return r ? r : PPC_NEXT;
}

/* mftb: the timebase is cpu/spr.c's (ppc_mftb) */
static int op_mftb(PPCState *s, const PPCOp *op)
{
    uint32_t v;
    int r = ppc_mftb(s, op, op->imm, &v);
    if (r)
        return r;
    s->gpr[op->rd] = v;
    return PPC_NEXT;
}

/* ---- synchronisation: the interpreter runs in order, so sync and
 * eieio have nothing to wait for; isync ends the block so that context
 * changed before it (e.g. by mtspr) is seen by the next fetch. ---- */

static int op_sync(PPCState *s, const PPCOp *op)
{
    (void)s;
    (void)op;
    return PPC_NEXT;
}

/* ---- the table ---- */

#define PRIMARY(p) ((uint32_t)(p) << 26)
#define BO(v) ((uint32_t)(v) << 21)
#define M_AALK 3u
#define M_X_NORC 0xFC0007FEu
#define M_SPR (M_X_NORC | (0x3FFu << 11))
#define X31(xo) (PRIMARY(31) | ((uint32_t)(xo) << 1))
#define X19(xo) (PRIMARY(19) | ((uint32_t)(xo) << 1))
#define EB PPC_F_ENDS_BLOCK

/* mask, match of each BO class */
#define BOM_ALWAYS BO(0x14)
#define BOV_ALWAYS BO(0x14)
#define BOM_TRUE BO(0x1C)
#define BOV_TRUE BO(0x0C)
#define BOM_FALSE BO(0x1C)
#define BOV_FALSE BO(0x04)
#define BOM_DNZ BO(0x16)
#define BOV_DNZ BO(0x10)
#define BOM_DZ BO(0x16)
#define BOV_DZ BO(0x12)
#define BOM_GENERIC BO(0x14)
#define BOV_GENERIC BO(0x00)

#define BC_DEFS(cls) \
    { "bc", 0xFC000000u | BOM_##cls | M_AALK, PRIMARY(16) | BOV_##cls, op_bc_##cls, IMM_BD, EB }, \
    { "bcl", 0xFC000000u | BOM_##cls | M_AALK, PRIMARY(16) | BOV_##cls | 1, op_bc_##cls##l, IMM_BD, EB }, \
    { "bca", 0xFC000000u | BOM_##cls | M_AALK, PRIMARY(16) | BOV_##cls | 2, op_bc_##cls##a, IMM_BD, EB }, \
    { "bcla", 0xFC000000u | BOM_##cls | M_AALK, PRIMARY(16) | BOV_##cls | 3, op_bc_##cls##la, IMM_BD, EB }, \
    { "bclr", M_X_NORC | BOM_##cls | 1, X19(16) | BOV_##cls, op_bclr_##cls, IMM_NONE, EB }, \
    { "bclrl", M_X_NORC | BOM_##cls | 1, X19(16) | BOV_##cls | 1, op_bclr_##cls##l, IMM_NONE, EB }
#define BCCTR_DEFS(cls) \
    { "bcctr", M_X_NORC | BOM_##cls | 1, X19(528) | BOV_##cls, op_bcctr_##cls, IMM_NONE, EB }, \
    { "bcctrl", M_X_NORC | BOM_##cls | 1, X19(528) | BOV_##cls | 1, op_bcctr_##cls##l, IMM_NONE, EB }

const PPCInsnDef ppc_insns_branch[] = {
    { "b", 0xFC000003u, PRIMARY(18), op_b, IMM_LI, EB },
    { "bl", 0xFC000003u, PRIMARY(18) | 1, op_bl, IMM_LI, EB },
    { "ba", 0xFC000003u, PRIMARY(18) | 2, op_ba, IMM_LI, EB },
    { "bla", 0xFC000003u, PRIMARY(18) | 3, op_bla, IMM_LI, EB },
    BC_DEFS(ALWAYS), BC_DEFS(TRUE), BC_DEFS(FALSE), BC_DEFS(DNZ), BC_DEFS(DZ), BC_DEFS(GENERIC),
    BCCTR_DEFS(ALWAYS), BCCTR_DEFS(TRUE), BCCTR_DEFS(FALSE),

    { "mflr", M_SPR, X31(339) | SPR_FIELD(8), op_mflr, IMM_SPR, 0 },
    { "mfctr", M_SPR, X31(339) | SPR_FIELD(9), op_mfctr, IMM_SPR, 0 },
    { "mfxer", M_SPR, X31(339) | SPR_FIELD(1), op_mfxer, IMM_SPR, 0 },
    { "mfspr", M_X_NORC, X31(339), op_mfspr, IMM_SPR, 0 },
    { "mtlr", M_SPR, X31(467) | SPR_FIELD(8), op_mtlr, IMM_SPR, 0 },
    { "mtctr", M_SPR, X31(467) | SPR_FIELD(9), op_mtctr, IMM_SPR, 0 },
    { "mtxer", M_SPR, X31(467) | SPR_FIELD(1), op_mtxer, IMM_SPR, 0 },
    /* SPRs that hold no context (exception scratch and save registers,
     * written on every Linux exception entry) keep the block going */
    { "mtdsisr", M_SPR, X31(467) | SPR_FIELD(18), op_mtspr, IMM_SPR, 0 },
    { "mtdar", M_SPR, X31(467) | SPR_FIELD(19), op_mtspr, IMM_SPR, 0 },
    { "mtsrr0", M_SPR, X31(467) | SPR_FIELD(26), op_mtspr, IMM_SPR, 0 },
    { "mtsrr1", M_SPR, X31(467) | SPR_FIELD(27), op_mtspr, IMM_SPR, 0 },
    { "mtsprg0", M_SPR, X31(467) | SPR_FIELD(272), op_mtspr, IMM_SPR, 0 },
    { "mtsprg1", M_SPR, X31(467) | SPR_FIELD(273), op_mtspr, IMM_SPR, 0 },
    { "mtsprg2", M_SPR, X31(467) | SPR_FIELD(274), op_mtspr, IMM_SPR, 0 },
    { "mtsprg3", M_SPR, X31(467) | SPR_FIELD(275), op_mtspr, IMM_SPR, 0 },
    /* other SPRs may change translation or interrupt state: end the block */
    { "mtspr", M_X_NORC, X31(467), op_mtspr, IMM_SPR, EB },
    { "mftb", M_X_NORC, X31(371), op_mftb, IMM_SPR, 0 },

    { "sync", M_X_NORC, X31(598), op_sync, IMM_NONE, 0 },
    { "eieio", M_X_NORC, X31(854), op_sync, IMM_NONE, 0 },
    { "isync", M_X_NORC, X19(150), op_sync, IMM_NONE, EB },
    { NULL, 0, 0, NULL, 0, 0 },
};
