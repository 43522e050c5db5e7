"""`llm4es-train int8-quality` on two tasks in quick mode: the int8 bundle is a rebundle of the
task's float32 bundle with the int8 graph, the SQL aggregate really ran it (embeddings close to
the float ones, yet not equal), both are scored on the same folds, and a rerun reads the cache.
Needs the shared datasets and the Java jar (skips without it, unless LLM4ES_REQUIRE_JAR=1)."""

import pytest

from llm4es_training.benchmark.artifacts import all_finite, read_json
from llm4es_training.cli import main
from llm4es_training.manifest import read_manifest

TASKS = ["berka-age", "bpic-approved"]


@pytest.fixture(scope="module")
def out(tmp_path_factory, datasets, jar):
    out = tmp_path_factory.mktemp("int8")
    argv = ["int8-quality", "--out", str(out), "--quick", "--max-entities", "60", "--datasets", str(datasets)]
    assert main([*argv, "--tasks", *TASKS]) == 0
    return out


def test_int8_bundle_is_the_float_bundle_quantized(out):
    for task_id in TASKS:
        fp32 = read_manifest(out / "models" / f"{task_id}-llm4es-stories260k")
        int8 = read_manifest(out / "models" / f"{task_id}-llm4es-stories260k-int8")
        assert fp32["onnx"]["dtype"] == "float32" and int8["onnx"]["dtype"] == "int8"
        assert int8["serializer"] == fp32["serializer"] and int8["tokens"] == fp32["tokens"]


def test_both_graphs_are_scored_on_the_same_folds(out, capsys):
    report = read_json(out / "int8.json")
    assert all_finite(report) and list(report["results"]) == TASKS
    for task_id in TASKS:
        r = report["results"][task_id]["llm4es-stories260k"]
        assert r["cosine"]["entities"] == 60
        # close to float32, and not the float graph run twice
        assert 0.95 <= r["cosine"]["min"] <= r["cosine"]["median"] < 1.0
        delta = r["int8_minus_float32"]["mean"]
        assert delta == pytest.approx(r["int8"]["mean"] - r["float32"]["mean"], abs=1e-12)
        assert r["int8_minus_float32_repeated"]["pairs"] == 25
        assert r["within_tolerance"] == (
            abs(delta) <= report["tolerance"] and abs(r["int8_minus_float32_repeated"]["mean"]) <= report["tolerance"]
        )
        assert all(s > 0 for s in r["query_seconds"].values())
    capsys.readouterr()
    # a rerun computes nothing: it reads every step from the folder and prints the same table
    assert main(["int8-quality", "--out", str(out), "--quick", "--max-entities", "60", "--tasks", *TASKS]) == 0
    assert "| berka-age | llm4es-stories260k |" in capsys.readouterr().out
    assert read_json(out / "int8.json")["results"] == report["results"]
