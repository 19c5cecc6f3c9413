#!/usr/bin/env bash
# Instruction counts of the regression guard's hot paths, under callgrind: the same on every run of one kind of
# machine, and available where package-benchmark cannot count instructions (virtual machines without hardware
# counters). Compares them with Benchmarks/Thresholds/instructions.json, or records them there.
#
#   Scripts/count-instructions.sh [--check | --update] [--tolerance PERCENT] [PATH ...]
#
#   --check       (default) fail when a path runs more than PERCENT (default 2) above its recorded count
#   --update      record the counts measured now (commit Benchmarks/Thresholds/instructions.json with the change)
#   PATH          only these hot paths (names from `HotPathCounts --list`)
#
# Builds Benchmarks' HotPathCounts in release mode and an index of Corpus/ (with the model) once under
# .build/hot-path-index; installs valgrind with apt-get when it is missing. Valgrind 3.19 cannot read the DWARF 5
# that Swift writes, so the binary runs from a copy without debug information (function names stay).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
thresholds="$root/Benchmarks/Thresholds/instructions.json"
mode=check
tolerance=2
paths=()

die() { echo "count-instructions: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --check) mode=check ;;
        --update) mode=update ;;
        --tolerance) [[ $# -ge 2 ]] || die "--tolerance needs a percentage"; tolerance="$2"; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) paths+=("$1") ;;
    esac
    shift
done
[[ "$tolerance" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--tolerance must be a number of percent, as 2 or 0.5"

if ! command -v valgrind >/dev/null; then
    sudo=""; [[ "$(id -u)" == 0 ]] || sudo=sudo
    echo "count-instructions: installing valgrind with apt-get"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends valgrind \
        || die "could not install valgrind; install it (Debian package valgrind) and run again"
fi

cd "$root"
echo "count-instructions: building evident and HotPathCounts (release)"
swift build -c release --product evident >/dev/null || die "swift build -c release --product evident failed"
(cd Benchmarks && swift build -c release --product HotPathCounts >/dev/null) \
    || die "building Benchmarks' HotPathCounts failed (cd Benchmarks && swift build -c release --product HotPathCounts)"
index="$root/.build/hot-path-index"
.build/release/evident index Corpus --exclude answers --out "$index" --if-changed --quiet \
    || die "indexing Corpus/ into $index failed (is the model there? run make setup)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
binary="$work/HotPathCounts"
objcopy --strip-debug Benchmarks/.build/release/HotPathCounts "$binary"

[[ ${#paths[@]} -gt 0 ]] || mapfile -t paths < <("$binary" --list)

# Runs per path: enough to average out, few where one run takes tens of seconds under callgrind.
runs_of() {
    case "$1" in
        encoder-one-pass|ground-one-claim) echo 2 ;;
        vectors-*) echo 10 ;;
        *) echo 20 ;;
    esac
}

measured="$work/measured.tsv"
: >"$measured"
for path in "${paths[@]}"; do
    runs="$(runs_of "$path")"
    printf 'count-instructions: %s (%s runs under callgrind)…\n' "$path" "$runs"
    out="$work/$path.callgrind"
    SWIFT_DETERMINISTIC_HASHING=1 OPENBLAS_NUM_THREADS=1 EVIDENT_HOT_PATH_INDEX="$index" \
        valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measuredRuns*' \
        --callgrind-out-file="$out" "$binary" "$path" "$runs" >"$work/$path.log" 2>&1 \
        || { grep -v '^###' "$work/$path.log" | tail -20 >&2; die "$path failed under callgrind"; }
    total="$(awk '/^summary:/ { print $2 }' "$out")"
    [[ -n "$total" && "$total" -gt 0 ]] || die "$path: callgrind counted nothing (did measuredRuns get inlined?)"
    printf '%s\t%s\n' "$path" "$((total / runs))" >>"$measured"
done

python3 - "$mode" "$tolerance" "$thresholds" "$measured" <<'PY'
import json, os, sys
mode, tolerance, path, measured = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
counts = {}
for line in open(measured):
    name, value = line.rstrip("\n").split("\t")
    counts[name] = int(value)
recorded = {}
if os.path.exists(path):
    try:
        recorded = json.load(open(path))["instructions"]
    except (ValueError, KeyError) as error:
        sys.exit(f"count-instructions: {path} is not a thresholds file ({error}); run with --update")
if mode == "update":
    recorded.update(counts)
    with open(path, "w") as file:
        json.dump({"about": "instructions per run of each hot path under callgrind (Scripts/count-instructions.sh)",
                   "instructions": dict(sorted(recorded.items()))}, file, indent=2)
        file.write("\n")
    for name, value in counts.items():
        print(f"{name:20} {value:>14,} instructions  recorded")
    sys.exit(0)
failed = False
print(f"{'hot path':20} {'threshold':>14} {'now':>14} {'change':>9}")
for name, value in counts.items():
    if name not in recorded:
        print(f"{name:20} {'(none)':>14} {value:>14,}          no threshold; run make bench-thresholds")
        failed = True
        continue
    change = (value - recorded[name]) / recorded[name] * 100
    verdict = ""
    if change > tolerance:
        verdict, failed = f"  worse than the threshold by more than {tolerance:g} %", True
    elif change < -tolerance:
        verdict = "  better: record it with make bench-thresholds"
    print(f"{name:20} {recorded[name]:>14,} {value:>14,} {change:>+8.2f}%{verdict}")
sys.exit(1 if failed else 0)
PY
