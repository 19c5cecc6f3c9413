#!/usr/bin/env bash
# Create (or refresh) Scripts/.venv with the peer engines from requirements.txt, or (with two arguments) the
# virtual environment Scripts/NAME from the requirements file Scripts/peers/FILE:
#
#     Scripts/peers/setup-venv.sh [NAME FILE]      (Scripts/peers/setup-venv.sh .venv-encoders requirements-encoders.txt)
#
# Idempotent: reinstalls only when the requirements changed (their sha256 is kept
# in a stamp file inside the venv). Prints the venv's python path on stdout;
# everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scripts="$(dirname "$here")"
venv="$scripts/${1:-.venv}"
req="$here/${2:-requirements.txt}"
[[ -f "$req" ]] || { echo "setup-venv: no requirements file $req" >&2; exit 1; }
stamp="$venv/.requirements.sha256"
python="$venv/bin/python"

command -v python3 >/dev/null 2>&1 || { echo "setup-venv: python3 not found on PATH" >&2; exit 1; }

if [[ ! -x "$python" ]]; then
    echo "setup-venv: creating $venv" >&2
    python3 -m venv "$venv" >&2
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
    echo "setup-venv: installing $req" >&2
    "$python" -m pip install --disable-pip-version-check --quiet --upgrade pip >&2
    "$python" -m pip install --disable-pip-version-check --quiet -r "$req" >&2
    echo "$want" > "$stamp"
else
    echo "setup-venv: up to date ($venv)" >&2
fi

echo "$python"
