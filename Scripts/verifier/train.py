#!/usr/bin/env python3
"""Trains Evident's claim verifier: a BERT cross-encoder that reads "[CLS] claim [SEP] evidence [SEP]" and says
whether the evidence supports, refutes or says nothing about the claim (Supports / Refutes / Neutral).

It starts from all-MiniLM-L6-v2 (the bi-encoder Evident already runs; Apache-2.0), optionally keeping only its
first --layers layers, adds a linear classifier on the [CLS] token's last hidden state, and fine-tunes everything
on claim/evidence pair files (the JSON lines `evident eval-grounding --export-pairs` writes and `--pairs` reads).
The forward pass is written out here (no `transformers`) so that it is exactly the one Evident's Swift encoder
runs; `tokenizers` reads the model's own tokenizer.json, which Evident's WordPieceTokenizer matches id for id.

Output (--out DIR): config.json (the BERT shape plus "evident_verifier": labels, maximum length, training
settings and data), vocab.txt and the tokenizer files, model.safetensors (float32: the encoder's weights under
their usual names plus classifier.weight [3, hidden] and classifier.bias [3]), and training.json (loss per epoch,
seconds, pair counts).

With --folds K, the claims are split into K folds by a stable hash of their claim_id; --fold I trains on every
fold but I and also writes the ids of fold I's claims to DIR/fold-claims.json, so that
`evident eval-grounding --verifier-folds` grounds each claim with the model that never saw it.

Run it through Scripts/train-verifier.sh, which makes the virtual environment (PyTorch for CPU, tokenizers,
safetensors from PyPI) and the SciFact training pairs.
"""
import argparse
import json
import math
import pathlib
import random
import re
import shutil
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

LABELS = ["Supports", "Refutes", "Neutral"]
TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]


def fold_of(claim_id, folds):
    """The fold of a claim: a stable hash of its id (FNV-1a 64), the same on every machine and run. Evident reads
    the folds from fold-claims.json and never computes them."""
    value = 0xCBF29CE484222325
    for byte in claim_id.encode("utf-8"):
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value % folds


def read_pairs(paths):
    pairs = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                label = row["label"]
                if label not in LABELS:
                    sys.exit(f"{path}:{number}: label {label!r} is not one of {', '.join(LABELS)}")
                claim_id = str(row.get("claim_id") or row["claim"])
                pairs.append((f"{pathlib.Path(path).name}:{claim_id}", row["claim"], row["evidence"], LABELS.index(label)))
    return pairs


AUXILIARIES = ("is are was were can could may might will would should does do did has have had must").split()
CONTRACTIONS = {"doesn't": "does", "don't": "do", "didn't": "did", "isn't": "is", "aren't": "are",
                "wasn't": "was", "weren't": "were", "cannot": "can", "can't": "can", "won't": "will"}
OPPOSITES = {}
for a, b in [("increases", "decreases"), ("increase", "decrease"), ("increased", "decreased"),
             ("increasing", "decreasing"), ("higher", "lower"), ("more", "less"), ("greater", "smaller"),
             ("improves", "worsens"), ("improved", "worsened"), ("promotes", "inhibits"), ("promote", "inhibit"),
             ("enhances", "reduces"), ("raises", "lowers"), ("positively", "negatively"), ("positive", "negative"),
             ("upregulates", "downregulates"), ("upregulated", "downregulated"), ("up-regulates", "down-regulates"),
             ("activates", "suppresses"), ("activate", "suppress"), ("benefits", "harms"), ("beneficial", "harmful"),
             ("effective", "ineffective"), ("safe", "unsafe"), ("associated", "unassociated")]:
    OPPOSITES[a], OPPOSITES[b] = b, a
OPPOSITES["reduces"], OPPOSITES["reduce"], OPPOSITES["reduced"] = "increases", "increase", "increased"


def opposite_claim(claim):
    """The claim turned into its opposite by one edit, or None: an existing negation removed ("does not reduce"
    -> "does reduce"... as "reduces" is not recoverable, the auxiliary is kept: "does reduce"), else the first
    word of direction flipped ("increases" -> "decreases"), else "not" after the first auxiliary ("is" -> "is
    not"). Claims with none of these are left out."""
    words = claim.split(" ")
    lowered = [w.lower().strip(".,;:") for w in words]
    for i, word in enumerate(lowered):
        if word == "not" and i > 0 and lowered[i - 1] in AUXILIARIES:
            return " ".join(words[:i] + words[i + 1:])
        if word in CONTRACTIONS:
            replacement = CONTRACTIONS[word]
            if words[i][0].isupper():
                replacement = replacement.capitalize()
            return " ".join(words[:i] + [replacement + words[i][len(word):]] + words[i + 1:])
        if word == "no" and i + 1 < len(words):
            return None
    for i, word in enumerate(lowered):
        # Not the first word: that is mostly the subject's own modifier ("Higher BMI ...").
        if word in OPPOSITES and i > 0:
            flipped = OPPOSITES[word]
            if words[i][0].isupper():
                flipped = flipped.capitalize()
            return " ".join(words[:i] + [re.sub(re.escape(word), flipped, words[i], count=1, flags=re.I)]
                            + words[i + 1:])
    for i, word in enumerate(lowered):
        if word in AUXILIARIES and i > 0:
            return " ".join(words[:i + 1] + ["not"] + words[i + 1:])
    return None


def augmented(pairs, rng, neutral_share=0.35):
    """Contrast pairs made from `pairs`: each Supports or Refutes pair's claim turned into its opposite with the
    other label, and (for about `neutral_share` of the Neutral pairs) the opposite claim still Neutral, so that
    a negation alone never tells the label."""
    extra = []
    for key, claim, evidence, label in pairs:
        opposite = opposite_claim(claim)
        if opposite is None or opposite == claim:
            continue
        if label == 0:
            extra.append((key + ":opposite", opposite, evidence, 1))
        elif label == 1:
            extra.append((key + ":opposite", opposite, evidence, 0))
        elif rng.random() < neutral_share:
            extra.append((key + ":opposite", opposite, evidence, 2))
    return extra


class PairEncoder:
    """Token ids of "[CLS] claim [SEP] evidence [SEP]" and their segment ids, cut longest-first to `limit`."""

    def __init__(self, model_dir, limit):
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.cls = self.tokenizer.token_to_id("[CLS]")
        self.sep = self.tokenizer.token_to_id("[SEP]")
        self.limit = limit

    def pieces(self, text):
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def encode(self, claim, evidence):
        first, second = self.pieces(claim), self.pieces(evidence)
        budget = self.limit - 3
        while len(first) + len(second) > budget:
            if len(first) > len(second):
                first.pop()
            else:
                second.pop()
        ids = [self.cls] + first + [self.sep] + second + [self.sep]
        types = [0] * (len(first) + 2) + [1] * (len(second) + 1)
        return ids, types


class CrossEncoder(torch.nn.Module):
    """BERT (post-norm, GELU by erf, absolute positions) with a linear classifier on the [CLS] token."""

    def __init__(self, config, weights, layers, labels):
        super().__init__()
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        self.layers = layers
        self.params = torch.nn.ParameterDict()
        for name, tensor in weights.items():
            if name.startswith("encoder.layer."):
                if int(name.split(".")[2]) >= layers:
                    continue
            elif not name.startswith("embeddings.") or name.endswith("position_ids"):
                continue
            self.params[name.replace(".", "__")] = torch.nn.Parameter(tensor.float().clone())
        generator = torch.Generator().manual_seed(0)
        self.params["classifier__weight"] = torch.nn.Parameter(
            torch.randn(labels, self.hidden, generator=generator) * 0.02)
        self.params["classifier__bias"] = torch.nn.Parameter(torch.zeros(labels))
        self.dropout = config.get("hidden_dropout_prob", 0.1)

    def p(self, name):
        return self.params[name.replace(".", "__")]

    def linear(self, x, name):
        return F.linear(x, self.p(name + ".weight"), self.p(name + ".bias"))

    def norm(self, x, name):
        return F.layer_norm(x, (self.hidden,), self.p(name + ".weight"), self.p(name + ".bias"), self.eps)

    def forward(self, ids, types, mask):
        batch, length = ids.shape
        positions = torch.arange(length).unsqueeze(0)
        x = (F.embedding(ids, self.p("embeddings.word_embeddings.weight"))
             + F.embedding(types, self.p("embeddings.token_type_embeddings.weight"))
             + F.embedding(positions, self.p("embeddings.position_embeddings.weight")))
        x = self.norm(x, "embeddings.LayerNorm")
        x = F.dropout(x, self.dropout, self.training)
        head = self.hidden // self.heads
        additive = (1.0 - mask[:, None, None, :].float()) * -1e9
        for index in range(self.layers):
            prefix = f"encoder.layer.{index}."

            def split(t):
                return t.view(batch, length, self.heads, head).transpose(1, 2)

            q = split(self.linear(x, prefix + "attention.self.query"))
            k = split(self.linear(x, prefix + "attention.self.key"))
            v = split(self.linear(x, prefix + "attention.self.value"))
            scores = q @ k.transpose(-1, -2) / math.sqrt(head) + additive
            attention = F.dropout(scores.softmax(-1), self.dropout, self.training)
            context = (attention @ v).transpose(1, 2).reshape(batch, length, self.hidden)
            attended = F.dropout(self.linear(context, prefix + "attention.output.dense"), self.dropout, self.training)
            x = self.norm(attended + x, prefix + "attention.output.LayerNorm")
            inner = F.gelu(self.linear(x, prefix + "intermediate.dense"))
            out = F.dropout(self.linear(inner, prefix + "output.dense"), self.dropout, self.training)
            x = self.norm(out + x, prefix + "output.LayerNorm")
        cls = F.dropout(x[:, 0], self.dropout, self.training)
        return self.linear(cls, "classifier")

    def state(self):
        return {name.replace("__", "."): tensor.detach().contiguous() for name, tensor in self.params.items()}


def batches(examples, size, shuffle, rng):
    """Batches of examples of similar length (little padding); the batch order shuffled when training."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    if shuffle:
        rng.shuffle(groups)
    for group in groups:
        longest = max(len(examples[i][0]) for i in group)
        ids = torch.zeros(len(group), longest, dtype=torch.long)
        types = torch.zeros(len(group), longest, dtype=torch.long)
        mask = torch.zeros(len(group), longest, dtype=torch.long)
        labels = torch.tensor([examples[i][2] for i in group])
        for row, i in enumerate(group):
            n = len(examples[i][0])
            ids[row, :n] = torch.tensor(examples[i][0])
            types[row, :n] = torch.tensor(examples[i][1])
            mask[row, :n] = 1
        yield ids, types, mask, labels


def confusion(model, examples):
    """Gold label × predicted label counts, and accuracy, of `examples`."""
    model.eval()
    matrix = [[0] * len(LABELS) for _ in LABELS]
    with torch.no_grad():
        for ids, types, mask, labels in batches(examples, 64, False, None):
            for gold, predicted in zip(labels.tolist(), model(ids, types, mask).argmax(-1).tolist()):
                matrix[gold][predicted] += 1
    correct = sum(matrix[k][k] for k in range(len(LABELS)))
    return {"accuracy": round(correct / max(1, len(examples)), 4),
            "matrix": {LABELS[g]: dict(zip(LABELS, matrix[g])) for g in range(len(LABELS))}}


def test(model, encoder, path):
    rows = read_pairs([path])
    result = confusion(model, [(*encoder.encode(c, e), l) for _, c, e, l in rows])
    print(f"train-verifier: {path}: accuracy {result['accuracy']}; gold x predicted {result['matrix']}", file=sys.stderr)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", nargs="+", help="claim/evidence pair files (JSON lines) to train on")
    parser.add_argument("--base", type=pathlib.Path, required=True, help="the all-MiniLM-L6-v2 model folder")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="the verifier's folder (replaced)")
    parser.add_argument("--layers", type=int, default=6, help="encoder layers kept (default 6: all)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0, help="PyTorch threads (default: all cores)")
    parser.add_argument("--folds", type=int, default=0, help="split the first file's claims into this many folds")
    parser.add_argument("--test", action="append", default=[], help="pair files to report the confusion on")
    parser.add_argument("--augment", action="store_true",
                        help="add contrast pairs: each claim turned into its opposite, the label swapped")
    parser.add_argument("--fold", type=int, default=-1, help="with --folds: the fold held out")
    args = parser.parse_args()
    if args.folds and not 0 <= args.fold < args.folds:
        sys.exit("--fold must be in 0 ..< --folds")
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)

    config = json.loads((args.base / "config.json").read_text())
    if not 1 <= args.layers <= config["num_hidden_layers"]:
        sys.exit(f"--layers must be 1 ... {config['num_hidden_layers']}")
    encoder = PairEncoder(args.base, args.max_length)
    pairs = read_pairs(args.pairs)
    held_out = set()
    if args.folds:
        # Folds split the first file's claims; the other files are always trained on.
        first = pathlib.Path(args.pairs[0]).name + ":"
        held_out = {claim for claim, *_ in pairs
                    if claim.startswith(first) and fold_of(claim.split(":", 1)[1], args.folds) == args.fold}
        pairs = [pair for pair in pairs if pair[0] not in held_out]
    if args.augment:
        extra = augmented(pairs, random.Random(args.seed))
        print(f"train-verifier: {len(extra)} contrast pairs added", file=sys.stderr)
        pairs = pairs + extra
    examples = [(*encoder.encode(claim, evidence), label) for _, claim, evidence, label in pairs]
    counts = [sum(1 for e in examples if e[2] == k) for k in range(len(LABELS))]
    print(f"train-verifier: {len(examples)} pairs ({', '.join(f'{c} {l}' for c, l in zip(counts, LABELS))}), "
          f"{args.layers} layers, {args.epochs} epochs", file=sys.stderr)
    # Each class weighs as much as the others in the loss, whatever its count.
    class_weights = torch.tensor([len(examples) / (len(LABELS) * max(c, 1)) for c in counts])

    model = CrossEncoder(config, load_file(str(args.base / "model.safetensors")), args.layers, len(LABELS))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(examples) / args.batch)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup))))
    rng = random.Random(args.seed)
    history = []
    started = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        total, seen = 0.0, 0
        for ids, types, mask, labels in batches(examples, args.batch, True, rng):
            loss = F.cross_entropy(model(ids, types, mask), labels, weight=class_weights)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += loss.item() * len(labels)
            seen += len(labels)
            step += 1
            if step % 20 == 0:
                elapsed = time.time() - started
                print(f"\rtrain-verifier: epoch {epoch + 1}/{args.epochs}, step {step}/{steps}, "
                      f"loss {total / seen:.4f}, {elapsed:.0f} s, about {elapsed / step * (steps - step):.0f} s left",
                      end="", file=sys.stderr, flush=True)
        history.append(total / max(seen, 1))
    print(file=sys.stderr)
    seconds = time.time() - started

    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    shape = dict(config)
    shape["num_hidden_layers"] = args.layers
    shape["architectures"] = ["EvidentVerifier"]
    shape["evident_verifier"] = {
        "labels": LABELS, "maximum_length": args.max_length, "base": args.base.name,
        "epochs": args.epochs, "batch": args.batch, "learning_rate": args.lr, "seed": args.seed,
        "trained_on": [pathlib.Path(p).name for p in args.pairs],
        "folds": args.folds or None, "held_out_fold": args.fold if args.folds else None, "augment": args.augment,
    }
    (args.out / "config.json").write_text(json.dumps(shape, indent=2) + "\n")
    for name in TOKENIZER_FILES:
        if (args.base / name).exists():
            shutil.copy(args.base / name, args.out / name)
    save_file(model.state(), str(args.out / "model.safetensors"), metadata={"format": "pt"})
    report = {"pairs": len(examples), "by_label": dict(zip(LABELS, counts)), "loss_by_epoch": history,
              "seconds": round(seconds, 1), "threads": torch.get_num_threads()}
    for path in args.test:
        report.setdefault("tests", {})[pathlib.Path(path).name] = test(model, encoder, path)
    if args.folds:
        held = [(c, e, l) for k, c, e, l in read_pairs([args.pairs[0]]) if k in held_out]
        report["held_out"] = confusion(model, [(*encoder.encode(c, e), l) for c, e, l in held])
    (args.out / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.folds:
        ids = sorted({claim.split(":", 1)[1] for claim in held_out})
        (args.out / "fold-claims.json").write_text(json.dumps(ids) + "\n")
    print(f"train-verifier: wrote {args.out} in {seconds:.0f} s (loss by epoch: "
          f"{', '.join(f'{h:.4f}' for h in history)})", file=sys.stderr)


if __name__ == "__main__":
    main()
