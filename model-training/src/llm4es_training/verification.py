"""Checks that an exported model.onnx computes what the PyTorch module computes."""

from pathlib import Path

import numpy as np
import onnxruntime as ort
import onnxruntime.capi.onnxruntime_pybind11_state as ort_state
import torch

from .errors import ExportError
from .pooling import LayerMeanPooling
from .tokens import right_pad

MIN_COSINE = 0.9999
# What ONNX Runtime raises on a graph it cannot load or run (none of them is a RuntimeError).
ONNX_RUNTIME_ERRORS = (
    ort_state.Fail,
    ort_state.InvalidArgument,
    ort_state.InvalidGraph,
    ort_state.NotImplemented,
    ort_state.RuntimeException,
)


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two [rows, dim] arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def onnx_session(onnx: Path | bytes) -> ort.InferenceSession:
    """A CPU session on a graph file or a serialized graph."""
    options = ort.SessionOptions()
    options.log_severity_level = 3
    graph = onnx if isinstance(onnx, bytes) else str(onnx)
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def torch_embed(pooling: LayerMeanPooling, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return pooling(torch.from_numpy(input_ids), torch.from_numpy(attention_mask)).numpy()


def verify_onnx(pooling: LayerMeanPooling, onnx_path: Path, pad_id: int, vocab_size: int, max_tokens: int) -> float:
    """Runs one right-padded batch of very different lengths through ONNX Runtime and PyTorch;
    returns the smallest row cosine, raising ExportError below MIN_COSINE."""
    generator = np.random.default_rng(0)
    lengths = [min(max_tokens, 96), min(max_tokens, 13), 1]
    rows = [generator.integers(0, vocab_size, size=n).tolist() for n in lengths]
    input_ids, attention_mask = right_pad(rows, pad_id)
    (from_onnx,) = onnx_session(onnx_path).run(
        ["embedding"], {"input_ids": input_ids, "attention_mask": attention_mask}
    )
    worst = float(cosine_rows(from_onnx, torch_embed(pooling, input_ids, attention_mask)).min())
    if not worst >= MIN_COSINE:
        raise ExportError(f"exported ONNX model disagrees with PyTorch: cosine {worst:.6f} < {MIN_COSINE}")
    return worst
