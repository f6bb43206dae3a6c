#!/usr/bin/env bash
# Random instruction words as a bare-metal guest (tests/guest/fuzz.c): in
# real mode, under BATs and under a hashed page table, every exception
# skipped, misaligned and page-crossing accesses of every size to RAM, ROM
# and MMIO.  The emulator must never crash (signal, ASan/UBSan report) or
# hang (not end within its timeout: the guest always ends through the test
# device).  Runs are deterministic (-icount) and each prints its seed;
# rerun one with FUZZ_SEED=S FUZZ_RUNS=1 FUZZ_WORDS=W.
#
# Usage: tests/steps/fuzz_guest.sh BUILD [TOTAL_WORDS]
#   default (make check): 3 runs of 100000 words, seeds 1..3
#   make fuzz-guest N=10000000: runs of FUZZ_WORDS (1000000) words from
#   seed FUZZ_SEED (default: the time), until N words have run
set -u
build=${1:-build}
total=${2:-}
emu=$build/ppcemu
elf=$build/tests/guest/fuzz.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$emu" ] || [ ! -f "$elf" ]; then
    echo "SKIP fuzz_guest: $emu or $elf not built"
    exit 0
fi
if [ -z "$total" ]; then
    words=${FUZZ_WORDS:-100000}
    runs=${FUZZ_RUNS:-3}
    seed=${FUZZ_SEED:-1}
else
    words=${FUZZ_WORDS:-1000000}
    runs=$(( (total + words - 1) / words ))
    seed=${FUZZ_SEED:-$(date +%s)}
fi
# generous: a run takes well under a second per 100000 words unsanitized
tmo=$(( 120 + words / 2000 ))

ran=0 crashes=0 hangs=0 early=0 bad=0
for ((i = 0; i < runs; i++)); do
    s=$((seed + i))
    # perl (perl-base is essential on Debian) tells a signal from an exit
    # status: the guest's own exit status may be anything from 0 to 255
    HOW="$tmp/how" perl -e 'system(@ARGV); my $s = $?; open(my $f, ">", $ENV{HOW}) or die;
        print $f (($s & 127) ? "signal " . ($s & 127) : "exit " . ($s >> 8)), "\n";' \
        timeout "$tmo" "$emu" -kernel "$elf" -nographic -no-reboot -icount 0 \
        -append "seed=$s words=$words" </dev/null 2>"$tmp/err" >"$tmp/out"
    how=$(cat "$tmp/how")
    rc=${how#* }
    [ "${how% *}" = signal ] && rc=$((128 + rc)) sig=1 || sig=0
    got=$(grep -a -o "FUZZ-OK seed=$s words=[0-9]*" "$tmp/out" | sed 's/.*words=//')
    if [ "$rc" -eq 124 ]; then
        hangs=$((hangs + 1)); echo "FAIL seed $s: hang (no end within ${tmo}s)"
    elif [ "$sig" -eq 1 ] || grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$tmp/err"; then
        crashes=$((crashes + 1)); echo "FAIL seed $s: crash, status $rc: $(grep -a -m3 . "$tmp/err")"
    elif [ "$rc" -eq 0 ] && [ -n "$got" ]; then
        ran=$((ran + got))
    elif grep -aq "FUZZ-FAIL\|unexpected exception" "$tmp/out"; then
        bad=$((bad + 1)); echo "FAIL seed $s: the harness lost control: $(grep -a -m1 "FUZZ-FAIL\|unexpected" "$tmp/out")"
    else
        # a random guest store reached the test device's exit word (only
        # possible under translation): the guest ended itself early
        p=$(grep -a -o "FUZZ progress words=[0-9]*" "$tmp/out" | tail -1 | sed 's/.*=//')
        ran=$((ran + ${p:-0}))
        early=$((early + 1)); echo "note seed $s: the guest ended itself early (status $rc)"
    fi
done
echo "fuzz_guest: seeds $seed..$((seed + runs - 1)), $runs runs of $words words:" \
     "$ran instruction words run, $crashes crashes, $hangs hangs, $early early guest exits," \
     "$bad harness failures"
[ $crashes -eq 0 ] && [ $hangs -eq 0 ] && [ $bad -eq 0 ]
