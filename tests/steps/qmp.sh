#!/usr/bin/env bash
# QMP (cli.md -qmp, issue 12.2): tests/qmp_client.py drives a paused
# ppcemu through a UNIX and a TCP socket at once (127.0.0.1, a port the
# kernel picks, printed by ppcemu): protocol, stop/cont and events, a
# snapshot round trip, query-jobs and job-dismiss, the bad-input cases,
# quit; input-send-event into tests/guest/qmp_input.elf (the events as its
# virtio driver sees them) and into a machine with no keyboard or tablet.
# Also: a bad -qmp spec
# is a usage error, and without nowait the machine waits for the client.
# Usage: tests/steps/qmp.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
elf=$build/tests/snapshot/icount_spin.elf
for f in "$emu" "$elf"; do
    [ -e "$f" ] || { echo "qmp: SKIP: $f is not built"; exit 0; }
done
command -v python3 >/dev/null 2>&1 || { echo "qmp: SKIP: no python3"; exit 0; }
tmp=$(mktemp -d /tmp/ppcemu-qmp.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
passed=0; failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }

sock=$tmp/qmp.sock
timeout -k 5 120 "$emu" -m 16 -display none -serial null -kernel "$elf" -accel interp -icount 4 -S \
    -snapshot-dir "$tmp/snap" -qmp "unix:$sock,server,nowait" \
    -qmp tcp:127.0.0.1:0,server,nowait 2>"$tmp/err" &
pid=$!; pids+=("$pid")
port=
for ((i = 0; i < 3000; i++)); do
    port=$(sed -n 's/^ppcemu: QMP listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$tmp/err")
    [ -n "$port" ] && [ -S "$sock" ] && break
    sleep 0.01
done
if [ -z "$port" ]; then
    bad "no QMP port announced: $(cat "$tmp/err")"
else
    if timeout -k 5 90 python3 tests/qmp_client.py "$sock" "127.0.0.1:$port" >"$tmp/out" 2>&1; then
        ok "QMP client: $(tail -n 1 "$tmp/out")"
    else
        bad "QMP client:"; sed 's/^/    /' "$tmp/out"
    fi
    wait "$pid"; rc=$?
    if [ "$rc" -eq 0 ]; then ok "quit ends ppcemu with status 0"; else bad "ppcemu status $rc"; fi
fi

# input-send-event: the events as tests/guest/qmp_input.elf's driver gets
# them from the virtio keyboard and tablet, and a machine without them
ielf=$build/tests/guest/qmp_input.elf
if [ -e "$ielf" ]; then
    timeout -k 5 120 "$emu" -m 16 -display none -serial "file:$tmp/input.serial" -kernel "$ielf" -S \
        -qmp "unix:$tmp/input.sock,server,nowait" 2>"$tmp/input.err" &
    ipid=$!; pids+=("$ipid")
    timeout -k 5 120 "$emu" -M virt,fb=off -m 16 -display none -serial null -kernel "$elf" -S \
        -qmp "unix:$tmp/nofb.sock,server,nowait" 2>"$tmp/nofb.err" &
    npid=$!; pids+=("$npid")
    for ((i = 0; i < 3000; i++)); do
        [ -S "$tmp/input.sock" ] && [ -S "$tmp/nofb.sock" ] && break
        sleep 0.01
    done
    if timeout -k 5 120 python3 tests/qmp_client.py input "$tmp/input.sock" "$tmp/input.serial" \
        "$tmp/nofb.sock" >"$tmp/input.out" 2>&1; then
        ok "input-send-event: $(tail -n 1 "$tmp/input.out")"
    else
        bad "input-send-event:"; sed 's/^/    /' "$tmp/input.out" "$tmp/input.err"
    fi
    wait "$ipid" "$npid"
else
    echo "qmp: input-send-event checks skipped: $ielf is not built"
fi

"$emu" -m 16 -display none -serial null -qmp "unix:$tmp/x.sock" >/dev/null 2>"$tmp/bad.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q -- "-qmp" "$tmp/bad.err"; then ok "-qmp without server: usage error"
else bad "-qmp without server: rc $rc $(cat "$tmp/bad.err")"; fi

# without nowait: nothing runs until a client connects (the guest's exit
# would end ppcemu; it is still there after 1 s)
timeout -k 5 60 "$emu" -m 16 -display none -serial null -kernel "$build/tests/guest/hello.elf" \
    -qmp "unix:$tmp/w.sock,server" >/dev/null 2>&1 &
pid=$!; pids+=("$pid")
sleep 1
if kill -0 "$pid" 2>/dev/null; then
    python3 - "$tmp/w.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.recv(4096); s.close()
PY
    wait "$pid"; rc=$?
    if [ "$rc" -eq 0 ]; then ok "server without nowait waits for its client"; else bad "after connecting: rc $rc"; fi
else
    bad "server without nowait did not wait"
fi

echo "qmp: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
