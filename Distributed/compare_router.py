"""Compares a router over a sharded index with one `evident serve` of the whole index: the same queries in every
mode to both, one at a time, from one client.

Reports, for each mode, how many queries get the same top 10 (the same passages with the same scores within 1e-5,
passages of equal score in any order, the tie at the end of the list apart) and the largest score difference, then
each server's latency per query (median, p99) and the router's overhead over the single server.

    python Distributed/compare_router.py --single http://127.0.0.1:8190 --router http://127.0.0.1:8180 \\
        --queries ../shared/data/scifact/queries.jsonl --modes lexical,dense,hybrid

Queries come from a JSON Lines file (each line's "text" or "query") or a plain text file (one per line).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def read_queries(path: Path, limit: int | None) -> list[str]:
    queries: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if path.suffix == ".jsonl":
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path}:{number}: not JSON ({error.msg})")
            text = record.get("text") or record.get("query")
            if not isinstance(text, str):
                raise SystemExit(f'{path}:{number}: no "text" or "query" string')
            queries.append(text)
        else:
            queries.append(line)
    return queries[:limit] if limit else queries


def search(url: str, query: str, mode: str) -> tuple[dict, float]:
    body = json.dumps({"query": query, "limit": 10, "mode": mode}).encode()
    request = urllib.request.Request(url + "/v1/search", data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.loads(response.read())
    except urllib.error.HTTPError as error:
        reply = {"status": error.code, "error": error.read().decode(errors="replace")}
    return reply, time.perf_counter() - started


def same_ranking(routed: list[dict], single: list[dict]) -> tuple[bool, float]:
    """Whether the two top 10s agree (see the module's text), and their largest score difference."""
    if len(routed) != len(single):
        return False, float("inf")
    worst = max((abs(a["score"] - b["score"]) for a, b in zip(routed, single)), default=0.0)
    if any(abs(a["score"] - b["score"]) > 1e-5 * max(1.0, abs(b["score"])) for a, b in zip(routed, single)):
        return False, worst
    last = single[-1]["score"] if single else 0.0

    def kept(hits: list[dict]) -> list[tuple[str, int]]:
        return sorted(
            (hit["document"], hit["start"]) for hit in hits if abs(hit["score"] - last) > 1e-5 * max(1.0, abs(last))
        )

    return kept(routed) == kept(single), worst


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", required=True, help="the address of evident serve over the whole index")
    parser.add_argument("--router", required=True, help="the address of evident serve --shards")
    parser.add_argument("--queries", required=True, type=Path, help="a .jsonl (text or query) or .txt file")
    parser.add_argument("--modes", default="lexical,dense,hybrid", help="comma-separated (default all three)")
    parser.add_argument("--limit", type=int, help="use only the first N queries")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    queries = read_queries(options.queries, options.limit)
    if not queries:
        raise SystemExit(f"{options.queries}: no queries")
    report: dict[str, dict] = {}
    for mode in options.modes.split(","):
        same, worst_difference, errors = 0, 0.0, 0
        latency: dict[str, list[float]] = {"single": [], "router": []}
        first_difference = None
        for query in queries:
            single, single_seconds = search(options.single, query, mode)
            routed, routed_seconds = search(options.router, query, mode)
            latency["single"].append(single_seconds)
            latency["router"].append(routed_seconds)
            if "results" not in single or "results" not in routed or routed.get("partial"):
                errors += 1
                continue
            agree, difference = same_ranking(routed["results"], single["results"])
            worst_difference = max(worst_difference, difference)
            same += agree
            if not agree and first_difference is None:
                first_difference = query
        report[mode] = {
            "queries": len(queries),
            "same_top10": same,
            "errors_or_partial": errors,
            "largest_score_difference": worst_difference,
            "first_difference": first_difference,
            "single_ms": {"median": statistics.median(latency["single"]) * 1e3, "p99": percentile(latency["single"], 0.99) * 1e3},
            "router_ms": {"median": statistics.median(latency["router"]) * 1e3, "p99": percentile(latency["router"], 0.99) * 1e3},
        }
    if options.json:
        print(json.dumps(report, indent=2))
    else:
        for mode, figures in report.items():
            print(
                f"{mode}: {figures['same_top10']}/{figures['queries']} same top 10 "
                f"(largest score difference {figures['largest_score_difference']:.2g}; "
                f"{figures['errors_or_partial']} errors or partial); latency median / p99: single "
                f"{figures['single_ms']['median']:.2f} / {figures['single_ms']['p99']:.2f} ms, router "
                f"{figures['router_ms']['median']:.2f} / {figures['router_ms']['p99']:.2f} ms"
                + (f"; first difference: {figures['first_difference']!r}" if figures["first_difference"] else "")
            )
    return 0 if all(f["same_top10"] == f["queries"] for f in report.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
