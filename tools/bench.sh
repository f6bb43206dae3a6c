#!/usr/bin/env bash
# make bench: each workload natively, under qemu-ppc -cpu 750 and under
# ppcemu (bench-user) with the interpreter and with the JIT (PPCEMU_ACCEL),
# measured in this same run.  Prints guest MIPS (guest instructions from
# ppcemu's PPCState.icount; qemu runs the same binary, so the same count)
# and the ratios.  Never fails on time; a checksum that differs between
# the runs is reported loudly (still exit 0).
# Usage: tools/bench.sh BUILD_DIR NAME...
set -u
build=$1; shift
dir=$build/bench
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
bad=0
printf '%-8s %13s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n' workload guest-insns native-s qemu-s \
    interp-s jit-s qemu-MIPS int-MIPS jit-MIPS jit/qemu jit/nat
for n in "$@"; do
    t0=$(now); out_n=$("$dir/$n-native"); t1=$(now)
    out_q=$(qemu-ppc -cpu 750 "$dir/$n-ppc"); t2=$(now)
    out_e=$(PPCEMU_ACCEL=interp "$build/tests/bench-user" "$dir/$n-ppc" 2>"$dir/$n.bench-user.log"); t3=$(now)
    out_j=$(PPCEMU_ACCEL=jit "$build/tests/bench-user" "$dir/$n-ppc" 2>"$dir/$n.bench-jit.log"); t4=$(now)
    insns=$(sed -n 's/^bench-user: \([0-9]*\) instructions.*/\1/p' "$dir/$n.bench-user.log")
    insns_j=$(sed -n 's/^bench-user: \([0-9]*\) instructions.*/\1/p' "$dir/$n.bench-jit.log")
    if [ -z "$insns" ] || [ -z "$insns_j" ]; then
        echo "$n: bench-user failed: $(cat "$dir/$n.bench-user.log" "$dir/$n.bench-jit.log")"; bad=1; continue
    fi
    if [ "$out_n" != "$out_q" ] || [ "$out_n" != "$out_e" ] || [ "$out_n" != "$out_j" ]; then
        echo "$n: CHECKSUMS DIFFER: native '$out_n' qemu '$out_q' interp '$out_e' jit '$out_j'"; bad=1
    fi
    if [ "$insns" != "$insns_j" ]; then
        echo "$n: INSTRUCTION COUNTS DIFFER: interp $insns jit $insns_j"; bad=1
    fi
    sn=$(elapsed "$t0" "$t1"); sq=$(elapsed "$t1" "$t2"); se=$(elapsed "$t2" "$t3"); sj=$(elapsed "$t3" "$t4")
    awk -v n="$n" -v i="$insns" -v sn="$sn" -v sq="$sq" -v se="$se" -v sj="$sj" 'BEGIN {
        printf "%-8s %13d %8.3f %8.3f %8.3f %8.3f %8.1f %8.1f %8.1f %7.2fx %7.1fx\n", n, i, sn, sq, se,
            sj, i / sq / 1e6, i / se / 1e6, i / sj / 1e6, sq / sj, sj / sn }'
done
echo "(jit/qemu = qemu time / JIT time, above 1 means ppcemu's JIT is faster;"
echo " jit/nat = JIT time / time of the same C compiled for the host)"
[ "$bad" = 0 ] || echo "bench: WARNING: some runs failed or disagree (see above)"
exit 0
