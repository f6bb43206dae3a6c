#!/usr/bin/env bash
# The Linux system test: boots the guest kernel (build-guest/vmlinux, built
# by `make guest` when missing or stale: minutes the first time) on ppcemu
# with the IPIC-driven UART and drives its shell over the serial line with
# tests/system/linuxdrive.c: a pipeline, busybox applets, fptest, uname,
# /proc/cpuinfo, `sleep 2` and uptime against the host clock, date, idle
# cost, `reboot -f` under -no-reboot, two identical -icount boots; and,
# when the monitor has savevm, a guest counter saved and restored in fresh
# processes under -tb-clock host and vm, and -loadvm -S then cont.
# tests/system/README.md lists every check.
#
# Usage: tests/steps/linux.sh BUILD_DIR
# Environment: LINUX_TEST=skip skips it (say why in the CI log);
# LINUXDRIVE_TSCALE=F multiplies every timeout (set to 4 for ASan builds).
set -u
build=${1:-build}
emu=$build/ppcemu
drive=$build/tests/system/linuxdrive
work=$build/linux-test

if [ "${LINUX_TEST:-}" = skip ]; then
    echo "linux: SKIP: LINUX_TEST=skip"
    exit 0
fi
if [ ! -x "$emu" ] || [ ! -x "$drive" ]; then
    echo "linux: SKIP: $emu or $drive is not built"
    exit 0
fi
case "$build" in
*asan*) export LINUXDRIVE_TSCALE=${LINUXDRIVE_TSCALE:-4} ;;
esac

# The guest build prints a lot; keep it in a log, show its tail on failure.
mkdir -p "$work"
if ! tools/build-guest.sh > "$work/build-guest.log" 2>&1; then
    echo "linux: FAIL: the guest build failed (tools/build-guest.sh); last lines:"
    tail -30 "$work/build-guest.log"
    exit 1
fi
rm -rf "$work/snapshots" "$work"/*.mon
mkdir -p "$work/snapshots"
"$drive" check "$emu" build-guest/vmlinux "$work"
st=$?
if [ $st -ne 0 ]; then
    echo "linux: serial logs in $work/*.log; last lines of each:"
    for f in "$work"/*.log; do
        [ "$(basename "$f")" = build-guest.log ] && continue
        echo "---- $f"
        tr -d '\r' < "$f" | tail -15
    done
fi
exit $st
