#!/usr/bin/env bash
# Runs every bare-metal guest test program (build/tests/guest/*.elf) under
# ppcemu and checks its exit status: the program ends through the test
# device with 0 for pass (board.md).  Prints PASS/FAIL per program and a
# summary line; exits non-zero if any program failed.
#
# Per-program options, next to the source tests/guest/NAME.c:
#   NAME.args    extra emulator flags, e.g. "-icount 0"; one line per run
#                (several lines: the program runs once per line, reported
#                as NAME[flags]; an empty line means no extra flags;
#                @BUILD@ stands for the build directory)
#   NAME.input   bytes to type into UART0: sent on stdin once the program
#                has printed "RX-READY" (so no byte races the UART set-up)
#   NAME.hang    the program is expected not to exit: it passes when it is
#                still running after 3 s and every "EXPECT: text" line it
#                printed appears as a line "text" in its output
#   NAME.rate    host-driven TB rate check (run_rate): the program prints
#                "TBFREQ f" and "RX-READY", then answers each byte typed
#                with "TBREPLY k tb END"; f must lie within the rate bounds
#                the host's send/receive times bracket (run_rate)
#   NAME.twice   run the program twice and require identical "DET " lines
#                in the two serial logs (the -icount determinism check)
#   NAME.prep    run as `NAME.prep BUILD` before each run (makes the files
#                the run uses, e.g. disk images)
#   NAME.post    run as `NAME.post BUILD` after each run; non-zero fails it
#                (checks on the host side, e.g. what a disk image holds)
#
# GUEST_EMU_FLAGS adds emulator flags to every run (e.g. "-accel jit").
#
# Usage: tests/steps/guest.sh BUILD_DIR [NAME...]
set -u
build=${1:-build}
shift || true
emu=$build/ppcemu
gdir=$build/tests/guest
src=tests/guest
timeout_s=${GUEST_TIMEOUT:-30}

if [ ! -x "$emu" ]; then
    echo "guest: SKIP: $emu is not built yet (no boards/main.c); nothing to run"
    exit 0
fi

# run_one NAME ELF LOG [FLAGS...]: runs the program once, returns its exit
# status (124 on timeout)
run_one() {
    local name=$1 elf=$2 log=$3
    shift 3
    if [ -f "$src/$name.input" ]; then
        run_with_input "$name" "$elf" "$log" "$@"
        return $?
    fi
    timeout -k 5 "$timeout_s" "$emu" -kernel "$elf" -nographic -no-reboot \
        "$@" < /dev/null > "$log" 2>&1
}

# run_hang NAME ELF LOG [FLAGS...]: 0 when the program still runs after
# 3 s and its EXPECT lines are all in the log
run_hang() {
    local name=$1 elf=$2 log=$3 st line n=0
    shift 3
    timeout -k 2 3 "$emu" -kernel "$elf" -nographic -no-reboot "$@" < /dev/null > "$log" 2>&1
    st=$?
    if [ "$st" -ne 124 ]; then
        echo "    $name: expected to idle, ended with status $st"
        return 1
    fi
    while IFS= read -r line; do
        n=$((n + 1))
        if ! tr -d '\r' < "$log" | grep -qxF -- "$line"; then
            echo "    $name: missing line: $line"
            return 1
        fi
    done < <(tr -d '\r' < "$log" | sed -n 's/^EXPECT: //p')
    [ "$n" -gt 0 ] || { echo "    $name: no EXPECT lines"; return 1; }
    return 0
}

# wait_line LOG PATTERN PID: waits (up to the timeout) for a line matching
# the extended regex in LOG; prints it
wait_line() {
    local log=$1 pat=$2 pid=$3 i
    for ((i = 0; i < timeout_s * 100; i++)); do
        if tr -d '\r' 2>/dev/null < "$log" | grep -E -m1 -- "$pat"; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            # it may have printed the line just before it exited
            tr -d '\r' 2>/dev/null < "$log" | grep -E -m1 -- "$pat"
            return
        fi
        sleep 0.01
    done
    return 1
}

# run_rate NAME ELF LOG [FLAGS...]: see NAME.rate above.
# The guest samples TB at some moment between the host sending a byte and
# the host seeing the reply, so each sample is bracketed by those two host
# times: the true rate lies between dTB / (latest - earliest) and
# dTB / (earliest-possible-span).  The check passes when the configured
# frequency lies inside that interval (TB arithmetic is exact, so 0.1 %
# slack), and the interval is at most 10 % wide; a host too loaded to give
# such a bracket is measured again over a longer span (2, 4, then 8 s: the
# same round-trip delays make a narrower bracket), never judged on a guess:
# three wide brackets end the check as inconclusive, not failed (a test
# never fails on the host's wall-clock speed).
run_rate() {
    local name=$1 elf=$2 log=$3 fifo pid st f try a0 a1 b0 b1 l1 l2 k span
    shift 3
    fifo=$(mktemp -u "$gdir/$name.fifo.XXXXXX")
    mkfifo "$fifo" || return 1
    timeout -k 5 "$timeout_s" "$emu" -kernel "$elf" -nographic -no-reboot "$@" \
        < "$fifo" > "$log" 2>&1 &
    pid=$!
    exec 3> "$fifo"
    st=1
    k=0
    if wait_line "$log" "^RX-READY" "$pid" > /dev/null; then
        f=$(tr -d '\r' < "$log" | sed -n 's/^TBFREQ \([0-9]*\)$/\1/p' | head -n1)
        for try in 1 2 3; do
            span=$((1 << try))
            a0=$(date +%s%N); printf 'a' >&3; k=$((k + 1))
            l1=$(wait_line "$log" "^TBREPLY $k [0-9]+ END" "$pid"); a1=$(date +%s%N)
            sleep "$span"
            b0=$(date +%s%N); printf 'b' >&3; k=$((k + 1))
            l2=$(wait_line "$log" "^TBREPLY $k [0-9]+ END" "$pid"); b1=$(date +%s%N)
            if [ -z "$l1" ] || [ -z "$l2" ] || [ -z "$f" ]; then
                echo "    $name: missing TBFREQ/TBREPLY lines"
                break
            fi
            awk -v a="$(echo "$l1" | cut -d' ' -f3)" -v b="$(echo "$l2" | cut -d' ' -f3)" \
                -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" -v f="$f" 'BEGIN {
                    lo = (b - a) * 1e9 / (b1 - a0); hi = (b - a) * 1e9 / (b0 - a1);
                    printf "    TB rate between %.0f and %.0f Hz for %d Hz\n", lo, hi, f;
                    if (hi / lo > 1.10) exit 2;
                    exit !(lo <= f * 1.001 && hi >= f * 0.999) }'
            case $? in
                0) st=0; break ;;
                2) if [ "$try" -lt 3 ]; then
                       echo "    host too loaded for a 10 % bracket over ${span} s; measuring again"
                   else
                       echo "    $name: INCONCLUSIVE: the host was too loaded for a 10 % bracket in 3 tries (not judged)"
                       st=0
                   fi ;;
                *) break ;;
            esac
        done
    fi
    printf 'q' >&3
    exec 3>&-
    wait "$pid" || st=1
    rm -f "$fifo"
    return $st
}

run_with_input() {
    local name=$1 elf=$2 log=$3
    shift 3
    local fifo st i
    fifo=$(mktemp -u "$gdir/$name.fifo.XXXXXX")
    mkfifo "$fifo" || return 1
    timeout -k 5 "$timeout_s" "$emu" -kernel "$elf" -nographic -no-reboot "$@" \
        < "$fifo" > "$log" 2>&1 &
    local pid=$!
    exec 3> "$fifo"
    for ((i = 0; i < timeout_s * 10; i++)); do
        grep -q "RX-READY" "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$src/$name.input" >&3 2>/dev/null
    wait "$pid"
    st=$?
    exec 3>&-
    rm -f "$fifo"
    return $st
}

passed=0; failed=0; failures=()
report() { # name status log
    local name=$1 st=$2 log=$3 why
    if [ "$st" -eq 0 ]; then
        echo "PASS $name"
        passed=$((passed + 1))
        return
    fi
    case $st in
        124|137) why="timeout after ${timeout_s}s" ;;
        126) why="unexpected exception (status 126)" ;;
        *) why="exit status $st" ;;
    esac
    echo "FAIL $name ($why); last lines of $log:"
    tail -n 15 "$log" | sed 's/^/    | /'
    failed=$((failed + 1))
    failures+=("$name")
}

names=("$@")
names_given=("$@")
if [ ${#names[@]} -eq 0 ]; then
    rm -f "$gdir"/*.log "$gdir"/*.log.2 "$gdir"/*.log.diff
    for elf in "$gdir"/*.elf; do
        [ -f "$elf" ] || continue
        names+=("$(basename "$elf" .elf)")
    done
fi
if [ ${#names[@]} -eq 0 ]; then
    echo "guest: no programs in $gdir (build them with make guests)"
    exit 1
fi

for name in "${names[@]}"; do
    elf=$gdir/$name.elf
    variants=("")
    if [ -f "$src/$name.args" ]; then
        mapfile -t variants < "$src/$name.args"
        [ ${#variants[@]} -eq 0 ] && variants=("")
    fi
    for v in "${variants[@]}"; do
        v=${v//@BUILD@/$build}
        read -r -a flags <<< "$v ${GUEST_EMU_FLAGS:-}"
        label=$name
        log=$gdir/$name.log
        if [ ${#variants[@]} -gt 1 ]; then
            label="$name[$v]"
            log=$gdir/$name.$(echo "$v" | tr -c 'A-Za-z0-9\n' '_').log
        fi
        if [ -f "$src/$name.prep" ] && ! bash "$src/$name.prep" "$build" > "$log" 2>&1; then
            report "$label" 97 "$log"
            continue
        fi
        if [ -f "$src/$name.rate" ]; then
            run_rate "$name" "$elf" "$log" "${flags[@]}"
        elif [ -f "$src/$name.hang" ]; then
            run_hang "$name" "$elf" "$log" "${flags[@]}"
        else
            run_one "$name" "$elf" "$log" "${flags[@]}"
        fi
        st=$?
        if [ "$st" -eq 0 ] && [ -f "$src/$name.post" ]; then
            bash "$src/$name.post" "$build" || st=96
        fi
        report "$label" "$st" "$log"
        # determinism is its own result, whatever the checks inside said
        if [ -f "$src/$name.twice" ]; then
            run_one "$name" "$elf" "$log.2" "${flags[@]}"
            dst=0
            if ! grep -q "DET " "$log"; then
                echo "    $label: no DET lines in the serial output"
                dst=98
            elif ! diff <(grep "DET " "$log") <(grep "DET " "$log.2") > "$log.diff"; then
                echo "    $label: the two runs differ:"; sed 's/^/    | /' "$log.diff"
                dst=99
            fi
            report "$label.determinism" "$dst" "$log.2"
        fi
    done
done

# The boot ROM itself: its banner precedes every program's output, and
# without -kernel it says so and idles (it never exits by itself).
if [ ${#names_given[@]} -eq 0 ]; then
    # every run of hello (default ROM, -bios ELF, -bios raw, ipic=off)
    bst=0
    for hl in "$gdir"/hello*.log; do
        [ -f "$hl" ] || { bst=1; break; }
        grep -q "ppcemu boot ROM: .*kernel entry 0x00010000" "$hl" || { bst=1; echo "    no banner in $hl"; }
    done
    report bootrom_banner "$bst" "$gdir/hello.log"
    log=$gdir/bootrom_nokernel.log
    timeout -k 2 3 "$emu" -nographic -no-reboot < /dev/null > "$log" 2>&1
    st=$?
    if [ "$st" -eq 124 ] && grep -q "no kernel" "$log"; then
        report bootrom_nokernel 0 "$log"
    else
        echo "    bootrom_nokernel: expected to idle (timeout) after printing 'no kernel'; status $st"
        report bootrom_nokernel 1 "$log"
    fi
fi

echo "guest: $passed passed, $failed failed (of $((passed + failed)))"
[ ${#failures[@]} -gt 0 ] && echo "guest: failed: ${failures[*]}"
[ "$failed" -eq 0 ]
