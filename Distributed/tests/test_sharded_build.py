"""The sharded build on a local Ray cluster (a head and two worker nodes, all on 127.0.0.1): the shards search as one
index, a re-run rebuilds only the changed shards, bad input overwrites nothing, and a worker node killed during the
build leaves the same shards.

Run with `make test` (or `Distributed/.venv/bin/python -m unittest discover -s Distributed/tests`); they use the
`evident` binary of $EVIDENT or the project's debug build.
"""

from __future__ import annotations

import os

# Before Ray is imported: its nodes take 127.0.0.1 as their address, so that nothing listens beyond loopback.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "warning")

import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

from evident_ray.build import ShardBuildError, build_store
from evident_ray.store import MANIFEST, STATISTICS, ClusterManifest, StoreError, shard_path

PROJECT = Path(__file__).resolve().parents[2]
EVIDENT = os.environ.get("EVIDENT") or str(PROJECT / ".build/debug/evident")
SCIFACT = PROJECT.parent / "shared/data/scifact"
QUERIES = [
    "first-line treatment for unresectable pleural mesothelioma",
    "published trial of pemetrexed with cisplatin versus cisplatin alone",
    "radiation to relieve chest wall pain",
    "cytokine release syndrome after CAR T-cell therapy",
    "checkpoint inhibitor side effects",
    "nivolumab plus ipilimumab survival",
]


def fnv1a_shard(document_id: str, count: int) -> int:
    """The shard of a document, computed here independently of Evident's Swift code."""
    value = 0xCBF29CE484222325
    for byte in document_id.encode():
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value % count + 1


def evident(*arguments: str) -> str:
    completed = subprocess.run([EVIDENT, *arguments], capture_output=True, text=True, timeout=300)
    if completed.returncode != 0:
        raise AssertionError(f"evident {' '.join(arguments)}: {completed.stderr}")
    return completed.stdout


def search(index: Path, query: str, *extra: str) -> list[tuple[str, int, float]]:
    output = json.loads(evident("search", str(index), query, "--limit", "10", "--mode", "lexical", "--json", *extra))
    return [(result["document"], result["start"], result["score"]) for result in output["results"]]


def file_checksums(index: Path) -> dict[str, str]:
    """The checksum of every file of an index but its manifest (which records when it was written)."""
    return {
        str(path.relative_to(index)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(index.rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }


def start_cluster(workers: int) -> Cluster:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    for _ in range(workers):
        cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR)
    return cluster


def quiet(line: str) -> None:
    pass


@unittest.skipUnless(os.access(EVIDENT, os.X_OK), f"{EVIDENT} is missing: build it with swift build first")
class ShardedBuildTests(unittest.TestCase):
    cluster: Cluster

    @classmethod
    def setUpClass(cls) -> None:
        cls.cluster = start_cluster(workers=2)

    @classmethod
    def tearDownClass(cls) -> None:
        ray.shutdown()
        cls.cluster.shutdown()

    def setUp(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="evident-ray-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def test_three_shards_search_as_one_index(self) -> None:
        store = self.folder / "store"
        manifest, results = build_store(
            str(PROJECT / "Corpus"), store, 3, ["--lexical-only"], EVIDENT, progress=quiet
        )
        self.assertEqual([result.number for result in results], [1, 2, 3])
        self.assertTrue(all(result.built for result in results))
        self.assertEqual(ClusterManifest.read(store), manifest)
        manifest.verify(store)
        single = self.folder / "single"
        evident("index", str(PROJECT / "Corpus"), "--out", str(single), "--lexical-only", "--quiet")
        single_manifest = json.loads((single / "manifest.json").read_text())
        self.assertEqual(sum(shard.documents for shard in manifest.shards), single_manifest["corpus"]["documents"])
        self.assertEqual(sum(shard.passages for shard in manifest.shards), single_manifest["corpus"]["passages"])
        # Every document is in the shard its id hashes to.
        for number in range(1, 4):
            shard_manifest = json.loads((shard_path(store, number) / "manifest.json").read_text())
            self.assertEqual(shard_manifest["corpus"]["shard"], {"number": number, "count": 3})
        statistics = str(store / STATISTICS)
        for query in QUERIES:
            merged = sorted(
                (hit for number in range(1, 4) for hit in search(shard_path(store, number), query, "--statistics", statistics)),
                key=lambda hit: -hit[2],
            )[:10]
            expected = search(single, query)
            self.assertEqual(len(merged), len(expected), query)
            for (document, start, score), (expected_document, expected_start, expected_score) in zip(merged, expected):
                self.assertAlmostEqual(score, expected_score, delta=1e-5 * abs(expected_score), msg=query)
            # The same passages, ties aside (a tie may order its passages otherwise).
            self.assertEqual(
                sorted((round(hit[2], 4), hit[0], hit[1]) for hit in merged if hit[2] > expected[-1][2] + 1e-6),
                sorted((round(hit[2], 4), hit[0], hit[1]) for hit in expected if hit[2] > expected[-1][2] + 1e-6),
                query,
            )
            for document, _, _ in merged:
                owner = fnv1a_shard(document, 3)
                self.assertIn(document, {hit[0] for hit in search(shard_path(store, owner), query, "--statistics", statistics)})

    def test_a_rerun_rebuilds_only_the_shards_whose_documents_changed(self) -> None:
        corpus = self.folder / "corpus"
        shutil.copytree(PROJECT / "Corpus", corpus)
        store = self.folder / "store"
        build_store(str(corpus), store, 3, ["--lexical-only"], EVIDENT, progress=quiet)
        before = {number: (shard_path(store, number) / "manifest.json").read_bytes() for number in range(1, 4)}
        # Nothing changed: every shard kept.
        _, results = build_store(str(corpus), store, 3, ["--lexical-only"], EVIDENT, progress=quiet)
        self.assertFalse(any(result.built for result in results))
        # One document changed: only its shard is built again, and the statistics and manifest follow.
        changed = "mesothelioma/chemoimmunotherapy-durvalumab-pembrolizumab.md"
        path = corpus / changed
        path.write_text(path.read_text() + "\n\nAn added sentence about zanidatamab and tumour response.\n")
        owner = fnv1a_shard(changed, 3)
        manifest, results = build_store(str(corpus), store, 3, ["--lexical-only"], EVIDENT, progress=quiet)
        self.assertEqual([result.number for result in results if result.built], [owner])
        for number in range(1, 4):
            unchanged = (shard_path(store, number) / "manifest.json").read_bytes() == before[number]
            self.assertEqual(unchanged, number != owner)
        manifest.verify(store)
        hits = search(shard_path(store, owner), "zanidatamab", "--statistics", str(store / STATISTICS))
        self.assertEqual({hit[0] for hit in hits}, {changed})

    def test_bad_input_is_refused_and_overwrites_nothing(self) -> None:
        store = self.folder / "store"
        build_store(str(PROJECT / "Corpus"), store, 2, ["--lexical-only"], EVIDENT, progress=quiet)
        committed = (store / MANIFEST).read_bytes()
        shards = {number: (shard_path(store, number) / "manifest.json").read_bytes() for number in (1, 2)}
        with self.assertRaisesRegex(StoreError, "holds 2 shards, not 3"):
            build_store(str(PROJECT / "Corpus"), store, 3, ["--lexical-only"], EVIDENT, progress=quiet)
        with self.assertRaisesRegex(StoreError, "index arguments"):
            build_store(str(PROJECT / "Corpus"), store, 2, ["--lexical-only", "--passage-words", "80"], EVIDENT, progress=quiet)
        with self.assertRaisesRegex(StoreError, "no such corpus"):
            build_store(str(self.folder / "nowhere"), store, 2, ["--lexical-only"], EVIDENT, progress=quiet)
        # A node without the model: the shard's own error, with the shard named.
        other = self.folder / "other"
        with self.assertRaises(ShardBuildError) as raised:
            build_store(str(PROJECT / "Corpus"), other, 2, ["--model", str(self.folder / "no-model")], EVIDENT, progress=quiet)
        self.assertRegex(str(raised.exception), r"shard [12]/2 on node \w+: .*no-model")
        self.assertFalse((other / MANIFEST).exists())
        self.assertEqual((store / MANIFEST).read_bytes(), committed)
        for number in (1, 2):
            self.assertEqual((shard_path(store, number) / "manifest.json").read_bytes(), shards[number])
        # A store changed behind cluster.json's back is caught.
        (shard_path(store, 2) / "manifest.json").write_bytes(shards[2].replace(b'"passages"', b'"passages" ', 1))
        with self.assertRaisesRegex(StoreError, "shard 2/2"):
            ClusterManifest.read(store).verify(store)


@unittest.skipUnless(os.access(EVIDENT, os.X_OK), f"{EVIDENT} is missing: build it with swift build first")
@unittest.skipUnless((SCIFACT / "corpus.jsonl").exists(), f"{SCIFACT} is missing: put the shared data beside the project")
class KilledNodeTests(unittest.TestCase):
    """A worker node dies while it builds a shard: Ray runs the task again elsewhere, and the shards are those of a
    build that nothing disturbed."""

    def test_a_worker_node_killed_during_the_build(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="evident-ray-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        corpus = str(SCIFACT / "corpus.jsonl")
        cluster = start_cluster(workers=2)
        try:
            nodes = list(cluster.worker_nodes)
            store = folder / "killed"
            running: list[int] = []

            def kill_when_busy() -> None:
                # Wait (bounded) until both workers run an `evident index` of this store, then kill the first node.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    busy = subprocess.run(["pgrep", "-f", f"index {corpus} --out {store}/"], capture_output=True, text=True)
                    running[:] = [int(pid) for pid in busy.stdout.split()]
                    if len(running) >= 2:
                        time.sleep(0.5)
                        cluster.remove_node(nodes[0], allow_graceful=False)
                        return
                    time.sleep(0.1)

            killer = threading.Thread(target=kill_when_busy)
            killer.start()
            manifest, results = build_store(corpus, store, 3, ["--lexical-only"], EVIDENT, progress=quiet)
            killer.join()
            self.assertGreaterEqual(len(running), 2, "the node was not killed while it built a shard")
            self.assertEqual(len(cluster.worker_nodes), 1)
            # Every shard was finished by the node that is left: the killed node's shard ran again there.
            self.assertEqual(len({result.node for result in results}), 1, [vars(result) for result in results])
            manifest.verify(store)
            # A build nothing disturbed, on the node that is left.
            reference = folder / "reference"
            build_store(corpus, reference, 3, ["--lexical-only"], EVIDENT, progress=quiet)
            for number in range(1, 4):
                self.assertEqual(
                    file_checksums(shard_path(store, number)), file_checksums(shard_path(reference, number)), number
                )
            self.assertEqual((store / STATISTICS).read_bytes(), (reference / STATISTICS).read_bytes())
            # No `evident index` of the killed node lives on.
            time.sleep(0.5)
            for pid in running:
                self.assertFalse(Path(f"/proc/{pid}").exists() and "index" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"))
        finally:
            ray.shutdown()
            cluster.shutdown()


if __name__ == "__main__":
    unittest.main()
