"""The classic aggregate-feature baseline of pytorch-lifestream, from a task folder's events.csv:
per entity the event count, span, recency and mean gap; sum, mean, std, min, max of every number
field; and per value of every category field its count and share of events, with sum, mean and
std of every number field over those events. Text fields are not used.

`python -m llm4es_training.benchmark.aggregates --task-dir DIR [DIR ...]` writes
DIR/aggregates.csv and prints the protocol's result for each task as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from ..arguments import ArgumentParser
from .protocol import describe, evaluate_task, load_features
from .task_folder import read_events, read_task

# Per category field, the most frequent values get their own columns; the rest share "(other)".
# Bounds the width on high-cardinality fields (Synthea descriptions, MovieLens movies).
TOP_VALUES = 30
NUMBER_STATS = ["sum", "mean", "std", "min", "max"]
VALUE_STATS = ["sum", "mean", "std"]
EMPTY = "(empty)"
OTHER = "(other)"
FEATURES_FILE = "aggregates.csv"


def _time_features(entity: pd.Series, ts: pd.Series) -> pd.DataFrame:
    days = (ts - ts.min()) / pd.Timedelta(days=1)
    g = days.groupby(entity)
    first, last, count = g.min(), g.max(), g.size()
    span = last - first
    return pd.DataFrame(
        {
            "n_events": count,
            "span_days": span,
            # Days from the entity's last event to the task's last event: one reference for all.
            "recency_days": days.max() - last,
            "mean_gap_days": span / (count - 1).where(count > 1),
        }
    )


def _category_values(values: pd.Series, separator: str | None, top_values: int) -> pd.Series:
    """The field's values, one per row (split when multi-valued), with rare ones as "(other)"."""
    values = values.replace("", EMPTY)
    if separator is not None:
        values = values.str.split(separator, regex=False).explode()
    counts = values.value_counts()
    # Ties in frequency are broken by value, so the chosen columns do not depend on row order.
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    top = {v for v, _ in ranked[:top_values]}
    return values.where(values.isin(top), OTHER)


def aggregate_features(events: pd.DataFrame, task: dict, top_values: int = TOP_VALUES) -> pd.DataFrame:
    """One row per entity (index entity_id), as text-free numbers; NaN where a statistic is undefined."""
    numbers = [f["name"] for f in task["fields"] if f["role"] == "number"]
    categories = [f for f in task["fields"] if f["role"] == "category"]
    entity = events["entity_id"]
    parts = [_time_features(entity, pd.to_datetime(events["ts"], utc=True, format="ISO8601"))]
    n_events = parts[0]["n_events"]
    if numbers:
        stats = events.groupby("entity_id")[numbers].agg(NUMBER_STATS)
        parts.append(stats.set_axis([f"{n}:{s}" for n, s in stats.columns], axis=1))
    for f in categories:
        name = f["name"]
        values = _category_values(events[name], f.get("multi_value_separator"), top_values)
        rows = events.loc[values.index, ["entity_id", *numbers]].assign(value=values.to_numpy())
        parts.append(events.groupby("entity_id")[name].nunique().rename(f"{name}:n_distinct"))
        grouped = rows.groupby(["entity_id", "value"])
        count = grouped.size().unstack(fill_value=0)
        parts.append(count.add_prefix(f"{name}=").add_suffix(":count"))
        parts.append(count.div(n_events, axis=0).add_prefix(f"{name}=").add_suffix(":share"))
        if numbers:
            stats = grouped[numbers].agg(VALUE_STATS).unstack()
            parts.append(stats.set_axis([f"{name}={v}:{n}:{s}" for n, s, v in stats.columns], axis=1))
    return pd.concat(parts, axis=1).rename_axis("entity_id").sort_index()


def run_aggregate_baseline(task_dir: Path, features_path: Path | None = None) -> dict:
    """Computes the aggregates of a task folder, writes them (default DIR/aggregates.csv) and
    scores them with the protocol."""
    task_dir = Path(task_dir)
    task = read_task(task_dir)
    path = features_path or task_dir / FEATURES_FILE
    aggregate_features(read_events(task_dir, task), task).to_csv(path, lineterminator="\n")
    # Scores the file as written (CSV rounds the last digit): `evaluate` on it gives the same numbers.
    return evaluate_task(task_dir, load_features(path), "aggregates")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = ArgumentParser(
        prog="python -m llm4es_training.benchmark.aggregates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--task-dir", type=Path, nargs="+", required=True, help="folders written by prepare-tasks")
    args = parser.parse_args(argv)
    results = []
    for task_dir in args.task_dir:
        results.append(run_aggregate_baseline(task_dir))
        print(describe(results[-1]), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
