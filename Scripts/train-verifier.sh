#!/usr/bin/env bash
# Trains Evident's claim verifier (Scripts/verifier/train.py) into Models/evident-verifier from data a fresh
# machine has: SciFact's training claims in ../shared/data/scifact (CC BY 4.0; abstracts ODC-By 1.0), turned into
# claim/evidence pairs by `evident eval-grounding --export-pairs` over a lexical index of the SciFact abstracts.
# More pair files (JSON lines {claim, evidence, label}) can be added after the options.
#
# Idempotent: does nothing when the verifier is there and was trained from the same inputs and settings (a stamp
# of their SHA-256 is kept in the verifier's folder).
#
# Usage: Scripts/train-verifier.sh [--out DIR] [--folds K] [--evident PATH] [--] [extra pair files ...]
#   --out DIR      where the verifier goes (default Models/evident-verifier)
#   --folds K      instead, train K models for cross-validation into DIR/fold-0 ... DIR/fold-(K-1), each without
#                  one fold of SciFact's claims (for `evident eval-grounding --verifier-folds DIR`)
#   --evident PATH the evident binary to export the pairs with (default: .build/release/evident, built if missing)
# Environment: VERIFIER_LAYERS (default 6), VERIFIER_EPOCHS (default 5), VERIFIER_AUGMENT (1: add contrast pairs,
# each claim turned into its opposite with the label swapped; 0: none), SHARED (default ../shared)
#
# PyTorch (CPU), tokenizers and safetensors come from PyPI into Scripts/.venv-train; they are never runtime
# dependencies: Evident runs the trained verifier itself, on OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."

out="Models/evident-verifier"
folds=0
evident=".build/release/evident"
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --folds) folds="$2"; shift 2 ;;
        --evident) evident="$2"; shift 2 ;;
        --) shift; extra+=("$@"); break ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "train-verifier: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) extra+=("$1"); shift ;;
    esac
done
for file in "${extra[@]+"${extra[@]}"}"; do
    [[ -f "$file" ]] || { echo "train-verifier: $file: no such pair file" >&2; exit 2; }
done

shared="${SHARED:-../shared}"
claims="$shared/data/scifact/queries.jsonl"
corpus="$shared/data/scifact/corpus.jsonl"
base="Models/all-MiniLM-L6-v2"
layers="${VERIFIER_LAYERS:-6}"
epochs="${VERIFIER_EPOCHS:-5}"
augment=()
[[ "${VERIFIER_AUGMENT:-1}" == 1 ]] && augment=(--augment)
work=".build/verifier"
venv="Scripts/.venv-train"
requirements="Scripts/verifier/requirements.txt"

for file in "$claims" "$corpus"; do
    [[ -f "$file" ]] || {
        echo "train-verifier: $file is missing; the verifier is trained on SciFact's training claims in" \
            "\$SHARED/data/scifact (set SHARED to the folder that holds data/)" >&2
        exit 1
    }
done
[[ -f "$base/model.safetensors" ]] || Scripts/fetch-model.sh

stamp_of() {
    {
        sha256sum "$claims" "$corpus" "$base/model.safetensors" Scripts/verifier/train.py "$requirements" \
            "${extra[@]+"${extra[@]}"}" | cut -d' ' -f1
        echo "layers=$layers epochs=$epochs folds=$folds augment=${VERIFIER_AUGMENT:-1}"
    } | sha256sum | cut -d' ' -f1
}
stamp="$(stamp_of)"
if [[ -f "$out/.trained-from" && "$(cat "$out/.trained-from")" == "$stamp" ]]; then
    echo "train-verifier: $out present"
    exit 0
fi

# The virtual environment, reinstalled when the requirements change.
if [[ ! -x "$venv/bin/python" ]]; then
    echo "train-verifier: creating $venv (PyTorch for CPU from PyPI: about 200 MB to download)"
    python3 -m venv "$venv"
fi
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null || true)" != "$want" ]]; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements"
    echo "$want" > "$venv/.requirements.sha256"
fi

# SciFact's training claims as pairs, over a lexical index of the abstracts (it builds in seconds).
if [[ ! -x "$evident" ]]; then
    echo "train-verifier: building $evident"
    swift build -c release --product evident
fi
mkdir -p "$work"
"$evident" index "$corpus" --out "$work/scifact-lexical" --lexical-only --if-changed --quiet
"$evident" eval-grounding "$work/scifact-lexical" --queries "$claims" --export-pairs "$work/scifact-pairs.jsonl"

train() {
    "$venv/bin/python" Scripts/verifier/train.py "$work/scifact-pairs.jsonl" "${extra[@]+"${extra[@]}"}" \
        --base "$base" --layers "$layers" --epochs "$epochs" "${augment[@]+"${augment[@]}"}" "$@"
}
started=$SECONDS
if [[ "$folds" -gt 0 ]]; then
    for ((fold = 0; fold < folds; fold++)); do
        echo "train-verifier: fold $((fold + 1)) of $folds"
        train --out "$out/fold-$fold" --folds "$folds" --fold "$fold"
    done
else
    train --out "$out"
fi
echo "$stamp" > "$out/.trained-from"
echo "train-verifier: $out trained in $((SECONDS - started)) s"
