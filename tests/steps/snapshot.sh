#!/usr/bin/env bash
# Snapshots and guest time: the regression suite of ../shared/spec/timebase.md
# ("What the tests must show", the snapshot half) plus the refusals of bad
# snapshot files.  Each case runs ppcemu with its monitor on a UNIX socket
# (-monitor unix:...,server,nowait), saves, restores in a FRESH process
# (paused with -S, host clocks shifted with -debug-clock-offset) and
# checks what the guest observed (tests/snapshot/snap_time.c prints it on
# the serial line) and what the monitor reports.
#
# Real-time bounds are generous (hundreds of ms: the host is shared) but
# each is smaller than the effect it tells apart; vm and -icount cases
# compare exactly.
#
# Usage: tests/steps/snapshot.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
monc=$build/tests/snapshot/monclient
tguest=$build/tests/snapshot/snap_time.elf
iguest=$build/tests/snapshot/snap_icount.elf
for f in "$emu" "$monc" "$tguest" "$iguest"; do
    if [ ! -x "$f" ] && [ ! -f "$f" ]; then
        echo "snapshot: SKIP: $f is not built"
        exit 0
    fi
done
work=$(mktemp -d /tmp/ppcemu-snap.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

. tests/lib/cases.sh

now_ns() { date +%s%N; }

# start NAME FLAGS...: ppcemu in the background, serial to NAME.log,
# monitor on NAME.sock
start() {
    local name=$1; shift
    rm -f "$work/$name.sock" "$work/$name.log"
    timeout -k 5 120 "$emu" -m 16 -display none -no-reboot -serial "file:$work/$name.log" \
        -monitor "unix:$work/$name.sock,server,nowait" -snapshot-dir "$work/snaps" "$@" \
        > "$work/$name.err" 2>&1 &
    PID=$!
    pids+=("$PID")
}

mon() { local name=$1; shift; "$monc" "$work/$name.sock" "$@"; }

# wait_line NAME REGEX [SECONDS]: prints the first matching serial line
wait_line() {
    local name=$1 pat=$2 secs=${3:-30} i
    for ((i = 0; i < secs * 200; i++)); do
        if tr -d '\r' 2>/dev/null < "$work/$name.log" | grep -E -m1 -- "$pat"; then
            return 0
        fi
        sleep 0.005
    done
    return 1
}

# the TB (decimal) and DEC (hex) of `info tb` output on stdin
tb_of() { sed -n 's/^TB .*(\([0-9]*\))$/\1/p'; }
dec_of() { sed -n 's/^DEC \([0-9a-f]*\)$/\1/p'; }

# FIRED elapsed maxgap back tbhi  ->  the fields, from NAME.log once the
# emulator has ended (wait_line may see a line still being written)
fired_fields() { tr -d '\r' < "$work/$1.log" | awk '/^FIRED / { print $2, $3, $4, $5; exit }'; }

# ms from TB ticks at the frequency in use (F; the default unless a case
# sets another)
F=33333333
ticks_ms() { echo $(( $1 * 1000 / F )); }

check_common() { # elapsed maxgap back tbhi d
    [ "$3" = 0 ] || fail "TB went backwards $3 times"
    [ "$4" = 1234 ] || fail "guest-written TBU lost: upper word $4, expected 1234"
    [ "$1" -ge "$5" ] || fail "DEC exception early: after $1 ticks, programmed $5"
}

D=$((2 * F)) # snap_time's countdown

# ---- vm: the remaining ticks are preserved exactly; the guest never sees
# the time between save and resume (timebase.md rules 5, 6) ----
case_vm() {
    local tag=$1 F=$2 D=$((2 * $2)); shift 2 # extra env for the restore in "$@"
    begin "vm: DEC mid-countdown, restore -S, wait, cont ($tag, $F Hz)"
    start A -kernel "$tguest" -tb-clock vm -tb-freq "$F"
    wait_line A '^ARMED' > /dev/null || fail "no ARMED line"
    sleep 0.5
    local before
    before=$(mon A stop "info tb" "savevm vm-$tag" quit)
    wait "$PID"
    local tb1 dec1 tb2 dec2 out line
    tb1=$(echo "$before" | tb_of); dec1=$(echo "$before" | dec_of)
    start B "$@" -kernel "$tguest" -tb-clock vm -tb-freq "$F" -loadvm "vm-$tag" -S
    out=$(mon B "info tb")
    tb2=$(echo "$out" | tb_of); dec2=$(echo "$out" | dec_of)
    [ -n "$tb1" ] && [ "$tb1" = "$tb2" ] || fail "TB after restore $tb2, at save $tb1"
    [ -n "$dec1" ] && [ "$dec1" = "$dec2" ] || fail "DEC after restore $dec2, at save $dec1 (ticks not preserved)"
    sleep 2
    out=$(mon B "info tb")
    [ "$(echo "$out" | tb_of)" = "$tb1" ] || fail "TB moved while paused under vm"
    mon B cont > /dev/null
    line=$(wait_line B '^FIRED') || fail "no FIRED line after cont"
    wait "$PID" || fail "guest failed: $(tr -d '\r' < "$work/B.log" | grep FAIL | head -n 3)"
    if [ -n "$line" ]; then
        read -r el gap back hi <<< "$(fired_fields B)"
        check_common "$el" "$gap" "$back" "$hi" "$D"
        # the >= 2.5 s between save and cont must not show: 1 s bound
        [ $((el - D)) -lt "$F" ] || fail "DEC came $(ticks_ms $((el - D))) ms of TB late"
        [ "$gap" -lt "$F" ] || fail "the guest saw a TB jump of $(ticks_ms "$gap") ms under vm"
        echo "    DEC after $(ticks_ms "$el") ms of TB (programmed 2000), largest TB step $(ticks_ms "$gap") ms"
    fi
    end_case
}

# ---- host: the interrupt comes at the original wall-clock deadline ----
case_host_deadline() {
    local tag=$1; shift
    begin "host: save mid-countdown while running, restore at once: original deadline ($tag)"
    start A -kernel "$tguest"
    wait_line A '^ARMED' > /dev/null || fail "no ARMED line"
    local t_arm t_fire line
    t_arm=$(now_ns)
    sleep 0.3
    mon A "savevm host-$tag" quit > /dev/null
    wait "$PID"
    # a gap the guest must see: a restore that lost it would fire >= 700 ms late
    sleep 0.7
    start B "$@" -kernel "$tguest" -loadvm "host-$tag"
    line=$(wait_line B '^FIRED') || fail "no FIRED line"
    t_fire=$(now_ns)
    wait "$PID" || fail "guest failed: $(tr -d '\r' < "$work/B.log" | grep FAIL | head -n 3)"
    if [ -n "$line" ]; then
        read -r el gap back hi <<< "$(fired_fields B)"
        check_common "$el" "$gap" "$back" "$hi" "$D"
        local wall_ms=$(( (t_fire - t_arm) / 1000000 ))
        echo "    DEC after $(ticks_ms "$el") ms of TB, $wall_ms ms of wall clock (programmed 2000)"
        # ARMED may be seen late on a busy host: 500 ms either way, less
        # than the 700 ms a restore that ignored the gap would add
        [ "$wall_ms" -ge 1500 ] && [ "$wall_ms" -le 2500 ] ||
            fail "interrupt $wall_ms ms after arming, expected at the original deadline (2000)"
        [ $(( $(ticks_ms "$el") - 2000 )) -le 500 ] || fail "guest TB says $(ticks_ms "$el") ms"
    fi
    end_case
}

# ---- host: -loadvm -S, wait past the deadline, cont: time is derived at
# cont, the passed deadline fires at once (rules 5, 6) ----
case_host_cont() {
    local tag=$1; shift
    begin "host: -loadvm -S, wait 2.5 s, cont: time derived at cont, DEC at once ($tag)"
    start A -kernel "$tguest"
    wait_line A '^ARMED' > /dev/null || fail "no ARMED line"
    sleep 0.3
    local t_save t_cont t_fire line
    mon A stop "savevm hostc-$tag" > /dev/null
    t_save=$(now_ns)
    mon A quit > /dev/null
    wait "$PID"
    start B "$@" -kernel "$tguest" -loadvm "hostc-$tag" -S
    mon B "info tb" > /dev/null
    sleep 2.5
    t_cont=$(now_ns)
    mon B cont > /dev/null
    line=$(wait_line B '^FIRED') || fail "no FIRED line"
    t_fire=$(now_ns)
    wait "$PID" || fail "guest failed: $(tr -d '\r' < "$work/B.log" | grep FAIL | head -n 3)"
    if [ -n "$line" ]; then
        read -r el gap back hi <<< "$(fired_fields B)"
        check_common "$el" "$gap" "$back" "$hi" "$D"
        local want_ms=$(( (t_cont - t_save) / 1000000 )) gap_ms at_once_ms
        gap_ms=$(ticks_ms "$gap")
        at_once_ms=$(( (t_fire - t_cont) / 1000000 ))
        echo "    guest saw a TB jump of $gap_ms ms; save -> cont took $want_ms ms; DEC $at_once_ms ms after cont"
        # derived at the load instead of at cont would show ~0.1 s, not ~2.5
        [ $((gap_ms - want_ms)) -le 400 ] && [ $((want_ms - gap_ms)) -le 400 ] ||
            fail "TB jump $gap_ms ms, expected the $want_ms ms from save to cont"
        [ "$at_once_ms" -le 800 ] || fail "passed deadline fired $at_once_ms ms after cont, not at once"
    fi
    end_case
}

# ---- host: the destination's realtime is an hour behind: TB does not go
# backwards (rule 6) ----
case_realtime_behind() {
    begin "host: destination realtime 1 h behind: TB never goes backwards"
    start A -kernel "$tguest"
    wait_line A '^ARMED' > /dev/null || fail "no ARMED line"
    sleep 0.3
    local out tb1 tb2 line
    out=$(mon A stop "info tb" "savevm behind")
    tb1=$(echo "$out" | tb_of)
    mon A quit > /dev/null
    wait "$PID"
    start B -debug-clock-offset real=-3600000000000 -kernel "$tguest" -loadvm behind -S
    out=$(mon B "info tb")
    tb2=$(echo "$out" | tb_of)
    [ -n "$tb2" ] && [ "$tb2" -ge "$tb1" ] || fail "TB after restore $tb2 is below TB at save $tb1"
    [ -n "$tb2" ] && [ $((tb2 - tb1)) -lt "$F" ] || fail "TB jumped by $(( (tb2 - tb1) / F )) s"
    mon B cont > /dev/null
    line=$(wait_line B '^FIRED') || fail "no FIRED line"
    wait "$PID" || fail "guest failed: $(tr -d '\r' < "$work/B.log" | grep FAIL | head -n 3)"
    if [ -n "$line" ]; then
        read -r el gap back hi <<< "$(fired_fields B)"
        check_common "$el" "$gap" "$back" "$hi" "$D"
        echo "    TB at save $tb1, after restore $tb2; DEC after $(ticks_ms "$el") ms of TB"
    fi
    end_case
}

# ---- -icount: run N, save, restore in a fresh process, run M ends in
# exactly the state of an uninterrupted run of N+M (rule 7) ----
# icount_stop NAME N FLAGS...: runs until instruction N, then prints
# `info registers` into NAME.regs, saves NAME.snap and quits
icount_stop() {
    local name=$1 n=$2; shift 2
    start "$name" -debug-stop-icount "$n" -kernel "$iguest" -icount 2 "$@"
    local i
    for ((i = 0; i < 1000; i++)); do
        mon "$name" "info tb" | grep -q '^state paused' && break
        sleep 0.02
    done
    mon "$name" "info registers" > "$work/$name.regs"
    mon "$name" "savevm $work/$name.snap" quit > /dev/null
    wait "$PID"
}

case_icount() {
    local n=$1 m=$2
    begin "icount: run $n, save, restore fresh, run $m == run $((n + m))"
    icount_stop U $((n + m))
    icount_stop A "$n"
    icount_stop B $((n + m)) -loadvm "$work/A.snap"
    grep -q "^icount $((n + m))\b" "$work/U.regs" || fail "uninterrupted run did not stop at $((n + m)): $(grep icount "$work/U.regs")"
    grep -q "^icount $n\b" "$work/A.regs" || fail "first run did not stop at $n"
    cmp -s "$work/U.regs" "$work/B.regs" || fail "registers differ: $(diff "$work/U.regs" "$work/B.regs" | head -n 4 | tr '\n' ' ')"
    # the whole machine: CPU, timebase, devices, RAM
    cmp -s "$work/U.snap" "$work/B.snap" || fail "machine state differs (snapshots U and B differ)"
    # and run both to the end: the guest's own account must agree
    local du db
    start U -kernel "$iguest" -icount 2
    wait "$PID"
    du=$(tr -d '\r' < "$work/U.log" | grep '^DET')
    start B -kernel "$iguest" -icount 2 -loadvm "$work/A.snap"
    wait "$PID" || fail "restored guest failed"
    db=$(tr -d '\r' < "$work/B.log" | grep '^DET')
    [ -n "$du" ] && [ "$du" = "$db" ] || fail "DET lines differ: '$du' vs '$db'"
    echo "    $du"
    end_case
}

# ---- bad snapshots are refused with one line, exit 1 / machine unchanged ----
loadvm_refused() { # what file flags...
    local what=$1 file=$2; shift 2
    "$emu" -m 16 -display none -no-reboot -serial null -kernel "$tguest" -snapshot-dir "$work/snaps" \
        -loadvm "$file" "$@" > "$work/bad.out" 2> "$work/bad.err" < /dev/null
    local st=$? lines
    lines=$(wc -l < "$work/bad.err")
    if [ "$st" != 1 ] || [ "$lines" != 1 ] || ! grep -q '^ppcemu: -loadvm ' "$work/bad.err"; then
        fail "$what: status $st, $lines line(s): $(head -n 3 "$work/bad.err" | tr '\n' ' ')"
    else
        echo "    $what: $(cat "$work/bad.err")"
    fi
}

case_bad_files() {
    begin "bad snapshot files: -loadvm exits 1 with one line; monitor loadvm changes nothing"
    local good=$work/A.snap size
    [ -f "$good" ] || { fail "no snapshot to damage"; end_case; return; }
    size=$(stat -c %s "$good")
    head -c $((size / 2)) "$good" > "$work/trunc.snap"
    cp "$good" "$work/flip.snap"
    printf '\xff' | dd of="$work/flip.snap" bs=1 seek=$((size / 3)) conv=notrunc status=none
    printf 'hello, I am not a snapshot\n' > "$work/text.snap"
    : > "$work/empty.snap"
    loadvm_refused "truncated" "$work/trunc.snap" -icount 2
    loadvm_refused "corrupted byte" "$work/flip.snap" -icount 2
    loadvm_refused "not a snapshot" "$work/text.snap"
    loadvm_refused "empty file" "$work/empty.snap"
    loadvm_refused "missing" "$work/nonexistent.snap"
    loadvm_refused "no such name" "no-such-snapshot"
    loadvm_refused "wrong RAM size" "$good" -icount 2 -m 32
    loadvm_refused "wrong timebase frequency" "$good" -icount 2 -tb-freq 1000000
    loadvm_refused "real time vs -icount" "$good"
    loadvm_refused "wrong -icount shift" "$good" -icount 3
    loadvm_refused "ipic=off vs on" "$good" -icount 2 -M virt,ipic=off
    # ppcsnap: shows a good file, refuses each bad one with one line
    local ps=$build/ppcsnap
    if "$ps" "$good" > "$work/ps.out" 2> "$work/ps.err"; then
        grep -q 'stream CRC ok' "$work/ps.out" && grep -q '^    dec .* DEC reads 0x' "$work/ps.out" &&
            grep -q '^    pc ' "$work/ps.out" || fail "ppcsnap output lacks the stream CRC, DEC or PC"
    else
        fail "ppcsnap refused a good snapshot: $(cat "$work/ps.err")"
    fi
    for f in trunc flip text empty; do
        "$ps" "$work/$f.snap" > /dev/null 2> "$work/ps.err"
        local st=$?
        [ "$st" = 1 ] && [ "$(wc -l < "$work/ps.err")" = 1 ] ||
            fail "ppcsnap on $f.snap: status $st, $(cat "$work/ps.err")"
    done
    # the monitor: a failed loadvm leaves the machine as it was
    start C -kernel "$iguest" -icount 2 -S
    local before after out
    before=$(mon C "info registers" "info tb")
    out=$(mon C "loadvm $work/flip.snap" "loadvm $work/trunc.snap" "loadvm $work/text.snap" "loadvm nothing-here")
    after=$(mon C "info registers" "info tb")
    [ "$(echo "$out" | wc -l)" = 4 ] || fail "monitor loadvm failures were not one line each: $out"
    [ "$before" = "$after" ] || fail "a failed monitor loadvm changed the machine"
    out=$(mon C "loadvm $good" "info registers")
    echo "$out" | grep -q "^icount " || fail "good snapshot did not load after the bad ones"
    mon C quit > /dev/null
    wait "$PID"
    end_case
}

case_named() {
    begin "named snapshots: savevm, info snapshots, loadvm, delvm"
    start C -kernel "$iguest" -icount 2 -S
    local out
    out=$(mon C "savevm one" "savevm two" "info snapshots" "delvm one" "info snapshots" "delvm one" "savevm ../x" quit)
    wait "$PID"
    echo "$out" | grep -q '^one ' || fail "info snapshots does not list 'one'"
    [ "$(echo "$out" | grep -c '^two ')" = 2 ] || fail "'two' not listed twice"
    [ "$(echo "$out" | grep -c '^one ')" = 1 ] || fail "'one' still listed after delvm"
    echo "$out" | grep -q '^delvm: cannot delete' || fail "second delvm of 'one' did not fail"
    [ -f "$work/snaps/two.snap" ] || fail "two.snap not in -snapshot-dir"
    end_case
}

# ---- compatibility: a format-1 snapshot written by ppcemu 5e984f7 (tb
# section version 1) loads, holds the registers that build printed, and
# runs on into exactly the state of an uninterrupted run ----
fixtures=$(dirname "$0")/../snapshot/fixtures
case_format1() {
    local fx=$fixtures/v1-icount600k.snap n=900000
    begin "format 1 snapshot (5e984f7) loads and runs on exactly"
    # that build's board had no framebuffer (nor its device tree node,
    # which is in the RAM the snapshot holds): compare on the same board
    icount_stop U "$n" -M virt,fb=off
    icount_stop B "$n" -M virt,fb=off -loadvm "$fx"
    cmp -s "$work/U.regs" "$work/B.regs" || fail "registers differ: $(diff "$work/U.regs" "$work/B.regs" | head -n 4 | tr '\n' ' ')"
    cmp -s "$work/U.snap" "$work/B.snap" || fail "machine state differs (snapshots U and B differ)"
    start C -kernel "$iguest" -icount 2 -S -M virt,fb=off -loadvm "$fx"
    mon C "info registers" quit | tr -s ' ' > "$work/C.regs"
    wait "$PID" || fail "-loadvm of the format 1 snapshot failed: $(cat "$work/C.err")"
    local pair k=0
    while read -r pair; do
        k=$((k + 1))
        grep -qE "(^| )$pair( |\$)" "$work/C.regs" || fail "old build's '$pair' not in: $(head -c 300 "$work/C.regs")"
    done < <(grep -oE '(^| )[A-Za-z][A-Za-z0-9]* +[0-9a-f]{8}\b' "$fixtures/v1-icount600k.regs" | tr -s ' ' | sed 's/^ //')
    [ "$k" -ge 40 ] || fail "only $k register values compared"
    echo "    $k register values as the old build printed them"
    end_case
}

# ---- kill -9 in the middle of a savevm of a large guest: no temporary
# file is left, the previous snapshot is intact ----
case_kill_savevm() {
    begin "kill -9 during savevm: nothing left behind"
    local bguest=$build/tests/snapshot/bench_ram.elf i tmps hit=0
    rm -rf "$work/snaps"
    start K -m 128 -kernel "$bguest" -append fill
    wait_line K '^READY' 60 > /dev/null || fail "bench_ram did not fill RAM"
    mon K "savevm keep" > /dev/null
    [ -f "$work/snaps/keep.snap" ] || fail "first savevm wrote nothing"
    local before
    before=$(cksum < "$work/snaps/keep.snap")
    for i in 1 2 3; do
        mon K "savevm keep" > /dev/null 2>&1 &
        sleep 0.$((i * 2))
        pkill -KILL -P "$PID"
        wait "$PID" 2> /dev/null
        wait 2> /dev/null
        tmps=$(find "$work/snaps" -name '*.tmp*' | wc -l)
        [ "$tmps" = 0 ] || fail "kill $i left $tmps temporary file(s): $(ls "$work/snaps")"
        # interrupted: the old file as it was; finished: a good new one
        if [ "$(cksum < "$work/snaps/keep.snap")" = "$before" ]; then
            hit=$((hit + 1))
        else
            "$build/ppcsnap" "$work/snaps/keep.snap" > /dev/null 2>&1 ||
                fail "kill $i damaged the previous snapshot"
        fi
        before=$(cksum < "$work/snaps/keep.snap")
        start K -m 128 -kernel "$bguest" -append fill
        wait_line K '^READY' 60 > /dev/null || fail "bench_ram did not fill RAM"
    done
    mon K quit > /dev/null
    wait "$PID"
    echo "    $hit of 3 kills interrupted a save; left: $(ls "$work/snaps" | tr '\n' ' ')"
    end_case
}

case_vm plain 33333333
case_vm mono+4e18 33333333 -debug-clock-offset mono=4000000000000000000
case_vm fast 512000000
case_vm slow 1000000
case_host_deadline plain
case_host_deadline mono-5e18 -debug-clock-offset mono=-5000000000000000000
case_host_cont plain
case_host_cont mono+7e18 -debug-clock-offset mono=7000000000000000000
case_realtime_behind
case_icount 700001 1200002
case_icount 1234567 345678
case_bad_files
case_named
case_format1
case_kill_savevm

echo "snapshot: $passed passed, $failed failed${failures:+ (${failures[*]})}"
[ "$failed" -eq 0 ]
