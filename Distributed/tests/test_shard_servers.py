"""Shard servers in Ray actors on a local cluster (loopback only): each shard answers with the whole corpus's
statistics, a killed server is restarted by Ray, and a damaged shard is refused at load with the shard named."""

from __future__ import annotations

import os

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "warning")

import json
import shutil
import signal
import tempfile
import unittest
import urllib.request
from pathlib import Path

import ray

from evident_ray.build import build_store
from evident_ray.serve import ShardServeError, start_shards, wait_until_serving
from evident_ray.store import STATISTICS, shard_path
from test_sharded_build import EVIDENT, PROJECT, quiet, search, start_cluster


def post(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@unittest.skipUnless(os.access(EVIDENT, os.X_OK), f"{EVIDENT} is missing: build it with swift build first")
class ShardServerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.cluster = start_cluster(workers=2)
        cls.folder = Path(tempfile.mkdtemp(prefix="evident-ray-"))
        cls.store = cls.folder / "store"
        build_store(str(PROJECT / "Corpus"), cls.store, 3, ["--lexical-only"], EVIDENT, progress=quiet)

    @classmethod
    def tearDownClass(cls) -> None:
        ray.shutdown()
        cls.cluster.shutdown()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_each_shard_serves_with_the_whole_corpus_statistics_and_comes_back_after_a_kill(self) -> None:
        handles = start_shards(EVIDENT, self.store, cpus=0.5)
        self.addCleanup(lambda: [ray.kill(handle, no_restart=True) for handle in handles])
        addresses = ray.get([handle.address.remote() for handle in handles])
        self.assertEqual(len(set(addresses)), 3)
        query = "first-line treatment for unresectable pleural mesothelioma"
        for number, address in enumerate(addresses, start=1):
            health = ray.get(handles[number - 1].health.remote())
            self.assertEqual((health["status"], health["index"]), ("ok", f"shard-{number}"))
            served = post(address, "/v1/search", {"query": query, "limit": 10, "mode": "lexical"})
            expected = search(shard_path(self.store, number), query, "--statistics", str(self.store / STATISTICS))
            self.assertEqual([(hit["document"], hit["start"]) for hit in served["results"]], [hit[:2] for hit in expected])
            for hit, (_, _, score) in zip(served["results"], expected):
                self.assertAlmostEqual(hit["score"], score, places=5)
        # The server of shard 2 killed: Ray restarts its actor, which serves again on a new port.
        pid = ray.get(handles[1].pid.remote())
        os.kill(pid, signal.SIGKILL)
        # Bounded: wait_until_serving raises when the shard is not serving again within a minute.
        address = wait_until_serving(handles[1], seconds=60)
        self.assertNotEqual(ray.get(handles[1].pid.remote()), pid)
        self.assertEqual(post(address, "/v1/search", {"query": query, "limit": 3, "mode": "lexical"})["mode"], "lexical")

    def test_a_damaged_shard_is_refused_at_load_with_the_shard_named(self) -> None:
        damaged = self.folder / "damaged"
        shutil.copytree(self.store, damaged)
        postings = shard_path(damaged, 2) / "postings.bin"
        data = bytearray(postings.read_bytes())
        data[len(data) // 2] ^= 0x5A
        postings.write_bytes(bytes(data))
        with self.assertRaises(ShardServeError) as raised:
            start_shards(EVIDENT, damaged, cpus=0.5)
        self.assertEqual(raised.exception.number, 2)
        self.assertIn("shard-2/postings.bin", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
