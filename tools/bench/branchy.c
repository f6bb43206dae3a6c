/* Branch-heavy workload: recursive calls (bl/blr) and a bytecode
 * interpreter whose dispatch is a jump table (bctr): many short blocks and
 * indirect branches, the case a block cache must handle quickly. */
#include "tools/bench/bench.h"

const char bench_name[] = "branchy";

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DUP, OP_SWAP, OP_JNZ, OP_DEC, OP_XOR, OP_HALT };

/* counts a register down from n, mixing an accumulator each step */
static const uint8_t prog[] = {
    OP_PUSH, 0,     /* acc */
    OP_PUSH, 200,   /* n */
    /* loop (pc 4): acc n */
    OP_SWAP, OP_PUSH, 7, OP_MUL, OP_PUSH, 3, OP_ADD, OP_DUP, OP_XOR, OP_PUSH, 5, OP_ADD,
    OP_SWAP, OP_DEC, OP_DUP, OP_JNZ, 4, OP_HALT,
};

static uint32_t run_vm(uint32_t seed)
{
    uint32_t st[16], sp = 0, pc = 0;
    for (;;) {
        switch (prog[pc++]) {
        case OP_PUSH: st[sp++] = prog[pc++] + seed; break;
        case OP_ADD: sp--; st[sp - 1] += st[sp]; break;
        case OP_SUB: sp--; st[sp - 1] -= st[sp]; break;
        case OP_MUL: sp--; st[sp - 1] *= st[sp]; break;
        case OP_DUP: st[sp] = st[sp - 1]; sp++; break;
        case OP_SWAP: { uint32_t t = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = t; break; }
        case OP_JNZ: sp--; if (st[sp]) pc = prog[pc]; else pc++; break;
        case OP_DEC: st[sp - 1] = st[sp - 1] ? st[sp - 1] - 1 : 0; break;
        case OP_XOR: sp--; st[sp - 1] ^= st[sp] >> 3; break;
        default: return st[sp - 1] + sp;
        }
    }
}

uint64_t bench_run(void)
{
    uint32_t f = 0, v = 0;
    for (int r = 0; r < BENCH_REPS(6); r++)
        f += fib(27);
    for (int r = 0; r < BENCH_REPS(12000); r++)
        v = v * 33 + run_vm((uint32_t)r & 3);
    return (uint64_t)f << 32 | v;
}
