#!/usr/bin/env bash
# Installs every Debian package ppcemu's build, tests and guests need.
# Called by the Makefile when a dependency is missing; safe to run again.
# Usage: tools/deps.sh [build|guest|test|bench|all]   (default: build)
# "test": what the window test (tests/steps/display.sh) needs beyond the
# build: an X server without a screen (Xvfb), a way to type into and
# photograph a window (xdotool, xwd), the guest's disk tools
# (rootfs.img).  "bench": QEMU's 40p for make linux-bench, valgrind to
# count host instructions for make bench-insns.
set -eu

build_pkgs="build-essential pkg-config libsdl2-dev zlib1g-dev check libfdt-dev
  libcapstone-dev libjansson-dev gcc-powerpc-linux-gnu binutils-powerpc-linux-gnu
  libc6-dev-powerpc-cross qemu-user device-tree-compiler gdb-multiarch python3"
guest_pkgs="linux-source-6.1 bc bison flex libssl-dev libelf-dev cpio xz-utils e2fsprogs
  dpkg-dev"
test_pkgs="xvfb xdotool x11-apps x11-utils e2fsprogs"
bench_pkgs="qemu-system-ppc valgrind"

what=${1:-build}
case "$what" in
  build) pkgs=$build_pkgs ;;
  guest) pkgs="$build_pkgs $guest_pkgs" ;;
  test)  pkgs="$build_pkgs $test_pkgs" ;;
  bench) pkgs="$build_pkgs $bench_pkgs" ;;
  all)   pkgs="$build_pkgs $guest_pkgs $test_pkgs $bench_pkgs" ;;
  *) echo "deps.sh: unknown set '$what' (build|guest|test|bench|all)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
