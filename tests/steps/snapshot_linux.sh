#!/usr/bin/env bash
# Linux across a snapshot: saved at its shell, restored in a fresh ppcemu,
# it must answer a command (tools/snaplinux.sh).  SKIPs (and passes) when
# the Linux guest is not built (make guest builds build-guest/vmlinux).
# Usage: tests/steps/snapshot_linux.sh BUILD_DIR
build=${1:-build}
SNAPLINUX_BOOT_TIMEOUT=${SNAPLINUX_BOOT_TIMEOUT:-120} exec tools/snaplinux.sh "$build" build-guest/vmlinux
