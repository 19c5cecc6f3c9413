#!/usr/bin/env bash
# The claim verifier in Evident (Swift, OpenBLAS) beside the same model in PyTorch, on the same pairs and
# threads, in one run:
#
#     Scripts/compare-verifier.sh INDEX VERIFIER TEXTS [--threads N]
#
# INDEX is any index (evident bench needs one to open), VERIFIER a folder from Scripts/train-verifier.sh, TEXTS a
# file of texts, one per line: both read text i with text i + 1 as a (claim, evidence) pair. Runs
# `evident bench INDEX --operations verify-pair --queries TEXTS` (one pair at a time, and batches of 64) and
# Scripts/peers/verifier_torch.py with Scripts/.venv-train's python (made by Scripts/train-verifier.sh; PyTorch
# for CPU from PyPI, never a runtime dependency), then prints both and the ratios.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
die() { echo "compare-verifier: $*" >&2; exit 1; }

[[ $# -ge 3 && "$1" != -* ]] || die "usage: Scripts/compare-verifier.sh INDEX VERIFIER TEXTS [--threads N]"
index="$1" verifier="$2" texts="$3"
shift 3
threads=2
while [[ $# -gt 0 ]]; do
    case "$1" in
        --threads) [[ $# -ge 2 ]] || die "--threads needs a number"; threads="$2"; shift ;;
        *) die "unknown option $1" ;;
    esac
    shift
done
[[ -d "$index" ]] || die "no index at $index (build one with evident index)"
[[ -f "$verifier/config.json" ]] || die "no verifier at $verifier (make verifier, or Scripts/train-verifier.sh)"
[[ -f "$texts" ]] || die "no texts file $texts"
evident="$root/.build/release/evident"
[[ -x "$evident" ]] || die "$evident is missing: run make release"
python="$root/Scripts/.venv-train/bin/python"
[[ -x "$python" ]] || die "$python is missing: Scripts/train-verifier.sh creates that environment (PyTorch for CPU)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "compare-verifier: evident bench (verify-pair, $threads threads)" >&2
"$evident" bench "$index" --operations verify-pair --verifier "$verifier" --queries "$texts" --threads "$threads" \
    --out "$work/evident" >&2
echo "compare-verifier: PyTorch ($threads threads)" >&2
"$python" "$here/peers/verifier_torch.py" --verifier "$verifier" --texts "$texts" --threads "$threads" \
    >"$work/torch.json"

python3 - "$work/evident/report.json" "$work/torch.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
ours = next(o for o in report["operations"] if o["name"] == "verify-pair")
p50 = ours["latency"]["p50"] / 1000
p99 = ours["latency"]["p99"] / 1000
batch = ours.get("batch") or {}
per_second = batch.get("queriesPerSecond", 0)
machine = report.get("machine", {})
print(f"machine: {machine.get('processor', '?')}, {machine.get('cores', '?')} cores, BLAS kernels {machine.get('blasKernels', '?')}")
print(f"{'engine':22} {'p50 ms':>8} {'p99 ms':>8} {'pairs/s (batch ' + str(peer['batch']) + ')':>22}")
print(f"{'evident':22} {p50:8.2f} {p99:8.2f} {per_second:22.1f}")
print(f"{'pytorch ' + peer['version']:22} {peer['p50_ms']:8.2f} {peer['p99_ms']:8.2f} {peer['pairs_per_second']:22.1f}")
if p50 > 0 and per_second > 0:
    print(f"ratios: latency (PyTorch p50 / ours) {peer['p50_ms'] / p50:.2f}, "
          f"throughput (ours / PyTorch) {per_second / peer['pairs_per_second']:.2f}")
PY
