/* ppcemu: the command.  Options (boards/cli.c), then the machine. */
#include "boards/cli.h"
#include "boards/machine.h"

int main(int argc, char **argv)
{
    PpcemuOptions o;
    cli_defaults(&o);
    int r = cli_env_defaults(&o, stderr);
    if (r == CLI_RUN)
        r = cli_parse(argc, argv, &o, stdout, stderr);
    if (r == CLI_DONE)
        return 0;
    if (r == CLI_USAGE)
        return 2;
    return machine_main(&o);
}
