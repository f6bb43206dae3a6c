# Case bookkeeping for the shell steps (sourced by tests/steps/snapshot.sh
# and migration.sh): `begin NAME`, any number of `fail WHY`, `end_case`;
# the step prints $passed / $failed / ${failures[@]} at its end.
passed=0; failed=0; failures=()
CASE=""
fail() { echo "    FAIL [$CASE]: $*"; CASE_OK=0; }
begin() { CASE=$1; CASE_OK=1; echo "--- $1"; }
end_case() {
    if [ "$CASE_OK" = 1 ]; then passed=$((passed + 1)); echo "    ok"
    else failed=$((failed + 1)); failures+=("$CASE"); fi
}
