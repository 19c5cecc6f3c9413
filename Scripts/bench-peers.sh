#!/usr/bin/env bash
# Peer engines (FAISS IndexFlatIP and IndexHNSWFlat, bm25s, rank_bm25) on the input folder
# `evident bench --compare-peers` writes; their figures go to one JSON file. Run from anywhere:
#
#     Scripts/bench-peers.sh INPUT_DIR OUT_JSON [--sizes 10000,100000,1000000] [--threads N] [--quick]
#
# Sets up Scripts/.venv (Scripts/peers/setup-venv.sh, PyPI), then runs
# Scripts/peers/bench_peers.py --input INPUT_DIR --out OUT_JSON with the remaining options
# (see `Scripts/peers/bench_peers.py --help` and Scripts/peers/README.md for the input files,
# the measurements and the JSON schema). Progress goes to stderr; exits non-zero with a
# message on a missing input file, a shape mismatch or a failed venv setup.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "bench-peers: $*" >&2; exit 1; }

if [[ $# -lt 2 || "$1" == -* || "$2" == -* ]]; then
    die "usage: Scripts/bench-peers.sh INPUT_DIR OUT_JSON [--sizes 10000,100000,1000000] [--threads N] [--quick] [more bench_peers.py options]"
fi
input="$1"
out="$2"
shift 2

[[ -d "$input" ]] || die "input folder $input does not exist"
for name in passages.jsonl queries.txt vectors.f32 vectors.f32.json query-vectors.f32 query-vectors.f32.json; do
    [[ -f "$input/$name" ]] || die "missing input file $input/$name"
done

python="$("$here/peers/setup-venv.sh")" \
    || die "setting up the peers' virtual environment failed (Scripts/peers/setup-venv.sh; see the pip output above)"
[[ -x "$python" ]] || die "setup-venv.sh printed '$python', which is not an executable python"

exec "$python" "$here/peers/bench_peers.py" --input "$input" --out "$out" "$@"
