#!/usr/bin/env bash
# make check step: a few thousand random cases of ppcemu against qemu-ppc -cpu 750.
# The seed changes daily and is printed; SEED=... reproduces a run, DIFF_N=... sizes it.
# Usage: tests/steps/diff.sh BUILD_DIR
set -u
build=${1:-build}
seed=${SEED:-$(date -u +%Y%m%d)}
n=${DIFF_N:-3000}
if ! command -v qemu-ppc >/dev/null 2>&1; then
    echo "diff: SKIP: qemu-ppc not installed (tools/deps.sh installs qemu-user)"
    exit 0
fi
for f in "$build/tests/diff-test" "$build/tests/diff-harness"; do
    [ -x "$f" ] || { echo "diff: $f missing (make all builds it)"; exit 1; }
done
run() { # flags...
    echo "diff: seed $seed, $n cases $* (reproduce: make fuzz-diff SEED=$seed N=$n DIFF_FLAGS='$*')"
    "$build/tests/diff-test" --harness "$build/tests/diff-harness" --seed "$seed" -n "$n" \
        --print 5 "$@"
}
rc=0
run || rc=1
run --fp || rc=1
exit $rc
