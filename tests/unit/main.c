/* The unit-test runner: every tests/unit/test_NAME.c contributes
 * suite_NAME(); the Makefile lists them in suites.h.  An optional argument
 * runs only the suite of that name; `-except NAME` runs every suite but
 * that one (the jit step reruns the suites under PPCEMU_ACCEL=jit, minus
 * the jit suite, which picks its engines itself).
 *   -debug-clock-offset mono=NS,real=NS   (before the suite name) shifts
 *   the host clocks the timebase reads, as ppcemu's option of that name
 *   does (tests/steps/tb_offsets.sh). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boards/cli.h"
#include "timebase/tb.h"

#define SUITE(n) Suite *suite_##n(void);
#include "suites.h"
#undef SUITE

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "-debug-clock-offset")) {
        int64_t mono = 0, real = 0;
        if (!cli_parse_clock_offsets(argv[2], &mono, &real)) {
            fprintf(stderr, "unit-tests: -debug-clock-offset %s: expected mono=NS,real=NS\n", argv[2]);
            return 2;
        }
        tb_host_set_offsets(mono, real);
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    const char *only = NULL, *except = NULL;
    if (argc >= 3 && !strcmp(argv[1], "-except"))
        except = argv[2];
    else if (argc >= 2)
        only = argv[1];
    SRunner *sr = srunner_create(NULL);
    int named = 0;
#define SUITE(n) \
    named += (only && !strcmp(only, #n)) || (except && !strcmp(except, #n)); \
    if ((!only || !strcmp(only, #n)) && (!except || strcmp(except, #n))) \
        srunner_add_suite(sr, suite_##n());
#include "suites.h"
#undef SUITE
    if ((only || except) && !named) {
        fprintf(stderr, "unit-tests: no suite named %s\n", only ? only : except);
        srunner_free(sr);
        return 2;
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
