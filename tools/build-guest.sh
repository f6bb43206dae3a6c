#!/usr/bin/env bash
# Builds ppcemu's Linux guest from Debian sources: a Linux 6.1 kernel
# (linux-source-6.1) for the virt board with a built-in initramfs holding a
# static busybox (Debian's busybox source package), an /init script and a
# small FP test program. Everything goes to build-guest/ at the repo root:
#
#   build-guest/vmlinux        the kernel (initramfs built in), ELF
#   build-guest/rootfs/        the initramfs tree
#   build-guest/rootfs.img     the same tree as an ext2 filesystem image, to
#                              boot from a virtio disk ("root=/dev/vda rw")
#   build-guest/stamp          written last; holds the hash of the inputs
#
# A second run with unchanged inputs does nothing. Usage:
#   tools/build-guest.sh [--force]
# Environment: JOBS (default 2), CROSS (default powerpc-linux-gnu-).
set -euo pipefail
# The kernel and busybox builds below run their own `make -j$JOBS`; called
# from `make` (make guest, make run, make check), the parent's jobserver
# flags would make each of them warn "-j2 forced in submake" and reset.
unset MAKEFLAGS MFLAGS MAKELEVEL

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build-guest
GUEST=$ROOT/tools/guest
JOBS=${JOBS:-2}
CROSS=${CROSS:-powerpc-linux-gnu-}
KTAR=/usr/src/linux-source-6.1.tar.xz
FRAGMENT=$GUEST/ppcemu.config

log() { echo "build-guest: $*" >&2; }
die() { echo "build-guest: ERROR: $*" >&2; exit 1; }

# ---- inputs and the cache ----
# The stamp holds a hash of everything the output depends on; the kernel
# tarball enters through its size and mtime (hashing 130 MB each run would
# cost seconds for nothing).
inputs_hash() {
    {
        cat "$0" "$FRAGMENT" "$GUEST"/init "$GUEST"/selftest.sh \
            "$GUEST"/fptest.c "$GUEST"/busybox.config
        stat -c '%s %Y' "$KTAR"
        echo "$CROSS"
    } | sha256sum | cut -d' ' -f1
}

ensure_deps() {
    local missing=0
    [ -f "$KTAR" ] || missing=1
    command -v "${CROSS}gcc" >/dev/null 2>&1 || missing=1
    command -v dpkg-source >/dev/null 2>&1 || missing=1
    for t in bc bison flex cpio xz; do
        command -v $t >/dev/null 2>&1 || missing=1
    done
    mke2fs_path >/dev/null || missing=1
    if [ $missing = 1 ]; then
        "$ROOT"/tools/deps.sh guest
    fi
}

# mke2fs lives in /sbin, which a non-root PATH may not have.
mke2fs_path() {
    command -v mke2fs 2>/dev/null || { [ -x /sbin/mke2fs ] && echo /sbin/mke2fs; } \
        || { [ -x /usr/sbin/mke2fs ] && echo /usr/sbin/mke2fs; }
}

# ---- the kernel source ----
unpack_kernel() {
    local src=$OUT/linux-source-6.1
    local want
    want=$(stat -c '%s %Y' "$KTAR")
    if [ -f "$src/.ppcemu-unpacked" ] && [ "$(cat "$src/.ppcemu-unpacked")" = "$want" ]; then
        return
    fi
    log "unpacking $KTAR"
    rm -rf "$src"
    tar -C "$OUT" -xJf "$KTAR"
    echo "$want" > "$src/.ppcemu-unpacked"
}

# ---- busybox source: Debian's source package, fetched with apt-get ----
# apt-get source needs deb-src entries. We derive them from the system's
# own bookworm "deb" entries (deb822 or one-line format) instead of naming
# a mirror here, and write them to a separate file.
ensure_deb_src() {
    local f=/etc/apt/sources.list.d/ppcemu-deb-src.sources
    if apt-get source --print-uris busybox >/dev/null 2>&1; then
        return
    fi
    [ -w /etc/apt/sources.list.d ] || die "need root to add a deb-src entry ($f)"
    log "adding deb-src entries for bookworm in $f"
    {
        if [ -f /etc/apt/sources.list.d/debian.sources ]; then
            # deb822: copy each stanza whose Types is exactly "deb" and whose
            # Suites mention bookworm, as a deb-src stanza.
            awk 'BEGIN { RS = ""; ORS = "\n\n" }
                 /(^|\n)Types: deb(\n|$)/ && /(^|\n)Suites:[^\n]*bookworm/ {
                     sub(/Types: deb/, "Types: deb-src"); print }' \
                /etc/apt/sources.list.d/debian.sources
        fi
        if [ -f /etc/apt/sources.list ]; then
            # one-line format: "deb URI SUITE COMPONENTS" with SUITE bookworm*
            awk '$1 == "deb" && $3 ~ /^bookworm(-updates|-security)?$/ {
                     $1 = "deb-src"; lines = lines $0 "\n" }
                 END { if (lines != "") printf "%s", lines }' /etc/apt/sources.list \
                | while read -r type uri suite comps; do
                    printf 'Types: %s\nURIs: %s\nSuites: %s\nComponents: %s\n\n' \
                        "$type" "$uri" "$suite" "$comps"
                  done
        fi
    } > "$f.tmp"
    [ -s "$f.tmp" ] || { rm -f "$f.tmp"; die "no bookworm deb entry to derive a deb-src entry from"; }
    mv "$f.tmp" "$f"
    apt-get update -qq
    apt-get source --print-uris busybox >/dev/null 2>&1 \
        || die "apt-get source busybox still fails after adding $f"
}

fetch_busybox() {
    local d=$OUT/busybox
    if compgen -G "$d/busybox-*/Makefile" >/dev/null; then
        return
    fi
    ensure_deb_src
    log "fetching Debian's busybox source package"
    rm -rf "$d"
    mkdir -p "$d"
    # apt-get source downloads the .dsc and tarballs into the current
    # directory and unpacks them with dpkg-source (Debian patches applied).
    (cd "$d" && apt-get source -qq busybox >&2) || die "apt-get source busybox failed"
    compgen -G "$d/busybox-*/Makefile" >/dev/null || die "busybox source not unpacked in $d"
}

busybox_dir() { compgen -G "$OUT/busybox/busybox-*/Makefile" | head -1 | xargs dirname; }

# ---- busybox: static, cross-compiled ----
# stage_fresh NAME HASH: true when stage NAME last completed with HASH
# (build-guest/.stage-NAME), so an edit to /init does not reconfigure and
# relink busybox, and one to busybox.config does not reconfigure the kernel.
stage_fresh() { [ -f "$OUT/.stage-$1" ] && [ "$(cat "$OUT/.stage-$1")" = "$2" ]; }
stage_done() { echo "$2" > "$OUT/.stage-$1"; }

build_busybox() {
    local src h
    src=$(busybox_dir)
    h=$( { cat "$0" "$GUEST/busybox.config"; echo "$CROSS $src"; } | sha256sum | cut -d' ' -f1)
    if stage_fresh busybox "$h" && [ -x "$src/busybox" ]; then
        return
    fi
    log "configuring busybox ($(basename "$src")): defconfig + tools/guest/busybox.config"
    make -C "$src" -s defconfig >/dev/null
    # Apply our overrides: drop each symbol's line, append ours.
    local sym over=$OUT/busybox-overrides.config
    { cat "$GUEST/busybox.config"; printf 'CONFIG_CROSS_COMPILER_PREFIX="%s"\n' "$CROSS"; } > "$over"
    while IFS= read -r line; do
        sym=$(printf '%s\n' "$line" | sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' \
                                           -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1/p')
        [ -n "$sym" ] || continue
        sed -i -e "/^$sym=/d" -e "/^# $sym is not set/d" "$src/.config"
        printf '%s\n' "$line" >> "$src/.config"
    done < "$over"
    # busybox's kconfig has no olddefconfig: answer every new question
    # with its default. (`yes` dies of SIGPIPE, hence no pipefail here.)
    (set +o pipefail; yes '' | make -C "$src" -s oldconfig >/dev/null)
    verify_config "$src/.config" "$over" busybox
    log "building busybox (-j$JOBS)"
    make -C "$src" -s -j"$JOBS" busybox >&2
    # A static binary has no PT_INTERP (no dynamic loader to ask for).
    if "${CROSS}readelf" -lW "$src/busybox" | grep -q INTERP; then die "busybox is not static"; fi
    stage_done busybox "$h"
}

# ---- the initramfs tree ----
build_rootfs() {
    local src r=$OUT/rootfs
    src=$(busybox_dir)
    rm -rf "$r"
    mkdir -p "$r"
    make -C "$src" -s CONFIG_PREFIX="$r" install >/dev/null
    mkdir -p "$r"/{proc,sys,dev,tmp,root,etc}
    install -m 0755 "$GUEST/init" "$r/init"
    install -m 0755 "$GUEST/selftest.sh" "$r/etc/selftest.sh"
    # For the login on the framebuffer console (getty + busybox login):
    # root without a password, a home, a prompt.
    mkdir -p "$r/mnt"
    printf 'root::0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
    printf 'root:x:0:\n' > "$r/etc/group"
    printf "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\nexport PS1='ppcemu:\\\\w# '\n" > "$r/etc/profile"
    printf 'ppcemu guest (Linux \\r) on \\l\n\n' > "$r/etc/issue"
    log "building fptest"
    # -ffp-contract=off: the expected values in fptest.c come from plain
    # IEEE double arithmetic; only the explicit fma() call may fuse.
    "${CROSS}gcc" -static -O2 -ffp-contract=off -Wall -Wextra -Werror \
        -o "$r/bin/fptest" "$GUEST/fptest.c"
    "${CROSS}strip" "$r/bin/fptest"
    # Nodes the kernel needs before devtmpfs is mounted: init's stdin/out
    # is /dev/console, opened from the initramfs (init/main.c
    # console_on_rootfs). gen_init_cpio list format (usr/gen_init_cpio.c).
    cat > "$OUT/initramfs-nodes.list" <<'EOF'
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
EOF
}

# ---- the root filesystem image: the same tree as ext2 ----
# mke2fs -d copies a directory into the new filesystem (e2fsprogs >= 1.43),
# no loop mount or root needed. 16 MiB leaves room for the tests' files;
# the file is sparse on the host. Owners come from the tree (root when
# built as root, which `make guest` normally is; -E root_owner sets /).
build_image() {
    local img=$OUT/rootfs.img mk
    mk=$(mke2fs_path) || die "mke2fs not found (tools/deps.sh guest installs e2fsprogs)"
    log "writing rootfs.img (ext2, 16 MiB)"
    rm -f "$img.tmp"
    "$mk" -q -F -t ext2 -L ppcemu-root -E root_owner=0:0 -d "$OUT/rootfs" "$img.tmp" 16M >/dev/null \
        || die "mke2fs -d failed"
    mv "$img.tmp" "$img"
}

# ---- kernel config: allnoconfig + fragment, then verified ----
# verify_config CONFIG FRAGMENT NAME: every "CONFIG_X=v" line of FRAGMENT
# must appear verbatim in CONFIG; every "# CONFIG_X is not set" must not
# be set there.
verify_config() {
    local cfg=$1 frag=$2 name=$3 bad=0 sym
    while IFS= read -r line; do
        case "$line" in
            CONFIG_*=*)
                grep -qxF -- "$line" "$cfg" || {
                    echo "build-guest: $name config: wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo unset)'" >&2
                    bad=1; }
                ;;
            "# CONFIG_"*" is not set")
                sym=${line#\# }; sym=${sym%% *}
                if grep -q "^$sym=" "$cfg"; then
                    echo "build-guest: $name config: wanted $sym unset, got '$(grep "^$sym=" "$cfg")'" >&2
                    bad=1
                fi
                ;;
        esac
    done < "$frag"
    [ $bad = 0 ] || die "$name configuration does not match $frag (see above)"
}

configure_kernel() {
    local k=$OUT/linux-source-6.1 kmake
    kmake=(make -C "$k" -s ARCH=powerpc CROSS_COMPILE="$CROSS")
    # The initramfs source is an absolute path into build-guest/, so it
    # lives in a generated fragment next to the checked-in one.
    cat > "$OUT/initramfs.config" <<EOF
CONFIG_INITRAMFS_SOURCE="$OUT/rootfs $OUT/initramfs-nodes.list"
CONFIG_INITRAMFS_ROOT_UID=0
CONFIG_INITRAMFS_ROOT_GID=0
EOF
    local h
    h=$(cat "$0" "$FRAGMENT" "$OUT/initramfs.config" | sha256sum | cut -d' ' -f1)
    if stage_fresh kconfig "$h" && [ -f "$k/.config" ]; then
        return
    fi
    log "configuring the kernel: allnoconfig + $(basename "$FRAGMENT")"
    "${kmake[@]}" allnoconfig >/dev/null
    (cd "$k" && ARCH=powerpc CROSS_COMPILE="$CROSS" \
        scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" "$OUT/initramfs.config" >/dev/null)
    "${kmake[@]}" olddefconfig >/dev/null
    verify_config "$k/.config" "$FRAGMENT" kernel
    verify_config "$k/.config" "$OUT/initramfs.config" kernel
    stage_done kconfig "$h"
}

build_kernel() {
    local k=$OUT/linux-source-6.1
    log "building vmlinux (-j$JOBS)"
    make -C "$k" -s ARCH=powerpc CROSS_COMPILE="$CROSS" -j"$JOBS" vmlinux >&2
    cp "$k/vmlinux" "$OUT/vmlinux.tmp"
    mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
    cp "$k/.config" "$OUT/kernel.config"
    cp "$k/System.map" "$OUT/System.map"
}

main() {
    local force=0
    [ "${1:-}" = "--force" ] && force=1
    mkdir -p "$OUT"
    local h
    h=$(inputs_hash)
    if [ $force = 0 ] && [ -f "$OUT/stamp" ] && [ -f "$OUT/vmlinux" ] && [ -f "$OUT/rootfs.img" ] \
       && [ "$(cat "$OUT/stamp")" = "$h" ]; then
        log "up to date (build-guest/vmlinux)"
        exit 0
    fi
    rm -f "$OUT/stamp"
    local t0=$SECONDS
    ensure_deps
    unpack_kernel
    fetch_busybox
    build_busybox
    build_rootfs
    build_image
    configure_kernel
    build_kernel
    echo "$h" > "$OUT/stamp"
    log "done in $((SECONDS - t0)) s: $OUT/vmlinux ($(stat -c %s "$OUT/vmlinux") bytes), $OUT/rootfs.img"
}

main "$@"
