"""The renderings lever: every training entity in every rendering (Java's text), one tokenizer over
all of them, a name of its own, and the average of the renderings' embeddings scored beside each."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from llm4es_training.benchmark.levers import label
from llm4es_training.benchmark.llm_models import RECIPE_METHOD, bundle_name
from llm4es_training.benchmark.protocol import average
from llm4es_training.benchmark.renderings import RenderingsSearch
from llm4es_training.benchmark.run import Benchmark, mode_for
from llm4es_training.benchmark.search import Search, main
from llm4es_training.benchmark.task_folder import write_task_folder
from llm4es_training.bundle import check_bundle_target
from llm4es_training.checkout import find_jar, missing_jar_message


def bench(out):
    return Benchmark(out, mode_for(False, None, True), ["berka-age"], None, 1)


def test_a_renderings_search_is_named_apart_and_reads_each_rendering_beside_the_average(tmp_path):
    search = RenderingsSearch(bench(tmp_path), [0, 1], ["lines", "compact"], lr=0.002)
    # the recipe's rendering first, whatever the order given: its users keep their plain ids
    assert search.renderings == ["compact", "lines"]
    assert (search.method(1), search.dir.name) == (
        f"{RECIPE_METHOD}-lr0.002-rcompact-lines-seed1",
        "search-lr0.002-rcompact-lines",
    )
    assert search.variants == ["final/mean-max", "final/mean-max@compact", "final/mean-max@lines"]
    assert search.variant_method(1, "lines") == f"{RECIPE_METHOD}-lr0.002-rcompact-lines-seed1-lines"
    for seed, rendering in ((0, "compact"), (1, "lines")):  # a name the bundle exporter accepts
        name = bundle_name("berka-age", search.variant_method(seed, rendering))
        check_bundle_target(name, "1", tmp_path / "models" / name)
        check_bundle_target(search.method(seed), "1", tmp_path / "base-bundles" / search.method(seed))


@pytest.mark.parametrize(
    ("renderings", "message"),
    [(["lines", "json"], "recipe's own rendering"), (["compact"], "two or more"), (["compact", "compact"], "two")],
)
def test_renderings_without_the_recipes_or_fewer_than_two_are_refused(tmp_path, renderings, message):
    with pytest.raises(SystemExit, match=message):
        RenderingsSearch(bench(tmp_path), [0], renderings)


def test_the_renderings_lever_is_read_on_the_validation_split_only(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--renderings", "compact", "lines"])
    assert "--validation-only" in capsys.readouterr().err
    assert not (tmp_path / "tasks").exists()  # refused before anything is prepared


def test_the_average_is_per_entity_and_refuses_views_of_other_entities():
    a = pd.DataFrame([[1.0, 2.0], [3.0, 5.0]], index=["u1", "u2"], columns=["e0", "e1"])
    b = pd.DataFrame([[3.0, 0.0], [1.0, 1.0]], index=["u1", "u2"], columns=["e0", "e1"])
    mean = average([a, b])
    assert mean.loc["u1"].tolist() == [2.0, 1.0] and mean.loc["u2"].tolist() == [2.0, 3.0]
    with pytest.raises(SystemExit, match="other entities"):
        average([a, b.rename(index={"u2": "u3"})])


def test_levers_label_names_the_renderings():
    training = {"context": 2048, "max_steps": 500, "renderings": ["compact", "lines"]}
    assert label(training) == "2048 tokens, 500 steps, compact + lines averaged"
    assert label({**training, "renderings": None}) == "2048 tokens, 500 steps"


def test_every_corpus_entity_is_trained_on_in_every_rendering(real_task, tmp_path):
    """The corpus holds each training entity once per rendering, as Java cut it for the context,
    through one tokenizer trained on the whole texts of all renderings."""
    if find_jar() is None or shutil.which("java") is None:
        pytest.skip(missing_jar_message() if find_jar() is None else "needs java on the path")
    write_task_folder(real_task("berka-age"), tmp_path / "tasks" / "berka-age", max_entities=20)
    search = RenderingsSearch(bench(tmp_path), [0], ["compact", "lines"])
    corpus = [json.loads(line) for line in search.corpus().read_text(encoding="utf-8").splitlines()]
    keep = search.bench.corpus_ids()["berka-age"]
    ids = [r["user_id"] for r in corpus]
    assert sorted(ids) == sorted([f"berka-age/{u}" for u in keep] + [f"berka-age/{u}@lines" for u in keep])
    by_id = {r["user_id"]: r for r in corpus}
    some = next(iter(keep))
    compact, lines = by_id[f"berka-age/{some}"], by_id[f"berka-age/{some}@lines"]
    assert (compact["rendering"], lines["rendering"]) == ("compact", "lines")
    assert compact["token_budget"] == lines["token_budget"] == search.context - 1
    assert compact["events"] == lines["events"]  # the same history, cut by the same rule
    # compact: gaps after the first event; lines: every event's date, values joined by ", "
    assert "\n+" in compact["text"] and "\n+" not in lines["text"] and ", " in lines["text"].splitlines()[1]
    exported = search.rendered_texts("berka-age", "lines", search.tokenizer())
    assert lines["text"] == next(
        json.loads(x)["text"] for x in exported.read_text().splitlines() if json.loads(x)["user_id"] == some
    )
    # one tokenizer: a value of either rendering is a token of it
    vocab = json.loads(search.tokenizer().read_text())["model"]["vocab"]
    assert np.sum(["credit" in token for token in vocab]) > 0
    serializer = json.loads((tmp_path / "search-rcompact-lines" / "train-corpus.jsonl.serializer.json").read_text())
    assert serializer["rendering"] == "compact"


def test_search_json_records_what_each_rendering_costs(tmp_path):
    """search.json carries each rendering's context facts from its SQL results (the README cites them)."""
    search = RenderingsSearch(bench(tmp_path), [2], ["compact", "lines"])
    for rendering, tokens in (("compact", [60, 90]), ("lines", [80, 150])):
        path = search.bench.embedding_results("berka-age", search.variant_method(2, rendering))
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [
            {"embedding": [0.5], "status": "OK", "events": 10, "dropped_events": dropped, "tokens": n}
            for n, dropped in zip(tokens, (0, 5))
        ]
        pd.DataFrame({"entity_id": ["u1", "u2"], "result": [json.dumps(r) for r in rows]}).to_csv(path, index=False)
    facts = search.facts(["berka-age"])["context_facts"]["berka-age"]
    assert (facts["compact"]["median_tokens_per_event"], facts["compact"]["users_truncated"]) == (12.0, 1)
    assert facts["lines"]["median_tokens_per_event"] == 19.0  # median of 80 / 10 and 150 / 5
    assert Search(bench(tmp_path), [0]).facts(["berka-age"]) == {}  # the recipe's own search adds none
