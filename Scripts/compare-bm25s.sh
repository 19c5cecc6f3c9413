#!/usr/bin/env bash
# Side by side: Evident's BM25 and the bm25s peer on SciFact (training claims),
# both pinned to one core. Run from the repo root:
#
#     Scripts/compare-bm25s.sh
#
# Steps: set up Scripts/.venv (Scripts/peers/setup-venv.sh); build evident in
# release (incremental); index SciFact into
# .build/bench/scifact-index unless that index is newer than the corpus and the binary; run
# `evident eval` and Scripts/peers/bm25s_scifact.py under `taskset -c 0`; print
# a table and write .build/bench/bm25s-comparison.json.
#
# Environment:
#   EVIDENT_BIN   evident executable to use (default .build/release/evident; when
#                 set, nothing is built) — lets the parsing be tried with a stub
#   REPEAT        timed runs per measurement for both engines (default 5)
#   ROUNDS        alternating rounds of both engines; speeds are the medians of the rounds (default 5)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

data="../shared/data/scifact"
corpus="$data/corpus.jsonl"
queries="$data/queries.jsonl"
qrels="$data/qrels/train.tsv"
bench=".build/bench"
index="$bench/scifact-index"
out="$bench/bm25s-comparison.json"
repeat="${REPEAT:-5}"
rounds="${ROUNDS:-5}"

die() { echo "compare-bm25s: $*" >&2; exit 1; }

for f in "$corpus" "$queries" "$qrels"; do
    [[ -f "$f" ]] || die "SciFact data missing: $f not found (expected BEIR SciFact in $(cd .. && pwd)/shared/data/scifact)"
done

# --- machine ---------------------------------------------------------------
source Scripts/peers/machine.sh

# --- peer environment ------------------------------------------------------
python="$(Scripts/peers/setup-venv.sh)"

# --- evident ---------------------------------------------------------------
if [[ -n "${EVIDENT_BIN:-}" ]]; then
    evident="$EVIDENT_BIN"
    [[ -x "$evident" ]] || die "EVIDENT_BIN=$evident is not executable"
else
    evident=".build/release/evident"
    # Always build: incremental, and a stale binary would measure old code.
    echo "compare-bm25s: building evident (swift build -c release)" >&2
    swift build -c release >&2
    [[ -x "$evident" ]] || die "swift build finished but $evident does not exist"
fi

mkdir -p "$bench"
if [[ -d "$index" && "$index" -nt "$corpus" && "$index" -nt "$evident" ]]; then
    echo "compare-bm25s: reusing $index (newer than $corpus and $evident)" >&2
else
    echo "compare-bm25s: indexing SciFact into $index" >&2
    "$evident" index "$data" --out "$index" --force --lexical-only >&2
fi

# The machine is a shared VM whose speed drifts from minute to minute: alternate the engines for $rounds
# rounds (each a median of $repeat timed runs) and compare the medians of the rounds.
evident_jsons=()
bm25s_jsons=()
for round in $(seq 1 "$rounds"); do
    evident_json="$bench/evident-scifact-eval.$round.json"
    bm25s_json="$bench/bm25s-scifact.$round.json"
    echo "compare-bm25s: round $round of $rounds: evident eval (repeat $repeat)" >&2
    ${pin[@]+"${pin[@]}"} "$evident" eval "$index" --queries "$queries" --qrels "$qrels" \
        --json --repeat "$repeat" > "$evident_json" \
        || die "evident eval failed (its output: $evident_json)"
    echo "compare-bm25s: round $round of $rounds: bm25s (repeat $repeat)" >&2
    ${pin[@]+"${pin[@]}"} "$python" Scripts/peers/bm25s_scifact.py --data "$data" --json --repeat "$repeat" \
        > "$bm25s_json" || die "bm25s_scifact.py failed (its output: $bm25s_json)"
    evident_jsons+=("$evident_json")
    bm25s_jsons+=("$bm25s_json")
done

# --- combine and print -----------------------------------------------------
"$python" - "$out" "${model:-unknown}" "$cores" "${#pin[@]}" "$(IFS=,; echo "${evident_jsons[*]}")" \
    "$(IFS=,; echo "${bm25s_jsons[*]}")" <<'PY'
import json
import statistics
import sys

out_path, model, cores, pinned, evident_paths, bm25s_paths = sys.argv[1:]


def load(path, name, required):
    text = open(path, encoding="utf-8").read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        # Tolerate log lines before the JSON: take the last line that parses.
        value = None
        for line in reversed(text.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    value = json.loads(line)
                    break
                except json.JSONDecodeError:
                    pass
        if value is None:
            sys.exit(f"compare-bm25s: {name} output in {path} is not JSON")
    missing = [key for key in required if key not in value]
    if missing:
        sys.exit(f"compare-bm25s: {name} output in {path} lacks {', '.join(missing)}")
    return value


evident_rounds = [load(path, "evident",
                       ["ndcg_at_10", "recall_at_100", "mrr_at_10", "queries", "queries_per_second"])
                  for path in evident_paths.split(",")]
peer_rounds = [load(path, "bm25s",
                    ["ndcg_at_10", "recall_at_100", "mrr_at_10", "queries", "qps_single", "qps_batch"])
               for path in bm25s_paths.split(",")]
# Quality is the same every round; speed is the median over the rounds.
evident = dict(evident_rounds[0])
evident["queries_per_second"] = statistics.median(r["queries_per_second"] for r in evident_rounds)
evident["queries_per_second_rounds"] = [r["queries_per_second"] for r in evident_rounds]
peer = dict(peer_rounds[0])
for key in ("qps_single", "qps_batch"):
    peer[key] = statistics.median(r[key] for r in peer_rounds)
    peer[key + "_rounds"] = [r[key] for r in peer_rounds]

# evident eval answers its queries one at a time: its queries_per_second is the
# counterpart of bm25s's qps_single. A batch figure is used if evident ever reports one.
evident_single = float(evident["queries_per_second"])
evident_batch = evident.get("queries_per_second_batch")
evident_batch = float(evident_batch) if evident_batch is not None else None


def ratio(a, b):
    return a / b if a is not None and b else None


ratios = {
    "qps_single_evident_over_bm25s": ratio(evident_single, float(peer["qps_single"])),
    "qps_evident_single_over_bm25s_batch": ratio(evident_single, float(peer["qps_batch"])),
    "qps_batch_evident_over_bm25s": ratio(evident_batch, float(peer["qps_batch"])),
    "ndcg_at_10_difference": float(evident["ndcg_at_10"]) - float(peer["ndcg_at_10"]),
}
combined = {
    "machine": {"cpu": model, "cores": int(cores) if cores.isdigit() else cores,
                "pinned_to_core_0": pinned != "0"},
    "evident": evident,
    "bm25s": peer,
    "ratios": ratios,
    "targets": {"ndcg_at_10_within": 0.01, "qps_ratio_at_least": 2.0},
    "rounds": len(evident_rounds),
}
if evident["queries"] != peer["queries"]:
    print(f"compare-bm25s: warning: evident evaluated {evident['queries']} queries, "
          f"bm25s {peer['queries']}", file=sys.stderr)
with open(out_path, "w", encoding="utf-8") as handle:
    json.dump(combined, handle, indent=2)
    handle.write("\n")


def number(value, digits):
    return "—" if value is None else f"{value:.{digits}f}"


header = ("engine", "nDCG@10", "Recall@100", "MRR@10", "QPS single", "QPS batch", "queries")
rows = [
    (f"evident", number(float(evident["ndcg_at_10"]), 4), number(float(evident["recall_at_100"]), 4),
     number(float(evident["mrr_at_10"]), 4), number(evident_single, 1), number(evident_batch, 1),
     str(evident["queries"])),
    (f"bm25s {peer.get('version', '')}".strip(), number(float(peer["ndcg_at_10"]), 4),
     number(float(peer["recall_at_100"]), 4), number(float(peer["mrr_at_10"]), 4),
     number(float(peer["qps_single"]), 1), number(float(peer["qps_batch"]), 1), str(peer["queries"])),
]
widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]


def line(cells):
    return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                     for i, (cell, w) in enumerate(zip(cells, widths)))


print(line(header))
print("  ".join("-" * w for w in widths))
for row in rows:
    print(line(row))
print()
print(f"QPS: medians of {len(evident_rounds)} alternating rounds; evident per round: "
      + ", ".join(f"{q:.0f}" for q in evident["queries_per_second_rounds"])
      + "; bm25s single per round: " + ", ".join(f"{q:.0f}" for q in peer["qps_single_rounds"]))
print(f"evident / bm25s QPS, one query at a time:      {number(ratios['qps_single_evident_over_bm25s'], 2)}x  (target >= 2x)")
print(f"evident single / bm25s batched QPS:            {number(ratios['qps_evident_single_over_bm25s_batch'], 2)}x")
if evident_batch is not None:
    print(f"evident / bm25s QPS, batched:                  {number(ratios['qps_batch_evident_over_bm25s'], 2)}x")
diff = ratios["ndcg_at_10_difference"]
print(f"nDCG@10 difference (evident - bm25s):          {diff:+.4f}  (target |d| <= 0.01: "
      f"{'met' if abs(diff) <= 0.01 else 'NOT met'})")
print(f"bm25s index seconds: {float(peer.get('index_seconds', float('nan'))):.3f}"
      + (f"; evident search seconds: {float(evident['search_seconds']):.3f}" if "search_seconds" in evident else ""))
print(f"written: {out_path}")
PY
