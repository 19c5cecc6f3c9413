#!/usr/bin/env python3
"""Export an Evident index's embeddings, or `evident embed` output, as a raw float32 vector file.

Writes the format Scripts/peers/faiss_flat.py and Evident's VectorBenchmarks read
(EVIDENT_BENCH_VECTORS / EVIDENT_BENCH_QUERIES):

    FILE        raw little-endian float32, row-major, no header: count * dimension values
    FILE.json   {"count": N, "dimension": D, "source": ...}

Sources:
    --index DIR      DIR/vectors.bin of an index built with embeddings: a 24-byte header
                     (magic "EVVF", format version, dimension, reserved, count) padded to
                     32 bytes, then the vectors as little-endian float32
    --embedded FILE  JSON lines from `evident embed`, each with an "embedding" array

    export_vectors.py --index /tmp/nci-index --out .build/bench/nci-pdq.f32
    evident embed < claims.jsonl | export_vectors.py --embedded - --out .build/bench/claims.f32
"""
import argparse
import json
import struct
import sys

import numpy as np


def from_index(directory):
    path = f"{directory}/vectors.bin"
    try:
        with open(path, "rb") as handle:
            header = handle.read(32)
            if len(header) < 32:
                sys.exit(f"export_vectors: {path} is shorter than its 32-byte header")
            magic, _version, dimension, _reserved, count = struct.unpack("<IIIIQ", header[:24])
            if magic != 0x46565645:
                sys.exit(f"export_vectors: {path} is not an Evident flat vector file")
            data = np.frombuffer(handle.read(), dtype="<f4")
    except OSError as error:
        sys.exit(f"export_vectors: cannot read {path}: {error}; was the index built with embeddings?")
    if data.size != count * dimension:
        sys.exit(f"export_vectors: {path} holds {data.size} floats, its header says {count} x {dimension}")
    return data.reshape(count, dimension)


def from_embedded(path):
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    rows = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line)["embedding"])
        except (ValueError, KeyError) as error:
            sys.exit(f"export_vectors: {path}:{number}: not a JSON object with an embedding ({error})")
    if not rows:
        sys.exit(f"export_vectors: {path} holds no embeddings")
    return np.asarray(rows, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--index", help="an Evident index directory with vectors.bin")
    source.add_argument("--embedded", help="JSON lines from `evident embed`, or - for standard input")
    parser.add_argument("--out", required=True, help="the .f32 file to write; its shape goes to OUT.json")
    args = parser.parse_args()
    vectors = from_index(args.index) if args.index else from_embedded(args.embedded)
    vectors.astype("<f4").tofile(args.out)
    with open(args.out + ".json", "w", encoding="utf-8") as handle:
        json.dump({"count": int(vectors.shape[0]), "dimension": int(vectors.shape[1]),
                   "source": args.index or args.embedded}, handle)
        handle.write("\n")
    print(f"export_vectors: wrote {vectors.shape[0]} x {vectors.shape[1]} to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
