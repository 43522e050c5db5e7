"""The Java runtime (the CLI's jar) must tokenize and embed exactly like PyTorch does."""

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

from llm4es_training.tokens import encode_for_bundle, right_pad
from llm4es_training.verification import cosine_rows, torch_embed


def test_java_matches_pytorch(java_embed, exported, model_name, texts):
    bundle = exported(model_name)
    from_java = java_embed(bundle.bundle_dir, texts)
    assert sorted(from_java) == sorted(texts)

    for key, text in texts.items():
        expected_ids = bundle.token_ids(text)
        assert from_java[key]["token_ids"] == expected_ids, f"token ids differ for {key!r}"
        java_embedding = np.asarray([from_java[key]["embedding"]], dtype=np.float32)
        torch_embedding = bundle.torch_embed([expected_ids])
        cosine = cosine_rows(java_embedding, torch_embedding)[0]
        assert cosine >= 0.9999, f"{model_name} {key!r}: cosine(Java, PyTorch) = {cosine:.6f}"


def test_java_loads_a_rebundled_model_as_its_source(java_embed, exported, texts, tmp_path):
    from llm4es_training.bundle import rebundle

    source = exported("gpt2").bundle_dir
    serializer = tmp_path / "serializer.json"
    serializer.write_text('{"format_version": 1, "fields": [{"name": "amount", "role": "number"}]}', encoding="utf-8")
    derived = tmp_path / "gpt2-amounts"
    rebundle(source=source, serializer=serializer, name="gpt2-amounts", out=derived)
    a, b = java_embed(source, texts), java_embed(derived, texts)
    for key in texts:
        assert a[key]["token_ids"] == b[key]["token_ids"]
        assert np.array_equal(np.asarray(a[key]["embedding"]), np.asarray(b[key]["embedding"]))


@pytest.mark.parametrize("token_pooling", ["last", "mean-max"])
def test_java_embeds_every_token_pooling_as_pytorch(
    java_embed, tiny_model_dir, serializer_path, texts, tmp_path, token_pooling
):
    """A bundle exported with another token pooling: its manifest says how wide its embedding is,
    and the Java runtime's vectors are PyTorch's for that pooling."""
    from llm4es_training.bundle import export_bundle
    from llm4es_training.pooling import LayerMeanPooling

    model_dir = tiny_model_dir("llama")
    out = tmp_path / token_pooling
    manifest = export_bundle(
        model=str(model_dir), serializer=serializer_path, name="p", out=out, token_pooling=token_pooling
    )
    width = manifest["hidden_size"] * (2 if token_pooling == "mean-max" else 1)
    assert manifest["embedding_dim"] == width
    assert manifest["pooling"]["token_reduce"] == {"last": "last_token", "mean-max": "masked_mean_max"}[token_pooling]
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    pooling = LayerMeanPooling(
        model.base_model, manifest["pooling"]["layers_from"], manifest["pooling"]["layers_to"], token_pooling
    ).eval()
    tokenizer = Tokenizer.from_file(str(out / "tokenizer.json"))
    from_java = java_embed(out, texts)
    for key, text in texts.items():
        ids = encode_for_bundle(tokenizer, text, manifest["tokens"])
        assert from_java[key]["token_ids"] == ids
        java = np.asarray([from_java[key]["embedding"]], dtype=np.float32)
        assert java.shape == (1, width)
        cosine = cosine_rows(java, torch_embed(pooling, *right_pad([ids], manifest["tokens"]["pad_id"])))[0]
        assert cosine >= 0.9999, f"{token_pooling} {key!r}: cosine(Java, PyTorch) = {cosine:.6f}"
