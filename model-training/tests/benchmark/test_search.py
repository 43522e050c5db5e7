"""The search's pooled variants: the default is what a bundle computes, every pooling ignores
padding, and the choice keeps the default unless a variant wins on every seed beyond noise."""

import json

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM

from llm4es_training.benchmark.search import DEFAULT_VARIANT, VARIANTS, choose, pool, variant_embeddings
from llm4es_training.tokens import right_pad


def test_default_variant_is_the_bundles_embedding(exported, texts, tmp_path):
    model = exported("llama")
    lines = tmp_path / "texts.jsonl"
    lines.write_text("".join(json.dumps({"user_id": k, "text": v}) + "\n" for k, v in texts.items()))
    tables = variant_embeddings(model.model_dir, model.bundle_dir, lines, VARIANTS)
    onnx = model.onnx_embed([model.token_ids(v) for v in texts.values()])
    ours = tables[DEFAULT_VARIANT].loc[list(texts)].to_numpy()
    cosine = (ours * onnx).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(onnx, axis=1))
    assert cosine.min() > 0.9999
    hidden = model.manifest["hidden_size"]
    assert {v: t.shape[1] for v, t in tables.items()} == {v: hidden * (2 if "mean-max" in v else 1) for v in VARIANTS}
    assert not np.allclose(tables["upper/last"].to_numpy(), tables["upper/mean"].to_numpy())


@pytest.mark.parametrize("variant", VARIANTS)
def test_padding_does_not_change_a_variant(tiny_model_dir, variant):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir("llama")).eval()
    short, long = [1, 5, 6], [1, 7, 8, 9, 10, 11]

    def vectors(rows):
        ids, mask = (torch.from_numpy(a) for a in right_pad(rows, 0))
        with torch.inference_mode():
            hidden = model.model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        return pool(list(hidden), mask, variant).numpy()

    np.testing.assert_allclose(vectors([short, long])[0], vectors([short])[0], rtol=1e-4, atol=1e-5)


def test_the_default_stays_unless_a_variant_wins_on_every_seed():
    default = [0.00, 0.01, 0.02]
    assert choose({DEFAULT_VARIANT: default, "all/mean": [0.03, 0.04, 0.05]}) == ("all/mean", "all/mean")
    # better on the mean, worse on one seed
    assert choose({DEFAULT_VARIANT: default, "all/mean": [0.09, 0.04, 0.01]}) == ("all/mean", DEFAULT_VARIANT)
    # better on every seed, but by less than the gain's spread
    assert choose({DEFAULT_VARIANT: default, "all/mean": [0.001, 0.011, 0.1]}) == ("all/mean", DEFAULT_VARIANT)
    assert choose({DEFAULT_VARIANT: [0.1, 0.1, 0.1], "all/mean": default}) == (DEFAULT_VARIANT, DEFAULT_VARIANT)
    # the best mean comes from one seed; the steady winner is chosen
    steady, lucky = [0.02, 0.03, 0.04], [0.20, 0.00, 0.01]
    assert choose({DEFAULT_VARIANT: default, "all/mean": lucky, "final/mean": steady}) == ("all/mean", "final/mean")
