#!/usr/bin/env bash
# The GDB stub (cli.md -gdb, issue 12.1) with the real client:
# gdb-multiarch in batch mode against tests/guest/gdb_target.elf, started
# with -S on 127.0.0.1 and a port the kernel picks (tcp:127.0.0.1:0; the
# stub prints it).  Checks: break at a symbol and continue, registers
# (info registers, the supervisor feature), stepi, a write watchpoint that
# fires, memory read (x/) and write (set var, seen by the guest), a
# breakpoint on code the guest rewrites (hit before and after, reading the
# new instruction), monitor commands through qRcmd, the guest's exit
# reported to gdb, and -icount exactness (the guest's final instruction
# count is the same with and without the debugger's stops).  Also a raw
# protocol client (tests/gdbproto.py): acks, bad checksums, no-ack mode,
# Ctrl-C, a UNIX socket, detach, watchpoints on multiple/string/dcbz,
# breakpoints on uncached fetches, a debugger that stops reading; the
# listening address (stale, live and non-socket UNIX paths, tcp::0).
# Against Linux (build-guest/vmlinux, skipped when not built): break
# start_kernel from -S, bt, info registers, a later breakpoint, kill.
# Usage: tests/steps/gdb.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
elf=$build/tests/guest/gdb_target.elf
GDB=${GDB:-gdb-multiarch}
for f in "$emu" "$elf"; do
    [ -e "$f" ] || { echo "gdb: SKIP: $f is not built"; exit 0; }
done
command -v "$GDB" >/dev/null 2>&1 || { echo "gdb: FAIL: $GDB is not installed (tools/deps.sh)"; exit 1; }
tmp=$(mktemp -d /tmp/ppcemu-gdb.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0; passed=0; failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; fail=1; failed=$((failed + 1)); }
check() { # NAME REGEX FILE
    if tr -d '\r' < "$3" | grep -qE -- "$2"; then ok "$1"; else bad "$1 (no /$2/ in $3)"; fi
}

# start_emu NAME FLAGS...: ppcemu paused on a gdb port; sets $port, $pid
start_emu() {
    local name=$1 i; shift
    timeout -k 5 120 "$emu" -m 16 -display none -serial "file:$tmp/$name.serial" \
        -kernel "$elf" -no-reboot -S -gdb tcp:127.0.0.1:0 "$@" 2>"$tmp/$name.err" &
    pid=$!; pids+=("$pid")
    port=
    for ((i = 0; i < 3000; i++)); do
        port=$(sed -n 's/^ppcemu: gdb stub listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$tmp/$name.err")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    bad "$name: no gdb port announced: $(cat "$tmp/$name.err")"
    return 1
}

# ---- the session ----
if start_emu main -icount 3; then
    cat >"$tmp/main.gdb" <<G
set pagination off
set confirm off
target remote 127.0.0.1:$port
echo PC0:\n
info registers pc
break gdb_marker
continue
echo AT-MARKER:\n
info registers pc r3
stepi
echo AFTER-STEP:\n
info registers pc
echo MEM:\n
x/1xw &poked
set var poked = 0x1234
echo POKED-READ:\n
x/1xw &poked
watch watched
continue
delete
break *&code
continue
echo CODE1:\n
x/1i \$pc
continue
echo CODE2:\n
x/1i \$pc
stepi
echo R3:\n
p/x \$r3
echo MONITOR:\n
monitor info tb
echo SUPER:\n
info registers msr srr0 sdr1 sr15 ibat0u dbat3l hid0 sprg3 tb dec
delete
continue
G
    timeout -k 5 90 "$GDB" -batch -nx -x "$tmp/main.gdb" "$elf" >"$tmp/main.out" 2>&1
    wait "$pid"; rc=$?
    out=$tmp/main.out
    check "gdb attaches at the reset vector (-S)" '^pc +0xfff00100' "$out"
    marker=$("$GDB" -batch -nx -ex 'p/x &gdb_marker' "$elf" 2>/dev/null | sed -n 's/.*= \(0x[0-9a-f]*\)/\1/p')
    check "break at a symbol, continue" "^pc +$marker .*<gdb_marker>" "$out"
    check "registers: r3 holds the argument" '^r3 +0x4 ' "$out"
    check "stepi moves one instruction" "^pc +0x[0-9a-f]+ .*<gdb_marker\+4>" "$out"
    check "x/ reads guest memory" '<poked>:[[:space:]]+0x00001111' "$out"
    check "set var writes guest memory" '<poked>:[[:space:]]+0x00001234' "$out"
    check "write watchpoint fires with old and new value" 'New value = 5' "$out"
    # gdb steps over the access itself (PowerPC watchpoints stop before
    # it): the stop is in main, at the instruction after the store, not
    # one instruction later
    check "the watchpoint stops right after the store, in main" '^main \(\) at .*gdb_target.c' "$out"
    check "breakpoint on code before the guest rewrites it" 'li +r3,1$' "$out"
    check "the same breakpoint after the rewrite, new code read" 'li +r3,2$' "$out"
    check "stepi runs the rewritten instruction" '^\$[0-9]+ = 0x2$' "$out"
    check "monitor info tb through qRcmd" '^frequency [0-9]+ Hz' "$out"
    check "supervisor registers from the target description" '^ibat0u +0x' "$out"
    check "TB in the supervisor feature" '^tb +0x' "$out"
    check "the guest's exit is reported to gdb" 'exited normally' "$out"
    check "the guest saw gdb's write" '^POKED 1234$' "$tmp/main.serial"
    if [ "$rc" -eq 0 ]; then ok "ppcemu exit status 0"; else bad "ppcemu exit status $rc"; fi
    # -icount exactness: the same count without the debugger
    timeout -k 5 60 "$emu" -m 16 -display none -serial "file:$tmp/plain.serial" \
        -kernel "$elf" -no-reboot -icount 3 >/dev/null 2>&1
    a=$(tr -d '\r' < "$tmp/main.serial" | sed -n 's/^ICOUNT //p')
    b=$(tr -d '\r' < "$tmp/plain.serial" | sed -n 's/^ICOUNT //p')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
        ok "-icount: instruction count $a with and without gdb's stops"
    else
        bad "-icount: count with gdb '$a', without '$b'"
    fi
fi

# ---- the Linux guest (issue 12.3) ----
# -S -gdb, break start_kernel (no DWARF in the guest kernel: symbols and
# gdb's prologue analysis), backtraces, the kernel's registers, then a
# later breakpoint (rest_init: its callers are named) and kill.
vmlinux=${VMLINUX:-build-guest/vmlinux}
if [ ! -e "$vmlinux" ]; then
    echo "gdb: Linux checks skipped: $vmlinux is not built (make guest)"
else
    timeout -k 5 300 "$emu" -M virt -m 128 -kernel "$vmlinux" -append "console=ttyS0,115200" \
        -display none -serial "file:$tmp/linux.serial" -no-reboot -S -gdb tcp:127.0.0.1:0 \
        2>"$tmp/linux.err" &
    pid=$!; pids+=("$pid")
    port=
    for ((i = 0; i < 3000; i++)); do
        port=$(sed -n 's/^ppcemu: gdb stub listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$tmp/linux.err")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    cat >"$tmp/linux.gdb" <<G
set pagination off
set confirm off
target remote 127.0.0.1:$port
break start_kernel
continue
echo BT1:\n
bt
echo REGS:\n
info registers pc msr r1 sdr1 sprg3
break rest_init
continue
echo BT2:\n
bt
kill
G
    timeout -k 5 240 "$GDB" -batch -nx -x "$tmp/linux.gdb" "$vmlinux" >"$tmp/linux.out" 2>&1
    wait "$pid"; rc=$?
    out=$tmp/linux.out
    sk=$(sed -n 's/^\([0-9a-f]*\) T start_kernel$/\1/p' "${vmlinux%/*}/System.map")
    check "Linux: break start_kernel from -S, continue, hit" "^Breakpoint 1, 0x$sk in start_kernel" "$out"
    # start_here enters start_kernel by rfi with LR still a real-mode
    # address inside start_here (no symbol for it): a second frame exists
    check "Linux: bt at start_kernel: start_kernel and its caller" '^#1 +0x[0-9a-f]+ in ' "$out"
    check "Linux: the pc is start_kernel's" "^pc +0x$sk +0x$sk <start_kernel>" "$out"
    # MSR_KERNEL of 32-bit Book3S: ME | IR | DR | RI
    check "Linux: the kernel's MSR (translation on)" '^msr +0x1032 ' "$out"
    check "Linux: the stack pointer in the kernel's linear map" '^r1 +0xc0[0-9a-f]{6} ' "$out"
    check "Linux: SDR1 set up by the kernel" '^sdr1 +0x[0-9a-f]*[1-9a-f][0-9a-f]* ' "$out"
    check "Linux: a later breakpoint, its callers named" \
        '^#1 +0x[0-9a-f]+ in arch_call_rest_init' "$out"
    check "Linux: ... up to start_kernel" '^#2 +0x[0-9a-f]+ in start_kernel' "$out"
    check "Linux: kill ends the session" 'Inferior 1 \(Remote target\) killed' "$out"
    if kill -0 "$pid" 2>/dev/null; then bad "Linux: ppcemu still running after kill"
    else ok "Linux: ppcemu ended by gdb's kill (status $rc)"; fi
fi

# ---- the raw protocol ----
if command -v python3 >/dev/null 2>&1; then
    if start_emu proto; then
        if timeout -k 5 60 python3 tests/gdbproto.py tcp "127.0.0.1:$port" >"$tmp/proto.out" 2>&1; then
            ok "raw protocol over TCP: $(tail -n 1 "$tmp/proto.out")"
        else
            bad "raw protocol over TCP:"; sed 's/^/    /' "$tmp/proto.out"
        fi
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    fi
    # a debugger that stops reading (sends thousands of requests, reads
    # nothing): dropped at the stub's bound, the machine never stalls
    if start_emu flood -qmp "unix:$tmp/flood.qmp,server,nowait"; then
        if timeout -k 5 90 python3 tests/gdbproto.py flood "127.0.0.1:$port" "$tmp/flood.qmp" \
            >"$tmp/flood.out" 2>&1; then
            ok "a debugger that stops reading: $(tail -n 1 "$tmp/flood.out")"
        else
            bad "a debugger that stops reading:"; sed 's/^/    /' "$tmp/flood.out"
        fi
        check "the dropped debugger is named in one line" \
            'gdb stub: the debugger stopped reading .*dropping the connection' "$tmp/flood.err"
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    fi
    # a socket file left by a process that is gone is replaced
    sock=$tmp/gdb.sock
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$sock"
    timeout -k 5 60 "$emu" -m 16 -display none -serial null -kernel "$elf" -S \
        -gdb "unix:$sock" 2>"$tmp/unix.err" &
    pid=$!; pids+=("$pid")
    for ((i = 0; i < 3000; i++)); do [ -S "$sock" ] && break; sleep 0.01; done
    if timeout -k 5 60 python3 tests/gdbproto.py unix "$sock" >"$tmp/unix.out" 2>&1; then
        ok "raw protocol over a UNIX socket (a stale socket file replaced)"
    else
        bad "raw protocol over a UNIX socket:"; sed 's/^/    /' "$tmp/unix.out"
    fi
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
else
    echo "gdb: raw protocol checks skipped (no python3)"
fi

# ---- the listening address ----
# a socket another process listens on is not taken over, nor is a file
# that is not a socket removed
live=$tmp/live.sock
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(30)' "$live" &
lpid=$!; pids+=("$lpid")
for ((i = 0; i < 3000; i++)); do [ -S "$live" ] && break; sleep 0.01; done
timeout -k 5 30 "$emu" -m 16 -display none -serial null -kernel "$elf" -gdb "unix:$live" \
    >/dev/null 2>"$tmp/live.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "another process is listening" "$tmp/live.err" && [ -S "$live" ] &&
    python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$live"; then
    ok "a live UNIX socket is refused and left working"
else
    bad "a live UNIX socket: rc $rc, $(cat "$tmp/live.err")"
fi
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
echo precious >"$tmp/plain.file"
timeout -k 5 30 "$emu" -m 16 -display none -serial null -kernel "$elf" -gdb "unix:$tmp/plain.file" \
    >/dev/null 2>"$tmp/plain.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "is not a socket" "$tmp/plain.err" && [ "$(cat "$tmp/plain.file")" = precious ]; then
    ok "a file that is not a socket is refused and kept"
else
    bad "a plain file as -gdb unix: path: rc $rc, $(cat "$tmp/plain.err")"
fi
# tcp::PORT: every interface (QEMU's meaning), the picked port announced
timeout -k 5 30 "$emu" -m 16 -display none -serial null -kernel "$elf" -S -gdb tcp::0 \
    2>"$tmp/any.err" &
pid=$!; pids+=("$pid")
for ((i = 0; i < 3000; i++)); do grep -q 'listening on' "$tmp/any.err" && break; sleep 0.01; done
check "-gdb tcp::0 listens on every interface" \
    '^ppcemu: gdb stub listening on (0\.0\.0\.0|::) port [1-9][0-9]*$' "$tmp/any.err"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null

# ---- bad specs ----
"$emu" -m 16 -display none -serial null -kernel "$elf" -gdb bogus >/dev/null 2>"$tmp/bogus.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q -- "-gdb bogus" "$tmp/bogus.err"; then ok "a bad -gdb spec: exit 2 with a message"
else bad "a bad -gdb spec: rc $rc, $(cat "$tmp/bogus.err")"; fi

echo "gdb: $passed passed, $failed failed"
exit $fail
