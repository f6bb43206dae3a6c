#!/usr/bin/env bash
# Live migration between two ppcemu processes on this host (issue 10.5):
# converging and forced non-converging pre-copy with every page checked on
# the destination (tests/migration/migcount.c), cancel and the failure
# cases (nothing listening, destination killed, configuration mismatch,
# corrupt/truncated/hostile streams), guest time across the handover
# (DEC mid-countdown under both clock policies, destination realtime
# +-180 s, -icount equal to an uninterrupted run).
#
# Loopback and UNIX sockets only; every process runs under `timeout`.
# Time bounds are generous and only ever tell apart effects larger than
# them.  Usage: tests/steps/migration.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
monc=$build/tests/snapshot/monclient
cguest=$build/tests/migration/migcount.elf
tguest=$build/tests/snapshot/snap_time.elf
iguest=$build/tests/snapshot/snap_icount.elf
gguest=$build/tests/migration/tbgap.elf
fguest=$build/tests/migration/fbcount.elf
vmlinux=${MIG_VMLINUX:-build-guest/vmlinux}
for f in "$emu" "$monc" "$cguest" "$tguest" "$iguest" "$gguest" "$fguest"; do
    if [ ! -f "$f" ]; then
        echo "migration: SKIP: $f is not built"
        exit 0
    fi
done
work=$(mktemp -d /tmp/ppcemu-mig.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    exec 3>&- 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

. tests/lib/cases.sh

# src NAME FLAGS...: a source (serial to NAME.log, monitor NAME.sock)
src() {
    local name=$1; shift
    rm -f "$work/$name.sock" "$work/$name.log"
    timeout -k 5 120 "$emu" -display none -no-reboot -serial "file:$work/$name.log" \
        -monitor "unix:$work/$name.sock,server,nowait" "$@" > "$work/$name.err" 2>&1 &
    PID=$!
    pids+=("$PID")
}

# dst NAME URI FLAGS...: a destination whose serial input is NAME.in
# (a FIFO the script holds open as fd 3; `q` ends migcount), output NAME.log
dst() {
    local name=$1 uri=$2; shift 2
    rm -f "$work/$name.sock" "$work/$name.log" "$work/$name.in"
    mkfifo "$work/$name.in"
    timeout -k 5 120 "$emu" -display none -no-reboot -serial stdio \
        -monitor "unix:$work/$name.sock,server,nowait" -incoming "$uri" "$@" \
        < "$work/$name.in" > "$work/$name.log" 2> "$work/$name.err" &
    DPID=$!
    pids+=("$DPID")
    exec 3> "$work/$name.in"
    # listening once the monitor answers (the socket is bound before)
    local i
    for ((i = 0; i < 500; i++)); do
        mon "$name" "info migrate" 2>/dev/null | grep -q waiting && return 0
        kill -0 "$DPID" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

# a fresh socket path in SK (a killed destination leaves its file behind)
SEQ=0
newsock() { SEQ=$((SEQ + 1)); SK=$work/m$SEQ.sock; }

mon() { local name=$1; shift; "$monc" "$work/$name.sock" "$@"; }
status() { mon "$1" "info migrate" | sed -n 's/^Migration status: //p'; }
field() { mon "$1" "info migrate" | sed -n "s/^$2: *//p"; }

# wait_status NAME REGEX [SECONDS]
wait_status() {
    local name=$1 pat=$2 secs=${3:-60} i
    for ((i = 0; i < secs * 10; i++)); do
        status "$name" | grep -Eq "$pat" && return 0
        sleep 0.1
    done
    return 1
}

wait_line() { # NAME REGEX [SECONDS]
    local name=$1 pat=$2 secs=${3:-30} i
    for ((i = 0; i < secs * 50; i++)); do
        tr -d '\r' 2>/dev/null < "$work/$name.log" | grep -E -m1 -- "$pat" && return 0
        sleep 0.02
    done
    return 1
}

# the instruction count twice, 300 ms apart: does the guest run?
pc_of() { mon "$1" "info registers" | sed -n 's/^icount \([0-9]*\).*/\1/p'; }
moving() {
    local a b
    a=$(pc_of "$1"); sleep 0.3; b=$(pc_of "$1")
    [ -n "$a" ] && [ "$a" != "$b" ]
}

# finish_dest [TAG]: type q, the destination's migcount (or fbcount: TAG
# FBCOUNT) checks every page once more and exits 0
finish_dest() {
    local tag=${1:-MIGCOUNT}
    echo q >&3
    exec 3>&-
    wait "$DPID"; local rc=$?
    [ "$rc" = 0 ] || fail "destination exit $rc: $(tr -d '\r' < "$work/D.log" | grep -m1 BAD) $(head -c 300 "$work/D.err")"
    grep -q "^$tag DONE" <(tr -d '\r' < "$work/D.log") || fail "no $tag DONE on the destination"
}

quit_src() { mon S quit > /dev/null 2>&1; wait "$PID" 2>/dev/null; }

# ---- pre-copy that converges: every page arrives (unix: and tcp:) ----
case_converge() {
    local kind=$1 uri
    begin "converging pre-copy over $kind: every page checked on the destination"
    if [ "$kind" = unix ]; then
        newsock; uri=unix:$SK
        dst D "$uri" -m 32 -kernel "$cguest" || fail "destination did not listen"
    else
        local try
        for try in 1 2 3 4 5; do
            uri=tcp:127.0.0.1:$((20000 + RANDOM % 40000))
            dst D "$uri" -m 32 -kernel "$cguest" && break
            exec 3>&-; wait "$DPID" 2>/dev/null
        done
    fi
    src S -m 32 -kernel "$cguest" -d migration -D "$work/S.dlog"
    # every page holds data before the migration starts (the count below)
    wait_line S '^MIGCOUNT ROUND1' > /dev/null || fail "source guest did not start"
    if [ "$kind" = unix ]; then
        # without -d the monitor answers only when the migration has ended
        # (QEMU's HMP): the next command's answer already says "completed"
        mon S "migrate $uri" "info migrate" > "$work/m.out"
        grep -q '^Migration status: completed' "$work/m.out" ||
            fail "migrate without -d returned before the end: $(head -3 "$work/m.out")"
    else
        mon S "migrate -d $uri" > "$work/m.out"
        [ -s "$work/m.out" ] && fail "migrate said: $(cat "$work/m.out")"
    fi
    wait_status S '^completed' 60 || fail "not completed: $(status S) $(cat "$work/S.err")"
    mon S "info migrate" > "$work/info"
    grep -q '^downtime: [0-9]' "$work/info" || fail "no downtime in info migrate"
    grep -q '^clock skew: ' "$work/info" || fail "no clock skew in info migrate"
    local norm syncs
    norm=$(sed -n 's/^normal: \([0-9]*\) pages/\1/p' "$work/info")
    syncs=$(sed -n 's/^dirty sync count: //p' "$work/info")
    [ "${norm:-0}" -ge $((32 * 256 - 200)) ] || fail "only ${norm:-0} normal pages sent (RAM is 8192 pages)"
    [ "${syncs:-0}" -ge 1 ] || fail "no dirty sync"
    moving S && fail "the source runs after completing"
    finish_dest
    quit_src
    # -d migration: the source's status changes and passes in its -D log
    local want
    for want in 'status active' \
        'pass 1: [0-9]+ bytes sent.*; [0-9]+ us \(reading [0-9]+, sending [0-9]+, rate limit [0-9]+\)' \
        'status device' 'status completed'; do
        grep -Eq "^migration: $want" "$work/S.dlog" || fail "-d migration: no '$want' in $(head -c 300 "$work/S.dlog")"
    done
    echo "    $(grep -E '^(total time|downtime|dirty sync count)' "$work/info" | tr '\n' ' ')"
    end_case
}

# ---- forced non-convergence: tiny limit and bandwidth; auto-converge
# throttles; raising the downtime limit completes it ----
case_nonconverge() {
    begin "non-converging pre-copy: auto-converge throttles, raising downtime-limit completes"
    newsock
    dst D "unix:$SK" -m 32 -kernel "$cguest" || fail "destination did not listen"
    src S -m 32 -kernel "$cguest"
    wait_line S '^MIGCOUNT READY' > /dev/null || fail "source guest did not start"
    mon S "migrate_set_parameter downtime-limit 1" "migrate_set_parameter max-bandwidth 40000000" \
        "migrate_set_parameter auto-converge on" > /dev/null
    mon S "info migrate_parameters" | grep -q '^downtime-limit: 1 ms' || fail "parameter not set"
    mon S "migrate -d unix:$SK" > /dev/null
    local i thr=0 syncs=0
    for ((i = 0; i < 150; i++)); do
        thr=$(field S 'cpu throttle percentage'); syncs=$(field S 'dirty sync count')
        [ "${thr:-0}" -ge 30 ] && break
        sleep 0.1
    done
    [ "$(status S)" = active ] || fail "status $(status S), expected active (cannot converge)"
    [ "${syncs:-0}" -ge 3 ] || fail "only ${syncs:-0} dirty syncs"
    [ "${thr:-0}" -ge 30 ] || fail "auto-converge throttle at ${thr:-0} %, expected >= 30 after $syncs passes"
    moving S || fail "the source guest does not run during pre-copy"
    mon S "migrate_set_parameter downtime-limit 20000" > /dev/null
    wait_status S '^completed' 60 || fail "not completed after raising the limit: $(status S)"
    finish_dest
    quit_src
    end_case
}

# ---- cancel: the source keeps running, the destination exits 1; a new
# migration to a fresh destination works ----
case_cancel() {
    begin "migrate_cancel mid-stream, then migrate again"
    newsock
    dst D "unix:$SK" -m 32 -kernel "$cguest" || fail "destination did not listen"
    src S -m 32 -kernel "$cguest"
    wait_line S '^MIGCOUNT READY' > /dev/null || fail "source guest did not start"
    mon S "migrate_set_parameter max-bandwidth 4000000" "migrate -d unix:$SK" > /dev/null
    sleep 0.5
    # the destination receives from its event loop: its monitor answers
    timeout 10 "$monc" "$work/D.sock" "info migrate" "info tb" > "$work/dinfo" 2>&1
    grep -q '^Migration status: active (incoming)' "$work/dinfo" ||
        fail "the receiving destination's monitor: $(head -c 200 "$work/dinfo")"
    grep -q "^state paused" "$work/dinfo" || fail "info tb on the receiving destination: $(tail -n 2 "$work/dinfo")"
    mon S migrate_cancel > /dev/null
    [ "$(status S)" = cancelled ] || fail "status $(status S) after cancel"
    grep -q "migration cancelled" "$work/S.err" || fail "no line on the source's stderr"
    moving S || fail "the source guest stopped"
    exec 3>&-
    wait "$DPID"; local rc=$?
    [ "$rc" = 1 ] || fail "destination exit $rc, expected 1"
    [ "$(grep -c . "$work/D.err")" = 1 ] || fail "destination said: $(cat "$work/D.err")"
    newsock
    dst D "unix:$SK" -m 32 -kernel "$cguest" || fail "second destination did not listen"
    mon S "migrate_set_parameter max-bandwidth 134217728" "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 60 || fail "second migration: $(status S)"
    finish_dest
    quit_src
    end_case
}

# ---- failures on the source side ----
case_src_failures() {
    begin "nothing listening; destination killed mid-stream; config mismatch"
    src S -m 32 -kernel "$cguest"
    wait_line S '^MIGCOUNT READY' > /dev/null || fail "source guest did not start"
    local out
    out=$(mon S "migrate unix:$work/nobody.sock")
    echo "$out" | grep -q "cannot connect" || fail "nothing listening: '$out'"
    [ "$(echo "$out" | grep -c .)" = 1 ] || fail "more than one line: $out"
    moving S || fail "source stopped after a failed connect"
    # killed mid-stream
    newsock
    dst D "unix:$SK" -m 32 -kernel "$cguest" || fail "destination did not listen"
    mon S "migrate_set_parameter max-bandwidth 4000000" "migrate -d unix:$SK" > /dev/null
    sleep 0.5
    # the emulator itself, not the `timeout` around it
    kill -9 "$(pgrep -P "$DPID")"; wait "$DPID" 2>/dev/null; exec 3>&-
    wait_status S '^failed' 20 || fail "status $(status S) after the destination died"
    moving S || fail "source stopped after the destination died"
    mon S "migrate_set_parameter max-bandwidth 134217728" > /dev/null
    # RAM size, -icount mode: refused at the handshake with the reason
    local what
    for what in "-m 64" "-m 32 -icount 2" "-m 32 -tb-freq 1000000"; do
        # shellcheck disable=SC2086
        newsock
        dst D "unix:$SK" $what -kernel "$cguest" || fail "destination did not listen"
        # all refused at the handshake, before any RAM: `migrate` itself
        # answers with the reason
        out=$(mon S "migrate unix:$SK")
        echo "$out" | grep -q "refused: configuration mismatch" || fail "$what: migrate said '$out'"
        echo "    $what: $out"
        exec 3>&-
        wait "$DPID"; local rc=$?
        [ "$rc" = 1 ] || fail "$what: destination exit $rc"
        [ "$(grep -c . "$work/D.err")" = 1 ] || fail "$what: destination said $(cat "$work/D.err")"
    done
    moving S || fail "source stopped after the refusals"
    newsock
    dst D "unix:$SK" -m 32 -kernel "$cguest" || fail "destination did not listen"
    mon S "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 60 || fail "migration after the failures: $(status S)"
    finish_dest
    quit_src
    end_case
}

# ---- hostile streams at the destination (over tcp from bash) ----
case_hostile() {
    begin "destination: corrupt, truncated and hostile streams exit 1 with one line"
    # a real one-way stream, captured with exec:
    src S -m 16 -kernel "$cguest"
    wait_line S '^MIGCOUNT READY' > /dev/null || fail "source guest did not start"
    mon S "migrate -d exec:cat > $work/stream" > /dev/null
    wait_status S '^completed' 30 || fail "exec: migration: $(status S)"
    quit_src
    local size
    size=$(stat -c %s "$work/stream")
    [ "$size" -gt 100000 ] || fail "captured stream of $size bytes"
    # the good stream loads (sanity of the harness)
    cp "$work/stream" "$work/good"
    # a page index past the end of RAM in the first record
    cp "$work/stream" "$work/badpage"; printf '\xff' | dd of="$work/badpage" bs=1 seek=77 conv=notrunc 2>/dev/null
    head -c $((size / 2)) "$work/stream" > "$work/trunc"
    cp "$work/stream" "$work/badmagic"; printf 'X' | dd of="$work/badmagic" bs=1 seek=0 conv=notrunc 2>/dev/null
    # a device-state record of 4 GiB - 1 right after the hello
    { head -c 76 "$work/stream"; printf '\x03\xff\xff\xff\xff'; } > "$work/hugedev"
    { head -c 76 "$work/stream"; printf '\x07\x00\x00\x00\x00'; } > "$work/badtype"
    # a framebuffer page past the region (16 MiB: 4096 pages)
    { head -c 76 "$work/stream"; printf '\x05\x00\x00\x10\x00'; } > "$work/badfb"
    # an older ppcemu's stream (protocol version 2): one line, nothing loaded
    cp "$work/stream" "$work/oldver"; printf '\x02' | dd of="$work/oldver" bs=1 seek=11 conv=notrunc 2>/dev/null
    local f port try rc
    for f in good badpage trunc badmagic hugedev badtype badfb oldver; do
        for try in 1 2 3 4 5; do
            port=$((20000 + RANDOM % 40000))
            dst D "tcp:127.0.0.1:$port" -m 16 -kernel "$cguest" && break
            exec 3>&-; wait "$DPID" 2>/dev/null
        done
        if [ "$f" = good ]; then
            # read the replies until the destination closes: closing with
            # them unread would reset the connection
            exec 4<> "/dev/tcp/127.0.0.1/$port"
            cat "$work/$f" >&4
            timeout 20 cat <&4 > /dev/null
            exec 4>&-
            echo q >&3
        else
            cat "$work/$f" > "/dev/tcp/127.0.0.1/$port" 2>/dev/null
        fi
        exec 3>&-
        wait "$DPID"; rc=$?
        if [ "$f" = good ]; then
            [ "$rc" = 0 ] || fail "good stream: exit $rc: $(cat "$work/D.err")"
        else
            [ "$rc" = 1 ] || fail "$f: exit $rc, expected 1"
            [ "$(grep -c . "$work/D.err")" = 1 ] || fail "$f: said $(cat "$work/D.err")"
            echo "    $f: $(cat "$work/D.err")"
        fi
    done
    end_case
}

# ---- guest time: DEC mid-countdown (snap_time: TBU written, 2 s DEC) ----
# fields of the FIRED line: elapsed maxgap back tbhi
fired() { tr -d '\r' < "$work/D.log" | awk '/^FIRED / { print $2, $3, $4, $5; exit }'; }
F=33333333

case_time() {
    # at 1 MHz a 180 s jump does not carry into the guest-written TBU
    local policy=$1 tag=$2 F=$3; shift 3
    begin "DEC mid-countdown, -tb-clock $policy, $F Hz ($tag)"
    newsock
    dst D "unix:$SK" -m 16 -kernel "$tguest" -tb-clock "$policy" -tb-freq "$F" "$@" ||
        fail "destination did not listen"
    src S -m 16 -kernel "$tguest" -tb-clock "$policy" -tb-freq "$F"
    wait_line S '^ARMED' > /dev/null || fail "no ARMED line"
    sleep 0.5
    mon S "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 30 || fail "not completed: $(status S)"
    local info
    info=$(mon S "info migrate")
    exec 3>&-
    wait "$DPID" || fail "destination guest failed: $(tr -d '\r' < "$work/D.log" | grep FAIL | head -n 2)"
    read -r el gap back hi <<< "$(fired)"
    [ -n "${el:-}" ] || fail "no FIRED line on the destination"
    [ "${back:-1}" = 0 ] || fail "TB went backwards ${back:-?} times"
    [ "${hi:-}" = 1234 ] || fail "guest-written TBU lost: ${hi:-?}"
    [ "${el:-0}" -ge $((2 * F)) ] || fail "DEC early: $el ticks"
    local skew
    skew=$(echo "$info" | sed -n 's/^clock skew: \([-+0-9]*\) ns.*/\1/p')
    [ -n "$skew" ] || fail "no skew in info migrate"
    case $tag in
    ahead)
        [ "${skew:-0}" -gt 170000000000 ] && [ "${skew:-0}" -lt 190000000000 ] ||
            fail "skew $skew ns, expected about +180 s"
        grep -Eq "realtime clock is \+1[78][0-9]\." "$work/S.err" || fail "no warning line: $(cat "$work/S.err")" ;;
    behind)
        [ "${skew:-0}" -lt -170000000000 ] && [ "${skew:-0}" -gt -190000000000 ] ||
            fail "skew $skew ns, expected about -180 s"
        grep -Eq "realtime clock is -1[78][0-9]\." "$work/S.err" || fail "no warning line" ;;
    *)
        [ "${skew#-}" -lt 1000000000 ] || fail "skew $skew ns between equal clocks"
        grep -q "warning" "$work/S.err" && fail "a skew warning with equal clocks" ;;
    esac
    # vm: the guest never sees the handover (maxgap below 1 s, as snapshot.sh);
    # host, equal clocks: the DEC fires at its wall-clock deadline, so the
    # countdown (2 s) is not stretched by the handover by more than 1 s
    if [ "$policy" = vm ]; then
        [ "${gap:-$F}" -lt "$F" ] || fail "vm: the guest saw a gap of $gap ticks (1 s bound: host scheduling noise is below it)"
    elif [ "$tag" = equal ]; then
        [ "${el:-0}" -lt $((3 * F)) ] || fail "host: DEC after $el ticks (deadline 2 s)"
    elif [ "$tag" = ahead ]; then
        # rule 9: TB derived from the destination's realtime: it jumps ~180 s
        [ "${gap:-0}" -gt $((170 * F)) ] || fail "host, +180 s: TB jump $gap ticks"
    fi
    quit_src
    end_case
}

# ---- -icount: stopped at N, migrated, run to the end == uninterrupted ----
case_icount() {
    local n=700000
    begin "-icount: stop at $n, migrate, finish == uninterrupted run"
    src U -m 16 -kernel "$iguest" -icount 2
    wait "$PID"
    local du db
    du=$(tr -d '\r' < "$work/U.log" | grep '^DET')
    newsock
    dst D "unix:$SK" -m 16 -kernel "$iguest" -icount 2 || fail "destination did not listen"
    src S -m 16 -kernel "$iguest" -icount 2 -debug-stop-icount "$n"
    local i
    for ((i = 0; i < 500; i++)); do
        mon S "info tb" | grep -q '^state paused' && break
        sleep 0.02
    done
    mon S "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 30 || fail "not completed: $(status S)"
    exec 3>&-
    wait "$DPID" || fail "destination guest failed"
    db=$(tr -d '\r' < "$work/D.log" | grep '^DET')
    [ -n "$du" ] && [ "$du" = "$db" ] || fail "DET lines differ: '$du' vs '$db'"
    quit_src
    echo "    $du"
    end_case
}

# ---- the TB jump across the handover (timebase.md 9): the source stays
# stopped 2 s (x-stop-delay, a test hook) so that the policies differ by
# far more than the host's scheduling noise (a loaded host stalls a guest
# for 100s of ms).  host: the jump the guest sees is at least the measured
# handover (destination start minus source stop, realtime, skew removed)
# less the skew's error (half the round trip), and at most the downtime
# (stop to ack, the source's monotonic clock) plus 1 s of scheduling;
# vm: no jump (below half the delay) ----
case_tbjump() {
    local policy=$1
    begin "TB jump across the handover, -tb-clock $policy (downtime 2+ s)"
    newsock
    dst D "unix:$SK" -m 16 -kernel "$gguest" -tb-clock "$policy" || fail "destination did not listen"
    src S -m 16 -kernel "$gguest" -tb-clock "$policy"
    wait_line S '^TBGAP READY' > /dev/null || fail "source guest did not start"
    sleep 0.3
    mon S "migrate_set_parameter x-stop-delay 2000" "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 30 || fail "not completed: $(status S)"
    local info down hand rtt gap
    info=$(mon S "info migrate")
    down=$(echo "$info" | sed -n 's/^downtime: \([0-9]*\) ms/\1/p')
    hand=$(echo "$info" | sed -n 's/^handover: \([-0-9]*\) us.*/\1/p')
    rtt=$(echo "$info" | sed -n 's/.*round trip \([0-9]*\) ns.*/\1/p')
    rtt=$(( ${rtt:-0} / 1000 ))
    sleep 0.3
    echo q >&3
    exec 3>&-
    wait "$DPID" || fail "destination guest failed"
    gap=$(tr -d '\r' < "$work/D.log" | sed -n 's/^GAP \([0-9]*\)$/\1/p' | head -n 1)
    grep -q '^BACK' <(cat "$work/D.log" "$work/S.log" | tr -d '\r') && fail "the TB went backwards"
    grep -q '^TBGAP DONE' <(tr -d '\r' < "$work/D.log") || fail "the guest did not finish on the destination"
    [ "${down:-0}" -ge 2000 ] || fail "downtime ${down:-?} ms with a 2 s stop"
    [ -n "$hand" ] || fail "no handover in info migrate"
    if [ "$policy" = host ]; then
        [ -n "$gap" ] || fail "host: the guest saw no jump"
        [ "${gap:-0}" -ge $(( ${hand:-0} - rtt / 2 - 1000 )) ] ||
            fail "host: jump ${gap:-?} us below the handover ${hand:-?} us - rtt/2 ($rtt us)"
        [ "${gap:-0}" -le $(( ${down:-0} * 1000 + 1000 + rtt + 1000000 )) ] ||
            fail "host: jump ${gap:-?} us above the downtime ${down:-?} ms + 1 s"
    else
        [ "${gap:-0}" -lt 1000000 ] || fail "vm: the guest saw a jump of ${gap:-?} us"
    fi
    echo "    downtime $down ms, handover $hand us, rtt $rtt us, guest saw ${gap:-no} jump (us)"
    quit_src
    end_case
}

# ---- Linux at its shell, a process counting in the background, moved to
# a fresh ppcemu; it keeps counting there and sleep/date stay right ----
lwait() { # NAME TEXT SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        tr -d '\r' < "$work/$1.log" | grep -qF -- "$2" && return 0
        sleep 0.1
    done
    return 1
}

case_linux() {
    begin "Linux at its shell with a counting process, migrated; sleep and date right after"
    if [ ! -f "$vmlinux" ]; then
        echo "    SKIP: $vmlinux is not built (make guest)"
        end_case
        return
    fi
    local lflags=(-M virt -m 128 -kernel "$vmlinux" -append "console=ttyS0,115200")
    newsock
    dst D "unix:$SK" "${lflags[@]}" || fail "destination did not listen"
    # the source's serial input is a FIFO too (fd 4)
    rm -f "$work/S.in"; mkfifo "$work/S.in"
    timeout -k 5 300 "$emu" -display none -serial stdio \
        -monitor "unix:$work/S.sock,server,nowait" "${lflags[@]}" \
        < "$work/S.in" > "$work/S.log" 2> "$work/S.err" &
    PID=$!; pids+=("$PID")
    exec 4> "$work/S.in"
    lwait S "ppcemu:/# " 240 || { fail "no shell prompt on the source"; exec 4>&-; end_case; return; }
    # a counter writing its value once per 0.2 s to a file
    printf 'i=0; (while true; do i=$((i+1)); echo $i > /tmp/cnt; sleep 0.2; done) &\r' >&4
    sleep 2
    # "be""fore": the shell's echo of the command line does not match
    printf 'echo be""fore-$(cat /tmp/cnt)-x\r' >&4
    lwait S "before-" 20 || fail "the counter does not run on the source"
    local before
    before=$(tr -d '\r' < "$work/S.log" | sed -n 's/^before-\([0-9]*\)-x$/\1/p' | tail -n 1)
    mon S "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 60 || fail "not completed: $(status S) $(cat "$work/S.err")"
    local info; info=$(mon S "info migrate")
    # the destination's shell answers; the counter went on from where it was
    sleep 1
    printf 'echo af""ter-$(cat /tmp/cnt)-x\r' >&3
    lwait D "after-" 30 || fail "the migrated shell does not answer"
    local after
    after=$(tr -d '\r' < "$work/D.log" | sed -n 's/^after-\([0-9]*\)-x$/\1/p' | tail -n 1)
    [ "${after:-0}" -gt "${before:-0}" ] || fail "the counter did not go on: before ${before:-?}, after ${after:-?}"
    # sleep 2 takes 2 s of the host's time (the guest's timer is right) and
    # date moves by 2..3 s across it
    local t0 t1 ms d0 d1
    printf 'd0=$(date +%%s); sleep 2; d1=$(date +%%s); echo sl""ept-$((d1-d0))-x\r' >&3
    t0=$(date +%s%N)
    lwait D "slept-" 30 || fail "sleep 2 never returned"
    t1=$(date +%s%N); ms=$(( (t1 - t0) / 1000000 ))
    d0=$(tr -d '\r' < "$work/D.log" | sed -n 's/^slept-\([0-9]*\)-x$/\1/p' | tail -n 1)
    [ "$ms" -ge 1900 ] || fail "sleep 2 returned after $ms ms of host time"
    [ "${d0:-0}" -ge 2 ] && [ "${d0:-0}" -le 3 ] || fail "date moved by ${d0:-?} s across sleep 2"
    echo "    counter $before -> $after, sleep 2 took $ms ms, $(echo "$info" | grep -E '^(total time|downtime):' | tr '\n' ' ')"
    exec 4>&-
    mon D quit > /dev/null 2>&1; exec 3>&-; wait "$DPID" 2>/dev/null
    quit_src
    end_case
}

# ---- the live protocol fuzzed: mutations of a recorded good stream fed
# to -incoming (tests/migration/fuzz_live.py); each ends loaded or with
# exit 1 and one line, never a crash or a hang.  MIG_FUZZ_CASES to change
# the count (kept short for make check) ----
case_fuzz() {
    local cases=${MIG_FUZZ_CASES:-40}
    begin "live protocol fuzz: $cases mutated streams"
    # a small stream (tbgap leaves most pages zero): the cases stay quick
    src S -m 16 -kernel "$gguest"
    wait_line S '^TBGAP READY' > /dev/null || fail "source guest did not start"
    # the command starts slowly: the source waits for it to read the whole
    # stream (it killed a command still running at the end: no file)
    mon S "migrate -d exec:sleep 0.5; cat > $work/fstream" > /dev/null
    wait_status S '^completed' 30 || fail "exec: migration: $(status S)"
    quit_src
    [ "$(stat -c %s "$work/fstream" 2>/dev/null || echo 0)" -gt 4096 ] ||
        fail "exec: the command did not get the stream"
    echo "    a good stream of $(stat -c %s "$work/fstream") bytes"
    python3 tests/migration/fuzz_live.py "$emu" "$gguest" "$work/fstream" "$cases" \
        "${MIG_FUZZ_SEED:-$RANDOM}" "$work" || fail "a mutated stream crashed or hung the destination"
    end_case
}

# ---- QMP: migrate-incoming, migrate-set-parameters, migrate, the
# MIGRATION and MIGRATION_PASS events, query-migrate's fields
# (tests/migration/qmp_mig.py) ----
case_qmp() {
    begin "migration over QMP: commands, events, query-migrate"
    if ! command -v python3 > /dev/null; then
        echo "    SKIP: no python3"; end_case; return
    fi
    timeout -k 5 120 python3 tests/migration/qmp_mig.py "$emu" "$gguest" "$work" \
        > "$work/qmp.out" 2> "$work/qmp.err" || fail "$(cat "$work/qmp.out")"
    echo "    $(grep -v '^ppcemu:' "$work/qmp.out" | tail -n 1)"
    end_case
}

# ---- -incoming unix: over a stale socket file (a killed destination's)
# binds; over a live listener it fails with one line; a destination that
# accepted has removed its file ----
case_stale() {
    begin "-incoming unix: replaces a stale socket file, never a live one"
    newsock
    dst D "unix:$SK" -m 16 -kernel "$gguest" || fail "first destination did not listen"
    local first=$DPID
    # a second one on the same path while the first listens: refused
    timeout -k 5 20 "$emu" -display none -serial null -m 16 -kernel "$gguest" \
        -incoming "unix:$SK" > /dev/null 2> "$work/E.err"
    local rc=$?
    [ "$rc" = 1 ] || fail "a second -incoming on a live socket: exit $rc"
    grep -q "cannot listen" "$work/E.err" || fail "no line: $(cat "$work/E.err")"
    [ "$(grep -c . "$work/E.err")" = 1 ] || fail "more than one line: $(cat "$work/E.err")"
    kill -9 "$(pgrep -P "$first")"; wait "$first" 2>/dev/null; exec 3>&-
    [ -S "$SK" ] || fail "the killed destination left no file (the case tests nothing)"
    dst D "unix:$SK" -m 16 -kernel "$gguest" || fail "no -incoming over the stale file: $(cat "$work/D.err")"
    src S -m 16 -kernel "$gguest"
    wait_line S '^TBGAP READY' > /dev/null || fail "source guest did not start"
    mon S "migrate -d unix:$SK" > /dev/null
    wait_status S '^completed' 30 || fail "not completed: $(status S)"
    [ -e "$SK" ] && fail "the destination left its socket file after accepting"
    echo q >&3; exec 3>&-
    wait "$DPID" || fail "destination guest failed"
    quit_src
    end_case
}

# ---- both directions: a destination that has started is a source in
# turn (A -> B, then B -> C, with C's pages checked) ----
case_onward() {
    begin "migrate on: A -> B, then B (running) -> C, every page checked on C"
    newsock; local sk1=$SK
    dst B "unix:$sk1" -m 32 -kernel "$cguest" || fail "B did not listen"
    local bpid=$DPID
    src S -m 32 -kernel "$cguest"
    wait_line S '^MIGCOUNT READY' > /dev/null || fail "source guest did not start"
    mon S "migrate unix:$sk1" > "$work/m.out"
    grep -q . "$work/m.out" && fail "A -> B: $(cat "$work/m.out")"
    [ "$(status S)" = completed ] || fail "A -> B: $(status S)"
    quit_src
    moving B || fail "B does not run the guest after the first migration"
    # B's serial input (fd 3) is replaced by C's; B's guest never reads it
    newsock; local sk2=$SK
    dst C "unix:$sk2" -m 32 -kernel "$cguest" || fail "C did not listen"
    mon B "migrate unix:$sk2" > "$work/m.out"
    grep -q . "$work/m.out" && fail "B -> C: $(cat "$work/m.out")"
    [ "$(status B)" = completed ] || fail "B -> C: $(status B)"
    moving B && fail "B runs after completing"
    mon B quit > /dev/null 2>&1; wait "$bpid" 2>/dev/null
    echo q >&3
    exec 3>&-
    wait "$DPID"; local rc=$?
    [ "$rc" = 0 ] || fail "C exit $rc: $(tr -d '\r' < "$work/C.log" | grep -m1 BAD) $(head -c 300 "$work/C.err")"
    grep -q "^MIGCOUNT DONE" <(tr -d '\r' < "$work/C.log") || fail "no MIGCOUNT DONE on C"
    end_case
}

# ---- RAM the guest never touched goes as zero pages without being read:
# reading a never-backed host page costs a page fault each (~13 us here,
# most of a migration's time before).  A small guest in 256 MiB: the
# source's minor faults during the migration stay far below the RAM's
# 65536 pages (the old code took one per untouched page) ----
# the minor faults of ppcemu under `timeout` PID (its one child)
minflt() { awk '{ print $10 }' "/proc/$(cat "/proc/$1/task/$1/children" | cut -d' ' -f1)/stat"; }
case_untouched() {
    begin "untouched RAM: zero pages without a page fault each"
    newsock
    dst D "unix:$SK" -m 256 -kernel "$gguest" -tb-clock vm || fail "destination did not listen"
    src S -m 256 -kernel "$gguest" -tb-clock vm
    wait_line S '^TBGAP READY' > /dev/null || fail "source guest did not start"
    local f0 f1 zero
    f0=$(minflt "$PID")
    mon S "migrate unix:$SK" > "$work/m.out"
    grep -q . "$work/m.out" && fail "migrate said: $(cat "$work/m.out")"
    f1=$(minflt "$PID")
    [ "$(status S)" = completed ] || fail "not completed: $(status S) $(cat "$work/S.err")"
    zero=$(field S duplicate | sed "s/ pages//")
    [ "${zero:-0}" -ge 60000 ] || fail "only ${zero:-0} zero pages of 65536"
    [ $((f1 - f0)) -lt 8192 ] || fail "$((f1 - f0)) page faults on the source for ${zero:-0} zero pages"
    echo q >&3
    exec 3>&-
    wait "$DPID" || fail "destination guest failed"
    grep -q '^TBGAP DONE' <(tr -d '\r' < "$work/D.log") || fail "the guest did not finish on the destination"
    echo "    ${zero:-?} zero pages, $((f1 - f0)) source page faults during the migration"
    quit_src
    end_case
}

# ---- the framebuffer migrates like RAM: its pages in the pre-copy
# passes, at the stop only those written since the last pass (before, all
# of them went in the device state at the stop).  fbcount's chain over the
# region's pages, written all the time, is checked on the destination (a
# page written after its pass and not sent again breaks it); an idle
# framebuffer leaves nothing for the stop (pages, not time) ----
case_fb() {
    begin "framebuffer pre-copied: every page checked on the destination, none at an idle stop"
    local mode fbp stopp rx
    for mode in busy idle; do
        newsock
        # -S: the destination's guest waits for the counts below
        dst D "unix:$SK" -m 32 -kernel "$fguest" -append "$mode" -S || fail "destination did not listen"
        src S -m 32 -kernel "$fguest" -append "$mode"
        wait_line S '^FBCOUNT ROUND1' > /dev/null || fail "source guest did not start ($mode)"
        mon S "migrate unix:$SK" > "$work/m.out"
        grep -q . "$work/m.out" && fail "migrate said: $(cat "$work/m.out")"
        [ "$(status S)" = completed ] || fail "not completed ($mode): $(status S) $(cat "$work/S.err")"
        fbp=$(field S framebuffer | sed 's/ pages//')
        stopp=$(field S "framebuffer at the stop" | sed 's/ pages.*//')
        rx=$(field D framebuffer | sed 's/ pages//')
        # 768 pages of the frame and every 64th page past it: 820
        [ "${fbp:-0}" -ge 820 ] || fail "$mode: ${fbp:-none} framebuffer pages sent (the guest wrote 820)"
        [ "${rx:-0}" = "${fbp:-x}" ] || fail "$mode: the destination received ${rx:-none} of ${fbp:-?} framebuffer pages"
        if [ "$mode" = idle ]; then
            [ "${stopp:-x}" = 0 ] || fail "idle: ${stopp:-no count of} framebuffer pages sent at the stop"
        fi
        echo "    $mode: $(mon S "info migrate" | grep -E '^(framebuffer|downtime)' | tr '\n' ' ')"
        mon D cont > /dev/null
        finish_dest FBCOUNT
        quit_src
    done
    end_case
}

# MIG_ONLY=case_NAME MIG_ARGS="..." runs one case (while debugging)
[ -n "${MIG_ONLY:-}" ] && { "$MIG_ONLY" ${MIG_ARGS:-}; echo "migration: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
case_converge unix
case_converge tcp
case_onward
case_untouched
case_fb
case_nonconverge
case_cancel
case_src_failures
case_hostile
case_time vm equal 33333333
case_time host equal 33333333
case_time host ahead 1000000 -debug-clock-offset real=180000000000
case_time host behind 33333333 -debug-clock-offset real=-180000000000
case_time vm ahead 33333333 -debug-clock-offset real=180000000000
case_icount
case_tbjump host
case_tbjump vm
case_stale
case_qmp
case_fuzz
case_linux

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "migration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
