#!/usr/bin/env bash
# Figures, not a test: the Linux guest on ppcemu against QEMU's 40p
# (qemu-system-ppc -M 40p -cpu 750) booting the same kernel, measured in
# the same run, each driven over its serial console by linuxdrive:
#   boot_to_prompt_s   emulator start to the shell prompt (wall clock)
#   tmpfs_write_4MiB_s dd 4 MiB from /dev/zero into tmpfs (kernel work)
#   fork_exec_200_s    200 fork+exec+exit of /bin/true (MMU, hash table)
#   sha256sum_4MiB_s   sha256sum of that file (user-mode integer work)
#   awk_fp_loop_s      an awk loop of 200000 double additions (user FP)
# and, for ppcemu, guest instructions and MIPS from the monitor's `info tb`.
# ppcemu's default machine runs under -accel interp and -accel jit.
#
# QEMU gets ppcemu's own polled-UART tree (-M virt,ipic=off) with the
# 100 MHz timebase QEMU's 40p runs its decrementer at
# (tools/qemu-40p/virt-ipic-off.dts says why); ppcemu runs its default
# machine (IPIC UART, 33.3 MHz) and, for the like-for-like line, that same
# polled tree.
#
# Usage: tools/linuxbench.sh [BUILD_DIR]   (RUNS=N repeats, default 3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
build=${1:-build}
runs=${RUNS:-3}
emu=$build/ppcemu
drive=$build/tests/system/linuxdrive
vmlinux=build-guest/vmlinux
out=$build/linux-bench
mkdir -p "$out"
command -v qemu-system-ppc >/dev/null 2>&1 || tools/deps.sh bench
[ -x "$drive" ] && [ -x "$emu" ] && [ -f "$vmlinux" ] \
    || { echo "linuxbench: run 'make guest $emu $drive' first" >&2; exit 1; }

append="console=ttyS0,115200"
"$emu" -M virt,ipic=off -tb-freq 100000000 -append "$append" -dump-dtb "$out/qemu.dtb"

echo "host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(qemu-system-ppc --version | head -1)"
echo "ppcemu: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
res=$out/results.txt
: > "$res"
for r in $(seq 1 "$runs"); do
    mon=$out/mon.sock
    rm -f "$mon"
    "$drive" bench "ppcemu-virt#$r" "$out/ppcemu-$r.log" -m "$mon" -- \
        "$emu" -M virt -kernel "$vmlinux" -append "$append" -nographic -accel interp \
        -monitor "unix:$mon,server,nowait"
    rm -f "$mon"
    "$drive" bench "ppcemu-virt-jit#$r" "$out/ppcemu-jit-$r.log" -m "$mon" -- \
        "$emu" -M virt -kernel "$vmlinux" -append "$append" -nographic -accel jit \
        -monitor "unix:$mon,server,nowait"
    rm -f "$mon"
    "$drive" bench "ppcemu-ipic-off-100MHz#$r" "$out/ppcemu-off-$r.log" -m "$mon" -- \
        "$emu" -M virt,ipic=off -tb-freq 100000000 -kernel "$vmlinux" -append "$append" \
        -nographic -monitor "unix:$mon,server,nowait"
    DTB=$out/qemu.dtb "$drive" bench "qemu-40p#$r" "$out/qemu-$r.log" -- tools/qemu-40p/run.sh
done | tee "$res"

# medians over the runs: "bench NAME#R METRIC VALUE [METRIC VALUE]"
echo
echo "medians of $runs run(s) (seconds; mips = guest instructions / wall time):"
awk '{ split($2, n, "#"); for (i = 3; i + 1 <= NF; i += 2) v[n[1] " " $i] = v[n[1] " " $i] " " $(i + 1) }
     END { for (k in v) { c = split(substr(v[k], 2), a, " ");
             for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
             printf "  %-44s %s\n", k, a[int((c + 1) / 2)] } }' "$res" | sort
