#!/usr/bin/env bash
# make bench-insns: host instructions executed per guest instruction, for
# ppcemu's JIT, its interpreter and qemu-ppc -cpu 750, on the same guest
# binaries.  The issue asks for `perf stat` figures, but a VM often has no
# hardware counters, so the host instructions are counted by valgrind
# (cachegrind without cache simulation: only Ir).  --smc-check=all makes
# valgrind check every translated block against the code bytes, so code
# that a JIT writes (through another mapping, as ppcemu's split code
# buffer does, or in place, as QEMU's) is retranslated and counted when
# it runs; the "gen" column shows the share of the JIT run spent in code
# without a symbol, i.e. the generated code.  Without that option the
# counts come out 2.3x (ppcemu) and 7x (QEMU) too high on int: valgrind
# keeps running its stale copies of blocks written before their chaining
# jumps were patched in, which return to the C dispatch loop instead.
#
# Each workload is built twice (tests/bench.mk): reduced to 1/DIV of its
# scale-1 work ("run"), and with no pass at all ("base": loading, the
# emulator's set-up, the checksum).  The figure is the steady state
#   (host(run) - host(base)) / (guest(run) - guest(base))
# and the start-up costs are printed after the table.  Guest instructions
# are counted by bench-user (PPCState.icount); qemu runs the same binary.
# Never fails on the figures; a checksum that differs is reported.
# Usage: tools/bench/insns.sh BUILD_DIR NAME...
set -u
build=$1; shift
dir=$build/bench-insns
user=$build/tests/bench-user
vg=(valgrind -q --tool=cachegrind --cache-sim=no --smc-check=all)
bad=0

# count ENGINE PROG: runs PROG under valgrind; sets host (instructions),
# gen (those without a symbol), out (stdout) and guest (bench-user's count)
count() {
    local eng=$1 prog=$2 cg=$dir/.cg
    local -a cmd=("$user" "$prog")
    [ "$eng" = qemu ] && cmd=(qemu-ppc -cpu 750 "$prog")
    rm -f "$cg"
    # the variable is set outside valgrind, which does not follow an exec
    out=$(PPCEMU_ACCEL=$eng "${vg[@]}" --cachegrind-out-file="$cg" "${cmd[@]}" 2> "$dir/.err")
    guest=$(sed -n 's/^bench-user: \([0-9]*\) instructions.*/\1/p' "$dir/.err")
    read -r host gen < <(awk '/^fl=/ { fl = substr($0, 4) } /^fn=/ { fn = substr($0, 4) }
        /^[0-9]/ { if (fl == "???" && fn == "???") g += $2 }
        /^summary:/ { h = $2 } END { printf "%.0f %.0f\n", h, g }' "$cg" 2>/dev/null)
    if [ -z "$host" ] || [ "$host" = 0 ]; then
        echo "$(basename "$prog") under $eng: valgrind failed: $(head -5 "$dir/.err")"
        bad=1; host=0; gen=0
    fi
}

printf '%-8s %12s %8s %8s %8s %9s %6s\n' workload guest-insns jit interp qemu qemu/jit gen
starts=()
for n in "$@"; do
    declare -A h=()
    ref=""
    for k in run base; do
        for e in jit interp qemu; do
            count "$e" "$dir/$n-$k-ppc"
            h[$e-$k]=$host
            case "$e" in
                interp) g_k=$guest ;;
                jit) g_j=$guest; [ "$k" = run ] && gen_run=$gen ;;
            esac
            # every engine must print what the JIT printed for this binary
            if [ "$e" = jit ]; then ref=$out
            elif [ "$out" != "$ref" ]; then
                echo "$n ($k): CHECKSUMS DIFFER: jit '$ref' $e '$out'"; bad=1
            fi
        done
        if [ -z "$g_k" ] || [ "$g_k" != "$g_j" ]; then
            echo "$n ($k): guest instruction counts missing or different: interp '$g_k' jit '$g_j'"; bad=1
        fi
        eval "g_$k=\${g_k:-0}"
    done
    # shellcheck disable=SC2154
    awk -v n="$n" -v gr="$g_run" -v gb="$g_base" -v jr="${h[jit-run]}" -v jb="${h[jit-base]}" \
        -v ir="${h[interp-run]}" -v ib="${h[interp-base]}" -v qr="${h[qemu-run]}" -v qb="${h[qemu-base]}" \
        -v gen="$gen_run" 'BEGIN {
        g = gr - gb; if (g <= 0) g = 1
        j = (jr - jb) / g; i = (ir - ib) / g; q = (qr - qb) / g
        printf "%-8s %12.0f %8.2f %8.2f %8.2f %8.2fx %5.1f%%\n", n, g, j, i, q, (j > 0 ? q / j : 0),
            (jr > 0 ? 100 * gen / jr : 0) }'
    starts+=("$(awk -v n="$n" -v g="$g_base" -v j="${h[jit-base]}" -v i="${h[interp-base]}" \
        -v q="${h[qemu-base]}" 'BEGIN { printf "%s: %.0f guest, jit %.1f M, interp %.1f M, qemu %.1f M", n, g,
        j / 1e6, i / 1e6, q / 1e6 }')")
    unset h
done
rm -f "$dir/.cg" "$dir/.err"
echo "(host instructions per guest instruction in the steady state, counted by valgrind;"
echo " qemu/jit above 1 means ppcemu's JIT executes fewer host instructions than qemu-ppc;"
echo " gen = share of the JIT run's host instructions in generated code)"
echo "start-up (the base builds, subtracted above):"
for s in "${starts[@]}"; do echo "  $s"; done
[ "$bad" = 0 ] || echo "bench-insns: WARNING: some runs failed or disagree (see above)"
exit 0
