#!/usr/bin/env bash
# Compare jetdeck-cli's built-in benchmark against the nats.c baseline
# (natsc-bench) on one local nats-server.
#
#   bench/compare.sh [--build-dir DIR] [--runs K] [--msgs N] [--req-msgs N]
#                    [--js-msgs N] [--size B] [--out FILE] [--modes LIST]
#                    [--with-js] [--run-timeout S] [--check]
#
# For each mode it runs K rounds of both clients, alternating which goes first,
# and compares medians:
#   pub, pubsub           median msgs_per_sec   ratio = jetdeck / nats.c
#   req                   median p50_us         ratio = nats.c / jetdeck
#   js-pub, js-consume    median msgs_per_sec   ratio = jetdeck / nats.c
# so a ratio >= 1.0 always means "JetDeck is at least as good". Target: >= 1.0.
#
# Modes default to pub,pubsub,req; --with-js adds the JetStream modes js-pub
# (async publish with acks) and js-consume (pull fetch + ack, batch 100), or
# name them in --modes. JetStream modes use --js-msgs messages (default 200000).
# The nats-server started here always has JetStream enabled, with its store in
# the temporary work directory that is removed on exit.
#
# Binaries: DIR/app/jetdeck-cli and DIR/bench/natsc-bench (DIR defaults to
# <repo>/build); override with the JETDECK_CLI / NATSC_BENCH environment
# variables. The nats-server binary can be overridden with NATS_SERVER.
#
# Exit status: 0 when everything ran (whether or not targets were met),
# 2 with --check when some ratio is below 1.0, 1 when something failed to run,
# 64 on a usage error.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

BUILD_DIR="$ROOT/build"
RUNS=5
MSGS=1000000
REQ_MSGS=20000
JS_MSGS=200000
JS_BATCH=100      # natsc-bench's default --batch; jetdeck must report the same
SIZE=128
OUT="$ROOT/bench/results/latest.json"
MODES="pub,pubsub,req"
WITH_JS=0
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

while [[ $# -gt 0 ]]; do
    case "$1" in
        --build-dir)   need_value "$@"; BUILD_DIR=$2; shift 2 ;;
        --runs)        need_value "$@"; need_int "$1" "$2" 1; RUNS=$((10#$2)); shift 2 ;;
        --msgs)        need_value "$@"; need_int "$1" "$2" 1; MSGS=$((10#$2)); shift 2 ;;
        --req-msgs)    need_value "$@"; need_int "$1" "$2" 1; REQ_MSGS=$((10#$2)); shift 2 ;;
        --js-msgs)     need_value "$@"; need_int "$1" "$2" 1; JS_MSGS=$((10#$2)); shift 2 ;;
        --size)        need_value "$@"; need_int "$1" "$2" 0; SIZE=$((10#$2)); shift 2 ;;
        --out)         need_value "$@"; OUT=$2; shift 2 ;;
        --modes)       need_value "$@"; MODES=$2; shift 2 ;;
        --with-js)     WITH_JS=1; shift ;;
        --run-timeout) need_value "$@"; need_int "$1" "$2" 1; RUN_TIMEOUT=$((10#$2)); shift 2 ;;
        --check)       CHECK=1; shift ;;
        -h|--help)     usage; exit 0 ;;
        *)             usage_error "unknown argument '$1'" ;;
    esac
done

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
# Debian installs nats-server in /usr/sbin, outside an ordinary user's PATH.
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}

[[ -x "$JETDECK_CLI" ]] || die "jetdeck-cli not found or not executable: $JETDECK_CLI (build it, or set JETDECK_CLI)"
[[ -x "$NATSC_BENCH" ]] || die "natsc-bench not found or not executable: $NATSC_BENCH (build it, or set NATSC_BENCH)"
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
echo "compare.sh: $SERVER_VERSION (JetStream, store $JS_STORE) on $URL; $RUNS round(s); modes $MODES; size ${SIZE}B" >&2

# --- runs -------------------------------------------------------------------
RAW="$WORK/raw.jsonl"
: > "$RAW"

# run_one CLIENT MODE ROUND POSITION: runs one benchmark, validates its JSON line
# and appends {"round","position","result"} to $RAW.
run_one() {
    local client=$1 mode=$2 round=$3 pos=$4 n line rc=0
    local out="$WORK/run.out" err="$WORK/run.err"
    local -a cmd

    case "$mode" in
        req)               n=$REQ_MSGS ;;
        js-pub|js-consume) n=$JS_MSGS ;;
        *)                 n=$MSGS ;;
    esac
    case "$client" in
        nats.c)  cmd=("$NATSC_BENCH" "$mode") ;;
        jetdeck) cmd=("$JETDECK_CLI" bench "$mode") ;;
    esac
    cmd+=(--server "$URL" --msgs "$n" --size "$SIZE" --json)

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
    if ! python3 - "$line" "$client" "$mode" "$round" "$pos" "$n" "$JS_BATCH" >>"$RAW" <<'PY'
import json, sys
line, client, mode, rnd, pos, n, js_batch = sys.argv[1:8]
try:
    doc = json.loads(line)
except ValueError as e:
    sys.exit(f"output is not JSON ({e}): {line[:200]!r}")
if not isinstance(doc, dict):
    sys.exit(f"output is not a JSON object: {line[:200]!r}")
if doc.get("client") != client:
    sys.exit(f"expected client {client!r}, got {doc.get('client')!r}")
if doc.get("mode") != mode:
    sys.exit(f"expected mode {mode!r}, got {doc.get('mode')!r}")
key = "p50_us" if mode == "req" else "msgs_per_sec"
v = doc.get(key)
if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
    sys.exit(f"missing or non-positive {key}: {v!r}")
if mode == "js-pub":
    # Every publish must have been acknowledged without error.
    if doc.get("acked") != int(n) or doc.get("errors") != 0:
        sys.exit(f"js-pub: expected acked={n} errors=0, got acked={doc.get('acked')!r} "
                 f"errors={doc.get('errors')!r}")
if mode == "js-consume" and "batch" in doc and doc["batch"] != int(js_batch):
    sys.exit(f"js-consume: batch {doc['batch']!r} differs from {js_batch}; comparison would be unfair")
if mode.startswith("js-") and doc.get("storage", "memory") != "memory":
    sys.exit(f"{mode}: storage {doc.get('storage')!r}, expected 'memory'")
print(json.dumps({"round": int(rnd), "position": int(pos), "result": doc}, separators=(",", ":")))
print(f"  {mode:<10} round {rnd} #{pos}: {client:<8} {key}={v}", file=sys.stderr)
PY
    then
        echo "compare.sh: FAILED (bad output): ${cmd[*]}" >&2
        return 1
    fi
}

for mode in "${MODE_LIST[@]}"; do
    for ((r = 1; r <= RUNS; r++)); do
        if (( r % 2 == 1 )); then order=(nats.c jetdeck); else order=(jetdeck nats.c); fi
        pos=1
        for client in "${order[@]}"; do
            run_one "$client" "$mode" "$r" "$pos" || exit 1
            pos=$((pos + 1))
        done
    done
done

# --- summary ----------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
summary_rc=0
python3 - "$RAW" "$OUT" "$CHECK" "$URL" "$SERVER_VERSION" "$RUNS" "$MSGS" "$REQ_MSGS" "$SIZE" "$MODES" \
    "$JS_MSGS" "$JS_BATCH" <<'PY' || summary_rc=$?
import json, os, platform, statistics, sys, time

raw_path, out_path, check, url, server_version, runs, msgs, req_msgs, size, modes, js_msgs, js_batch = sys.argv[1:13]
check = check == "1"
raw = [json.loads(l) for l in open(raw_path) if l.strip()]

METRIC = {  # mode -> (key, label, higher_is_better)
    "pub":    ("msgs_per_sec", "msgs/s", True),
    "pubsub": ("msgs_per_sec", "msgs/s", True),
    "req":    ("p50_us",       "p50 us", False),
    "js-pub":     ("msgs_per_sec", "msgs/s", True),
    "js-consume": ("msgs_per_sec", "msgs/s", True),
}
TARGET = 1.0

summary = []
for mode in modes.split(","):
    key, label, higher = METRIC[mode]
    vals = {c: [e["result"][key] for e in raw if e["result"]["mode"] == mode and e["result"]["client"] == c]
            for c in ("nats.c", "jetdeck")}
    natsc = statistics.median(vals["nats.c"])
    jetdeck = statistics.median(vals["jetdeck"])
    # >= 1.0 always means JetDeck is at least as good as nats.c.
    ratio = (jetdeck / natsc) if higher else (natsc / jetdeck)
    summary.append({
        "mode": mode, "metric": key, "natsc": natsc, "jetdeck": jetdeck,
        "ratio": ratio, "ratio_definition": "jetdeck/natsc" if higher else "natsc/jetdeck",
        "target": TARGET, "met": ratio >= TARGET,
        "natsc_values": vals["nats.c"], "jetdeck_values": vals["jetdeck"],
    })

def fmt(v):
    return f"{v:,.0f}" if v >= 1000 else f"{v:,.1f}"

print()
print(f"{'mode':<10} {'metric (median)':<16} {'nats.c':>14} {'jetdeck':>14} {'ratio':>7}  {'target':<8} result")
for s in summary:
    label = METRIC[s["mode"]][1]
    print(f"{s['mode']:<10} {label:<16} {fmt(s['natsc']):>14} {fmt(s['jetdeck']):>14} "
          f"{s['ratio']:>7.3f}  >= {s['target']:.2f}  {'ok' if s['met'] else 'MISSED'}")
print("(ratio >= 1.0 means JetDeck is at least as good: throughput jetdeck/nats.c, latency nats.c/jetdeck)")

doc = {
    "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "server": {"url": url, "version": server_version},
    "host": {"system": platform.system(), "release": platform.release(),
             "machine": platform.machine(), "cpus": os.cpu_count()},
    "params": {"runs": int(runs), "msgs": int(msgs), "req_msgs": int(req_msgs),
               "js_msgs": int(js_msgs), "js_batch": int(js_batch), "js_storage": "memory",
               "size": int(size), "modes": modes.split(",")},
    "raw": raw,
    "summary": summary,
    "all_targets_met": all(s["met"] for s in summary),
}
tmp = out_path + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.replace(tmp, out_path)
print(f"results written to {out_path}")
sys.exit(2 if (check and not doc["all_targets_met"]) else 0)
PY

case $summary_rc in
    0) exit 0 ;;
    2) echo "compare.sh: --check: at least one ratio is below 1.0" >&2; exit 2 ;;
    *) die "summary step failed (exit $summary_rc)" ;;
esac
