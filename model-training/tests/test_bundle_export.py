import hashlib
import json
import shutil

import onnx
import pytest

from llm4es_training.bundle import export_bundle, rebundle
from llm4es_training.cli import main
from llm4es_training.errors import ExportError
from llm4es_training.manifest import MANIFEST_FILE, read_manifest
from llm4es_training.verification import cosine_rows


def test_onnx_matches_torch_eager(exported, model_name, texts):
    bundle = exported(model_name)
    rows = [bundle.token_ids(text) for text in texts.values()]
    assert max(map(len, rows)) > 20 * min(map(len, rows))

    onnx_embeddings = bundle.onnx_embed(rows)

    assert onnx_embeddings.shape == (len(rows), bundle.manifest["embedding_dim"])
    assert cosine_rows(onnx_embeddings, bundle.torch_embed(rows)).min() >= 0.9999
    # Guards against a degenerate model that embeds every text alike (which would pass anything).
    off_diagonal = [
        cosine_rows(onnx_embeddings[[i]], onnx_embeddings[[j]])[0] for i in range(len(rows)) for j in range(i)
    ]
    assert min(off_diagonal) < 0.999


def test_row_embedding_does_not_depend_on_its_batch(exported, model_name, texts):
    bundle = exported(model_name)
    rows = [bundle.token_ids(text) for text in texts.values()]
    batched = bundle.onnx_embed(rows)
    for index, row in enumerate(rows):
        alone = bundle.onnx_embed([row])
        assert cosine_rows(alone, batched[[index]])[0] >= 0.99999, f"row {index} ({len(row)} tokens)"


def test_manifest_describes_the_bundle(exported, model_name, serializer_config):
    bundle = exported(model_name)
    manifest = bundle.manifest
    config = bundle.pooling.decoder.config

    assert manifest["format_version"] == 1
    assert manifest["name"] == model_name and manifest["version"] == "1"
    assert manifest["created"].endswith("Z")
    assert manifest["base_model"]["name_or_path"] == str(bundle.model_dir)
    assert manifest["base_model"]["model_type"] == config.model_type
    assert manifest["hidden_size"] == manifest["embedding_dim"] == config.hidden_size
    assert manifest["num_layers"] == config.num_hidden_layers
    assert manifest["pooling"] == {
        "layers_from": -(-config.num_hidden_layers // 3),
        "layers_to": config.num_hidden_layers,
        "layer_reduce": "mean",
        "token_reduce": "masked_mean",
    }
    assert manifest["max_tokens"] == 512
    assert manifest["tokens"] == {"bos_id": 1, "eos_id": 2, "pad_id": 2, "add_bos": True, "add_eos": False}
    assert manifest["serializer"] == serializer_config
    assert manifest["training"] is None and manifest["metrics"] == {}

    files = sorted(p.name for p in bundle.bundle_dir.iterdir())
    assert files == [MANIFEST_FILE, "model.onnx", "tokenizer.json"]
    assert manifest["files"] == {
        name: hashlib.sha256((bundle.bundle_dir / name).read_bytes()).hexdigest()
        for name in ("model.onnx", "tokenizer.json")
    }


def test_onnx_graph_contract(exported, model_name):
    bundle = exported(model_name)
    model = onnx.load(bundle.bundle_dir / "model.onnx")
    onnx.checker.check_model(model)
    graph = model.graph
    opsets = {o.domain: o.version for o in model.opset_import}

    assert opsets[""] == bundle.manifest["onnx"]["opset"] <= 20
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in graph.output] == ["embedding"]
    for value in graph.input:
        dims = value.type.tensor_type.shape.dim
        assert value.type.tensor_type.elem_type == onnx.TensorProto.INT64
        assert all(d.dim_param and not d.dim_value for d in dims), "batch and token dims are dynamic"
    produced = [name for node in graph.node for name in node.output]
    assert produced.count("embedding") == 1


def test_stories260k_defaults(exported):
    manifest = exported("stories260k").manifest
    assert manifest["base_model"]["architecture"] == "LlamaForCausalLM"
    assert manifest["base_model"]["parameters"] == 292800
    assert (manifest["num_layers"], manifest["hidden_size"]) == (5, 64)
    assert (manifest["pooling"]["layers_from"], manifest["pooling"]["layers_to"]) == (2, 5)


def test_explicit_options_reach_the_manifest(tiny_model_dir, serializer_path, tmp_path):
    out = tmp_path / "custom"
    manifest = export_bundle(
        model=str(tiny_model_dir("llama")),
        serializer=serializer_path,
        name="custom",
        version="7",
        layers_from=0,
        layers_to=1,
        max_tokens=64,
        add_bos=False,
        out=out,
    )
    assert manifest["version"] == "7"
    assert (manifest["pooling"]["layers_from"], manifest["pooling"]["layers_to"]) == (0, 1)
    assert manifest["max_tokens"] == 64
    assert manifest["tokens"]["add_bos"] is False


@pytest.mark.parametrize("name, expected", [("upper", (1, 3)), ("final", (3, 3)), ("all", (0, 3))])
def test_embedding_layers_by_name(tiny_model_dir, serializer_path, tmp_path, name, expected):
    manifest = _export(tiny_model_dir("llama"), serializer_path, tmp_path / name, embedding_layers=name)
    assert (manifest["pooling"]["layers_from"], manifest["pooling"]["layers_to"]) == expected


def test_embedding_layers_and_a_layer_range_or_an_unknown_pooling_are_refused(
    tiny_model_dir, serializer_path, tmp_path
):
    model = tiny_model_dir("llama")
    with pytest.raises(ExportError, match="--embedding-layers takes one of upper, final, all"):
        _export(model, serializer_path, tmp_path / "b", embedding_layers="final", layers_from=1)
    with pytest.raises(ExportError, match="--token-pooling must be one of mean, last, mean-max, not 'max'"):
        _export(model, serializer_path, tmp_path / "b", token_pooling="max")
    assert list(tmp_path.iterdir()) == []


def test_large_model_weights_go_to_external_data(tiny_model_dir, serializer_path, tmp_path, monkeypatch):
    # Pretend the 2 GB protobuf limit is tiny so the external-data path runs on a tiny model.
    monkeypatch.setattr("llm4es_training.onnx_export.SINGLE_FILE_LIMIT_BYTES", 0)
    out = tmp_path / "bundle"
    manifest = export_bundle(model=str(tiny_model_dir("gpt2")), serializer=serializer_path, name="big", out=out)
    assert sorted(manifest["files"]) == ["model.onnx", "model.onnx_data", "tokenizer.json"]
    assert (out / "model.onnx_data").stat().st_size > (out / "model.onnx").stat().st_size
    assert manifest["files"]["model.onnx_data"] == hashlib.sha256((out / "model.onnx_data").read_bytes()).hexdigest()


def _export(model, serializer, out, **options):
    return export_bundle(model=str(model), serializer=serializer, name="failing", out=out, **options)


def test_missing_model_path_fails_cleanly(serializer_path, tmp_path):
    out = tmp_path / "out" / "bundle"
    with pytest.raises(ExportError, match="model path not found: .*/no/such/model"):
        _export(tmp_path / "no/such/model", serializer_path, out)
    assert not out.exists()


@pytest.mark.parametrize("layers", [(0, 4), (3, 2), (-1, 3)])
def test_layer_range_out_of_bounds_fails_cleanly(tiny_model_dir, serializer_path, tmp_path, layers):
    out = tmp_path / "bundle"
    with pytest.raises(ExportError, match=rf"layer range {layers[0]}\.\.{layers[1]} is out of bounds"):
        _export(tiny_model_dir("llama"), serializer_path, out, layers_from=layers[0], layers_to=layers[1])
    assert list(tmp_path.iterdir()) == []


def test_bad_serializer_json_fails_cleanly(tiny_model_dir, tmp_path):
    serializer = tmp_path / "serializer.json"
    serializer.write_text('{"fields": [', encoding="utf-8")
    out = tmp_path / "bundle"
    with pytest.raises(ExportError, match="is not valid JSON"):
        _export(tiny_model_dir("llama"), serializer, out)
    assert not out.exists()


def test_model_without_tokenizer_fails_cleanly(tiny_model_dir, serializer_path, tmp_path):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for name in ("config.json", "model.safetensors"):
        (model_dir / name).write_bytes((tiny_model_dir("llama") / name).read_bytes())
    out = tmp_path / "bundle"
    with pytest.raises(ExportError, match="cannot load a tokenizer"):
        _export(model_dir, serializer_path, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_existing_non_bundle_directory_is_never_replaced(tiny_model_dir, serializer_path, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "data.txt").write_text("keep me")
    with pytest.raises(ExportError, match="refusing to replace"):
        _export(tiny_model_dir("llama"), serializer_path, out)
    assert (out / "data.txt").read_text() == "keep me"


def test_existing_bundle_is_replaced(tiny_model_dir, serializer_path, tmp_path):
    out = tmp_path / "bundle"
    out.mkdir()
    (out / MANIFEST_FILE).write_text("{}")
    (out / "stale.onnx").write_text("old")
    manifest = _export(tiny_model_dir("gpt2"), serializer_path, out)
    assert sorted(manifest["files"]) == ["model.onnx", "tokenizer.json"]
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_FILE, "model.onnx", "tokenizer.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_cli_reports_one_line_error_and_exit_code(serializer_path, tmp_path, capsys):
    out = tmp_path / "bundle"
    code = main(
        [
            "export-bundle",
            "--model",
            str(tmp_path / "missing"),
            "--serializer",
            str(serializer_path),
            "--name",
            "x",
            "--out",
            str(out),
        ]
    )
    error = capsys.readouterr().err
    assert code == 1
    assert error.count("\n") == 1 and error.startswith("llm4es-train: error: model path not found")
    assert not out.exists()


def test_cli_exports_a_bundle(tiny_model_dir, serializer_path, tmp_path, capsys):
    out = tmp_path / "bundle"
    code = main(
        [
            "export-bundle",
            "--model",
            str(tiny_model_dir("gpt2")),
            "--serializer",
            str(serializer_path),
            "--name",
            "cli",
            "--version",
            "2",
            "--no-add-bos",
            "--layers-from",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "wrote bundle cli:2" in capsys.readouterr().out
    assert (out / MANIFEST_FILE).is_file()


def test_rebundle_keeps_the_model_and_swaps_the_serializer(exported, tmp_path, capsys):
    source = exported("gpt2").bundle_dir
    other = {"format_version": 1, "fields": [{"name": "amount", "role": "number", "format": "0"}]}
    (tmp_path / "other.json").write_text(json.dumps(other), encoding="utf-8")
    out = tmp_path / "models" / "gpt2-amounts"
    code = main(
        [
            "rebundle",
            "--from",
            str(source),
            "--serializer",
            str(tmp_path / "other.json"),
            "--name",
            "gpt2-amounts",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and "wrote bundle gpt2-amounts:1" in capsys.readouterr().out

    before, after = read_manifest(source), read_manifest(out)
    assert after["serializer"] == other and after["name"] == "gpt2-amounts"
    assert after["derived_from"] == {"name": before["name"], "version": before["version"], "created": before["created"]}
    changed = {"name", "serializer", "created", "derived_from"}
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    for relative in before["files"]:
        assert (out / relative).read_bytes() == (source / relative).read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["gpt2-amounts"]


def test_rebundle_refuses_a_source_whose_files_changed(exported, serializer_path, tmp_path):
    source = tmp_path / "copy"
    shutil.copytree(exported("gpt2").bundle_dir, source)
    with (source / "tokenizer.json").open("a", encoding="utf-8") as stream:
        stream.write(" ")
    with pytest.raises(ExportError, match="do not match its manifest"):
        rebundle(source=source, serializer=serializer_path, name="x", out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
