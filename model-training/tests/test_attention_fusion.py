"""Attention fusion at export: which graphs are rewritten, and that a rewritten one still
computes what PyTorch computes (the parametrized tests in test_bundle_export.py and
test_java_parity.py cover the fused `llama-mha` bundle end to end, in Python and in Java)."""

import collections

import onnx
import pytest

from llm4es_training import bundle as bundle_module
from llm4es_training.bundle import export_bundle, rebundle


def _op_counts(bundle_dir) -> collections.Counter:
    model = onnx.load(bundle_dir / "model.onnx")
    return collections.Counter(node.op_type for node in model.graph.node)


@pytest.mark.parametrize("architecture", ["llama-mha", "llama", "stories260k"])
def test_rotary_decoders_are_fused_into_contrib_kernels(exported, architecture):
    # llama-mha: a key/value head per query head; llama and stories260K: grouped key/value heads
    bundle = exported(architecture)
    ops = _op_counts(bundle.bundle_dir)
    layers = bundle.manifest["num_layers"]

    assert bundle.manifest["onnx"]["fused_attention_blocks"] == layers
    assert ops["MultiHeadAttention"] == layers and ops["RotaryEmbedding"] == 2 * layers
    # The exported attention is gone: no score Softmax, no rotate_half Neg, no repeat_kv Expand,
    # no 4-D mask Where.
    assert ops["Softmax"] == ops["Neg"] == ops["Expand"] == ops["Where"] == 0


@pytest.mark.parametrize("architecture", ["qwen2", "gpt2"])
def test_other_attention_stays_as_exported(exported, architecture):
    # qwen2: biased query/key/value projections; gpt2: learned positions, no rotary
    bundle = exported(architecture)
    assert bundle.manifest["onnx"]["fused_attention_blocks"] == 0
    assert _op_counts(bundle.bundle_dir)["Softmax"] > 0


def test_fusion_can_be_turned_off(tiny_model_dir, serializer_path, tmp_path):
    manifest = export_bundle(
        model=str(tiny_model_dir("llama-mha")),
        serializer=serializer_path,
        name="unfused",
        out=tmp_path / "unfused",
        fused_attention=False,
    )
    assert manifest["onnx"]["fused_attention_blocks"] == 0
    assert _op_counts(tmp_path / "unfused")["MultiHeadAttention"] == 0


def test_a_fused_graph_that_disagrees_with_pytorch_is_not_shipped(
    tiny_model_dir, serializer_path, tmp_path, monkeypatch, caplog
):
    real = bundle_module.fuse_attention

    def fuse_with_a_wrong_scale(path, destination, max_positions):
        fused = real(path, destination, max_positions)
        model = onnx.load(destination)
        for node in model.graph.node:
            for attribute in node.attribute:
                if node.op_type == "MultiHeadAttention" and attribute.name == "scale":
                    attribute.f *= 4
        onnx.save(model, destination)
        return fused

    monkeypatch.setattr(bundle_module, "fuse_attention", fuse_with_a_wrong_scale)
    out = tmp_path / "guarded"
    manifest = export_bundle(model=str(tiny_model_dir("llama-mha")), serializer=serializer_path, name="g", out=out)

    assert manifest["onnx"]["fused_attention_blocks"] == 0
    assert _op_counts(out)["MultiHeadAttention"] == 0
    assert "fused graph disagrees with PyTorch" in caplog.text


def test_fused_int8_graph_keeps_the_fused_kernels(exported, tmp_path, serializer_path):
    source = exported("llama-mha")
    out = tmp_path / "int8"
    manifest = rebundle(source=source.bundle_dir, serializer=serializer_path, name="q", out=out, quantize="int8")
    ops = collections.Counter(node.op_type for node in onnx.load(out / manifest["onnx"]["file"]).graph.node)

    assert ops["MultiHeadAttention"] == 3 and ops["MatMulInteger"] > 0
    assert manifest["onnx"]["quantization"]["verified_min_cosine"] >= 0.99
