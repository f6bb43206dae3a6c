#!/usr/bin/env python3
"""The GDB stub's remote protocol, byte by byte (GDB manual, "Remote
Protocol"): acks and a bad checksum, qSupported, the target description,
registers (g, p, P), memory (M, X with escapes, m), no-ack mode, a step,
a continue stopped by Ctrl-C (0x03), detach.  The target is a paused
ppcemu (-S) at the reset vector 0xfff00100.
Usage: gdbproto.py tcp HOST:PORT | unix PATH
       gdbproto.py flood HOST:PORT QMP_PATH   (see flood())"""
import json
import socket
import sys


class Stub:
    def __init__(self, kind, where):
        if kind == "tcp":
            host, port = where.rsplit(":", 1)
            self.s = socket.create_connection((host, int(port)), timeout=20)
        else:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.settimeout(20)
            self.s.connect(where)
        self.buf = b""
        self.acks = True

    def byte(self):
        while not self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError("stub closed the connection")
            self.buf += d
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, payload, csum=None):
        if isinstance(payload, str):
            payload = payload.encode("latin-1")
        cs = sum(payload) & 0xFF if csum is None else csum
        self.send_raw(b"$" + payload + b"#%02x" % cs)

    def ack(self):
        b = self.byte()
        return b

    def reply(self):
        """the next packet, checksum verified"""
        while self.byte() != b"$":
            pass
        data = b""
        while True:
            b = self.byte()
            if b == b"#":
                break
            data += b
        cs = int(self.byte() + self.byte(), 16)
        assert cs == sum(data) & 0xFF, "bad checksum from the stub"
        if self.acks:
            self.send_raw(b"+")
        return data.decode("latin-1")

    def cmd(self, payload):
        self.send(payload)
        if self.acks:
            a = self.ack()
            assert a == b"+", "no ack for %r: %r" % (payload, a)
        return self.reply()


def main():
    st = Stub(sys.argv[1], sys.argv[2])
    n = 0

    def check(cond, what):
        nonlocal n
        if not cond:
            print("FAIL", what)
            sys.exit(1)
        n += 1

    st.send("?", csum=0)  # wrong checksum
    check(st.ack() == b"-", "a bad checksum is answered with -")
    r = st.cmd("?")
    check(r.startswith("T05"), "? after attach: T05 (%s)" % r)
    r = st.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
    check("qXfer:features:read+" in r and "QStartNoAckMode+" in r, "qSupported: %s" % r)
    xml = ""
    while True:
        r = st.cmd("qXfer:features:read:target.xml:%x,200" % len(xml))
        check(r[:1] in ("m", "l"), "qXfer reply kind")
        xml += r[1:]
        if r[0] == "l":
            break
    for s in ("org.gnu.gdb.power.core", "org.gnu.gdb.power.fpu", 'name="sdr1"',
              'name="sr15"', 'name="dbat3l"', 'name="hid0"', 'name="tb" bitsize="64"',
              'name="pc" bitsize="32" type="code_ptr" regnum="64"',
              'name="fpscr" bitsize="32" type="uint32" regnum="70"'):
        check(s in xml, "target description has %s" % s)
    g = st.cmd("g")
    # r0-r31 (8 hex digits each), f0-f31 (16), then pc
    check(g[32 * 8 + 32 * 16:][:8] == "fff00100", "g: pc at the reset vector")
    check(st.cmd("p40") == "fff00100", "p: pc (regnum 64)")
    check(st.cmd("P5=deadbeef") == "OK", "P r5")
    check(st.cmd("p5") == "deadbeef", "p r5 reads back")
    check(st.cmd("p1ff").startswith("E"), "p of a register that does not exist: error")
    check(st.cmd("M100,4:01020304") == "OK", "M into RAM")
    check(st.cmd("m100,4") == "01020304", "m reads it back")
    # X with binary data: 0x7d 0x23 0x24 0x2a are escaped
    st.send(b"X104,4:" + b"}\x5d}\x03}\x04}\x0a")
    check(st.ack() == b"+" and st.reply() == "OK", "X with escaped bytes")
    check(st.cmd("m104,4") == "7d23242a", "m reads the X bytes")
    check(st.cmd("mf0000000,4").startswith("E"), "m of an unmapped address: error")
    check(st.cmd("QStartNoAckMode") == "OK", "QStartNoAckMode")
    st.acks = False
    check(st.cmd("vCont?").startswith("vCont;c;C;s;S"), "vCont?")
    r = st.cmd("vCont;s:1")
    check(r.startswith("T05"), "step reply: %s" % r)
    pc = st.cmd("p40")
    check(pc != "fff00100", "step moved the pc (%s)" % pc)
    # a guest that spins (b . at 0x100, translation off at reset)
    check(st.cmd("M100,4:48000000") == "OK", "M: b .")
    check(st.cmd("P40=00000100") == "OK", "P pc")
    st.send("c")
    st.send_raw(b"\x03")
    r = st.reply()
    check(r.startswith("T02"), "Ctrl-C while running: T02 (%s)" % r)
    check(st.cmd("p40") == "00000100", "stopped in the loop")
    check(st.cmd("Z0,100,4") == "OK", "Z0 in the loop")
    r = st.cmd("c")
    check(r.startswith("T05") and "swbreak" in r, "continue from a breakpoint stops at it again: %s" % r)
    check(st.cmd("z0,100,4") == "OK", "z0")
    check(st.cmd("Z2,200,4") == "OK", "Z2")
    check(st.cmd("M104,8:906002004bfffffc") == "OK", "M: stw r3,0x200(0); b .-4")
    check(st.cmd("P40=00000104") == "OK", "P pc")
    check(st.cmd("M200,4:11111111") == "OK" and st.cmd("P3=cafef00d") == "OK", "M, P r3")
    r = st.cmd("c")
    check(r.startswith("T05") and "watch:00000200" in r, "write watchpoint: %s" % r)
    # before the access, as DABR and gdb's PowerPC target have it
    check(st.cmd("p40") == "00000104", "stopped at the store")
    v = st.cmd("m200,4")
    check(v == "11111111", "the store has not happened yet (%s)" % v)
    r = st.cmd("c")
    check(r.startswith("T05") and "watch:00000200" in r, "continue: the store runs, the next one stops: %s" % r)
    check(st.cmd("p40") == "00000104" and st.cmd("m200,4") == "cafef00d", "the first store done")
    check(st.cmd("z2,200,4") == "OK", "z2")
    check(st.cmd("z0,fff00100,4").startswith("E"), "z0 of a breakpoint that is not there")
    check(st.cmd("D") == "OK", "detach")
    print("%d protocol checks passed" % n)


def qmp_status(path):
    """query-status over QMP (no id: one reply a line)"""
    q = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    q.settimeout(20)
    q.connect(path)
    f = q.makefile("rwb")
    json.loads(f.readline())  # greeting
    for cmd in ("qmp_capabilities", "query-status"):
        f.write(json.dumps({"execute": cmd}).encode() + b"\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "event" not in r:
                break
    q.close()
    return r["return"]


def flood(where, qmp_path):
    """A debugger that stops reading: thousands of 8 KiB memory reads are
    sent and no reply is read.  The stub must keep serving the machine
    (QMP answers, the guest runs) and drop the connection once its
    bounded buffer is full; a stub that blocks on the socket stalls the
    whole machine and QMP never answers (the socket timeout fails it)."""
    host, port = where.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect((host, int(port)))
    st = Stub.__new__(Stub)
    st.s, st.buf, st.acks = s, b"", True
    n = 0

    def check(cond, what):
        nonlocal n
        if not cond:
            print("FAIL", what)
            sys.exit(1)
        n += 1

    check(st.cmd("QStartNoAckMode") == "OK", "QStartNoAckMode")
    st.acks = False
    # a guest that spins (b . at 0x100), so it is still there afterwards
    check(st.cmd("M100,4:48000000") == "OK" and st.cmd("P40=00000100") == "OK", "b . at 0x100")
    check(qmp_status(qmp_path)["running"] is False, "paused while gdb is attached")
    req = b"m100,2000"
    pkt = b"$" + req + b"#%02x" % (sum(req) & 0xFF)
    try:
        s.sendall(pkt * 4000)  # 4000 replies of 16 KiB, none read
    except (BrokenPipeError, ConnectionResetError):
        pass  # dropped while we were still sending: what we expect
    r = qmp_status(qmp_path)
    check(r["running"] is True, "the machine answers and runs on after the flood: %r" % r)
    got = 0
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += len(d)
    except ConnectionResetError:
        pass
    check(got < 4000 * 16384, "the stub dropped the connection (%d bytes came)" % got)
    print("%d flood checks passed" % n)


if sys.argv[1] == "flood":
    flood(sys.argv[2], sys.argv[3])
else:
    main()
