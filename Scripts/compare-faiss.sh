#!/usr/bin/env bash
# Side by side: Evident's FlatVectorIndex (fp32, exact) and FAISS IndexFlatIP on the
# same vectors and queries, top 10, one thread, both pinned to core 0. Run from the
# repo root:
#
#     Scripts/compare-faiss.sh
#
# Steps: set up Scripts/.venv (Scripts/peers/setup-venv.sh, which installs faiss-cpu);
# write seeded random unit vectors (384 elements) with Scripts/peers/make_vectors.py into
# .build/bench/vectors-<count>.f32 and 1024 queries into .build/bench/queries.f32 (raw
# little-endian float32 with a FILE.json shape sidecar; kept when already there);
# for each size, and for each OPENBLAS_CORETYPE setting, run
#   - Scripts/peers/faiss_flat.py under `taskset -c 0` (faiss.omp_set_num_threads(1)), and
#   - the VectorBenchmarks suite of Benchmarks/ with EVIDENT_BENCH_VECTORS / EVIDENT_BENCH_QUERIES
#     pointing at the same files, only its `fp32/file/*/t1` benchmarks, under `taskset -c 0`,
#     exporting histogram percentiles (--format histogramPercentiles);
# print a table (p50/p99 per call, queries/s, FAISS time / Evident time) and write
# .build/bench/faiss-comparison.json.
#
# What is compared: a single query is one `search` call each (FAISS's includes the few
# microseconds of a Python call); a batch is one call for N queries, its time per batch.
# Evident's queries/s is N / p50; FAISS's is N / p50 too (its JSON also has mean-based ones).
# OPENBLAS_CORETYPE matters for batches only: Evident's batches of >= 64 use the system
# OpenBLAS's sgemm, FAISS's batches of >= 20 queries the OpenBLAS bundled in its wheel;
# single queries use neither (Evident's own AVX-512/AVX2 kernel, FAISS's own SIMD loop).
#
# Environment:
#   SIZES        vector counts (default "10000 100000")
#   VECTOR_FILES more vector files in the same format, searched after the sizes (for example an index's real
#                embeddings; Scripts/peers/export_vectors.py writes them), labelled by file name
#   QUERIES      a query file in the same format instead of 1024 random unit vectors
#   CORETYPES    OPENBLAS_CORETYPE settings, "default" meaning unset (default "SkylakeX": since Evident's
#                exact search goes through its bfloat16 screen on AMX machines, only its fp32-plain batches
#                of >= 64 use OpenBLAS)
#   SINGLE       single queries FAISS times (default 1000); Evident's run for up to 2 s
#   FAISS_BLAS_THRESHOLD  sets faiss.cvar.distance_compute_blas_threshold (FAISS 1.15.1's default,
#                128000, keeps every batch here on its own per-query SIMD loop; 20 makes
#                batches of >= 20 use sgemm); the output is then faiss-comparison-blas<N>.json
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bench="$root/.build/bench"
blas_threshold="${FAISS_BLAS_THRESHOLD:-}"
out="$bench/faiss-comparison${blas_threshold:+-blas$blas_threshold}.json"
faiss_args=()
[[ -n "$blas_threshold" ]] && faiss_args=(--blas-threshold "$blas_threshold")
sizes="${SIZES-10000 100000}"
coretypes="${CORETYPES:-SkylakeX}"
single="${SINGLE:-1000}"
dimension=384

die() { echo "compare-faiss: $*" >&2; exit 1; }

# --- machine ---------------------------------------------------------------
source Scripts/peers/machine.sh

python="$(Scripts/peers/setup-venv.sh)"
mkdir -p "$bench"

# --- data ------------------------------------------------------------------
make_vectors() {  # file count seed
    if [[ -f "$1" && -f "$1.json" ]] && "$python" - "$1.json" "$2" "$dimension" "$3" <<'PY'
import json, sys
shape = json.load(open(sys.argv[1]))
want = {"count": int(sys.argv[2]), "dimension": int(sys.argv[3]), "seed": int(sys.argv[4])}
sys.exit(0 if all(shape.get(k) == v for k, v in want.items()) else 1)
PY
    then
        echo "compare-faiss: reusing $1" >&2
    else
        echo "compare-faiss: writing $1 ($2 x $dimension, seed $3)" >&2
        "$python" Scripts/peers/make_vectors.py --out "$1" --count "$2" --dimension "$dimension" --seed "$3"
    fi
}
queries="${QUERIES:-$bench/queries.f32}"
[[ -n "${QUERIES:-}" ]] || make_vectors "$queries" 1024 2
[[ -f "$queries" && -f "$queries.json" ]] || die "no query file $queries (with its shape in $queries.json)"
datasets=()
for size in $sizes; do
    make_vectors "$bench/vectors-$size.f32" "$size" 1
    datasets+=("$size=$bench/vectors-$size.f32")
done
for file in ${VECTOR_FILES:-}; do
    [[ -f "$file" && -f "$file.json" ]] || die "no vector file $file (with its shape in $file.json)"
    datasets+=("$(basename "$file" .f32)=$file")
done

# --- evident: build once, unpinned (the pinned runs below then only run) -----
echo "compare-faiss: building VectorBenchmarks (release)" >&2
(cd Benchmarks && swift package --allow-writing-to-package-directory benchmark list --target VectorBenchmarks >/dev/null) \
    || die "building the VectorBenchmarks suite failed"

runs=()
for dataset in "${datasets[@]}"; do
    size="${dataset%%=*}"
    vectors="${dataset#*=}"
    for coretype in $coretypes; do
        label="$size-$coretype${blas_threshold:+-blas$blas_threshold}"
        coreenv=()
        [[ "$coretype" != "default" ]] && coreenv=(OPENBLAS_CORETYPE="$coretype")

        echo "compare-faiss: $size vectors, OPENBLAS_CORETYPE=$coretype: faiss" >&2
        env ${coreenv[@]+"${coreenv[@]}"} ${pin[@]+"${pin[@]}"} "$python" Scripts/peers/faiss_flat.py \
            --vectors "$vectors" --queries "$queries" --single-queries "$single" ${faiss_args[@]+"${faiss_args[@]}"} > "$bench/faiss-$label.json" \
            || die "faiss_flat.py failed"

        echo "compare-faiss: $size vectors, OPENBLAS_CORETYPE=$coretype: evident" >&2
        export_dir="$bench/evident-$label"
        rm -rf "$export_dir"
        mkdir -p "$export_dir"
        (cd Benchmarks && env ${coreenv[@]+"${coreenv[@]}"} EVIDENT_BENCH_VECTORS="$vectors" \
            EVIDENT_BENCH_QUERIES="$queries" ${pin[@]+"${pin[@]}"} \
            swift package --allow-writing-to-package-directory benchmark --target VectorBenchmarks \
            --filter '^fp32(-plain)?/file/.*/t1$' --format histogramPercentiles --path "$export_dir" --no-progress \
            >"$export_dir/log.txt" 2>&1) || die "VectorBenchmarks failed (its output: $export_dir/log.txt)"
        runs+=("$size,$coretype,$bench/faiss-$label.json,$export_dir")
    done
done

# --- combine and print -----------------------------------------------------
"$python" - "$out" "${model:-unknown}" "$cores" "${#pin[@]}" "${runs[@]}" <<'PY'
import glob
import json
import os
import sys

out_path, model, cores, pinned, *runs = sys.argv[1:]


def evident_percentiles(directory, name, required=True):
    """p50 and p99 of the wall clock, in microseconds, from package-benchmark's percentile export."""
    # File: <baseline>.VectorBenchmarks.<name with / as _>.wallClock.histogram.percentiles.tsv
    pattern = os.path.join(directory, f"*.VectorBenchmarks.{name.replace('/', '_')}.wallClock.histogram.percentiles.tsv")
    files = glob.glob(pattern)
    if not files and not required:
        return None
    if not files:
        sys.exit(f"compare-faiss: no export matching {pattern} (see {directory}/log.txt)")
    lines = open(files[0], encoding="utf-8").read().splitlines()
    header, rows = lines[0], [line.split("\t") for line in lines[1:] if line.strip()]
    if "μs" not in header and "us" not in header:
        sys.exit(f"compare-faiss: {files[0]} is not in microseconds: {header!r}")
    values = {int(p): float(v) for p, v in rows}
    return values[50], values[99]


table = []
combined = {
    "machine": {"cpu": model, "cores": int(cores) if cores.isdigit() else cores, "pinned_to_core_0": pinned != "0"},
    "runs": [],
}
for run in runs:
    size, coretype, faiss_path, evident_dir = run.split(",")
    faiss = json.load(open(faiss_path, encoding="utf-8"))
    combined.setdefault("faiss_version", faiss["version"])
    combined.setdefault("faiss_compile_options", faiss["compile_options"])
    combined.setdefault("faiss_blas_threshold", faiss.get("blas_threshold"))
    entry = {"data": size, "count": faiss.get("count"), "openblas_coretype": coretype, "measurements": {}}
    for key, queries in (("single", 1), ("batch16", 16), ("batch64", 64), ("batch256", 256)):
        e50, e99 = evident_percentiles(evident_dir, f"fp32/file/{key}/t1")
        plain = evident_percentiles(evident_dir, f"fp32-plain/file/{key}/t1", required=False)
        f50, f99 = faiss[key]["p50_us"], faiss[key]["p99_us"]
        measurement = {
            "queries_per_call": queries,
            "evident_p50_us": e50, "evident_p99_us": e99,
            "faiss_p50_us": f50, "faiss_p99_us": f99,
            "evident_qps": queries * 1e6 / e50, "faiss_qps": queries * 1e6 / f50,
            "faiss_over_evident_p50": f50 / e50,
        }
        if plain:
            measurement.update({"evident_plain_p50_us": plain[0], "evident_plain_p99_us": plain[1],
                                "faiss_over_evident_plain_p50": f50 / plain[0]})
        entry["measurements"][key] = measurement
        table.append((size, coretype, key, measurement))
    combined["runs"].append(entry)

with open(out_path, "w", encoding="utf-8") as handle:
    json.dump(combined, handle, indent=2)
    handle.write("\n")

print(f"FAISS {combined.get('faiss_version')} ({combined.get('faiss_compile_options')}), IndexFlatIP, 1 thread; "
      f"distance_compute_blas_threshold {combined.get('faiss_blas_threshold')}; Evident FlatVectorIndex, threadCount 1; top 10; 384 dimensions")
header = ("vectors", "OPENBLAS_CORETYPE", "call", "evident p50 µs", "faiss p50 µs", "evident p99 µs", "faiss p99 µs",
          "evident q/s", "faiss q/s", "faiss/evident", "plain p50 µs", "faiss/plain")
rows = [(s, c, k, f"{m['evident_p50_us']:.0f}", f"{m['faiss_p50_us']:.0f}", f"{m['evident_p99_us']:.0f}",
         f"{m['faiss_p99_us']:.0f}", f"{m['evident_qps']:.0f}", f"{m['faiss_qps']:.0f}",
         f"{m['faiss_over_evident_p50']:.2f}x",
         f"{m['evident_plain_p50_us']:.0f}" if "evident_plain_p50_us" in m else "-",
         f"{m['faiss_over_evident_plain_p50']:.2f}x" if "faiss_over_evident_plain_p50" in m else "-")
        for s, c, k, m in table]
widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
for row in [header, tuple("-" * w for w in widths)] + rows:
    print("  ".join(str(cell).ljust(w) if i < 3 else str(cell).rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
print()
print("faiss/evident: FAISS's p50 time per call over Evident's; above 1 means Evident is faster.")
print("evident: exact search as users get it (the bfloat16 screen where the CPU has AMX, then exact fp32);")
print("plain: Evident scoring every vector in fp32 (its path without AMX).")
print(f"written: {out_path}")
PY
