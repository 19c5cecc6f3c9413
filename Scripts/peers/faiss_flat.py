#!/usr/bin/env python3
"""Exact inner-product search with FAISS IndexFlatIP: single-query latency and batch throughput.

The peer of Evident's FlatVectorIndex in Scripts/compare-faiss.sh. Reads the vectors and
queries in the format Scripts/peers/make_vectors.py writes (raw little-endian float32,
row-major; shape in FILE.json as {"count": N, "dimension": D}), builds IndexFlatIP,
and measures, on --threads OpenMP threads (default 1, via faiss.omp_set_num_threads):

  single   one index.search call per query, --single-queries of them cycling through the
           queries (after --warmup untimed calls): p50, p99, mean latency in microseconds
           and queries per second (1 / mean). Includes the Python/SWIG call overhead of a
           search call (a few microseconds), which a Python user of FAISS pays too.
  batchN   for N in --batches: one index.search call per batch of N consecutive queries
           (cycling), timed for at least --batch-seconds and --batch-repeats calls:
           p50 and mean time per batch in microseconds, queries per second (N / mean).

Prints one JSON object on stdout.

    faiss_flat.py --vectors .build/bench/vectors-10k.f32 --queries .build/bench/queries.f32
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def read_vectors(path):
    try:
        with open(path + ".json", encoding="utf-8") as handle:
            shape = json.load(handle)
        count, dimension = int(shape["count"]), int(shape["dimension"])
    except (OSError, ValueError, KeyError) as error:
        sys.exit(f"faiss_flat: cannot read the shape of {path} from {path}.json: {error}")
    data = np.fromfile(path, dtype="<f4")
    if data.size != count * dimension:
        sys.exit(f"faiss_flat: {path} holds {data.size} floats, {path}.json says {count} x {dimension}")
    return np.ascontiguousarray(data.reshape(count, dimension), dtype=np.float32)


def percentile(sorted_values, p):
    # Nearest rank: the smallest value with at least p% of the values at or below it.
    rank = max(1, int(np.ceil(p / 100.0 * len(sorted_values))))
    return sorted_values[rank - 1]


def summary(nanoseconds, queries_per_call):
    values = sorted(nanoseconds)
    mean = statistics.fmean(values)
    return {
        "calls": len(values),
        "p50_us": percentile(values, 50) / 1e3,
        "p99_us": percentile(values, 99) / 1e3,
        "mean_us": mean / 1e3,
        "min_us": values[0] / 1e3,
        "queries_per_second": queries_per_call * 1e9 / mean,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--single-queries", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batches", default="16,64,256")
    parser.add_argument("--batch-seconds", type=float, default=2.0)
    parser.add_argument("--batch-repeats", type=int, default=5)
    parser.add_argument("--blas-threshold", type=int, default=None,
                        help="set faiss.cvar.distance_compute_blas_threshold: searches of at least this many "
                             "queries use BLAS sgemm (FAISS 1.15.1's default is 128000, so batches never do)")
    args = parser.parse_args()

    import faiss  # after argument parsing, so --help works without it

    faiss.omp_set_num_threads(args.threads)
    if args.blas_threshold is not None:
        faiss.cvar.distance_compute_blas_threshold = args.blas_threshold
    vectors = read_vectors(args.vectors)
    queries = read_vectors(args.queries)
    if vectors.shape[1] != queries.shape[1]:
        sys.exit(f"faiss_flat: vectors have {vectors.shape[1]} elements, queries {queries.shape[1]}")
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    result = {
        "engine": "faiss",
        "version": faiss.__version__,
        "compile_options": faiss.get_compile_options().strip(),
        "index": "IndexFlatIP",
        "threads": args.threads,
        "omp_max_threads": faiss.omp_get_max_threads(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blas_threshold": faiss.cvar.distance_compute_blas_threshold,
        "count": int(vectors.shape[0]),
        "dimension": int(vectors.shape[1]),
        "query_count": int(queries.shape[0]),
        "k": args.k,
    }

    # One query per call. Each query is a 1 x D view, made before timing.
    singles = [queries[i : i + 1] for i in range(queries.shape[0])]
    for i in range(args.warmup):
        index.search(singles[i % len(singles)], args.k)
    timings = []
    clock = time.perf_counter_ns
    for i in range(args.single_queries):
        query = singles[i % len(singles)]
        start = clock()
        index.search(query, args.k)
        timings.append(clock() - start)
    result["single"] = summary(timings, 1)

    for size in (int(s) for s in args.batches.split(",") if s):
        count = max(1, queries.shape[0] // size)
        batches = [np.ascontiguousarray(queries[np.arange(b * size, b * size + size) % queries.shape[0]])
                   for b in range(count)]
        index.search(batches[0], args.k)  # warm-up
        timings = []
        deadline = time.perf_counter() + args.batch_seconds
        i = 0
        while len(timings) < args.batch_repeats or time.perf_counter() < deadline:
            batch = batches[i % len(batches)]
            start = clock()
            index.search(batch, args.k)
            timings.append(clock() - start)
            i += 1
        result[f"batch{size}"] = summary(timings, size)

    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
