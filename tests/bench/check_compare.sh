#!/usr/bin/env bash
# bench/compare.sh end to end at a small scale: every mode at two sizes, two rounds, against a
# real nats-server. Checks what the sweep promises (not the speed): each cell holds both
# clients' rounds, a ratio with its per-round spread, the ceiling and CPU per million messages
# for publishing; the JSON, the Markdown tables and a PNG are written; the README section is
# replaced (in a copy) and nothing else in it changes; bad arguments are usage errors.
# Usage: check_compare.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/jetdeck-check-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "usage errors"
for bad in "--sizes 16,x" "--sizes 99999999999" "--runs 0" "--modes pub,nope" "--frobnicate"; do
    rc=0
    # shellcheck disable=SC2086  # the arguments are meant to split
    "$src/bench/compare.sh" --build-dir "$build" $bad >"$work/out" 2>"$work/err" || rc=$?
    [[ $rc -eq 64 ]] || fail "'$bad' exited $rc, not 64"
    grep -q "compare.sh: " "$work/err" || fail "'$bad' printed no reason"
done

echo "a small sweep"
"$src/bench/compare.sh" --build-dir "$build" --runs 2 --sizes 16,65536 --js-sizes 128 \
    --req-sizes 128 --bytes 20000000 --msgs 200000 --pubsub-msgs 100000 --req-msgs 200 --js-msgs 2000 \
    --js-bytes 2000000 --out "$work/r.json" >"$work/stdout" 2>"$work/stderr" ||
    { cat "$work/stderr" >&2; fail "compare.sh failed"; }
[[ -s "$work/r.png" ]] || fail "no plot"
file "$work/r.png" | grep -q "PNG image data, 1000 x 560" || fail "the plot is not a 1000x560 PNG"
[[ -s "$work/r.md" ]] || fail "no Markdown tables"
grep -q "publish -> subscribe" "$work/stdout" || fail "no table on stdout"

python3 - "$work/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
want = {("pub", 16), ("pub", 65536), ("pubsub", 16), ("pubsub", 65536), ("req", 128),
        ("js-pub", 128), ("js-consume", 128)}
cells = {(s["mode"], s["size"]): s for s in doc["summary"]}
assert set(cells) == want, f"cells {sorted(cells)} != {sorted(want)}"
for key, s in cells.items():
    assert s["ratio"] > 0, key
    assert len(s["round_ratios"]) == 2, (key, s["round_ratios"])
    assert s["ratio_round_min"] <= s["ratio_round_max"], key
    for c in ("nats.c", "jetdeck"):
        d = s["clients"][c]
        assert len(d["values"]) == 2 and d["min"] <= d["median"] <= d["max"], (key, c, d)
        assert d["cpu_s_per_million_median"] > 0, (key, c)
for size in (16, 65536):
    s = cells[("pub", size)]
    assert len(s["clients"]["ceiling"]["values"]) == 2, size
    f = s["fraction_of_ceiling"]
    assert 0 < f["jetdeck"] < 5 and 0 < f["nats.c"] < 5, f
    # the run's messages follow the byte budget: 20 MB of payload, at most 200,000 messages,
    # at least 1,000
    msgs = {e["result"]["msgs"] for e in doc["raw"]
            if e["result"]["mode"] == "pub" and e["result"]["size"] == size}
    assert msgs == {max(1000, min(200000, 20000000 // size))}, (size, msgs)
# every round ran each client once, the first place taken in turn
for key in want:
    firsts = [e["result"]["client"] for e in doc["raw"]
              if (e["result"]["mode"], e["result"]["size"]) == key and e["position"] == 1]
    assert len(set(firsts)) == 2, (key, firsts)
assert doc["host"]["cpus"] >= 1 and doc["params"]["runs"] == 2
print("results ok:", len(cells), "cells")
PY

echo "the README's generated section"
cp "$src/README.md" "$work/README.md"
python3 "$src/bench/compare_report.py" readme "$work/r.json" "$work/README.md" docs/bench-ratios.png
python3 - "$src/README.md" "$work/README.md" "$work/r.md" <<'PY'
import sys
BEGIN = "<!-- bench/compare.sh: generated, do not edit by hand -->"
END = "<!-- end of bench/compare.sh's tables -->"
old, new, tables = (open(p).read() for p in sys.argv[1:4])
assert old.split(BEGIN)[0] == new.split(BEGIN)[0], "text before the section changed"
assert old.split(END)[1] == new.split(END)[1], "text after the section changed"
body = new.split(BEGIN)[1].split(END)[0]
assert tables.strip() in body, "the section does not hold the tables"
assert "![JetDeck / nats.c by payload size](docs/bench-ratios.png)" in body
print("README section ok")
PY
rc=0
printf 'no section here\n' > "$work/plain.md"
python3 "$src/bench/compare_report.py" readme "$work/r.json" "$work/plain.md" x.png 2>"$work/err" || rc=$?
[[ $rc -ne 0 ]] && grep -q "has no generated section" "$work/err" || fail "a README without the section was not refused"
rc=0
"$build/bench/benchplot" "$work/README.md" "$work/x.png" 2>"$work/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "is not JSON" "$work/err" || fail "benchplot took a README for results"
echo "ok"
