"""Tokens/s of two ONNX bundle graphs on the same input, interleaved in one process (medians), plus
the minimum cosine between their embeddings: how the eager-vs-SDPA export choice was measured.

  model-training/.venv/bin/python examples/scripts/compare-onnx-speed.py OLD.onnx NEW.onnx [--threads 2]
  (the SDPA graph of commit 02f36f1: git show 02f36f1:udf/src/main/resources/io/llm4es/models/stories260k/model.onnx > sdpa.onnx)
"""

import argparse
import statistics
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sessions = {}
    for name in ("old", "new"):
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        sessions[name] = ort.InferenceSession(getattr(args, name), options)
    ids = np.random.RandomState(0).randint(3, 500, (args.batch, args.tokens)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    seconds, outputs = {name: [] for name in sessions}, {}
    for _ in range(args.repeats):
        for name, session in sessions.items():
            start = time.perf_counter()
            outputs[name] = session.run(None, feed)[0]
            seconds[name].append(time.perf_counter() - start)
    for name in sessions:
        print(f"{name}: median {args.batch * args.tokens / statistics.median(seconds[name]):,.0f} tokens/s")
    print(f"new/old speed: {statistics.median(seconds['old']) / statistics.median(seconds['new']):.2f}x")
    a, b = outputs["old"], outputs["new"]
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    print(f"min cosine between the two graphs' embeddings: {cosine.min():.7f}")


if __name__ == "__main__":
    main()
