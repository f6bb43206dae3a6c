/*
 * linuxdrive: drives a Linux guest over its serial line, the way a person
 * at the console would, for the system test (tests/steps/linux.sh) and the
 * benchmark (tools/linuxbench.sh).
 *
 * The emulator runs as a child process with the serial console on its
 * stdin/stdout (-nographic; ppcemu's monitor goes to a UNIX socket of its
 * own, so stdio is the serial line alone).  Everything the child prints is
 * kept in one buffer and copied to a log file; "expect" searches it from a
 * cursor that only moves forward.  A shell command is sent followed by
 * `echo @@E""ND<n>@@ $?`: the marker appears in the output only when the
 * shell runs the echo, never in the terminal's echo of the typed line.
 *
 *   linuxdrive check PPCEMU VMLINUX WORKDIR
 *       the system test; serial logs go to WORKDIR/NAME.log, snapshots to
 *       WORKDIR/snapshots
 *   linuxdrive boot LOG -- COMMAND...
 *       boot to the shell prompt and run two commands (a pipeline and an
 *       FP computation in awk), for a quick boot check of another
 *       configuration (e.g. ppcemu -accel jit)
 *   linuxdrive bench NAME LOG [-m MONSOCK] -- COMMAND...
 *       boot-to-prompt and CPU-bound timings for one emulator (ppcemu or
 *       QEMU) whose serial console is on COMMAND's stdio; with a ppcemu
 *       monitor socket, instruction counts too
 *
 * Exit status: 0 pass (or bench done), 1 a check failed, 2 bad usage.
 * LINUXDRIVE_TSCALE=F multiplies every timeout (slow builds such as ASan).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROMPT "ppcemu:/# "
#define READY "ppcemu guest ready"

typedef struct {
    const char *name;
    pid_t pid;
    int in_fd;          /* the child's stdin: what we type */
    int out_fd;         /* the child's stdout+stderr: what it prints */
    char *buf;          /* everything printed so far */
    size_t len, cap;
    size_t pos;         /* expect() searches from here */
    FILE *log;
    int mon_fd;         /* ppcemu's monitor socket, or -1 */
    int status;         /* exit status once reaped, else -1 */
    bool eof;
} Emu;

static int failures;
static double tscale = 1.0;     /* LINUXDRIVE_TSCALE: slower builds (ASan) */
static int marker_seq;
static bool quiet;              /* expect() says nothing on a timeout */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("linux: ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

/* check: one PASS/FAIL line; a failure is counted, the run goes on */
static bool check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("linux: %s: ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    if (!ok)
        failures++;
    return ok;
}

/* ---- the child process ---- */

static bool emu_spawn(Emu *e, const char *name, char *const argv[], const char *logpath)
{
    int in[2], out[2];
    memset(e, 0, sizeof(*e));
    e->name = name;
    e->mon_fd = -1;
    e->status = -1;
    if (pipe(in) || pipe(out))
        return false;
    e->log = fopen(logpath, "w");
    if (!e->log)
        return false;
    e->pid = fork();
    if (e->pid < 0)
        return false;
    if (e->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        setpgid(0, 0);  /* our Ctrl-C does not reach it; we end it ourselves */
        execvp(argv[0], argv);
        fprintf(stderr, "linuxdrive: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    e->in_fd = in[1];
    e->out_fd = out[0];
    fcntl(e->out_fd, F_SETFL, O_NONBLOCK);
    return true;
}

/* read_some: waits up to ms for output; false at end of file */
static bool read_some(Emu *e, int ms)
{
    struct pollfd pf = { e->out_fd, POLLIN, 0 };
    if (e->eof || poll(&pf, 1, ms) <= 0)
        return !e->eof;
    char tmp[4096];
    ssize_t n = read(e->out_fd, tmp, sizeof(tmp));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        e->eof = true;
        return false;
    }
    if (n < 0)
        return true;
    if (e->len + (size_t)n + 1 > e->cap) {
        e->cap = (e->len + (size_t)n + 1) * 2;
        e->buf = realloc(e->buf, e->cap);
        if (!e->buf) {
            fprintf(stderr, "linuxdrive: out of memory\n");
            exit(1);
        }
    }
    memcpy(e->buf + e->len, tmp, (size_t)n);
    e->len += (size_t)n;
    e->buf[e->len] = 0;
    fwrite(tmp, 1, (size_t)n, e->log);
    fflush(e->log);
    return true;
}

/* expect: waits for needle after the cursor; on success the cursor moves
 * past it and the match's offset is returned, else -1 */
static long expect(Emu *e, const char *needle, double timeout)
{
    double end = now_s() + timeout * tscale;
    size_t nl = strlen(needle);
    for (;;) {
        if (e->len >= e->pos + nl) {
            char *m = memmem(e->buf + e->pos, e->len - e->pos, needle, nl);
            if (m) {
                long off = m - e->buf;
                e->pos = (size_t)off + nl;
                return off;
            }
        }
        double left = end - now_s();
        if (left <= 0) {
            if (!quiet)
                say("%s: timeout (%.0f s) waiting for \"%s\"", e->name, timeout * tscale, needle);
            return -1;
        }
        if (!read_some(e, left > 0.2 ? 200 : (int)(left * 1000) + 1) && e->eof) {
            if (!memmem(e->buf + e->pos, e->len - e->pos, needle, nl)) {
                say("%s: ended while waiting for \"%s\"", e->name, needle);
                return -1;
            }
        }
    }
}

/* drain: reads whatever arrives within s seconds */
static void drain(Emu *e, double s)
{
    double end = now_s() + s;
    while (now_s() < end && !e->eof)
        read_some(e, 50);
}

static void emu_type(Emu *e, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(e->in_fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* emu_wait: reaps the child within timeout seconds; its exit status or -1 */
static int emu_wait(Emu *e, double timeout)
{
    double end = now_s() + timeout * tscale;
    while (e->status < 0) {
        int st;
        pid_t r = waitpid(e->pid, &st, WNOHANG);
        if (r == e->pid) {
            e->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (now_s() > end)
            return -1;
        read_some(e, 50);
    }
    return e->status;
}

static void emu_end(Emu *e)
{
    if (e->pid > 0 && e->status < 0) {
        kill(e->pid, SIGTERM);
        if (emu_wait(e, 5) < 0) {
            kill(e->pid, SIGKILL);
            emu_wait(e, 5);
        }
    }
    if (e->mon_fd >= 0)
        close(e->mon_fd);
    close(e->in_fd);
    close(e->out_fd);
    if (e->log)
        fclose(e->log);
    free(e->buf);
    e->buf = NULL;
    e->pid = 0;
}

/* ---- the shell ---- */

/* sh_run: runs cmd at the prompt; its output (with the echoed command
 * line) is copied to out; returns the command's exit status, -1 on timeout */
static int sh_run(Emu *e, const char *cmd, double timeout, char *out, size_t outlen)
{
    char line[1024], mark[32];
    int n = ++marker_seq;
    snprintf(line, sizeof(line), "%s; echo @@E\"\"ND%d@@ $?\n", cmd, n);
    snprintf(mark, sizeof(mark), "@@END%d@@ ", n);
    size_t start = e->pos;
    emu_type(e, line);
    long at = expect(e, mark, timeout);
    if (out && outlen) {
        size_t k = at < 0 ? e->len - start : (size_t)at - start;
        if (k >= outlen)
            k = outlen - 1;
        memcpy(out, e->buf + start, k);
        out[k] = 0;
    }
    if (at < 0)
        return -1;
    if (expect(e, PROMPT, 10) < 0)
        return -1;
    return atoi(e->buf + at + strlen(mark));
}

/* sh_check: runs cmd and checks that its output contains want */
static void sh_check(Emu *e, const char *what, const char *cmd, const char *want, double timeout)
{
    char out[8192];
    int st = sh_run(e, cmd, timeout, out, sizeof(out));
    bool ok = st == 0 && strstr(out, want);
    check(ok, "%s (`%s` shows \"%s\")", what, cmd, want);
    if (!ok)
        say("    status %d, output: %s", st, out);
}

/* ---- the monitor ---- */

static int mon_connect(const char *path, double timeout)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    double end = now_s() + timeout;
    while (now_s() < end) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            return fd;
        close(fd);
        usleep(50000);
    }
    return -1;
}

/* mon_read_prompt: reads until the output ends with the monitor prompt */
static bool mon_read_prompt(int fd, char *out, size_t outlen, double timeout)
{
    size_t len = 0;
    double end = now_s() + timeout * tscale;
    out[0] = 0;
    while (now_s() < end) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 100) <= 0)
            continue;
        ssize_t n = read(fd, out + len, outlen - 1 - len);
        if (n <= 0)
            return false;
        len += (size_t)n;
        out[len] = 0;
        if (len >= 9 && !strcmp(out + len - 9, "(ppcemu) "))
            return true;
        if (len + 1 >= outlen)
            len = 0;    /* keep the tail only */
    }
    return false;
}

static bool mon_open(Emu *e, const char *path)
{
    char greet[256];
    e->mon_fd = mon_connect(path, 10 * tscale);
    return e->mon_fd >= 0 && mon_read_prompt(e->mon_fd, greet, sizeof(greet), 10);
}

/* mon_cmd: runs a monitor command; its reply (without the prompt) in out */
static bool mon_cmd(Emu *e, const char *cmd, char *out, size_t outlen, double timeout)
{
    char line[256];
    snprintf(line, sizeof(line), "%s\n", cmd);
    if (e->mon_fd < 0 || write(e->mon_fd, line, strlen(line)) != (ssize_t)strlen(line))
        return false;
    if (!mon_read_prompt(e->mon_fd, out, outlen, timeout))
        return false;
    out[strlen(out) - 9] = 0;
    return true;
}

/* mon_icount: the executed-instruction count from `info tb` ("icount:
 * off (real time); N instructions executed" or "... (N executed)") */
static long long mon_icount(Emu *e)
{
    char out[1024];
    if (!mon_cmd(e, "info tb", out, sizeof(out), 10))
        return -1;
    const char *p = strstr(out, "real time); ");
    if (p)
        return atoll(p + 12);
    p = strstr(out, " executed)");
    if (!p)
        return -1;
    while (p > out && p[-1] != '(')
        p--;
    return atoll(p);
}

/* ---- booting ppcemu ---- */

typedef struct {
    const char *ppcemu, *vmlinux, *work;
} Setup;

/* ppcemu_start: boots (or restores, with extra args) ppcemu; the console
 * on stdio, the monitor on WORK/NAME.mon */
static bool ppcemu_start(Emu *e, const Setup *s, const char *name, const char *const *extra)
{
    static char append[256], mon[512], snapdir[512], logp[512];
    const char *argv[40];
    int n = 0;
    snprintf(append, sizeof(append), "console=ttyS0,115200 ppcemu.time=%lld", (long long)time(NULL));
    snprintf(mon, sizeof(mon), "unix:%s/%s.mon,server,nowait", s->work, name);
    snprintf(snapdir, sizeof(snapdir), "%s/snapshots", s->work);
    snprintf(logp, sizeof(logp), "%s/%s.log", s->work, name);
    argv[n++] = s->ppcemu;
    argv[n++] = "-M";
    argv[n++] = "virt";
    argv[n++] = "-kernel";
    argv[n++] = s->vmlinux;
    argv[n++] = "-append";
    argv[n++] = append;
    argv[n++] = "-nographic";
    argv[n++] = "-no-reboot";
    argv[n++] = "-monitor";
    argv[n++] = mon;
    argv[n++] = "-snapshot-dir";
    argv[n++] = snapdir;
    for (int i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    if (!emu_spawn(e, name, (char *const *)argv, logp)) {
        say("%s: cannot start %s: %s", name, s->ppcemu, strerror(errno));
        return false;
    }
    snprintf(mon, sizeof(mon), "%s/%s.mon", s->work, name);
    if (!mon_open(e, mon)) {
        drain(e, 0.5);
        say("%s: no monitor on %s; output: %s", name, mon, e->buf ? e->buf : "");
        return false;
    }
    return true;
}

/* boot_to_prompt: seconds from now to the shell prompt, or -1 */
static double boot_to_prompt(Emu *e, double t0)
{
    if (expect(e, READY, 300) < 0 || expect(e, PROMPT, 60) < 0)
        return -1;
    return now_s() - t0;
}

/* ---- the checks ---- */

/* check_date: /init set the clock from ppcemu.time on the command line
 * (tools/guest/init), so the guest's date is the host's */
static void check_date(Emu *e, const char *what)
{
    char out[1024];
    int st = sh_run(e, "date +D%s", 10, out, sizeof(out));
    const char *d = strstr(out, "\nD");
    long long guest = d ? atoll(d + 2) : 0, host = (long long)time(NULL);
    check(st == 0 && d && llabs(guest - host) <= 10, "%s: date +%%s follows the host (guest %lld, host %lld)",
          what, guest, host);
}

/* host_md5: md5sum of the first n bytes of a host file, computed by the
 * host's own md5sum (the expected value for the same bytes in the guest) */
static bool host_md5(const char *path, long n, char *md5, size_t len)
{
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "head -c %ld '%s' | md5sum", n, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    bool ok = fgets(md5, (int)len, p) && strlen(md5) > 32;
    pclose(p);
    if (ok)
        md5[32] = 0;
    return ok;
}

/* a compressor round trip over the guest's own busybox binary, against the
 * host's checksum of the same bytes (the initramfs tree next to vmlinux) */
static void check_gzip(Emu *e, const char *vmlinux)
{
    char path[1024], md5[64];
    const char *slash = strrchr(vmlinux, '/');
    snprintf(path, sizeof(path), "%.*srootfs/bin/busybox", slash ? (int)(slash - vmlinux + 1) : 0, vmlinux);
    if (!host_md5(path, 300000, md5, sizeof(md5))) {
        say("SKIP: gzip round trip (cannot read %s)", path);
        return;
    }
    sh_check(e, "gzip -9 | gunzip of 300 kB of busybox", "head -c 300000 /bin/busybox | gzip -9 | gunzip | md5sum",
             md5, 120);
}

static void check_basics(Emu *e, const char *vmlinux)
{
    char out[8192];
    sh_check(e, "a shell pipeline", "seq 1 100 | awk '{ s += $1 } END { print \"sum\" s }' | tr a-z A-Z",
             "SUM5050", 30);
    sh_check(e, "busybox applets", "echo hello > /tmp/x; wc -c < /tmp/x; md5sum /tmp/x",
             "b1946ac92492d2347c6235b4d2611184", 30);
    sh_check(e, "the FP program", "fptest", "fptest: PASS", 60);
    sh_check(e, "awk floating point", "awk 'BEGIN { printf \"%.10f %.6e %d\\n\", atan2(1, 1) * 4, exp(10), int(-3.7) }'",
             "3.1415926536 2.202647e+04 -3", 30);
    sh_check(e, "shell arithmetic", "echo $((0x7fffffff + 1)) $((-7 / 2)) $((7 % -3))", "2147483648 -3 1", 10);
    sh_check(e, "a background job, kill and wait", "sleep 100 & sleep 0.5; kill $!; wait $!; echo st=$?", "st=143",
             30);
    check_gzip(e, vmlinux);
    sh_check(e, "uname", "uname -srm", "Linux 6.1", 10);
    sh_check(e, "the host name", "echo N$(uname -n)", "Nppcemu", 10);
    sh_check(e, "/proc/cpuinfo shows the 750", "grep ^cpu /proc/cpuinfo", "750", 10);
    sh_check(e, "the console UART has its IPIC interrupt", "grep ttyS /proc/interrupts", "IPIC   9 Level", 10);
    /* sleep 2 against the host clock: generous bounds, not a benchmark */
    double t = now_s();
    int st = sh_run(e, "sleep 2", 30, out, sizeof(out));
    t = now_s() - t;
    check(st == 0 && t > 1.5 && t < 2.5 + (tscale - 1) * 2, "sleep 2 took %.2f s of host time", t);
    check_date(e, "date");
    const char *d;
    double up0 = 0, up1 = 0;
    st = sh_run(e, "cat /proc/uptime", 10, out, sizeof(out));
    if ((d = strstr(out, "\n")))
        up0 = atof(d + 1);
    t = now_s();
    sleep(3);
    st |= sh_run(e, "cat /proc/uptime", 10, out, sizeof(out));
    t = now_s() - t;
    if ((d = strstr(out, "\n")))
        up1 = atof(d + 1);
    check(st == 0 && up1 - up0 > t - 0.6 && up1 - up0 < t + 0.6,
          "uptime advanced %.2f s in %.2f s of host time", up1 - up0, t);
}

/* cpu_seconds: user+system CPU time the process has used so far */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    /* fields 14 and 15 (utime, stime) follow the ")" that ends field 2 */
    const char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* timebase.md rule 8: Linux idles with MSR[POW] set, and an idle guest
 * must cost the host close to nothing (bound: a quarter of a core) */
static void check_idle(Emu *e)
{
    double c0 = cpu_seconds(e->pid), t0 = now_s();
    drain(e, 3);
    double c1 = cpu_seconds(e->pid), t1 = now_s();
    double share = (c1 - c0) / (t1 - t0);
    check(c0 >= 0 && c1 >= 0 && share < 0.25 * tscale, "an idle guest costs %.1f %% of a host core", share * 100);
}

static bool check_reboot(Emu *e)
{
    emu_type(e, "reboot -f\n");
    int st = emu_wait(e, 30);
    return check(st == 0, "reboot -f ends ppcemu -no-reboot with status 0 (got %d)", st);
}

/* ---- snapshots: a counter running across savevm / -loadvm ---- */

/* the guest counts; each line carries the guest's uptime */
#define COUNTER "i=0; while :; do read up x < /proc/uptime; echo CN\"\"T $i U $up; i=$((i+1)); sleep 0.2; done\n"

typedef struct {
    long cnt;
    double up;          /* guest uptime in the line */
    double host;        /* host time we read it */
} CntLine;

/* next_cnt: the next counter line after the cursor, within timeout */
static bool next_cnt(Emu *e, CntLine *c, double timeout)
{
    long at = expect(e, "CNT ", timeout);
    if (at < 0 || expect(e, "\n", 5) < 0)
        return false;
    c->host = now_s();
    char *q;
    c->cnt = strtol(e->buf + at + 4, &q, 10);
    if (strncmp(q, " U ", 3))
        return false;
    c->up = atof(q + 3);
    return true;
}

/* guest clock minus host clock, from one counter line */
static double offset_of(const CntLine *c)
{
    return c->up - c->host;
}

static bool snap_supported(Emu *e)
{
    char out[2048];
    return mon_cmd(e, "help", out, sizeof(out), 10) && strstr(out, "savevm");
}

/* after a restore: the counter continues from the saved value, one step
 * at a time; returns the first line seen */
static bool check_continues(Emu *e, const char *what, long saved, long max_before, CntLine *first)
{
    CntLine c;
    if (!check(next_cnt(e, first, 20), "%s: the counter prints again", what))
        return false;
    /* lines still in the UART/tty buffers at the save come out again,
     * so the first one may be a little before the saved value; the saving
     * process went on counting for 2 s (to max_before), so a first value
     * below that shows the state is the one of the save */
    check(first->cnt >= saved - 5 && first->cnt <= saved + 3 && first->cnt < max_before,
          "%s: the counter continues from the save (saved near %ld, latest before %ld, now %ld)", what,
          saved, max_before, first->cnt);
    long prev = first->cnt;
    bool steps = true;
    for (int i = 0; i < 5 && steps; i++) {
        steps = next_cnt(e, &c, 10) && c.cnt == prev + 1;
        prev = c.cnt;
    }
    return check(steps, "%s: the counter goes on one by one (to %ld)", what, prev);
}

/* snap_save: boots, starts the counter, saves NAME while it counts; the
 * last line seen before the save in *before; then quits */
static bool snap_save(const Setup *s, const char *policy, const char *snap, CntLine *before, long *max_before)
{
    Emu e;
    const char *extra[] = { "-tb-clock", policy, NULL };
    char name[64], out[1024], cmd[128];
    snprintf(name, sizeof(name), "save-%s", policy);
    if (!ppcemu_start(&e, s, name, extra) || boot_to_prompt(&e, now_s()) < 0) {
        check(false, "%s: boot", name);
        emu_end(&e);
        return false;
    }
    emu_type(&e, COUNTER);
    bool ok = true;
    for (int i = 0; i < 8 && ok; i++)
        ok = next_cnt(&e, before, 10);
    snprintf(cmd, sizeof(cmd), "savevm %s", snap);
    ok = check(ok, "%s: the counter runs", name) &&
         check(mon_cmd(&e, cmd, out, sizeof(out), 60) && !strstr(out, "rror") && !strstr(out, "fail"),
               "%s: savevm %s (%s)", name, snap, out);
    CntLine c;
    *max_before = before->cnt;
    drain(&e, 2);
    quiet = true;
    while (next_cnt(&e, &c, 0.01))
        *max_before = c.cnt;
    quiet = false;
    mon_cmd(&e, "quit", out, sizeof(out), 5);
    emu_wait(&e, 10);
    emu_end(&e);
    return ok;
}

static void snap_restore(const Setup *s, const char *policy, const char *snap, bool paused, const CntLine *before,
                         long max_before, double since_save)
{
    Emu e;
    const char *extra[] = { "-tb-clock", policy, "-loadvm", snap, paused ? "-S" : NULL, NULL };
    char name[64], out[1024];
    CntLine first;
    snprintf(name, sizeof(name), "restore-%s%s", policy, paused ? "-S" : "");
    if (!ppcemu_start(&e, s, name, extra)) {
        check(false, "%s: start", name);
        emu_end(&e);
        return;
    }
    if (paused) {
        drain(&e, 3);
        check(!strstr(e.buf ? e.buf : "", "CNT "), "%s: nothing runs before cont", name);
        check(mon_cmd(&e, "cont", out, sizeof(out), 10), "%s: cont", name);
    }
    if (!check_continues(&e, name, before->cnt, max_before, &first)) {
        emu_end(&e);
        return;
    }
    /* the guest clock against the host's across the gap: under "host" the
     * guest saw the real time pass (offset unchanged), under "vm" it did
     * not (the offset fell by the time the machine was not running) */
    double d = offset_of(&first) - offset_of(before);
    if (!strcmp(policy, "host"))
        check(d > -1.5 && d < 1.5, "%s: guest time followed real time across %.1f s (offset moved %.2f s)", name,
              since_save, d);
    else
        check(d < -(since_save - 1.5), "%s: guest time stood still for %.1f s (offset moved %.2f s)", name,
              since_save, d);
    emu_type(&e, "\003");
    expect(&e, PROMPT, 10);
    if (!strcmp(policy, "host"))
        check_date(&e, name);
    check_reboot(&e);
    emu_end(&e);
}

static void check_snapshots(const Setup *s)
{
    const char *policies[] = { "host", "vm" };
    for (int i = 0; i < 2; i++) {
        CntLine before;
        long max_before;
        char snap[32];
        snprintf(snap, sizeof(snap), "linux-%s", policies[i]);
        if (!snap_save(s, policies[i], snap, &before, &max_before))
            continue;
        double t_save = before.host;
        sleep(5);
        snap_restore(s, policies[i], snap, false, &before, max_before, now_s() - t_save);
        if (i == 0)
            snap_restore(s, policies[i], snap, true, &before, max_before, now_s() - t_save);
    }
}

/* icount_boot: the console output of a -icount 2 boot up to the /init
 * banner, without the command-line line (ppcemu.time differs); NULL on
 * failure. The caller frees it. */
static char *icount_boot(const Setup *s, const char *name)
{
    Emu e;
    const char *extra[] = { "-icount", "2", NULL };
    if (!ppcemu_start(&e, s, name, extra))
        return NULL;
    long at = expect(&e, READY, 300);
    char *log = at < 0 ? NULL : malloc((size_t)at + 1);
    size_t n = 0;
    for (long i = 0; log && i < at;) {
        const char *nl = memchr(e.buf + i, '\n', (size_t)(at - i));
        long end = nl ? nl - e.buf + 1 : at;
        if (!memmem(e.buf + i, (size_t)(end - i), "command line", 12)) {
            memcpy(log + n, e.buf + i, (size_t)(end - i));
            n += (size_t)(end - i);
        }
        i = end;
    }
    if (log)
        log[n] = 0;
    emu_end(&e);
    return log;
}

/* timebase.md rule 7: under -icount no host clock is read, so two boots
 * print the same kernel log, printk timestamps included */
static void check_icount(const Setup *s)
{
    char *a = icount_boot(s, "icount-1");
    char *b = a ? icount_boot(s, "icount-2") : NULL;
    const char *ts = a ? strstr(a, "Run /init") : NULL;
    check(a && b && !strcmp(a, b) && ts, "two -icount 2 boots print identical kernel logs (%.40s)",
          ts ? ts - 15 : "no /init line");
    free(a);
    free(b);
}

static int run_check(const Setup *s)
{
    Emu e;
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/snapshots", s->work);
    mkdir(s->work, 0777);
    mkdir(dir, 0777);
    double t0 = now_s();
    if (!ppcemu_start(&e, s, "boot", NULL))
        return 1;
    double t = boot_to_prompt(&e, t0);
    if (!check(t >= 0, "boot to the shell prompt (%.1f s)", t)) {
        emu_end(&e);
        return 1;
    }
    check_basics(&e, s->vmlinux);
    check_idle(&e);
    bool snap = snap_supported(&e);
    check_reboot(&e);
    emu_end(&e);
    check_icount(s);
    if (snap)
        check_snapshots(s);
    else
        say("SKIP: snapshots (the monitor has no savevm yet)");
    say("%d check(s) failed", failures);
    return failures ? 1 : 0;
}

/* ---- bench ---- */

/* the timed workloads, run in this order at the prompt */
static const struct {
    const char *key, *cmd;
} bench_work[] = {
    /* kernel-heavy: tmpfs page allocation and copy_from_user. (Not
     * /dev/urandom: its first read after boot spends ~3 s of timer-based
     * jitter entropy seeding the CRNG, on QEMU as on ppcemu.) */
    { "tmpfs_write_4MiB", "dd if=/dev/zero of=/tmp/f bs=4k count=1024 2>/dev/null" },
    /* MMU-heavy: 200 fork+exec+exit of a static busybox */
    { "fork_exec_200", "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done" },
    /* user-mode integer work */
    { "sha256sum_4MiB", "sha256sum /tmp/f" },
    /* user-mode floating point: awk's numbers are doubles */
    { "awk_fp_loop", "awk 'BEGIN { for (i = 0; i < 200000; i++) s += i * 0.5; print s }'" },
};

static int run_bench(const char *name, const char *mon, char *const argv[], const char *logpath)
{
    Emu e;
    double t0 = now_s();
    if (!emu_spawn(&e, name, argv, logpath))
        return 1;
    if (mon && !mon_open(&e, mon)) {
        say("%s: no monitor at %s", name, mon);
        emu_end(&e);
        return 1;
    }
    double t = boot_to_prompt(&e, t0);
    long long i0 = mon ? mon_icount(&e) : -1;
    printf("bench %s boot_to_prompt_s %.2f\n", name, t);
    if (i0 >= 0)
        printf("bench %s boot_insns %lld boot_mips %.1f\n", name, i0, (double)i0 / t / 1e6);
    for (size_t w = 0; t >= 0 && w < sizeof(bench_work) / sizeof(bench_work[0]); w++) {
        char out[4096];
        double t1 = now_s();
        int st = sh_run(&e, bench_work[w].cmd, 600, out, sizeof(out));
        double t2 = now_s();
        long long i1 = mon ? mon_icount(&e) : -1;
        if (st != 0) {
            say("%s: `%s` failed (%d)", name, bench_work[w].cmd, st);
            break;
        }
        printf("bench %s %s_s %.2f", name, bench_work[w].key, t2 - t1);
        if (i0 >= 0 && i1 >= 0)
            printf(" %s_insns %lld %s_mips %.1f", bench_work[w].key, i1 - i0, bench_work[w].key,
                   (double)(i1 - i0) / (t2 - t1) / 1e6);
        printf("\n");
        i0 = i1;
    }
    fflush(stdout);
    emu_end(&e);
    return t < 0;
}

static int run_boot(const char *logpath, char *const argv[])
{
    Emu e;
    double t0 = now_s();
    if (!emu_spawn(&e, "boot", argv, logpath))
        return 1;
    double t = boot_to_prompt(&e, t0);
    if (check(t >= 0, "boot to the shell prompt (%.1f s)", t)) {
        char out[4096];
        int st = sh_run(&e, "echo abc def | tr a-z A-Z", 60, out, sizeof(out));
        check(st == 0 && strstr(out, "ABC DEF"), "a pipeline in the shell");
        st = sh_run(&e, "awk 'BEGIN { for (i = 0; i < 1000; i++) s += i * 0.5; print s }'", 60, out,
                    sizeof(out));
        check(st == 0 && strstr(out, "249750"), "awk FP loop prints 249750");
    }
    emu_end(&e);
    say("%d check(s) failed", failures);
    return failures ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: linuxdrive check PPCEMU VMLINUX WORKDIR\n"
                    "       linuxdrive boot LOG -- COMMAND...\n"
                    "       linuxdrive bench NAME LOG [-m MONSOCK] -- COMMAND...\n");
    return 2;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *ts = getenv("LINUXDRIVE_TSCALE");
    if (ts && atof(ts) >= 1)
        tscale = atof(ts);
    if (argc == 5 && !strcmp(argv[1], "check")) {
        Setup s = { argv[2], argv[3], argv[4] };
        return run_check(&s);
    }
    if (argc >= 5 && !strcmp(argv[1], "boot") && !strcmp(argv[3], "--"))
        return run_boot(argv[2], argv + 4);
    if (argc >= 6 && !strcmp(argv[1], "bench")) {
        const char *mon = NULL;
        int i = 4;
        if (!strcmp(argv[i], "-m") && i + 1 < argc) {
            mon = argv[i + 1];
            i += 2;
        }
        if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc)
            return usage();
        return run_bench(argv[2], mon, argv + i + 1, argv[3]);
    }
    return usage();
}
