/* The runtime itself: UART output, printf, the instruction counter of the
 * test device, and the exit path. */
#include "rt.h"

int main(void)
{
    rt_printf("hello from a ppcemu guest: %d %u %x %08x %s %c %lld\n",
              -42, 42u, 0xbeefu, 0x1234u, "str", 'c', -1234567890123ll);
    uint64_t a = rt_icount();
    for (volatile int i = 0; i < 100; i++)
        ;
    uint64_t b = rt_icount();
    /* at least the 100 loop iterations ran between the two reads */
    CHECK(b > a + 100, "icount advances over a loop");
    CHECK(b < a + 100000, "icount advances by a plausible amount");
    return rt_result("hello");
}
