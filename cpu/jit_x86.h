/*
 * A small x86-64 instruction emitter for the JIT (cpu/jit.c).  Only the
 * forms the code generator uses, with the encodings of the Intel SDM
 * vol. 2 (ModRM/SIB tables 2-2 and 2-3).  The guest state is always
 * addressed as [rbx + disp32]; scratch registers are eax, ecx, edx, esi,
 * so that no REX prefix is needed for most 32-bit operations.  Every form
 * also takes r8d-r15d and ebp (the guest GPR cache of cpu/jit.c) and adds
 * the REX prefix then: the named emitters are thin wrappers of one
 * emitter per encoding (x_op_rr, x_op_mem, x_op_r...) with an operand
 * width.
 */
#ifndef CPU_JIT_X86_H
#define CPU_JIT_X86_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { X_EAX = 0, X_ECX = 1, X_EDX = 2, X_EBX = 3, X_ESP = 4, X_EBP = 5, X_ESI = 6, X_EDI = 7,
       X_R8 = 8, X_R9 = 9, X_R10 = 10, X_R11 = 11, X_R14 = 14, X_R15 = 15 };

/* condition codes (the low nibble of Jcc/SETcc/CMOVcc) */
enum {
    CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
    CC_S = 0x8, CC_NS = 0x9, CC_L = 0xC, CC_GE = 0xD, CC_LE = 0xE, CC_G = 0xF,
};

/* group-1 ALU operations: the /digit of 81 /n and the base opcode of the
 * r/m32, r32 form is 8 * n + 1 */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };

typedef struct JitEmit {
    uint8_t *buf;   /* writable view */
    size_t pos, cap;
    int overflow;   /* set when an emit would pass cap */
} JitEmit;

static inline void x_byte(JitEmit *e, uint8_t b)
{
    if (e->pos < e->cap)
        e->buf[e->pos++] = b;
    else
        e->overflow = 1;
}

static inline void x_u32(JitEmit *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        x_byte(e, (uint8_t)(v >> (8 * i)));
}

static inline void x_u64(JitEmit *e, uint64_t v)
{
    x_u32(e, (uint32_t)v);
    x_u32(e, (uint32_t)(v >> 32));
}

/* ---- The encodings (SDM vol. 2 2.1-2.2).  Every emitter below but the
 * jumps is one of these with some operands fixed.  w is the operand size: 32, 64 (a
 * REX.W) or 16 (a 66 prefix); the byte forms (setcc, C6, 80) pass 32 and
 * take al, cl, dl, bl or r8b-r15b (spl-dil would need a lone REX).
 * Registers are 0-15, with a REX when one is above 7 and none otherwise,
 * so that an operation on eax-edi costs no prefix.  An opcode is one to
 * three bytes, the first one highest (0x0FAF is 0F AF). ---- */

/* the 66 prefix and the REX of reg (ModRM reg field), idx (SIB index)
 * and rm (ModRM r/m, SIB base or the register in the opcode) */
static inline void x_prefix(JitEmit *e, unsigned w, unsigned reg, unsigned idx, unsigned rm)
{
    if (w == 16)
        x_byte(e, 0x66);
    unsigned rex = (w == 64 ? 8u : 0u) | ((reg >> 3) << 2) | ((idx >> 3) << 1) | (rm >> 3);
    if (rex)
        x_byte(e, (uint8_t)(0x40 | rex));
}
static inline void x_opc(JitEmit *e, uint32_t opc)
{
    if (opc > 0xFFFF)
        x_byte(e, (uint8_t)(opc >> 16));
    if (opc > 0xFF)
        x_byte(e, (uint8_t)(opc >> 8));
    x_byte(e, (uint8_t)opc);
}
/* ModRM, SIB and displacement of [base + idx + disp] (idx X_ESP: none)
 * with reg field reg.  mod 0: no displacement (base & 7 must not be 5,
 * which would mean none), 1: disp8, 2: disp32.  A SIB follows when there
 * is an index or the base is rsp or r12 (tables 2-2 and 2-3). */
static inline void x_modrm_mem(JitEmit *e, unsigned mod, unsigned reg, unsigned base, unsigned idx,
                               uint32_t disp)
{
    bool sib = idx != X_ESP || (base & 7) == 4;
    x_byte(e, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : (base & 7))));
    if (sib)
        x_byte(e, (uint8_t)(((idx & 7) << 3) | (base & 7)));
    if (mod == 1)
        x_byte(e, (uint8_t)disp);
    else if (mod == 2)
        x_u32(e, disp);
}
/* op with two registers (ModRM mod 11): reg is the ModRM reg field, a
 * register or the /digit of a group opcode */
static inline void x_op_rr(JitEmit *e, unsigned w, uint32_t opc, unsigned reg, unsigned rm)
{
    x_prefix(e, w, reg, 0, rm);
    x_opc(e, opc);
    x_byte(e, (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7)));
}
/* op with a memory operand (x_modrm_mem) */
static inline void x_op_mem(JitEmit *e, unsigned w, uint32_t opc, unsigned reg, unsigned mod,
                            unsigned base, unsigned idx, uint32_t disp)
{
    x_prefix(e, w, reg, idx, base);
    x_opc(e, opc);
    x_modrm_mem(e, mod, reg, base, idx, disp);
}
/* op on [rbx + d], the guest state (a disp8 when d < 0x80: the offsets
 * into the state are never negative) / on [rsp + d8] */
static inline unsigned x_mod_rbx(uint32_t d) { return d < 0x80 ? 1 : 2; }
static inline void x_op_rbx(JitEmit *e, unsigned w, uint32_t opc, unsigned reg, uint32_t d)
{
    x_op_mem(e, w, opc, reg, x_mod_rbx(d), X_EBX, X_ESP, d);
}
static inline void x_op_rsp(JitEmit *e, unsigned w, uint32_t opc, unsigned reg, uint8_t d)
{
    x_op_mem(e, w, opc, reg, 1, X_ESP, X_ESP, d);
}
/* op with the register in the opcode's low 3 bits (B8+r, 0F C8+r) */
static inline void x_op_r(JitEmit *e, unsigned w, uint32_t opc, unsigned r)
{
    x_prefix(e, w, 0, 0, r);
    x_opc(e, opc + (r & 7));
}
/* op r, imm32 (81 /alu) / op r, imm as an imm8 sign-extended when it
 * fits (83 /alu), else as the 81 form / rol, shl, shr, sar r, imm8 (C1
 * /0, /4, /5, /7) */
static inline void x_alu_ri(JitEmit *e, unsigned w, int alu, unsigned r, uint32_t imm)
{
    x_op_rr(e, w, 0x81, (unsigned)alu, r);
    x_u32(e, imm);
}
static inline void x_alu_ri_short(JitEmit *e, unsigned w, int alu, unsigned r, uint32_t imm)
{
    if (imm + 0x80u >= 0x100u) {
        x_alu_ri(e, w, alu, r, imm);
        return;
    }
    x_op_rr(e, w, 0x83, (unsigned)alu, r);
    x_byte(e, (uint8_t)imm);
}
static inline void x_shift_ri(JitEmit *e, unsigned w, unsigned ext, unsigned r, uint8_t n)
{
    x_op_rr(e, w, 0xC1, ext, r);
    x_byte(e, n);
}

/* REX for a 32-bit operation whose ModRM reg field is reg and r/m field
 * rm (registers 0-15; SDM vol. 2 2.2.1): none when both are below 8 */
static inline void x_rex(JitEmit *e, unsigned reg, unsigned rm) { x_prefix(e, 32, reg, 0, rm); }

/* ModRM for [rbx + disp] with reg field r (its low 3 bits: a REX.R
 * was emitted before the opcode when r >= 8); disp8 when it fits */
static inline void x_mem_rbx(JitEmit *e, unsigned r, uint32_t disp)
{
    x_modrm_mem(e, x_mod_rbx(disp), r, X_EBX, X_ESP, disp);
}

/* ModRM+SIB for [rbx + rcx + disp32] with reg field r */
static inline void x_mem_rbx_rcx(JitEmit *e, unsigned r, uint32_t disp)
{
    x_modrm_mem(e, 2, r, X_EBX, X_ECX, disp);
}

/* ModRM+SIB for [rbx + idx + disp32] with reg field r */
static inline void x_mem_rbx_idx(JitEmit *e, unsigned r, unsigned idx, uint32_t disp)
{
    x_modrm_mem(e, 2, r, X_EBX, idx, disp);
}

/* ModRM for [base + disp32] (base not rsp/rbp/r12/r13) with reg field r */
static inline void x_mem_base(JitEmit *e, unsigned r, unsigned base, uint32_t disp)
{
    x_modrm_mem(e, 2, r, base, X_ESP, disp);
}

/* ModRM+SIB for [rsi + rax] with reg field r (mod 00: no displacement;
 * a REX.R before the opcode when r >= 8) */
static inline void x_mem_rsi_rax(JitEmit *e, unsigned r)
{
    x_modrm_mem(e, 0, r, X_ESI, X_EAX, 0);
}

/* mov r32, [rbx + d] */
static inline void x_load(JitEmit *e, unsigned r, uint32_t d) { x_op_rbx(e, 32, 0x8B, r, d); }
/* mov [rbx + d], r32 */
static inline void x_store(JitEmit *e, uint32_t d, unsigned r) { x_op_rbx(e, 32, 0x89, r, d); }
/* mov dword [rbx + d], imm32 */
static inline void x_store_imm(JitEmit *e, uint32_t d, uint32_t imm)
{
    x_op_rbx(e, 32, 0xC7, 0, d);
    x_u32(e, imm);
}
/* mov r32, imm32 */
static inline void x_mov_imm(JitEmit *e, unsigned r, uint32_t imm)
{
    x_op_r(e, 32, 0xB8, r);
    x_u32(e, imm);
}
/* mov r64, imm64 */
static inline void x_mov_imm64(JitEmit *e, unsigned r, uint64_t imm)
{
    x_op_r(e, 64, 0xB8, r);
    x_u64(e, imm);
}
/* mov r32, r32 */
static inline void x_mov(JitEmit *e, unsigned dst, unsigned src) { x_op_rr(e, 32, 0x89, src, dst); }
/* op r32, r32 */
static inline void x_alu(JitEmit *e, int alu, unsigned dst, unsigned src)
{
    x_op_rr(e, 32, (uint32_t)(8 * alu + 1), src, dst);
}
/* op r32, [rbx + d] */
static inline void x_alu_load(JitEmit *e, int alu, unsigned r, uint32_t d)
{
    x_op_rbx(e, 32, (uint32_t)(8 * alu + 3), r, d);
}
/* op r32, imm32 */
static inline void x_alu_imm(JitEmit *e, int alu, unsigned r, uint32_t imm)
{
    x_alu_ri(e, 32, alu, r, imm);
}
/* op dword [rbx + d], imm32 */
static inline void x_alu_mem_imm(JitEmit *e, int alu, uint32_t d, uint32_t imm)
{
    x_op_rbx(e, 32, 0x81, (unsigned)alu, d);
    x_u32(e, imm);
}
/* not r32 */
static inline void x_not(JitEmit *e, unsigned r) { x_op_rr(e, 32, 0xF7, 2, r); }
/* rol/shl/shr r32, imm8 (C1 /0, /4, /5) */
static inline void x_shift_imm(JitEmit *e, unsigned ext, unsigned r, uint8_t n)
{
    x_shift_ri(e, 32, ext, r, n);
}
#define x_rol(e, r, n) x_shift_imm(e, 0, r, n)
#define x_shl(e, r, n) x_shift_imm(e, 4, r, n)
#define x_shr(e, r, n) x_shift_imm(e, 5, r, n)
/* rol r16, 8: swaps the two low bytes */
static inline void x_rol16_8(JitEmit *e, unsigned r) { x_shift_ri(e, 16, 0, r, 8); }
/* imul r32, r32, imm32 */
static inline void x_imul_imm(JitEmit *e, unsigned dst, unsigned src, uint32_t imm)
{
    x_op_rr(e, 32, 0x69, dst, src);
    x_u32(e, imm);
}
/* test r32, r32 */
static inline void x_test(JitEmit *e, unsigned a, unsigned b) { x_op_rr(e, 32, 0x85, b, a); }
/* test dword [rbx + d], imm32 */
static inline void x_test_mem_imm(JitEmit *e, uint32_t d, uint32_t imm)
{
    x_op_rbx(e, 32, 0xF7, 0, d);
    x_u32(e, imm);
}
/* bt dword [rbx + d], bit: CF = that bit (0F BA /4 ib) */
static inline void x_bt_mem_imm(JitEmit *e, uint32_t d, uint8_t bit)
{
    x_op_rbx(e, 32, 0x0FBA, 4, d);
    x_byte(e, bit);
}
/* dec dword [rbx + d] */
static inline void x_dec_mem(JitEmit *e, uint32_t d) { x_op_rbx(e, 32, 0xFF, 1, d); }
/* cmovcc dst, src */
static inline void x_cmov(JitEmit *e, unsigned cc, unsigned dst, unsigned src)
{
    x_op_rr(e, 32, 0x0F40 + cc, dst, src);
}
/* bt/bts/btr r64, imm8 (ext 4, 5, 6): the JIT's "a handler ran" flag is
 * bit 63 of r12 */
static inline void x_q_bit_imm(JitEmit *e, unsigned ext, unsigned r, uint8_t bit)
{
    x_op_rr(e, 64, 0x0FBA, ext, r);
    x_byte(e, bit);
}
/* test r64, r64 */
static inline void x_q_test(JitEmit *e, unsigned a, unsigned b) { x_op_rr(e, 64, 0x85, b, a); }
/* mov r13d, imm32 / test r13d, r13d */
static inline void x_r13_set(JitEmit *e, uint32_t imm) { x_mov_imm(e, 13, imm); }
static inline void x_r13_test(JitEmit *e) { x_test(e, 13, 13); }
/* jmp rel32 back to position 'to' already emitted */
static inline void x_jmp_back(JitEmit *e, size_t to)
{
    x_byte(e, 0xE9);
    x_u32(e, (uint32_t)(to - (e->pos + 4)));
}
/* op [rbx + d], r32 (the r/m32, r32 form) */
static inline void x_alu_store(JitEmit *e, int alu, uint32_t d, unsigned r)
{
    x_op_rbx(e, 32, (uint32_t)(8 * alu + 1), r, d);
}
/* one-byte instructions: cmc, stc, cdq */
#define x_cmc(e) x_byte(e, 0xF5)
#define x_stc(e) x_byte(e, 0xF9)
#define x_cdq(e) x_byte(e, 0x99)
/* group 3 on a register: F7 /ext (2 not, 3 neg, 4 mul, 5 imul, 6 div, 7 idiv) */
static inline void x_grp3(JitEmit *e, unsigned ext, unsigned r) { x_op_rr(e, 32, 0xF7, ext, r); }
/* two-byte 0F opcodes, register to register: imul (AF), bsr (BD),
 * movzx/movsx byte (B6/BE) and word (B7/BF) */
static inline void x_0f_rr(JitEmit *e, uint8_t opc, unsigned dst, unsigned src)
{
    x_op_rr(e, 32, 0x0F00u | opc, dst, src);
}
/* shl/shr/sar r32, cl (D3 /4, /5, /7) */
static inline void x_shift_cl(JitEmit *e, unsigned ext, unsigned r)
{
    x_op_rr(e, 32, 0xD3, ext, r);
}
#define x_sar(e, r, n) x_shift_imm(e, 7, r, n)
/* setcc r8 (al, cl, dl, bl only) */
static inline void x_setcc(JitEmit *e, unsigned cc, unsigned r)
{
    x_op_rr(e, 32, 0x0F90 + cc, 0, r);
}
/* bt dword [rbx + d], n: CF = bit n */
static inline void x_bt_mem(JitEmit *e, uint32_t d, uint8_t n) { x_bt_mem_imm(e, d, n); }
/* bswap r32 */
static inline void x_bswap(JitEmit *e, unsigned r) { x_op_r(e, 32, 0x0FC8, r); }
/* lea r32, [base + disp] (disp8 when it fits) */
static inline void x_lea(JitEmit *e, unsigned dst, unsigned base, uint32_t disp)
{
    x_op_mem(e, 32, 0x8D, dst, disp + 0x80u < 0x100u ? 1 : 2, base, X_ESP, disp);
}
/* An access to [base + rax] (base: a register whose low 3 bits are not
 * 5, which would mean no base): the REX before the opcode, the ModRM+SIB
 * after it */
static inline void x_rex_acc(JitEmit *e, unsigned r, unsigned base) { x_rex(e, r, base); }
static inline void x_mem_base_rax(JitEmit *e, unsigned r, unsigned base)
{
    x_modrm_mem(e, 0, r, base, X_EAX, 0);
}
/* movbe r32, [base + rax] / movbe [base + rax], r32 (SDM vol. 2B MOVBE:
 * 0F 38 F0 / F1, a load or store with the bytes swapped) */
static inline void x_movbe_acc(JitEmit *e, bool store, unsigned r, unsigned base)
{
    x_op_mem(e, 32, store ? 0x0F38F1 : 0x0F38F0, r, 0, base, X_EAX, 0);
}
/* cmp r32, [rsp + d8] / mov [rsp + d8], r32 / mov dword [rsp + d8], imm32 */
static inline void x_cmp_rsp(JitEmit *e, unsigned r, uint8_t d) { x_op_rsp(e, 32, 0x3B, r, d); }
static inline void x_store_rsp(JitEmit *e, uint8_t d, unsigned r) { x_op_rsp(e, 32, 0x89, r, d); }
static inline void x_store_rsp_imm(JitEmit *e, uint8_t d, uint32_t imm)
{
    x_op_rsp(e, 32, 0xC7, 0, d);
    x_u32(e, imm);
}

/* jcc rel32 / jmp rel32 to a label bound later: returns the position of
 * the rel32 for x_patch */
static inline size_t x_jcc_fwd(JitEmit *e, unsigned cc)
{
    x_byte(e, 0x0F);
    x_byte(e, (uint8_t)(0x80 + cc));
    size_t at = e->pos;
    x_u32(e, 0);
    return at;
}
static inline size_t x_jmp_fwd(JitEmit *e)
{
    x_byte(e, 0xE9);
    size_t at = e->pos;
    x_u32(e, 0);
    return at;
}
/* make the rel32 at 'at' jump to the current position */
static inline void x_patch_here(JitEmit *e, size_t at)
{
    if (e->overflow || at + 4 > e->cap)
        return;
    uint32_t rel = (uint32_t)(e->pos - (at + 4));
    memcpy(e->buf + at, &rel, 4);
}

/* ---- 64-bit forms (REX.W), for a loop's instruction count (cpu/jit.c
 * gen_loop_*): registers 0-15, r12 and r13 included ---- */

/* REX.W with the R bit of reg and the B bit of rm */
static inline void x_rexw(JitEmit *e, unsigned reg, unsigned rm) { x_prefix(e, 64, reg, 0, rm); }
/* mov r64, r64 */
static inline void x_q_mov(JitEmit *e, unsigned dst, unsigned src)
{
    x_op_rr(e, 64, 0x89, src, dst);
}
/* op r64, r64 */
static inline void x_q_alu(JitEmit *e, int alu, unsigned dst, unsigned src)
{
    x_op_rr(e, 64, (uint32_t)(8 * alu + 1), src, dst);
}
/* op r64, imm32 (sign-extended) */
static inline void x_q_alu_imm(JitEmit *e, int alu, unsigned r, uint32_t imm)
{
    x_alu_ri(e, 64, alu, r, imm);
}
/* mov r64, imm32 (sign-extended: C7 /0) */
static inline void x_q_mov_imm(JitEmit *e, unsigned r, uint32_t imm)
{
    x_op_rr(e, 64, 0xC7, 0, r);
    x_u32(e, imm);
}
/* mov r64, [rbx + d] / mov [rbx + d], r64 */
static inline void x_q_load(JitEmit *e, unsigned r, uint32_t d) { x_op_rbx(e, 64, 0x8B, r, d); }
static inline void x_q_store(JitEmit *e, uint32_t d, unsigned r) { x_op_rbx(e, 64, 0x89, r, d); }
/* mov r64, [rsp + d8] / mov [rsp + d8], r64 / op qword [rsp + d8], imm32 */
static inline void x_q_load_rsp(JitEmit *e, unsigned r, uint8_t d) { x_op_rsp(e, 64, 0x8B, r, d); }
static inline void x_q_store_rsp(JitEmit *e, uint8_t d, unsigned r) { x_op_rsp(e, 64, 0x89, r, d); }
/* mov qword [rsp + d8], simm32 */
static inline void x_q_store_rsp_imm(JitEmit *e, uint8_t d, uint32_t imm)
{
    x_op_rsp(e, 64, 0xC7, 0, d);
    x_u32(e, imm);
}
static inline void x_q_alu_rsp_imm(JitEmit *e, int alu, uint8_t d, uint32_t imm)
{
    x_op_rsp(e, 64, 0x81, (unsigned)alu, d);
    x_u32(e, imm);
}
/* lea r64, [base + disp32] (a SIB for a base rsp or r12) */
static inline void x_q_lea(JitEmit *e, unsigned dst, unsigned base, uint32_t disp)
{
    x_op_mem(e, 64, 0x8D, dst, 2, base, X_ESP, disp);
}
/* shl/shr/sar r64, imm8 (REX.W C1 /4, /5, /7) */
static inline void x_q_shift_imm(JitEmit *e, unsigned ext, unsigned r, uint8_t n)
{
    x_shift_ri(e, 64, ext, r, n);
}

/* jcc rel32 back to position 'to' already emitted */
static inline void x_jcc_back(JitEmit *e, unsigned cc, size_t to)
{
    x_byte(e, 0x0F);
    x_byte(e, (uint8_t)(0x80 + cc));
    x_u32(e, (uint32_t)(to - (e->pos + 4)));
}

/* mov [rsp + d8], r32 for any register (a REX for r8-r15) / mov byte
 * [rsp + d8], imm8 */
static inline void x_store_rsp_any(JitEmit *e, uint8_t d, unsigned r) { x_store_rsp(e, d, r); }
static inline void x_store8_rsp_imm(JitEmit *e, uint8_t d, uint8_t imm)
{
    x_op_rsp(e, 32, 0xC6, 0, d);
    x_byte(e, imm);
}
/* mov r32, [rsp + d8] / cmp byte [rsp + d8], imm8 */
static inline void x_load_rsp(JitEmit *e, unsigned r, uint8_t d) { x_op_rsp(e, 32, 0x8B, r, d); }
static inline void x_cmp8_rsp_imm(JitEmit *e, uint8_t d, uint8_t imm)
{
    x_op_rsp(e, 32, 0x80, 7, d);
    x_byte(e, imm);
}

/* ---- the names the templates working straight in the GPR cache's
 * host registers call (registers 0-15, as every form above) ---- */

/* op [rbx + d], r32 */
static inline void x_alu_store_any(JitEmit *e, int alu, uint32_t d, unsigned r)
{
    x_alu_store(e, alu, d, r);
}
/* op r32, imm (imm8 sign-extended when it fits: 83 /alu, else 81 /alu) */
static inline void x_alu_imm_any(JitEmit *e, int alu, unsigned r, uint32_t imm)
{
    x_alu_ri_short(e, 32, alu, r, imm);
}
/* rol/shl/shr/sar r32, imm8 (C1 /0, /4, /5, /7) */
static inline void x_shift_imm_any(JitEmit *e, unsigned ext, unsigned r, uint8_t n)
{
    x_shift_ri(e, 32, ext, r, n);
}
/* imul r32, r32 / imul r32, [rbx + d] (0F AF) */
static inline void x_imul_any(JitEmit *e, unsigned dst, unsigned src)
{
    x_0f_rr(e, 0xAF, dst, src);
}
static inline void x_imul_load_any(JitEmit *e, unsigned dst, uint32_t d)
{
    x_op_rbx(e, 32, 0x0FAF, dst, d);
}

/* setcc byte [rsp + d8] */
static inline void x_setcc_rsp(JitEmit *e, unsigned cc, uint8_t d)
{
    x_op_rsp(e, 32, 0x0F90 + cc, 0, d);
}

/* lea r32, [base + idx] (idx not rsp; mod 01 with disp8 0, so that a
 * base of rbp or r13 is a base) */
static inline void x_lea_bi(JitEmit *e, unsigned dst, unsigned base, unsigned idx)
{
    x_op_mem(e, 32, 0x8D, dst, 1, base, idx, 0);
}

/* memory-access emitters */

/* ModRM (+ SIB, + displacement) for [base + disp] with reg field r (its
 * low 3 bits; REX bits are the caller's): no displacement when it is 0
 * and the base allows (not rbp/r13), disp8 when it fits, else disp32; a
 * SIB for a base of rsp or r12 */
static inline void x_mem_bd(JitEmit *e, unsigned r, unsigned base, uint32_t disp)
{
    unsigned mod = disp == 0 && (base & 7) != 5 ? 0 : disp + 0x80u < 0x100u ? 1 : 2;
    x_byte(e, (uint8_t)((mod << 6) | ((r & 7) << 3) | (base & 7)));
    if ((base & 7) == 4)
        x_byte(e, 0x24);
    if (mod == 1)
        x_byte(e, (uint8_t)disp);
    else if (mod == 2)
        x_u32(e, disp);
}
/* lea r64, [base + idx] (64-bit sum; idx not rsp, base low bits not 5) */
static inline void x_q_lea_bi(JitEmit *e, unsigned dst, unsigned base, unsigned idx)
{
    x_byte(e, (uint8_t)(0x48 | ((dst >> 3) << 2) | ((idx >> 3) << 1) | (base >> 3)));
    x_byte(e, 0x8D);
    x_byte(e, (uint8_t)(((dst & 7) << 3) | 4));
    x_byte(e, (uint8_t)(((idx & 7) << 3) | (base & 7)));
}
/* xor r64, [rsp + d8] */
static inline void x_q_xor_rsp(JitEmit *e, unsigned r, uint8_t d)
{
    x_rexw(e, r, 0);
    x_byte(e, 0x33);
    x_byte(e, (uint8_t)(0x44 | ((r & 7) << 3)));
    x_byte(e, 0x24);
    x_byte(e, d);
}

/* pcmpeqd xmm0, xmm0 (all ones) / movups [rsp + d8], xmm0: 16 bytes of
 * the frame to all ones (generated code keeps nothing in xmm0) */
static inline void x_xmm0_ones(JitEmit *e)
{
    x_byte(e, 0x66);
    x_byte(e, 0x0F);
    x_byte(e, 0x76);
    x_byte(e, 0xC0);
}
static inline void x_movups_rsp_xmm0(JitEmit *e, uint8_t d)
{
    x_byte(e, 0x0F);
    x_byte(e, 0x11);
    x_byte(e, 0x44);
    x_byte(e, 0x24);
    x_byte(e, d);
}

/* REX (none when not needed) and ModRM (+ SIB, + displacement) for an
 * access [base + idx + disp] with reg field r, idx X_NOIDX for none (idx
 * not rsp), all registers 0-15, 32-bit operands */
#define X_NOIDX 0xFFu
static inline void x_rex_mem(JitEmit *e, unsigned r, unsigned base, unsigned idx)
{
    unsigned x = idx == X_NOIDX ? 0 : idx >> 3;
    if ((r | base) & 8 || x)
        x_byte(e, (uint8_t)(0x40 | ((r >> 3) << 2) | (x << 1) | (base >> 3)));
}
static inline void x_mem_any(JitEmit *e, unsigned r, unsigned base, unsigned idx, uint32_t disp)
{
    if (idx == X_NOIDX) {
        x_mem_bd(e, r, base, disp);
        return;
    }
    unsigned mod = disp == 0 && (base & 7) != 5 ? 0 : disp + 0x80u < 0x100u ? 1 : 2;
    x_byte(e, (uint8_t)((mod << 6) | ((r & 7) << 3) | 4));
    x_byte(e, (uint8_t)(((idx & 7) << 3) | (base & 7)));
    if (mod == 1)
        x_byte(e, (uint8_t)disp);
    else if (mod == 2)
        x_u32(e, disp);
}

#endif /* CPU_JIT_X86_H */
