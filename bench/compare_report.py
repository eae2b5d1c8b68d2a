#!/usr/bin/env python3
"""bench/compare.sh's bookkeeping: checks each client's JSON line, summarizes the rounds,
writes the Markdown tables (and the README's generated section).

  compare_report.py check LINE CLIENT MODE ROUND POSITION MSGS JS_BATCH   (appends to stdout)
  compare_report.py summarize RAW.jsonl OUT.json META.json [--check]
  compare_report.py markdown RESULTS.json                                  (prints the tables)
  compare_report.py readme RESULTS.json README.md PLOT_PATH_IN_README

Ratios are always "JetDeck as good as nats.c or better" when >= 1.0: throughput is
jetdeck / nats.c, latency nats.c / jetdeck. Every summary carries the medians, min and max of
each client and the lowest and highest ratio of a single round (both clients ran in it, in
alternating order), so the spread is never hidden behind a median.
"""
import json
import os
import statistics
import sys

TARGET = 1.0
METRIC = {  # mode -> (key, unit, higher is better)
    "pub": ("msgs_per_sec", "msgs/s", True),
    "pubsub": ("msgs_per_sec", "msgs/s", True),
    "req": ("p50_us", "p50 us", False),
    "js-pub": ("msgs_per_sec", "msgs/s", True),
    "js-consume": ("msgs_per_sec", "msgs/s", True),
}
TITLES = {
    "pub": "publish",
    "pubsub": "publish -> subscribe",
    "req": "request (p50 round trip)",
    "js-pub": "JetStream publish, acked",
    "js-consume": "JetStream consume, pull + ack",
}
BEGIN = "<!-- bench/compare.sh: generated, do not edit by hand -->"
END = "<!-- end of bench/compare.sh's tables -->"


def fail(msg):
    sys.exit(f"compare_report.py: {msg}")


def size_label(b):
    if b >= 1024 and b % 1024 == 0:
        return f"{b // 1024} KiB"
    return f"{b} B"


def check(argv):
    line, client, mode, rnd, pos, n, js_batch = argv
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
    if doc.get("msgs") != int(n):
        sys.exit(f"expected msgs {n}, got {doc.get('msgs')!r}")
    key = METRIC[mode][0]
    v = doc.get(key)
    if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
        sys.exit(f"missing or non-positive {key}: {v!r}")
    if mode == "js-pub" and (doc.get("acked") != int(n) or doc.get("errors") != 0):
        sys.exit(f"js-pub: expected acked={n} errors=0, got acked={doc.get('acked')!r} "
                 f"errors={doc.get('errors')!r}")
    if mode in ("pubsub",) and doc.get("received") != int(n):
        sys.exit(f"{mode}: received {doc.get('received')!r} of {n}")
    if mode == "js-consume" and doc.get("batch", int(js_batch)) != int(js_batch):
        sys.exit(f"js-consume: batch {doc['batch']!r} differs from {js_batch}; "
                 "the comparison would be unfair")
    if mode.startswith("js-") and doc.get("storage", "memory") != "memory":
        sys.exit(f"{mode}: storage {doc.get('storage')!r}, expected 'memory'")
    print(json.dumps({"round": int(rnd), "position": int(pos), "result": doc},
                     separators=(",", ":")))
    print(f"  {mode:<10} {size_label(doc['size']):>7} round {rnd} #{pos}: {client:<8} {key}={v:,.1f}",
          file=sys.stderr)


def spread(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values),
            "values": values}


def cpu_per_million(result):
    u, s = result.get("cpu_user_s"), result.get("cpu_sys_s")
    if not isinstance(u, (int, float)) or not isinstance(s, (int, float)) or result["msgs"] <= 0:
        return None
    return (u + s) / result["msgs"] * 1e6


def summarize(argv):
    raw_path, out_path, meta_path = argv[:3]
    strict = "--check" in argv[3:]
    raw = [json.loads(l) for l in open(raw_path) if l.strip()]
    meta = json.load(open(meta_path))
    groups = {}
    for e in raw:
        r = e["result"]
        groups.setdefault((r["mode"], r["size"]), []).append(e)
    order = {m: i for i, m in enumerate(meta["params"]["modes"])}
    summary = []
    for (mode, size) in sorted(groups, key=lambda k: (order.get(k[0], 99), k[1])):
        key, unit, higher = METRIC[mode]
        entries = groups[(mode, size)]
        by = {}
        for e in entries:
            by.setdefault(e["result"]["client"], []).append(e)
        if "nats.c" not in by or "jetdeck" not in by:
            fail(f"{mode} at {size} B: both clients must have run")
        med = {c: statistics.median(x["result"][key] for x in es) for c, es in by.items()}
        ratio = med["jetdeck"] / med["nats.c"] if higher else med["nats.c"] / med["jetdeck"]
        # The ratio within each round: both clients ran back to back.
        rounds = []
        for rnd in sorted({x["round"] for x in entries}):
            vals = {x["result"]["client"]: x["result"][key] for x in entries if x["round"] == rnd}
            if "nats.c" in vals and "jetdeck" in vals:
                rounds.append(vals["jetdeck"] / vals["nats.c"] if higher
                              else vals["nats.c"] / vals["jetdeck"])
        s = {
            "mode": mode, "size": size, "metric": key, "unit": unit,
            "ratio": ratio, "ratio_definition": "jetdeck/natsc" if higher else "natsc/jetdeck",
            "ratio_round_min": min(rounds), "ratio_round_max": max(rounds),
            "round_ratios": rounds, "target": TARGET, "met": ratio >= TARGET,
            "clients": {},
        }
        for c, es in by.items():
            vals = [x["result"][key] for x in es]
            d = spread(vals)
            mbs = [x["result"].get("mb_per_sec", 0) for x in es]
            d["mb_per_sec_median"] = statistics.median(mbs)
            cpus = [v for v in (cpu_per_million(x["result"]) for x in es) if v is not None]
            if cpus:
                d["cpu_s_per_million_median"] = statistics.median(cpus)
                d["cpu_s_per_million_min"] = min(cpus)
                d["cpu_s_per_million_max"] = max(cpus)
            s["clients"][c] = d
        if "ceiling" in med and higher:
            s["fraction_of_ceiling"] = {c: med[c] / med["ceiling"] for c in ("nats.c", "jetdeck")}
        summary.append(s)
    doc = dict(meta)
    doc["raw"] = raw
    doc["summary"] = summary
    doc["all_targets_met"] = all(s["met"] for s in summary)
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, out_path)
    print(markdown(doc))
    print(f"results written to {out_path}")
    sys.exit(2 if strict and not doc["all_targets_met"] else 0)


def fmt(v):
    if v >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if v >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def markdown(doc):
    summary = doc["summary"]
    host, params = doc["host"], doc["params"]
    out = []
    out.append(f"Measured {doc['generated_at'][:10]} on {host['cpus']} cores ({host['machine']}, "
               f"Linux {host['release']}), {doc['server']['version']}, {params['runs']} "
               f"alternating rounds per cell, ratio of medians (lowest..highest single-round "
               f"ratio); >= 1.0 means JetDeck is at least as good.")
    out.append("")
    modes = [m for m in params["modes"] if any(s["mode"] == m for s in summary)]
    sizes = sorted({s["size"] for s in summary})
    cell = {(s["mode"], s["size"]): s for s in summary}
    out.append("| size | " + " | ".join(TITLES[m] for m in modes) + " |")
    out.append("|---|" + "---|" * len(modes))
    for size in sizes:
        row = [size_label(size)]
        for m in modes:
            s = cell.get((m, size))
            row.append("" if s is None else
                       f"**{s['ratio']:.2f}** ({s['ratio_round_min']:.2f}..{s['ratio_round_max']:.2f})")
        out.append("| " + " | ".join(row) + " |")
    pubs = [s for s in summary if s["mode"] == "pub"]
    if pubs:
        out.append("")
        out.append("Publishing in detail (medians): throughput, the fraction of the ceiling (a "
                   "plain blocking socket writing the same pre-built frames, `ceiling-bench`), "
                   "and the CPU time (user + system) of the publishing process per million "
                   "messages.")
        out.append("")
        has_ceiling = any("ceiling" in s["clients"] for s in pubs)
        head = ["size", "msgs per run", "JetDeck MB/s", "nats.c MB/s"]
        if has_ceiling:
            head += ["ceiling MB/s", "JetDeck / ceiling", "nats.c / ceiling"]
        head += ["JetDeck CPU s / M msgs", "nats.c CPU s / M msgs"]
        if has_ceiling:
            head += ["ceiling CPU s / M msgs"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---" * len(head) + "|")
        for s in pubs:
            c = s["clients"]
            msgs = next(e["result"]["msgs"] for e in doc["raw"]
                        if e["result"]["mode"] == "pub" and e["result"]["size"] == s["size"])
            row = [size_label(s["size"]), f"{msgs:,}", fmt(c["jetdeck"]["mb_per_sec_median"]),
                   fmt(c["nats.c"]["mb_per_sec_median"])]
            if has_ceiling:
                f = s.get("fraction_of_ceiling", {})
                row += [fmt(c["ceiling"]["mb_per_sec_median"]) if "ceiling" in c else "",
                        f"{f['jetdeck']:.2f}" if f else "", f"{f['nats.c']:.2f}" if f else ""]

            def cpu(name):
                v = c.get(name, {}).get("cpu_s_per_million_median")
                return "" if v is None else f"{v:.3f}" if v < 1 else f"{v:.2f}"
            row += [cpu("jetdeck"), cpu("nats.c")]
            if has_ceiling:
                row += [cpu("ceiling")]
            out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def readme(argv):
    results, readme_path, plot = argv
    doc = json.load(open(results))
    text = open(readme_path).read()
    if BEGIN not in text or END not in text:
        fail(f"{readme_path} has no generated section (the lines {BEGIN!r} and {END!r})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    body = markdown(doc) + f"\n\n![JetDeck / nats.c by payload size]({plot})\n"
    tmp = readme_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(head + BEGIN + "\n" + body + END + tail)
    os.replace(tmp, readme_path)
    print(f"{readme_path}: the benchmark tables replaced")


def main():
    if len(sys.argv) < 2:
        fail("usage: check | summarize | markdown | readme (see the docstring)")
    cmd, argv = sys.argv[1], sys.argv[2:]
    if cmd == "check" and len(argv) == 7:
        check(argv)
    elif cmd == "summarize" and len(argv) >= 3:
        summarize(argv)
    elif cmd == "markdown" and len(argv) == 1:
        print(markdown(json.load(open(argv[0]))))
    elif cmd == "readme" and len(argv) == 3:
        readme(argv)
    else:
        fail(f"bad arguments for {cmd!r}: {argv!r}")


if __name__ == "__main__":
    main()
