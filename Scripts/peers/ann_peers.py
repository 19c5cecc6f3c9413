#!/usr/bin/env python3
"""Approximate-search peers on the synthetic corpora of `evident bench --ann-sizes`.

For each size N the input folder holds what Evident searched (written by `evident bench --ann-sizes N
--compare-peers`): ann-N.f32 (the corpus, unit vectors), ann-queries-N.f32 (the queries) and ann-truth-N.i32
(each query's exact top 10, int32 row numbers, best first), each with a FILE.json shape. Every peer is built on
the corpus with --build-threads threads, then searched at growing breadths on one thread, all queries in one
call (so no Python call is timed per query), until recall@10 reaches 0.999:

    faiss IndexHNSWFlat      M 32, efConstruction 200 (Evident's settings), efSearch 10 ... 512
    faiss IndexIVFFlat       4 sqrt(N) lists (Evident's count), k-means on 64 vectors a list, 10 iterations
                             (Evident's), nprobe 1 ... 512
    faiss IndexIVFScalarQuantizer + IndexRefineFlat   the same lists, each dimension coded in 8 bits (QT_8bit),
                             the best 40 re-scored with the fp32 vectors: Evident's IVF's own recipe, nprobe 1 ... 512
    faiss IndexIVFPQ         the same lists, 48 sub-quantizers of 8 bits (48 bytes a vector), nprobe 1 ... 512
    faiss IndexIVFPQ + IndexRefineFlat   the best 40 of IVFPQ re-scored with the fp32 vectors (as Evident's IVF
                             re-scores its best 40 int8 candidates), nprobe 1 ... 512
    hnswlib HNSW             M 32, ef_construction 200, ef 10 ... 512
    usearch HNSW             connectivity 32, expansion_add 200, expansion_search 10 ... 512

Each result: build seconds and threads, bytes per vector (the serialized index, vectors included), and per
breadth recall@10 against the truth file and queries per second. Output: a JSON list in the shape of Evident's
report (engine, method, settings, vectors, build_seconds, build_threads, bytes_per_vector, breadth_name,
points: [{breadth, recall_at_10, qps}]). Used by bench_peers.py (its `approximate` key); run alone as

    Scripts/.venv/bin/python Scripts/peers/ann_peers.py --input DIR --sizes 1000000 --out FILE.json
"""

import argparse
import gc
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

K = 10
GRAPH_M = 32
EF_CONSTRUCTION = 200
WIDTHS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
PROBES = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
ENOUGH_RECALL = 0.999
PQ_SUBQUANTIZERS = 48
REFINE_FACTOR = 4
TRAINING_PER_LIST = 64
KMEANS_ITERATIONS = 10
METHODS = ("faiss-hnsw", "faiss-ivfflat", "faiss-ivfsq", "faiss-ivfpq", "hnswlib", "usearch")


def progress(message):
    print(f"ann_peers: {message}", file=sys.stderr, flush=True)


def read_matrix(path, dtype):
    shape_path = Path(str(path) + ".json")
    if not path.is_file() or not shape_path.is_file():
        sys.exit(f"ann_peers: missing {path} or {shape_path} (written by evident bench --ann-sizes --compare-peers)")
    shape = json.loads(shape_path.read_text())
    count, dimension = int(shape["count"]), int(shape["dimension"])
    data = np.fromfile(path, dtype=dtype)
    if data.size != count * dimension:
        sys.exit(f"ann_peers: {path} holds {data.size} values; its shape file says {count} x {dimension}")
    return data.reshape(count, dimension)


def recall(found, truth):
    hits = 0
    for row, wanted in zip(found, truth):
        hits += len(set(int(x) for x in row if x >= 0) & set(int(x) for x in wanted if x >= 0))
    return hits / max(1, int((truth >= 0).sum()))


def sweep(breadths, set_breadth, search, queries, truth):
    """Searches all queries at each breadth (one call, timed), until recall is high enough."""
    points = []
    for breadth in breadths:
        set_breadth(breadth)
        search(queries[:20])  # untimed: first touches
        started = time.perf_counter()
        found = search(queries)
        seconds = time.perf_counter() - started
        value = recall(found, truth)
        points.append({"breadth": breadth, "recall_at_10": round(value, 5),
                       "qps": round(len(queries) / seconds, 1)})
        progress(f"  {breadth}: recall@10 {value:.4f}, {len(queries) / seconds:.0f} queries/s")
        if value >= ENOUGH_RECALL:
            break
    return points


def result(engine, method, settings, count, build_seconds, build_threads, stored_bytes, breadth_name, points):
    return {"engine": engine, "method": method, "settings": settings, "vectors": count,
            "build_seconds": round(build_seconds, 3), "build_threads": build_threads,
            "bytes_per_vector": round(stored_bytes / count, 1), "breadth_name": breadth_name, "points": points}


def saved_bytes(save, name):
    """The size of the file `save(path)` writes."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        save(path)
        return os.path.getsize(path)


def faiss_bytes(faiss, index):
    return int(faiss.serialize_index(index).nbytes)


def faiss_results(faiss, corpus, queries, truth, threads, methods):
    count, dimension = corpus.shape
    results = []

    def search_with(index):
        def run(batch):
            faiss.omp_set_num_threads(1)
            return index.search(batch, K)[1]
        return run

    if "faiss-hnsw" in methods:
        progress(f"faiss IndexHNSWFlat: building over {count} vectors on {threads} thread(s)")
        faiss.omp_set_num_threads(threads)
        index = faiss.IndexHNSWFlat(dimension, GRAPH_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        started = time.perf_counter()
        index.add(corpus)
        seconds = time.perf_counter() - started
        progress(f"  built in {seconds:.1f} s")
        points = sweep(WIDTHS, lambda ef: setattr(index.hnsw, "efSearch", ef), search_with(index), queries, truth)
        results.append(result("faiss", "IndexHNSWFlat", f"M {GRAPH_M}, efConstruction {EF_CONSTRUCTION}", count,
                              seconds, threads, faiss_bytes(faiss, index), "efSearch", points))
        del index
        gc.collect()

    lists = max(1, min(count, round(4 * math.sqrt(count))))
    probes = [p for p in PROBES if p <= lists]

    def trained(index):
        index.cp.niter = KMEANS_ITERATIONS
        index.cp.max_points_per_centroid = TRAINING_PER_LIST
        index.cp.seed = 1
        faiss.omp_set_num_threads(threads)
        started = time.perf_counter()
        index.train(corpus)
        index.add(corpus)
        return time.perf_counter() - started

    if "faiss-ivfflat" in methods:
        progress(f"faiss IndexIVFFlat: {lists} lists over {count} vectors on {threads} thread(s)")
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)
        seconds = trained(index)
        progress(f"  built in {seconds:.1f} s")
        points = sweep(probes, lambda p: setattr(index, "nprobe", p), search_with(index), queries, truth)
        results.append(result("faiss", "IndexIVFFlat",
                              f"{lists} lists, k-means on {TRAINING_PER_LIST} a list, {KMEANS_ITERATIONS} iterations",
                              count, seconds, threads, faiss_bytes(faiss, index), "nprobe", points))
        del index, quantizer
        gc.collect()

    if "faiss-ivfsq" in methods:
        progress(f"faiss IndexIVFScalarQuantizer + IndexRefineFlat: {lists} lists of 8-bit codes over {count} vectors")
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dimension, lists, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        seconds = trained(index)
        refined = faiss.IndexRefineFlat(index, faiss.swig_ptr(corpus))
        refined.k_factor = REFINE_FACTOR
        progress(f"  built in {seconds:.1f} s")
        points = sweep(probes, lambda p: setattr(index, "nprobe", p), search_with(refined), queries, truth)
        results.append(result("faiss", "IndexIVFScalarQuantizer + IndexRefineFlat",
                              f"{lists} lists, 8-bit codes per dimension, best {REFINE_FACTOR * K} re-scored in fp32",
                              count, seconds, threads, faiss_bytes(faiss, index) + 4 * dimension * count, "nprobe",
                              points))
        del refined, index, quantizer
        gc.collect()

    if "faiss-ivfpq" in methods and dimension % PQ_SUBQUANTIZERS == 0:
        progress(f"faiss IndexIVFPQ: {lists} lists, PQ{PQ_SUBQUANTIZERS}x8 over {count} vectors")
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFPQ(quantizer, dimension, lists, PQ_SUBQUANTIZERS, 8, faiss.METRIC_INNER_PRODUCT)
        seconds = trained(index)
        progress(f"  built in {seconds:.1f} s")
        points = sweep(probes, lambda p: setattr(index, "nprobe", p), search_with(index), queries, truth)
        settings = f"{lists} lists, {PQ_SUBQUANTIZERS} sub-quantizers of 8 bits"
        results.append(result("faiss", "IndexIVFPQ", settings, count, seconds, threads,
                              faiss_bytes(faiss, index), "nprobe", points))
        progress(f"faiss IndexIVFPQ + IndexRefineFlat: the best {REFINE_FACTOR * K} re-scored in fp32")
        started = time.perf_counter()
        refined = faiss.IndexRefineFlat(index, faiss.swig_ptr(corpus))
        refined.k_factor = REFINE_FACTOR
        refine_seconds = time.perf_counter() - started
        points = sweep(probes, lambda p: setattr(index, "nprobe", p), search_with(refined), queries, truth)
        results.append(result("faiss", "IndexIVFPQ + IndexRefineFlat",
                              settings + f", best {REFINE_FACTOR * K} re-scored in fp32", count,
                              seconds + refine_seconds, threads,
                              faiss_bytes(faiss, index) + 4 * dimension * count, "nprobe", points))
        del refined, index, quantizer
        gc.collect()
    return results


def hnswlib_result(corpus, queries, truth, threads):
    import hnswlib
    count, dimension = corpus.shape
    progress(f"hnswlib: building over {count} vectors on {threads} thread(s)")
    index = hnswlib.Index(space="ip", dim=dimension)
    started = time.perf_counter()
    index.init_index(max_elements=count, M=GRAPH_M, ef_construction=EF_CONSTRUCTION, random_seed=1)
    index.add_items(corpus, np.arange(count), num_threads=threads)
    seconds = time.perf_counter() - started
    progress(f"  built in {seconds:.1f} s")
    stored = saved_bytes(index.save_index, "index.bin")
    points = sweep([w for w in WIDTHS if w >= K], index.set_ef,
                   lambda batch: index.knn_query(batch, k=K, num_threads=1)[0], queries, truth)
    return result("hnswlib", "HNSW", f"M {GRAPH_M}, ef_construction {EF_CONSTRUCTION}", count, seconds, threads,
                  stored, "ef", points)


def usearch_result(corpus, queries, truth, threads):
    from usearch.index import Index
    count, dimension = corpus.shape
    progress(f"usearch: building over {count} vectors on {threads} thread(s)")
    index = Index(ndim=dimension, metric="ip", dtype="f32", connectivity=GRAPH_M, expansion_add=EF_CONSTRUCTION)
    started = time.perf_counter()
    index.add(np.arange(count, dtype=np.uint64), corpus, threads=threads)
    seconds = time.perf_counter() - started
    progress(f"  built in {seconds:.1f} s")
    stored = saved_bytes(index.save, "index.usearch")

    def search(batch):
        return np.asarray(index.search(batch, K, threads=1).keys, dtype=np.int64)

    points = sweep(WIDTHS, lambda ef: setattr(index, "expansion_search", ef), search, queries, truth)
    return result("usearch", "HNSW", f"connectivity {GRAPH_M}, expansion_add {EF_CONSTRUCTION}", count, seconds,
                  threads, stored, "expansion_search", points)


def approximate_results(directory, sizes, threads, methods=METHODS):
    import faiss
    results = []
    for size in sizes:
        corpus = np.ascontiguousarray(read_matrix(directory / f"ann-{size}.f32", np.float32))
        queries = np.ascontiguousarray(read_matrix(directory / f"ann-queries-{size}.f32", np.float32))
        truth = read_matrix(directory / f"ann-truth-{size}.i32", np.int32)
        if queries.shape[1] != corpus.shape[1] or truth.shape[0] != queries.shape[0]:
            sys.exit(f"ann_peers: the files of size {size} do not match (corpus {corpus.shape}, queries "
                     f"{queries.shape}, truth {truth.shape})")
        progress(f"size {size}: {corpus.shape[0]} x {corpus.shape[1]}, {queries.shape[0]} queries")
        results += faiss_results(faiss, corpus, queries, truth, threads, methods)
        if "hnswlib" in methods:
            results.append(hnswlib_result(corpus, queries, truth, threads))
            gc.collect()
        if "usearch" in methods:
            results.append(usearch_result(corpus, queries, truth, threads))
            gc.collect()
        del corpus
        gc.collect()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, type=Path, help="the peers' input folder of evident bench")
    parser.add_argument("--sizes", required=True, help="comma-separated sizes (their ann-N files must exist)")
    parser.add_argument("--build-threads", type=int, default=os.cpu_count() or 1, help="threads that build")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated: " + ", ".join(METHODS))
    parser.add_argument("--out", required=True, type=Path, help="the JSON file to write")
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    methods = {part.strip() for part in args.methods.split(",") if part.strip()}
    if methods - set(METHODS):
        parser.error(f"--methods: unknown {sorted(methods - set(METHODS))}")
    results = approximate_results(args.input, sizes, max(1, args.build_threads), methods)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    progress(f"{len(results)} results written to {args.out}")


if __name__ == "__main__":
    main()
