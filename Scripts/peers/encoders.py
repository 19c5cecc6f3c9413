#!/usr/bin/env python3
"""The encoder peers of Scripts/compare-encoders.sh: the same MiniLM model, the same texts, the same threads.

    encoders.py MODEL_DIR TEXTS.jsonl THREADS WORK_DIR  >  one JSON object per peer on standard output

For each peer, after a warm-up of 64 texts, every text of TEXTS.jsonl ({"text"} lines) is embedded once, timed
with time.perf_counter around the embedding alone (tokenizing included, loading not), and the vectors are
compared with sentence-transformers' fp32 vectors (the reference: Evident's are compared with them by the shell
script). Peers:

- sentence-transformers on PyTorch CPU, fp32 (its own batching: sorted by length, batches of 32);
- ONNX Runtime fp32: the BERT graph exported from the same weights with torch.onnx, mean pooling and L2
  normalisation in numpy, texts sorted by length and embedded 32 at a time (padded to the batch's longest);
- ONNX Runtime int8: that graph dynamically quantized (onnxruntime.quantization.quantize_dynamic, QInt8 weights).

Each object: {"peer", "engine", "method", "texts", "tokens", "seconds", "passages_per_second",
"tokens_per_second", "worst_cosine", "mean_cosine", "padded_share"}; "peer" is "engine method"; tokens count
every text's tokens after truncation to 256, [CLS] and [SEP] included, without padding; padded_share is the
share of the tokens computed that were padding (ONNX Runtime pads each batch of 32 length-sorted texts to its
longest; sentence-transformers does the same, its share estimated the same way). The reference vectors are
written to WORK_DIR/reference.npy.
"""
import json
import os
import sys
import time

import numpy as np

BATCH = 32


def main(model_dir, texts_path, threads, work):
    threads = int(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    from sentence_transformers import SentenceTransformer

    texts = [json.loads(line)["text"] for line in open(texts_path) if line.strip()]
    model = SentenceTransformer(model_dir, device="cpu")
    tokenizer = model.tokenizer
    limit = model.max_seq_length
    lengths = [min(len(ids), limit) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]
    tokens = int(sum(lengths))

    ordered = sorted(lengths)
    padded = sum(len(ordered[first:first + BATCH]) * max(ordered[first:first + BATCH])
                 for first in range(0, len(ordered), BATCH))
    padded_share = 1 - tokens / padded if padded else 0.0

    def report(engine, method, seconds, vectors, reference):
        cosines = np.sum(vectors * reference, axis=1)
        print(json.dumps({
            "peer": f"{engine} {method}", "engine": engine, "method": method, "texts": len(texts), "tokens": tokens,
            "seconds": round(seconds, 3), "passages_per_second": round(len(texts) / seconds, 2),
            "tokens_per_second": round(tokens / seconds), "worst_cosine": float(cosines.min()),
            "mean_cosine": float(cosines.mean()), "padded_share": round(padded_share, 4),
        }), flush=True)

    # sentence-transformers, fp32.
    model.encode(texts[:64], batch_size=BATCH, normalize_embeddings=True)
    start = time.perf_counter()
    reference = model.encode(texts, batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    np.save(os.path.join(work, "reference.npy"), reference)
    report("sentence-transformers", "fp32 (PyTorch %s)" % torch.__version__, seconds, reference, reference)

    # ONNX Runtime: export the transformer (without pooling) once.
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class LastHiddenState(torch.nn.Module):
        """The transformer called by keyword, returning its last hidden state alone."""

        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    transformer = LastHiddenState(model[0].auto_model.eval())
    fp32_path = os.path.join(work, "minilm.onnx")
    sample = tokenizer(["a sample text"], return_tensors="pt")
    with torch.no_grad():
        torch.onnx.export(
            transformer, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), fp32_path,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in
                          ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
            opset_version=17, dynamo=False)
    int8_path = os.path.join(work, "minilm-int8.onnx")
    quantize_dynamic(fp32_path, int8_path, weight_type=QuantType.QInt8)

    order = sorted(range(len(texts)), key=lambda index: lengths[index])

    def run_onnx(path):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])

        def embed(indices):
            batch = tokenizer([texts[index] for index in indices], padding=True, truncation=True, max_length=limit,
                              return_tensors="np")
            feed = {name: batch[name].astype(np.int64) for name in ["input_ids", "attention_mask", "token_type_ids"]}
            states = session.run(None, feed)[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (states * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

        embed(order[:64])
        vectors = np.zeros((len(texts), reference.shape[1]), dtype=np.float32)
        start = time.perf_counter()
        for first in range(0, len(order), BATCH):
            indices = order[first:first + BATCH]
            vectors[indices] = embed(indices)
        return time.perf_counter() - start, vectors

    seconds, vectors = run_onnx(fp32_path)
    report("ONNX Runtime", "%s fp32" % onnxruntime.__version__, seconds, vectors, reference)
    seconds, vectors = run_onnx(int8_path)
    report("ONNX Runtime", "%s int8 (dynamic)" % onnxruntime.__version__, seconds, vectors, reference)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
