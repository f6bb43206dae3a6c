#!/usr/bin/env bash
# make migbench: live migration figures (issue 10), not a test.  The Linux
# guest of `make guest` (build-guest/vmlinux) boots to its shell on a
# source; then
#   (a) idle at its shell: migrated to a fresh destination;
#   (b) that destination, now running a memory-dirtying loop (32 MiB of
#       tmpfs rewritten over and over), migrated on to a third process;
# for ppcemu (-M virt, unix: socket) and for `qemu-system-ppc -M 40p -cpu
# 750` (tools/qemu-40p/, tcp:127.0.0.1 loopback, HMP `migrate -d`), both
# with their default parameters (downtime-limit 300 ms, 128 MiB/s).
# Printed: total time, downtime (ppcemu: and its parts, and the
# framebuffer's pages sent at the stop), bytes sent.
# A run that has not converged after MIGBENCH_WAIT s (default 60) says
# so and is finished by raising downtime-limit to 5 s.  MIGBENCH_PASSES=1:
# ppcemu's sources log -d migration, and each pass's line (its time split
# into reading pages, sending and the rate limit) is printed.
# Usage: tools/migbench.sh [BUILD_DIR] [ppcemu|qemu|both]
set -u
build=${1:-build}
which=${2:-both}
emu=$build/ppcemu
vmlinux=build-guest/vmlinux
waits=${MIGBENCH_WAIT:-60}
[ -f "$vmlinux" ] || { echo "migbench: SKIP: $vmlinux not built (make guest)"; exit 0; }
work=$(mktemp -d /tmp/ppcemu-migbench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for fd in 5 6 7; do eval "exec $fd>&-" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

# hmp SOCKET CMD: one monitor command (ppcemu's or QEMU's prompt)
hmp() {
    python3 - "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.settimeout(30)
for _ in range(3000):
    try: s.connect(sys.argv[1]); break
    except OSError: time.sleep(0.01)
def upto():
    b = b""
    while not (b.endswith(b"(ppcemu) ") or b.endswith(b"(qemu) ")):
        d = s.recv(4096)
        if not d: break
        b += d
    return b
upto(); s.sendall(sys.argv[2].encode() + b"\n")
out = upto().decode(errors="replace").replace("\r", "")
lines = [l for l in out.split("\n") if not l.startswith("(ppcemu)") and not l.startswith("(qemu)")]
print("\n".join(l for l in lines if l.strip() and l.strip() != sys.argv[2]))
PY
}

wait_log() { # FILE TEXT SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        tr -d '\r' < "$1" | grep -qF -- "$2" && return 0
        sleep 0.1
    done
    return 1
}

# start KIND NAME FD [INCOMING]: serial in NAME.in (held open on FD),
# out NAME.log, monitor NAME.mon
start() {
    local kind=$1 name=$2 fd=$3 inc=${4:-}
    mkfifo "$work/$name.in"; : > "$work/$name.log"
    if [ "$kind" = ppcemu ]; then
        "$emu" -M virt -m 128 -kernel "$vmlinux" -append "console=ttyS0,115200" -display none \
            -serial stdio -monitor "unix:$work/$name.mon,server,nowait" \
            ${MIGBENCH_PASSES:+-d migration -D "$work/$name.dlog"} ${inc:+-incoming "$inc"} < "$work/$name.in" > "$work/$name.log" 2> "$work/$name.err" &
    else
        # tools/qemu-40p/run.sh's machine, its monitor on a socket
        QEMU_AUDIO_DRV=none qemu-system-ppc -M 40p -cpu 750 -m 128 \
            -bios build-guest/qemu-40p/stub.bin -device "loader,file=$vmlinux" \
            -device "loader,file=build-guest/qemu-40p/virt.dtb,addr=0xc00000,force-raw=on" \
            -vga none -net none -display none -no-reboot -serial stdio \
            -monitor "unix:$work/$name.mon,server,nowait" ${inc:+-incoming "$inc"} \
            < "$work/$name.in" > "$work/$name.log" 2> "$work/$name.err" &
    fi
    pids+=($!)
    eval "exec $fd> \"$work/$name.in\""
}

# migrate KIND SRC URI LABEL: the figures of one migration
migrate() {
    local kind=$1 src=$2 uri=$3 label=$4 i st
    hmp "$work/$src.mon" "migrate -d $uri" > /dev/null
    local t0; t0=$(date +%s)
    local bumped=""
    while :; do
        st=$(hmp "$work/$src.mon" "info migrate" | sed -n 's/^Migration status: *//p')
        case $st in completed*|failed*|cancelled*) break ;; esac
        if [ -z "$bumped" ] && [ $(( $(date +%s) - t0 )) -ge "$waits" ]; then
            bumped=" (not converged after $waits s: downtime-limit raised to 5 s)"
            hmp "$work/$src.mon" "migrate_set_parameter downtime-limit 5000" > /dev/null
        fi
        sleep 0.2
    done
    local info; info=$(hmp "$work/$src.mon" "info migrate")
    local tot down xfer parts
    tot=$(echo "$info" | sed -n 's/^total time: *//p')
    down=$(echo "$info" | sed -n 's/^downtime: *//p')
    xfer=$(echo "$info" | sed -n 's/^transferred ram: *//p')
    parts=$(echo "$info" | sed -n 's/^downtime parts: *//p')
    local fbstop; fbstop=$(echo "$info" | sed -n 's/^framebuffer at the stop: *//p')
    local hand; hand=$(echo "$info" | sed -n 's/^handover: *\([0-9-]* us\).*/\1/p')
    printf '%-7s %-28s %-10s total %-9s downtime %-8s sent %s%s\n' "$kind" "$label" "$st" \
        "$tot" "$down" "$xfer" "$bumped"
    [ -n "$parts" ] && echo "        downtime parts: $parts"
    # the guest-visible part: stop to the destination's start (the rest of
    # the downtime is the acknowledgement reaching a busy source)
    [ -n "$hand" ] && echo "        handover: $hand"
    [ -n "$fbstop" ] && echo "        framebuffer at the stop: $fbstop"
    [ -f "$work/$src.dlog" ] && sed -n 's/^migration: \(pass .*\)/        \1/p' "$work/$src.dlog"
}

bench() {
    local kind=$1 uri1 uri2
    if [ "$kind" = qemu ]; then
        command -v qemu-system-ppc > /dev/null || tools/deps.sh bench
        # the stub and the device tree of tools/qemu-40p
        [ -f build-guest/qemu-40p/stub.bin ] && [ -f build-guest/qemu-40p/virt.dtb ] ||
            timeout 600 tools/qemu-40p/run.sh --test > /dev/null 2>&1
        local port=$((30000 + RANDOM % 20000))
        uri1=tcp:127.0.0.1:$port; uri2=tcp:127.0.0.1:$((port + 1))
    else
        uri1=unix:$work/$kind-m1.sock; uri2=unix:$work/$kind-m2.sock
    fi
    start "$kind" "$kind-A" 5
    start "$kind" "$kind-B" 6 "$uri1"
    if ! wait_log "$work/$kind-A.log" "ppcemu:/# " 600; then
        echo "$kind: no shell prompt"; return
    fi
    sleep 3 # settle at the prompt
    migrate "$kind" "$kind-A" "$uri1" "(a) idle Linux at its shell"
    printf 'echo mi""grated-ok\r' >&6
    wait_log "$work/$kind-B.log" "migrated-ok" 60 || echo "        (the destination's shell did not answer)"
    start "$kind" "$kind-C" 7 "$uri2"
    printf 'while true; do dd if=/dev/zero of=/tmp/dirty bs=1M count=32 2>/dev/null; done &\r' >&6
    sleep 5
    migrate "$kind" "$kind-B" "$uri2" "(b) dirtying 32 MiB in a loop"
    printf 'echo mi""grated-again\r' >&7
    wait_log "$work/$kind-C.log" "migrated-again" 60 || echo "        (the destination's shell did not answer)"
    for n in A B C; do hmp "$work/$kind-$n.mon" quit > /dev/null 2>&1; done
    exec 5>&- 6>&- 7>&-
    rm -f "$work"/*.in
}

echo "migbench: $(nproc) host cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
case $which in
ppcemu) bench ppcemu ;;
qemu) bench qemu ;;
*) bench ppcemu; bench qemu ;;
esac
