#!/usr/bin/env bash
# The Linux guest on a virtio disk (issue 13): boots from a copy of
# build-guest/rootfs.img with root=/dev/vda, writes a file, boots the image
# again and finds it; with snapshot=on its writes stay in the overlay (the
# host image is byte-for-byte unchanged, the next boot does not see them);
# a readonly=on drive refuses writes. Driven over the serial line by
# tests/guestdrive.py (every check is listed there).
#
# Usage: tests/steps/linux_disk.sh BUILD_DIR
# Environment: LINUX_TEST=skip skips it (as tests/steps/linux.sh).
set -u
build=${1:-build}
emu=$build/ppcemu
work=$build/linux-disk-test

if [ "${LINUX_TEST:-}" = skip ]; then
    echo "linux_disk: SKIP: LINUX_TEST=skip"
    exit 0
fi
[ -x "$emu" ] || { echo "linux_disk: SKIP: $emu is not built"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "linux_disk: SKIP: no python3"; exit 0; }
case "$build" in
*asan*) export GUESTDRIVE_TSCALE=${GUESTDRIVE_TSCALE:-4} ;;
esac

mkdir -p "$work"
if ! tools/build-guest.sh > "$work/build-guest.log" 2>&1; then
    echo "linux_disk: FAIL: the guest build failed (tools/build-guest.sh); last lines:"
    tail -30 "$work/build-guest.log"
    exit 1
fi
rm -f "$work"/*.img "$work"/*.log "$work"/*.mon
timeout -k 10 1800 python3 tests/guestdrive.py disk "$emu" "$work"
st=$?
if [ $st -ne 0 ]; then
    echo "linux_disk: serial logs in $work/*.log; last lines of each:"
    for f in "$work"/disk*.log; do
        echo "---- $f"
        tr -d '\r' < "$f" | tail -15
    done
fi
exit $st
