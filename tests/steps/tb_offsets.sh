#!/usr/bin/env bash
# The real-time timebase tests again, with the host clocks the emulator
# reads shifted far away (timebase.md: no host-counter origin may matter).
# The monotonic readings land just above 2^63, where treating them as
# signed would flip; realtime goes back 95 years.
# Usage: tests/steps/tb_offsets.sh BUILD_DIR
set -eu
build=${1:-build}
PPCEMU_TEST_MONO_OFFSET_NS=-9223372036854775807 \
PPCEMU_TEST_REAL_OFFSET_NS=-3000000000000000000 \
    "$build/tests/unit-tests" tb_rt
