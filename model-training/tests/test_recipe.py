"""Named recipes: the committed default names every lever and the run that scored it; its serializer
options apply to a user's config; `train --recipe` takes its context, model and steps unless an
option says otherwise, and refuses a corpus or tokenizer that is not the recipe's."""

import json

import pytest

from llm4es_training.cli import _with_recipe, build_parser
from llm4es_training.errors import TrainingError
from llm4es_training.recipe import DEFAULT_RECIPE, RECIPES_DIR, load_recipe, main, recipe_serializer

SERIALIZER = {
    "format_version": 1,
    "fields": [
        {"name": "date", "role": "time", "format": "yyyy-MM-dd"},
        {"name": "amount", "role": "number", "format": "0.00"},
        {"name": "year", "role": "number", "format": "0"},
        {"name": "size", "role": "number", "bins": [{"below": 10, "label": "small"}, {"label": "large"}]},
        {"name": "kind", "role": "category"},
    ],
    "rendering": "lines",
    "max_tokens": 512,
}


def test_the_default_recipe_names_every_lever_and_what_scored_it():
    recipe = load_recipe(DEFAULT_RECIPE)
    assert (RECIPES_DIR / f"{DEFAULT_RECIPE}.json").is_file() and recipe["name"] == DEFAULT_RECIPE
    # the run of record that scored it, and what has not chosen it yet
    assert "run of record of 2026-12-06" in recipe["description"]
    assert "chosen by a search on a validation split" in recipe["description"]
    assert recipe["serializer"] == {"rendering": "compact", "significant_digits": 2}
    assert recipe["tokenizer"] == {"kind": "domain", "vocab_size": 4096}
    assert recipe["context"] == 2048 and recipe["model"] == {"init": "scratch", "scratch_size": "small"}
    assert recipe["training"]["max_steps"] == 500
    assert recipe["embedding"] == {"layers": "final", "token_pooling": "mean-max"}


def test_an_unknown_or_malformed_recipe_is_refused(tmp_path):
    with pytest.raises(TrainingError, match=r"no recipe 'nope'.*compact-domain"):
        load_recipe("nope")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**load_recipe(DEFAULT_RECIPE), "colour": "red"}), encoding="utf-8")
    with pytest.raises(TrainingError, match=r"unknown keys \['colour'\]"):
        load_recipe(str(bad))


def test_recipe_serializer_options_apply_to_number_fields_but_the_exact_and_binned():
    config = recipe_serializer(load_recipe(DEFAULT_RECIPE), SERIALIZER, exact=("year",))
    fields = {f["name"]: f for f in config["fields"]}
    assert config["rendering"] == "compact" and config["max_tokens"] == 2048
    assert fields["amount"].get("significant_digits") == 2 and "format" not in fields["amount"]
    assert fields["year"] == SERIALIZER["fields"][2] and fields["size"] == SERIALIZER["fields"][3]
    assert SERIALIZER["fields"][1]["format"] == "0.00"  # the caller's config is left alone
    with pytest.raises(TrainingError, match="does not have"):
        recipe_serializer(load_recipe(DEFAULT_RECIPE), SERIALIZER, exact=("yaer",))


def test_the_recipe_command_writes_the_serializer_and_prints_the_budget(tmp_path, capsys):
    (tmp_path / "in.json").write_text(json.dumps(SERIALIZER), encoding="utf-8")
    assert (
        main(["--serializer", str(tmp_path / "in.json"), "--out", str(tmp_path / "out.json"), "--context", "256"]) == 0
    )
    assert capsys.readouterr().out.split() == ["context=256", "budget=255", "tokenizer=domain", "vocab_size=4096"]
    assert json.loads((tmp_path / "out.json").read_text())["max_tokens"] == 256


def _options(tmp_path, rendering: str, *argv: str) -> dict:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"user_id": 1, "text": "a|b\\n1|2", "events": 1}\n', encoding="utf-8")
    (tmp_path / "corpus.jsonl.serializer.json").write_text(json.dumps({**SERIALIZER, "rendering": rendering}))
    args = build_parser().parse_args(["train", "--corpus", str(corpus), "--out", str(tmp_path / "run"), *argv])
    return {k: v for k, v in vars(args).items() if k not in ("command", "run") and v is not None}


def test_train_takes_the_recipe_unless_an_option_says_otherwise(tmp_path):
    tokenizer = tmp_path / "tokenizer.json"
    taken = _with_recipe(_options(tmp_path, "compact", "--recipe", DEFAULT_RECIPE, "--tokenizer", str(tokenizer)))
    assert (taken["init"], taken["scratch_size"], taken["context"], taken["max_steps"]) == (
        "scratch",
        "small",
        2048,
        500,
    )
    assert (taken["batch_size"], taken["micro_batch_size"], taken["recipe"]) == (16, 8, DEFAULT_RECIPE)
    given = _with_recipe(
        _options(
            tmp_path,
            "compact",
            "--recipe",
            DEFAULT_RECIPE,
            "--init",
            "some/model",
            "--context",
            "128",
            "--micro-batch-size",
            "4",
        )
    )
    assert (given["init"], given["context"], given["micro_batch_size"], given["max_steps"]) == (
        "some/model",
        128,
        4,
        500,
    )


def test_train_refuses_a_corpus_or_tokenizer_that_is_not_the_recipes(tmp_path):
    with pytest.raises(TrainingError, match="trains on compact text, the corpus's serializer renders lines"):
        _with_recipe(_options(tmp_path, "lines", "--recipe", DEFAULT_RECIPE, "--tokenizer", "t.json"))
    with pytest.raises(TrainingError, match="trains on a domain tokenizer: pass --tokenizer"):
        _with_recipe(_options(tmp_path, "compact", "--recipe", DEFAULT_RECIPE))


def test_a_recipes_embedding_reaches_the_bundle_options_unless_given(tmp_path):
    recipe = tmp_path / "pooled.json"
    recipe.write_text(
        json.dumps({**load_recipe(DEFAULT_RECIPE), "embedding": {"layers": "final", "token_pooling": "mean-max"}})
    )
    tokenizer = ["--tokenizer", str(tmp_path / "tokenizer.json")]
    taken = _with_recipe(_options(tmp_path, "compact", "--recipe", str(recipe), *tokenizer))
    assert (taken["embedding_layers"], taken["token_pooling"]) == ("final", "mean-max")
    given = _with_recipe(_options(tmp_path, "compact", "--recipe", str(recipe), *tokenizer, "--token-pooling", "mean"))
    assert (given["embedding_layers"], given["token_pooling"]) == ("final", "mean")
    recipe.write_text(json.dumps({**load_recipe(DEFAULT_RECIPE), "embedding": {"pooling": "max"}}))
    with pytest.raises(TrainingError, match="embedding keys must be among"):
        load_recipe(str(recipe))
