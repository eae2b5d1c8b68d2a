#!/usr/bin/env bash
# Runs JetDeck's setup on a fresh Debian 12 machine: a minimal root made by mmdebstrap from
# the package source this machine uses, where nothing but Debian's essential packages, apt
# and sudo is installed. What passes here does not depend on what the host has installed.
#
#   packaging/fresh-machine.sh readme [SETUP_ARGS...]
#       copies this tree into the fresh root and runs `./packaging/setup.sh SETUP_ARGS`
#       (default: test) there as an ordinary user who installs through sudo, exactly as the
#       README says; then runs the README's demo command offscreen to a screenshot
#   packaging/fresh-machine.sh root-deps
#       runs `./packaging/setup.sh deps` as root in another fresh root, and checks that root
#       installs the same packages as the sudo run did (the two paths differ in nothing else)
#   packaging/fresh-machine.sh runtime DEB
#       installs DEB with apt in a fresh root, so that only its declared Depends and
#       Recommends (and theirs) come with it, and runs `jetdeck-cli --version`,
#       `jetdeck --demo` (offscreen, to a screenshot) and a shipped scenario
#
# Needs root (chroot, mounts) and mmdebstrap. Environment: FRESH_OUT (default:
# build-fresh) receives the logs, the package, the screenshots and timings.json;
# FRESH_KEEP=1 keeps the roots for a look afterwards.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${FRESH_OUT:-$ROOT/build-fresh}"
SUITE=bookworm
USER_NAME=dev

log() { printf '\n==> [fresh machine] %s\n' "$*"; }
die() {
    printf 'fresh-machine: error: %s\n' "$*" >&2
    exit 1
}

[[ $(id -u) -eq 0 ]] || die "needs root: it builds a root file system and chroots into it"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
mkdir -p "$OUT"

# The package source of this machine, as apt sees it: sources and the apt settings that decide
# how it is read (for example a snapshot mirror whose Release files are past their date).
host_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -s "$f" ]] && echo "$f"
    done
}

# A base tarball, made once per run and reused by every root of it.
BASE="$OUT/base-$SUITE.tar"
make_base() {
    [[ -s "$BASE" ]] && return
    local args=() f
    while read -r f; do args+=("$f"); done < <(host_sources)
    ((${#args[@]})) || die "this machine has no apt sources to build a root from"
    log "Making a minimal Debian root ($SUITE, variant minbase, plus sudo) from: ${args[*]}"
    local t0=$SECONDS
    mmdebstrap --quiet --variant=minbase --include=sudo,ca-certificates \
        --setup-hook='mkdir -p "$1/etc/apt/apt.conf.d"' \
        --setup-hook='for f in /etc/apt/apt.conf.d/*; do case "$f" in *docker*) ;; *) cp "$f" "$1/etc/apt/apt.conf.d/";; esac; done' \
        "$SUITE" "$BASE.partial.tar" "${args[@]}"
    mv "$BASE.partial.tar" "$BASE"
    echo "base root made in $((SECONDS - t0)) s"
}

# A new root directory from the base; echoes its path.
new_root() {
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/jetdeck-fresh.XXXXXX")"
    tar -C "$dir" -xf "$BASE"
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    cp /etc/hosts "$dir/etc/hosts"
    echo "$dir"
}

remove_root() {
    local dir="$1"
    [[ "${FRESH_KEEP:-0}" == 1 ]] && {
        echo "kept $dir"
        return
    }
    rm -rf --one-file-system "$dir"
}

# Runs a command in the root, in its own mount and PID namespaces: the mounts go away and any
# process left behind (a server a test started) dies when the command ends.
in_root() {
    local dir="$1"
    shift
    unshare --mount --pid --fork --propagation private /bin/bash -euc '
        dir="$1"; shift
        mount -t proc proc "$dir/proc"
        mount -t sysfs sysfs "$dir/sys"
        mount --rbind /dev "$dir/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm"
        mount -t tmpfs -o mode=1777 tmpfs "$dir/tmp"
        exec chroot "$dir" "$@"
    ' in_root "$dir" "$@"
}

# This tree as a clone would have it: the tracked files, their uncommitted changes and new
# files not ignored, and .git (the format check asks git for the file list).
copy_tree() {
    local dest="$1"
    mkdir -p "$dest"
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
        tar --null --no-recursion --ignore-failed-read -cf - -T - | tar -C "$dest" -xf -)
    (cd "$ROOT" && tar -cf - .git) | tar -C "$dest" -xf -
}

add_user() {
    local dir="$1"
    in_root "$dir" /usr/sbin/useradd --create-home --shell /bin/bash "$USER_NAME"
    echo "$USER_NAME ALL=(ALL) NOPASSWD: ALL" >"$dir/etc/sudoers.d/$USER_NAME"
    chmod 0440 "$dir/etc/sudoers.d/$USER_NAME"
}

# As the ordinary user, with a login environment as a terminal would give it.
as_user() {
    local dir="$1"
    shift
    in_root "$dir" /usr/sbin/runuser -u "$USER_NAME" -- /usr/bin/env -i HOME="/home/$USER_NAME" \
        USER="$USER_NAME" LOGNAME="$USER_NAME" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        TERM=dumb "$@"
}

installed_packages() {
    in_root "$1" /usr/bin/dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' |
        awk '$1 == "ii" {print $2}' | sort
}

timing() {
    # name seconds: appended to timings.json as one JSON object per line
    printf '{"step": "%s", "seconds": %d, "cores": %d, "date": "%s"}\n' "$1" "$2" "$(nproc)" \
        "$(date -u +%FT%TZ)" >>"$OUT/timings.jsonl"
}

# `./packaging/setup.sh demo` as the user, offscreen, the window saved to ~/fresh-demo.png.
demo_offscreen() {
    local dir="$1"
    shift
    as_user "$dir" /bin/bash -c 'cd ~/jetdeck && QT_QPA_PLATFORM=offscreen JETDECK_LOG_DIR=/tmp/demo-logs \
        ./packaging/setup.sh demo "$@" --screenshot ~/fresh-demo.png --screenshot-delay 3000' \
        demo "$@"
}

check_demo() {
    local dir="$1" rc="$2" shot="$1/home/$USER_NAME/fresh-demo.png"
    if ((rc != 0)) || [[ ! -s "$shot" ]]; then
        [[ -s "$shot" ]] || echo "fresh-machine: the demo wrote no screenshot" >&2
        remove_root "$dir"
        die "./packaging/setup.sh demo failed on the fresh machine (exit $rc)"
    fi
    cp "$shot" "$OUT/demo-from-source.png"
}

cmd_readme() {
    local args=("$@")
    ((${#args[@]})) || args=(test)
    make_base
    local dir t0 rc=0
    dir="$(new_root)"
    add_user "$dir"
    copy_tree "$dir/home/$USER_NAME/jetdeck"
    in_root "$dir" /bin/chown -R "$USER_NAME:$USER_NAME" "/home/$USER_NAME/jetdeck"
    installed_packages "$dir" >"$OUT/packages-before.txt"
    log "As user $USER_NAME (sudo for apt): ./packaging/setup.sh ${args[*]}  ($(wc -l <"$OUT/packages-before.txt") packages installed)"
    t0=$SECONDS
    if [[ "${args[0]}" == demo ]]; then
        # No display on a fresh machine: the README's demo command offscreen, to a screenshot.
        demo_offscreen "$dir" "${args[@]:1}" || rc=$?
        timing "setup.sh demo" $((SECONDS - t0))
        check_demo "$dir" "$rc"
        echo "./packaging/setup.sh demo passed on the fresh machine in $((SECONDS - t0)) s"
        remove_root "$dir"
        return
    fi
    as_user "$dir" /bin/bash -c 'cd ~/jetdeck && ./packaging/setup.sh "$@"' setup "${args[@]}" || rc=$?
    timing "setup.sh ${args[*]}" $((SECONDS - t0))
    installed_packages "$dir" >"$OUT/packages-after-sudo.txt"
    if ((rc != 0)); then
        remove_root "$dir"
        die "./packaging/setup.sh ${args[*]} failed on the fresh machine (exit $rc)"
    fi
    echo "./packaging/setup.sh ${args[*]} passed on the fresh machine in $((SECONDS - t0)) s"
    cp "$dir/home/$USER_NAME/jetdeck/build/"jetdeck_*.deb "$OUT/" 2>/dev/null || true

    # The README's other command. Its build directory is there already; what it adds is the
    # launch, offscreen here because a fresh machine has no display.
    log "As user $USER_NAME: ./packaging/setup.sh demo (offscreen, to a screenshot)"
    t0=$SECONDS
    # The screenshot goes to the user's home: the root's /tmp is a tmpfs that ends with the run.
    demo_offscreen "$dir" || rc=$?
    timing "setup.sh demo (after test)" $((SECONDS - t0))
    check_demo "$dir" "$rc"
    remove_root "$dir"
}

cmd_root_deps() {
    make_base
    [[ -s "$OUT/packages-after-sudo.txt" ]] ||
        die "run 'readme' first: this compares with the packages the sudo run installed"
    local dir t0
    dir="$(new_root)"
    copy_tree "$dir/root/jetdeck"
    log "As root: ./packaging/setup.sh deps"
    t0=$SECONDS
    in_root "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 TERM=dumb /bin/bash -c 'cd /root/jetdeck && ./packaging/setup.sh deps' ||
        {
            remove_root "$dir"
            die "./packaging/setup.sh deps failed as root on the fresh machine"
        }
    timing "setup.sh deps (root)" $((SECONDS - t0))
    installed_packages "$dir" >"$OUT/packages-after-root.txt"
    remove_root "$dir"
    if ! diff -u "$OUT/packages-after-sudo.txt" "$OUT/packages-after-root.txt"; then
        die "as root, setup.sh installs other packages than through sudo (diff above)"
    fi
    echo "as root and through sudo, setup.sh installs the same $(wc -l <"$OUT/packages-after-root.txt") packages"
}

cmd_runtime() {
    local deb="${1:-}"
    [[ -s "$deb" ]] || die "runtime: give the .deb to install (got '${deb}')"
    make_base
    local dir t0 rc=0
    dir="$(new_root)"
    cp "$deb" "$dir/tmp/"
    local name
    name="$(basename "$deb")"
    log "Installing $name with apt (its Depends and Recommends only)"
    t0=$SECONDS
    # /tmp in the root is a tmpfs of in_root, so the package goes to /root instead.
    mv "$dir/tmp/$name" "$dir/root/$name"
    in_root "$dir" /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/bash -c \
        "apt-get update -qq && apt-get install -y -qq /root/$name >/root/apt.log 2>&1 || { tail -30 /root/apt.log; exit 1; }" ||
        {
            remove_root "$dir"
            die "apt could not install $name on a fresh machine"
        }
    timing "apt install jetdeck.deb" $((SECONDS - t0))
    installed_packages "$dir" >"$OUT/packages-runtime.txt"
    echo "installed: $(wc -l <"$OUT/packages-runtime.txt") packages in all"
    # Nothing a build needs may have come with it.
    if grep -E -- '-dev$|^cmake$|^g\+\+|^gcc$|^ninja-build$' "$OUT/packages-runtime.txt"; then
        rc=1
        echo "fresh-machine: error: the package pulled in build tools (above)" >&2
    fi
    # As an ordinary user, whose PATH lacks /usr/sbin (where Debian puts nats-server).
    log "Running the installed jetdeck-cli and jetdeck as user $USER_NAME"
    add_user "$dir"
    as_user "$dir" /usr/bin/env QT_QPA_PLATFORM=offscreen /bin/bash -euc '
            cd ~
            jetdeck-cli --version
            jetdeck --version
            jetdeck --demo --screenshot ~/installed-demo.png --screenshot-delay 3000
            test -s ~/installed-demo.png
            jetdeck-cli scenario run integration --demo --quiet
        ' || rc=$?
    [[ -s "$dir/home/$USER_NAME/installed-demo.png" ]] &&
        cp "$dir/home/$USER_NAME/installed-demo.png" "$OUT/demo-installed.png"
    remove_root "$dir"
    ((rc == 0)) || die "the installed package does not work on a fresh machine"
    echo "the installed jetdeck works where only its Depends and Recommends are installed"
}

case "${1:-}" in
readme) cmd_readme "${@:2}" ;;
root-deps) cmd_root_deps ;;
runtime) cmd_runtime "${2:-}" ;;
*)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
