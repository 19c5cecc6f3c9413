#!/usr/bin/env python3
"""Peer engines on the data of an `evident bench` run: FAISS (flat, HNSW), bm25s, rank_bm25.

`evident bench --compare-peers` writes an input folder and runs this (through
Scripts/bench-peers.sh, which sets up Scripts/.venv) so that the peers are measured
on the same passages, queries and vectors, in the same run, as Evident.

    bench_peers.py --input DIR --out OUT.json [--sizes 10000,100000,1000000] [--threads N] [--quick]

Input folder
    passages.jsonl           one JSON object a line: {"id": "<string>", "text": "<indexed text>"}
    queries.txt              one query a line (UTF-8; a trailing newline is optional)
    vectors.f32 (+ .json)    the passages' vectors; raw little-endian float32, row-major,
                             with {"count": N, "dimension": D} in vectors.f32.json (the format of
                             make_vectors.py / export_vectors.py); unit length, searched by inner product
    query-vectors.f32 (+ .json)  the queries embedded, in the order of queries.txt (same dimension)

Measurements (each on --threads threads, default 1, unless said otherwise)
    faiss IndexFlatIP, data "index": vectors.f32; single queries (one search call per query,
        k 10) and batches of 64 queries per call.
    faiss IndexHNSWFlat, data "index": M 32, efConstruction 200, inner-product metric, built on
        --threads threads (build_seconds); single queries at efSearch 64; recall_at_10 = mean over
        all queries of |HNSW top 10 ∩ IndexFlatIP top 10| / 10.
    bm25s, data "index": method "lucene", k1 0.9, b 0.4, English stopwords, PyStemmer English
        stemmer (as bm25s_scifact.py); build_seconds = tokenize + index of passages.jsonl's text;
        single queries (tokenize + retrieve top 10, one query per call, n_threads 0); one batched
        call over all queries (tokenize + retrieve, n_threads = --threads, 0 when 1), timed several
        times.
    rank_bm25 BM25Okapi, data "index": the tokens of bm25s's tokenizer (same settings), k1 0.9,
        b 0.4 (epsilon 0.25, its default); single queries (tokenize + get_scores + top 10 by
        argpartition); only --rank-bm25-queries of them (default 30), each once: it scores every
        passage in Python; build_seconds = building BM25Okapi from the tokens (tokenizing not
        included); agreement_at_10 = mean share of its top 10 in bm25s's top 10 for the same
        queries (a check of the shared tokenization; below 1 as the idf formulas differ).
    faiss IndexFlatIP, data "synthetic": for each of --sizes, seeded random unit vectors of the
        real vectors' dimension (make_vectors.py's generator: seed 1 for the data, seed 2 for
        --sweep-queries queries, so `make_vectors.py --count N --seed 1` writes the same vectors);
        single queries at 1 thread, at --threads, and at every usable core; each size is freed
        before the next. --sweep-batch B adds batches of B queries per call.

Timing: per measurement, --warmup untimed calls (cycling through the queries), then timed
calls cycling through the queries until at least --min-samples calls AND --min-seconds have
passed, stopping early at --max-seconds (but never before 20 timed calls). A call is timed
with time.perf_counter_ns around the Python call, so FAISS's figures include the few
microseconds of a Python/SWIG call. Percentiles are nearest-rank over the timed calls
(per call: for a batch row, per batch); qps = queries answered / total timed seconds.
Defaults: 10 warm-up calls, 200 samples, 2 s minimum, 10 s maximum. --quick (for tests):
sizes 10000,100000, 3 warm-up calls, 50 samples, 0.3 s minimum, 2 s maximum, 10 rank_bm25
queries (the HNSW settings stay). --skip flat,hnsw,bm25s,rank_bm25,sweep,ann leaves parts out.
--ann-sizes N (with --build-threads T) also runs ann_peers.py on the ann-N files of the input folder; its results
go under the output's "approximate" key.

Threads: OMP/OpenBLAS/MKL thread variables are set to --threads before numpy is imported;
FAISS's OpenMP threads are set per measurement with faiss.omp_set_num_threads. Nothing is
pinned to a core (the all-cores rows need every core); "machine" records the load average
at the start and the end, as the machine may be shared.

Output (one JSON object, written to --out; progress lines go to stderr)
    {"schema": 1,
     "machine": {"cpu": str, "cpu_flags": [SIMD extensions present], "cores": int (usable by
                 this process), "logical_cpus": int, "memory_bytes": int, "platform": str,
                 "loadavg_start": [1, 5, 15 min], "loadavg_end": [1, 5, 15 min]},
     "versions": {"python", "faiss", "faiss_compile_options", "bm25s", "rank_bm25", "numpy", "pystemmer"},
     "input": {"directory", "passages", "queries", "vectors": {"count", "dimension"},
               "query_vectors": {"count", "dimension"}},
     "run": {"started": ISO 8601 UTC, "seconds": wall time, "quick": bool, "threads": --threads,
             "cores": usable cores (the sweep's "all threads"), "pinned": false,
             "timing": {warmup, min_samples, min_seconds, max_seconds}},
     "results": [ {
         "engine": "faiss" | "bm25s" | "rank_bm25",
         "method": "IndexFlatIP" | "IndexHNSWFlat" | "lucene" | "BM25Okapi",
         "kind": "dense" | "lexical",
         "data": "index" | "synthetic",
         "count": vectors or passages searched,
         "dimension": D (dense rows only),
         "threads": threads used for the timed calls,
         "batch": queries per call (1, 64, or all queries for bm25s's batched row),
         "k": 10,
         "queries": distinct queries cycled through,
         "samples": timed calls,
         "p50_us", "p95_us", "p99_us", "max_us", "mean_us": per call, microseconds,
         "qps": queries per second,
         "build_seconds": (optional) index build time (HNSW, bm25s, rank_bm25),
         "build_threads": (optional) threads of the build,
         "recall_at_10": (optional, HNSW) against IndexFlatIP,
         "agreement_at_10": (optional, rank_bm25) top-10 overlap with bm25s,
         "settings": {...} (optional: M, efConstruction, efSearch, metric, k1, b, stopwords, ...)
     }, ... ]}

Exit status: 0 on success; 1 with a message naming the file on a missing or malformed
input, a shape mismatch, or a peer that cannot be imported.
"""

import os
import sys

PROG = "bench_peers"


def _early_threads(argv):
    """--threads from the command line, before argparse (the env vars must precede numpy)."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
        if value is not None:
            try:
                return max(1, int(value))
            except ValueError:
                return 1
    return 1


# Must happen before numpy (imported by faiss and bm25s) is loaded.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = str(_early_threads(sys.argv[1:]))

import argparse
import datetime
import gc
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_vectors import unit_vector_blocks  # noqa: E402  (after the thread variables)

K = 10
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 64
BM25_METHOD = "lucene"
BM25_K1 = 0.9
BM25_B = 0.4
BATCH = 64
DATA_SEED = 1
QUERY_SEED = 2
MIN_TIMED_CALLS = 20
# The vector-relevant instruction set extensions recorded in "machine.cpu_flags".
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
              "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve")


def fail(message):
    sys.exit(f"{PROG}: {message}")


def progress(message):
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------- input

def read_vector_file(path):
    """A raw float32 file and its FILE.json shape -> (count, dimension) float32 array."""
    shape_path = Path(str(path) + ".json")
    if not path.is_file():
        fail(f"missing input file {path}")
    if not shape_path.is_file():
        fail(f"missing input file {shape_path} (the shape of {path.name}: {{\"count\": N, \"dimension\": D}})")
    try:
        shape = json.loads(shape_path.read_text(encoding="utf-8"))
        count, dimension = int(shape["count"]), int(shape["dimension"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        fail(f"{shape_path}: cannot read {{\"count\": N, \"dimension\": D}}: {error}")
    if count <= 0 or dimension <= 0:
        fail(f"{shape_path}: count {count} and dimension {dimension} must be positive")
    size = path.stat().st_size
    if size != count * dimension * 4:
        fail(f"{path} holds {size} bytes, {shape_path.name} says {count} x {dimension} float32 "
             f"= {count * dimension * 4} bytes")
    data = np.fromfile(path, dtype="<f4").reshape(count, dimension)
    data = np.ascontiguousarray(data, dtype=np.float32)
    if not np.isfinite(data).all():
        fail(f"{path} holds NaN or infinite values")
    norms = np.linalg.norm(data, axis=1)
    off = int(np.count_nonzero(np.abs(norms - 1.0) > 1e-2))
    if off:
        progress(f"warning: {off} of {count} vectors in {path} are not of unit length "
                 f"(norms {norms.min():.4f}..{norms.max():.4f}); searching by inner product anyway")
    return data


def read_passages(path):
    if not path.is_file():
        fail(f"missing input file {path}")
    ids, texts = [], []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
            except json.JSONDecodeError as error:
                fail(f"{path}:{line_number}: invalid JSON: {error}")
            except (KeyError, TypeError):
                fail(f"{path}:{line_number}: expected an object with a \"text\" string")
            if not isinstance(text, str):
                fail(f"{path}:{line_number}: \"text\" is not a string")
            ids.append(str(record.get("id", line_number)))
            texts.append(text)
    if len(texts) < K:
        fail(f"{path} holds {len(texts)} passages; at least {K} are needed for top {K}")
    return ids, texts


def read_queries(path):
    if not path.is_file():
        fail(f"missing input file {path}")
    text = path.read_text(encoding="utf-8")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        fail(f"{path} holds no queries")
    return lines


# --------------------------------------------------------------------- timing

def percentile(sorted_values, p):
    # Nearest rank: the smallest value with at least p% of the values at or below it.
    rank = max(1, int(np.ceil(p / 100.0 * len(sorted_values))))
    return sorted_values[rank - 1]


class Timing:
    def __init__(self, warmup, min_samples, min_seconds, max_seconds):
        self.warmup, self.min_samples = warmup, min_samples
        self.min_seconds, self.max_seconds = min_seconds, max_seconds

    def as_json(self):
        return {"warmup": self.warmup, "min_samples": self.min_samples,
                "min_seconds": self.min_seconds, "max_seconds": self.max_seconds}

    def run(self, call, inputs, exact=None):
        """Times call(x), cycling through inputs. exact=N: each of the first N inputs once."""
        for i in range(self.warmup):
            call(inputs[i % len(inputs)])
        clock = time.perf_counter_ns
        timings = []
        if exact is not None:
            for x in inputs[:exact]:
                start = clock()
                call(x)
                timings.append(clock() - start)
            return timings
        began = clock()
        min_ns, max_ns = self.min_seconds * 1e9, self.max_seconds * 1e9
        i = 0
        while True:
            x = inputs[i % len(inputs)]
            start = clock()
            call(x)
            end = clock()
            timings.append(end - start)
            i += 1
            elapsed = end - began
            if len(timings) >= self.min_samples and elapsed >= min_ns:
                break
            if elapsed >= max_ns and len(timings) >= MIN_TIMED_CALLS:
                break
        return timings


def summary(timings_ns, queries_per_call):
    values = sorted(timings_ns)
    total = sum(values)
    return {
        "samples": len(values),
        "p50_us": round(percentile(values, 50) / 1e3, 3),
        "p95_us": round(percentile(values, 95) / 1e3, 3),
        "p99_us": round(percentile(values, 99) / 1e3, 3),
        "max_us": round(values[-1] / 1e3, 3),
        "mean_us": round(statistics.fmean(values) / 1e3, 3),
        "qps": round(queries_per_call * len(values) * 1e9 / total, 3),
    }


def row(engine, method, kind, data, count, threads, batch, queries, timings, dimension=None, **extra):
    result = {"engine": engine, "method": method, "kind": kind, "data": data, "count": count}
    if dimension is not None:
        result["dimension"] = dimension
    result.update({"threads": threads, "batch": batch, "k": K, "queries": queries})
    result.update(summary(timings, batch))
    result.update({key: value for key, value in extra.items() if value is not None})
    label = f"{engine} {method} {data} n={count} t={threads} batch={batch}"
    figures = (f"p50 {result['p50_us']:.1f} µs, p99 {result['p99_us']:.1f} µs, "
               f"{result['qps']:.1f} q/s, {result['samples']} calls")
    if "build_seconds" in result:
        figures += f", build {result['build_seconds']:.2f} s"
    if "recall_at_10" in result:
        figures += f", recall@10 {result['recall_at_10']:.4f}"
    if "agreement_at_10" in result:
        figures += f", top-10 agreement with bm25s {result['agreement_at_10']:.4f}"
    progress(f"{label}: {figures}")
    return result


# ---------------------------------------------------------------------- dense

def batches_of(queries, size):
    count = max(1, len(queries) // size)
    return [np.ascontiguousarray(queries[np.arange(b * size, b * size + size) % len(queries)])
            for b in range(count)]


def flat_rows(faiss, index, queries, threads_list, timing, data, batch):
    """IndexFlatIP single queries (and batches of `batch` when > 0) at each thread count."""
    count, dimension = int(index.ntotal), int(index.d)
    singles = [queries[i:i + 1] for i in range(len(queries))]
    results = []
    for threads in threads_list:
        faiss.omp_set_num_threads(threads)
        timings = timing.run(lambda q: index.search(q, K), singles)
        results.append(row("faiss", "IndexFlatIP", "dense", data, count, threads, 1, len(singles),
                           timings, dimension=dimension, settings={"metric": "inner_product"}))
        if batch > 0:
            blocks = batches_of(queries, batch)
            timings = timing.run(lambda q: index.search(q, K), blocks)
            results.append(row("faiss", "IndexFlatIP", "dense", data, count, threads, batch, len(blocks) * batch,
                               timings, dimension=dimension, settings={"metric": "inner_product"}))
    return results


def hnsw_rows(faiss, vectors, queries, threads, timing):
    count, dimension = vectors.shape
    faiss.omp_set_num_threads(threads)
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    _, truth = flat.search(queries, K)
    del flat

    index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    progress(f"faiss IndexHNSWFlat: building over {count} vectors (M {HNSW_M}, "
             f"efConstruction {HNSW_EF_CONSTRUCTION}, {threads} thread(s))")
    start = time.perf_counter()
    index.add(vectors)
    build_seconds = time.perf_counter() - start
    index.hnsw.efSearch = HNSW_EF_SEARCH

    _, found = index.search(queries, K)
    hits = sum(len(set(a[a >= 0].tolist()) & set(b[b >= 0].tolist())) for a, b in zip(found, truth))
    recall = hits / (K * len(queries))

    singles = [queries[i:i + 1] for i in range(len(queries))]
    timings = timing.run(lambda q: index.search(q, K), singles)
    settings = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH,
                "metric": "inner_product", "recall_reference": "IndexFlatIP top 10"}
    result = row("faiss", "IndexHNSWFlat", "dense", "index", count, threads, 1, len(singles), timings,
                 dimension=dimension, build_seconds=round(build_seconds, 4), build_threads=threads,
                 recall_at_10=round(recall, 6), settings=settings)
    del index
    return [result]


def synthetic_rows(faiss, sizes, dimension, query_count, threads_list, timing, batch):
    queries = np.concatenate(list(unit_vector_blocks(query_count, dimension, QUERY_SEED)))
    results = []
    for size in sizes:
        progress(f"synthetic: generating {size} x {dimension} unit vectors (seed {DATA_SEED})")
        index = faiss.IndexFlatIP(dimension)
        for block in unit_vector_blocks(size, dimension, DATA_SEED):  # straight into the index
            index.add(block)
        for result in flat_rows(faiss, index, queries, threads_list, timing, "synthetic", batch):
            result["settings"].update({"data_seed": DATA_SEED, "query_seed": QUERY_SEED,
                                       "generator": "make_vectors.py"})
            results.append(result)
        del index
        gc.collect()
    return results


# -------------------------------------------------------------------- lexical

def bm25s_rows(bm25s, stemmer, texts, queries, threads, timing, shared):
    """Also leaves in `shared`: "corpus_tokens" (strings per passage) and "top10" (per query)."""
    def tokenize(strings):
        return bm25s.tokenize(strings, stopwords="en", stemmer=stemmer, show_progress=False)

    progress(f"bm25s: indexing {len(texts)} passages")
    start = time.perf_counter()
    retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B, method=BM25_METHOD)
    tokenized = tokenize(texts)
    retriever.index(tokenized, show_progress=False)
    build_seconds = time.perf_counter() - start
    # The same tokens as strings, for rank_bm25 (saves tokenizing the corpus twice).
    words = {token_id: word for word, token_id in tokenized.vocab.items()}
    shared["corpus_tokens"] = [[words[token_id] for token_id in document] for document in tokenized.ids]
    del tokenized

    settings = {"method": BM25_METHOD, "k1": BM25_K1, "b": BM25_B, "stopwords": "en",
                "stemmer": "PyStemmer english", "tokenizer": "bm25s.tokenize", "backend": "numpy"}

    def one(text):
        return retriever.retrieve(tokenize([text]), k=K, show_progress=False, n_threads=0)

    results = [row("bm25s", BM25_METHOD, "lexical", "index", len(texts), 1, 1, len(queries),
                   timing.run(one, queries), build_seconds=round(build_seconds, 4), build_threads=1,
                   settings=settings)]

    batch_threads = threads if threads > 1 else 0

    def everything(_):
        return retriever.retrieve(tokenize(queries), k=K, show_progress=False, n_threads=batch_threads)

    # A whole pass per call: fewer calls, same time bounds (at least 3 timed calls).
    batch_timing = Timing(1, 3, timing.min_seconds, timing.max_seconds)
    results.append(row("bm25s", BM25_METHOD, "lexical", "index", len(texts), max(1, batch_threads),
                       len(queries), len(queries), batch_timing.run(everything, [None]),
                       settings={**settings, "n_threads": batch_threads}))
    documents, _ = everything(None)
    shared["top10"] = [set(np.asarray(d).tolist()) for d in documents]
    del retriever
    return results


def rank_bm25_rows(bm25s, stemmer, texts, queries, timed_queries, warmup, shared):
    import rank_bm25

    def tokenize(strings):
        return bm25s.tokenize(strings, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)

    corpus_tokens = shared.pop("corpus_tokens", None) or tokenize(texts)
    progress(f"rank_bm25: building BM25Okapi over {len(texts)} passages")
    start = time.perf_counter()
    model = rank_bm25.BM25Okapi(corpus_tokens, k1=BM25_K1, b=BM25_B)
    build_seconds = time.perf_counter() - start

    def one(text):
        scores = model.get_scores(tokenize([text])[0])
        top = np.argpartition(-scores, K - 1)[:K]
        return top[np.argsort(-scores[top])]

    count = min(timed_queries, len(queries))
    progress(f"rank_bm25: timing {count} queries")
    timings = Timing(warmup, 0, 0, 0).run(one, queries, exact=count)
    agreement = None
    if shared.get("top10"):
        agreement = statistics.fmean(len(set(one(text).tolist()) & shared["top10"][i]) / K
                                     for i, text in enumerate(queries[:count]))
    settings = {"k1": BM25_K1, "b": BM25_B, "epsilon": model.epsilon, "stopwords": "en",
                "stemmer": "PyStemmer english", "tokenizer": "bm25s.tokenize (strings)",
                "top_k": "numpy argpartition over get_scores", "timed_queries": count}
    return [row("rank_bm25", "BM25Okapi", "lexical", "index", len(texts), 1, 1, count, timings,
                build_seconds=round(build_seconds, 4), build_threads=1,
                agreement_at_10=None if agreement is None else round(agreement, 4), settings=settings)]


# ------------------------------------------------------------------------ main

def machine():
    info = {"cpu": None, "cpu_flags": [], "cores": None, "logical_cpus": os.cpu_count(), "memory_bytes": None,
            "platform": platform.platform(), "loadavg_start": None}
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            key = line.split(":", 1)[0].strip().lower()
            if key == "model name" and not info["cpu"]:
                info["cpu"] = line.split(":", 1)[1].strip()
            elif key == "flags" and not info["cpu_flags"]:
                present = set(line.split(":", 1)[1].split())
                info["cpu_flags"] = [flag for flag in SIMD_FLAGS if flag in present]
            if info["cpu"] and info["cpu_flags"]:
                break
    except OSError:
        pass
    if not info["cpu"]:
        info["cpu"] = platform.processor() or platform.machine()
    info["cores"] = usable_cores()
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal:"):
                info["memory_bytes"] = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["loadavg_start"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return info


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, type=Path, help="the folder `evident bench` wrote")
    parser.add_argument("--out", required=True, type=Path, help="the JSON file to write")
    parser.add_argument("--sizes", default=None,
                        help="synthetic sweep sizes, comma-separated (default 10000,100000,1000000; "
                             "--quick 10000,100000; empty: no sweep)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every engine (default 1)")
    parser.add_argument("--quick", action="store_true", help="smaller sweep, fewer repetitions (tests)")
    parser.add_argument("--rank-bm25-queries", type=int, default=None,
                        help="timed rank_bm25 queries (default 30; --quick 10; 0 skips rank_bm25)")
    parser.add_argument("--sweep-queries", type=int, default=100, help="synthetic queries (default 100)")
    parser.add_argument("--sweep-batch", type=int, default=0,
                        help="also time batches of this many queries per call in the sweep (default 0: off)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed calls first (default 10; --quick 3)")
    parser.add_argument("--min-samples", type=int, default=None, help="default 200; --quick 50")
    parser.add_argument("--min-seconds", type=float, default=None, help="default 2; --quick 0.3")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="cap per measurement (default 10; --quick 2); at least 20 calls are timed anyway")
    parser.add_argument("--ann-sizes", default="",
                        help="sizes of the approximate sweep whose ann-N files `evident bench --ann-sizes` wrote "
                             "into the input folder (default: none; see ann_peers.py)")
    parser.add_argument("--build-threads", type=int, default=1,
                        help="threads that build the approximate sweep's indexes (default 1; searches use 1)")
    parser.add_argument("--skip", default="",
                        help="comma-separated parts to leave out: flat, hnsw, bm25s, rank_bm25, sweep, ann")
    args = parser.parse_args()
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    default_sizes = "10000,100000" if args.quick else "10000,100000,1000000"
    try:
        args.sizes = [int(s) for s in (default_sizes if args.sizes is None else args.sizes).split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    if any(size < K for size in args.sizes):
        parser.error(f"--sizes must each be at least {K}")
    if args.rank_bm25_queries is None:
        args.rank_bm25_queries = 10 if args.quick else 30
    defaults = (3, 50, 0.3, 2.0) if args.quick else (10, 200, 2.0, 10.0)
    for name, value in zip(("warmup", "min_samples", "min_seconds", "max_seconds"), defaults):
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - {"flat", "hnsw", "bm25s", "rank_bm25", "sweep", "ann"}
    try:
        args.ann_sizes = [int(s) for s in args.ann_sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--ann-sizes must be comma-separated integers, not {args.ann_sizes!r}")
    if args.build_threads < 1:
        parser.error("--build-threads must be at least 1")
    if unknown:
        parser.error(f"--skip: unknown part(s) {sorted(unknown)}")
    return args


def main():
    args = parse_arguments()
    began = time.perf_counter()
    machine_start = machine()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    try:
        import faiss
        import bm25s
        import rank_bm25  # noqa: F401  (imported again where used; checked here)
        import Stemmer
    except ImportError as error:
        fail(f"cannot import a peer engine ({error}); run with the interpreter of Scripts/.venv "
             f"(Scripts/peers/setup-venv.sh creates it)")

    directory = args.input
    if not directory.is_dir():
        fail(f"input folder {directory} does not exist")
    _, texts = read_passages(directory / "passages.jsonl")
    queries = read_queries(directory / "queries.txt")
    vectors = read_vector_file(directory / "vectors.f32")
    query_vectors = read_vector_file(directory / "query-vectors.f32")
    if query_vectors.shape[1] != vectors.shape[1]:
        fail(f"{directory / 'query-vectors.f32'} has dimension {query_vectors.shape[1]}, "
             f"{directory / 'vectors.f32'} has {vectors.shape[1]}")
    if query_vectors.shape[0] != len(queries):
        fail(f"{directory / 'query-vectors.f32'} holds {query_vectors.shape[0]} vectors, "
             f"{directory / 'queries.txt'} holds {len(queries)} queries (they must correspond line by line)")
    if vectors.shape[0] < K:
        fail(f"{directory / 'vectors.f32'} holds {vectors.shape[0]} vectors; at least {K} are needed")
    if vectors.shape[0] != len(texts):
        progress(f"note: {vectors.shape[0]} vectors, {len(texts)} passages (the dense rows search the vectors)")
    vector_shape = (int(vectors.shape[0]), int(vectors.shape[1]))
    progress(f"input: {len(texts)} passages, {len(queries)} queries, vectors {vectors.shape[0]} x {vectors.shape[1]}")

    timing = Timing(args.warmup, args.min_samples, args.min_seconds, args.max_seconds)
    cores = usable_cores()
    results = []

    if "flat" not in args.skip:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        results += flat_rows(faiss, index, query_vectors, [args.threads], timing, "index", BATCH)
        del index
    if "hnsw" not in args.skip:
        results += hnsw_rows(faiss, vectors, query_vectors, args.threads, timing)
    del vectors
    gc.collect()

    stemmer = Stemmer.Stemmer("english")
    shared = {}
    if "bm25s" not in args.skip:
        results += bm25s_rows(bm25s, stemmer, texts, queries, args.threads, timing, shared)
    if "rank_bm25" not in args.skip and args.rank_bm25_queries > 0:
        results += rank_bm25_rows(bm25s, stemmer, texts, queries, args.rank_bm25_queries, min(2, args.warmup), shared)
    shared.clear()

    if "sweep" not in args.skip and args.sizes:
        threads_list = sorted({1, args.threads, cores})
        results += synthetic_rows(faiss, args.sizes, query_vectors.shape[1], args.sweep_queries,
                                  threads_list, timing, args.sweep_batch)

    approximate = []
    if "ann" not in args.skip and args.ann_sizes:
        from ann_peers import approximate_results
        approximate = approximate_results(directory, args.ann_sizes, args.build_threads)

    machine_info = machine_start
    try:
        machine_info["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        machine_info["loadavg_end"] = None
    output = {
        "schema": 1,
        "machine": machine_info,
        "versions": {name: version for name, version in {
            "python": platform.python_version(),
            "faiss": faiss.__version__,
            "faiss_compile_options": faiss.get_compile_options().strip(),
            "bm25s": bm25s.__version__,
            "rank_bm25": package_version("rank_bm25"),
            "numpy": np.__version__,
            "pystemmer": package_version("PyStemmer"),
            "hnswlib": package_version("hnswlib"),
            "usearch": package_version("usearch"),
        }.items() if version is not None},
        "input": {
            "directory": str(directory.resolve()),
            "passages": len(texts),
            "queries": len(queries),
            "vectors": {"count": vector_shape[0], "dimension": vector_shape[1]},
            "query_vectors": {"count": int(query_vectors.shape[0]), "dimension": int(query_vectors.shape[1])},
        },
        "run": {
            "started": started,
            "seconds": None,
            "quick": args.quick,
            "threads": args.threads,
            "cores": cores,
            "pinned": False,
            "timing": timing.as_json(),
        },
        "results": results,
        "approximate": approximate,
    }
    output["run"]["seconds"] = round(time.perf_counter() - began, 3)

    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(output, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, out)
    progress(f"{len(results)} results in {output['run']['seconds']:.1f} s; written {out}")


def package_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001  (metadata missing: report null)
        return None


if __name__ == "__main__":
    main()
