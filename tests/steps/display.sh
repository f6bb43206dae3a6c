#!/usr/bin/env bash
# The SDL2 window under Xvfb (issue 13): starts its own X server (Xvfb on
# a display number it picks itself, -displayfd), boots the Linux guest with
# -display sdl, waits for the login prompt fbcon draws on tty1, checks that
# a screenshot of the window (xwd) equals the monitor's screendump while
# the guest is stopped and that the lit rows are tty1's rows of text, then
# logs in and runs a command typed into the window with xdotool. Driven by
# tests/guestdrive.py (every check is listed there). The window's
# screenshot is left in BUILD/display-test/window.png.
#
# Usage: tests/steps/display.sh BUILD_DIR
# Environment: LINUX_TEST=skip skips it (as tests/steps/linux.sh).
set -u
build=${1:-build}
emu=$build/ppcemu
work=$build/display-test

if [ "${LINUX_TEST:-}" = skip ]; then
    echo "display: SKIP: LINUX_TEST=skip"
    exit 0
fi
[ -x "$emu" ] || { echo "display: SKIP: $emu is not built"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "display: SKIP: no python3"; exit 0; }
# The X tools come with tools/deps.sh's "test" set.
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null || ! command -v xwd >/dev/null; then
    tools/deps.sh test || { echo "display: SKIP: Xvfb, xdotool or xwd missing and not installable"; exit 0; }
fi
case "$build" in
*asan*) export GUESTDRIVE_TSCALE=${GUESTDRIVE_TSCALE:-4} ;;
esac

mkdir -p "$work"
if ! tools/build-guest.sh > "$work/build-guest.log" 2>&1; then
    echo "display: FAIL: the guest build failed (tools/build-guest.sh); last lines:"
    tail -30 "$work/build-guest.log"
    exit 1
fi
rm -f "$work"/*.log "$work"/*.mon "$work"/*.ppm "$work"/*.xwd "$work"/*.png

# No display at all: SDL would fall back to its invisible "offscreen"
# driver; ppcemu must refuse -display sdl with one line instead (as QEMU
# does). Skipped where a console display (/dev/dri, kmsdrm) could serve.
if [ ! -e /dev/dri ] && [ -f "$build/tests/guest/hello.elf" ]; then
    mkdir -p "$work/xdg"
    out=$(env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$work/xdg" \
          timeout -k 5 30 "$emu" -kernel "$build/tests/guest/hello.elf" -display sdl \
          -serial null -monitor none 2>&1)
    st=$?
    if [ $st -ne 1 ] || ! printf '%s\n' "$out" | grep -q "^ppcemu: -display sdl: no display"; then
        echo "display: FAIL: -display sdl without a display: status $st, output: $out"
        exit 1
    fi
    echo "display: ok: -display sdl without a display is refused (status 1)"
fi

# Xvfb picks a free display number and writes it to the given fd once it
# accepts connections (Xserver(1), -displayfd).
exec 3< <(exec Xvfb -displayfd 1 -screen 0 1280x1024x24 -nolisten tcp 2> "$work/xvfb.log")
xvfb_pid=$!
cleanup() { kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; }
trap cleanup EXIT
if ! read -r -t 60 dpy <&3 || [ -z "$dpy" ]; then
    echo "display: FAIL: Xvfb did not start; its log:"
    cat "$work/xvfb.log"
    exit 1
fi
export DISPLAY=:$dpy SDL_VIDEODRIVER=x11
echo "display: Xvfb on $DISPLAY"
timeout -k 10 900 python3 tests/guestdrive.py display "$emu" "$work"
st=$?
if [ $st -ne 0 ]; then
    echo "display: serial log ($work/display.log), last lines:"
    tr -d '\r' < "$work/display.log" | tail -20 | cut -c1-200
fi
exit $st
