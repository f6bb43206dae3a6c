/* Host runtime of the benchmark workloads: same output as rt-ppc.c. */
#include <inttypes.h>
#include <stdio.h>

#include "tools/bench/bench.h"

int main(void)
{
    printf("%s %016" PRIx64 "\n", bench_name, bench_run());
    return 0;
}
