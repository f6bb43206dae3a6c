#!/usr/bin/env bash
# Soak test (make soak; issue 15 item 8; not part of make check: it is long).
# Boots the Linux guest of `make guest` to its shell, starts a workload that
# counts and prints "PROG n" every 500 rounds, then every INTERVAL seconds
# for MINUTES minutes: savevm, let it run on, stop, loadvm, check the
# restored machine itself (a savevm taken right after the loadvm, with the
# machine stopped, must show the same registers, instruction count, device
# state and RAM page counts as the snapshot it loaded, as `ppcsnap` prints
# them; ppcsnap prints no RAM digest, so RAM contents are only compared
# through its section size and page counts), cont.  The guest counter
# alone can mislead: under -tb-clock host Linux charges the gap between
# save and load to the task that was running at the save and may run it
# first, so progress after a load can look lost though the state is exact.
# Reports: rounds, restored-state mismatches, workload progress (lines
# after each load; a load that brings the counter back is expected, a
# counter that stops is lost progress) and the process's RSS growth.
# Usage: tools/soak.sh [BUILD_DIR] [MINUTES] [INTERVAL_S] [VMLINUX]
set -u
build=${1:-build}
minutes=${2:-${SOAK_MINUTES:-10}}
interval=${3:-${SOAK_INTERVAL:-5}}
vmlinux=${4:-build-guest/vmlinux}
emu=$build/ppcemu
monc=$build/tests/snapshot/monclient
snap=$build/ppcsnap
boot_s=${SOAK_BOOT_TIMEOUT:-300}
if [ ! -f "$vmlinux" ]; then
    echo "soak: SKIP: $vmlinux not built (make guest)"
    exit 0
fi
work=$(mktemp -d /tmp/ppcemu-soak.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; exec 3>&- 2>/dev/null; rm -rf "$work"' EXIT

mkfifo "$work/in"
: > "$work/log"
"$emu" -M virt -kernel "$vmlinux" -append "console=ttyS0,115200" -display none \
    -serial stdio -monitor "unix:$work/sock,server,nowait" \
    < "$work/in" > "$work/log" 2>&1 &
pid=$!
exec 3> "$work/in"

wait_for() { # TEXT SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        tr -d '\r' < "$work/log" | grep -qF -- "$1" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
mon() { "$monc" "$work/sock" "$@" 2>&1; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null; }
last_prog() { tr -d '\r' < "$work/log" | grep -ao "PROG [0-9]*" | tail -1 | sed 's/PROG //'; }
# a snapshot's machine state as ppcsnap shows it (every CPU register and
# the instruction count, each device, the RAM section's size and page
# counts), without the file name and what is derived from the host clock:
# the tb section, and irq_pending, whose DEC bit is set once the stopped
# machine's DEC deadline has passed in host time (-tb-clock host)
state_of() {
    "$snap" "$1" 2>&1 | awk '/^  section / { skip = ($2 == "tb") } !skip && !/^\// && !/irq_pending/'
}

if ! wait_for "ppcemu:/# " "$boot_s"; then
    echo "soak: FAIL: no shell prompt within $boot_s s"; tail -n 5 "$work/log"; exit 1
fi
printf 'i=0; while :; do i=$((i+1)); [ $((i %% 500)) -eq 0 ] && echo PROG $i; done &\r' >&3
wait_for "PROG 500" 60 || { echo "soak: FAIL: the workload does not run"; exit 1; }
rss0=$(rss_kb)
echo "soak: booted; workload running; RSS ${rss0} kB; $minutes min, savevm/loadvm every ${interval} s"

end=$(( $(date +%s) + 60 * minutes ))
rounds=0 mismatches=0 stalls=0 failures=0 back=0 rss1st=
while [ "$(date +%s)" -lt "$end" ]; do
    sleep "$interval"
    p_save=$(last_prog)
    out=$(mon "savevm $work/a.snap")
    if ! [ -s "$work/a.snap" ] || echo "$out" | grep -qi "error\|cannot\|fail"; then
        failures=$((failures + 1)); echo "soak: savevm failed: $out"; continue
    fi
    sleep 1
    p_before_load=$(last_prog)
    out=$(mon stop "loadvm $work/a.snap" "savevm $work/b.snap" cont)
    if echo "$out" | grep -qi "error\|cannot\|fail"; then
        failures=$((failures + 1)); echo "soak: loadvm failed: $out"; continue
    fi
    a=$(state_of "$work/a.snap"); b=$(state_of "$work/b.snap")
    if [ -z "$a" ] || [ "$a" != "$b" ]; then
        mismatches=$((mismatches + 1))
        echo "soak: round $rounds: the restored state differs from the saved one:"; diff <(echo "$a") <(echo "$b") | head -5
    fi
    [ -n "$p_before_load" ] && [ -n "$p_save" ] && [ "$p_before_load" -gt "$p_save" ] && back=$((back + 1))
    # progress after the load: the counter must move again
    sleep 2
    p_after=$(last_prog)
    if [ "$p_after" = "$p_before_load" ]; then
        sleep 5
        [ "$(last_prog)" = "$p_before_load" ] && { stalls=$((stalls + 1)); echo "soak: round $rounds: no progress after the load (PROG $p_after)"; }
    fi
    rounds=$((rounds + 1))
    [ $rounds -eq 1 ] && rss1st=$(rss_kb) # a load writes all of RAM: pages become resident
    rm -f "$work/a.snap" "$work/b.snap"
    kill -0 "$pid" 2>/dev/null || { echo "soak: FAIL: ppcemu ended"; failures=$((failures + 1)); break; }
done
rss1=$(rss_kb)
mon quit > /dev/null
wait "$pid"; pid=
echo "soak: $minutes min, $rounds save/load rounds, $mismatches restored-state mismatches," \
     "$stalls rounds without progress after the load, $failures failed commands;" \
     "the counter went back to the saved point in $back rounds; last PROG $(last_prog);" \
     "RSS ${rss0} kB at boot, ${rss1st:-?} kB after the first load, ${rss1:-?} kB at the end" \
     "(+$(( ${rss1:-0} - ${rss1st:-0} )) kB after the first load)"
[ $mismatches -eq 0 ] && [ $stalls -eq 0 ] && [ $failures -eq 0 ]
