#!/usr/bin/env python3
"""The claim verifier run by PyTorch: the peer of `evident bench --operations verify-pair`.

Loads a verifier folder that Scripts/train-verifier.sh wrote (config.json, tokenizer.json, model.safetensors with
classifier.weight and classifier.bias) into the forward pass Scripts/verifier/train.py trains (the same BERT that
Evident's Swift encoder runs), and reads the same pairs `evident bench` reads: text i of --texts with text i + 1
(one text per line). Measures one pair at a time (p50, p99) and batches of --batch pairs (pairs per second), on
--threads threads, and prints one JSON object on stdout:

    {"engine": "pytorch", "version", "threads", "batch", "pairs", "p50_ms", "p99_ms", "pairs_per_second"}

Run it with the training environment's python (Scripts/.venv-train, which has PyTorch for CPU); see
Scripts/compare-verifier.sh, which runs it beside Evident on the same texts.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "verifier"))
from train import CrossEncoder, PairEncoder  # noqa: E402  (the training script's own model and tokenizer)


def load(folder):
    config = json.loads((folder / "config.json").read_text())
    settings = config.get("evident_verifier")
    if settings is None:
        sys.exit(f"verifier_torch: {folder / 'config.json'} has no \"evident_verifier\" entry; is this a verifier "
                 "folder? (Scripts/train-verifier.sh writes one)")
    weights = load_file(str(folder / "model.safetensors"))
    labels = len(settings["labels"])
    model = CrossEncoder(config, weights, config["num_hidden_layers"], labels)
    with torch.no_grad():
        model.p("classifier.weight").copy_(weights["classifier.weight"])
        model.p("classifier.bias").copy_(weights["classifier.bias"])
    model.eval()
    return model, PairEncoder(folder, settings["maximum_length"])


def tensors(encoded):
    """One padded batch of encoded pairs, as the training script batches them."""
    longest = max(len(ids) for ids, _ in encoded)
    ids = torch.zeros(len(encoded), longest, dtype=torch.long)
    types = torch.zeros(len(encoded), longest, dtype=torch.long)
    mask = torch.zeros(len(encoded), longest, dtype=torch.long)
    for row, (pair_ids, pair_types) in enumerate(encoded):
        ids[row, :len(pair_ids)] = torch.tensor(pair_ids)
        types[row, :len(pair_types)] = torch.tensor(pair_types)
        mask[row, :len(pair_ids)] = 1
    return ids, types, mask


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verifier", type=pathlib.Path, required=True, help="the verifier folder")
    parser.add_argument("--texts", type=pathlib.Path, required=True, help="texts, one per line")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--runs", type=int, default=200, help="timed single pairs")
    parser.add_argument("--batch-runs", type=int, default=10, help="timed batches")
    args = parser.parse_args()

    texts = [line.strip() for line in args.texts.read_text().splitlines() if line.strip()]
    if len(texts) < 2:
        sys.exit(f"verifier_torch: {args.texts} has fewer than two texts")
    torch.set_num_threads(args.threads)
    model, encoder = load(args.verifier)
    pairs = [encoder.encode(texts[i], texts[(i + 1) % len(texts)]) for i in range(len(texts))]

    with torch.inference_mode():
        for i in range(5):
            model(*tensors([pairs[i % len(pairs)]]))
        single = []
        for run in range(args.runs):
            started = time.perf_counter()
            model(*tensors([pairs[run % len(pairs)]]))
            single.append((time.perf_counter() - started) * 1000)
        model(*tensors([pairs[i % len(pairs)] for i in range(args.batch)]))
        batch_seconds = []
        for run in range(args.batch_runs):
            group = [pairs[(run * args.batch + i) % len(pairs)] for i in range(args.batch)]
            started = time.perf_counter()
            model(*tensors(group))
            batch_seconds.append(time.perf_counter() - started)

    print(json.dumps({
        "engine": "pytorch", "version": torch.__version__, "threads": args.threads, "batch": args.batch,
        "pairs": len(pairs), "p50_ms": round(statistics.median(single), 3),
        "p99_ms": round(percentile(single, 0.99), 3),
        "pairs_per_second": round(args.batch / statistics.mean(batch_seconds), 1),
    }))


if __name__ == "__main__":
    main()
