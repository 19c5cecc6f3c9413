#!/usr/bin/env bash
# Measures Evident's encoder beside its peers on the same model (all-MiniLM-L6-v2), the same texts and the same
# number of threads: sentence-transformers on PyTorch CPU (fp32), ONNX Runtime (fp32, and int8 dynamically
# quantized) — installed from PyPI into Scripts/.venv-encoders, never runtime dependencies — and `evident embed`
# at every precision this processor runs (fp32, int16, int8, bf16; one that would fall back to fp32 is left out). Texts: the first 2,000 SciFact abstracts and the first 2,000 NCI PDQ paragraphs of 40 words or
# more. Each peer is timed after a warm-up; Evident by the command's wall time less that of embedding one text (its
# start and model load). Every path's vectors are compared with sentence-transformers' (worst and mean cosine).
#
#     Scripts/compare-encoders.sh            (after swift build -c release; about 10 minutes on two cores)
#
# Environment: THREADS (default: all cores), COUNT (texts per set, default 2000), EVIDENT (default
# .build/release/evident). Prints a Markdown table; the JSON lines go to .build/compare-encoders.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "compare-encoders: $*" >&2; exit 1; }
evident="${EVIDENT:-.build/release/evident}"
threads="${THREADS:-$(nproc)}"
count="${COUNT:-2000}"
model="Models/all-MiniLM-L6-v2"
[[ -x "$evident" ]] || die "$evident is missing; run swift build -c release first"
[[ -f "$model/model.safetensors" ]] || die "$model is missing; run make setup"
[[ -f ../shared/data/scifact/corpus.jsonl && -d ../shared/data/nci-pdq ]] \
    || die "../shared/data/scifact and ../shared/data/nci-pdq are needed beside the project"
python="$(Scripts/peers/setup-venv.sh .venv-encoders requirements-encoders.txt)" \
    || die "setting up Scripts/.venv-encoders failed (see the pip output above)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out=.build/compare-encoders.jsonl
: > "$out"

"$python" - "$count" "$work" <<'PY'
import json, os, re, sys
count, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/scifact.jsonl", "w") as target:
    for index, line in enumerate(open("../shared/data/scifact/corpus.jsonl")):
        if index >= count:
            break
        target.write(json.dumps({"text": json.loads(line)["text"]}) + "\n")
paragraphs = []
for folder, _, files in sorted(os.walk("../shared/data/nci-pdq")):
    for name in sorted(files):
        if not name.endswith(".md") or name == "PROVENANCE.md":
            continue
        text = open(os.path.join(folder, name)).read()
        if text.startswith("---"):
            text = text.split("\n---", 1)[-1]
        for block in re.split(r"\n\s*\n", text):
            block = " ".join(block.split())
            if block and block[0] not in "#|->*!" and len(block.split()) >= 40:
                paragraphs.append(block)
with open(f"{work}/nci-pdq.jsonl", "w") as target:
    for block in paragraphs[:count]:
        target.write(json.dumps({"text": block}) + "\n")
PY

for set in scifact nci-pdq; do
    texts="$work/$set.jsonl"
    echo "compare-encoders: $set, $(wc -l < "$texts") texts, $threads threads: the peers" >&2
    OMP_NUM_THREADS="$threads" "$python" Scripts/peers/encoders.py "$model" "$texts" "$threads" "$work" \
        | sed "s/^{/{\"set\": \"$set\", /" >> "$out"
    head -1 "$texts" > "$work/one.jsonl"
    for precision in fp32 int16 int8 bf16; do
        # A precision whose kernel this processor lacks runs fp32 with a note: not a row of its own.
        if "$evident" embed --input "$work/one.jsonl" --precision "$precision" 2>&1 >/dev/null | grep -q "note:"; then
            echo "compare-encoders: $set: no $precision kernel on this processor; left out" >&2
            continue
        fi
        echo "compare-encoders: $set: evident embed --precision $precision" >&2
        "$python" - "$evident" "$precision" "$texts" "$work" "$set" "$threads" >> "$out" <<'PY'
import json, os, subprocess, sys, time
import numpy as np
evident, precision, texts, work, name, threads = sys.argv[1:]
environment = dict(os.environ, OPENBLAS_NUM_THREADS=threads)
def wall(path, output):
    start = time.perf_counter()
    with open(output, "w") as target:
        subprocess.run([evident, "embed", "--input", path, "--precision", precision, "--batch-size", "32"],
                       stdout=target, check=True, env=environment)
    return time.perf_counter() - start
wall(f"{work}/one.jsonl", os.devnull)  # warm the page cache
start_up = min(wall(f"{work}/one.jsonl", os.devnull) for _ in range(3))
seconds = wall(texts, f"{work}/evident.jsonl") - start_up
lines = [json.loads(line) for line in open(f"{work}/evident.jsonl")]
vectors = np.array([line["embedding"] for line in lines], dtype=np.float32)
tokens = sum(len(line["ids"]) for line in lines)
cosines = np.sum(vectors * np.load(f"{work}/reference.npy"), axis=1)
print(json.dumps({"set": name, "peer": f"Evident {precision}", "texts": len(lines), "tokens": tokens,
                  "seconds": round(seconds, 3), "passages_per_second": round(len(lines) / seconds, 2),
                  "tokens_per_second": round(tokens / seconds), "worst_cosine": float(cosines.min()),
                  "mean_cosine": float(cosines.mean())}))
PY
    done
done

"$python" - "$out" "$threads" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
# Our row: the precision `evident index` chooses by default (int16 where AVX-512 VNNI runs, else fp32).
default = next((f"Evident {p}" for p in ["int16", "fp32"] if any(row["peer"] == f"Evident {p}" for row in rows)), "")
print(f"| set | encoder ({sys.argv[2]} threads) | passages/s | tokens/s | worst cosine to sentence-transformers | {default} ÷ this |")
print("|---|---|---|---|---|---|")
for name in ["scifact", "nci-pdq"]:
    chosen = [row for row in rows if row["set"] == name]
    ours = next((row for row in chosen if row["peer"] == default), None)
    for row in chosen:
        ratio = f"{ours['passages_per_second'] / row['passages_per_second']:.2f}×" if ours else ""
        print(f"| {name} | {row['peer']} | {row['passages_per_second']:,.1f} | {row['tokens_per_second']:,} | "
              f"{row['worst_cosine']:.6f} | {ratio} |")
PY
