"""int8 dynamic quantization of a bundle's float graph.

Weights of every MatMul against a weight matrix become int8; activations are quantized to uint8
per run (DynamicQuantizeLinear) and the products accumulate in int32 (MatMulInteger), which
ONNX Runtime's CPU provider fuses and runs with VNNI where the CPU has it. Attention's
activation-by-activation products, the token embedding, norms and the pooling stay float32, so
inputs and output keep the float bundle's names, types and shapes: the Java embedder runs the
graph unchanged."""

import logging
from pathlib import Path

import numpy as np

from .errors import ExportError
from .tokens import right_pad
from .verification import cosine_rows, onnx_session

INT8_FILE = "model.int8.onnx"
QUANTIZATIONS = ("int8",)
# The worst row cosine of int8 to float on the verification batch: 0.9997 on a random-init Llama
# of hidden 128, 0.9993 at 384 x 6 and at 512 x 8 layers; a graph this far off is refused, not shipped.
MIN_INT8_COSINE = 0.98


def quantize_int8(float_onnx: Path, destination: Path, pad_id: int, vocab_size: int, max_tokens: int) -> dict:
    """Writes the int8 graph of `float_onnx` to `destination`, checks it against the float graph
    on one right-padded batch of very different lengths, and returns the manifest's description
    of the quantization."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if (Path(float_onnx).parent / "model.onnx_data").exists():
        raise ExportError("int8 quantization of a graph with external data (above 2 GB) is not supported")
    quantizer_log = logging.getLogger()
    level = quantizer_log.level
    quantizer_log.setLevel(logging.ERROR)  # its advice to run shape pre-processing first: not needed here
    try:
        quantize_dynamic(
            Path(float_onnx),
            Path(destination),
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
            per_channel=False,
        )
    finally:
        quantizer_log.setLevel(level)
    worst = _worst_cosine(float_onnx, destination, pad_id, vocab_size, max_tokens)
    if not worst >= MIN_INT8_COSINE:
        raise ExportError(f"int8 graph disagrees with the float graph: cosine {worst:.4f} < {MIN_INT8_COSINE}")
    return {
        "method": "dynamic",
        "weights": "int8",
        "activations": "uint8, quantized per run",
        "op_types": ["MatMul"],
        "verified_min_cosine": round(worst, 6),
    }


def _worst_cosine(float_onnx: Path, int8_onnx: Path, pad_id: int, vocab_size: int, max_tokens: int) -> float:
    generator = np.random.default_rng(0)
    lengths = [min(max_tokens, 96), min(max_tokens, 13), 1]
    rows = [generator.integers(0, vocab_size, size=n).tolist() for n in lengths]
    input_ids, attention_mask = right_pad(rows, pad_id)
    feed = {"input_ids": input_ids, "attention_mask": attention_mask}
    (reference,) = onnx_session(float_onnx).run(["embedding"], feed)
    (quantized,) = onnx_session(int8_onnx).run(["embedding"], feed)
    return float(cosine_rows(reference, quantized).min())
