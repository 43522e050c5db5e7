"""Milliseconds of one causal attention layer in ONNX Runtime's CPU kernels, on random query/key/
value of the real-width benchmark's shape: MultiHeadAttention (unidirectional, what export-bundle
fuses to), GroupQueryAttention, and two MultiHeadAttention calls over the halves of the queries
(the second over all keys), which would skip a quarter of the masked scores; its "max diff" says
whether ONNX Runtime aligns that second half's causal mask the way causality needs. Then the same
with an explicit causal bias instead of `unidirectional`: over the whole square (what the bias
costs), and over 2 and 4 blocks of queries, block i attending the keys up to its end (skipping
1/4 and 3/8 of the scores).

  model-training/.venv/bin/python examples/scripts/attention-kernels.py [--batch 16 --tokens 512 --heads 6 --head-size 64]
"""

import argparse
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper


def session(nodes, inputs, initializers, threads):
    graph = helper.make_graph(
        nodes,
        "attention",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in inputs],
        [helper.make_tensor_value_info("o", TensorProto.FLOAT, None)],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", 20),
            helper.make_opsetid("com.microsoft", 1),
        ],
    )
    model.ir_version = 9
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    options.add_session_config_entry(
        "session.intra_op.allow_spinning", "0"
    )  # as the Java embedder
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--heads", type=int, default=6)
    parser.add_argument("--head-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    b, s, n = args.batch, args.tokens, args.heads
    half = s // 2
    mha = {"domain": "com.microsoft", "num_heads": n, "unidirectional": 1}
    qkv = ["q", "k", "v"]

    def ints(name, values):
        return helper.make_tensor(
            name,
            TensorProto.INT64 if name != "lens" else TensorProto.INT32,
            [len(values)],
            values,
        )

    variants = {
        "MultiHeadAttention": session(
            [helper.make_node("MultiHeadAttention", qkv, ["o"], **mha)],
            qkv,
            [],
            args.threads,
        ),
        "GroupQueryAttention": session(
            [
                helper.make_node(
                    "GroupQueryAttention",
                    [*qkv, "", "", "lens", "total"],
                    ["o", "present_k", "present_v"],
                    domain="com.microsoft",
                    num_heads=n,
                    kv_num_heads=n,
                )
            ],
            qkv,
            [
                ints("lens", [s - 1] * b),
                helper.make_tensor("total", TensorProto.INT32, [], [s]),
            ],
            args.threads,
        ),
        "MultiHeadAttention over query halves": session(
            [
                helper.make_node("Slice", ["q", "zero", "half", "axis"], ["q1"]),
                helper.make_node("Slice", ["q", "half", "end", "axis"], ["q2"]),
                helper.make_node("Slice", ["k", "zero", "half", "axis"], ["k1"]),
                helper.make_node("Slice", ["v", "zero", "half", "axis"], ["v1"]),
                helper.make_node(
                    "MultiHeadAttention", ["q1", "k1", "v1"], ["o1"], **mha
                ),
                helper.make_node("MultiHeadAttention", ["q2", "k", "v"], ["o2"], **mha),
                helper.make_node("Concat", ["o1", "o2"], ["o"], axis=1),
            ],
            qkv,
            [
                ints("zero", [0]),
                ints("half", [half]),
                ints("end", [s]),
                ints("axis", [1]),
            ],
            args.threads,
        ),
    }
    causal = np.triu(np.full((s, s), -10000.0, dtype=np.float32), 1)

    def biased(blocks):
        """MultiHeadAttention per block of queries over the keys up to the block's end, masked by
        its slice of the causal bias."""
        nodes, inits, bounds = [], [ints("axis", [1])], [s * i // blocks for i in range(blocks + 1)]
        inits += [ints(f"at{b}", [b]) for b in bounds]
        for i in range(blocks):
            start, end = bounds[i], bounds[i + 1]
            nodes.append(helper.make_node("Slice", ["q", f"at{start}", f"at{end}", "axis"], [f"q{i}"]))
            nodes.append(helper.make_node("Slice", ["k", "at0", f"at{end}", "axis"], [f"k{i}"]))
            nodes.append(helper.make_node("Slice", ["v", "at0", f"at{end}", "axis"], [f"v{i}"]))
            bias = causal[start:end, :end][None, None]
            inits.append(helper.make_tensor(f"bias{i}", TensorProto.FLOAT, bias.shape, bias.ravel()))
            nodes.append(
                helper.make_node(
                    "MultiHeadAttention",
                    [f"q{i}", f"k{i}", f"v{i}", "", "", f"bias{i}"],
                    [f"o{i}"],
                    domain="com.microsoft",
                    num_heads=n,
                )
            )
        nodes.append(helper.make_node("Concat", [f"o{i}" for i in range(blocks)], ["o"], axis=1))
        return session(nodes, qkv, inits, args.threads)

    for blocks in (1, 2, 4):
        variants[f"MultiHeadAttention with a causal bias, {blocks} query block(s)"] = biased(blocks)
    rng = np.random.default_rng(0)
    feed = {
        name: rng.standard_normal((b, s, n * args.head_size)).astype(np.float32)
        for name in qkv
    }
    outputs = {name: variant.run(["o"], feed)[0] for name, variant in variants.items()}
    seconds = {name: [] for name in variants}
    for _ in range(args.repeats):  # interleaved
        for name, variant in variants.items():
            started = time.perf_counter()
            variant.run(["o"], feed)
            seconds[name].append(time.perf_counter() - started)
    for name, values in seconds.items():
        diff = np.abs(outputs[name] - outputs["MultiHeadAttention"]).max()
        print(
            f"{name}: median {1000 * float(np.median(values)):.1f} ms, max diff to MultiHeadAttention {diff:.2g}"
        )


if __name__ == "__main__":
    main()
