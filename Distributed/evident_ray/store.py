"""The store of a sharded index: a folder every node sees, holding one Evident index per shard, the collection
statistics merged from them, and `cluster.json`, the cluster manifest that names them all with their checksums.

Layout:

    STORE/cluster.json                    what the store holds (written last, atomically)
    STORE/collection-statistics.bin       BM25 statistics of every shard (`evident statistics`)
    STORE/shards/shard-K/                 shard K of N (`evident index --shard K/N`)

On object storage (S3, GCS) the same layout works with two changes: each shard is built in a node's local folder and
uploaded as a whole under a new prefix, and `cluster.json` is replaced by a conditional put (if-match on the old
version) rather than a rename; servers download their shard before they open it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "cluster.json"
STATISTICS = "collection-statistics.bin"
SHARDS = "shards"
FORMAT = "evident-cluster"
FORMAT_VERSION = 1


class StoreError(Exception):
    """A store that cannot be used as asked: what is wrong, where, and what to do."""


def shard_path(store: Path, number: int) -> Path:
    return store / SHARDS / f"shard-{number}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_index_manifest(index: Path) -> dict:
    """The `manifest.json` of one shard's index."""
    path = index / "manifest.json"
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise StoreError(f"{index}: no manifest.json; the shard was never built (run evident-ray index)") from None
    except json.JSONDecodeError as error:
        raise StoreError(f"{path}: damaged ({error}); rebuild the shard with evident-ray index") from None


@dataclass
class ShardEntry:
    """One shard as the cluster manifest records it."""

    number: int
    path: str
    manifest_sha256: str
    fingerprint: str
    documents: int
    passages: int

    @staticmethod
    def of(store: Path, number: int) -> "ShardEntry":
        index = shard_path(store, number)
        manifest = read_index_manifest(index)
        corpus = manifest["corpus"]
        return ShardEntry(
            number=number,
            path=str(index.relative_to(store)),
            manifest_sha256=sha256_of(index / "manifest.json"),
            fingerprint=corpus["fingerprint"],
            documents=corpus["documents"],
            passages=corpus["passages"],
        )


@dataclass
class ClusterManifest:
    """`cluster.json`: the shards, their checksums, the model and settings they were built with."""

    corpus: str
    shard_count: int
    index_arguments: list[str]
    configuration: dict
    shards: list[ShardEntry]
    statistics_sha256: str | None
    created_at: str = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc).isoformat())

    @property
    def model(self) -> str | None:
        embedding = self.configuration.get("embedding")
        return embedding.get("modelID") if embedding else None

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "corpus": self.corpus,
            "shard_count": self.shard_count,
            "index_arguments": self.index_arguments,
            "configuration": self.configuration,
            "shards": [vars(shard) for shard in self.shards],
            "statistics": None if self.statistics_sha256 is None else {"file": STATISTICS, "sha256": self.statistics_sha256},
        }

    @staticmethod
    def read(store: Path) -> "ClusterManifest | None":
        """The store's manifest, or `None` when the store has none yet."""
        path = store / MANIFEST
        if not path.exists():
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("format") != FORMAT:
                raise StoreError(f"{path}: not an evident-ray cluster manifest (format {data.get('format')!r})")
            if data.get("format_version") != FORMAT_VERSION:
                raise StoreError(
                    f"{path}: format version {data.get('format_version')}, this evident-ray reads {FORMAT_VERSION}; "
                    "rebuild the store into a new --out"
                )
            statistics = data.get("statistics")
            return ClusterManifest(
                corpus=data["corpus"],
                shard_count=data["shard_count"],
                index_arguments=list(data["index_arguments"]),
                configuration=data["configuration"],
                shards=[ShardEntry(**shard) for shard in data["shards"]],
                statistics_sha256=None if statistics is None else statistics["sha256"],
                created_at=data["created_at"],
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise StoreError(f"{path}: damaged ({error!r}); rebuild the store into a new --out") from None

    def write(self, store: Path) -> None:
        """Writes `cluster.json` atomically: a synced temporary file renamed over the old one, the folder synced."""
        write_atomically(store / MANIFEST, (json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n").encode())

    def verify(self, store: Path) -> None:
        """Checks every shard's manifest and the statistics file against their recorded checksums.

        Raises StoreError naming the first shard (or file) that differs.
        """
        for shard in self.shards:
            manifest = store / shard.path / "manifest.json"
            if not manifest.exists():
                raise StoreError(f"shard {shard.number}/{self.shard_count}: {manifest} is missing")
            if sha256_of(manifest) != shard.manifest_sha256:
                raise StoreError(
                    f"shard {shard.number}/{self.shard_count}: {manifest} differs from cluster.json's checksum; "
                    "the shard was changed outside evident-ray (run evident-ray index again)"
                )
        if self.statistics_sha256 is not None and sha256_of(store / STATISTICS) != self.statistics_sha256:
            raise StoreError(f"{store / STATISTICS} differs from cluster.json's checksum (run evident-ray index again)")


def write_atomically(path: Path, data: bytes) -> None:
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    folder = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
