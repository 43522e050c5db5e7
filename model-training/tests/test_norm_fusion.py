"""Residual add + RMSNorm fusion at export: which norms are rewritten, and that a rewritten graph
still computes what PyTorch computes (test_bundle_export.py and test_java_parity.py run the fused
bundles of every architecture end to end, in Python and in Java)."""

import collections

import onnx
import pytest
from onnx import TensorProto, helper

from llm4es_training import bundle as bundle_module
from llm4es_training.bundle import export_bundle, rebundle
from llm4es_training.onnx_graph import sort_topologically


def _op_counts(path) -> collections.Counter:
    return collections.Counter(node.op_type for node in onnx.load(path).graph.node)


@pytest.mark.parametrize("architecture", ["llama", "llama-mha", "qwen2", "stories260k"])
def test_residual_rms_norms_are_fused(exported, architecture):
    bundle = exported(architecture)
    layers = bundle.manifest["num_layers"]
    ops = _op_counts(bundle.bundle_dir / "model.onnx")

    # Two norms per block and the final one; the first block's reads the token embeddings, not
    # a residual sum, and stays as exported.
    assert bundle.manifest["onnx"]["fused_norms"] == 2 * layers
    assert ops["SkipSimplifiedLayerNormalization"] == 2 * layers
    assert ops["Pow"] == ops["Reciprocal"] == 1
    onnx.checker.check_model(onnx.load(bundle.bundle_dir / "model.onnx"))


def test_layer_norm_models_have_nothing_to_fuse(exported):
    bundle = exported("gpt2")
    assert bundle.manifest["onnx"]["fused_norms"] == 0
    assert _op_counts(bundle.bundle_dir / "model.onnx")["SkipSimplifiedLayerNormalization"] == 0


def test_norm_fusion_can_be_turned_off(tiny_model_dir, serializer_path, tmp_path):
    manifest = export_bundle(
        model=str(tiny_model_dir("llama")), serializer=serializer_path, name="n", out=tmp_path / "n", fused_norms=False
    )
    layers = manifest["num_layers"]
    assert manifest["onnx"]["fused_norms"] == 0
    assert manifest["onnx"]["fused_attention_blocks"] == layers
    assert _op_counts(tmp_path / "n" / "model.onnx")["Pow"] == 2 * layers + 1


def _sabotage_fused_norms(monkeypatch, change) -> None:
    """The export's norm fusion, with `change` applied to each fused node it writes."""
    real = bundle_module.fuse_norms

    def sabotaged(path, destination):
        fused = real(path, destination)
        model = onnx.load(destination)
        for node in model.graph.node:
            if node.op_type == "SkipSimplifiedLayerNormalization":
                change(node)
        onnx.save(model, destination)
        return fused

    monkeypatch.setattr(bundle_module, "fuse_norms", sabotaged)


def test_a_fused_norm_that_disagrees_with_pytorch_is_not_shipped(
    tiny_model_dir, serializer_path, tmp_path, monkeypatch, caplog
):
    def huge_epsilon(node):
        next(a for a in node.attribute if a.name == "epsilon").f = 1e4

    _sabotage_fused_norms(monkeypatch, huge_epsilon)
    out = tmp_path / "guarded"
    manifest = export_bundle(model=str(tiny_model_dir("llama")), serializer=serializer_path, name="g", out=out)

    assert manifest["onnx"]["fused_norms"] == manifest["onnx"]["fused_attention_blocks"] == 0
    assert _op_counts(out / "model.onnx")["SkipSimplifiedLayerNormalization"] == 0
    assert "fused graph disagrees with PyTorch" in caplog.text


def test_a_fused_graph_onnx_runtime_cannot_run_is_not_shipped(
    tiny_model_dir, serializer_path, tmp_path, monkeypatch, caplog
):
    def unknown_kernel(node):
        node.op_type = "SkipSimplifiedLayerNormalizationThatDoesNotExist"

    _sabotage_fused_norms(monkeypatch, unknown_kernel)
    out = tmp_path / "refused"
    manifest = export_bundle(model=str(tiny_model_dir("llama")), serializer=serializer_path, name="r", out=out)

    assert manifest["onnx"]["fused_norms"] == 0
    assert _op_counts(out / "model.onnx")["Pow"] == 2 * manifest["num_layers"] + 1
    assert "fails in ONNX Runtime" in caplog.text


def test_int8_graph_keeps_the_fused_norms(exported, tmp_path, serializer_path):
    source = exported("llama")
    out = tmp_path / "int8"
    manifest = rebundle(source=source.bundle_dir, serializer=serializer_path, name="q", out=out, quantize="int8")
    assert manifest["onnx"]["fused_norms"] == 2 * manifest["num_layers"]
    assert _op_counts(out / manifest["onnx"]["file"])["SkipSimplifiedLayerNormalization"] == 2 * manifest["num_layers"]


def test_topological_sort_moves_a_reader_after_its_new_producer_and_keeps_the_rest():
    values = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("x", "y")]
    graph = helper.make_graph(
        [
            helper.make_node("Relu", ["x"], ["a"], "first"),
            helper.make_node("Neg", ["b"], ["c"], "reads_b_too_early"),
            helper.make_node("Abs", ["a"], ["b"], "makes_b"),
            helper.make_node("Sigmoid", ["x"], ["d"], "independent"),
            helper.make_node("Add", ["c", "d"], ["y"], "last"),
        ],
        "g",
        [values[0]],
        [values[1]],
    )
    sort_topologically(graph)
    assert [n.name for n in graph.node] == ["first", "makes_b", "reads_b_too_early", "independent", "last"]

    graph.node.append(helper.make_node("Abs", ["y"], ["x2"], "loop_a"))
    graph.node[0].input[0] = "x2"
    with pytest.raises(ValueError, match="cycle"):
        sort_topologically(graph)
