#!/usr/bin/env python3
"""Drives ppcemu's Linux guest (build-guest/) for the disk and window tests.

The emulator runs as a child with the guest's serial line on its stdin and
stdout (-serial stdio) and the human monitor on a UNIX socket of its own.
Everything the child prints is kept in one buffer (and a log file); expect()
searches it from a cursor that only moves forward.  A shell command is sent
between `echo @@S""TART<n>@@` and `echo @@E""ND<n>@@ $?`: the markers
appear in the output only when the shell runs the echo, never in the
terminal's echo of the typed line (the scheme of tests/system/linuxdrive.c).

  guestdrive.py disk PPCEMU WORKDIR
      boot from a copy of build-guest/rootfs.img (root=/dev/vda rw), write
      a file, boot the image again and find it; with snapshot=on write
      another, and check it is gone and the host image unchanged; a
      readonly=on drive refuses writes
  guestdrive.py display PPCEMU WORKDIR
      (DISPLAY set to an Xvfb server) boot with -display sdl, wait for the
      login prompt that fbcon draws on tty1, compare a screenshot of the
      SDL window (xwd) with the monitor's screendump and with the text of
      tty1, log in and run a command typed into the window with xdotool
  guestdrive.py bench PPCEMU WORKDIR
      figures, not a test: dd throughput on a virtio disk, host CPU% of an
      idle console with and without the window

Exit status: 0 pass, 1 a check failed, 2 bad usage.  GUESTDRIVE_TSCALE=F
multiplies every timeout (they only stop a hung run; nothing is judged on
time).  GUESTDRIVE_VMLINUX and GUESTDRIVE_ROOTFS replace build-guest/'s
kernel and image.
"""
import hashlib
import os
import random
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib

TSCALE = float(os.environ.get("GUESTDRIVE_TSCALE", "1"))
PROMPT = "ppcemu:/# "
READY = "ppcemu guest ready"
# GUESTDRIVE_VMLINUX / GUESTDRIVE_ROOTFS: another guest (e.g. to see the
# checks fail on a kernel without the drivers)
VMLINUX = os.environ.get("GUESTDRIVE_VMLINUX", "build-guest/vmlinux")
ROOTFS = os.environ.get("GUESTDRIVE_ROOTFS", "build-guest/rootfs.img")


class Fail(Exception):
    pass


def say(msg):
    print(msg, flush=True)


class Guest:
    """One ppcemu process: serial line on stdio, monitor on WORK/NAME.mon"""

    def __init__(self, ppcemu, work, name, args, env=None):
        self.name = name
        self.mon_path = os.path.join(work, name + ".mon")
        if os.path.exists(self.mon_path):
            os.unlink(self.mon_path)
        self.log = open(os.path.join(work, name + ".log"), "wb")
        append = "console=ttyS0,115200 ppcemu.time=%d" % int(time.time())
        argv = [ppcemu, "-M", "virt", "-kernel", VMLINUX, "-no-reboot",
                "-serial", "stdio", "-monitor", "unix:%s,server,nowait" % self.mon_path]
        extra_append = ""
        rest = []
        for a in args:
            if isinstance(a, tuple) and a[0] == "append":
                extra_append += " " + a[1]
            else:
                rest.append(a)
        argv += ["-append", append + extra_append] + rest
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        self.buf = b""
        self.pos = 0
        self.mon = None
        self.ncmd = 0
        deadline = time.time() + 20 * TSCALE
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.mon_path)
                self.mon = s
                break
            except OSError:
                s.close()
                if self.proc.poll() is not None or time.time() > deadline:
                    self.pump(0.2)
                    raise Fail("%s: no monitor on %s; output: %r" % (name, self.mon_path, self.buf[-500:]))
                time.sleep(0.05)
        self.mon_read()

    # ---- serial line ----
    def pump(self, timeout):
        """read what the child printed within timeout seconds; False at EOF"""
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return True
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        self.buf += data
        self.log.write(data)
        self.log.flush()
        return True

    def expect(self, pattern, timeout, regex=False):
        """wait for pattern after the cursor; returns the match (regex) or
        the text up to it, and moves the cursor past it"""
        deadline = time.time() + timeout * TSCALE
        pat = re.compile(pattern.encode() if regex else re.escape(pattern.encode()))
        while True:
            m = pat.search(self.buf, self.pos)
            if m:
                before = self.buf[self.pos:m.start()]
                self.pos = m.end()
                return m if regex else before.decode("latin-1")
            if time.time() > deadline:
                raise Fail("%s: timed out waiting for %r; last output: %r"
                           % (self.name, pattern, self.buf[-300:].decode("latin-1")))
            if not self.pump(0.2):
                m = pat.search(self.buf, self.pos)
                if m:
                    continue
                raise Fail("%s: ppcemu ended (status %s) before %r; last output: %r"
                           % (self.name, self.proc.wait(), pattern, self.buf[-300:].decode("latin-1")))

    def write(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def sh(self, cmd, timeout=60):
        """runs cmd at the serial shell; (status, output).  The output is
        what comes between two markers the shell prints before and after
        cmd (the terminal's echo of a long line wraps and redraws, so it
        cannot be cut off reliably)"""
        self.ncmd += 1
        n = self.ncmd
        self.write('echo @@S""TART%d@@; %s; echo @@E""ND%d@@ $?\n' % (n, cmd, n))
        self.expect("@@START%d@@" % n, timeout)
        start = self.pos
        m = self.expect(r"@@END%d@@ (\d+)\r?\n" % n, timeout, regex=True)
        out = self.buf[start:m.start()].decode("latin-1").replace("\r", "")
        return int(m.group(1)), out[1:] if out.startswith("\n") else out

    def sh_ok(self, cmd, timeout=60):
        st, out = self.sh(cmd, timeout)
        if st != 0:
            raise Fail("%s: `%s` exited %d: %r" % (self.name, cmd, st, out))
        return out

    def boot(self, timeout=300):
        self.expect(READY, timeout)
        self.expect(PROMPT, 60)

    # ---- monitor ----
    def mon_read(self, timeout=30):
        data = b""
        deadline = time.time() + timeout * TSCALE
        self.mon.settimeout(1)
        while not data.endswith(b"(ppcemu) "):
            if time.time() > deadline:
                raise Fail("%s: monitor: no prompt; got %r" % (self.name, data))
            try:
                chunk = self.mon.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise Fail("%s: monitor closed; got %r" % (self.name, data))
            data += chunk
        return data[:-9].decode("latin-1")

    def mon_cmd(self, cmd, timeout=30):
        self.mon.sendall((cmd + "\n").encode())
        out = self.mon_read(timeout)
        # drop the echo of the command, if the monitor echoes
        return out

    def finish(self, timeout=60):
        """wait for ppcemu to end (after reboot -f under -no-reboot)"""
        deadline = time.time() + timeout * TSCALE
        while self.proc.poll() is None:
            if time.time() > deadline:
                raise Fail("%s: ppcemu did not exit" % self.name)
            self.pump(0.2)
        while self.pump(0):
            pass
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.mon:
            self.mon.close()
        self.log.close()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# The disk test

def disk_boot(ppcemu, work, name, drive, append="root=/dev/vda rw"):
    g = Guest(ppcemu, work, name, ["-nographic", "-drive", drive, ("append", append)])
    return g


def reboot(g):
    """sync, reset under -no-reboot: ppcemu must exit 0"""
    g.write("sync; reboot -f\n")
    st = g.finish()
    if st != 0:
        raise Fail("%s: ppcemu exited %d after reboot -f (want 0 under -no-reboot)" % (g.name, st))


def check_disk_root(g, mode):
    m = g.expect(r"ppcemu: root on (\S+) \((\S+), (\w+)\)|ppcemu: cannot mount[^\r\n]*|" + READY,
                 300, regex=True)
    want = "ppcemu: root on /dev/vda (ext2, %s)" % mode
    if m.group(0).decode() != want:
        raise Fail("%s: wanted %r, the guest said %r" % (g.name, want, m.group(0).decode()))
    g.boot()
    mounts = g.sh_ok("cat /proc/mounts")
    m = re.search(r"^(\S+) / (\S+) (\S+)", mounts, re.M)
    if not m or m.group(1) != "/dev/vda" or m.group(2) != "ext2" or not m.group(3).startswith(mode):
        raise Fail("%s: / is not /dev/vda ext2 %s: %r" % (g.name, mode, mounts))


def test_disk(ppcemu, work):
    img = os.path.join(work, "disk.img")
    shutil.copyfile(ROOTFS, img)
    token = "ppcemu-disk-%016x" % random.getrandbits(64)
    token2 = "ppcemu-overlay-%016x" % random.getrandbits(64)
    drive = "file=%s,format=raw,if=virtio" % img
    ok = True

    def run(step, fn):
        nonlocal ok
        try:
            fn()
            say("linux_disk: ok: %s" % step)
        except Fail as e:
            say("linux_disk: FAIL: %s: %s" % (step, e))
            ok = False

    guests = []

    def start(name, drv, append="root=/dev/vda rw"):
        g = disk_boot(ppcemu, work, name, drv, append)
        guests.append(g)
        return g

    # 1. boot from the disk, write a file
    def first():
        g = start("disk1", drive)
        check_disk_root(g, "rw")
        g.sh_ok("echo %s > /root/marker" % token)
        g.sh_ok("mkdir -p /root/d && echo one > /root/d/f && mv /root/d/f /root/d/g")
        reboot(g)
        with open(img, "rb") as f:
            if token.encode() not in f.read():
                raise Fail("the marker is not in the host's image file after sync + reset")
    run("boot from rootfs.img, write a file, reset; the host image holds it", first)

    # 2. a second boot of the same image finds it
    def second():
        g = start("disk2", drive)
        check_disk_root(g, "rw")
        out = g.sh_ok("cat /root/marker /root/d/g")
        if out.split() != [token, "one"]:
            raise Fail("after the reboot /root/marker, /root/d/g read %r" % out)
        reboot(g)
    run("second boot finds the file", second)

    # 3. snapshot=on: writes land in the overlay, the image stays as it was
    def third():
        before = sha256(img)
        g = start("disk3", drive + ",snapshot=on")
        check_disk_root(g, "rw")
        g.sh_ok("echo %s > /root/marker2 && rm /root/marker && sync" % token2)
        # read it back from the disk (the overlay), not the page cache;
        # the kernel logs the drop on the console, hence its own command
        g.sh_ok("echo 3 > /proc/sys/vm/drop_caches")
        out = g.sh_ok("cat /root/marker2")
        if out.strip() != token2:
            raise Fail("with snapshot=on the guest reads back %r" % out)
        reboot(g)
        if sha256(img) != before:
            raise Fail("the host image changed under snapshot=on")
        with open(img, "rb") as f:
            if token2.encode() in f.read():
                raise Fail("the snapshot=on write reached the host image")
    run("snapshot=on: the guest sees its writes, the host image is unchanged", third)

    # 4. the next boot does not find the overlay's file, finds the old one
    def fourth():
        g = start("disk4", drive)
        check_disk_root(g, "rw")
        st, out = g.sh("cat /root/marker2")
        if st == 0:
            raise Fail("/root/marker2 written under snapshot=on survived: %r" % out)
        out = g.sh_ok("cat /root/marker")
        if out.strip() != token:
            raise Fail("/root/marker (removed under snapshot=on) reads %r" % out)
        reboot(g)
    run("after snapshot=on the file is gone and the removed one is back", fourth)

    # 5. readonly=on: the root comes up read-only and writes fail
    def fifth():
        before = sha256(img)
        g = start("disk5", drive + ",readonly=on", "root=/dev/vda ro")
        check_disk_root(g, "ro")
        st, out = g.sh("echo x > /root/ro-test")
        if st == 0:
            raise Fail("a write to a readonly=on root succeeded")
        st, out = g.sh("dd if=/dev/zero of=/dev/vda bs=512 count=1 2>&1")
        if st == 0:
            raise Fail("a raw write to a readonly=on disk succeeded: %r" % out)
        reboot(g)
        if sha256(img) != before:
            raise Fail("the host image changed under readonly=on")
    run("readonly=on: the guest cannot write, the image is unchanged", fifth)

    for g in guests:
        g.kill()
    return ok


# ---------------------------------------------------------------------------
# Images: PPM (screendump), XWD (xwd), PNG (written for docs/)

def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    # P6, whitespace-separated width height maxval, one whitespace, pixels
    m = re.match(rb"P6\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        raise Fail("%s is not a binary PPM" % path)
    w, h, maxval = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if maxval != 255:
        raise Fail("%s: maxval %d" % (path, maxval))
    pix = data[m.end():m.end() + w * h * 3]
    if len(pix) != w * h * 3:
        raise Fail("%s: short pixel data" % path)
    return w, h, pix


def read_xwd(path):
    """XWD version 7 (X11 XWDFileHeader, xwd.h): a ZPixmap of 24 or 32 bits
    per pixel with its channel masks; returns (w, h, RGB bytes)"""
    with open(path, "rb") as f:
        data = f.read()
    hdr = struct.unpack(">25I", data[:100])
    (header_size, version, fmt, depth, w, h, _xoff, byte_order, _unit, _bit_order,
     _pad, bpp, bpl, visual_class, red_mask, green_mask, blue_mask, _bits_rgb,
     _cmap_entries, ncolors, _ww, _wh, _wx, _wy, _bw) = hdr
    if version != 7 or fmt != 2 or bpp not in (24, 32):
        raise Fail("%s: unsupported XWD (version %d format %d bpp %d)" % (path, version, fmt, bpp))
    off = header_size + ncolors * 12
    little = byte_order == 0
    out = bytearray(w * h * 3)

    def shift_of(mask):
        s = 0
        while mask and not mask & 1:
            mask >>= 1
            s += 1
        return s
    rs, gs, bs = shift_of(red_mask), shift_of(green_mask), shift_of(blue_mask)
    step = bpp // 8
    for y in range(h):
        row = data[off + y * bpl: off + y * bpl + w * step]
        if step == 4:
            vals = struct.unpack(("<" if little else ">") + "%dI" % w, row)
        else:
            vals = [int.from_bytes(row[i:i + 3], "little" if little else "big") for i in range(0, len(row), 3)]
        o = y * w * 3
        for x, v in enumerate(vals):
            out[o] = (v & red_mask) >> rs
            out[o + 1] = (v & green_mask) >> gs
            out[o + 2] = (v & blue_mask) >> bs
            o += 3
    return w, h, bytes(out)


def write_png(path, w, h, rgb):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


# ---------------------------------------------------------------------------
# The window test

def xdo(*args):
    return subprocess.run(["xdotool"] + list(args), check=True, capture_output=True,
                          text=True, timeout=30 * TSCALE).stdout


def find_window(pid, timeout=60):
    deadline = time.time() + timeout * TSCALE
    while time.time() < deadline:
        r = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                           capture_output=True, text=True)
        ids = r.stdout.split()
        if ids:
            return ids[0]
        time.sleep(0.3)
    raise Fail("no visible window of ppcemu (pid %d) on %s" % (pid, os.environ.get("DISPLAY")))


def tty1_text(g):
    """the text of tty1 from the serial shell: (rows, cols, cursor x, y, lines)"""
    hdr = g.sh_ok("od -An -tu1 -N4 /dev/vcsa1").split()
    rows, cols, cx, cy = (int(v) for v in hdr)
    out = g.sh_ok("fold -w %d /dev/vcs1 | sed 's/^/|/'" % cols)
    lines = [l[1:] for l in out.split("\n") if l.startswith("|")]
    if len(lines) != rows:
        raise Fail("tty1: %d rows of text, vcsa1 says %d" % (len(lines), rows))
    return rows, cols, cx, cy, lines


def wait_tty1(g, pattern, timeout):
    """wait until the text of tty1 (/dev/vcs1, the rows run together)
    matches the regular expression pattern"""
    deadline = time.time() + timeout * TSCALE
    while True:
        st, out = g.sh("cat /dev/vcs1")
        if st == 0 and re.search(pattern, out):
            return
        if time.time() > deadline:
            raise Fail("tty1 never showed %r; it shows %r" % (pattern, " ".join(out.split())[:300]))
        time.sleep(1)


def test_display(ppcemu, work):
    g = Guest(ppcemu, work, "display", ["-display", "sdl"])
    ok = True
    try:
        g.boot()
        say("display: ok: booted with -display sdl")
        win = find_window(g.proc.pid)
        title = xdo("getwindowname", win).strip()
        if not title.startswith("ppcemu"):
            raise Fail("window title %r" % title)
        wait_tty1(g, r"ppcemu login: ", 120)
        say("display: ok: the login prompt is on tty1 (%s)" % title)
        rows, cols, cx, cy, lines = tty1_text(g)

        # Stopped, nothing changes: the window must come to show exactly
        # what screendump writes (the refresh runs on the host clock).
        g.mon_cmd("stop")
        dump = os.path.join(work, "screendump.ppm")
        out = g.mon_cmd("screendump %s" % dump)
        if not os.path.exists(dump):
            raise Fail("screendump wrote nothing: %r" % out)
        w, h, pix = read_ppm(dump)
        shot = os.path.join(work, "window.xwd")
        deadline = time.time() + 20 * TSCALE
        while True:
            with open(shot, "wb") as f:
                subprocess.run(["xwd", "-silent", "-id", win], stdout=f, check=True, timeout=30)
            ww, wh, wpix = read_xwd(shot)
            if (ww, wh) != (w, h):
                raise Fail("the window is %dx%d, screendump %dx%d" % (ww, wh, w, h))
            if wpix == pix:
                break
            if time.time() > deadline:
                diff = sum(1 for i in range(0, len(pix), 3) if pix[i:i + 3] != wpix[i:i + 3])
                raise Fail("the window differs from screendump in %d of %d pixels" % (diff, w * h))
            time.sleep(0.5)
        write_png(os.path.join(work, "window.png"), ww, wh, wpix)
        say("display: ok: the window (xwd) equals screendump, %dx%d" % (w, h))

        # fbcon drew tty1's text: a row of cells with characters has lit
        # pixels, an empty row (not the cursor's, which blinks) has none.
        fh = h // rows
        fw = w // cols
        if fh * rows > h or fw * cols > w or fh < 8:
            raise Fail("tty1 is %dx%d cells on a %dx%d screen" % (cols, rows, w, h))
        for r in range(rows):
            lit = any(pix[(y * w) * 3:(y * w + fw * cols) * 3].strip(b"\0") for y in range(r * fh, (r + 1) * fh))
            has_text = lines[r].strip() != ""
            if has_text and not lit:
                raise Fail("tty1 row %d holds %r but is black on the screen" % (r, lines[r].strip()))
            if not has_text and lit and r != cy:
                raise Fail("tty1 row %d is empty but lit on the screen" % r)
        say("display: ok: the screen's lit rows are tty1's rows of text (%dx%d cells of %dx%d)"
            % (cols, rows, fw, fh))
        g.mon_cmd("cont")

        # Keys typed into the window reach the login and the shell on tty1.
        xdo("mousemove", "--window", win, "5", "5")
        xdo("windowfocus", "--sync", win)
        xdo("type", "--delay", "40", "root")
        xdo("key", "Return")
        wait_tty1(g, r"ppcemu login: root +ppcemu:/root# ", 60)
        say("display: ok: logged in on tty1 with keys typed into the window")
        xdo("type", "--delay", "40", "echo TYPED-$((6*7)) > /tmp/typed; echo Mark-$((7*8)) > /dev/ttyS0")
        xdo("key", "Return")
        g.expect("Mark-56", 60)
        out = g.sh_ok("cat /tmp/typed")
        if out.strip() != "TYPED-42":
            raise Fail("/tmp/typed holds %r" % out)
        say("display: ok: a command typed into the window ran (shift, digits, symbols)")
    except Fail as e:
        say("display: FAIL: %s" % e)
        ok = False
    finally:
        g.kill()
    return ok


# ---------------------------------------------------------------------------
# Figures (not a test)

def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(g, seconds):
    c0, t0 = cpu_seconds(g.proc.pid), time.time()
    end = t0 + seconds
    while time.time() < end:
        g.pump(0.5)
    return 100.0 * (cpu_seconds(g.proc.pid) - c0) / (time.time() - t0)


def bench(ppcemu, work):
    scratch = os.path.join(work, "scratch.img")
    with open(scratch, "wb") as f:
        f.truncate(80 << 20)
    g = Guest(ppcemu, work, "bench-dd", ["-nographic", "-drive",
              "file=%s,format=raw,if=virtio" % scratch])
    g.boot()
    # the page cache is dropped before each run (its own command: the
    # kernel logs the drop on the console)
    for rep in range(3):
        for what, cmd in (("write", "dd if=/dev/zero of=/dev/vda bs=1M count=64 conv=fsync"),
                          ("read", "dd if=/dev/vda of=/dev/null bs=1M count=64")):
            g.sh_ok("echo 3 > /proc/sys/vm/drop_caches")
            out = g.sh_ok(cmd + " 2>&1", 600)
            m = re.search(r"copied, ([0-9.]+) seconds, ([0-9.]+MB/s)", out)
            say("dd %s 64 MiB (bs=1M), run %d: %s" % (what, rep + 1,
                "%s s, %s" % m.groups() if m else " ".join(out.split())))
    g.write("reboot -f\n")
    g.finish()
    g.kill()
    modes = [["-display", "none"]]
    if os.environ.get("DISPLAY"):
        modes.append(["-display", "sdl"])
    else:
        say("no DISPLAY: the window's cost is not measured (run under Xvfb)")
    for mode in modes:
        g = Guest(ppcemu, work, "bench-idle", mode)
        g.boot()
        time.sleep(5)
        say("idle console %s: ppcemu host CPU %.1f%% over 20 s" % (" ".join(mode), idle_cpu(g, 20)))
        g.kill()
    return True


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("disk", "display", "bench"):
        print(__doc__, file=sys.stderr)
        return 2
    what, ppcemu, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    fn = {"disk": test_disk, "display": test_display, "bench": bench}[what]
    try:
        return 0 if fn(ppcemu, work) else 1
    except Fail as e:
        say("%s: FAIL: %s" % (what, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
