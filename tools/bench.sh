#!/usr/bin/env bash
# make bench: each workload natively, under qemu-ppc -cpu 750 and under
# ppcemu (bench-user) with the interpreter and with the JIT (PPCEMU_ACCEL),
# measured in this same run.  Prints guest MIPS (guest instructions from
# ppcemu's PPCState.icount; qemu runs the same binary, so the same count)
# and the ratios.  Times are the CPU time (user + system) of each process,
# which a loaded host (other jobs on the same cores) disturbs much less
# than the elapsed time; the elapsed times are printed after the table.
# Never fails on time; a checksum that differs between the runs is
# reported loudly (still exit 0).
# Usage: tools/bench.sh BUILD_DIR NAME...
set -u
build=$1; shift
dir=$build/bench
TIMEFORMAT='%R %U %S'
# run CMD..., stdout to $out, stderr to $err; sets cpu (user + sys) and wall
measure() {
    local t
    t=$( { time "$@" > "$dir/.out" 2> "$dir/.err" ; } 2>&1 )
    out=$(cat "$dir/.out")
    wall=${t%% *}
    cpu=$(awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.3f", a[2] + a[3] }')
}
bad=0
walls=()
printf '%-8s %13s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n' workload guest-insns native-s qemu-s \
    interp-s jit-s qemu-MIPS int-MIPS jit-MIPS jit/qemu jit/nat
for n in "$@"; do
    measure "$dir/$n-native"; out_n=$out; sn=$cpu; wn=$wall
    measure qemu-ppc -cpu 750 "$dir/$n-ppc"; out_q=$out; sq=$cpu; wq=$wall
    measure env PPCEMU_ACCEL=interp "$build/tests/bench-user" "$dir/$n-ppc"; out_e=$out; se=$cpu; we=$wall
    cp "$dir/.err" "$dir/$n.bench-user.log"
    measure env PPCEMU_ACCEL=jit "$build/tests/bench-user" "$dir/$n-ppc"; out_j=$out; sj=$cpu; wj=$wall
    cp "$dir/.err" "$dir/$n.bench-jit.log"
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
    walls+=("$n: native $wn qemu $wq interp $we jit $wj")
    awk -v n="$n" -v i="$insns" -v sn="$sn" -v sq="$sq" -v se="$se" -v sj="$sj" 'BEGIN {
        if (sn <= 0) sn = 0.001; if (sq <= 0) sq = 0.001; if (se <= 0) se = 0.001; if (sj <= 0) sj = 0.001
        printf "%-8s %13.0f %8.3f %8.3f %8.3f %8.3f %8.1f %8.1f %8.1f %7.2fx %7.1fx\n", n, i, sn, sq, se,
            sj, i / sq / 1e6, i / se / 1e6, i / sj / 1e6, sq / sj, sj / sn }'
done
rm -f "$dir/.out" "$dir/.err"
echo "(CPU seconds, user + system; jit/qemu = qemu time / JIT time, above 1 means"
echo " ppcemu's JIT is faster; jit/nat = JIT time / time of the same C compiled for the host)"
echo "elapsed seconds of the same runs:"
for w in "${walls[@]}"; do echo "  $w"; done
echo "host load: $(uptime | sed 's/.*load average/load average/')"
[ "$bad" = 0 ] || echo "bench: WARNING: some runs failed or disagree (see above)"
exit 0
