#!/usr/bin/env bash
# Runs every test step of `make check` and prints one closing line.
# Usage: tests/run-checks.sh BUILD_DIR
set -u
build=${1:-build}
passed=0; failed=0; failures=()
step() { # name command...
    local name=$1; shift
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}
step unit "$build/tests/unit-tests"
for s in tests/steps/*.sh; do
    [ -f "$s" ] || continue
    step "$(basename "$s" .sh)" bash "$s" "$build"
done
echo
[ ${#failures[@]} -gt 0 ] && echo "failed steps: ${failures[*]}"
echo "check steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
