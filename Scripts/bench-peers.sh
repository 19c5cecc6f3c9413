#!/usr/bin/env bash
# Peer engines (FAISS IndexFlatIP and IndexHNSWFlat, bm25s, rank_bm25) on the input folder
# `evident bench --compare-peers` writes; their figures go to one JSON file. Run from anywhere:
#
#     Scripts/bench-peers.sh INPUT_DIR OUT_JSON [--sizes 10000,100000,1000000] [--threads N] [--quick]
#                            [--encoder-model DIR --encoder-threads N] [--skip flat,hnsw,bm25s,rank_bm25,sweep,encoders]
#
# Sets up Scripts/.venv (Scripts/peers/setup-venv.sh, PyPI), then runs
# Scripts/peers/bench_peers.py --input INPUT_DIR --out OUT_JSON with the remaining options
# (see `Scripts/peers/bench_peers.py --help` and Scripts/peers/README.md for the input files,
# the measurements and the JSON schema). When INPUT_DIR has encode-texts.jsonl and --encoder-model
# names the model folder (and `encoders` is not skipped), the encoder peers run too
# (Scripts/peers/encoders.py in Scripts/.venv-encoders: sentence-transformers, ONNX Runtime fp32 and
# int8, on --encoder-threads threads) and their rows (kind "encode") join OUT_JSON's results.
# Progress goes to stderr; exits non-zero with a message on a missing input file, a shape mismatch
# or a failed venv setup.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "bench-peers: $*" >&2; exit 1; }

if [[ $# -lt 2 || "$1" == -* || "$2" == -* ]]; then
    die "usage: Scripts/bench-peers.sh INPUT_DIR OUT_JSON [--sizes 10000,100000,1000000] [--threads N] [--quick] [more bench_peers.py options]"
fi
input="$1"
out="$2"
shift 2
# Our own options (the encoder peers); the rest go to bench_peers.py, with `encoders` taken out of --skip.
encoder_model=""
encoder_threads="$(nproc)"
skip_encoders=0
rest=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --encoder-model) encoder_model="${2:?--encoder-model needs a folder}"; shift 2 ;;
        --encoder-threads) encoder_threads="${2:?--encoder-threads needs a number}"; shift 2 ;;
        --skip)
            parts=()
            IFS=, read -ra named <<< "${2:-}"
            for part in "${named[@]}"; do
                if [[ "$part" == encoders ]]; then skip_encoders=1; elif [[ -n "$part" ]]; then parts+=("$part"); fi
            done
            if [[ ${#parts[@]} -gt 0 ]]; then rest+=(--skip "$(IFS=,; echo "${parts[*]}")"); fi
            shift 2 ;;
        *) rest+=("$1"); shift ;;
    esac
done

[[ -d "$input" ]] || die "input folder $input does not exist"
for name in passages.jsonl queries.txt vectors.f32 vectors.f32.json query-vectors.f32 query-vectors.f32.json; do
    [[ -f "$input/$name" ]] || die "missing input file $input/$name"
done

python="$("$here/peers/setup-venv.sh")" \
    || die "setting up the peers' virtual environment failed (Scripts/peers/setup-venv.sh; see the pip output above)"
[[ -x "$python" ]] || die "setup-venv.sh printed '$python', which is not an executable python"

"$python" "$here/peers/bench_peers.py" --input "$input" --out "$out" ${rest[@]+"${rest[@]}"}

texts="$input/encode-texts.jsonl"
if [[ -f "$texts" && -n "$encoder_model" && $skip_encoders == 0 ]]; then
    [[ -f "$encoder_model/model.safetensors" ]] || die "--encoder-model $encoder_model has no model.safetensors"
    encoders_python="$("$here/peers/setup-venv.sh" .venv-encoders requirements-encoders.txt)" \
        || die "setting up Scripts/.venv-encoders failed (see the pip output above)"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "bench-peers: encoders on $(wc -l < "$texts") passages, $encoder_threads threads" >&2
    OMP_NUM_THREADS="$encoder_threads" "$encoders_python" "$here/peers/encoders.py" "$encoder_model" "$texts" \
        "$encoder_threads" "$work" > "$work/encoders.jsonl" || die "the encoder peers failed (see above)"
    "$python" - "$out" "$work/encoders.jsonl" "$encoder_threads" <<'PY'
import json, sys
out, rows, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
report = json.load(open(out))
for line in open(rows):
    row = json.loads(line)
    report["results"].append({
        "engine": row["engine"], "method": row["method"], "kind": "encode", "data": "index",
        "count": row["texts"], "threads": threads, "batch": 32, "qps": row["passages_per_second"],
        "tokens_per_second": row["tokens_per_second"], "worst_cosine": row["worst_cosine"],
        "padded_share": row["padded_share"], "seconds": row["seconds"]})
json.dump(report, open(out, "w"), indent=1)
PY
fi
