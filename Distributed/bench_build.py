"""Build throughput of the sharded build with 1, 2, … worker nodes on this machine, beside one `evident index` of
the whole corpus without Ray.

    Distributed/.venv/bin/python Distributed/bench_build.py CORPUS --shards 3 --workers 1,2 [--model DIR] [--out DIR]

Each worker node is a local Ray node (ray.cluster_utils.Cluster, loopback only) offering one CPU, so it builds one
shard at a time; every build starts from an empty store. Prints one line per run and a JSON summary.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "warning")

import argparse
import json
import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

from evident_ray.build import build_store, find_evident


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="worker node counts to measure, comma-separated")
    parser.add_argument("--model", help="the model folder; lexical only when absent")
    parser.add_argument("--evident", help="the evident binary (default: the project's release build)")
    parser.add_argument("--out", help="where to keep the stores (default: a temporary folder, removed after)")
    options = parser.parse_args()
    evident = find_evident(options.evident)
    arguments = ["--model", str(Path(options.model).resolve())] if options.model else ["--lexical-only"]
    folder = Path(options.out or tempfile.mkdtemp(prefix="evident-ray-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    runs = []
    try:
        single = folder / "single"
        started = time.monotonic()
        subprocess.run(
            [evident, "index", options.corpus, "--out", str(single), "--force", "--quiet", *arguments], check=True
        )
        seconds = time.monotonic() - started
        passages = json.loads((single / "manifest.json").read_text())["corpus"]["passages"]
        runs.append({"run": "evident index, no Ray", "workers": 0, "seconds": seconds, "passages": passages})
        print(f"evident index alone: {passages:,} passages in {seconds:.1f} s ({passages / seconds:,.0f}/s)", flush=True)
        for workers in [int(count) for count in options.workers.split(",")]:
            cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
            for _ in range(workers):
                cluster.add_node(num_cpus=1)
            ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR)
            try:
                store = folder / f"store-{workers}"
                shutil.rmtree(store, ignore_errors=True)
                started = time.monotonic()
                manifest, _ = build_store(
                    options.corpus, store, options.shards, arguments, evident, progress=lambda line: None
                )
                seconds = time.monotonic() - started
            finally:
                ray.shutdown()
                cluster.shutdown()
            passages = sum(shard.passages for shard in manifest.shards)
            runs.append({"run": f"{options.shards} shards", "workers": workers, "seconds": seconds, "passages": passages})
            print(
                f"{options.shards} shards on {workers} worker node(s): {passages:,} passages in {seconds:.1f} s "
                f"({passages / seconds:,.0f}/s)",
                flush=True,
            )
    finally:
        if not options.out:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"corpus": options.corpus, "cpu_count": os.cpu_count(), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
