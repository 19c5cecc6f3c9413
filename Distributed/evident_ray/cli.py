"""`evident-ray`: a sharded Evident index built and served on a Ray cluster."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .build import ShardBuildError, build_store, check_store, describe, find_evident, json_summary
from .serve import ShardServeError
from .store import ClusterManifest, StoreError


def index_arguments(options: argparse.Namespace) -> list[str]:
    """The `evident index` arguments every shard is built with, in a fixed order (the store records them)."""
    arguments: list[str] = []
    if options.lexical_only:
        arguments.append("--lexical-only")
    if options.model:
        arguments += ["--model", str(Path(options.model).resolve())]
    if options.ann:
        arguments += ["--ann", options.ann]
    return arguments + list(options.index_option or [])


def connect(address: str | None) -> None:
    """Joins the cluster at `address`, or starts a local Ray instance that listens on loopback only."""
    import logging

    import ray

    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        ray.init(log_to_driver=False, include_dashboard=False, logging_level=logging.WARNING)


def run_index(options: argparse.Namespace) -> int:
    evident = find_evident(options.evident)
    check_store(Path(options.out), options.shards, index_arguments(options))
    connect(options.address)
    started = time.monotonic()
    manifest, results = build_store(
        options.corpus,
        Path(options.out),
        options.shards,
        index_arguments(options),
        evident,
        cpus_per_shard=options.cpus_per_shard,
        progress=(lambda line: None) if options.quiet or options.json else (lambda line: print(line, file=sys.stderr)),
    )
    seconds = time.monotonic() - started
    if options.json:
        print(json_summary(manifest, results, seconds))
    elif not options.quiet:
        built = sum(result.built for result in results)
        print(
            f"Built {options.out} in {seconds:.1f} s: {describe(manifest)}; {built} shards built, "
            f"{len(results) - built} up to date"
        )
    return 0


def run_verify(options: argparse.Namespace) -> int:
    store = Path(options.store)
    manifest = ClusterManifest.read(store)
    if manifest is None:
        raise StoreError(f"{store}: no cluster.json; build the store with evident-ray index")
    manifest.verify(store)
    print(f"{store}: {describe(manifest)}; every shard and the statistics match cluster.json")
    return 0


def run_serve(options: argparse.Namespace) -> int:
    import ray

    from .serve import start_router, start_shards, wait_until_serving

    evident = find_evident(options.evident)
    store = Path(options.store)
    if ClusterManifest.read(store) is None:
        raise StoreError(f"{store}: no cluster.json; build the store with evident-ray index")
    connect(options.address)
    extra = ["--model", options.model] if options.model else []
    handles = start_shards(
        evident, store.resolve(), cpus=options.cpus_per_shard, startup_seconds=options.startup_seconds, extra=extra,
        host=options.host,
    )
    shard_urls = [ray.get(handle.address.remote()) for handle in handles]
    for number, url in enumerate(shard_urls, start=1):
        print(f"shard {number}/{len(handles)}: {url}", flush=True)
    router = start_router(
        evident, shard_urls, port=options.port, startup_seconds=options.startup_seconds, host=options.host
    )
    print(f"router: {ray.get(router.address.remote())} (search and ground over every shard; Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(5)
            for number, handle in enumerate(handles, start=1):
                before = ray.get(handle.pid.remote(), timeout=60)
                wait_until_serving(handle, seconds=120)
                if ray.get(handle.pid.remote(), timeout=60) != before:
                    print(f"shard {number}/{len(handles)} restarted", flush=True)
    except KeyboardInterrupt:
        for handle in [router, *handles]:
            try:
                ray.get(handle.stop.remote(), timeout=40)
            finally:
                ray.kill(handle, no_restart=True)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="evident-ray",
        description="Build a sharded Evident index on a Ray cluster: each shard an `evident index` run as a Ray task.",
    )
    commands = top.add_subparsers(dest="command", required=True)

    index = commands.add_parser(
        "index",
        help="build (or bring up to date) every shard of a corpus into a store",
        description=(
            "Splits CORPUS into --shards parts by a stable hash of each document id, builds each part with "
            "`evident index --shard K/N --if-changed` as a Ray task (retried when its worker dies; shards whose "
            "documents did not change are kept, changed ones reuse their old vectors), merges the shards' BM25 "
            "statistics and writes STORE/cluster.json atomically."
        ),
    )
    index.add_argument("corpus", help="the corpus: a folder, file or BEIR corpus.jsonl that every node sees")
    index.add_argument("--out", required=True, help="the store: a folder on a filesystem every node sees")
    index.add_argument("--shards", type=int, required=True, help="how many shards to split the corpus into")
    index.add_argument("--model", help="the model folder (on every node, at the same path)")
    index.add_argument("--lexical-only", action="store_true", help="build lexical indexes only, without vectors")
    index.add_argument("--ann", choices=["none", "ivf", "hnsw"], help="each shard's approximate vector index")
    index.add_argument(
        "--index-option", action="append", metavar="ARG",
        help="one more argument for every shard's `evident index` (repeat; e.g. --index-option=--passage-words=120)",
    )
    index.add_argument("--address", help="the Ray cluster to join (ray.init address; default: start a local one)")
    index.add_argument("--evident", help="the evident binary (default: $EVIDENT, the project's build, or PATH)")
    index.add_argument(
        "--cpus-per-shard", type=float, default=1,
        help="Ray CPUs each shard's task asks for (Ray packs as many tasks on a node as its CPUs allow; default 1)",
    )
    index.add_argument("--json", action="store_true", help="print what was built as JSON")
    index.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    index.set_defaults(run=run_index)

    serve = commands.add_parser(
        "serve",
        help="serve every shard of a store, and a router over them, each in a Ray actor (restarted when it dies)",
        description=(
            "Starts one Ray actor per shard; each checks its shard against cluster.json and runs `evident serve "
            "SHARD --statistics STORE/collection-statistics.bin` on a loopback port of its own, kept when Ray "
            "restarts it (a damaged shard file is refused at load, the shard named). Then starts the router, "
            "`evident serve --shards ...` in an actor of its own, which answers the API of evident serve merged from "
            "every shard. Prints the addresses; Ctrl-C stops them."
        ),
    )
    serve.add_argument("store")
    serve.add_argument("--address", help="the Ray cluster to join (default: start a local one)")
    serve.add_argument("--evident", help="the evident binary (default: $EVIDENT, the project's build, or PATH)")
    serve.add_argument(
        "--cpus-per-shard", type=float, default=0.5,
        help="Ray CPUs each shard's actor holds, which decides how many shards a node serves (default 0.5)",
    )
    serve.add_argument(
        "--startup-seconds", type=float, default=300, help="how long a shard may take to load and serve (default 300)"
    )
    serve.add_argument("--port", type=int, default=8080, help="the router's port (default 8080; 0: any free one)")
    serve.add_argument(
        "--host", default="127.0.0.1",
        help='the address the shard servers and the router listen on: 127.0.0.1 (default: one machine), or "node" '
        "for each one's Ray node address, which a cluster of several machines needs (the servers are then "
        "reachable from the network: put the cluster behind a firewall)",
    )
    serve.add_argument("--model", help="the model folder each shard searches with (default: evident's search path)")
    serve.set_defaults(run=run_serve)

    verify = commands.add_parser("verify", help="check a store's shards and statistics against cluster.json")
    verify.add_argument("store")
    verify.set_defaults(run=run_verify)
    return top


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    if getattr(options, "address", None) is None:
        # A local Ray instance then takes 127.0.0.1 as its nodes' address instead of the machine's outward one
        # (read when Ray is imported, so set before).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    if getattr(options, "shards", 1) is not None and getattr(options, "shards", 1) < 1:
        print("evident-ray: --shards must be at least 1", file=sys.stderr)
        return 2
    try:
        return options.run(options)
    except (StoreError, ShardBuildError, ShardServeError) as error:
        print(f"evident-ray: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
