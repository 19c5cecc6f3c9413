"""`make cluster-demo`: the demo corpus built in 3 shards on a local Ray cluster (a head and two worker nodes on
127.0.0.1), served by shard actors behind a router, searched and grounded through the router, then stopped.

    Distributed/.venv/bin/python Distributed/cluster_demo.py [--evident .build/release/evident] [--shards 3]
"""

from __future__ import annotations

import os

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # a local cluster listens on loopback only
os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "warning")

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def post(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evident", default=str(PROJECT / ".build/release/evident"), help="the evident binary")
    parser.add_argument("--shards", type=int, default=3, help="shards to split the demo corpus into (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="worker nodes of the local cluster (default 2)")
    options = parser.parse_args()
    if not os.access(options.evident, os.X_OK):
        raise SystemExit(f"{options.evident} is missing: build it with swift build -c release --product evident")

    import ray
    from ray.cluster_utils import Cluster

    from evident_ray.build import build_store
    from evident_ray.serve import start_router, start_shards

    started = time.monotonic()
    print(f"Starting a local Ray cluster: a head and {options.workers} worker nodes on 127.0.0.1", flush=True)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    for _ in range(options.workers):
        cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR)
    folder = Path(tempfile.mkdtemp(prefix="evident-cluster-demo-"))
    handles: list = []
    try:
        store = folder / "store"
        print(f"Building Corpus/ in {options.shards} shards into {store} (one Ray task per shard)", flush=True)
        manifest, _ = build_store(str(PROJECT / "Corpus"), store, options.shards, [], options.evident)
        print(f"Built: {manifest.shard_count} shards, model {manifest.model or 'none (lexical only)'}", flush=True)

        handles = start_shards(options.evident, store, cpus=0.5)
        shard_urls = [ray.get(handle.address.remote()) for handle in handles]
        for number, url in enumerate(shard_urls, start=1):
            print(f"  shard {number}/{len(shard_urls)} serves at {url}", flush=True)
        router = start_router(options.evident, shard_urls, port=0)
        handles.append(router)
        url = ray.get(router.address.remote())
        print(f"  the router serves at {url}\n", flush=True)

        query = "first-line treatment for unresectable pleural mesothelioma"
        found = post(url, "/v1/search", {"query": query, "limit": 3})
        print(f"Search through the router ({found['mode']}, partial: {found['partial']}): {query}")
        for hit in found["results"]:
            print(f"  {hit['rank']}. {hit['score']:.4f} [shard {hit['shard']}] {hit['title']} › {hit['section']}")
        answer = (PROJECT / "Corpus/answers/car-t-mesothelioma.md").read_text(encoding="utf-8")
        grounded = post(url, "/v1/ground", {"answer": answer})
        claims = [claim for claim in grounded["claims"] if claim.get("verdict")]
        counts: dict[str, int] = {}
        for claim in claims:
            counts[claim["verdict"]] = counts.get(claim["verdict"], 0) + 1
        print(f"\nGrounding Corpus/answers/car-t-mesothelioma.md through the router (partial: {grounded['partial']}):")
        print("  " + ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items())))
        for claim in claims[:3]:
            cited = claim["citations"][0] if claim["citations"] else None
            source = f" — {cited['document']}: \"{cited['quote'][:90]}\"" if cited else ""
            print(f"  [{claim['verdict']}] {claim['text'][:80]}{source}")
        print(f"\nDone in {time.monotonic() - started:.0f} s; stopping the cluster.")
        return 0
    finally:
        for handle in handles:
            try:
                ray.get(handle.stop.remote(), timeout=40)
            except Exception:
                pass
            ray.kill(handle, no_restart=True)
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
