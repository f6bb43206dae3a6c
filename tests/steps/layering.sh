#!/usr/bin/env bash
# The layering rules: which source folders may include which headers
# (tests/steps/layering.rules, the README's "Layout").  Prints every quoted
# #include that breaks a rule, every tolerated one, and every tolerated one
# that no longer happens; fails on the first and the last kind.
# Usage: tests/steps/layering.sh [BUILD_DIR]   (the build is not used)
# LAYERING_RULES=FILE reads other rules (to try a rule before landing it).
set -u
cd "$(dirname "$0")/../.." || exit 1
rules=${LAYERING_RULES:-tests/steps/layering.rules}
[ -r "$rules" ] || { echo "layering: cannot read $rules"; exit 1; }
dirs=$(awk '$1 == "forbid" { sub("/$", "", $2); print $2 }' "$rules" | sort -u)
# every quoted include as "FILE LINE HEADER", HEADER from the top folder
# (the build has -I.); one named without a folder, or from ./ or ../, is
# found from the including file's folder, as the compiler looks there first
includes=$(for d in $dirs; do
    [ -d "$d" ] && find "$d" -name '*.[ch]' -type f
done | sort | xargs -r awk '
    FNR == 1 { dir = FILENAME; sub("/[^/]*$", "", dir) }
    /^[ \t]*#[ \t]*include[ \t]*"/ {
        h = $0; sub(/^[^"]*"/, "", h); sub(/".*$/, "", h)
        if (h !~ /\// || h ~ /^\.\.?\//) {
            d = dir
            while (h ~ /^\.\.?\//) {
                if (h ~ /^\.\.\//) { if (d ~ /\//) sub("/[^/]*$", "", d); else d = "" }
                sub(/^\.\.?\//, "", h)
            }
            h = (d == "" ? "" : d "/") h
        }
        print FILENAME, FNR, h
    }')
printf '%s\n' "$includes" | awk -v rules="$rules" '
    BEGIN {
        while ((getline line < rules) > 0) {
            n = split(line, f, /[ \t]+/)
            if (f[1] == "forbid") {
                nr++; from[nr] = f[2]; pre[nr] = f[3]; exc[nr] = " "
                for (i = 4; i <= n; i++)
                    if (f[i] != "except") exc[nr] = exc[nr] f[i] " "
            } else if (f[1] == "known") {
                known[f[2] " " f[3]] = 0
            } else if (f[1] != "" && f[1] !~ /^#/) {
                printf "layering: %s: cannot read the line \"%s\"\n", rules, line
                bad++
            }
        }
    }
    NF == 3 {
        file = $1; hdr = $3
        for (r = 1; r <= nr; r++) {
            if (index(file, from[r]) != 1 || index(hdr, pre[r]) != 1)
                continue
            if (index(exc[r], " " hdr " "))
                continue
            if ((file " " hdr) in known) {
                known[file " " hdr]++
                printf "tolerated  %s:%s includes %s (known, see %s)\n", file, $2, hdr, rules
            } else {
                printf "VIOLATION  %s:%s includes %s: %s may not include %s*\n", file, $2, hdr, from[r], pre[r]
                bad++
            }
        }
    }
    END {
        for (k in known)
            if (known[k] == 0) {
                split(k, kv, " ")
                printf "STALE      \"known %s %s\" no longer happens: delete it from %s\n", kv[1], kv[2], rules
                bad++
            }
        printf "layering: %d rules, %d problems\n", nr, bad
        exit bad > 0
    }'
