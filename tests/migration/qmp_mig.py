#!/usr/bin/env python3
"""Live migration driven over QMP (issue 10, QEMU's commands and events),
standard library only.  Starts a destination with `-incoming defer` and a
source running GUEST, both with a -qmp socket, then:
  migrate-incoming on the destination; migrate-set-parameters (checked
  through query-migrate's effect and a bad value refused); migrate; the
  MIGRATION events setup -> active -> device -> completed on the source,
  active -> completed on the destination, MIGRATION_PASS with pass 1, 2..;
  query-migrate with QEMU's field names and values that add up (ram
  total = RAM size, transferred >= normal pages * 4096, downtime <=
  total-time); the source stays stopped, the destination runs;
  migrate_cancel after the end changes nothing.
Usage: qmp_mig.py PPCEMU GUEST_ELF WORKDIR"""
import json
import os
import socket
import subprocess
import sys
import time


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import qmp_client  # noqa: E402  (tests/qmp_client.py)
from qmp_client import Qmp as QmpClient, check, fail  # noqa: E402


class Qmp(QmpClient):
    """tests/qmp_client.py's client on a UNIX socket that may not be bound
    yet, capabilities negotiated; events waited for with a predicate"""

    def __init__(self, path):
        s = socket.socket(socket.AF_UNIX)
        for _ in range(1000):
            try:
                s.connect(path)
                break
            except OSError:
                time.sleep(0.01)
        super().__init__(s)
        self.ok("qmp_capabilities")

    def wait_event(self, name, pred=lambda e: True, secs=60):
        t0 = time.time()
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name and pred(e):
                    return self.events.pop(i)
            if time.time() - t0 > secs:
                fail("no %s event within %d s; seen %r" % (name, secs, self.events))
            self.events.append(self.read())



def main():
    emu, elf, work = sys.argv[1:4]
    qs, qd = os.path.join(work, "qs.sock"), os.path.join(work, "qd.sock")
    mig = os.path.join(work, "qm.sock")
    base = [emu, "-m", "16", "-kernel", elf, "-display", "none", "-serial", "null"]
    d = subprocess.Popen(base + ["-incoming", "defer", "-qmp", "unix:%s,server,nowait" % qd])
    s = subprocess.Popen(base + ["-qmp", "unix:%s,server,nowait" % qs])
    try:
        src, dst = Qmp(qs), Qmp(qd)
        check(src.ok("query-migrate") == {}, "query-migrate before any migration is {}")
        check("error" in dst.cmd("migrate-incoming", {"uri": "bogus:x"}), "a bad URI is refused")
        dst.ok("migrate-incoming", {"uri": "unix:" + mig})
        check(dst.ok("query-migrate").get("status") == "setup", "destination waits (setup)")
        r = src.cmd("migrate-set-parameters", {"downtime-limit": 3000000})
        check("error" in r, "downtime-limit above 2000 s refused: %r" % r)
        src.ok("migrate-set-parameters", {"downtime-limit": 500, "max-bandwidth": 64 << 20})
        check("error" in src.cmd("migrate", {"uri": "unix:" + mig + ".nobody"}),
              "migrate to nothing listening is an error")
        src.ok("migrate", {"uri": "unix:" + mig})
        seen = []
        while not seen or seen[-1] not in ("completed", "failed", "cancelled"):
            seen.append(src.wait_event("MIGRATION")["data"]["status"])
        check(seen == ["setup", "active", "device", "completed"],
              "source MIGRATION events %r" % seen)
        p = src.wait_event("MIGRATION_PASS")
        check(p["data"]["pass"] == 1, "first MIGRATION_PASS is pass 1: %r" % p)
        check("timestamp" in p, "events carry a timestamp")
        q = src.ok("query-migrate")
        for k in ("status", "total-time", "downtime", "setup-time", "ram",
                  "cpu-throttle-percentage"):
            check(k in q, "query-migrate has %s: %r" % (k, q))
        ram = q["ram"]
        for k in ("transferred", "remaining", "total", "duplicate", "normal", "mbps",
                  "dirty-sync-count", "dirty-pages-rate"):
            check(k in ram, "query-migrate ram has %s" % k)
        check(q["status"] == "completed", "status completed")
        check(ram["total"] == 16 << 20, "ram total %r is -m 16" % ram["total"])
        check(ram["duplicate"] + ram["normal"] >= 4096, "every page sent once at least")
        check(ram["transferred"] >= ram["normal"] * 4096, "transferred covers the normal pages")
        check(ram["remaining"] == 0, "nothing remaining")
        check(ram["dirty-sync-count"] >= 1, "a dirty sync")
        check(0 <= q["downtime"] <= q["total-time"], "downtime within total time")
        parts = q.get("x-downtime-parts", {})
        # the source's parts and the destination's are each sequential
        # within [stop, ack]; the two sides may overlap by the time the
        # source was descheduled after its last send (a loaded host)
        src_us = parts.get("stop", 0) + parts.get("last-ram", 0) + parts.get("device-state", 0)
        dst_us = parts.get("destination-load", 0) + parts.get("start", 0)
        check(len(parts) == 6, "x-downtime-parts has its 6 parts: %r" % parts)
        check(src_us <= q["downtime"] * 1000 + 1000 and dst_us <= q["downtime"] * 1000 + 1000,
              "each side's parts within the downtime (%d ms): %r" % (q["downtime"], parts))
        # the destination's events, and it runs; the source stays stopped
        dseen = []
        while not dseen or dseen[-1] not in ("completed", "failed"):
            dseen.append(dst.wait_event("MIGRATION")["data"]["status"])
        check(dseen == ["active", "completed"], "destination MIGRATION events %r" % dseen)
        check(dst.ok("query-status")["running"] is True, "destination runs")
        check(src.ok("query-status")["running"] is False, "source stays stopped")
        src.ok("migrate_cancel")
        check(src.ok("query-migrate")["status"] == "completed", "cancel after the end: no change")
        src.ok("quit")
        dst.ok("quit")
        s.wait(30)
        d.wait(30)
        check(s.returncode == 0 and d.returncode == 0, "both exit 0")
        print("qmp_mig: %d checks passed" % qmp_client.checks)
    finally:
        for p in (s, d):
            if p.poll() is None:
                p.kill()


main()
