#!/usr/bin/env bash
# JetDeck on a fresh Debian 12 machine: install what is missing, build, then run.
#
#   packaging/setup.sh demo    install, build, launch the console on the embedded demo
#   packaging/setup.sh test    install, build (warnings as errors), run every test, build
#                              the Debian package and (as root) install it with apt and run
#                              it, rebuild with AddressSanitizer + UBSan and test again, then
#                              fuzz every parser of untrusted input (packaging/fuzz.sh)
#   packaging/setup.sh package install, build and make build/jetdeck_VERSION_ARCH.deb
#   packaging/setup.sh build   install and build only
#   packaging/setup.sh deps    install the Debian packages only
#
# Environment: BUILD_DIR (default: build), ASAN_BUILD_DIR (default: build-asan),
# JOBS (default: number of CPUs), SKIP_ASAN=1 to skip the sanitizer pass of `test`,
# SKIP_FUZZ=1 to skip its fuzzing, FUZZ_SECONDS per fuzz target (default: 30),
# JETDECK_INSTALL_TEST=1 to install the package in `test` when not root (with sudo).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
ASAN_BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
JOBS="${JOBS:-$(nproc)}"

PACKAGES=(
    build-essential cmake ninja-build pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev libgl-dev qtkeychain-qt6-dev
    libssl-dev openssl nlohmann-json3-dev
    libbenchmark-dev libnats-dev
    nats-server
    prometheus
    clang-format clang-14 libclang-rt-14-dev
    fonts-dejavu-core
    help2man desktop-file-utils appstream man-db file dpkg-dev
)

log() { printf '\n==> %s\n' "$*"; }

# Each step names itself; when one fails, the script says which and what to do about it, so
# the answer is not only a compiler's or CMake's last lines.
STEP=""
step() {
    STEP="$1"
    log "$2  [$(date +%T), $((SECONDS / 60))m$((SECONDS % 60))s in]"
}
on_exit() {
    local rc=$?
    if ((rc == 0)) || [[ -z "$STEP" ]]; then
        return
    fi
    printf '\nsetup.sh: the step "%s" failed (exit %d).\n' "$STEP" "$rc" >&2
    case "$STEP" in
    install)
        echo "  apt-get could not install the packages above. Check that this machine reaches its" >&2
        echo "  package source (sudo apt-get update), then run the command again." >&2
        ;;
    configure)
        echo "  CMake stopped: the lines starting with 'CMake Error' name what it did not find." >&2
        echo "  Every package it needs is in PACKAGES in packaging/setup.sh; if one is missing there," >&2
        echo "  please report it. A build directory made by another compiler: remove it and retry." >&2
        ;;
    check-deps)
        echo "  CMake found files in packages this script does not install (named above): a fresh" >&2
        echo "  machine would not have them. Add each named package to PACKAGES." >&2
        ;;
    build)
        echo "  The compiler stopped at the first 'error:' above. \`test\` builds with warnings as" >&2
        echo "  errors; \`./packaging/setup.sh build\` shows whether only a warning is in the way." >&2
        ;;
    format)
        echo "  Files above are not formatted as .clang-format says: clang-format -i FILE fixes them." >&2
        ;;
    fuzz)
        echo "  A fuzz target crashed or a sanitizer reported a defect: the input is named above." >&2
        echo "  Fix it, then add the input to tests/fuzz/regressions/TARGET/ (see tests/fuzz)." >&2
        ;;
    tests | asan-tests)
        echo "  ctest printed the failing suites and their output above. Run one again with" >&2
        echo "  (cd BUILD_DIR && ctest -R NAME --output-on-failure); logs are in BUILD_DIR/test-logs." >&2
        ;;
    package | install-test)
        echo "  The Debian package is not what it should be (the reason is above)." >&2
        ;;
    launch)
        echo "  The console did not start; its log is in ~/.local/state/jetdeck (or JETDECK_LOG_DIR)." >&2
        ;;
    esac
}
trap on_exit EXIT

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
    step install "Installing: ${missing[*]}"
    # sudo starts from a clean environment: DEBIAN_FRONTEND goes through env, after sudo.
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

configure_and_build() {
    local dir="$1"
    shift
    step configure "Configuring $dir"
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
    step build "Building in $dir with $JOBS jobs${BUILD_TARGETS:+ (${BUILD_TARGETS[*]})}"
    cmake --build "$dir" --parallel "$JOBS" ${BUILD_TARGETS:+--target "${BUILD_TARGETS[@]}"}
    # What CMake found and the compiler read must come from the list above, or a fresh machine
    # would fail where this one passes.
    step check-deps "Checking that the build used only what the install list brings"
    "$ROOT/packaging/check-deps.sh" "$dir" "${PACKAGES[@]}"
}

check_format() {
    step format "Checking formatting (clang-format)"
    local files
    mapfile -t files < <(cd "$ROOT" && git ls-files '*.cpp' '*.h' 2>/dev/null ||
        find app core ui tests bench -name '*.cpp' -o -name '*.h')
    (cd "$ROOT" && clang-format --dry-run --Werror "${files[@]}")
}

run_tests() {
    local dir="$1"
    step "${2:-tests}" "Running the tests in $dir"
    (cd "$dir" && QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 600 -j "$JOBS")
}

sudo_cmd() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

build_package() {
    local dir="$1"
    step package "Building the Debian package in $dir"
    (cd "$dir" && rm -f jetdeck_*.deb && cpack -G DEB >/dev/null)
    DEB="$(ls "$dir"/jetdeck_*.deb)"
    local listing f
    listing="$(dpkg-deb -c "$DEB")"
    for f in usr/bin/jetdeck usr/bin/jetdeck-cli \
        usr/share/applications/dev.jetdeck.JetDeck.desktop \
        usr/share/metainfo/dev.jetdeck.JetDeck.metainfo.xml \
        usr/share/icons/hicolor/scalable/apps/dev.jetdeck.JetDeck.svg \
        usr/share/icons/hicolor/256x256/apps/dev.jetdeck.JetDeck.png \
        usr/share/man/man1/jetdeck.1.gz usr/share/man/man1/jetdeck-cli.1.gz \
        usr/share/bash-completion/completions/jetdeck-cli \
        usr/share/jetdeck/scenarios/connection-failure.json \
        usr/share/jetdeck/grafana/jetdeck-dashboard.json \
        usr/share/jetdeck/prometheus/jetdeck-alerts.yml usr/share/doc/jetdeck/copyright; do
        grep -q " \./$f\$" <<<"$listing" || {
            echo "error: $DEB lacks /$f" >&2
            exit 1
        }
    done
    dpkg-deb -f "$DEB" Depends | grep -q libqt6widgets6 || {
        echo "error: $DEB does not depend on the Qt 6 libraries" >&2
        exit 1
    }
    echo "$DEB: $(du -h "$DEB" | cut -f1), depends on: $(dpkg-deb -f "$DEB" Depends)"
}

# Installs the package with apt as a user would, runs what it installed, and removes it again.
install_test() {
    if [[ $(id -u) -ne 0 && "${JETDECK_INSTALL_TEST:-0}" != 1 ]]; then
        log "Not root: the apt install test is skipped (JETDECK_INSTALL_TEST=1 runs it with sudo)"
        return
    fi
    if dpkg-query -W -f='${Status}' jetdeck 2>/dev/null | grep -q "install ok installed"; then
        log "A jetdeck package is installed already: the apt install test leaves it alone"
        return
    fi
    step install-test "Installing $DEB with apt"
    sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$DEB"
    local tmp
    tmp="$(mktemp -d)"
    (
        set -e
        cd "$tmp"
        /usr/bin/jetdeck-cli --version
        QT_QPA_PLATFORM=offscreen JETDECK_LOG_DIR="$tmp/logs" /usr/bin/jetdeck --demo \
            --screenshot "$tmp/demo.png" --screenshot-delay 3000
        [[ -s "$tmp/demo.png" ]]
        JETDECK_LOG_DIR="$tmp/logs" /usr/bin/jetdeck-cli scenario run integration --demo --quiet
    ) || {
        sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq jetdeck
        rm -rf "$tmp"
        echo "error: the installed package does not work" >&2
        exit 1
    }
    log "The installed jetdeck and jetdeck-cli work; removing the package again"
    sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq jetdeck
    rm -rf "$tmp"
}

cmd="${1:-}"
case "$cmd" in
deps)
    install_deps
    ;;
list-packages)
    printf '%s\n' "${PACKAGES[@]}"
    ;;
build)
    install_deps
    configure_and_build "$BUILD_DIR"
    ;;
package)
    install_deps
    configure_and_build "$BUILD_DIR"
    build_package "$BUILD_DIR"
    ;;
demo)
    install_deps
    # What the demo launches, not the tests and benchmarks: the first command stays short.
    BUILD_TARGETS=(jetdeck jetdeck-cli)
    configure_and_build "$BUILD_DIR"
    STEP=""
    if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
        echo "No display found. Run this on a desktop session, or set QT_QPA_PLATFORM=offscreen" >&2
        echo "(with --screenshot FILE to see the result), or use xvfb-run." >&2
        exit 1
    fi
    step launch "Launching the console on the demo (close the window to stop it)"
    exec "$BUILD_DIR/app/jetdeck" --demo "${@:2}"
    ;;
test)
    install_deps
    check_format
    # Line tables only (-g1): what a failing test's backtrace needs (function, file, line), in
    # a build whose ~60 programs nobody steps through. Full debug information made the objects
    # ~40 % larger and the links slower: minutes of every fresh machine's run on 2 cores. A
    # developer's own `setup.sh build` keeps the full -g of RelWithDebInfo.
    configure_and_build "$BUILD_DIR" -DJETDECK_WERROR=ON \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
    run_tests "$BUILD_DIR"
    build_package "$BUILD_DIR"
    install_test
    if [[ "${SKIP_ASAN:-0}" != 1 ]]; then
        configure_and_build "$ASAN_BUILD_DIR" -DJETDECK_SANITIZE=ON -DJETDECK_WERROR=ON \
            -DJETDECK_BUILD_BENCH=OFF
        run_tests "$ASAN_BUILD_DIR" asan-tests
    fi
    if [[ "${SKIP_FUZZ:-0}" != 1 ]]; then
        step fuzz "Fuzzing every parser of untrusted input for ${FUZZ_SECONDS:-30} s each (libFuzzer, ASan + UBSan)"
        JOBS="$JOBS" "$ROOT/packaging/fuzz.sh"
    fi
    STEP=""
    log "All tests passed in $((SECONDS / 60))m$((SECONDS % 60))s"
    ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
