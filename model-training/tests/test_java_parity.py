"""The Java runtime (the CLI's jar) must tokenize and embed exactly like PyTorch does."""

import numpy as np

from llm4es_training.verification import cosine_rows


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
