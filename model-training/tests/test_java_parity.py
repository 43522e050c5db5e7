"""The Java runtime (sql/target/llm4es.jar) must tokenize and embed exactly like PyTorch does."""

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
