/* The unit-test runner: every tests/unit/test_NAME.c contributes
 * suite_NAME(); the Makefile lists them in suites.h.  An optional argument
 * runs only the suite of that name. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(n) Suite *suite_##n(void);
#include "suites.h"
#undef SUITE

int main(int argc, char **argv)
{
    SRunner *sr = srunner_create(NULL);
#define SUITE(n) \
    if (argc < 2 || !strcmp(argv[1], #n)) \
        srunner_add_suite(sr, suite_##n());
#include "suites.h"
#undef SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
