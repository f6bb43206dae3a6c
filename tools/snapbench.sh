#!/usr/bin/env bash
# Snapshot benchmark (figures, no pass/fail): save time, restore time and
# snapshot size of a 128 MiB guest, idle and with its RAM full of
# pseudo-random data, and full of a compressible pattern.  Times are ppcemu's own (-d snapshot log): the
# monitor's savevm/loadvm from command to done, file written and fsynced.
# Usage: tools/snapbench.sh [BUILD_DIR] [RUNS]
set -u
build=${1:-build}
runs=${2:-3}
emu=$build/ppcemu
monc=$build/tests/snapshot/monclient
guest=$build/tests/snapshot/bench_ram.elf
work=$(mktemp -d /tmp/ppcemu-snapbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

bench() { # label append-args...
    local label=$1; shift
    rm -f "$work/mon" "$work/log" "$work/serial"
    "$emu" -m 128 -display none -serial "file:$work/serial" -kernel "$guest" "$@" \
        -monitor "unix:$work/mon,server,nowait" -d snapshot -D "$work/log" &
    local pid=$! i
    for ((i = 0; i < 3000; i++)); do
        grep -q READY "$work/serial" 2>/dev/null && break
        sleep 0.01
    done
    for ((i = 0; i < runs; i++)); do
        "$monc" "$work/mon" "savevm $work/s.snap" "loadvm $work/s.snap" > /dev/null
    done
    "$monc" "$work/mon" quit > /dev/null
    wait "$pid"
    local size save load
    size=$(stat -c %s "$work/s.snap")
    save=$(sed -n 's/.*saved .*, \([0-9.]*\) ms$/\1/p' "$work/log" | sort -n | head -n 1)
    load=$(sed -n 's/.*loaded .*, \([0-9.]*\) ms.*$/\1/p' "$work/log" | sort -n | head -n 1)
    printf "%-22s %12s %10s %10s\n" "$label" "$size" "$save" "$load"
}

echo "128 MiB guest, best of $runs (ppcemu -d snapshot timings)"
printf "%-22s %12s %10s %10s\n" "guest RAM" "bytes" "save ms" "restore ms"
bench "idle (booted only)"
bench "full (random data)" -append fill
bench "full (compressible)" -append text
