"""The aggregate baseline's features on a hand-checked example, and end to end on a task folder."""

import json

import numpy as np
import pandas as pd
import pytest

from llm4es_training.benchmark.aggregates import aggregate_features, run_aggregate_baseline
from llm4es_training.benchmark.task_folder import write_task_folder

TASK = {
    "fields": [
        {"name": "date", "role": "time"},
        {"name": "kind", "role": "category"},
        {"name": "tags", "role": "category", "multi_value_separator": "|"},
        {"name": "note", "role": "text"},
        {"name": "amount", "role": "number"},
    ]
}
EVENTS = pd.DataFrame(
    {
        "entity_id": ["a", "a", "a", "b"],
        "ts": ["2020-01-01", "2020-01-03", "2020-01-05", "2020-01-11"],
        "date": ["2020-01-01", "2020-01-03", "2020-01-05", "2020-01-11"],
        "kind": ["x", "y", "x", ""],
        "tags": ["t1|t2", "t2", "t3", "t1"],
        "note": ["n", "n", "n", "n"],
        "amount": [10.0, 20.0, 30.0, np.nan],
    }
)


def test_counts_sums_and_times_per_entity():
    f = aggregate_features(EVENTS, TASK, top_values=2)
    a, b = f.loc["a"], f.loc["b"]
    assert (a["n_events"], a["span_days"], a["recency_days"], a["mean_gap_days"]) == (3, 4, 6, 2)
    assert (b["n_events"], b["span_days"], b["recency_days"]) == (1, 0, 0) and np.isnan(b["mean_gap_days"])
    assert (a["amount:sum"], a["amount:mean"], a["amount:max"]) == (60, 20, 30)
    assert a["kind=x:count"] == 2 and a["kind=x:share"] == pytest.approx(2 / 3)
    assert a["kind=x:amount:sum"] == 40 and b["kind=(empty):count"] == 1
    # Top 2 of kind: x, then "(empty)" over y (a tie in frequency, broken by value): y is "(other)".
    assert a["kind=(other):count"] == 1 and a["kind=(other):amount:mean"] == 20
    # Multi-valued: t1 and t2 are the two most frequent tags; t3 falls into "(other)".
    assert (a["tags=t1:count"], a["tags=t2:count"], a["tags=(other):count"]) == (1, 2, 1)
    assert a["tags=t2:amount:sum"] == 30 and a["tags:n_distinct"] == 3
    assert not any(c.startswith("note") for c in f.columns)


def test_baseline_runs_end_to_end_on_a_task_folder(tmp_path, synthetic_task):
    write_task_folder(synthetic_task(n_entities=150), tmp_path)
    result = run_aggregate_baseline(tmp_path)
    assert result["task"] == "synthetic" and result["method"] == "aggregates"
    assert 0 <= result["mean"] <= 1 and np.isfinite(result["std"])
    written = pd.read_csv(tmp_path / "aggregates.csv", dtype={"entity_id": str})
    assert len(written) == 150 and json.loads((tmp_path / "task.json").read_text())["n_entities"] == 150
