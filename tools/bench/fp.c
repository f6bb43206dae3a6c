/* Floating-point workload: a double matrix multiply and an n-body step
 * loop.  Built with -ffp-contract=off on every target, so each operation is
 * one IEEE operation and the checksum is the same everywhere. */
#include "tools/bench/bench.h"

const char bench_name[] = "fp";

#define N 64
#define BODIES 5

static double ma[N][N], mb[N][N], mc[N][N];

/* square root by Newton iterations (no fsqrt on the 750, no libm here) */
static double bsqrt(double x)
{
    if (x <= 0)
        return 0;
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 40; i++)
        r = 0.5 * (r + x / r);
    return r;
}

static void matmul(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
}

static struct { double x, y, z, vx, vy, vz, m; } body[BODIES];

static void nbody_step(double dt)
{
    for (int i = 0; i < BODIES; i++)
        for (int j = i + 1; j < BODIES; j++) {
            double dx = body[i].x - body[j].x, dy = body[i].y - body[j].y, dz = body[i].z - body[j].z;
            double d2 = dx * dx + dy * dy + dz * dz + 0.01;
            double mag = dt / (d2 * bsqrt(d2));
            body[i].vx -= dx * body[j].m * mag;
            body[i].vy -= dy * body[j].m * mag;
            body[i].vz -= dz * body[j].m * mag;
            body[j].vx += dx * body[i].m * mag;
            body[j].vy += dy * body[i].m * mag;
            body[j].vz += dz * body[i].m * mag;
        }
    for (int i = 0; i < BODIES; i++) {
        body[i].x += dt * body[i].vx;
        body[i].y += dt * body[i].vy;
        body[i].z += dt * body[i].vz;
    }
}

uint64_t bench_run(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ma[i][j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
            mb[i][j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.5;
        }
    for (int r = 0; r < BENCH_REPS(60); r++) {
        matmul();
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                ma[i][j] = mc[i][j] / 64.0;
    }
    for (int i = 0; i < BODIES; i++) {
        body[i].x = i;
        body[i].y = i * 0.5;
        body[i].z = -i;
        body[i].vx = body[i].vy = body[i].vz = 0;
        body[i].m = 1.0 + i;
    }
    for (int s = 0; s < BENCH_REPS(40000); s++)
        nbody_step(0.001);
    double h = 0;
    for (int i = 0; i < N; i++)
        h += mc[i][i] * (i + 1);
    for (int i = 0; i < BODIES; i++)
        h += body[i].x + body[i].y * 3 + body[i].z * 7;
    uint64_t u;
    __builtin_memcpy(&u, &h, 8);
    return u;
}
