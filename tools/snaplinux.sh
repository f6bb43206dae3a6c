#!/usr/bin/env bash
# Linux across a snapshot (make snapshot-linux; not part of make check: the
# boot takes a minute).  Boots the guest of `make guest` to its shell,
# types a command, saves, quits; then a FRESH ppcemu starts from the
# snapshot with -loadvm and must answer a new command at once (no boot).
# Prints the save/restore times and the snapshot size (-d snapshot).
# Usage: tools/snaplinux.sh [BUILD_DIR] [VMLINUX]
set -u
build=${1:-build}
vmlinux=${2:-build-guest/vmlinux}
emu=$build/ppcemu
monc=$build/tests/snapshot/monclient
boot_s=${SNAPLINUX_BOOT_TIMEOUT:-300}
if [ ! -f "$vmlinux" ]; then
    echo "snaplinux: SKIP: $vmlinux not built (make guest)"
    exit 0
fi
work=$(mktemp -d /tmp/ppcemu-snaplinux.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; exec 3>&- 2>/dev/null; rm -rf "$work"' EXIT

# run NAME FLAGS...: serial on stdio (a fifo in, NAME.log out), monitor on
# NAME.sock
run() {
    local name=$1; shift
    mkfifo "$work/$name.in"
    : > "$work/$name.log" # the child opens it only once the fifo has a writer
    "$emu" -M virt -kernel "$vmlinux" -append "console=ttyS0,115200" -display none \
        -serial stdio -monitor "unix:$work/$name.sock,server,nowait" -d snapshot \
        -D "$work/$name.dlog" "$@" < "$work/$name.in" > "$work/$name.log" 2>&1 &
    pid=$!
    exec 3> "$work/$name.in"
}

# wait_for NAME TEXT SECONDS
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        tr -d '\r' < "$work/$1.log" | grep -qF -- "$2" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

st=0
run A
if ! wait_for A "ppcemu:/# " "$boot_s"; then
    echo "snaplinux: FAIL: no shell prompt within $boot_s s"; tail -n 5 "$work/A.log"; exit 1
fi
printf 'echo before-$((40+2))\r' >&3
wait_for A "before-42" 30 || { echo "snaplinux: FAIL: the shell did not answer before the save"; exit 1; }
"$monc" "$work/A.sock" "savevm $work/linux.snap" quit > /dev/null
wait "$pid"; exec 3>&-; pid=

t0=$(date +%s%N)
run B -loadvm "$work/linux.snap"
printf 'echo after-$((50+5)); cat /proc/uptime\r' >&3
if wait_for B "after-55" 30; then
    t1=$(date +%s%N)
    echo "snaplinux: the restored Linux answered in $(( (t1 - t0) / 1000000 )) ms after ppcemu started"
    # its timer (the decrementer, re-armed by the load) drives a sleep
    printf 'sleep 1; echo slept-$((3+4))\r' >&3
    if wait_for B "slept-7" 30; then
        t2=$(date +%s%N)
        ms=$(( (t2 - t1) / 1000000 ))
        if [ "$ms" -ge 900 ] && [ "$ms" -le 5000 ]; then
            echo "snaplinux: PASS: 'sleep 1' after the restore took $ms ms"
        else
            echo "snaplinux: FAIL: 'sleep 1' after the restore took $ms ms"; st=1
        fi
    else
        echo "snaplinux: FAIL: 'sleep 1' never returned after the restore"; st=1
    fi
else
    echo "snaplinux: FAIL: the restored Linux did not answer"; tail -n 5 "$work/B.log"; st=1
fi
"$monc" "$work/B.sock" quit > /dev/null
wait "$pid"; pid=
sed -n 's/^snapshot: //p' "$work/A.dlog" "$work/B.dlog"
echo "snapshot size: $(stat -c %s "$work/linux.snap") bytes"
exit $st
