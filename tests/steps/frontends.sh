#!/usr/bin/env bash
# The event loop's front ends (issue 15.3 and 15.7): host descriptors are
# served within a bounded host time in every clock mode and without
# changing what an -icount guest computes; a client that stops reading
# never freezes the machine; a second monitor client is told the monitor
# is busy.
# Usage: tests/steps/frontends.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
monc=$build/tests/snapshot/monclient
spin=$build/tests/snapshot/icount_spin.elf
XAS=${CROSS:-powerpc-linux-gnu-}gcc
XOBJCOPY=${CROSS:-powerpc-linux-gnu-}objcopy
for f in "$emu" "$monc" "$spin"; do
    [ -e "$f" ] || { echo "frontends: SKIP: $f is not built"; exit 0; }
done
command -v "$XAS" >/dev/null 2>&1 || { echo "frontends: SKIP: $XAS not installed"; exit 0; }
tmp=$(mktemp -d /tmp/ppcemu-fe.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

rom() { # NAME: assemble stdin (code at the reset vector) into $tmp/NAME.bin
    { printf '.text\n.org 0x100\n'; cat; } >"$tmp/$1.S"
    "$XAS" -c -Wa,-mregnames -o "$tmp/$1.o" "$tmp/$1.S" &&
        "$XOBJCOPY" -O binary "$tmp/$1.o" "$tmp/$1.bin"
}

# wait_file_line FILE REGEX: up to 30 s
wait_file_line() {
    local i
    for ((i = 0; i < 3000; i++)); do
        [ -f "$1" ] && tr -d '\r' < "$1" | grep -qE -- "$2" && return 0
        sleep 0.01
    done
    return 1
}

# ---- 15.3: a spinning guest under -icount, no guest event due for 2^40
# instructions: the monitor answers and quits it ----
rom spin <<'S'
1:  b 1b
S
for mode in "-icount 8" "-icount 0" ""; do
    sock=$tmp/spin.sock
    rm -f "$sock"
    # shellcheck disable=SC2086
    timeout -k 5 60 "$emu" -m 16 -display none -serial null -bios "$tmp/spin.bin" $mode \
        -monitor "unix:$sock,server,nowait" >"$tmp/spin.err" 2>&1 &
    pid=$!; pids+=("$pid")
    out=$(timeout 30 "$monc" "$sock" "info registers" quit 2>&1)
    wait "$pid"; rc=$?
    if echo "$out" | grep -q "PC  fff0010[04] " && [ "$rc" -eq 0 ]; then
        ok "spinning guest ${mode:-(real time)}: the monitor answers info registers and quit"
    else
        bad "spinning guest ${mode:-(real time)}: status $rc, monitor said: $(echo "$out" | head -c 300)"
    fi
done

# ---- 15.3: serving the monitor changes nothing the guest computes ----
det_run() { # NAME [monitor traffic]
    local name=$1 busy=${2:-} sock=$tmp/$1.sock
    rm -f "$sock"
    local mon=()
    [ -n "$busy" ] && mon=(-monitor "unix:$sock,server,nowait")
    timeout -k 5 120 "$emu" -m 16 -display none -icount 3 -kernel "$spin" \
        -serial "file:$tmp/$name.log" "${mon[@]}" >"$tmp/$name.err" 2>&1 &
    local pid=$! n=0
    pids+=("$pid")
    if [ -n "$busy" ]; then
        wait_file_line "$tmp/$name.log" '^START' || bad "$name: no START line"
        while kill -0 "$pid" 2>/dev/null; do
            "$monc" "$sock" "info registers" "info tb" "info registers" >/dev/null 2>&1 && n=$((n + 1))
        done
        echo "     $name: $n monitor sessions while it ran"
        [ "$n" -gt 0 ] || bad "$name: the monitor never answered"
    fi
    wait "$pid"
    echo "$?" > "$tmp/$name.rc"
}
det_run quiet
det_run busy yes
a=$(tr -d '\r' < "$tmp/quiet.log" | grep '^DET')
b=$(tr -d '\r' < "$tmp/busy.log" | grep '^DET')
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$(cat "$tmp/quiet.rc")" = 0 ] && [ "$(cat "$tmp/busy.rc")" = 0 ]; then
    ok "-icount with and without monitor traffic: same result ($a)"
else
    bad "-icount results differ: quiet '$a' (status $(cat "$tmp/quiet.rc")), busy '$b' (status $(cat "$tmp/busy.rc"))"
fi

# ---- 15.7: a serial client that connects and never reads, while the
# guest prints without end: the machine keeps running (its instruction
# count moves) and the monitor answers on its own socket ----
rom chatty <<'S'
    lis r3, 0x8000
    li r4, 0x41
1:  stb r4, 0x3F8(r3)
    b 1b
S
ssock=$tmp/ser.sock; msock=$tmp/mon.sock
rm -f "$ssock" "$msock"
timeout -k 5 60 "$emu" -m 16 -display none -bios "$tmp/chatty.bin" \
    -serial "unix:$ssock,server,nowait" -monitor "unix:$msock,server,nowait" >"$tmp/chatty.err" 2>&1 &
pid=$!; pids+=("$pid")
"$monc" -hold 20 "$ssock" &
hold=$!; pids+=("$hold")
sleep 1 # the guest fills the client's socket buffer and then some
o1=$(timeout 15 "$monc" "$msock" "info registers" 2>&1)
sleep 0.3
o2=$(timeout 15 "$monc" "$msock" "info registers" quit 2>&1)
wait "$pid"; rc=$?
kill "$hold" 2>/dev/null
i1=$(echo "$o1" | sed -n 's/^icount \([0-9]*\).*/\1/p')
i2=$(echo "$o2" | sed -n 's/^icount \([0-9]*\).*/\1/p')
if [ -n "$i1" ] && [ -n "$i2" ] && [ "$i2" -gt "$i1" ] && [ "$rc" -eq 0 ]; then
    ok "serial client that never reads: the guest runs on (icount $i1 -> $i2), the monitor answers"
else
    bad "serial client that never reads: status $rc, icount '$i1' -> '$i2': $(echo "$o1 $o2" | head -c 200)"
fi
if grep -q "not reading; dropping output" "$tmp/chatty.err" && grep -q "bytes of output dropped" "$tmp/chatty.err"; then
    ok "dropped output is reported: $(grep 'bytes of output dropped' "$tmp/chatty.err")"
else
    bad "no drop report on stderr: $(head -c 300 "$tmp/chatty.err")"
fi

# ---- 15.7: a second monitor client is told the monitor is busy ----
msock=$tmp/mon2.sock
rm -f "$msock"
timeout -k 5 60 "$emu" -m 16 -display none -serial null -bios "$tmp/spin.bin" \
    -monitor "unix:$msock,server,nowait" >"$tmp/busy.err" 2>&1 &
pid=$!; pids+=("$pid")
"$monc" -hold 20 "$msock" &
hold=$!; pids+=("$hold")
sleep 0.5
second=$(timeout 15 "$monc" -raw "$msock" 2>&1); src=$?
kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null
if [ "$src" -eq 0 ] && [ "$(echo "$second" | wc -l)" -eq 1 ] && echo "$second" | grep -q "busy"; then
    ok "second monitor client: '$second'"
else
    bad "second monitor client: status $src, got '$(echo "$second" | head -c 200)'"
fi
# the first client gone, the next one is served again
out=$(timeout 15 "$monc" "$msock" "info tb" quit 2>&1)
wait "$pid"; rc=$?
if echo "$out" | grep -q "^frequency" && [ "$rc" -eq 0 ]; then ok "the monitor serves the next client"
else bad "next monitor client: status $rc: $(echo "$out" | head -c 200)"; fi

[ $fail -eq 0 ] && echo "frontends: all passed"
exit $fail
