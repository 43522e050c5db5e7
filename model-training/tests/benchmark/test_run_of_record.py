"""The README's run of record is the committed results.json: the table's scores and the recipe's
differences are read from it, and every field it holds is described."""

import json
import re

import numpy as np

from llm4es_training.benchmark.llm_models import RECIPE_METHOD

from support import REPO_ROOT

RESULTS = REPO_ROOT / "model-training" / "docs" / "benchmark" / "results.json"
README = (REPO_ROOT / "README.md").read_text()


def record() -> dict:
    return json.loads(RESULTS.read_text())


def section(start: str, end: str) -> str:
    return README[README.index(start) : README.index(end, README.index(start))]


def numbers(cell: str) -> list[float]:
    return [float(x.replace("−", "-")) for x in re.findall(r"[+−-]?\d+\.\d+", cell)]


def test_the_score_table_is_the_committed_run():
    run = record()
    assert run["quick"] is False and run["mode"]["max_entities"] is None
    assert run["command"].endswith("benchmark --out /tmp/llm4es-bench")
    table = section("| task (metric) | aggregates |", "\n\n")
    rows = [r for r in table.splitlines()[2:] if r.startswith("|")]
    assert [r.split("|")[1].split(" (")[0].strip() for r in rows] == run["tasks"]
    for row, task in zip(rows, run["tasks"]):
        cells = row.split("|")[2:-1]
        for cell, method in zip(cells, run["methods"], strict=True):  # the report's column order
            result = run["results"][task][method]
            assert numbers(cell) == [round(result["mean"], 3), round(result["std"], 3)], (task, method)


def test_the_recipes_differences_are_the_committed_runs_fold_pairs():
    run = record()
    table = section("| task | recipe alone − aggr., fixed |", "\n\n")
    rows = [r for r in table.splitlines()[2:] if r.startswith("|")]
    for row, task in zip(rows, run["tasks"], strict=True):
        cells = [c.strip().replace("−", "-") for c in row.split("|")[2:-1]]
        base = np.array(run["results"][task]["aggregates"]["fold_test_scores"])
        for cell, method in zip(cells[:2], [RECIPE_METHOD, "llm4es+aggregates"]):
            d = np.array(run["results"][task][method]["fold_test_scores"]) - base
            assert cell.startswith(f"{d.mean():+.3f} ± {d.std():.3f} "), (task, method, cell)
        repeated = run["repeated"][task]
        assert repeated["llm4es"] == RECIPE_METHOD
        for cell, key in zip(cells[2:], ["llm4es_vs_aggregates", "ensemble_vs_aggregates"]):
            d = repeated[key]
            assert cell.startswith(f"{d['mean']:+.3f} ± {d['std']:.3f} "), (task, key, cell)


def test_every_field_of_the_committed_run_is_described():
    run = record()
    fields = section("**`results.json`'s fields**", "\n\n")
    task, method = run["tasks"][0], RECIPE_METHOD
    named = [
        *run,
        *run["results"][task][method],
        *run["training"][method],
        *run["context"][task][method],
        *run["repeated"][task],
        *run["repeated"][task]["llm4es_vs_aggregates"],
    ]
    # `heldout_loss_before`/`_after`, `results[task][method]`: a name is described as a key or a table
    missing = [k for k in named if not re.search(rf"`({k}|_{k.split('_')[-1]})[`\[]", fields)]
    assert not missing, missing
