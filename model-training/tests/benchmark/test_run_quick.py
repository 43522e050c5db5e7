"""The one-command benchmark in its --quick mode, exactly as the README gives it
(`llm4es-train benchmark --out DIR --quick`): all five tasks,
120 entities each, every method including the two fine-tuned ones. Checks the report is complete
and every number finite, that the bundles are the task's serializer over one exported model, and
that a rerun reuses the cached results. Needs the shared datasets, the Java jar
(see llm4es_training.checkout) and Maven for the MiniLM jar: without the jar it skips,
unless LLM4ES_REQUIRE_JAR=1 makes that a failure."""

import json
import os
import shutil

import pytest

from llm4es_training.benchmark.artifacts import all_finite, read_json
from llm4es_training.benchmark.llm_models import RECIPE_METHOD
from llm4es_training.benchmark.tasks import TASK_IDS
from llm4es_training.checkout import find_jar, missing_jar_message
from llm4es_training.cli import main
from llm4es_training.manifest import MANIFEST_FILE

METHODS = [
    "aggregates",
    "minilm",
    "llm4es-random",
    "llm4es-stories260k",
    "llm4es-stories260k-ft",
    "llm4es-scratch-ft",
    RECIPE_METHOD,
    "llm4es+aggregates",
]
LLM_METHODS = [m for m in METHODS if m.startswith("llm4es-")]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, datasets):
    if find_jar() is None or shutil.which("java") is None:
        reason = f"needs java and the llm4es jar for the SQL-computed methods; {missing_jar_message()}"
        if os.environ.get("LLM4ES_REQUIRE_JAR") == "1":
            pytest.fail(reason + " (LLM4ES_REQUIRE_JAR=1)")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("bench")
    assert main(["benchmark", "--out", str(out), "--quick", "--datasets", str(datasets)]) == 0
    return out


def test_report_is_complete_and_finite(report_dir):
    for name in ("report.md", "report.html", "results.json"):
        assert (report_dir / name).stat().st_size > 0
    results = read_json(report_dir / "results.json")
    assert all_finite(results)
    assert results["command"].startswith("llm4es-train benchmark --out ")
    assert list(results["results"]) == TASK_IDS
    for task_id in TASK_IDS:
        assert list(results["results"][task_id]) == METHODS
        for r in results["results"][task_id].values():
            assert 0.0 <= r["mean"] <= 1.0 and r["std"] >= 0.0 and len(r["fold_test_scores"]) == 5
            assert r["n_train"] + r["n_test"] == 120
        assert (report_dir / "pictures" / f"{task_id}-scores.png").stat().st_size > 0
        assert (report_dir / "pictures" / f"{task_id}-{RECIPE_METHOD}-pca.png").stat().st_size > 0
    for method in ("llm4es-stories260k-ft", "llm4es-scratch-ft", RECIPE_METHOD):
        facts = results["training"][method]
        assert facts["steps"] == 30 and facts["heldout_loss_after"] < facts["heldout_loss_before"]
    for task_id in TASK_IDS:
        assert list(results["context"][task_id]) == ["aggregates", "minilm", *LLM_METHODS]
        whole = results["context"][task_id].pop("aggregates")
        assert whole["median_share_of_events_kept"] == 1 and whole["median_tokens_per_user"] is None
        assert results["context"][task_id]["minilm"]["median_tokens_per_user"] <= 256
        for c in results["context"][task_id].values():
            assert c["users"] == 120 and 0 <= c["users_truncated"] <= 120
            assert 0 < c["median_share_of_events_kept"] <= 1 and 1 <= c["median_tokens_per_event"]
            assert c["median_tokens_per_event"] <= c["median_tokens_per_user"] <= 512
        repeated = results["repeated"][task_id]
        assert repeated["llm4es"] == RECIPE_METHOD and repeated["seeds"] == [0, 1, 2, 3, 4]
        for pair in ("llm4es_vs_aggregates", "ensemble_vs_aggregates"):
            assert repeated[pair]["pairs"] == 25 and -1 <= repeated[pair]["mean"] <= 1
        # the LMs were trained on fixed-split train entities: some of a repeated split's test part, never all
        assert all(0 < share < 1 for share in repeated["text_seen_by_lm"].values())
    speed = results["speed"]
    for path in ("sql_aggregate_h2", "java_embedder", "pytorch_eager"):
        assert speed["paths"][path]["tokens_per_s"] > 0 and speed["paths"][path]["peak_rss_mb"] > 0
    assert speed["matmul_peak_gflops"] > 0 and speed["serializer_events_per_s"] > 0
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("<img ") == 2 * len(TASK_IDS)
    assert "<pre>" not in html and html.count("<table>") == 6  # header, scores, repeated, fine-tuning, context, speed
    assert "numbers are noise" in html and "Where LLM4ES stands" not in html
    markdown = (report_dir / "report.md").read_text(encoding="utf-8")
    for task_id in TASK_IDS:
        assert task_id in markdown


def test_each_task_bundle_is_its_serializer_over_one_exported_model(report_dir):
    for method in LLM_METHODS:
        base = read_json(report_dir / "base-bundles" / method / MANIFEST_FILE)
        for task_id in TASK_IDS:
            bundle = read_json(report_dir / "models" / f"{task_id}-{method}" / MANIFEST_FILE)
            own = read_json(report_dir / "tasks" / task_id / "serializer.json")
            if method == RECIPE_METHOD:
                assert bundle["serializer"] == read_json(report_dir / "recipe" / f"{task_id}.serializer.json")
                assert [f["name"] for f in bundle["serializer"]["fields"]] == [f["name"] for f in own["fields"]]
            else:
                assert bundle["serializer"] == own
            assert bundle["files"] == base["files"]
            assert bundle["derived_from"]["name"] == method


def test_the_recipe_method_is_the_recipe_over_the_benchmark_corpus(report_dir):
    """Compact text, the domain tokenizer trained on the corpus entities' text, the training
    context as the bundle's and the serializer's budget, and training texts cut by Java to it."""
    context = read_json(report_dir / "results.json")["mode"]["train"]["context"]
    tokenizer = (report_dir / "recipe" / "tokenizer.json").read_bytes()
    for task_id in TASK_IDS:
        bundle = report_dir / "models" / f"{task_id}-{RECIPE_METHOD}"
        manifest = read_json(bundle / MANIFEST_FILE)
        assert manifest["serializer"]["rendering"] == "compact"
        assert manifest["max_tokens"] == manifest["serializer"]["max_tokens"] == context
        assert (bundle / "tokenizer.json").read_bytes() == tokenizer
    corpus = [json.loads(line) for line in (report_dir / "recipe" / "train-corpus.jsonl").open(encoding="utf-8")]
    assert {r["user_id"].split("/")[0] for r in corpus} == set(TASK_IDS)
    assert all(0 < r["token_budget"] == context - 1 for r in corpus)
    # the cut texts fit the budget with the domain tokenizer, so the trainer skipped none of them
    corpus_facts = read_json(report_dir / "train" / RECIPE_METHOD / "summary.json")["training"]["corpus"]
    assert corpus_facts["texts_skipped"] == 0, corpus_facts


def test_rerun_reuses_cached_results(report_dir, datasets):
    scores = report_dir / "results" / TASK_IDS[0] / "llm4es-stories260k.json"
    before = scores.stat().st_mtime_ns
    assert main(["benchmark", "--out", str(report_dir), "--quick", "--datasets", str(datasets)]) == 0
    assert scores.stat().st_mtime_ns == before
