/* Integer matrix workload: 96x96 uint32 matrix products (i, j, k order, so
 * one operand is walked by columns), each product fed back into the next
 * one's left operand. */
#include "tools/bench/bench.h"

const char bench_name[] = "matmul";

#define N 96

static uint32_t ma[N][N], mb[N][N], mc[N][N];

static void matmul(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            uint32_t s = 0;
            for (int k = 0; k < N; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
}

uint64_t bench_run(void)
{
    uint32_t x = 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            x = x * 1664525u + 1013904223u;
            ma[i][j] = x >> 8;
            x = x * 1664525u + 1013904223u;
            mb[i][j] = x >> 8;
        }
    uint64_t trace = 0;
    for (int r = 0; r < BENCH_REPS(100); r++) {
        matmul();
        /* the next left operand: this product, mixed so that its low bits
         * do not drift towards zero over the repeated products */
        for (int i = 0; i < N; i++) {
            trace += mc[i][i];
            for (int j = 0; j < N; j++)
                ma[i][j] = mc[i][j] ^ mc[i][j] >> 13 ^ (uint32_t)r;
        }
    }
    uint64_t sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            sum = sum * 31 + mc[i][j];
    return sum ^ trace << 32;
}
