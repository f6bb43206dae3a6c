#!/usr/bin/env bash
# Boots the ppcemu guest kernel (build-guest/vmlinux, from `make guest`) on
# QEMU's IBM 40p with a 750 CPU, for side-by-side comparisons with ppcemu
# (linux-notes.md "Side-by-side with QEMU"). The kernel sees the same
# polled-UART device tree as on `ppcemu -M virt,ipic=off`.
#
#   tools/qemu-40p/run.sh            interactive: serial console on stdio
#                                    (quit with Ctrl-A x)
#   tools/qemu-40p/run.sh --test [S] scripted: waits for the init banner,
#                                    types commands at the shell, checks
#                                    their output; gives up after S seconds
#                                    (default 120). Exit 0 = all seen.
#
# Environment: DTB=FILE uses that blob instead of compiling
# virt-ipic-off.dts, e.g. ppcemu's own: `ppcemu -M virt,ipic=off
# -tb-freq 100000000 -append console=ttyS0,115200 -dump-dtb FILE` (checked:
# it boots here too); QEMU=... the qemu binary.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/build-guest/qemu-40p
VMLINUX=$ROOT/build-guest/vmlinux
CROSS=${CROSS:-powerpc-linux-gnu-}
QEMU=${QEMU:-qemu-system-ppc}
DTB_ADDR=0xc00000          # must match the `lis r3, 0x00c0` in stub.S

die() { echo "qemu-40p: ERROR: $*" >&2; exit 1; }

[ -f "$VMLINUX" ] || die "no $VMLINUX: run 'make guest' first"
command -v "$QEMU" >/dev/null 2>&1 || "$ROOT"/tools/deps.sh bench
mkdir -p "$OUT"

# ---- the -bios stub: 1 MiB raw image for 0xFFF00000 ----
if [ ! -f "$OUT/stub.bin" ] || [ "$HERE/stub.S" -nt "$OUT/stub.bin" ]; then
    "${CROSS}as" -mregnames -o "$OUT/stub.o" "$HERE/stub.S"
    "${CROSS}ld" -Ttext=0xfff00000 -e _start -o "$OUT/stub.elf" "$OUT/stub.o"
    "${CROSS}objcopy" -O binary "$OUT/stub.elf" "$OUT/stub.bin"
    [ "$(stat -c %s "$OUT/stub.bin")" = 1048576 ] || die "stub.bin is not 1 MiB"
fi

# ---- the device tree ----
if [ -n "${DTB:-}" ]; then
    dtb=$DTB
else
    dtb=$OUT/virt.dtb
    if [ ! -f "$dtb" ] || [ "$HERE/virt-ipic-off.dts" -nt "$dtb" ]; then
        dtc -q -I dts -O dtb -o "$dtb" "$HERE/virt-ipic-off.dts"
    fi
fi

# The tree must not overlap the kernel image (text + data + bss):
# linux-notes.md "Entry". _end is virtual (KERNELBASE 0xC0000000).
end=$("${CROSS}nm" "$VMLINUX" | awk '$3 == "_end" { print $1 }')
[ -n "$end" ] || die "no _end symbol in $VMLINUX"
if (( 0x$end - 0xc0000000 > DTB_ADDR )); then
    die "kernel _end (0x$end) overlaps the DTB at $DTB_ADDR"
fi

qemu_cmd=("$QEMU" -M 40p -cpu 750 -m 128 -bios "$OUT/stub.bin"
          -device "loader,file=$VMLINUX"
          -device "loader,file=$dtb,addr=$DTB_ADDR,force-raw=on"
          -vga none -net none -nographic -no-reboot)

# QEMU 7.2: the 40p has a CS4231A sound card; no host audio is wanted.
export QEMU_AUDIO_DRV=none

if [ "${1:-}" != "--test" ]; then
    exec "${qemu_cmd[@]}"
fi

# ---- scripted run ----
limit=${2:-120}
log=$OUT/boot.log
fifo=$OUT/stdin.fifo
rm -f "$fifo" "$log"
mkfifo "$fifo"
t0=$(date +%s.%N)
"${qemu_cmd[@]}" < "$fifo" > "$log" 2>&1 &
qpid=$!
exec 3> "$fifo"          # hold the write end open: QEMU sees no EOF
cleanup() { exec 3>&-; kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; rm -f "$fifo"; }
trap cleanup EXIT

# wait_for PATTERN: until the log holds it, QEMU dies, or time runs out.
wait_for() {
    while ! grep -q -- "$1" "$log"; do
        kill -0 "$qpid" 2>/dev/null || { echo "qemu-40p: QEMU exited" >&2; return 1; }
        if (( $(date +%s) - ${t0%.*} > limit )); then
            echo "qemu-40p: timeout (${limit}s) waiting for '$1'" >&2; return 1
        fi
        sleep 0.2
    done
}
elapsed() { echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f'; }

fail=0
if wait_for "ppcemu guest ready"; then
    t_banner=$(elapsed)
    wait_for "ppcemu:/# " || fail=1
    t_prompt=$(elapsed)
    printf 'echo hello from the $((6 * 7)) shell; uname -a; fptest; echo done-$((1 + 1))\n' >&3
    wait_for "done-2" || fail=1
    grep -q "hello from the 42 shell" "$log" || { echo "qemu-40p: no echo output" >&2; fail=1; }
    grep -q "fptest: PASS" "$log" || { echo "qemu-40p: fptest did not pass" >&2; fail=1; }
    echo "qemu-40p: banner after ${t_banner}s, prompt after ${t_prompt}s (log: $log)"
else
    fail=1
fi
echo "---- serial output (last 40 lines) ----"
tr -d '\r' < "$log" | tail -40
exit $fail
