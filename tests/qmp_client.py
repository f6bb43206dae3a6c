#!/usr/bin/env python3
"""A QMP client (standard library only) that follows QEMU's protocol
manual (qmp-spec): greeting, capabilities negotiation, execute with
arguments and id, return/error, asynchronous events.  It drives a paused
ppcemu (-S) through two -qmp sockets at once: stop/cont and their events,
a snapshot round trip, reset, the bad-input cases, quit.
With `input`: input-send-event against tests/guest/qmp_input.elf, whose
serial output (a file) shows the events as the guest's driver gets them,
and against a machine without the virtio keyboard and tablet.
Usage: qmp_client.py UNIX_PATH HOST:PORT
       qmp_client.py input UNIX_PATH SERIAL_FILE NOFB_UNIX_PATH"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, sock):
        sock.settimeout(30)
        self.f = sock.makefile("rwb")
        self.events = []
        self.greeting = self.read()

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def send_raw(self, data):
        self.f.write(data)
        self.f.flush()

    def reply(self):
        """the next return or error; events seen meanwhile are kept"""
        while True:
            m = self.read()
            if "event" in m:
                self.events.append(m)
            else:
                return m

    def cmd(self, name, args=None, id=None):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        if id is not None:
            req["id"] = id
        self.send_raw(json.dumps(req).encode() + b"\n")
        return self.reply()

    def ok(self, name, args=None):
        r = self.cmd(name, args)
        if "return" not in r:
            fail("%s: %r" % (name, r))
        return r["return"]

    def wait_event(self, name):
        for i, e in enumerate(self.events):
            if e["event"] == name:
                return self.events.pop(i)
        while True:
            m = self.read()
            if "event" in m and m["event"] == name:
                return m
            if "event" in m:
                self.events.append(m)


checks = 0


def fail(what):
    print("FAIL", what)
    sys.exit(1)


def check(cond, what):
    global checks
    if not cond:
        fail(what)
    checks += 1


def error_class(r):
    return r.get("error", {}).get("class")


def icount(q):
    out = q.ok("human-monitor-command", {"command-line": "info registers"})
    for line in out.splitlines():
        if line.startswith("icount "):
            return int(line.split()[1])
    fail("no icount in info registers: %r" % out)


def main():
    us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    us.connect(sys.argv[1])
    host, port = sys.argv[2].rsplit(":", 1)
    a = Qmp(us)
    b = Qmp(socket.create_connection((host, int(port))))

    # greeting (qmp-spec 2.2)
    g = a.greeting.get("QMP")
    check(g is not None and isinstance(g["version"]["qemu"]["major"], int)
          and isinstance(g["version"]["package"], str) and g["capabilities"] == [],
          "greeting: %r" % a.greeting)
    # capabilities negotiation mode (qmp-spec 4)
    r = a.cmd("query-status", id="early")
    check(error_class(r) == "CommandNotFound" and r.get("id") == "early",
          "a command before qmp_capabilities: %r" % r)
    r = a.cmd("qmp_capabilities", id=1)
    check(r == {"return": {}, "id": 1}, "qmp_capabilities: %r" % r)
    r = a.cmd("qmp_capabilities")
    check(error_class(r) == "CommandNotFound", "qmp_capabilities twice: %r" % r)
    check("return" in b.cmd("qmp_capabilities", {"enable": []}), "second socket negotiates")

    # queries
    v = a.ok("query-version")
    check(v["qemu"] == g["version"]["qemu"], "query-version matches the greeting")
    names = {c["name"] for c in a.ok("query-commands")}
    for n in ("query-version", "query-commands", "query-status", "stop", "cont",
              "system_reset", "quit", "human-monitor-command", "snapshot-save",
              "snapshot-load", "snapshot-delete", "query-tb", "qmp_capabilities",
              "query-jobs", "job-dismiss", "input-send-event"):
        check(n in names, "query-commands lists %s" % n)
    check(a.ok("query-status") == {"running": False, "status": "paused"}, "paused by -S")
    tb = a.ok("query-tb")
    check(tb["frequency"] == 33333333 and tb["clock-policy"] == "host"
          and isinstance(tb["tb"], int) and isinstance(tb["dec"], int)
          and isinstance(tb["realtime-offset-ticks"], int), "query-tb: %r" % tb)

    # stop/cont and their events, on both sockets
    r = a.cmd("cont", id="c1")
    check(r == {"return": {}, "id": "c1"}, "cont: %r" % r)
    for q in (a, b):
        e = q.wait_event("RESUME")
        ts = e["timestamp"]
        check(abs(ts["seconds"] + ts["microseconds"] / 1e6 - time.time()) < 60
              and 0 <= ts["microseconds"] < 1000000, "RESUME timestamp: %r" % e)
    check(a.ok("query-status")["status"] == "running", "running after cont")
    time.sleep(0.2)
    a.ok("stop")
    for q in (a, b):
        q.wait_event("STOP")
    check(b.ok("query-status")["running"] is False, "paused after stop")

    # snapshot round trip: save, run on, load, the count is back
    job = {"job-id": "s1", "tag": "qmp-test", "vmstate": "disk0", "devices": []}
    n0 = icount(a)
    a.ok("snapshot-save", job)
    st = [e["data"]["status"] for e in a.events if e["event"] == "JOB_STATUS_CHANGE"]
    check("concluded" in st and st[0] == "created", "job events: %r" % st)
    a.events.clear()
    a.ok("cont")
    time.sleep(0.2)
    a.ok("stop")
    n1 = icount(a)
    check(n1 > n0, "the guest ran on after the save (%d -> %d)" % (n0, n1))
    a.ok("snapshot-load", dict(job, **{"job-id": "l1"}))
    n2 = icount(a)
    check(n2 == n0, "snapshot-load restores the count (%d, saved %d)" % (n2, n0))
    a.ok("snapshot-delete", {"job-id": "d1", "tag": "qmp-test", "devices": []})
    r = a.cmd("snapshot-load", dict(job, **{"job-id": "l2"}))
    check(error_class(r) == "GenericError", "loading a deleted snapshot: %r" % r)
    check(icount(a) == n0, "a failed load leaves the machine as it was")

    # query-jobs: QEMU's JobInfo; the jobs stay concluded until job-dismiss
    jobs = {j["id"]: j for j in b.ok("query-jobs")}
    check(sorted(jobs) == ["d1", "l1", "l2", "s1"], "query-jobs lists the four jobs: %r" % jobs)
    check(jobs["s1"] == {"id": "s1", "type": "snapshot-save", "status": "concluded",
                         "current-progress": 1, "total-progress": 1}, "JobInfo: %r" % jobs["s1"])
    check(jobs["l1"]["type"] == "snapshot-load" and jobs["d1"]["type"] == "snapshot-delete"
          and "error" not in jobs["l1"], "job types: %r" % jobs)
    check(isinstance(jobs["l2"].get("error"), str) and jobs["l2"]["error"] == r["error"]["desc"],
          "the failed job carries its error: %r" % jobs["l2"])
    r = a.cmd("snapshot-save", dict(job, **{"tag": "other"}))
    check(error_class(r) == "GenericError" and "already in use" in r["error"]["desc"],
          "a job-id still in use: %r" % r)
    a.events.clear()
    for i in ("s1", "l1", "d1", "l2"):
        a.ok("job-dismiss", {"id": i})
    st = [(e["data"]["id"], e["data"]["status"]) for e in a.events if e["event"] == "JOB_STATUS_CHANGE"]
    check(st == [("s1", "null"), ("l1", "null"), ("d1", "null"), ("l2", "null")],
          "job-dismiss: status null: %r" % st)
    check(a.ok("query-jobs") == [], "no jobs after job-dismiss")
    r = a.cmd("job-dismiss", {"id": "s1"})
    check(error_class(r) == "GenericError", "dismissing a job that is gone: %r" % r)
    r = a.cmd("input-send-event", {"events": [{"type": "key", "data": {"down": True, "key": {
        "type": "qcode", "data": "a"}}}]})
    check(error_class(r) == "GenericError" and r["error"]["desc"] == "VM not running",
          "input-send-event while paused: %r" % r)

    # bad input: errors with QEMU's classes, the machine undisturbed
    before = (a.ok("query-status"), icount(a))
    a.send_raw(b'{"execute": "stop", \n')
    a.send_raw(b'garbage}\n')
    r = a.reply()
    check(error_class(r) == "GenericError" and "JSON" in r["error"]["desc"], "malformed JSON: %r" % r)
    r = a.cmd("query-status", id="after-junk")
    check(r.get("id") == "after-junk" and "return" in r, "the stream resynchronises: %r" % r)
    r = a.cmd("no-such-command", id=5)
    check(error_class(r) == "CommandNotFound" and r.get("id") == 5, "unknown command: %r" % r)
    r = a.cmd("human-monitor-command", {"command-line": 42})
    check(error_class(r) == "GenericError", "wrong argument type: %r" % r)
    r = a.cmd("human-monitor-command", {})
    check(error_class(r) == "GenericError" and "missing" in r["error"]["desc"], "missing argument: %r" % r)
    r = a.cmd("stop", {"bogus": 1})
    check(error_class(r) == "GenericError", "unexpected argument: %r" % r)
    r = a.cmd("snapshot-save", {"job-id": "x", "tag": "t", "vmstate": "v", "devices": [1]})
    check(error_class(r) == "GenericError", "devices must be strings: %r" % r)
    a.send_raw(b'{"execute": "query-status", "foo": 1}\n')
    check(error_class(a.reply()) == "GenericError", "unexpected member")
    a.send_raw(b'[1, 2]\n')
    check(error_class(a.reply()) == "GenericError", "a request that is not an object")
    a.send_raw(b'{"execute": 7}\n')
    check(error_class(a.reply()) == "GenericError", "execute that is not a string")
    a.send_raw(b'{"arguments": {}}\n')
    check(error_class(a.reply()) == "GenericError", "no execute")
    a.send_raw(b'{"execute": "human-monitor-command", "arguments": {"command-line": "'
               + b"x" * 100000 + b'"}}\n')
    r = a.reply()
    check(error_class(r) == "GenericError" and "too long" in r["error"]["desc"], "oversized: %r" % r)
    r = a.cmd("query-status", id="after-big")
    check(r.get("id") == "after-big", "usable after an oversized message: %r" % r)
    check((a.ok("query-status"), icount(a)) == before, "bad input changed nothing")
    check("return" in b.cmd("query-version"), "the other socket is unaffected")

    # reset, then quit: its return, then SHUTDOWN
    a.ok("system_reset")
    e = a.wait_event("RESET")
    check(e["data"] == {"guest": False, "reason": "host-qmp-system-reset"}, "RESET: %r" % e)
    r = a.cmd("quit", id="bye")
    check(r == {"return": {}, "id": "bye"}, "quit: %r" % r)
    e = b.wait_event("SHUTDOWN")
    check(e["data"]["guest"] is False and e["data"]["reason"] == "host-qmp-quit", "SHUTDOWN: %r" % e)
    print("%d QMP checks passed" % checks)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    q = Qmp(s)
    q.ok("qmp_capabilities")
    return q


class Serial:
    """The guest's EV lines, read from the serial file as they come"""

    def __init__(self, path):
        self.path = path
        self.seen = 0

    def lines(self):
        """the complete lines so far (the guest may be mid-line)"""
        with open(self.path, "rb") as f:
            text = f.read().decode("latin-1").replace("\r", "")
        return text[:text.rfind("\n") + 1].splitlines()

    def wait(self, pattern_ok, what, limit=60):
        """wait for a line that pattern_ok accepts (the guest is polling)"""
        for _ in range(limit * 20):
            if any(pattern_ok(l) for l in self.lines()):
                return
            time.sleep(0.05)
        fail("no %s in the guest's output: %r" % (what, self.lines()[-10:]))

    def events(self, n, what):
        """the next n EV lines (waiting for them)"""
        for _ in range(60 * 20):
            ev = [l for l in self.lines() if l.startswith("EV ")]
            if len(ev) >= self.seen + n:
                got = ev[self.seen:self.seen + n]
                self.seen += n
                return got
            time.sleep(0.05)
        fail("%s: %d events expected, the guest printed %r" % (what, n, ev[self.seen:]))


def key(down, kind, data):
    return {"type": "key", "data": {"down": down, "key": {"type": kind, "data": data}}}


def input_main():
    q = connect(sys.argv[2])
    ser = Serial(sys.argv[3])
    q.ok("cont")
    ser.wait(lambda l: l == "RX-READY", "RX-READY")

    def send(events, want, what):
        q.ok("input-send-event", {"events": events})
        got = ser.events(len(want), what)
        # the guest polls the two devices in turn: order holds per device
        for d in ("K", "T"):
            g = [l for l in got if l.startswith("EV " + d)]
            w = [l for l in want if l.startswith("EV " + d)]
            check(g == w, "%s: %r (expected %r)" % (what, got, want))

    # Linux codes: KEY_LEFTCTRL 29, KEY_A 30, KEY_UP 103, KEY_ESC 1;
    # EV_KEY 1, EV_ABS 3, EV_SYN 0; BTN_LEFT 0x110 (272), ABS_X 0, ABS_Y 1
    send([key(True, "qcode", "ctrl"), key(True, "number", 0x1e)],
         ["EV K 1 29 1", "EV K 1 30 1", "EV K 0 0 0"], "qcode ctrl and qnum 0x1e, one EV_SYN")
    send([key(False, "qcode", "a"), key(False, "qcode", "ctrl")],
         ["EV K 1 30 0", "EV K 1 29 0", "EV K 0 0 0"], "releases")
    send([key(True, "number", 0xc8), key(False, "number", 0xc8)],
         ["EV K 1 103 1", "EV K 1 103 0", "EV K 0 0 0"], "an extended qnum (0xc8: up)")
    send([{"type": "abs", "data": {"axis": "x", "value": 100}},
          {"type": "abs", "data": {"axis": "y", "value": 32767}},
          {"type": "btn", "data": {"down": True, "button": "left"}}],
         ["EV T 3 0 100", "EV T 3 1 32767", "EV T 1 272 1", "EV T 0 0 0"], "tablet: abs x/y, left button")
    send([{"type": "btn", "data": {"down": False, "button": "left"}}, key(True, "qcode", "esc")],
         ["EV T 1 272 0", "EV T 0 0 0", "EV K 1 1 1", "EV K 0 0 0"], "both devices in one command")
    # bad events: an error each, and nothing reaches the guest (not even
    # the good events before a bad one)
    good = key(False, "qcode", "esc")
    bad = [
        ([good, key(True, "qcode", "nosuchkey")], "does not accept value 'nosuchkey'"),
        ([good, key(True, "qcode", "0x1e")], "does not accept value '0x1e'"),
        ([good, key(True, "number", 0x7f)], "not on the virtio keyboard"),
        ([good, key(True, "scancode", 1)], "does not accept value 'scancode'"),
        ([good, {"type": "key", "data": {"key": {"type": "qcode", "data": "a"}}}], "'events[1].data.down' is missing"),
        ([good, {"type": "key", "data": {"down": 1, "key": {"type": "qcode", "data": "a"}}}],
         "'events[1].data.down', expected: boolean"),
        ([good, {"type": "btn", "data": {"down": True, "button": "wheel-up"}}], "not on the virtio tablet"),
        ([good, {"type": "abs", "data": {"axis": "x", "value": 40000}}], "out of range"),
        ([good, {"type": "abs", "data": {"axis": "z", "value": 1}}], "does not accept value 'z'"),
        ([good, {"type": "rel", "data": {"axis": "x", "value": 1}}], "Input handler not found for event type rel"),
        ([good, {"type": "bogus", "data": {}}], "does not accept value 'bogus'"),
        ([good, {"type": "key"}], "'events[1].data' is missing"),
        ([good, 5], "'events[1]', expected: object"),
    ]
    for events, msg in bad:
        r = q.cmd("input-send-event", {"events": events})
        check(error_class(r) == "GenericError" and msg in r["error"]["desc"],
              "bad event (%s): %r" % (msg, r))
    r = q.cmd("input-send-event", {"events": [good], "device": "video0"})
    check(error_class(r) == "GenericError" and "'video0' not found" in r["error"]["desc"], "device: %r" % r)
    r = q.cmd("input-send-event", {"events": {}})
    check(error_class(r) == "GenericError" and "expected: array" in r["error"]["desc"], "events not a list: %r" % r)
    send([good], ["EV K 1 1 0", "EV K 0 0 0"], "after the bad ones, only the next good event arrives")
    q.ok("quit")

    # a machine without the virtio keyboard and tablet (-M virt,fb=off)
    n = connect(sys.argv[4])
    n.ok("cont")
    for kind, ev in (("key", good), ("btn", {"type": "btn", "data": {"down": True, "button": "left"}}),
                     ("abs", {"type": "abs", "data": {"axis": "x", "value": 1}})):
        r = n.cmd("input-send-event", {"events": [ev]})
        check(error_class(r) == "GenericError"
              and r["error"]["desc"] == "Input handler not found for event type %s" % kind,
              "no input devices (%s): %r" % (kind, r))
    n.ok("quit")
    print("%d input checks passed" % checks)


if __name__ == "__main__":
    if sys.argv[1] == "input":
        input_main()
    else:
        main()
