/* Integer workload: table-driven CRC-32 over a pseudo-random buffer and a
 * sieve of Eratosthenes, both repeated. */
#include "tools/bench/bench.h"

const char bench_name[] = "int";

#define BUF_SIZE (64 * 1024)
#define SIEVE_N (128 * 1024)

static uint8_t buf[BUF_SIZE];
static uint8_t composite[SIEVE_N];
static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, uint32_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint32_t sieve(void)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < SIEVE_N; i++)
        composite[i] = 0;
    for (uint32_t i = 2; i < SIEVE_N; i++) {
        if (composite[i])
            continue;
        count++;
        for (uint32_t j = i + i; j < SIEVE_N; j += i)
            composite[j] = 1;
    }
    return count;
}

uint64_t bench_run(void)
{
    uint32_t x = 12345;
    for (uint32_t i = 0; i < BUF_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    crc_init();
    uint32_t crc = 0, primes = 0;
    for (int r = 0; r < BENCH_REPS(600); r++) {
        crc = crc32(buf, BUF_SIZE, crc);
        buf[r & (BUF_SIZE - 1)] ^= (uint8_t)crc;
    }
    for (int r = 0; r < BENCH_REPS(180); r++)
        primes += sieve();
    return (uint64_t)crc << 32 | primes;
}
