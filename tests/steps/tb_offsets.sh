#!/usr/bin/env bash
# The real-time timebase tests again, with the host clocks the emulator
# reads shifted far away (timebase.md: no host-counter origin may matter).
# The monotonic readings land just above 2^63, where treating them as
# signed would flip; realtime goes back 95 years.  The shift is the debug
# option ppcemu also takes (-debug-clock-offset).
# Usage: tests/steps/tb_offsets.sh BUILD_DIR
set -eu
build=${1:-build}
"$build/tests/unit-tests" -debug-clock-offset mono=-9223372036854775807,real=-3000000000000000000 tb_rt
