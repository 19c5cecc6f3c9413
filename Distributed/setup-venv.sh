#!/usr/bin/env bash
# Create (or refresh) Distributed/.venv with Ray (PyPI, Distributed/requirements.txt) and evident-ray itself
# (pip install -e Distributed, which puts Distributed/.venv/bin/evident-ray on disk). Idempotent: reinstalls only
# when the requirements or pyproject.toml changed (their sha256 is kept in a stamp file inside the venv). Prints the
# venv's python path on stdout; everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="$venv/bin/python"
stamp="$venv/.requirements.sha256"

command -v python3 >/dev/null 2>&1 || { echo "setup-venv: python3 not found on PATH" >&2; exit 1; }
if [[ ! -x "$python" ]]; then
    echo "setup-venv: creating $venv" >&2
    python3 -m venv "$venv" >&2 || {
        echo "setup-venv: python3 -m venv failed; install Debian's python3-venv (apt-get install python3-venv)" >&2
        exit 1
    }
fi
want="$(cat "$here/requirements.txt" "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ "$want" != "$(cat "$stamp" 2>/dev/null || true)" ]]; then
    echo "setup-venv: installing Ray and evident-ray into $venv (PyPI; a minute or two the first time)" >&2
    "$python" -m pip install --disable-pip-version-check --quiet --upgrade pip >&2
    "$python" -m pip install --disable-pip-version-check --quiet -r "$here/requirements.txt" >&2 || {
        echo "setup-venv: pip could not install $(grep -v '^#' "$here/requirements.txt") from PyPI (see above)" >&2
        exit 1
    }
    "$python" -m pip install --disable-pip-version-check --quiet -e "$here" >&2
    echo "$want" > "$stamp"
else
    echo "setup-venv: up to date ($venv)" >&2
fi
echo "$python"
