#!/usr/bin/env bash
# Checks that everything CMake found while configuring BUILD_DIR comes from a Debian package
# that packaging/setup.sh installs, directly or as a dependency (without Recommends, as it
# installs them). A package that only this machine happens to have is named, with what CMake
# found in it, so the install list can be fixed before a fresh machine fails on it.
#
#   packaging/check-deps.sh BUILD_DIR [PACKAGE...]
#
# PACKAGE...: the install list (default: the one in packaging/setup.sh). Exit 0 when every
# found file belongs to the closure of the list, 1 when one does not, 2 on a usage error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${1:-}"
[[ -n "$BUILD_DIR" && -s "$BUILD_DIR/CMakeCache.txt" ]] || {
    echo "usage: packaging/check-deps.sh BUILD_DIR [PACKAGE...]  (BUILD_DIR: a configured build)" >&2
    exit 2
}
BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"
shift
if (($#)); then
    LIST=("$@")
else
    mapfile -t LIST < <("$ROOT/packaging/setup.sh" list-packages)
fi

# The closure: the list, what it depends on (pre-depends too), recursively, the alternatives
# apt would pick included; and what a minimal Debian has anyway (Essential and required).
closure="$(mktemp)"
found="$(mktemp)"
trap 'rm -f "$closure" "$found"' EXIT
{
    printf '%s\n' "${LIST[@]}"
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "${LIST[@]}" 2>/dev/null | awk '/^[^ <]/ {print $1}'
    dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' |
        awk '$2 == "yes" || $3 == "required" {print $1}'
} | sed 's/:.*$//' | sort -u >"$closure"

# What CMake found and the build uses:
# - the config file behind each <Package>_DIR (every package find_package found);
# - every other absolute file path in the cache (programs, libraries) that the build files
#   mention: an optional probe that found something nothing uses (FindOpenGL's GLU, say)
#   changes nothing on a machine without it;
# - once built, every header the compiler read (ninja's dependency log), one per directory.
ninja_files=("$BUILD_DIR/build.ninja")
[[ -f "$BUILD_DIR/CMakeFiles/rules.ninja" ]] && ninja_files+=("$BUILD_DIR/CMakeFiles/rules.ninja")
unused=()
{
    while IFS= read -r line; do
        key="${line%%:*}"
        value="${line#*=}"
        case "$value" in "$BUILD_DIR"* | "$ROOT"*) continue ;; esac
        if [[ "$key" == *_DIR && -d "$value" ]]; then
            # The config file itself: the directory may be shared (lib/cmake).
            for f in "$value"/*Config.cmake "$value"/*-config.cmake; do
                [[ -f "$f" ]] && printf '%s\t%s\n' "$key" "$f"
            done
        elif [[ -f "$value" ]]; then
            if grep -qF -- "$value" "${ninja_files[@]}"; then
                printf '%s\t%s\n' "$key" "$value"
            else
                printf 'UNUSED\t%s=%s\n' "$key" "$value"
            fi
        fi
    done < <(grep -E '^[A-Za-z0-9_.+-]+:(PATH|FILEPATH)=/' "$BUILD_DIR/CMakeCache.txt")
    if [[ -f "$BUILD_DIR/.ninja_deps" ]] && command -v ninja >/dev/null; then
        (cd "$BUILD_DIR" && ninja -t deps) | sed -n 's/^ *\(\/.*\)$/\1/p' |
            grep -v -e "^$BUILD_DIR" -e "^$ROOT" |
            awk '{d = $0; sub(/\/[^\/]*$/, "", d); if (!(d in seen)) {seen[d] = 1; print "header\t" $0}}'
    fi
} | sort -u >"$found"
grep '^UNUSED' "$found" | cut -f2 >"$closure.unused" || true
sed -i '/^UNUSED/d' "$found"

# One dpkg call for every path (dpkg -S reads its whole database each time). dpkg knows a
# file by the path its package ships it under, which on a merged-/usr system may be the
# symlink's (/lib/...) rather than the target's (/usr/lib/...): ask for all three.
declare -A owner_of=()
queries=()
while IFS=$'\t' read -r key path; do
    real="$(readlink -f "$path")"
    queries+=("$path" "$real" "${real#/usr}")
done <"$found"
while IFS= read -r line; do
    [[ "$line" == *": /"* ]] || continue
    pkgs="${line%%: /*}"
    file="/${line#*: /}"
    [[ -n "${owner_of[$file]:-}" ]] || owner_of[$file]="$pkgs"
done < <(dpkg -S "${queries[@]}" 2>/dev/null || true)

declare -A missing_pkgs=()
checked=0
unowned=()
while IFS=$'\t' read -r key path; do
    real="$(readlink -f "$path")"
    owner="${owner_of[$path]:-${owner_of[$real]:-${owner_of[${real#/usr}]:-}}}"
    if [[ -z "$owner" ]]; then
        unowned+=("$key=$path")
        continue
    fi
    checked=$((checked + 1))
    ok=0
    IFS=', ' read -r -a owners <<<"$owner"
    for o in "${owners[@]}"; do
        grep -qx -- "${o%%:*}" "$closure" && ok=1
    done
    if ((ok == 0)); then
        missing_pkgs[$owner]+="    $path ($key)"$'\n'
    fi
done <"$found"

[[ "${CHECK_DEPS_VERBOSE:-0}" == 1 ]] || : >"$closure.unused"
while IFS= read -r u; do
    echo "check-deps: note: CMake found $u, which nothing in the build uses" >&2
done <"$closure.unused"
rm -f "$closure.unused"
for u in "${unowned[@]}"; do
    echo "check-deps: note: $u belongs to no Debian package (installed by hand?)" >&2
done
if ((${#missing_pkgs[@]})); then
    for p in "${!missing_pkgs[@]}"; do
        echo "check-deps: error: the build uses the package '${p%%:*}', which packaging/setup.sh does" \
            "not install (nor anything it installs depends on it); add it to PACKAGES. From it:" >&2
        printf '%s' "${missing_pkgs[$p]}" >&2
    done
    exit 1
fi
echo "check-deps: the $checked files CMake found and the build uses all come from the install list's $(wc -l <"$closure") packages (closure)"
