#!/usr/bin/env bash
# make bench: each workload natively, under qemu-ppc -cpu 750 and under
# ppcemu (bench-user), measured in this same run.  Prints guest MIPS (guest
# instructions from ppcemu's PPCState.icount; qemu runs the same binary, so
# the same count) and the ratios.  Never fails on time; a checksum that
# differs between the three runs is reported loudly (still exit 0).
# Usage: tools/bench.sh BUILD_DIR NAME...
set -u
build=$1; shift
dir=$build/bench
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
bad=0
printf '%-8s %13s %9s %9s %9s %10s %11s %13s %16s\n' workload guest-insns native-s qemu-s ppcemu-s \
    qemu-MIPS ppcemu-MIPS speed-vs-qemu slowdown-vs-native
for n in "$@"; do
    t0=$(now); out_n=$("$dir/$n-native"); t1=$(now)
    out_q=$(qemu-ppc -cpu 750 "$dir/$n-ppc"); t2=$(now)
    out_e=$("$build/tests/bench-user" "$dir/$n-ppc" 2>"$dir/$n.bench-user.log"); t3=$(now)
    insns=$(sed -n 's/^bench-user: \([0-9]*\) instructions.*/\1/p' "$dir/$n.bench-user.log")
    if [ -z "$insns" ]; then
        echo "$n: bench-user failed: $(cat "$dir/$n.bench-user.log")"; bad=1; continue
    fi
    if [ "$out_n" != "$out_q" ] || [ "$out_n" != "$out_e" ]; then
        echo "$n: CHECKSUMS DIFFER: native '$out_n' qemu '$out_q' ppcemu '$out_e'"; bad=1
    fi
    sn=$(elapsed "$t0" "$t1"); sq=$(elapsed "$t1" "$t2"); se=$(elapsed "$t2" "$t3")
    awk -v n="$n" -v i="$insns" -v sn="$sn" -v sq="$sq" -v se="$se" 'BEGIN {
        printf "%-8s %13d %9.3f %9.3f %9.3f %10.1f %11.1f %12.2fx %15.1fx\n", n, i, sn, sq, se,
            i / sq / 1e6, i / se / 1e6, sq / se, se / sn }'
done
echo "(speed-vs-qemu = qemu time / ppcemu time, above 1 means ppcemu is faster;"
echo " slowdown-vs-native = ppcemu time / time of the same C compiled for the host)"
[ "$bad" = 0 ] || echo "bench: WARNING: some runs failed or disagree (see above)"
exit 0
