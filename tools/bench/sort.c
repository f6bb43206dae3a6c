/* Sorting workload: a qsort-like sort (quicksort with a median-of-three
 * pivot, insertion sort below 12 elements) of pseudo-random 32-bit keys,
 * comparing through a function pointer as libc's qsort does: an indirect
 * call (bctrl) per comparison and data-dependent branches. */
#include "tools/bench/bench.h"

const char bench_name[] = "sort";

#define KEYS (16 * 1024)
#define SMALL 12

typedef int (*cmp_fn)(const void *, const void *);

static uint32_t keys[KEYS];
static uint32_t calls;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    calls++;
    return (x > y) - (x < y);
}

/* the elements are `size` bytes, a multiple of 4 */
static void swap_elems(uint8_t *a, uint8_t *b, size_t size)
{
    uint32_t *x = (uint32_t *)a, *y = (uint32_t *)b;
    for (size_t i = 0; i < size / 4; i++) {
        uint32_t t = x[i];
        x[i] = y[i];
        y[i] = t;
    }
}

static void insertion_sort(uint8_t *base, size_t n, size_t size, cmp_fn cmp)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
            swap_elems(base + (j - 1) * size, base + j * size, size);
}

/* noipa: the compiler must not specialise the sort for cmp_u32 and inline
 * the comparisons, which a library qsort cannot do either */
__attribute__((noipa)) static void bsort(uint8_t *base, size_t n, size_t size, cmp_fn cmp)
{
    while (n > SMALL) {
        uint8_t *lo = base, *mid = base + n / 2 * size, *hi = base + (n - 1) * size;
        if (cmp(mid, lo) < 0)
            swap_elems(mid, lo, size);
        if (cmp(hi, mid) < 0) {
            swap_elems(hi, mid, size);
            if (cmp(mid, lo) < 0)
                swap_elems(mid, lo, size);
        }
        uint32_t pivot[4];
        for (size_t w = 0; w < size / 4; w++)
            pivot[w] = ((const uint32_t *)mid)[w];
        /* Hoare partition around the pivot's value; the pivot was not the
         * last element, so both parts are non-empty */
        size_t i = 0, j = n - 1;
        for (;;) {
            while (cmp(base + i * size, pivot) < 0)
                i++;
            while (cmp(pivot, base + j * size) < 0)
                j--;
            if (i >= j)
                break;
            swap_elems(base + i * size, base + j * size, size);
            i++;
            j--;
        }
        /* recurse into the smaller part, loop on the larger */
        size_t left = j + 1;
        if (left < n - left) {
            bsort(base, left, size, cmp);
            base += left * size;
            n -= left;
        } else {
            bsort(base + left * size, n - left, size, cmp);
            n = left;
        }
    }
    insertion_sort(base, n, size, cmp);
}

uint64_t bench_run(void)
{
    uint64_t hash = 0;
    uint32_t x = 2463534242u, unsorted = 0;
    for (int r = 0; r < BENCH_REPS(40); r++) {
        for (uint32_t i = 0; i < KEYS; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* a few keys repeat, as equal keys are a case of their own */
            keys[i] = i % 64 == 0 ? 12345u : x;
        }
        bsort((uint8_t *)keys, KEYS, sizeof keys[0], cmp_u32);
        for (uint32_t i = 1; i < KEYS; i++)
            unsorted += keys[i - 1] > keys[i];
        for (uint32_t i = 0; i < KEYS; i += 61)
            hash = hash * 31 + keys[i];
    }
    /* unsorted is 0 when the sort works; the comparison count depends only
     * on the algorithm and the keys, so it is the same on every target */
    return (hash ^ (uint64_t)calls << 32) + unsorted;
}
