"""Evident on Ray: a corpus split into shards by document id, each shard an Evident index built by a Ray task.

The `evident` binary does the indexing and the search; Ray schedules the shards' builds on the cluster's nodes,
places them, and retries a build whose worker died. See `evident_ray.build` and `evident_ray.store`.
"""

__version__ = "0.1.0"
