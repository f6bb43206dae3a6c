#!/usr/bin/env bash
# The second milestone's devices from the outside.
#
# The framebuffer through the monitor's screendump (cli.md): the bare-metal
# program tests/guest/fb_pattern.c draws a known pattern and idles; the
# monitor writes a PPM and a PNG of the screen; every pixel of both must
# equal the pattern's formula (computed here, independently of ppcemu).
# Also: screendump with -M virt,fb=off fails with one line, and a bad
# format is refused.
# The virtio drives' monitor rows: info block lists them, savevm/loadvm
# are refused with one line while drives are attached (their state is
# not in snapshots yet), and a missing image is a one-line start error.
# sendkey's error lines.
# Usage: tests/steps/devices.sh BUILD_DIR
set -u
build=${1:-build}
emu=$build/ppcemu
elf=$build/tests/guest/fb_pattern.elf
timeout_s=${GUEST_TIMEOUT:-30}
if [ ! -x "$emu" ] || [ ! -f "$elf" ]; then
    echo "devices: SKIP: $emu or $elf not built"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ppcemu-dev.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# run_dump NAME MACHINE COMMANDS...: starts the program, waits for its
# READY line on the serial log, types the monitor commands, then quit
run_dump() {
    local name=$1 machine=$2 i
    shift 2
    local fifo=$tmp/$name.fifo log=$tmp/$name.serial
    mkfifo "$fifo"
    timeout -k 5 "$timeout_s" "$emu" -kernel "$elf" -M "$machine" -display none \
        -serial "file:$log" -monitor stdio < "$fifo" > "$tmp/$name.mon" 2>&1 &
    local pid=$!
    exec 3> "$fifo"
    for ((i = 0; i < timeout_s * 10; i++)); do
        grep -qE "^(FB-READY|NO-FB)" "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    for c in "$@"; do
        printf '%s\n' "$c" >&3
    done
    printf 'quit\n' >&3
    exec 3>&-
    wait "$pid"
}

# check_pixels FILE W H: every pixel of a PPM or PNG equals the pattern
check_pixels() {
    perl -MCompress::Zlib -e '
        my ($f, $w, $h) = @ARGV;
        open my $fh, "<", $f or die "cannot open $f\n"; binmode $fh;
        local $/; my $d = <$fh>; my $rgb;
        if ($d =~ /\AP6\n(\d+) (\d+)\n255\n/s) {
            die "size $1x$2\n" unless $1 == $w && $2 == $h;
            $rgb = substr($d, length($&));
        } elsif (substr($d, 0, 8) eq "\x89PNG\r\n\x1a\n") {
            my ($pos, $idat, $pw, $ph, $depth, $ctype) = (8, "");
            while ($pos < length $d) {
                my ($len, $type) = unpack("Na4", substr($d, $pos, 8));
                my $body = substr($d, $pos + 8, $len);
                my $crc = unpack("N", substr($d, $pos + 8 + $len, 4));
                die "bad CRC in $type\n" unless crc32($type . $body) == $crc;
                ($pw, $ph, $depth, $ctype) = unpack("NNCC", $body) if $type eq "IHDR";
                $idat .= $body if $type eq "IDAT";
                $pos += 12 + $len;
            }
            die "IHDR ${pw}x$ph depth $depth type $ctype\n"
                unless $pw == $w && $ph == $h && $depth == 8 && $ctype == 2;
            my $raw = uncompress($idat); defined $raw or die "bad zlib data\n";
            $rgb = "";
            for my $y (0 .. $h - 1) {
                my $row = substr($raw, $y * (3 * $w + 1), 3 * $w + 1);
                die "row $y filter " . ord($row) . "\n" if ord($row) != 0;
                $rgb .= substr($row, 1);
            }
        } else { die "neither PPM nor PNG\n" }
        die "length " . length($rgb) . "\n" unless length($rgb) == 3 * $w * $h;
        my $want = "";
        for my $y (0 .. $h - 1) {
            $want .= pack("C3", ($_ * 7) & 255, ($y * 3) & 255, ($_ ^ $y) & 255) for 0 .. $w - 1;
        }
        if ($rgb ne $want) {
            for my $i (0 .. length($rgb) - 1) {
                next if substr($rgb, $i, 1) eq substr($want, $i, 1);
                my $p = int($i / 3);
                die sprintf("first wrong pixel (%d,%d)\n", $p % $w, int($p / $w));
            }
        }' "$@"
}

for geom in 1024x768 320x240; do
    w=${geom%x*}; h=${geom#*x}
    run_dump "fb$geom" "virt,fb=$geom" "screendump $tmp/$geom.ppm" "screendump $tmp/$geom.png -f png" \
        "screendump -f png $tmp/$geom-2.png"
    st=$?
    [ "$st" -eq 0 ] || echo "    ppcemu ended with status $st"
    for f in "$geom.ppm" "$geom.png" "$geom-2.png"; do
        if [ "$st" -eq 0 ] && why=$(check_pixels "$tmp/$f" "$w" "$h" 2>&1); then
            ok "screendump $f"
        else
            echo "    $f: $why"; sed 's/^/    | /' "$tmp/fb$geom.mon" | tail -5
            bad "screendump $f"
        fi
    done
done

run_dump nofb "virt,fb=off" "screendump $tmp/none.ppm" "screendump $tmp/x.gif -f gif"
if grep -q "screendump: the machine has no framebuffer" "$tmp/nofb.mon" && [ ! -e "$tmp/none.ppm" ] \
    && grep -q "unknown format 'gif'" "$tmp/nofb.mon"; then
    ok "screendump refused without a framebuffer / for an unknown format"
else
    sed 's/^/    | /' "$tmp/nofb.mon"
    bad "screendump refused without a framebuffer / for an unknown format"
fi

# ---- virtio drives and the monitor ----
img=$tmp/d.img
head -c 65536 /dev/zero > "$img"
printf 'info block\nsavevm s1\nloadvm s1\nquit\n' | timeout -k 5 "$timeout_s" "$emu" -S \
    -drive "file=$img,format=raw,if=virtio" -drive "file=$img,format=raw,if=virtio,snapshot=on" \
    -monitor stdio -serial null -display none -snapshot-dir "$tmp/snaps" > "$tmp/blk.mon" 2>&1
st=$?
mon=$(tr -d '\r' < "$tmp/blk.mon")
if [ "$st" -eq 0 ] && grep -qE "^virtio0 +0@81000000 +128 +read-write .*d\.img$" <<< "$mon" \
    && grep -qE "^virtio1 +1@81000200 +128 +snapshot " <<< "$mon"; then
    ok "info block lists the drives"
else
    sed 's/^/    | /' <<< "$mon"; bad "info block lists the drives"
fi
if grep -q "savevm: not with virtio drives attached" <<< "$mon" \
    && grep -q "loadvm: not with virtio drives attached" <<< "$mon" && [ ! -e "$tmp/snaps/s1.snap" ]; then
    ok "savevm/loadvm refused with drives"
else
    sed 's/^/    | /' <<< "$mon"; bad "savevm/loadvm refused with drives"
fi
"$emu" -drive "file=$tmp/missing.img,format=raw,if=virtio" -nographic > "$tmp/miss.out" 2>&1 < /dev/null
st=$?
if [ "$st" -eq 1 ] && [ "$(wc -l < "$tmp/miss.out")" -eq 1 ] && grep -q "missing.img" "$tmp/miss.out"; then
    ok "a missing image: one line, status 1"
else
    sed 's/^/    | /' "$tmp/miss.out"; bad "a missing image: one line, status 1 (got $st)"
fi

# ---- sendkey's errors (delivery is tested by the guest program virtio_input) ----
printf 'sendkey ctrl-nokey\nsendkey\nquit\n' | timeout -k 5 "$timeout_s" "$emu" -S -monitor stdio \
    -serial null -display none > "$tmp/key.mon" 2>&1
printf 'sendkey a\nquit\n' | timeout -k 5 "$timeout_s" "$emu" -S -M virt,fb=off -monitor stdio \
    -serial null -display none > "$tmp/key2.mon" 2>&1
if grep -q "sendkey: unknown key 'nokey'" "$tmp/key.mon" && grep -q "sendkey: usage" "$tmp/key.mon" \
    && grep -q "sendkey: the machine has no keyboard" "$tmp/key2.mon"; then
    ok "sendkey errors"
else
    sed 's/^/    | /' "$tmp/key.mon" "$tmp/key2.mon"; bad "sendkey errors"
fi

echo "devices: $passed passed, $failed failed (of $((passed + failed)))"
[ "$failed" -eq 0 ]
