"""The sharded build: one Ray task per shard runs `evident index --shard K/N --if-changed` into the store, then the
driver merges the shards' BM25 statistics (`evident statistics`) and commits `cluster.json`.

A shard whose documents did not change is kept by `--if-changed` (its corpus fingerprint and settings are the same);
a changed one is rebuilt from the old one's vectors, embedding only new texts. A task whose worker or node dies is
run again by Ray (`max_retries`); the index a killed task was writing never replaces the shard (Evident writes an
index into a temporary folder and renames it into place), so the retry starts from the last good shard.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .store import (
    SHARDS,
    STATISTICS,
    ClusterManifest,
    ShardEntry,
    StoreError,
    read_index_manifest,
    sha256_of,
    shard_path,
)


@dataclass
class ShardResult:
    """What one shard's task did."""

    number: int
    built: bool
    seconds: float
    node: str
    passages: int
    output: str


def find_evident(given: str | None) -> str:
    """The `evident` binary: the one given, `$EVIDENT`, the newer of the project's release and debug builds, or
    `evident` on PATH."""
    candidates = [given, os.environ.get("EVIDENT")]
    project = Path(__file__).resolve().parents[2]
    builds = [project / ".build/release/evident", project / ".build/debug/evident"]
    candidates += [str(path) for path in sorted(builds, key=lambda path: -path.stat().st_mtime if path.exists() else 0)]
    candidates.append(shutil.which("evident"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return str(Path(candidate).resolve())
    raise StoreError(
        "no evident binary found: build it (swift build -c release --product evident), or pass --evident PATH"
    )


def _die_with_parent() -> None:
    """Runs in the child before exec: it is killed when the Ray worker that started it dies, so that a killed task
    leaves no `evident index` behind writing into the store. (Linux sends the signal when the thread that started
    the child ends; Ray runs a task, and the methods of an actor not given threads, on the worker's main thread.)"""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def build_shard(evident: str, corpus: str, store: str, number: int, count: int, arguments: list[str]) -> ShardResult:
    """Builds (or keeps) shard `number` of `count`: the body of the Ray task, also callable without Ray."""
    import ray  # imported here: the task runs in a Ray worker

    output = shard_path(Path(store), number)
    output.parent.mkdir(parents=True, exist_ok=True)
    before = (output / "manifest.json").read_bytes() if (output / "manifest.json").exists() else None
    command = [
        evident, "index", corpus, "--out", str(output), "--shard", f"{number}/{count}", "--if-changed", "--quiet",
        *arguments,
    ]
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, preexec_fn=_die_with_parent)
    seconds = time.monotonic() - started
    try:
        node = ray.get_runtime_context().get_node_id()[:12]
    except Exception:  # outside a Ray worker
        node = "local"
    if completed.returncode != 0:
        message = (completed.stderr or completed.stdout).strip()
        raise ShardBuildError(number, count, node, message, command)
    manifest = read_index_manifest(output)
    after = (output / "manifest.json").read_bytes()
    return ShardResult(
        number=number, built=after != before, seconds=seconds, node=node, passages=manifest["corpus"]["passages"],
        output=completed.stdout.strip(),
    )


class ShardBuildError(Exception):
    """`evident index` failed for one shard: which shard, on which node, and what it said."""

    def __init__(self, number: int, count: int, node: str, message: str, command: list[str]):
        super().__init__(number, count, node, message, command)
        self.number, self.count, self.node, self.message, self.command = number, count, node, message, command

    def __str__(self) -> str:
        return f"shard {self.number}/{self.count} on node {self.node}: {self.message}"


def normalized_configuration(configuration: dict) -> dict:
    """The configuration with its sets (the analyzer's stopwords) sorted, so that two shards' compare equal."""
    def normalize(value):
        if isinstance(value, dict):
            return {key: normalize(item) for key, item in value.items()}
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return sorted(value)
        if isinstance(value, list):
            return [normalize(item) for item in value]
        return value
    return normalize(configuration)


def check_store(store: Path, shards: int, arguments: list[str]) -> None:
    """Refuses a store that holds something else: another split, other settings, or no store at all.

    Raises StoreError saying what differs and what to do; nothing is written.
    """
    if shards < 1:
        raise StoreError("--shards must be at least 1")
    if not store.exists():
        return
    existing = ClusterManifest.read(store)
    if existing is None:
        # An empty folder, or the shards of a build that stopped before its commit: built on.
        foreign = [entry.name for entry in store.iterdir() if entry.name not in (SHARDS, STATISTICS)]
        if foreign:
            raise StoreError(
                f"{store}: exists and is not an evident-ray store (it holds {', '.join(sorted(foreign)[:3])}); "
                "choose another --out"
            )
        return
    if existing.shard_count != shards:
        raise StoreError(
            f"{store} holds {existing.shard_count} shards, not {shards}: use --shards {existing.shard_count}, "
            "or build into another --out"
        )
    if existing.index_arguments != arguments:
        raise StoreError(
            f"{store} was built with the index arguments {existing.index_arguments}, not {arguments}: give the "
            "same ones, or build into another --out"
        )


def build_store(
    corpus: str,
    store: Path,
    shards: int,
    arguments: list[str],
    evident: str,
    cpus_per_shard: float = 1,
    max_retries: int = 3,
    progress: Callable[[str], None] = print,
) -> tuple[ClusterManifest, list[ShardResult]]:
    """Builds every shard of `corpus` into `store` as Ray tasks on the connected cluster, merges the statistics and
    commits `cluster.json`. Shards whose documents did not change are kept.

    Raises StoreError when the store holds another split or other settings (nothing is overwritten), and
    ShardBuildError when a shard's `evident index` fails.
    """
    import ray

    corpus = str(Path(corpus).resolve())
    if not Path(corpus).exists():
        raise StoreError(f"{corpus}: no such corpus (it must be a path every node of the cluster sees)")
    store = store.resolve()
    check_store(store, shards, arguments)
    store.mkdir(parents=True, exist_ok=True)

    task = ray.remote(num_cpus=cpus_per_shard, max_retries=max_retries, retry_exceptions=False)(build_shard)
    pending = {
        task.remote(evident, corpus, str(store), number, shards, arguments): number for number in range(1, shards + 1)
    }
    results: list[ShardResult] = []
    failures: list[BaseException] = []
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        number = pending.pop(done[0])
        try:
            result = ray.get(done[0])
        except ray.exceptions.RayTaskError as error:
            cause = error.cause if isinstance(getattr(error, "cause", None), Exception) else error
            failures.append(cause)
            progress(f"shard {number}/{shards}: failed: {cause}")
            continue
        results.append(result)
        state = "built" if result.built else "up to date, kept"
        progress(
            f"shard {number}/{shards}: {state}, {result.passages:,} passages, {result.seconds:.1f} s on node {result.node}"
        )
    if failures:
        raise failures[0]
    results.sort(key=lambda result: result.number)

    entries = [ShardEntry.of(store, number) for number in range(1, shards + 1)]
    configurations = [normalized_configuration(read_index_manifest(shard_path(store, n))["configuration"]) for n in range(1, shards + 1)]
    for number, configuration in enumerate(configurations[1:], start=2):
        if configuration != configurations[0]:
            raise StoreError(
                f"shard {number}/{shards} was built with other settings or another model than shard 1/{shards} "
                "(a node with another model?); rebuild it"
            )
    statistics = store / STATISTICS
    command = [evident, "statistics", *[str(shard_path(store, n)) for n in range(1, shards + 1)], "--out", str(statistics), "--quiet"]
    merged = subprocess.run(command, capture_output=True, text=True)
    if merged.returncode != 0:
        raise StoreError(f"evident statistics failed: {(merged.stderr or merged.stdout).strip()}")
    manifest = ClusterManifest(
        corpus=corpus,
        shard_count=shards,
        index_arguments=arguments,
        configuration=configurations[0],
        shards=entries,
        statistics_sha256=sha256_of(statistics),
    )
    manifest.write(store)
    return manifest, results


def describe(manifest: ClusterManifest) -> str:
    documents = sum(shard.documents for shard in manifest.shards)
    passages = sum(shard.passages for shard in manifest.shards)
    model = manifest.model or "no model (lexical only)"
    return f"{manifest.shard_count} shards, {documents:,} documents, {passages:,} passages, {model}"


def json_summary(manifest: ClusterManifest, results: list[ShardResult], seconds: float) -> str:
    return json.dumps(
        {
            "seconds": round(seconds, 3),
            "shards": [vars(result) for result in results],
            "manifest": manifest.to_json(),
        },
        indent=2,
    )
