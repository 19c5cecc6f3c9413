#!/usr/bin/env python3
"""Write seeded random unit vectors as a raw float32 file for vector-search benchmarks.

The file format shared by Scripts/peers/faiss_flat.py and Evident's VectorBenchmarks
(EVIDENT_BENCH_VECTORS / EVIDENT_BENCH_QUERIES):

    FILE        raw little-endian float32, row-major, no header: count * dimension values
    FILE.json   {"count": N, "dimension": D, "seed": S, "normalized": true}

Vectors are standard-normal per element, then scaled to unit L2 length (so inner
product is cosine similarity), from numpy's default_rng(seed).

    make_vectors.py --out .build/bench/vectors-10k.f32 --count 10000 --dimension 384 --seed 1
"""
import argparse
import json
import sys

import numpy as np


def unit_vector_blocks(count, dimension, seed, chunk=65536):
    """Yields the vectors in row blocks of at most `chunk` (float32, unit length).

    In chunks, so 1M x 384 does not need a float64 copy of everything at once. The
    values depend only on (count, dimension, seed); Scripts/peers/bench_peers.py uses
    this too, so its synthetic sweep searches the vectors this script writes.
    """
    rng = np.random.default_rng(seed)
    for start in range(0, count, chunk):
        rows = min(chunk, count - start)
        block = rng.standard_normal((rows, dimension), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        yield block


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the .f32 file to write; its shape goes to OUT.json")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.count <= 0 or args.dimension <= 0:
        sys.exit("make_vectors: --count and --dimension must be positive")

    with open(args.out, "wb") as out:
        for block in unit_vector_blocks(args.count, args.dimension, args.seed):
            out.write(block.astype("<f4", copy=False).tobytes())
    with open(args.out + ".json", "w", encoding="utf-8") as handle:
        json.dump({"count": args.count, "dimension": args.dimension, "seed": args.seed, "normalized": True}, handle)
        handle.write("\n")


if __name__ == "__main__":
    main()
