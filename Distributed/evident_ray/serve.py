"""Shard servers and their router, each an `evident serve` process inside a Ray actor.

A shard's actor checks its shard against `cluster.json`, starts `evident serve SHARD --statistics STORE/…` on its
port (Evident verifies every file's checksum as it opens the index, so a damaged shard is refused with the file
named), and watches the process: when it dies, the actor ends its own process so that Ray restarts the actor, which
starts a new server on the same port. The router's actor runs `evident serve --shards URL,…` over the shards'
addresses the same way. Ports are chosen by the driver before the actors start, so that a restarted shard answers
where the router expects it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from .build import _die_with_parent
from .store import STATISTICS, ClusterManifest, StoreError, sha256_of


class ShardServeError(Exception):
    """A shard's server (number 0: the router) could not start: which, and what `evident serve` said."""

    def __init__(self, number: int, count: int, message: str):
        super().__init__(number, count, message)
        self.number, self.count, self.message = number, count, message

    def __str__(self) -> str:
        if self.number == 0:  # the router
            return self.message
        return f"shard {self.number}/{self.count}: {self.message}"


def check_shard(store: Path, manifest: ClusterManifest, number: int) -> Path:
    """The shard's folder, after checking its manifest against `cluster.json`'s checksum."""
    entry = next((shard for shard in manifest.shards if shard.number == number), None)
    if entry is None:
        raise StoreError(f"{store}: cluster.json has no shard {number} (it has {manifest.shard_count})")
    folder = store / entry.path
    index_manifest = folder / "manifest.json"
    if not index_manifest.exists():
        raise ShardServeError(number, manifest.shard_count, f"{index_manifest} is missing")
    if sha256_of(index_manifest) != entry.manifest_sha256:
        raise ShardServeError(
            number, manifest.shard_count,
            f"{index_manifest} differs from cluster.json's checksum: the shard changed since the store was "
            "committed (run evident-ray index again)",
        )
    return folder


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (the kernel's pick), for a server to listen on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class ServedProcess:
    """An `evident serve` process that an actor runs and watches: its address once it listens; the actor's own
    process ends when the server dies unasked, so that Ray restarts the actor."""

    def __init__(self, command: list[str], number: int, count: int, startup_seconds: float):
        self.number, self.count = number, count
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_die_with_parent
        )
        self.url = self._wait_for_address(startup_seconds)
        self.stopping = False
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._watch, daemon=True).start()

    def _wait_for_address(self, seconds: float) -> str:
        """Reads the server's first line ("… at http://HOST:PORT/ …") within `seconds`."""
        found: list[str] = []

        def read() -> None:
            line = self.process.stdout.readline()
            match = re.search(r" at (http://[^/ ]+:\d+)/", line)
            if match:
                found.append(match.group(1))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(seconds)
        if not found:
            if reader.is_alive():  # no line yet: still loading, or hung
                self.process.kill()
                raise ShardServeError(self.number, self.count, f"evident serve did not start within {seconds:.0f} s")
            # Its output ended without an address: the server is exiting (stdout closes a moment before it ends).
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            error = self.process.stderr.read().strip()
            raise ShardServeError(self.number, self.count, error or f"evident serve exited with {self.process.returncode}")
        return found[0]

    @staticmethod
    def _drain(stream) -> None:
        for _ in stream:
            pass

    def _watch(self) -> None:
        """Ends this actor's process when the server dies unasked, so that Ray restarts the actor."""
        self.process.wait()
        if not self.stopping:
            os._exit(1)

    def address(self) -> str:
        return self.url

    def pid(self) -> int:
        return self.process.pid

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.stopping = True
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def listening_address(host: str) -> str:
    """The address a server binds: `host`, or for "node" the address of the Ray node it runs on (what the other
    nodes reach it at, on a cluster of several machines)."""
    if host != "node":
        return host
    import ray

    return ray.util.get_node_ip_address()


class ShardServer(ServedProcess):
    """The body of a shard's actor (`shard_actor()` makes it a Ray actor class)."""

    def __init__(
        self, evident: str, store: str, number: int, startup_seconds: float = 300, extra: list[str] | None = None,
        port: int = 0, host: str = "127.0.0.1",
    ):
        store_path = Path(store)
        manifest = ClusterManifest.read(store_path)
        if manifest is None:
            raise StoreError(f"{store}: no cluster.json; build the store with evident-ray index")
        folder = check_shard(store_path, manifest, number)
        command = [
            evident, "serve", str(folder), "--statistics", str(store_path / STATISTICS),
            "--host", listening_address(host), "--port", str(port), *(extra or []),
        ]
        super().__init__(command, number, manifest.shard_count, startup_seconds)


class RouterServer(ServedProcess):
    """The body of the router's actor: `evident serve --shards` over the shards' addresses."""

    def __init__(
        self, evident: str, shard_urls: list[str], startup_seconds: float = 300, extra: list[str] | None = None,
        port: int = 0, host: str = "127.0.0.1",
    ):
        command = [
            evident, "serve", "--shards", ",".join(shard_urls), "--host", listening_address(host), "--port", str(port),
            "--shard-wait", str(startup_seconds), *(extra or []),
        ]
        super().__init__(command, 0, len(shard_urls), startup_seconds)


def shard_actor(max_restarts: int = -1):
    """The Ray actor class of a shard server: restarted by Ray whenever its process dies."""
    import ray

    return ray.remote(num_cpus=0, max_restarts=max_restarts, max_task_retries=3)(ShardServer)


def router_actor(max_restarts: int = -1):
    """The Ray actor class of the router: restarted by Ray whenever its process dies."""
    import ray

    return ray.remote(num_cpus=0, max_restarts=max_restarts, max_task_retries=3)(RouterServer)


def start_shards(
    evident: str, store: Path, cpus: float = 1, startup_seconds: float = 300, extra: list[str] | None = None,
    host: str = "127.0.0.1",
) -> list:
    """Starts one actor per shard of `store` (each on a port of its own, kept across restarts; on `host`, or the
    node's own address for "node") and waits until each serves; returns their handles in shard order.

    Raises ShardServeError (the shard named) when one cannot start, after stopping the others.
    """
    import ray

    manifest = ClusterManifest.read(store)
    if manifest is None:
        raise StoreError(f"{store}: no cluster.json; build the store with evident-ray index")
    actor = shard_actor().options(num_cpus=cpus)
    handles = [
        actor.remote(evident, str(store), number, startup_seconds, extra, free_port(), host)
        for number in range(1, manifest.shard_count + 1)
    ]
    deadline = time.monotonic() + startup_seconds
    for number, handle in enumerate(handles, start=1):
        try:
            ray.get(handle.address.remote(), timeout=max(1.0, deadline - time.monotonic()))
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as error:
            for other in handles:
                ray.kill(other, no_restart=True)
            if isinstance(error, ray.exceptions.GetTimeoutError):
                free = ray.available_resources().get("CPU", 0)
                raise ShardServeError(
                    number, manifest.shard_count,
                    f"not serving after {startup_seconds:.0f} s: no node placed it, or its model took that long to "
                    f"load (the cluster has {free:g} CPUs free; each shard asks for {cpus:g})",
                ) from None
            raise ShardServeError(number, manifest.shard_count, _reason(str(error))) from None
    return handles


def start_router(
    evident: str, shard_urls: list[str], port: int = 0, cpus: float = 0.5, startup_seconds: float = 300,
    extra: list[str] | None = None, host: str = "127.0.0.1",
) -> object:
    """Starts the router's actor over `shard_urls` on `port` (a free one when 0, kept across restarts) and waits
    until it serves; returns its handle. Raises ShardServeError with the router's own error when it cannot start."""
    import ray

    handle = router_actor().options(num_cpus=cpus).remote(
        evident, shard_urls, startup_seconds, extra, port or free_port(), host
    )
    try:
        ray.get(handle.address.remote(), timeout=startup_seconds + 30)
    except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as error:
        ray.kill(handle, no_restart=True)
        reason = "not serving in time" if isinstance(error, ray.exceptions.GetTimeoutError) else _reason(str(error))
        raise ShardServeError(0, len(shard_urls), f"the router: {reason}") from None
    return handle


def _reason(text: str) -> str:
    """The line of a Ray actor error that says why the shard's actor could not start."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith(("evident_ray.serve.ShardServeError:", "evident_ray.store.StoreError:")):
            return re.sub(r"^shard \d+/\d+: ", "", line.split(":", 1)[1].strip())
    return text.strip().splitlines()[-1] if text.strip() else "the actor died"


def wait_until_serving(handle, seconds: float = 60) -> str:
    """The shard's address once it answers /health again (after a restart), within `seconds`."""
    import ray

    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            health = ray.get(handle.health.remote(), timeout=10)
            if health.get("status") == "ok":
                return ray.get(handle.address.remote(), timeout=10)
        except Exception as error:  # the actor restarting, or its server not up yet
            last = error
        time.sleep(0.2)
    raise TimeoutError(f"the shard did not serve again within {seconds:.0f} s ({last})")
