/* The human monitor's commands (cli.md "Monitor commands"), run against a
 * board that is built but not running; output goes to a file chardev. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/machine.h"

static Machine *m;
static char path[64];
static long out_pos;
static char out[16384];

static void setup(void)
{
    char err[200];
    bool bad;
    m = calloc(1, sizeof(*m));
    VirtConfig c = { .ram_mib = 16, .ipic = true, .tb_freq = 33333333 };
    ck_assert_int_eq(virt_init(&m->vb, &c, NULL, NULL, err, sizeof(err)), 0);
    m->tb = tb_new(ppc_tb_links(&m->vb.cpu), 33333333, 0, TB_CLOCK_VM);
    ck_assert_ptr_nonnull(m->tb);
    m->vb.cpu.tb = m->tb;
    m->running = true;
    strcpy(path, "/tmp/ppcemu-test-mon-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char spec[80];
    snprintf(spec, sizeof(spec), "file:%s", path);
    m->mon_cd = chardev_open(spec, &bad, err, sizeof(err));
    ck_assert_ptr_nonnull(m->mon_cd);
    monitor_init(&m->mon, m, m->mon_cd, false, false);
    out_pos = 0;
}

static void teardown(void)
{
    chardev_close(m->mon_cd);
    tb_free(m->tb);
    virt_free(&m->vb);
    free(m);
    unlink(path);
}

/* Run a command; the output it produced is left in out[] */
static int run(const char *line)
{
    int r = monitor_exec(&m->mon, line);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    fseek(f, out_pos, SEEK_SET);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    out_pos += (long)n;
    fclose(f);
    return r;
}

static int nlines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

START_TEST(x_shows_physical_memory)
{
    bus_write(&m->vb.bus, 0x100, 0xDEADBEEF, 4);
    bus_write(&m->vb.bus, 0x104, 0x01234567, 4);
    ck_assert_int_eq(run("x/2 0x100"), 0);
    ck_assert_str_eq(out, "00000100: deadbeef 01234567\n");
    ck_assert_int_eq(run("x/2x 256"), 0);
    ck_assert_ptr_nonnull(strstr(out, "deadbeef 01234567"));
    ck_assert_int_eq(run("x 0x104"), 0);
    ck_assert_str_eq(out, "00000104: 01234567\n");
}
END_TEST

START_TEST(failures_say_why_in_one_line)
{
    static const char *const bad[] = {
        "x/2 0x90000000", "x/0 0x100", "x/2", "x/2 zork", "bogus", "info", "info nothing",
        "stop now", "x/2 0xfffffffc",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t pc = m->vb.cpu.pc;
        ck_assert_msg(run(bad[i]) == -1, "'%s' did not fail", bad[i]);
        ck_assert_msg(nlines(out) == 1, "'%s' printed %d lines: %s", bad[i], nlines(out), out);
        ck_assert(m->running && !m->quit);
        ck_assert_uint_eq(m->vb.cpu.pc, pc);
    }
}
END_TEST

START_TEST(stop_cont_quit)
{
    ck_assert_int_eq(run("stop"), 0);
    ck_assert(!m->running);
    ck_assert_int_eq(run("info tb"), 0);
    ck_assert_ptr_nonnull(strstr(out, "paused"));
    ck_assert_int_eq(run("cont"), 0);
    ck_assert(m->running);
    ck_assert_int_eq(run("  quit  "), 0);
    ck_assert(m->quit);
    ck_assert_int_eq(m->exit_status, 0);
}
END_TEST

START_TEST(info_commands)
{
    m->vb.cpu.gpr[5] = 0xCAFEF00D;
    ck_assert_int_eq(run("info registers"), 0);
    ck_assert_ptr_nonnull(strstr(out, "PC  fff00100"));
    ck_assert_ptr_nonnull(strstr(out, "r5  cafef00d"));
    ck_assert_int_eq(run("info tb"), 0);
    ck_assert_ptr_nonnull(strstr(out, "frequency 33333333 Hz"));
    ck_assert_ptr_nonnull(strstr(out, "clock policy vm"));
    ck_assert_int_eq(run("help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "system_reset"));
    ck_assert_ptr_nonnull(strstr(out, "info tb"));
}
END_TEST

START_TEST(system_reset_restarts_cpu)
{
    m->vb.cpu.pc = 0x1234;
    m->vb.cpu.msr = 0;
    ck_assert_int_eq(run("system_reset"), 0);
    ck_assert_uint_eq(m->vb.cpu.pc, 0xFFF00100u);
    ck_assert_uint_eq(m->vb.cpu.msr, 0x40);
}
END_TEST

START_TEST(typed_lines)
{
    /* characters arrive in pieces; CR LF is one end of line */
    const char *a = "x/1 0x1", *b = "00\r\nstop\r";
    bus_write(&m->vb.bus, 0x100, 0x11223344, 4);
    monitor_input(&m->mon, (const uint8_t *)a, strlen(a));
    monitor_input(&m->mon, (const uint8_t *)b, strlen(b));
    monitor_input(&m->mon, (const uint8_t *)"\n", 1);
    run("");
    ck_assert_ptr_nonnull(strstr(out, "00000100: 11223344"));
    ck_assert(!m->running);
    /* exactly two prompts: the "\n" after "stop\r" is not a third line */
    const char *p = out;
    int prompts = 0;
    while ((p = strstr(p, "(ppcemu) ")) != NULL)
        prompts++, p++;
    ck_assert_int_eq(prompts, 2);
}
END_TEST

Suite *suite_cli_monitor(void)
{
    Suite *s = suite_create("cli_monitor");
    TCase *tc = tcase_create("monitor");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, x_shows_physical_memory);
    tcase_add_test(tc, failures_say_why_in_one_line);
    tcase_add_test(tc, stop_cont_quit);
    tcase_add_test(tc, info_commands);
    tcase_add_test(tc, system_reset_restarts_cpu);
    tcase_add_test(tc, typed_lines);
    suite_add_tcase(s, tc);
    return s;
}
