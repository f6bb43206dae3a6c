#!/usr/bin/env python3
"""The live migration protocol treated as hostile (issue 10.4): random
mutations of a recorded good stream (bytes flipped, records cut short,
junk inserted, lengths and page numbers overwritten, the stream truncated)
are fed to `ppcemu -incoming unix:` one connection each.  Every case must
end with the destination either loaded (`info migrate` says completed:
a mutation inside page data is a valid stream) or exited with status 1
and exactly one line on stderr.  A crash (another status, a signal, an
ASan report) or a hang (neither within the timeout) fails.
Usage: fuzz_live.py PPCEMU GUEST_ELF STREAM CASES SEED WORKDIR"""
import os
import random
import socket
import subprocess
import sys
import time

HELLO = 76  # migration/migrate.h: the hello's size


def mutate(rng, good):
    s = bytearray(good)
    kind = rng.randrange(6)
    if kind == 0:  # flip some bytes anywhere
        for _ in range(rng.randint(1, 8)):
            s[rng.randrange(len(s))] ^= 1 << rng.randrange(8)
    elif kind == 1:  # flip bytes in the hello or the first records
        for _ in range(rng.randint(1, 4)):
            s[rng.randrange(min(len(s), HELLO + 64))] = rng.randrange(256)
    elif kind == 2:  # truncate
        s = s[:rng.randrange(len(s))]
    elif kind == 3:  # insert junk
        at = rng.randrange(len(s))
        s[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == 4:  # the device record's length or type (near the end)
        tail = max(HELLO, len(s) - 4096)
        at = rng.randrange(tail, len(s))
        s[at] = rng.choice([0, 1, 2, 3, 0x7f, 0xff])
    else:  # a 32-bit field past the hello made huge
        at = rng.randrange(HELLO, len(s) - 4)
        s[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x01\x00\x00"])
    return bytes(s), kind


def monitor(path, cmd):
    """what the monitor answered; "" when the process went away meanwhile"""
    try:
        return monitor_(path, cmd)
    except OSError:
        return ""


def monitor_(path, cmd):
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(10)
    c.connect(path)
    buf = b""
    while not buf.endswith(b"(ppcemu) "):
        buf += c.recv(4096)
    c.sendall(cmd.encode() + b"\n")
    out = b""
    try:
        while not out.endswith(b"(ppcemu) "):
            d = c.recv(4096)
            if not d:
                break
            out += d
    except OSError:
        pass
    c.close()
    return out.decode(errors="replace")


def one(emu, elf, data, work, n, timeout):
    sk, mon, err = (os.path.join(work, f) for f in ("f.sock", "f.mon", "f.err"))
    for p in (sk, mon):
        if os.path.exists(p):
            os.unlink(p)
    with open(err, "wb") as ef:
        p = subprocess.Popen([emu, "-m", "16", "-kernel", elf, "-S", "-display", "none",
                              "-serial", "null", "-monitor", "unix:%s,server,nowait" % mon,
                              "-incoming", "unix:" + sk], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=ef)
    try:
        t0 = time.time()
        while not os.path.exists(sk) and p.poll() is None and time.time() - t0 < timeout:
            time.sleep(0.01)
        c = socket.socket(socket.AF_UNIX)
        c.settimeout(timeout)
        while True:  # the file exists between bind and listen
            try:
                c.connect(sk)
                break
            except (ConnectionRefusedError, FileNotFoundError):
                if p.poll() is not None or time.time() - t0 > timeout:
                    raise
                time.sleep(0.01)
        try:
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
            while c.recv(4096):  # replies until the destination closes
                pass
        except OSError:
            pass  # the destination refused and closed early
        c.close()
        t0 = time.time()
        while time.time() - t0 < timeout:
            if p.poll() is not None:
                break
            st = monitor(mon, "info migrate") if os.path.exists(mon) else ""
            if "completed" in st:
                monitor(mon, "quit")
                p.wait(timeout)
                return "loaded", None
            time.sleep(0.05)
        if p.poll() is None:
            return "hang", "no exit, no completion in %d s" % timeout
        lines = open(err, errors="replace").read().splitlines()
        if p.returncode == 1 and len(lines) == 1:
            return "refused", lines[0]
        return "bad", "exit %d, stderr: %s" % (p.returncode, " | ".join(lines[:6]))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    emu, elf, stream, cases, seed, work = sys.argv[1:7]
    good = open(stream, "rb").read()
    rng = random.Random(int(seed))
    counts, bad = {}, 0
    for n in range(int(cases)):
        data, kind = mutate(rng, good)
        res, why = one(emu, elf, data, work, n, 20)
        counts[res] = counts.get(res, 0) + 1
        if res in ("hang", "bad"):
            bad += 1
            open(os.path.join(work, "fuzz-%d.bin" % n), "wb").write(data)
            print("    case %d (mutation %d): %s: %s" % (n, kind, res, why))
    print("    %s cases (seed %s): %s" % (cases, seed, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    sys.exit(1 if bad else 0)


main()
