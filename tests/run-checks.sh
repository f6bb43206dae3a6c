#!/usr/bin/env bash
# Runs every test step of `make check`, then prints the time of each step
# and one closing line.
# Usage: tests/run-checks.sh BUILD_DIR
set -u
build=${1:-build}
passed=0; failed=0; failures=()
times=()
step() { # name command...
    local name=$1 t0=$SECONDS; shift
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
    # each step's wall time, to see where CI's minutes go
    times+=("$name $((SECONDS - t0))s")
}
step unit "$build/tests/unit-tests"
for s in tests/steps/*.sh; do
    [ -f "$s" ] || continue
    step "$(basename "$s" .sh)" bash "$s" "$build"
done
echo
echo "step times: ${times[*]}"
[ ${#failures[@]} -gt 0 ] && echo "failed steps: ${failures[*]}"
echo "check steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
