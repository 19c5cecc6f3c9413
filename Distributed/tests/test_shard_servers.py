"""Shard servers and their router in Ray actors on a local cluster (loopback only): each shard answers with the whole
corpus's statistics, a killed server is restarted by Ray, the router's answers are partial while a shard is down and
whole again once Ray has restarted it, and a damaged shard is refused at load with the shard named."""

from __future__ import annotations

import os

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "warning")

import json
import shutil
import signal
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import ray

from evident_ray.build import build_store
from evident_ray.serve import ShardServeError, start_router, start_shards, wait_until_serving
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

    def test_a_killed_shard_makes_the_routers_answers_partial_for_a_moment_then_whole_again(self) -> None:
        # On each Ray node's own address ("node"), as on a cluster of several machines; here that is 127.0.0.1.
        handles = start_shards(EVIDENT, self.store, cpus=0.5, host="node")
        router = start_router(EVIDENT, ray.get([handle.address.remote() for handle in handles]), port=0, host="node")
        self.addCleanup(lambda: [ray.kill(handle, no_restart=True) for handle in [router, *handles]])
        url = ray.get(router.address.remote())
        query = {"query": "first-line treatment for unresectable pleural mesothelioma", "limit": 10, "mode": "lexical"}
        whole = post(url, "/v1/search", query)
        self.assertFalse(whole["partial"])
        self.assertEqual(whole["missing_shards"], [])
        self.assertEqual({hit["shard"] for hit in whole["results"]}, {"1/3", "2/3", "3/3"})

        # A bounded load: one request after another for at most 90 s, shard 2's server killed after the fifth;
        # the loop ends once answers have been whole for 2 s after a partial one.
        answers: list[tuple[float, int, dict]] = []
        killed_at = whole_again_at = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if len(answers) == 5:
                os.kill(ray.get(handles[1].pid.remote()), signal.SIGKILL)
                killed_at = time.monotonic()
            try:
                status, body = 200, post(url, "/v1/search", query)
            except urllib.error.HTTPError as error:
                status, body = error.code, json.loads(error.read() or b"{}")
            now = time.monotonic()
            answers.append((now, status, body))
            partial = status == 200 and body["partial"]
            if killed_at and any(b.get("partial") for _, _, b in answers) and not partial:
                whole_again_at = whole_again_at or now
                if now - whole_again_at > 2:
                    break
            elif partial:
                whole_again_at = None
            time.sleep(0.02)
        statuses = [status for _, status, _ in answers]
        partials = [body for _, status, body in answers if status == 200 and body["partial"]]
        # No server error; the only refusal the API documents for a router is 503, and none was needed here.
        self.assertTrue(all(status == 200 for status in statuses), statuses)
        self.assertTrue(partials, "no answer was partial while shard 2 was down")
        for body in partials:
            self.assertEqual(body["missing_shards"], ["2/3"])
            self.assertTrue(all(hit["shard"] != "2/3" for hit in body["results"]))
        self.assertIsNotNone(whole_again_at, "answers were not whole again within 90 s")
        print(
            f"\n{len(answers)} requests; partial for {whole_again_at - killed_at:.1f} s after the kill "
            f"({len(partials)} partial answers), then whole again",
            file=sys.stderr,
        )
        last = answers[-1][2]
        self.assertEqual(
            [(hit["document"], hit["start"], hit["score"]) for hit in last["results"]],
            [(hit["document"], hit["start"], hit["score"]) for hit in whole["results"]],
        )

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
