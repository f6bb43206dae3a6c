/* Memory workload: copies between two buffers by words and by bytes. */
#include "tools/bench/bench.h"

const char bench_name[] = "memcpy";

#define WORDS (64 * 1024)

static uint32_t a[WORDS], b[WORDS];

static void copy_words(uint32_t *d, const uint32_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 4) {
        d[i] = s[i];
        d[i + 1] = s[i + 1];
        d[i + 2] = s[i + 2];
        d[i + 3] = s[i + 3];
    }
}

static void copy_bytes(uint8_t *d, const uint8_t *s, uint32_t n)
{
    while (n--)
        *d++ = *s++;
}

uint64_t bench_run(void)
{
    for (uint32_t i = 0; i < WORDS; i++)
        a[i] = i * 2654435761u;
    for (int r = 0; r < BENCH_REPS(1800); r++) {
        copy_words(b, a, WORDS);
        b[r] += (uint32_t)r;
        copy_bytes((uint8_t *)a, (const uint8_t *)b, sizeof a / 4);
        copy_words(a + WORDS / 4, b + WORDS / 4, WORDS - WORDS / 4);
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < WORDS; i++)
        sum = sum * 31 + a[i];
    return sum;
}
