#!/usr/bin/env python3
"""A QMP client (standard library only) that follows QEMU's protocol
manual (qmp-spec): greeting, capabilities negotiation, execute with
arguments and id, return/error, asynchronous events.  It drives a paused
ppcemu (-S) through two -qmp sockets at once: stop/cont and their events,
a snapshot round trip, reset, the bad-input cases, quit.
Usage: qmp_client.py UNIX_PATH HOST:PORT"""
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
              "snapshot-load", "snapshot-delete", "query-tb", "qmp_capabilities"):
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


main()
