#!/usr/bin/env python3
"""The GDB stub's remote protocol, byte by byte (GDB manual, "Remote
Protocol"): acks and a bad checksum, qSupported, the target description,
registers (g, p, P), memory (M, X with escapes, m), no-ack mode, a step,
a continue stopped by Ctrl-C (0x03), watchpoints on lmw/stmw/lswi/stswi/
dcbz (multi_access_watch), breakpoints and steps on instructions fetched
from outside RAM/ROM (uncached_fetch), detach.  The target is a paused
ppcemu (-S) at the reset vector 0xfff00100.
Usage: gdbproto.py tcp HOST:PORT | unix PATH
       gdbproto.py flood HOST:PORT QMP_PATH   (see flood())"""
import json
import re
import socket
import sys

passed = 0  # checks passed so far in this run


def check(cond, what):
    """One check: the run stops at the first that fails."""
    global passed
    if not cond:
        print("FAIL", what)
        sys.exit(1)
    passed += 1


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


def regnum(xml, name):
    m = re.search(r'name="%s" [^>]*regnum="(\d+)"' % name, xml)
    return int(m.group(1))


def multi_access_watch(st, xml):
    """Watchpoints on the instructions that make several accesses: lmw,
    stmw, lswi, stswi and dcbz (a store of the whole 32-byte block).  The
    stop comes before the instruction changes anything, and the reported
    address is the first watched byte (gdb matches it against the
    watchpoint's range).  Translation is off; 0x200.. is the data."""
    def run1(insn):
        """insn at 0x100, b . after it; continue from 0x100"""
        check(st.cmd("M100,8:%08x48000000" % insn) == "OK" and st.cmd("P40=00000100") == "OK",
              "M/P for %08x" % insn)
        return st.cmd("c")

    fill = "aa" * 32
    for r, v in ((3, 0x200), (28, 0x11111111), (29, 0x22222222), (30, 0x33333333), (31, 0x44444444)):
        check(st.cmd("P%x=%08x" % (r, v)) == "OK", "P r%d" % r)
    # stmw r28,0x200(0): 16 bytes; the watch covers the middle of r30's word
    check(st.cmd("M200,20:" + fill) == "OK", "fill")
    check(st.cmd("Z2,20a,2") == "OK", "Z2 0x20a")
    r = run1(0xBF800200)
    check(r.startswith("T05") and "watch:0000020a" in r, "stmw: write watch at 0x20a: %s" % r)
    check(st.cmd("p40") == "00000100", "stmw: stopped at the instruction")
    m = st.cmd("m200,10")
    check(m == "aa" * 16, "stmw: nothing stored before the stop (%s)" % m)
    r = st.cmd("vCont;s:1")
    m = st.cmd("m200,10")
    check(r.startswith("T05") and m == "11111111222222223333333344444444",
          "stmw: a step over it stores all four words (%s, %s)" % (r, m))
    check(st.cmd("z2,20a,2") == "OK", "z2 0x20a")
    # lmw r28,0x200(0): a read watch on its last word; no register changes
    check(st.cmd("M200,10:" + "55" * 16) == "OK", "M 0x200")
    check(st.cmd("Z3,20c,4") == "OK", "Z3 0x20c")
    r = run1(0xBB800200)
    check(r.startswith("T05") and "rwatch:0000020c" in r, "lmw: read watch at 0x20c: %s" % r)
    check(st.cmd("p1c") == "11111111", "lmw: r28 untouched at the stop")
    check(st.cmd("z3,20c,4") == "OK", "z3")
    # stswi r28,r3,7: bytes 0x200..0x206; the watch on the last one
    check(st.cmd("M200,20:" + fill) == "OK", "fill")
    check(st.cmd("Z2,206,1") == "OK", "Z2 0x206")
    r = run1(0x7F833DAA)
    check(r.startswith("T05") and "watch:00000206" in r, "stswi: write watch at 0x206: %s" % r)
    m = st.cmd("m200,8")
    check(m == "aa" * 8, "stswi: nothing stored before the stop (%s)" % m)
    check(st.cmd("z2,206,1") == "OK", "z2")
    # lswi r28,r3,7 with an access watch on byte 3
    check(st.cmd("Z4,203,1") == "OK", "Z4 0x203")
    r = run1(0x7F833CAA)
    check(r.startswith("T05") and "awatch:00000203" in r, "lswi: access watch at 0x203: %s" % r)
    check(st.cmd("z4,203,1") == "OK", "z4")
    # dcbz 0,r3 with r3 = 0x210: the whole block 0x200..0x21f (data cache on)
    hid0 = regnum(xml, "hid0")
    check(st.cmd("P%x=00004000" % hid0) == "OK", "HID0[DCE]")
    check(st.cmd("P3=00000210") == "OK", "P r3")
    check(st.cmd("M200,20:" + fill) == "OK", "fill")
    check(st.cmd("Z2,218,4") == "OK", "Z2 0x218")
    r = run1(0x7C001FEC)
    check(r.startswith("T05") and "watch:00000218" in r, "dcbz: write watch in its block: %s" % r)
    m = st.cmd("m200,20")
    check(m == fill, "dcbz: the block untouched at the stop (%s)" % m)
    r = st.cmd("vCont;s:1")
    check(st.cmd("m200,20") == "00" * 32, "dcbz: a step over it zeroes the block")
    check(st.cmd("z2,218,4") == "OK", "z2")
    # a watch just outside the block: dcbz runs through
    check(st.cmd("Z2,220,4") == "OK", "Z2 0x220")
    check(st.cmd("M100,c:7c001fec4800000448000000") == "OK" and st.cmd("P40=00000100") == "OK"
          and st.cmd("Z0,108,4") == "OK", "dcbz; b .+4; b .")
    r = st.cmd("c")
    check(r.startswith("T05") and "swbreak" in r and st.cmd("p40") == "00000108",
          "dcbz next to a watch: no stop (%s)" % r)
    check(st.cmd("z2,220,4") == "OK" and st.cmd("z0,108,4") == "OK", "z2, z0")


def uncached_fetch(st):
    """Instructions fetched from outside RAM and ROM (0x90000000 is
    unmapped: the program check there vectors to 0x700) are executed one
    at a time, uncached: breakpoints and single steps must see them too.
    Every vector the fetch could go to holds nop; b .-4 with a breakpoint,
    so a stub that misses the breakpoint stops there instead of hanging."""
    check(st.cmd("P41=00000000") == "OK", "MSR = 0 (vectors at 0x000nn00)")
    vectors = (0x200, 0x300, 0x400, 0x600, 0x700, 0x800)
    for v in vectors:
        check(st.cmd("M%x,8:600000004bfffffc" % v) == "OK", "vector 0x%x" % v)
        check(st.cmd("Z0,%x,4" % (v + 4)) == "OK", "Z0 0x%x" % (v + 4))
    check(st.cmd("Z0,90000000,4") == "OK", "Z0 0x90000000")
    check(st.cmd("P40=90000000") == "OK", "pc = 0x90000000")
    r = st.cmd("c")
    pc = st.cmd("p40")
    check(r.startswith("T05") and pc == "90000000",
          "breakpoint on an uncached fetch: stopped at %s (%s)" % (pc, r))
    check(st.cmd("z0,90000000,4") == "OK", "z0 0x90000000")
    r = st.cmd("vCont;s:1")
    pc = int(st.cmd("p40"), 16)
    check(r.startswith("T05") and pc in vectors,
          "a step from an uncached fetch stops after that one instruction (pc %x)" % pc)
    for v in vectors:
        check(st.cmd("z0,%x,4" % (v + 4)) == "OK", "z0 0x%x" % (v + 4))


def main():
    st = Stub(sys.argv[1], sys.argv[2])
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
    multi_access_watch(st, xml)
    uncached_fetch(st)
    check(st.cmd("D") == "OK", "detach")
    print("%d protocol checks passed" % passed)


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
    print("%d flood checks passed" % passed)


if sys.argv[1] == "flood":
    flood(sys.argv[2], sys.argv[3])
else:
    main()
