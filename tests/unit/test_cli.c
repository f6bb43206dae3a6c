/* Command-line parsing (cli.md): QEMU spellings, one-line errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boards/cli.h"
#include "cpu/ppc.h"

static char outbuf[8192], errbuf[1024];

/* Parse a NULL-terminated list of arguments; output captured */
static int parse(PpcemuOptions *o, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"ppcemu";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    cli_defaults(o);
    memset(outbuf, 0, sizeof(outbuf));
    memset(errbuf, 0, sizeof(errbuf));
    FILE *out = fmemopen(outbuf, sizeof(outbuf) - 1, "w");
    FILE *err = fmemopen(errbuf, sizeof(errbuf) - 1, "w");
    int r = cli_parse(argc, argv, o, out, err);
    fclose(out);
    fclose(err);
    return r;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(defaults)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, (const char *const[]){ NULL }), CLI_RUN);
    ck_assert_uint_eq(o.ram_mib, 128);
    ck_assert(o.ipic);
    ck_assert_uint_eq(o.tb_freq, 33333333);
    ck_assert_int_eq(o.tb_clock, TB_CLOCK_HOST);
    ck_assert_int_eq(o.icount_shift, -1);
    ck_assert(!o.start_paused);
}
END_TEST

START_TEST(full_line)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("-M", "virt,ipic=off", "-m", "256", "-kernel", "k.elf",
                                    "-initrd", "rd", "-append", "console=ttyS0", "-nographic",
                                    "-S", "-no-reboot", "-tb-freq", "1000000", "-tb-clock", "vm",
                                    "-icount", "3", "-d", "int,unimp", "-D", "log.txt",
                                    "-serial", "unix:/tmp/s,server,nowait", "-monitor", "none")),
                     CLI_RUN);
    ck_assert(!o.ipic);
    ck_assert_uint_eq(o.ram_mib, 256);
    ck_assert_str_eq(o.kernel, "k.elf");
    ck_assert_str_eq(o.initrd, "rd");
    ck_assert_str_eq(o.append, "console=ttyS0");
    ck_assert(o.nographic && o.start_paused && o.no_reboot);
    ck_assert_uint_eq(o.tb_freq, 1000000);
    ck_assert_int_eq(o.tb_clock, TB_CLOCK_VM);
    ck_assert_int_eq(o.icount_shift, 3);
    ck_assert_uint_eq(o.debug_flags, PPC_DBG_INT | PPC_DBG_UNIMP);
    ck_assert_str_eq(o.logfile, "log.txt");
    ck_assert_str_eq(o.serial, "unix:/tmp/s,server,nowait");
}
END_TEST

START_TEST(double_dash_and_sizes)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("--m", "64M", "--machine", "virt,ipic=on")), CLI_RUN);
    ck_assert_uint_eq(o.ram_mib, 64);
    ck_assert_int_eq(parse(&o, ARGS("-m", "size=512")), CLI_RUN);
    ck_assert_uint_eq(o.ram_mib, 512);
}
END_TEST

/* Each of these is a usage error: status 2 and exactly one line */
START_TEST(usage_errors)
{
    const char *const *bad[] = {
        ARGS("-bogus"), ARGS("-m", "8"), ARGS("-m", "769"), ARGS("-m", "lots"),
        ARGS("-m"), ARGS("-M", "pc"), ARGS("-M", "virt,ipic=maybe"), ARGS("-tb-freq", "0"),
        ARGS("-tb-freq", "12x"), ARGS("-tb-clock", "wall"), ARGS("-icount", "-1"),
        ARGS("-icount", "99"), ARGS("-d", "everything"), ARGS("-serial", "tcp:1234"),
        ARGS("-monitor", "file:/tmp/x"), ARGS("-display", "gtk"), ARGS("stray"),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        PpcemuOptions o;
        ck_assert_int_eq(parse(&o, bad[i]), CLI_USAGE);
        ck_assert_msg(lines(errbuf) == 1, "case %zu: '%s'", i, errbuf);
        ck_assert_msg(!strncmp(errbuf, "ppcemu: ", 8), "case %zu: '%s'", i, errbuf);
    }
}
END_TEST

/* -drive (QEMU's spelling, ",," a literal comma) and -M virt,fb= */
START_TEST(drives_and_fb)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("-drive", "file=a.img,format=raw,if=virtio",
                                    "-drive", "if=virtio,file=b,,c.img,readonly=on",
                                    "-drive", "file=d.img,snapshot=on,readonly=off")), CLI_RUN);
    ck_assert_uint_eq(o.ndrives, 3);
    ck_assert_str_eq(o.drives[0].file, "a.img");
    ck_assert(!o.drives[0].readonly && !o.drives[0].snapshot);
    ck_assert_str_eq(o.drives[1].file, "b,c.img");
    ck_assert(o.drives[1].readonly && !o.drives[1].snapshot);
    ck_assert(!o.drives[2].readonly && o.drives[2].snapshot);
    ck_assert_uint_eq(o.fb_width, 1024);
    ck_assert_uint_eq(o.fb_height, 768);
    ck_assert_int_eq(parse(&o, ARGS("-M", "virt,fb=640x480")), CLI_RUN);
    ck_assert_uint_eq(o.fb_width, 640);
    ck_assert_uint_eq(o.fb_height, 480);
    ck_assert_int_eq(parse(&o, ARGS("-M", "virt,ipic=off,fb=off")), CLI_RUN);
    ck_assert_uint_eq(o.fb_width, 0);
    const char *const *bad[] = {
        ARGS("-drive", "format=raw"), ARGS("-drive", "file=x,format=qcow2"),
        ARGS("-drive", "file=x,if=ide"), ARGS("-drive", "file=x,readonly=yes"),
        ARGS("-drive", "file=x,cache=none"), ARGS("-drive", "file"), ARGS("-drive", "file="),
        ARGS("-M", "virt,fb=4096x4096"), ARGS("-M", "virt,fb=100x100"), ARGS("-M", "virt,fb=640"),
        ARGS("-M", "virt,fb=640x480x"),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(parse(&o, bad[i]), CLI_USAGE);
        ck_assert_msg(lines(errbuf) == 1, "case %zu: '%s'", i, errbuf);
    }
    const char *nine[19] = { NULL };
    for (int i = 0; i < 9; i++) {
        nine[2 * i] = "-drive";
        nine[2 * i + 1] = "file=x";
    }
    ck_assert_int_eq(parse(&o, nine), CLI_USAGE);
}
END_TEST

START_TEST(error_names_the_flag)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("-kernel", "x", "-tb-clock", "sometimes")), CLI_USAGE);
    ck_assert_ptr_nonnull(strstr(errbuf, "-tb-clock"));
    ck_assert_ptr_nonnull(strstr(errbuf, "sometimes"));
}
END_TEST

START_TEST(help_version_lists)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("-version")), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(outbuf, "ppcemu version"));
    ck_assert_int_eq(parse(&o, ARGS("-h")), CLI_DONE);
    /* every flag of cli.md is in -h */
    static const char *const flags[] = {
        "-M ", "-m ", "-kernel", "-initrd", "-append", "-bios", "-dtb", "-dump-dtb",
        "-nographic", "-display", "-serial", "-monitor", "-S ", "-loadvm", "-snapshot-dir",
        "-incoming", "-no-reboot", "-tb-freq", "-tb-clock", "-icount", "-d ", "-D ", "-gdb",
        "-s ", "-version", "-h ",
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        ck_assert_msg(strstr(outbuf, flags[i]) != NULL, "%s not in -h", flags[i]);
    ck_assert_int_eq(parse(&o, ARGS("-d", "help")), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(outbuf, "unimp"));
    ck_assert_int_eq(parse(&o, ARGS("-M", "help")), CLI_DONE);
    ck_assert_ptr_nonnull(strstr(outbuf, "virt"));
}
END_TEST

START_TEST(later_features_parse)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("-loadvm", "snap1", "-snapshot-dir", "/tmp/snaps",
                                    "-incoming", "tcp:localhost:4444", "-s")), CLI_RUN);
    ck_assert_str_eq(o.loadvm, "snap1");
    ck_assert_str_eq(o.snapshot_dir, "/tmp/snaps");
    ck_assert_str_eq(o.incoming, "tcp:localhost:4444");
    ck_assert_str_eq(o.gdb, "tcp::1234");
}
END_TEST

/* -accel: the engines, the x86-64 default (cli.md), one-line errors */
START_TEST(accel)
{
    PpcemuOptions o;
    ck_assert_int_eq(parse(&o, ARGS("-M", "virt")), CLI_RUN);
    ck_assert_int_eq(o.accel, ppc_jit_available() ? PPC_ENGINE_JIT : PPC_ENGINE_INTERP);
    ck_assert_int_eq(parse(&o, ARGS("-accel", "interp")), CLI_RUN);
    ck_assert_int_eq(o.accel, PPC_ENGINE_INTERP);
    if (ppc_jit_available()) {
        ck_assert_int_eq(parse(&o, ARGS("-accel", "jit")), CLI_RUN);
        ck_assert_int_eq(o.accel, PPC_ENGINE_JIT);
        ck_assert_int_eq(parse(&o, ARGS("-accel", "lockstep")), CLI_RUN);
        ck_assert_int_eq(o.accel, PPC_ENGINE_LOCKSTEP);
    }
    ck_assert_int_eq(parse(&o, ARGS("-accel", "tcg")), CLI_USAGE);
    ck_assert_int_eq(lines(errbuf), 1);
    ck_assert_ptr_nonnull(strstr(errbuf, "tcg"));
}
END_TEST

Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, accel);
    tcase_add_test(tc, full_line);
    tcase_add_test(tc, double_dash_and_sizes);
    tcase_add_test(tc, usage_errors);
    tcase_add_test(tc, error_names_the_flag);
    tcase_add_test(tc, drives_and_fb);
    tcase_add_test(tc, help_version_lists);
    tcase_add_test(tc, later_features_parse);
    suite_add_tcase(s, tc);
    return s;
}
