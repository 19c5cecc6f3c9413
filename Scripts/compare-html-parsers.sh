#!/usr/bin/env bash
# Measures Evident's HTML parser against libxml2's (lxml from PyPI, in Scripts/.venv; never a runtime
# dependency): on each saved page, and on seeded damaged copies of it (cut short, bytes overwritten, runs deleted
# or repeated), every paragraph Evident extracts must appear in the text libxml2 parses from the same bytes.
# Run from the repo root after a release build:
#
#     Scripts/compare-html-parsers.sh [PAGE.html ...]     (default: ../shared/data/ingest/html/*.html)
#
# Environment: COPIES (damaged copies per page, default 20), EVIDENT (default .build/release/evident).
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "compare-html-parsers: $*" >&2; exit 1; }
evident="${EVIDENT:-.build/release/evident}"
[[ -x "$evident" ]] || die "$evident is missing; run swift build -c release first"
copies="${COPIES:-20}"
pages=("$@")
if [[ ${#pages[@]} -eq 0 ]]; then pages=(../shared/data/ingest/html/*.html); fi
[[ -f "${pages[0]}" ]] || die "no page to compare (${pages[0]}); pass HTML files"
python="$(Scripts/peers/setup-venv.sh)" || die "setting up Scripts/.venv failed (see the pip output above)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
arguments=()
for page in "${pages[@]}"; do
    name="$(basename "$page" .html)"
    cp "$page" "$work/$name.html"
    "$python" - "$page" "$work" "$name" "$copies" <<'PY'
import random, sys
page, work, name, copies = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = bytearray(open(page, "rb").read())
numbers = random.Random(len(data))
for copy in range(copies):
    damaged = bytearray(data)
    kind = numbers.randrange(4)
    position = numbers.randrange(len(damaged))
    if kind == 0:
        del damaged[position:]
    elif kind == 1:
        for _ in range(1 + numbers.randrange(16)):
            damaged[numbers.randrange(len(damaged))] = numbers.randrange(256)
    elif kind == 2:
        del damaged[position:position + 1 + numbers.randrange(200)]
    else:
        run = damaged[position:position + 1 + numbers.randrange(200)]
        damaged[numbers.randrange(len(damaged)):0] = run
    open(f"{work}/{name}-damaged-{copy}.html", "wb").write(damaged)
PY
done
read_pages=0
skipped=0
for file in "$work"/*.html; do
    id="$(basename "$file")"
    if "$evident" index "$file" --out "$work/index" --lexical-only --force --quiet 2>/dev/null; then
        "$evident" show "$work/index" "$id" --json > "$file.json"
        arguments+=("$file" "$file.json")
        read_pages=$((read_pages + 1))
    else
        skipped=$((skipped + 1))  # a page left with no content is a bad file, said so; nothing to compare
    fi
done
echo "compare-html-parsers: Evident read $read_pages pages ($skipped refused as having no content)"
"$python" Scripts/peers/html_text.py "${arguments[@]}" | sed "s|$work/||"
