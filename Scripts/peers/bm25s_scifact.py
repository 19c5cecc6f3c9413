#!/usr/bin/env python3
"""bm25s on SciFact (BEIR format): retrieval quality and single-thread speed.

The peer that Evident's lexical index is measured against (DESIGN.md, "Numbers
to reach"). Run it with the interpreter from Scripts/.venv (setup-venv.sh):

    Scripts/.venv/bin/python Scripts/peers/bm25s_scifact.py [--json]

What it does:
  * reads corpus.jsonl (indexed text = title + " " + text, as BEIR and bm25s do),
    queries.jsonl and qrels/train.tsv from --data;
  * tokenizes with bm25s.tokenize(stopwords="en", English Snowball stemmer from
    PyStemmer), builds a bm25s index (--method/--k1/--b);
  * retrieves the top 100 for every query that the qrels name, drops a hit whose
    document id equals the query id (BEIR's ignore_identical_ids), and computes
    nDCG@10, Recall@100 and MRR@10 with the metric code below;
  * times indexing, one-query-at-a-time search (tokenize + retrieve per query, in
    a loop, as a server answering users does) and one batched call over all
    queries; each figure is the median of --repeat runs after one warm-up run.

Everything runs on one thread: the BLAS/OpenMP thread counts are pinned to 1
before numpy is imported, and bm25s is called with n_threads=0 (a plain map).
"""

import os

# Must happen before numpy (imported by bm25s) is loaded.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import csv
import json
import math
import statistics
import sys
import time
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "scifact"
TOP_K = 100


# --------------------------------------------------------------------------- data

def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{line_number}: invalid JSON: {error}")


def load_corpus(path):
    """Returns (doc_ids, texts); text is title + " " + text, as BEIR/bm25s build it."""
    doc_ids, texts = [], []
    for record in read_jsonl(path):
        doc_ids.append(str(record["_id"]))
        title = record.get("title") or ""
        texts.append(title + " " + (record.get("text") or ""))
    return doc_ids, texts


def load_queries(path):
    return {str(record["_id"]): record["text"] for record in read_jsonl(path)}


def load_qrels(path):
    """qrels TSV with a header row: query-id, corpus-id, score -> {qid: {docid: grade}}."""
    qrels = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None:
            raise SystemExit(f"{path}: empty qrels file")
        for row in reader:
            if not row:
                continue
            query_id, doc_id, grade = row[0], row[1], int(row[2])
            qrels.setdefault(query_id, {})[doc_id] = grade
    return qrels


# ------------------------------------------------------------------------ metrics
#
# Conventions (those of trec_eval, which BEIR calls through pytrec_eval):
#   * a run is ranked by score descending; equal scores are ordered by document
#     id descending (trec_eval compares the ids as strings);
#   * nDCG@k: gain of a document = its judged grade (linear, not 2^g - 1),
#     discount = log2(rank + 1) with rank starting at 1; the ideal DCG sorts all
#     judged grades of the query (not only the retrieved ones) descending;
#   * relevant = judged grade > 0 (for Recall and MRR);
#   * Recall@k = relevant documents in the top k / relevant documents judged;
#   * MRR@k = 1 / rank of the first relevant document in the top k, else 0;
#   * each metric is averaged over the queries that the qrels name.

def rank_run(hits):
    """hits: list of (doc_id, score) -> doc ids ranked as trec_eval ranks them."""
    ordered = sorted(hits, key=lambda hit: hit[0], reverse=True)   # ties: id descending
    ordered.sort(key=lambda hit: hit[1], reverse=True)              # stable: score descending
    return [doc_id for doc_id, _ in ordered]


def ndcg_at_k(ranking, judged, k):
    dcg = 0.0
    for rank, doc_id in enumerate(ranking[:k], 1):
        grade = judged.get(doc_id, 0)
        if grade > 0:
            dcg += grade / math.log2(rank + 1)
    ideal_grades = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(ideal_grades, 1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking, judged, k):
    relevant = {doc_id for doc_id, grade in judged.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking, judged, k):
    for rank, doc_id in enumerate(ranking[:k], 1):
        if judged.get(doc_id, 0) > 0:
            return 1.0 / rank
    return 0.0


def evaluate(runs, qrels):
    """runs: {qid: ranked doc ids}; returns mean metrics over the qrels' queries."""
    ndcg, recall, mrr = [], [], []
    for query_id, judged in qrels.items():
        ranking = runs.get(query_id, [])
        ndcg.append(ndcg_at_k(ranking, judged, 10))
        recall.append(recall_at_k(ranking, judged, 100))
        mrr.append(mrr_at_k(ranking, judged, 10))
    count = len(qrels)
    return {
        "ndcg_at_10": sum(ndcg) / count,
        "recall_at_100": sum(recall) / count,
        "mrr_at_10": sum(mrr) / count,
    }


# ----------------------------------------------------------------------- bm25s

def make_stemmer():
    return Stemmer.Stemmer("english")


def tokenize(texts, stemmer):
    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)


def build_index(texts, args, stemmer):
    retriever = bm25s.BM25(k1=args.k1, b=args.b, method=args.method)
    retriever.index(tokenize(texts, stemmer), show_progress=False)
    return retriever


def search_one(retriever, text, stemmer, k):
    """One user query: tokenize and retrieve, nothing shared with other queries."""
    documents, scores = retriever.retrieve(
        tokenize([text], stemmer), k=k, show_progress=False, n_threads=0)
    return documents[0], scores[0]


def search_batch(retriever, texts, stemmer, k):
    """All queries in one tokenize call and one retrieve call."""
    return retriever.retrieve(
        tokenize(texts, stemmer), k=k, show_progress=False, n_threads=0)


def to_run(query_ids, documents, scores, doc_ids):
    """Index rows -> {qid: ranked doc ids}, dropping a hit whose id equals the query id."""
    runs = {}
    for query_id, row_docs, row_scores in zip(query_ids, documents, scores):
        hits = [(doc_ids[int(d)], float(s)) for d, s in zip(row_docs, row_scores)
                if doc_ids[int(d)] != query_id]
        runs[query_id] = rank_run(hits)
    return runs


def timed(function, repeat):
    """One warm-up call, then the median wall time of `repeat` calls; returns (seconds, last result)."""
    result = function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# ------------------------------------------------------------------------ main

def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="BEIR SciFact folder (default: ../shared/data/scifact beside the repo)")
    parser.add_argument("--qrels", default="qrels/train.tsv",
                        help="qrels file relative to --data (default: qrels/train.tsv)")
    parser.add_argument("--k1", type=float, default=0.9)
    parser.add_argument("--b", type=float, default=0.4)
    parser.add_argument("--method", default="lucene",
                        choices=["lucene", "robertson", "atire", "bm25l", "bm25+"])
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs after one warm-up; the median is reported (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main():
    args = parse_arguments()
    data = args.data.resolve()
    paths = {name: data / name for name in ("corpus.jsonl", "queries.jsonl")}
    paths["qrels"] = data / args.qrels
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        sys.exit("bm25s_scifact: missing data file(s): " + ", ".join(missing))

    doc_ids, texts = load_corpus(paths["corpus.jsonl"])
    all_queries = load_queries(paths["queries.jsonl"])
    qrels = load_qrels(paths["qrels"])
    unknown = sorted(set(qrels) - set(all_queries))
    if unknown:
        sys.exit(f"bm25s_scifact: {len(unknown)} qrels queries absent from queries.jsonl, e.g. {unknown[:3]}")
    query_ids = [qid for qid in all_queries if qid in qrels]   # file order
    query_texts = [all_queries[qid] for qid in query_ids]
    stemmer = make_stemmer()

    index_seconds, retriever = timed(lambda: build_index(texts, args, stemmer), args.repeat)

    def single_pass():
        documents, scores = [], []
        for text in query_texts:
            d, s = search_one(retriever, text, stemmer, TOP_K)
            documents.append(d)
            scores.append(s)
        return documents, scores

    single_seconds, (single_docs, single_scores) = timed(single_pass, args.repeat)
    batch_seconds, (batch_docs, batch_scores) = timed(
        lambda: search_batch(retriever, query_texts, stemmer, TOP_K), args.repeat)

    metrics = evaluate(to_run(query_ids, single_docs, single_scores, doc_ids), qrels)
    batch_metrics = evaluate(to_run(query_ids, batch_docs, batch_scores, doc_ids), qrels)
    if any(abs(metrics[key] - batch_metrics[key]) > 1e-9 for key in metrics):
        print(f"bm25s_scifact: warning: single and batch runs differ: {metrics} vs {batch_metrics}",
              file=sys.stderr)

    result = {
        "peer": "bm25s",
        "version": bm25s.__version__,
        "ndcg_at_10": round(metrics["ndcg_at_10"], 6),
        "recall_at_100": round(metrics["recall_at_100"], 6),
        "mrr_at_10": round(metrics["mrr_at_10"], 6),
        "queries": len(query_ids),
        "index_seconds": round(index_seconds, 4),
        "qps_single": round(len(query_ids) / single_seconds, 2),
        "qps_batch": round(len(query_ids) / batch_seconds, 2),
        # context, not part of the agreed fields
        "documents": len(doc_ids),
        "method": args.method, "k1": args.k1, "b": args.b,
        "repeat": args.repeat,
        "numpy": np.__version__,
    }
    if args.json:
        print(json.dumps(result))
        return

    print(f"bm25s {result['version']} on {data}  (method {args.method}, k1 {args.k1}, b {args.b}; "
          f"numpy {np.__version__}; one thread; median of {args.repeat} after a warm-up)")
    rows = [
        ("documents", f"{len(doc_ids)}"),
        ("queries (named by qrels)", f"{len(query_ids)}"),
        ("nDCG@10", f"{result['ndcg_at_10']:.4f}"),
        ("Recall@100", f"{result['recall_at_100']:.4f}"),
        ("MRR@10", f"{result['mrr_at_10']:.4f}"),
        ("index seconds (tokenize + index)", f"{index_seconds:.3f}"),
        ("QPS, one query at a time", f"{result['qps_single']:.1f}"),
        ("QPS, one batched call", f"{result['qps_batch']:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>10}")


if __name__ == "__main__":
    main()
