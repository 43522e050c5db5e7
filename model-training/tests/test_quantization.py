"""`--quantize int8`: the bundle ships an int8 graph the Java embedder runs unchanged, whose
embeddings of real texts stay close to the float graph's."""

import hashlib

import numpy as np
import onnx
import pytest

from llm4es_training.bundle import export_bundle, rebundle
from llm4es_training.cli import main
from llm4es_training.errors import ExportError
from llm4es_training.manifest import MANIFEST_FILE, read_manifest
from llm4es_training.tokens import encode_for_bundle, right_pad
from llm4es_training.verification import cosine_rows, onnx_session

from support import corpus_records

MIN_COSINE_TO_FLOAT = 0.99


def _real_texts(texts: dict[str, str]) -> dict[str, str]:
    """The shared test texts and transaction histories of 2 to 9 events (within 512 tokens)."""
    return {**texts, **{r["user_id"]: r["text"] for r in corpus_records(users=8) if r["events"] <= 9}}


def _embed(bundle_dir, texts: dict[str, str], tokenizer) -> np.ndarray:
    manifest = read_manifest(bundle_dir)
    rows = [encode_for_bundle(tokenizer, t, manifest["tokens"]) for t in texts.values()]
    input_ids, attention_mask = right_pad(rows, manifest["tokens"]["pad_id"])
    session = onnx_session(bundle_dir / manifest["onnx"]["file"])
    (embedding,) = session.run(["embedding"], {"input_ids": input_ids, "attention_mask": attention_mask})
    return embedding


@pytest.fixture(scope="module")
def int8_bundle(tiny_model_dir, serializer_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("int8") / "llama-int8"
    export_bundle(
        model=str(tiny_model_dir("llama")), serializer=serializer_path, name="llama-int8", out=out, quantize="int8"
    )
    return out


def test_int8_bundle_names_its_graph_and_hashes_it(int8_bundle):
    manifest = read_manifest(int8_bundle)
    onnx_entry = manifest["onnx"]

    assert sorted(p.name for p in int8_bundle.iterdir()) == [MANIFEST_FILE, "model.int8.onnx", "tokenizer.json"]
    assert onnx_entry["file"] == "model.int8.onnx" and onnx_entry["dtype"] == "int8"
    assert onnx_entry["inputs"] == ["input_ids", "attention_mask"] and onnx_entry["output"] == "embedding"
    assert onnx_entry["quantization"]["weights"] == "int8" and onnx_entry["quantization"]["method"] == "dynamic"
    assert onnx_entry["quantization"]["verified_min_cosine"] >= 0.98
    assert manifest["files"] == {
        name: hashlib.sha256((int8_bundle / name).read_bytes()).hexdigest()
        for name in ("model.int8.onnx", "tokenizer.json")
    }


def test_int8_graph_keeps_the_contract_and_quantizes_the_weights(int8_bundle, exported):
    model = onnx.load(int8_bundle / "model.int8.onnx")
    onnx.checker.check_model(model)
    ops = {node.op_type for node in model.graph.node}

    assert {o.domain: o.version for o in model.opset_import}[""] <= 20
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["embedding"]
    assert model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert {"MatMulInteger", "DynamicQuantizeLinear"} <= ops
    # A quarter of the float weights, give or take the float embedding table and norms.
    float_size = (exported("llama").bundle_dir / "model.onnx").stat().st_size
    assert (int8_bundle / "model.int8.onnx").stat().st_size < 0.6 * float_size


def test_int8_embeddings_of_real_texts_stay_close_to_float(int8_bundle, exported, texts):
    float_bundle = exported("llama")
    real = _real_texts(texts)
    from_float = _embed(float_bundle.bundle_dir, real, float_bundle.tokenizer)
    from_int8 = _embed(int8_bundle, real, float_bundle.tokenizer)

    cosines = cosine_rows(from_float, from_int8)
    assert cosines.min() >= MIN_COSINE_TO_FLOAT, dict(zip(real, cosines.round(4)))
    # Not the same graph in disguise: int8 rounding moves every embedding a little.
    assert cosines.max() < 0.999999


def test_java_runs_the_int8_graph_close_to_float(java_embed, int8_bundle, exported, texts):
    float_bundle = exported("llama")
    real = _real_texts(texts)
    a, b = java_embed(float_bundle.bundle_dir, real), java_embed(int8_bundle, real)
    from_python = _embed(int8_bundle, real, float_bundle.tokenizer)
    for index, key in enumerate(real):
        assert a[key]["token_ids"] == b[key]["token_ids"]
        int8 = np.asarray([b[key]["embedding"]])
        assert cosine_rows(np.asarray([a[key]["embedding"]]), int8)[0] >= MIN_COSINE_TO_FLOAT, key
        # The same graph in ONNX Runtime Java (1.23) and Python.
        assert cosine_rows(from_python[[index]], int8)[0] >= 0.999, key


def test_rebundle_quantizes_a_float_bundle_and_refuses_an_int8_one(exported, serializer_path, tmp_path, capsys):
    source = exported("qwen2").bundle_dir
    out = tmp_path / "qwen2-int8"
    code = main(
        ["rebundle", "--from", str(source), "--serializer", str(serializer_path), "--name", "qwen2-int8"]
        + ["--out", str(out), "--quantize", "int8"]
    )
    assert code == 0 and "int8 graph model.int8.onnx" in capsys.readouterr().out
    manifest = read_manifest(out)
    assert manifest["onnx"]["file"] == "model.int8.onnx" and set(manifest["files"]) == {
        "model.int8.onnx",
        "tokenizer.json",
    }
    assert manifest["derived_from"]["name"] == "qwen2"

    with pytest.raises(ExportError, match="already quantized"):
        rebundle(source=out, serializer=serializer_path, name="again", out=tmp_path / "again", quantize="int8")
    assert not (tmp_path / "again").exists()


def test_unknown_quantization_is_refused(exported, serializer_path, tmp_path):
    with pytest.raises(ExportError, match="unknown quantization 'int4'"):
        rebundle(
            source=exported("gpt2").bundle_dir,
            serializer=serializer_path,
            name="x",
            out=tmp_path / "x",
            quantize="int4",
        )
