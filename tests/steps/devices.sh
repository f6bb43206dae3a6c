#!/usr/bin/env bash
# The second milestone's devices from the outside.
#
# The framebuffer through the monitor's screendump (cli.md): the bare-metal
# program tests/guest/fb_pattern.c draws a known pattern and idles; the
# monitor writes a PPM and a PNG of the screen; every pixel of both must
# equal the pattern's formula (computed here, independently of ppcemu).
# Also: screendump with -M virt,fb=off fails with one line, and a bad
# format is refused.
# The virtio drives' monitor rows: info block lists them, and a missing
# image is a one-line start error.  sendkey's error lines.
# Device state in snapshots and migration (tests/guest/virtio_snap.c, a
# driver taking commands from the serial line, monitor on a UNIX socket):
# disk and RAM consistent across savevm/loadvm with a snapshot=on drive
# (loadvm brings back the overlay's before-state), a request left in the
# ring at the savevm completes after the loadvm, savevm refused with one
# line for a writable drive, framebuffer pixels equal after a loadvm into
# a fresh process (and a geometry mismatch is one line), and a live
# migration of the driver with its overlay.
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
printf 'info block\nquit\n' | timeout -k 5 "$timeout_s" "$emu" -S \
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

# ---- device state in snapshots and migration ----
monc=$build/tests/snapshot/monclient
sguest=$build/tests/guest/virtio_snap.elf
if [ ! -x "$monc" ] || [ ! -f "$sguest" ]; then
    echo "SKIP device snapshots: $monc or $sguest not built"
else
pids=()
# vm NAME FD FLAGS...: ppcemu with its serial line on a FIFO held open as
# file descriptor FD (4..6), output NAME.log, monitor NAME.sock
vm() {
    local name=$1 fd=$2; shift 2
    rm -f "$tmp/$name.sock" "$tmp/$name.in"
    mkfifo "$tmp/$name.in"
    timeout -k 5 120 "$emu" -display none -no-reboot -serial stdio \
        -monitor "unix:$tmp/$name.sock,server,nowait" -snapshot-dir "$tmp/snaps" "$@" \
        < "$tmp/$name.in" > "$tmp/$name.log" 2> "$tmp/$name.err" &
    VPID=$!
    pids+=("$VPID")
    eval "exec $fd> \"\$tmp/\$name.in\""
}
mon() { local name=$1; shift; "$monc" "$tmp/$name.sock" "$@"; }
# mon_quiet NAME CMD: a monitor command that must answer nothing (savevm,
# loadvm, migrate); otherwise why= gets its answer (the first failure kept)
mon_quiet() {
    local out
    out=$(mon "$1" "$2")
    [ -z "$out" ] || why="${why:-${2%% *} said: $out}"
}
# nlines NAME REGEX: how many lines of NAME.log match
nlines() { tr -d '\r' < "$tmp/$1.log" | grep -cE -- "$2"; }
# wait_n NAME REGEX N: until N lines match (30 s)
wait_n() {
    local i
    for ((i = 0; i < 1500; i++)); do
        [ "$(nlines "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.02
    done
    return 1
}
dimg=$tmp/tests/guest/vsnap/disk.img
bash tests/guest/virtio_snap.prep "$tmp"
drive="file=$dimg,format=raw,if=virtio,snapshot=on"

# savevm/loadvm around block I/O
why=""
vm V 4 -kernel "$sguest" -drive "$drive"
wait_n V '^RX-READY' 1 || why="no RX-READY"
printf 'i1cp' >&4
wait_n V '^OK p' 1 || why="${why:-no OK p}"
mon_quiet V "savevm blk1"
printf 'n2c' >&4
wait_n V '^GEN ' 2 || why="${why:-no second GEN}"
mon_quiet V "loadvm blk1"
printf 'nc' >&4
wait_n V '^GEN ' 3 || why="${why:-no GEN after loadvm}"
printf 'q' >&4
exec 4>&-
wait "$VPID"; st=$?
got=$(tr -d '\r' < "$tmp/V.log" | grep -E '^(GEN|PARKED|CONSISTENT|INCONSISTENT|TIMEOUT|BAD)' | tr '\n' '|')
want='GEN disk=1 ram=1|CONSISTENT|PARKED disk=1 used=3|GEN disk=2 ram=2|CONSISTENT|PARKED disk=1 used=3|GEN disk=1 ram=1|CONSISTENT|'
if [ -z "$why" ] && [ "$st" -eq 0 ] && [ "$got" = "$want" ] && cmp -s "$dimg" "${dimg%.img}.orig"; then
    ok "savevm/loadvm with a snapshot=on drive: overlay, RAM and a parked request consistent"
else
    echo "    ${why:-status $st}; got $got"; sed 's/^/    | /' "$tmp/V.err" | head -5
    bad "savevm/loadvm with a snapshot=on drive: overlay, RAM and a parked request consistent"
fi

# a writable drive: savevm refused with one line, nothing written
cp "${dimg%.img}.orig" "$tmp/rw.img"
vm W 4 -kernel "$sguest" -S -drive "file=$tmp/rw.img,format=raw,if=virtio"
out=$(mon W "savevm rw1" "quit")
exec 4>&-
wait "$VPID"
if [ "$(grep -c . <<< "$out")" -eq 1 ] && grep -q "^savevm: drive virtio0 (.*rw.img) is writable" <<< "$out" \
    && [ ! -e "$tmp/snaps/rw1.snap" ]; then
    ok "savevm refused with one line for a writable drive"
else
    sed 's/^/    | /' <<< "$out"; bad "savevm refused with one line for a writable drive"
fi

# framebuffer contents: save with the pattern drawn, load into a fresh
# (stopped, black) machine, its screendump equals the pattern
felf=$build/tests/guest/fb_pattern.elf
vm F 4 -kernel "$felf"
wait_n F '^FB-READY' 1
mon F "screendump $tmp/fb-before.ppm" "savevm fb1" > "$tmp/F.mon"
mon F "quit" > /dev/null; exec 4>&-; wait "$VPID"
vm G 4 -kernel "$felf" -S
mon G "loadvm fb1" "screendump $tmp/fb-after.ppm" > "$tmp/G.mon"
mon G "quit" > /dev/null; exec 4>&-; wait "$VPID"
if [ ! -s "$tmp/F.mon" ] && [ ! -s "$tmp/G.mon" ] && why=$(check_pixels "$tmp/fb-after.ppm" 1024 768 2>&1) \
    && cmp -s "$tmp/fb-before.ppm" "$tmp/fb-after.ppm"; then
    ok "framebuffer pixels equal after a loadvm"
else
    echo "    $why"; sed 's/^/    | /' "$tmp/F.mon" "$tmp/G.mon"; bad "framebuffer pixels equal after a loadvm"
fi
vm H 4 -kernel "$felf" -S -M virt,fb=320x240
out=$(mon H "loadvm fb1" "quit")
exec 4>&-; wait "$VPID"
if [ "$(grep -c . <<< "$out")" -eq 1 ] \
    && grep -q "^loadvm: snapshot's framebuffer is 1024x768, this machine's is 320x240" <<< "$out"; then
    ok "framebuffer geometry mismatch: one line"
else
    sed 's/^/    | /' <<< "$out"; bad "framebuffer geometry mismatch: one line"
fi

# live migration of the driver with its overlay
why=""
vm D 5 -kernel "$sguest" -drive "$drive" -incoming "unix:$tmp/mig.sock"
dpid=$VPID
vm S 4 -kernel "$sguest" -drive "$drive"
spid=$VPID
wait_n S '^RX-READY' 1 || why="no RX-READY"
printf 'i1c2c' >&4
wait_n S '^GEN ' 2 || why="${why:-no GEN on the source}"
for ((i = 0; i < 250; i++)); do
    [ -e "$tmp/mig.sock" ] && break
    sleep 0.02
done
mon_quiet S "migrate unix:$tmp/mig.sock"
mon S "quit" > /dev/null; exec 4>&-; wait "$spid"
printf 'cq' >&5
exec 5>&-
wait "$dpid"; st=$?
got=$(tr -d '\r' < "$tmp/D.log" | grep -E '^(GEN|CONSISTENT|INCONSISTENT|TIMEOUT|BAD)' | tr '\n' '|')
if [ -z "$why" ] && [ "$st" -eq 0 ] && [ "$got" = "GEN disk=2 ram=2|CONSISTENT|" ] \
    && cmp -s "$dimg" "${dimg%.img}.orig"; then
    ok "live migration with a snapshot=on drive: overlay and RAM consistent"
else
    echo "    ${why:-status $st}; destination: $got"; sed 's/^/    | /' "$tmp/D.err" "$tmp/S.err" | head -6
    bad "live migration with a snapshot=on drive: overlay and RAM consistent"
fi

# a slow disk does not stall the guest: every request sleeps 400 ms in
# the I/O thread; the guest keeps polling meanwhile (k polls, T ms);
# under -icount requests stay synchronous (k = 0: exact replay)
slow() { # NAME FLAGS...
    local name=$1; shift
    PPCEMU_DEBUG_BLK_DELAY_MS=400 vm "$name" 4 -kernel "$sguest" -drive "$drive" "$@"
    wait_n "$name" '^RX-READY' 1
    printf 'i1sq' >&4
    exec 4>&-
    wait "$VPID"
}
slow SL; st=$?
w=$(tr -d '\r' < "$tmp/SL.log" | sed -n 's/^WAITED \([0-9]*\) ms=\([0-9]*\)$/\1 \2/p')
if [ "$st" -eq 0 ] && [ -n "$w" ] && [ "${w% *}" -ge 1000 ] && [ "${w#* }" -ge 350 ]; then
    ok "a slow disk does not stall the guest ($w: polls, ms)"
else
    echo "    status $st, WAITED '$w'"; tr -d '\r' < "$tmp/SL.log" | sed 's/^/    | /' | tail -5
    bad "a slow disk does not stall the guest"
fi
# savevm while a slow request is in flight: the save waits for it, so
# after the loadvm the request is complete (not lost in the ring)
why=""
PPCEMU_DEBUG_BLK_DELAY_MS=400 vm SX 4 -kernel "$sguest" -drive "$drive"
wait_n SX '^RX-READY' 1 || why="no RX-READY"
printf 'i1x' >&4
wait_n SX '^OK x' 1 || why="${why:-no OK x}"
mon_quiet SX "savevm inflight"
printf 'n' >&4
wait_n SX '^PARKED' 1 || why="${why:-no PARKED}"
mon_quiet SX "loadvm inflight"
printf 'nq' >&4
exec 4>&-
wait "$VPID"; st=$?
got=$(tr -d '\r' < "$tmp/SX.log" | grep -E '^(PARKED|TIMEOUT|BAD)' | tr '\n' '|')
if [ -z "$why" ] && [ "$st" -eq 0 ] && [ "$got" = "PARKED disk=1 used=2|PARKED disk=1 used=2|" ]; then
    ok "savevm drains a request in flight"
else
    echo "    ${why:-status $st}; got $got"; bad "savevm drains a request in flight"
fi
slow SI -icount 4; st=$?
w=$(tr -d '\r' < "$tmp/SI.log" | sed -n 's/^WAITED \([0-9]*\) ms=\([0-9]*\)$/\1/p')
if [ "$st" -eq 0 ] && [ "$w" = 0 ]; then
    ok "-icount: disk requests complete synchronously"
else
    echo "    status $st, WAITED '$w'"; bad "-icount: disk requests complete synchronously"
fi
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
fi

echo "devices: $passed passed, $failed failed (of $((passed + failed)))"
[ "$failed" -eq 0 ]
