#!/usr/bin/env bash
# make check step: the JIT against the reference engine (the interpreter).
#   - the unit tests with their CPUs under the JIT (PPCEMU_ACCEL=jit),
#     minus the jit suite: every test there picks its engines itself, so
#     the unit step has run it already (under ASan it is the longest suite)
#   - the bare-metal guest suite under the engine the guest step does not
#     run (the default), and under -accel lockstep
#     (every block run by both engines and compared; a difference stops
#     the guest, so the program fails)
#   - three -icount guests printing the same under both engines
#   - the differential test against qemu-ppc with the JIT
#   - a Linux boot to the shell under -accel lockstep, and under -accel jit
#     when the JIT is not the default (else the linux step has booted it)
# tb_rate and tb_dec measure the timebase against the host clock, with
# real-time bounds a slow engine on a loaded host can miss (time slices
# are counted in instructions): they run in the guest step (the default
# engine) only; the -icount runs below compare interrupt timing exactly.
# Lockstep runs each block twice and copies the state: its guest runs get
# a longer timeout (never a verdict on speed).
#
# Usage: tests/steps/jit.sh BUILD_DIR
set -u
build=${1:-build}
if ! "$build/ppcemu" -accel jit -version > /dev/null 2>&1; then
    echo "jit: SKIP: no JIT on this host ($build/ppcemu -accel jit refused)"
    exit 0
fi
rc=0
failed=()
part() { # name command...
    local name=$1
    shift
    echo "--- jit: $name"
    if ! "$@"; then
        rc=1
        failed+=("$name")
    fi
}
guests() { # names of the guest programs, minus the arguments
    local elf n skip
    for elf in "$build"/tests/guest/*.elf; do
        n=$(basename "$elf" .elf)
        for skip in "$@"; do [ "$n" = "$skip" ] && continue 2; done
        echo "$n"
    done
}
linux_boot() { # accel
    local work=$build/jit-test
    if [ ! -f build-guest/vmlinux ] || [ ! -x "$build/tests/system/linuxdrive" ]; then
        echo "SKIP: no build-guest/vmlinux (make guest) or linuxdrive"
        return 0
    fi
    mkdir -p "$work"
    "$build/tests/system/linuxdrive" boot "$work/boot-$1.log" -- "$build/ppcemu" -M virt \
        -kernel build-guest/vmlinux -nographic -no-reboot -accel "$1" || {
        tr -d '\r' < "$work/boot-$1.log" | tail -20
        return 1
    }
}
# -icount makes a run deterministic: both engines must print the same
# serial output, byte for byte (interrupts at the same instruction)
icount_same() {
    local work=$build/jit-test name a st=0
    mkdir -p "$work"
    for name in icount stress_irq tb_dec; do
        for a in interp jit; do
            timeout -k 5 60 "$build/ppcemu" -kernel "$build/tests/guest/$name.elf" -nographic \
                -no-reboot -icount 0 -accel "$a" < /dev/null > "$work/$name.$a.log" 2>&1
        done
        if cmp -s "$work/$name.interp.log" "$work/$name.jit.log"; then
            echo "PASS $name: same output under -accel interp and jit ($(wc -l < "$work/$name.jit.log") lines)"
        else
            echo "FAIL $name: the engines print differently under -icount 0:"
            diff "$work/$name.interp.log" "$work/$name.jit.log" | head -10
            st=1
        fi
    done
    return $st
}
ls_timeout=${GUEST_TIMEOUT:-120}
case "$build" in
*asan*) export LINUXDRIVE_TSCALE=${LINUXDRIVE_TSCALE:-4}; ls_timeout=${GUEST_TIMEOUT:-600} ;;
esac

part "unit tests but the jit suite (PPCEMU_ACCEL=jit)" env PPCEMU_ACCEL=jit "$build/tests/unit-tests" -except jit
# the guest and linux steps run the default engine; this one runs the other
other=jit
"$build/ppcemu" -h | grep -q -- "-accel.*default jit" && other=interp
mapfile -t g_jit < <(guests tb_rate tb_dec)
part "guest suite (-accel $other)" env GUEST_EMU_FLAGS="-accel $other" \
    bash tests/steps/guest.sh "$build" "${g_jit[@]}"
mapfile -t g_ls < <(guests tb_rate tb_dec)
# the guest step's default JIT interprets a block's first runs (PPC_JIT_HOT);
# here every block is compiled on its first run, as in the jit unit suite
if [ "$other" = interp ]; then
    part "guest suite (-accel jit, PPCEMU_JIT_HOT=0)" env PPCEMU_JIT_HOT=0 \
        bash tests/steps/guest.sh "$build" "${g_jit[@]}"
fi
part "guest suite (-accel lockstep)" env GUEST_EMU_FLAGS="-accel lockstep" GUEST_TIMEOUT=$ls_timeout \
    bash tests/steps/guest.sh "$build" "${g_ls[@]}"
part "-icount runs print the same under both engines" icount_same
part "differential test against qemu-ppc (PPCEMU_ACCEL=jit)" env PPCEMU_ACCEL=jit \
    bash tests/steps/diff.sh "$build"
if [ "$other" = jit ]; then
    part "Linux boot (-accel jit)" linux_boot jit
else
    echo "--- jit: Linux boot (-accel jit): the linux step booted it (the default engine)"
fi
part "Linux boot (-accel lockstep)" linux_boot lockstep
[ ${#failed[@]} -gt 0 ] && echo "jit: failed: ${failed[*]}"
exit $rc
