#!/usr/bin/env bash
# The ppcemu command's surface (cli.md): bad flags exit 2 with one line,
# -version, -h, -dump-dtb output that dtc accepts, the not-yet features,
# and a tiny raw -bios program that ends through the test device.
# Usage: tests/steps/cli.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

[ -x "$emu" ] || { echo "FAIL $emu not built"; exit 1; }

# usage_error NAME ARGS...: exit status 2, exactly one line on stderr
usage_error() {
    local name=$1; shift
    timeout 20 "$emu" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null # a flag taken runs a guest
    local rc=$? n
    n=$(wc -l <"$tmp/err")
    if [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && [ ! -s "$tmp/out" ]; then ok "$name"
    else bad "$name: status $rc, $n stderr lines: $(head -c 300 "$tmp/err")"; fi
}
usage_error "unknown flag"            -no-such-flag
usage_error "missing argument"        -m
usage_error "RAM too small"           -m 15
usage_error "RAM too large"           -m 769
usage_error "unknown machine"         -M g3beige
usage_error "bad machine property"    -M virt,ipic=sometimes
usage_error "bad tb-clock"            -tb-clock wall
usage_error "bad tb-freq"             -tb-freq fast
usage_error "bad icount"              -icount x
usage_error "bad -d item"             -d everything
usage_error "bad serial"              -serial pty
usage_error "bad monitor"             -monitor vc
usage_error "bad debug clock offset"  -debug-clock-offset mono=1,wall=2
usage_error "bad debug clock number"  -debug-clock-offset real=12x
usage_error "debug stop icount 0"     -debug-stop-icount 0
usage_error "perfmap under interp"    -perfmap -accel interp
# PPCEMU_ACCEL: the default engine (PPCEMU_ACCEL=interp make check); -accel wins
PPCEMU_ACCEL=fast usage_error "bad PPCEMU_ACCEL"     -version
PPCEMU_ACCEL=interp usage_error "PPCEMU_ACCEL=interp is the default" -perfmap -bios /dev/null

out=$("$emu" -version 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "^ppcemu version"; then ok "-version"
else bad "-version: status $rc: $out"; fi

"$emu" -h >"$tmp/help" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q -- "-tb-clock" "$tmp/help" && grep -q -- "-nographic" "$tmp/help"; then ok "-h"
else bad "-h: status $rc"; fi

# the debug options the tests use are listed apart, under their heading
if sed -n '/^Debug options/,$p' "$tmp/help" | grep -q -- "-debug-clock-offset" &&
   sed -n '/^Debug options/,$p' "$tmp/help" | grep -q -- "-debug-stop-icount"; then ok "-h debug options"
else bad "-h does not list the debug options under 'Debug options'"; fi

"$emu" -d help >"$tmp/dhelp" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "in_asm" "$tmp/dhelp" && grep -q "unimp" "$tmp/dhelp"; then ok "-d help"
else bad "-d help: status $rc"; fi

# -loadvm of a snapshot that is not there: one line naming it, status 1
"$emu" -snapshot-dir "$tmp" -loadvm x >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "^ppcemu: -loadvm x: " "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
    ok "-loadvm of a missing snapshot"
else bad "-loadvm x: status $rc: $(cat "$tmp/err")"; fi

# -incoming with a bad URI: bad usage, one line naming the flag, status 2
"$emu" -incoming x >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "^ppcemu: -incoming x: " "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
    ok "-incoming of a bad URI"
else bad "-incoming x: status $rc: $(cat "$tmp/err")"; fi

# -gdb and -qmp with a malformed device: status 2, one line naming it
# (tests/steps/gdb.sh and qmp.sh test the working ones)
for f in -gdb -qmp; do
    "$emu" -serial null -display none "$f" x >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && grep -q -- "$f" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
        ok "$f x: a usage error"
    else bad "$f x: status $rc: $(cat "$tmp/err")"; fi
done

# Input files are read only up to what can fit (issue 15): status 1 and one
# line naming the limit, without reading a regular file that is too large
# (a sparse 2 GiB file) and without reading more than the limit from a
# stream; a directory and a FIFO without a writer never block (the timeout
# only turns a hang into a failure, it does not time anything).
load_refused() { # NAME PATTERN ARGS...: status 1, one stderr line matching PATTERN
    local name=$1 pat=$2; shift 2
    timeout 60 "$emu" -nographic "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$? n
    n=$(wc -l <"$tmp/err")
    if [ "$rc" -eq 1 ] && [ "$n" -eq 1 ] && grep -q -- "$pat" "$tmp/err"; then ok "$name"
    else bad "$name: status $rc, $n stderr lines: $(head -c 300 "$tmp/err")"; fi
}
truncate -s 2G "$tmp/huge"
mkfifo "$tmp/fifo"
load_refused "-kernel /dev/zero (16 MiB RAM)" "^ppcemu: -kernel: /dev/zero is larger than the RAM" -m 16 -kernel /dev/zero
load_refused "-kernel of 2 GiB" "^ppcemu: -kernel: $tmp/huge is larger than the RAM .*2147483648 bytes" -kernel "$tmp/huge"
load_refused "-initrd of 2 GiB" "^ppcemu: -initrd: $tmp/huge is larger than the RAM" -initrd "$tmp/huge"
load_refused "-dtb /dev/zero" "^ppcemu: -dtb: /dev/zero is larger than the 1 MiB device tree limit" -dtb /dev/zero
load_refused "-bios of 2 GiB" "^ppcemu: -bios: $tmp/huge is larger than the boot ROM plus RAM" -bios "$tmp/huge"
load_refused "-bios /dev/zero" "^ppcemu: -bios: /dev/zero is larger than the boot ROM plus RAM" -m 16 -bios /dev/zero
load_refused "-kernel DIRECTORY" "^ppcemu: -kernel: cannot read $tmp: it is a directory" -kernel "$tmp"
load_refused "-kernel FIFO without a writer" "^ppcemu: -kernel $tmp/fifo: not an ELF" -kernel "$tmp/fifo"
# a stream is read no further than the limit: count what a writer got in
# (16 MiB RAM: at most 16 MiB + 1 byte, plus what the pipe buffers)
( trap '' PIPE; exec dd if=/dev/zero of="$tmp/fifo" bs=65536 count=16384 2>"$tmp/dd.err" ) &
dd_pid=$!
load_refused "-kernel FIFO of 1 GiB (16 MiB RAM)" "is larger than the RAM .*more than 16777216 bytes" -m 16 -kernel "$tmp/fifo"
wait $dd_pid
copied=$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' "$tmp/dd.err")
if [ -n "$copied" ] && [ "$copied" -le $((17 << 20)) ]; then ok "-kernel FIFO: $copied bytes taken from the writer"
else bad "-kernel FIFO: the writer got $copied bytes in: $(tail -1 "$tmp/dd.err")"; fi

# an ELF kernel larger than RAM only because of what is not loaded (debug
# sections: here 40 MiB appended to hello.elf) still boots with 16 MiB RAM;
# a 2 GiB ELF whose PT_LOAD segments are bigger than RAM is still refused
hello=$build/tests/guest/hello.elf
if [ -f "$hello" ]; then
    cp "$hello" "$tmp/big.elf"
    head -c $((40 << 20)) /dev/zero >>"$tmp/big.elf"
    timeout 60 "$emu" -nographic -no-reboot -m 16 -kernel "$tmp/big.elf" >"$tmp/out" 2>&1 </dev/null
    rc=$?
    if [ "$rc" -eq 0 ] && grep -q "hello: all checks passed" "$tmp/out"; then ok "-kernel ELF of 40 MiB with 16 MiB RAM boots"
    else bad "-kernel ELF of 40 MiB with 16 MiB RAM: status $rc: $(tail -c 300 "$tmp/out")"; fi
    python3 - "$tmp/bigseg.elf" "$hello" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[2], 'rb').read())
phoff, = struct.unpack('>I', d[28:32]); phsz, phn = struct.unpack('>HH', d[42:46])
for i in range(phn):
    o = phoff + i * phsz
    if struct.unpack('>I', d[o:o+4])[0] == 1:   # PT_LOAD: claim 64 MiB of file bytes
        d[o+16:o+20] = struct.pack('>I', 64 << 20); d[o+20:o+24] = struct.pack('>I', 64 << 20)
        break
open(sys.argv[1], 'wb').write(d)
PY
    truncate -s 2G "$tmp/bigseg.elf"
    load_refused "-kernel 2 GiB ELF with a 64 MiB segment (16 MiB RAM)" "^ppcemu: -kernel: $tmp/bigseg.elf is larger than the RAM .*loadable bytes" -m 16 -kernel "$tmp/bigseg.elf"
fi

# -dump-dtb: a blob dtc accepts, with the options in force in it
if ! command -v dtc >/dev/null 2>&1; then
    echo "SKIP -dump-dtb checks: dtc (device-tree-compiler) not installed"
else
    "$emu" -m 64 -tb-freq 1000000 -append "console=ttyS0 hello" -dump-dtb "$tmp/virt.dtb"; rc=$?
    if [ $rc -eq 0 ] && dtc -q -I dtb -O dts -o "$tmp/virt.dts" "$tmp/virt.dtb"; then
        if grep -q 'compatible = "fsl,mpc8315erdb"' "$tmp/virt.dts" \
            && grep -q 'bootargs = "console=ttyS0 hello"' "$tmp/virt.dts" \
            && grep -q 'timebase-frequency = <0xf4240>' "$tmp/virt.dts" \
            && grep -q 'reg = <0x00 0x4000000>' "$tmp/virt.dts" \
            && grep -q 'fsl,ipic' "$tmp/virt.dts"; then ok "-dump-dtb"
        else bad "-dump-dtb: unexpected contents"; cat "$tmp/virt.dts"; fi
    else bad "-dump-dtb: status $rc or dtc refused the blob"; fi
    "$emu" -M virt,ipic=off -dump-dtb "$tmp/noipic.dtb" && dtc -q -I dtb -O dts -o "$tmp/noipic.dts" "$tmp/noipic.dtb"
    if ! grep -q "fsl,ipic\|interrupts" "$tmp/noipic.dts"; then ok "-M virt,ipic=off tree"
    else bad "-M virt,ipic=off still has the IPIC"; fi
    # -dtb: a given blob is used (and its /chosen updated)
    "$emu" -dtb "$tmp/noipic.dtb" -append "from-dtb" -dump-dtb "$tmp/given.dtb" \
        && dtc -q -I dtb -O dts -o "$tmp/given.dts" "$tmp/given.dtb"
    if grep -q 'bootargs = "from-dtb"' "$tmp/given.dts" && ! grep -q "fsl,ipic" "$tmp/given.dts"; then
        ok "-dtb FILE"
    else bad "-dtb FILE"; fi
fi

# Small raw boot ROMs (assembled with the cross toolchain) exercise the
# board from the command line: test device, reset, -no-reboot, -S and the
# monitor, the -nographic mux, host input to the UART, -d unimp.
XAS=${CROSS:-powerpc-linux-gnu-}gcc
XOBJCOPY=${CROSS:-powerpc-linux-gnu-}objcopy
rom() { # NAME: assemble $tmp/NAME.S (code at the reset vector) into $tmp/NAME.bin
    { printf '.text\n.org 0x100\n'; cat; } >"$tmp/$1.S"
    "$XAS" -c -Wa,-mregnames -o "$tmp/$1.o" "$tmp/$1.S" &&
        "$XOBJCOPY" -O binary "$tmp/$1.o" "$tmp/$1.bin"
}
run_rom() { # NAME EXPECTED_STATUS INPUT ARGS...: runs the ROM, checks the status
    local name=$1 want=$2 input=$3; shift 3
    printf "%b" "$input" | timeout 20 "$emu" -bios "$tmp/$name.bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name: status $rc"
    else bad "$name: status $rc, expected $want: $(head -c 300 "$tmp/$name.err")"; fi
}
if ! command -v "$XAS" >/dev/null 2>&1; then
    echo "SKIP ROM programs: $XAS not installed"
else
    rom exit42 <<'S'
    lis r3, 0x8000
    li r4, 42
    stw r4, 0xF00(r3)
    b .
S
    run_rom exit42 42 "" -serial null
    # -perfmap (QEMU's spelling): /tmp/perf-PID.map names each generated block
    if "$emu" -accel jit -version >/dev/null 2>&1; then
        # (under PPCEMU_ACCEL=interp: the command line's -accel jit wins;
        # PPCEMU_JIT_HOT=0: the block is compiled on its first run, not
        # interpreted as cold, see PPC_JIT_HOT)
        PPCEMU_JIT_HOT=0 PPCEMU_ACCEL=interp "$emu" -bios "$tmp/exit42.bin" -serial null -accel jit -perfmap \
            </dev/null >/dev/null 2>&1 &
        pid=$!
        wait "$pid"
        rc=$? map=/tmp/perf-$pid.map
        if [ "$rc" -eq 42 ] && grep -qE '^[0-9a-f]+ [0-9a-f]+ ppc-pa-fff00100-n[0-9]+-g[0-9]+$' "$map" 2>/dev/null; then
            ok "-perfmap: $map names the reset vector's block"
        else bad "-perfmap: status $rc, map: $(head -c 200 "$map" 2>&1)"; fi
        rm -f "$map"
    fi
    # paused by -S: nothing runs until cont; the monitor's quit ends with 0
    run_rom exit42 0 "info registers\nquit\n" -S -monitor stdio -serial null
    grep -q "PC  fff00100" "$tmp/exit42.out" && ok "-S: CPU still at the reset vector" \
        || bad "-S: info registers: $(head -c 200 "$tmp/exit42.out")"
    run_rom exit42 42 "cont\n" -S -monitor stdio -serial null
    # a failed command says why and changes nothing: cont still works
    run_rom exit42 42 "bogus\ncont\n" -S -monitor stdio -serial null
    grep -q "unknown command" "$tmp/exit42.out" && ok "monitor: unknown command reported" \
        || bad "monitor: no error line for an unknown command"

    rom spin <<'S'
    b .
S
    run_rom spin 0 "\001x" -nographic
    run_rom spin 0 "\001cquit\n" -nographic

    # reset once (a flag in RAM survives the reset), then exit 7
    rom reset <<'S'
    lis r3, 0x8000
    lwz r5, 0x1000(0)
    cmpwi r5, 0
    bne 1f
    li r5, 1
    stw r5, 0x1000(0)
    lis r6, 0x5253
    ori r6, r6, 0x5445
    stw r6, 0x918(r3)
    li r6, 2
    stw r6, 0x91C(r3)
    b .
1:  li r4, 7
    stw r4, 0xF00(r3)
    b .
S
    run_rom reset 7 "" -serial null
    run_rom reset 0 "" -serial null -no-reboot

    # echo one byte typed on the host back, exit with its value
    rom echo <<'S'
    lis r3, 0x8000
1:  lbz r5, 0x3FD(r3)
    andi. r5, r5, 1
    beq 1b
    lbz r6, 0x3F8(r3)
    stb r6, 0x3F8(r3)
    stw r6, 0xF00(r3)
    b .
S
    run_rom echo 65 "A"
    [ "$(cat "$tmp/echo.out")" = "A" ] && ok "UART echo output" || bad "UART echo output: '$(cat "$tmp/echo.out")'"

    # an unmapped read is all-ones and logged under -d unimp
    rom unimp <<'S'
    lis r3, 0x8000
    lwz r5, 0x200(r3)
    addi r4, r5, 1
    stw r4, 0xF00(r3)
    b .
S
    run_rom unimp 0 "" -serial null -d unimp -D "$tmp/unimp.log"
    grep -q "unmapped read32 0x80000200" "$tmp/unimp.log" && ok "-d unimp -D log" \
        || bad "-d unimp: log is '$(cat "$tmp/unimp.log")'"
fi

[ $fail -eq 0 ] && echo "cli: all passed"
exit $fail
