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


def test_another_context_or_step_count_is_named_apart_from_the_recipe(tmp_path):
    """A lever's models, corpus, texts and results never overwrite the recipe's own (seed 0 at the
    recipe's settings is the run of record's model)."""
    from llm4es_training.benchmark.llm_models import RECIPE_METHOD
    from llm4es_training.benchmark.run import Benchmark, mode_for
    from llm4es_training.benchmark.search import Search

    bench = Benchmark(tmp_path, mode_for(False, None, True), ["berka-age"], None, 1)
    recipe = Search(bench, [0, 1])
    lever = Search(bench, [0, 1], context=2048, max_steps=1000, variants=["final/mean-max"])
    assert (recipe.method(0), recipe.method(1), recipe.dir.name) == (RECIPE_METHOD, f"{RECIPE_METHOD}-seed1", "search")
    assert lever.method(0) == f"{RECIPE_METHOD}-ctx2048-steps1000"
    assert lever.method(1) == f"{RECIPE_METHOD}-ctx2048-steps1000-seed1"
    assert lever.dir.name == "search-ctx2048-steps1000"
    assert (lever.training.context, lever.training.max_steps) == (2048, 1000)
    assert lever.variants == [DEFAULT_VARIANT, "final/mean-max"]  # the default is always scored
    steps_only = Search(bench, [0], max_steps=1000)
    assert (steps_only.context_suffix, steps_only.method(0)) == ("", f"{RECIPE_METHOD}-steps1000")


def test_another_context_is_the_bundles_token_budget(tmp_path):
    """The serializer's max_tokens caps what a bundle embeds: at another context the bundle must
    carry that context, or SQL cuts texts the model was trained on whole."""
    from llm4es_training.benchmark.llm_models import RECIPE_METHOD
    from llm4es_training.benchmark.run import Benchmark, mode_for

    task = tmp_path / "tasks" / "berka-age"
    task.mkdir(parents=True)
    (task / "serializer.json").write_text(json.dumps({"fields": [{"name": "amount", "role": "number"}]}))
    (task / "task.json").write_text(json.dumps({"dataset": "berka", "fields": []}))
    bench = Benchmark(tmp_path, mode_for(False, None, True), ["berka-age"], None, 1)
    recipe = json.loads(bench.serializer("berka-age", RECIPE_METHOD).read_text())
    longer = json.loads(bench.serializer("berka-age", RECIPE_METHOD, 2048).read_text())
    assert (recipe["max_tokens"], longer["max_tokens"]) == (1024, 2048)
    assert {**longer, "max_tokens": 1024} == recipe  # nothing else differs
