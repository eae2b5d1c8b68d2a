#!/usr/bin/env bash
# JetDeck on a fresh Debian 12 machine: install what is missing, build, then run.
#
#   packaging/setup.sh demo    install, build, launch the console on the embedded demo
#   packaging/setup.sh test    install, build (warnings as errors), run every test, then
#                              rebuild with AddressSanitizer + UBSan and run them again
#   packaging/setup.sh build   install and build only
#   packaging/setup.sh deps    install the Debian packages only
#
# Environment: BUILD_DIR (default: build), ASAN_BUILD_DIR (default: build-asan),
# JOBS (default: number of CPUs), SKIP_ASAN=1 to skip the sanitizer pass of `test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
ASAN_BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
JOBS="${JOBS:-$(nproc)}"

PACKAGES=(
    build-essential cmake ninja-build pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libgl-dev qtkeychain-qt6-dev
    libssl-dev openssl nlohmann-json3-dev
    libbenchmark-dev libnats-dev
    nats-server
    prometheus
    clang-format
    fonts-dejavu-core
)

log() { printf '\n==> %s\n' "$*"; }

install_deps() {
    local missing=()
    local p
    for p in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        log "All Debian packages are installed"
        return
    fi
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || {
            echo "error: need root or sudo to install: ${missing[*]}" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    log "Installing: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

configure_and_build() {
    local dir="$1"
    shift
    log "Configuring $dir"
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
    log "Building in $dir with $JOBS jobs"
    cmake --build "$dir" --parallel "$JOBS"
}

check_format() {
    log "Checking formatting (clang-format)"
    local files
    mapfile -t files < <(cd "$ROOT" && git ls-files '*.cpp' '*.h' 2>/dev/null ||
        find app core ui tests bench -name '*.cpp' -o -name '*.h')
    (cd "$ROOT" && clang-format --dry-run --Werror "${files[@]}")
}

run_tests() {
    local dir="$1"
    log "Running the tests in $dir"
    (cd "$dir" && QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 600 -j "$JOBS")
}

cmd="${1:-}"
case "$cmd" in
deps)
    install_deps
    ;;
build)
    install_deps
    configure_and_build "$BUILD_DIR"
    ;;
demo)
    install_deps
    configure_and_build "$BUILD_DIR"
    if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
        echo "No display found. Run this on a desktop session, or set QT_QPA_PLATFORM=offscreen" >&2
        echo "(with --screenshot FILE to see the result), or use xvfb-run." >&2
        exit 1
    fi
    log "Launching the console on the demo (close the window to stop it)"
    exec "$BUILD_DIR/app/jetdeck" --demo "${@:2}"
    ;;
test)
    install_deps
    check_format
    configure_and_build "$BUILD_DIR" -DJETDECK_WERROR=ON
    run_tests "$BUILD_DIR"
    if [[ "${SKIP_ASAN:-0}" != 1 ]]; then
        configure_and_build "$ASAN_BUILD_DIR" -DJETDECK_SANITIZE=ON -DJETDECK_WERROR=ON \
            -DJETDECK_BUILD_BENCH=OFF
        run_tests "$ASAN_BUILD_DIR"
    fi
    log "All tests passed"
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
