"""The search's pooled variants: each is what a bundle pooled so computes, every pooling ignores
padding, the default is the recipe's pooling, and the choice keeps it unless a variant wins on
every seed beyond noise."""

import argparse
import json

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM

from llm4es_training.benchmark.search import (
    EXPORT_DEFAULT_VARIANT,
    VARIANTS,
    choose,
    pool,
    recipe_variant,
    scoring_order,
    variant_embeddings,
)
from llm4es_training.recipe import DEFAULT_RECIPE, load_recipe
from llm4es_training.tokens import right_pad


def test_export_default_variant_is_the_bundles_embedding(exported, texts, tmp_path):
    model = exported("llama")
    lines = tmp_path / "texts.jsonl"
    lines.write_text("".join(json.dumps({"user_id": k, "text": v}) + "\n" for k, v in texts.items()))
    tables = variant_embeddings(model.model_dir, model.bundle_dir, lines, VARIANTS)
    onnx = model.onnx_embed([model.token_ids(v) for v in texts.values()])
    ours = tables[EXPORT_DEFAULT_VARIANT].loc[list(texts)].to_numpy()
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
    d, default = "upper/mean", [0.00, 0.01, 0.02]
    assert choose({d: default, "all/mean": [0.03, 0.04, 0.05]}, d) == ("all/mean", "all/mean")
    # better on the mean, worse on one seed
    assert choose({d: default, "all/mean": [0.09, 0.04, 0.01]}, d) == ("all/mean", d)
    # better on every seed, but by less than the gain's spread
    assert choose({d: default, "all/mean": [0.001, 0.011, 0.1]}, d) == ("all/mean", d)
    assert choose({d: [0.1, 0.1, 0.1], "all/mean": default}, d) == (d, d)
    # the best mean comes from one seed; the steady winner is chosen
    steady, lucky = [0.02, 0.03, 0.04], [0.20, 0.00, 0.01]
    assert choose({d: default, "all/mean": lucky, "final/mean": steady}, d) == ("all/mean", "final/mean")
    # the default is whichever the caller names (the recipe's pooling)
    assert choose({d: steady, "final/mean-max": default}, "final/mean-max") == (d, d)


def test_the_chosen_variant_is_scored_on_the_test_split_first():
    assert scoring_order("upper/mean", "final/mean-max") == ["final/mean-max", "upper/mean"]
    assert scoring_order("upper/mean", "upper/mean") == ["upper/mean"]  # the default kept: scored once
    # named by --test-variants (a choice made over every task): exactly those, in the order named, once each
    named = ["final/mean-max", "upper/mean-max", "final/mean-max"]
    assert scoring_order("upper/mean", "upper/mean", named) == ["final/mean-max", "upper/mean-max"]


def test_the_recipes_pooling_is_the_default_variant():
    assert recipe_variant(load_recipe(DEFAULT_RECIPE)) == "final/mean-max"
    assert recipe_variant({}) == EXPORT_DEFAULT_VARIANT == "upper/mean"
    assert recipe_variant({"embedding": {"token_pooling": "last"}}) == "upper/last"


def test_another_context_or_step_count_is_named_apart_from_the_recipe(tmp_path):
    """A lever's models, corpus, texts and results never overwrite the recipe's own (seed 0 at the
    recipe's settings is the run of record's model)."""
    from llm4es_training.benchmark.llm_models import RECIPE_METHOD
    from llm4es_training.benchmark.run import Benchmark, mode_for
    from llm4es_training.benchmark.search import Search

    bench = Benchmark(tmp_path, mode_for(False, None, True), ["berka-age"], None, 1)
    recipe = Search(bench, [0, 1])
    lever = Search(bench, [0, 1], context=1024, max_steps=1000, variants=["upper/mean"])
    assert (recipe.method(0), recipe.method(1), recipe.dir.name) == (RECIPE_METHOD, f"{RECIPE_METHOD}-seed1", "search")
    assert lever.method(0) == f"{RECIPE_METHOD}-ctx1024-steps1000"
    assert lever.method(1) == f"{RECIPE_METHOD}-ctx1024-steps1000-seed1"
    assert lever.dir.name == "search-ctx1024-steps1000"
    assert (lever.training.context, lever.training.max_steps) == (1024, 1000)
    assert lever.variants == ["final/mean-max", "upper/mean"]  # the recipe's pooling is always scored
    assert lever.variant_method(1, "upper/mean") == f"{RECIPE_METHOD}-ctx1024-steps1000-seed1-upper-mean"
    assert lever.variant_method(1, "final/mean-max") == lever.method(1)
    steps_only = Search(bench, [0], max_steps=1000)
    assert (steps_only.context_suffix, steps_only.method(0)) == ("", f"{RECIPE_METHOD}-steps1000")
    rate = Search(bench, [0, 2], lr=0.002)
    assert (rate.method(0), rate.method(2), rate.dir.name) == (
        f"{RECIPE_METHOD}-lr0.002",
        f"{RECIPE_METHOD}-lr0.002-seed2",
        "search-lr0.002",
    )
    assert (recipe.lr, rate.lr) == (None, 0.002)
    with pytest.raises(SystemExit, match="head width"):
        Search(bench, [0], shape=(100, 4))  # before any training
    wider = Search(bench, [1], lr=0.002, shape=(384, 6))
    assert (wider.method(1), wider.training.shape, recipe.training.shape) == (
        f"{RECIPE_METHOD}-lr0.002-384x6-seed1",
        (384, 6),
        None,
    )


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
    longer = json.loads(bench.serializer("berka-age", RECIPE_METHOD, 4096).read_text())
    assert (recipe["max_tokens"], longer["max_tokens"]) == (2048, 4096)
    assert {**longer, "max_tokens": 2048} == recipe  # nothing else differs


def test_a_folder_is_continued_only_under_the_recipe_it_was_made_with(tmp_path):
    """Its recipe model, texts and bundles are cached by name: under another recipe a rerun would
    reuse them silently."""
    from llm4es_training.benchmark.run import Benchmark, mode_for

    def bench(out):
        return Benchmark(out, mode_for(False, None, True), ["berka-age"], None, 1)

    assert bench(tmp_path / "a").recipe()["context"] == 2048
    record = tmp_path / "a" / "recipe" / "recipe.json"
    assert json.loads(record.read_text())["embedding"] == {"layers": "final", "token_pooling": "mean-max"}
    assert bench(tmp_path / "a").recipe()["context"] == 2048  # the same recipe continues
    record.write_text(json.dumps({**json.loads(record.read_text()), "context": 1024}))
    with pytest.raises(SystemExit, match="made with another recipe"):
        bench(tmp_path / "a").recipe()
    (tmp_path / "b" / "recipe").mkdir(parents=True)  # a folder from before folders recorded it
    with pytest.raises(SystemExit, match="before benchmark folders recorded their recipe"):
        bench(tmp_path / "b").recipe()


def test_a_search_refuses_a_quick_runs_folder(tmp_path):
    """A quick run's tasks are cut to a few entities: a search over them would read as a full one."""
    from llm4es_training.benchmark.search import main

    (tmp_path / "settings.json").write_text(json.dumps({"max_entities": 120, "max_events_per_entity": 48}))
    with pytest.raises(SystemExit, match="other settings"):
        main(["--out", str(tmp_path), "--seeds", "0"])
    assert not (tmp_path / "tasks").exists()


def test_a_searchs_learning_rate_and_shape_reach_the_training(corpus_path, tmp_path):
    """`search --lr X --shape HxL` trains at X a model H wide and L deep whose heads are as wide as
    the preset's, whatever the recipe or llm4es-train would choose."""
    from llm4es_training.benchmark.llm_models import Training, fine_tune

    training = Training(max_steps=2, context=64, batch_size=4, scratch_size="tiny", shape=(32, 1))
    model = fine_tune("scratch", corpus_path, tmp_path / "run", training, lr=0.004)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["training"]["peak_lr"] == 0.004
    config = json.loads((model / "config.json").read_text())
    # the tiny preset: 64 wide, 4 heads of 16
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"]) == (32, 1, 2)


def test_a_shape_whose_heads_would_not_divide_is_refused():
    from llm4es_training.benchmark.llm_models import scratch_shape_options
    from llm4es_training.benchmark.search import hidden_by_layers

    assert scratch_shape_options("small", 384, 6) == ["--hidden-size", "384", "--layers", "6", "--heads", "12"]
    with pytest.raises(SystemExit, match="head width 32"):
        scratch_shape_options("small", 400, 6)
    assert hidden_by_layers("384x6") == (384, 6)
    for bad in ("384", "384x", "0x6", "ax6"):
        with pytest.raises(argparse.ArgumentTypeError):
            hidden_by_layers(bad)


def test_the_readmes_search_commands_and_the_committed_searches_parse():
    """The README's `search` commands take hours, so they are skipped by the docs test: here each is
    read by search's own parser as written, and so is the command each committed search.json
    records, whose settings must be the ones it holds."""
    import shlex

    from llm4es_training.benchmark.search import parse

    from support import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text().replace("\\\n", " ")
    lines = [x for x in readme.splitlines() if x.startswith("model-training/.venv/bin/llm4es-train search ")]
    assert len(lines) >= 10
    for line in lines:
        parse(shlex.split(line)[2:], "llm4es-train search")
    searches = sorted((REPO_ROOT / "model-training/docs/benchmark").glob("search*.json"))
    assert searches
    for path in searches:
        recorded = json.loads(path.read_text())
        args = parse(shlex.split(recorded["command"])[2:], "llm4es-train search")
        assert args.seeds == recorded["seeds"], path.name
        shape = args.shape and list(args.shape)
        given = {"shape": shape, "context": args.context, "max_steps": args.max_steps, "lr": args.lr}
        for key, value in given.items():
            if value is not None:
                assert recorded[key] == value, (path.name, key)
