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
    "$emu" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
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

out=$("$emu" -version 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "^ppcemu version"; then ok "-version"
else bad "-version: status $rc: $out"; fi

"$emu" -h >"$tmp/help" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q -- "-tb-clock" "$tmp/help" && grep -q -- "-nographic" "$tmp/help"; then ok "-h"
else bad "-h: status $rc"; fi

"$emu" -d help >"$tmp/dhelp" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "in_asm" "$tmp/dhelp" && grep -q "unimp" "$tmp/dhelp"; then ok "-d help"
else bad "-d help: status $rc"; fi

for f in -loadvm -incoming -gdb; do
    "$emu" "$f" x >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 1 ] && grep -q "not implemented yet" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
        ok "$f not implemented yet"
    else bad "$f: status $rc: $(cat "$tmp/err")"; fi
done

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

# A raw boot ROM of a few instructions writing 42 to the test device:
#   lis r3,0x8000 ; li r4,42 ; stw r4,0xF00(r3) ; b .
# (the reset vector is 0xFFF00100: the image is padded to put it there)
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/rom.bin" <<'PY'
import struct, sys
code = [0x3C608000, 0x3880002A, 0x90830F00, 0x48000000]
img = b"\0" * 0x100 + b"".join(struct.pack(">I", w) for w in code)
open(sys.argv[1], "wb").write(img)
PY
    timeout 10 "$emu" -bios "$tmp/rom.bin" -serial null </dev/null >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 42 ]; then ok "test device exit status"
    else bad "test device exit status: got $rc: $(head -c 300 "$tmp/err")"; fi
fi

[ $fail -eq 0 ] && echo "cli: all passed"
exit $fail
