#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz) with clang and libFuzzer under AddressSanitizer and
# UBSan, and runs each for a bounded time over its seed corpus and regression inputs. A crash,
# a leak, a sanitizer report or an exception that escapes fails the run and names the input.
#
#   packaging/fuzz.sh [TARGET...]     (default: every target)
#
# Environment: FUZZ_BUILD_DIR (default: build-fuzz), FUZZ_SECONDS per target (default: 30),
# JOBS (default: number of CPUs), CC/CXX (default: clang-14 / clang++-14).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
EACH="${FUZZ_SECONDS:-30}"
JOBS="${JOBS:-$(nproc)}"
CC_="${CC:-clang-14}"
CXX_="${CXX:-clang++-14}"

ALL=(fuzz_parser fuzz_headers fuzz_jstypes fuzz_scenario fuzz_natscontext fuzz_creds fuzz_nkeys
    fuzz_urls fuzz_system)
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL[@]}")

# -O1 and line tables: libFuzzer's own advice for instrumented code; the -O2 build of the
# whole core under ASan took six of the fuzzing step's eleven minutes on 2 cores.
cmake -S "$ROOT" -B "$DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_C_COMPILER="$CC_" -DCMAKE_CXX_COMPILER="$CXX_" -DJETDECK_FUZZ=ON \
    -DJETDECK_BUILD_GUI=OFF -DJETDECK_BUILD_TESTS=OFF -DJETDECK_BUILD_BENCH=OFF >/dev/null
cmake --build "$DIR" --parallel "$JOBS" --target "${TARGETS[@]}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# One target: its full time over its corpus; 0 when it found nothing.
fuzz_one() {
    local t="$1"
    local work="$DIR/corpus/$t" crashes="$DIR/crashes/$t"
    mkdir -p "$work" "$crashes"
    "$DIR/tests/fuzz/$t" -max_total_time="$EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$work" \
        "$ROOT/tests/fuzz/corpus/$t" "$ROOT/tests/fuzz/regressions/$t" >"$DIR/$t.log" 2>&1
}

# Each target is single-threaded: JOBS of them run side by side, each for its full time.
declare -A pids=()
failed=()
report() {
    local t="$1" rc="$2" log="$DIR/$1.log" runs cov
    if ((rc == 0)); then
        runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
        cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*' || echo '?')"
        echo "==> $t for $EACH s ... ok: $runs inputs, coverage $cov"
    else
        echo "==> $t for $EACH s ... FAILED"
        tail -n 40 "$log" >&2
        ls -1 "$DIR/crashes/$t" >&2 || true
        echo "fuzz.sh: $t failed; the input is in $DIR/crashes/$t/ (copy it into" \
            "tests/fuzz/regressions/$t/ once fixed)" >&2
        failed+=("$t")
    fi
}
# Waits for the oldest running target and reports it.
reap() {
    local t="$1" rc=0
    wait "${pids[$t]}" || rc=$?
    unset "pids[$t]"
    report "$t" "$rc"
}
running=()
for t in "${TARGETS[@]}"; do
    if ((${#running[@]} >= JOBS)); then
        reap "${running[0]}"
        running=("${running[@]:1}")
    fi
    fuzz_one "$t" &
    pids[$t]=$!
    running+=("$t")
done
for t in "${running[@]}"; do
    reap "$t"
done
if ((${#failed[@]})); then
    echo "fuzz.sh: failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: ${#TARGETS[@]} target(s), $EACH s each, $JOBS at a time, no crash"
