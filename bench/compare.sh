#!/usr/bin/env bash
# Compare jetdeck-cli's built-in benchmark against the nats.c baseline
# (natsc-bench) on one local nats-server, at every payload size.
#
#   bench/compare.sh [--build-dir DIR] [--runs K] [--sizes LIST] [--js-sizes LIST]
#                    [--req-sizes LIST] [--size B] [--msgs N] [--pubsub-msgs N] [--bytes N]
#                    [--req-msgs N]
#                    [--js-msgs N] [--js-bytes N] [--modes LIST] [--with-js] [--no-ceiling]
#                    [--out FILE] [--plot FILE] [--readme] [--run-timeout S] [--check]
#
# For each mode and size it runs K rounds of both clients, alternating which goes first,
# and compares medians:
#   pub, pubsub           median msgs_per_sec   ratio = jetdeck / nats.c
#   req                   median p50_us         ratio = nats.c / jetdeck
#   js-pub, js-consume    median msgs_per_sec   ratio = jetdeck / nats.c
# so a ratio >= 1.0 always means "JetDeck is at least as good". Target: >= 1.0. Each cell
# also reports each client's min / median / max and the lowest and highest ratio of a
# single round. pub rounds also run ceiling-bench (a plain blocking socket writing the same
# pre-built frames) and report both clients as a fraction of it; every client reports the
# CPU time (user + system) of its process over the timed span, per million messages.
#
# The default sweep: pub and pubsub at 16 B, 128 B, 1 KiB, 16 KiB and 64 KiB (--sizes),
# req at 128 B (--req-sizes), js-pub and js-consume at 128 B and 16 KiB (--js-sizes), 7
# rounds. A run publishes --bytes of payload (default 2000000000), at most --msgs messages
# (default 20000000: a run of small messages lasts over a second, not a noisy 0.3 s) or
# --pubsub-msgs for pubsub (default 5000000), and at least 1000; JetStream runs --js-bytes
# (default 400000000), at most --js-msgs (default 200000). --size B runs every mode at B alone. --modes LIST limits
# the modes (pub, pubsub, req, js-pub, js-consume); --with-js is kept for older callers.
# The nats-server started here has JetStream enabled, its store in a temporary directory.
#
# Output: the tables on stdout; JSON with every round to --out (default
# bench/results/compare-<time>.json, copied to bench/results/latest.json), a PNG of the
# ratios by size to --plot (default the JSON's name with .png; needs DIR/bench/benchplot),
# the Markdown tables next to them (.md). --readme also replaces the README's generated
# section with these tables and copies the plot and the JSON to docs/bench-ratios.png and
# docs/bench-compare.json.
#
# Measure on a quiet machine: on 2 cores, anything else running (a compiler, a parser
# reading a pipe) takes a core from the client or the server.
#
# Binaries: DIR/app/jetdeck-cli, DIR/bench/natsc-bench, DIR/bench/ceiling-bench and
# DIR/bench/benchplot (DIR defaults to <repo>/build); override with the JETDECK_CLI,
# NATSC_BENCH, CEILING_BENCH, BENCHPLOT environment variables. NATS_SERVER overrides the
# nats-server binary.
#
# Exit status: 0 when everything ran (whether or not targets were met),
# 2 with --check when some ratio is below 1.0, 1 when something failed to run,
# 64 on a usage error.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

BUILD_DIR="$ROOT/build"
RUNS=7
SIZES="16,128,1024,16384,65536"
JS_SIZES="128,16384"
REQ_SIZES="128"
MSGS=20000000
PUBSUB_MSGS=5000000
BYTES=2000000000
REQ_MSGS=20000
JS_MSGS=200000
JS_BYTES=400000000
JS_BATCH=100      # natsc-bench's default --batch; jetdeck must report the same
MIN_MSGS=1000
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=""
PLOT=""
MODES="pub,pubsub,req,js-pub,js-consume"
WITH_JS=0
CEILING=1
README=0
RUN_TIMEOUT=300
CHECK=0

die() { echo "compare.sh: $*" >&2; exit 1; }
usage_error() { echo "compare.sh: $*" >&2; echo "run 'bench/compare.sh --help' for usage" >&2; exit 64; }

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

need_value() { [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"; }
need_int() {
    if ! [[ "$2" =~ ^[0-9]{1,12}$ ]] || (( 10#$2 < $3 )); then
        usage_error "$1 needs an integer >= $3 (got '$2')"
    fi
}
need_sizes() {
    local s
    [[ "$2" =~ ^[0-9]{1,9}(,[0-9]{1,9})*$ ]] || usage_error "$1 needs sizes in bytes separated by commas (got '$2')"
    IFS=',' read -r -a _sizes <<< "$2"
    for s in "${_sizes[@]}"; do
        (( 10#$s <= 67108864 )) || usage_error "$1: $s bytes is more than 64 MiB"
    done
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --build-dir)   need_value "$@"; BUILD_DIR=$2; shift 2 ;;
        --runs)        need_value "$@"; need_int "$1" "$2" 1; RUNS=$((10#$2)); shift 2 ;;
        --sizes)       need_value "$@"; need_sizes "$1" "$2"; SIZES=$2; shift 2 ;;
        --js-sizes)    need_value "$@"; need_sizes "$1" "$2"; JS_SIZES=$2; shift 2 ;;
        --req-sizes)   need_value "$@"; need_sizes "$1" "$2"; REQ_SIZES=$2; shift 2 ;;
        --size)        need_value "$@"; need_sizes "$1" "$2"; SIZES=$2; JS_SIZES=$2; REQ_SIZES=$2; shift 2 ;;
        --msgs)        need_value "$@"; need_int "$1" "$2" 1; MSGS=$((10#$2)); shift 2 ;;
        --pubsub-msgs) need_value "$@"; need_int "$1" "$2" 1; PUBSUB_MSGS=$((10#$2)); shift 2 ;;
        --bytes)       need_value "$@"; need_int "$1" "$2" 1; BYTES=$((10#$2)); shift 2 ;;
        --req-msgs)    need_value "$@"; need_int "$1" "$2" 1; REQ_MSGS=$((10#$2)); shift 2 ;;
        --js-msgs)     need_value "$@"; need_int "$1" "$2" 1; JS_MSGS=$((10#$2)); shift 2 ;;
        --js-bytes)    need_value "$@"; need_int "$1" "$2" 1; JS_BYTES=$((10#$2)); shift 2 ;;
        --out)         need_value "$@"; OUT=$2; shift 2 ;;
        --plot)        need_value "$@"; PLOT=$2; shift 2 ;;
        --modes)       need_value "$@"; MODES=$2; shift 2 ;;
        --with-js)     WITH_JS=1; shift ;;
        --no-ceiling)  CEILING=0; shift ;;
        --readme)      README=1; shift ;;
        --run-timeout) need_value "$@"; need_int "$1" "$2" 1; RUN_TIMEOUT=$((10#$2)); shift 2 ;;
        --check)       CHECK=1; shift ;;
        -h|--help)     usage; exit 0 ;;
        *)             usage_error "unknown argument '$1'" ;;
    esac
done
[[ -n "$OUT" ]] || OUT="$ROOT/bench/results/compare-$STAMP.json"
[[ -n "$PLOT" ]] || PLOT="${OUT%.json}.png"

IFS=',' read -r -a MODE_LIST <<< "$MODES"
[[ ${#MODE_LIST[@]} -gt 0 ]] || usage_error "--modes is empty"
for m in "${MODE_LIST[@]}"; do
    case "$m" in
        pub|pubsub|req|js-pub|js-consume) ;;
        *) usage_error "unknown mode '$m' in --modes (pub, pubsub, req, js-pub, js-consume)" ;;
    esac
done
if [[ $WITH_JS -eq 1 ]]; then
    # Append the JetStream modes unless --modes already names them.
    for m in js-pub js-consume; do
        [[ ",$MODES," == *",$m,"* ]] || MODE_LIST+=("$m")
    done
fi
MODES=$(IFS=','; echo "${MODE_LIST[*]}")

command -v python3 >/dev/null 2>&1 || die "python3 is required"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is required"

JETDECK_CLI=${JETDECK_CLI:-$BUILD_DIR/app/jetdeck-cli}
NATSC_BENCH=${NATSC_BENCH:-$BUILD_DIR/bench/natsc-bench}
CEILING_BENCH=${CEILING_BENCH:-$BUILD_DIR/bench/ceiling-bench}
BENCHPLOT=${BENCHPLOT:-$BUILD_DIR/bench/benchplot}
# Debian installs nats-server in /usr/sbin, outside an ordinary user's PATH.
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}

[[ -x "$JETDECK_CLI" ]] || die "jetdeck-cli not found or not executable: $JETDECK_CLI (build it, or set JETDECK_CLI)"
[[ -x "$NATSC_BENCH" ]] || die "natsc-bench not found or not executable: $NATSC_BENCH (build it, or set NATSC_BENCH)"
if [[ $CEILING -eq 1 && ",$MODES," == *",pub,"* ]]; then
    [[ -x "$CEILING_BENCH" ]] || die "ceiling-bench not found or not executable: $CEILING_BENCH (build it, set CEILING_BENCH, or pass --no-ceiling)"
fi
[[ -x "$BENCHPLOT" ]] || die "benchplot not found or not executable: $BENCHPLOT (build it, or set BENCHPLOT)"
REPORT="$SCRIPT_DIR/compare_report.py"
[[ -r "$REPORT" ]] || die "compare_report.py not found next to compare.sh"
command -v "$NATS_SERVER" >/dev/null 2>&1 || die "nats-server not found: $NATS_SERVER (set NATS_SERVER)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jetdeck-compare.XXXXXX")
SERVER_PID=""

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    local status=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- nats-server on a free loopback port -----------------------------------
PORT=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()') || die "could not pick a free port"
URL="nats://127.0.0.1:$PORT"

# Run from the temp dir so anything the server writes lands there; the
# JetStream store also lives under $WORK, which cleanup() removes.
JS_STORE="$WORK/jetstream"
mkdir -p "$JS_STORE"
(cd "$WORK" && exec "$NATS_SERVER" -a 127.0.0.1 -p "$PORT" -js -sd "$JS_STORE" \
    >"$WORK/nats-server.log" 2>&1) &
SERVER_PID=$!

ready=0
for _ in $(seq 1 100); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        tail -n 20 "$WORK/nats-server.log" >&2 || true
        die "nats-server exited during startup"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
[[ $ready -eq 1 ]] || die "nats-server did not accept connections on 127.0.0.1:$PORT within 10 s"
SERVER_VERSION=$("$NATS_SERVER" --version 2>/dev/null | head -n 1 || echo unknown)
echo "compare.sh: $SERVER_VERSION (JetStream, store $JS_STORE) on $URL; $RUNS round(s); modes $MODES; sizes $SIZES, requests $REQ_SIZES, JetStream $JS_SIZES" >&2

# --- runs -------------------------------------------------------------------
RAW="$WORK/raw.jsonl"
: > "$RAW"

# msgs_for MODE SIZE: how many messages one run of MODE sends at SIZE bytes.
msgs_for() {
    local mode=$1 size=$2 cap budget n
    case "$mode" in
        req)               echo "$REQ_MSGS"; return ;;
        js-pub|js-consume) cap=$JS_MSGS; budget=$JS_BYTES ;;
        pubsub)            cap=$PUBSUB_MSGS; budget=$BYTES ;;
        *)                 cap=$MSGS; budget=$BYTES ;;
    esac
    if (( size == 0 )); then n=$cap; else n=$(( budget / size )); fi
    (( n > cap )) && n=$cap
    (( n < MIN_MSGS )) && n=$MIN_MSGS
    echo "$n"
}

# run_one CLIENT MODE SIZE ROUND POSITION: runs one benchmark, checks its JSON line and
# appends {"round","position","result"} to $RAW.
run_one() {
    local client=$1 mode=$2 size=$3 round=$4 pos=$5 n line rc=0
    local out="$WORK/run.out" err="$WORK/run.err"
    local -a cmd

    n=$(msgs_for "$mode" "$size")
    case "$client" in
        nats.c)  cmd=("$NATSC_BENCH" "$mode") ;;
        jetdeck) cmd=("$JETDECK_CLI" bench "$mode") ;;
        ceiling) cmd=("$CEILING_BENCH" "$mode") ;;
    esac
    cmd+=(--server "$URL" --msgs "$n" --size "$size" --json)

    # Output goes to a file, read after the run: a reader on a pipe would take a core from
    # the benchmark.
    timeout --kill-after=10 "$RUN_TIMEOUT" "${cmd[@]}" >"$out" 2>"$err" || rc=$?
    if [[ $rc -ne 0 ]]; then
        local why="exit $rc"
        [[ $rc -eq 124 || $rc -eq 137 ]] && why="timed out after ${RUN_TIMEOUT}s"
        echo "compare.sh: FAILED ($why): ${cmd[*]}" >&2
        tail -n 5 "$err" | sed 's/^/    /' >&2 || true
        tail -n 2 "$out" | sed 's/^/    stdout: /' >&2 || true
        return 1
    fi
    line=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 || true)
    if ! python3 "$REPORT" check "$line" "$client" "$mode" "$round" "$pos" "$n" "$JS_BATCH" >>"$RAW"; then
        echo "compare.sh: FAILED (bad output): ${cmd[*]}" >&2
        return 1
    fi
}

sizes_for() {
    case "$1" in
        req)               echo "$REQ_SIZES" ;;
        js-pub|js-consume) echo "$JS_SIZES" ;;
        *)                 echo "$SIZES" ;;
    esac
}

for mode in "${MODE_LIST[@]}"; do
    IFS=',' read -r -a MODE_SIZES <<< "$(sizes_for "$mode")"
    for size in "${MODE_SIZES[@]}"; do
        size=$((10#$size))
        clients=(nats.c jetdeck)
        [[ $mode == pub && $CEILING -eq 1 ]] && clients+=(ceiling)
        for ((r = 1; r <= RUNS; r++)); do
            # Rotate who goes first: every client runs first, second (and third) in turn.
            order=()
            for ((k = 0; k < ${#clients[@]}; k++)); do
                order+=("${clients[$(( (k + r - 1) % ${#clients[@]} ))]}")
            done
            pos=1
            for client in "${order[@]}"; do
                run_one "$client" "$mode" "$size" "$r" "$pos" || exit 1
                pos=$((pos + 1))
            done
        done
    done
done

# --- summary ----------------------------------------------------------------
mkdir -p "$(dirname "$OUT")" "$(dirname "$PLOT")"
META="$WORK/meta.json"
python3 - "$META" "$URL" "$SERVER_VERSION" "$RUNS" "$MODES" "$SIZES" "$JS_SIZES" "$REQ_SIZES" \
    "$MSGS" "$BYTES" "$REQ_MSGS" "$JS_MSGS" "$JS_BYTES" "$JS_BATCH" "$CEILING" "$PUBSUB_MSGS" <<'PY'
import json, os, platform, sys, time
(meta, url, version, runs, modes, sizes, js_sizes, req_sizes, msgs, nbytes, req_msgs, js_msgs,
 js_bytes, js_batch, ceiling, pubsub_msgs) = sys.argv[1:17]
ints = lambda text: [int(x) for x in text.split(",")]
json.dump({
    "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "server": {"url": url, "version": version},
    "host": {"system": platform.system(), "release": platform.release(),
             "machine": platform.machine(), "cpus": os.cpu_count()},
    "params": {"runs": int(runs), "modes": modes.split(","), "sizes": ints(sizes),
               "js_sizes": ints(js_sizes), "req_sizes": ints(req_sizes), "max_msgs": int(msgs),
               "pubsub_max_msgs": int(pubsub_msgs),
               "bytes_per_run": int(nbytes), "req_msgs": int(req_msgs),
               "js_max_msgs": int(js_msgs), "js_bytes_per_run": int(js_bytes),
               "js_batch": int(js_batch), "js_storage": "memory", "ceiling": ceiling == "1"},
}, open(meta, "w"))
PY
summary_rc=0
check_arg=()
[[ $CHECK -eq 1 ]] && check_arg=(--check)
python3 "$REPORT" summarize "$RAW" "$OUT" "$META" "${check_arg[@]}" || summary_rc=$?
[[ $summary_rc -eq 0 || $summary_rc -eq 2 ]] || die "summary step failed (exit $summary_rc)"
if [[ "$OUT" != "$ROOT/bench/results/latest.json" ]]; then
    mkdir -p "$ROOT/bench/results"
    cp "$OUT" "$ROOT/bench/results/latest.json"
fi
python3 "$REPORT" markdown "$OUT" > "${OUT%.json}.md" || die "could not write the tables"
"$BENCHPLOT" "$OUT" "$PLOT" || die "could not draw the plot"
if [[ $README -eq 1 ]]; then
    cp "$PLOT" "$ROOT/docs/bench-ratios.png"
    cp "$OUT" "$ROOT/docs/bench-compare.json"
    python3 "$REPORT" readme "$OUT" "$ROOT/README.md" docs/bench-ratios.png || die "could not update the README"
fi

case $summary_rc in
    0) exit 0 ;;
    2) echo "compare.sh: --check: at least one ratio is below 1.0" >&2; exit 2 ;;
esac
