"""A task's folder, the contract with the Java side: events.csv, labels.csv, serializer.json and
task.json. Written once by `prepare`, read by the baseline and the protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import split
from .task import Task

# Paper-length texts (8192 tokens); the bundle's own max_tokens caps it, so the model decides.
DEFAULT_MAX_TOKENS = 8192


def serializer_config(task: Task, max_tokens: int = DEFAULT_MAX_TOKENS) -> dict:
    return {
        "format_version": 1,
        "fields": [f.serializer_entry() for f in task.fields],
        "header": True,
        "header_separator": "|",
        "value_separator": ", ",
        "rendering": "lines",
        "max_tokens": max_tokens,
        "truncation": "drop_oldest",
    }


def cap_events(events: pd.DataFrame, max_events: int) -> pd.DataFrame:
    """Keeps each entity's `max_events` most recent events (events sorted by entity, ts)."""
    from_newest = events.groupby("entity_id", sort=False).cumcount(ascending=False)
    return events[from_newest < max_events]


def write_task_folder(
    task: Task,
    out: Path,
    max_entities: int | None = None,
    max_events_per_entity: int | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> dict:
    """Writes the four files into `out` and returns task.json's content."""
    labels = task.labels.sort_index()
    splits = split.fixed_split(labels)
    subsample = None
    if max_entities is not None:
        keep = split.stratified_subsample(splits + "/" + labels.astype(str), max_entities)
        subsample = {
            "max_entities": max_entities,
            "entities_before": len(labels),
            "seed": split.SEED,
            "stratified_by": "split and label",
        }
        labels, splits = labels[keep], splits[keep]
    events = task.events[task.events["entity_id"].isin(labels.index)]
    events = events.sort_values(["entity_id", "ts"], kind="stable").reset_index(drop=True)
    cap = {"max_events_per_entity": max_events_per_entity, "keeps": "most recent"}
    if max_events_per_entity is not None:
        capped = cap_events(events, max_events_per_entity)
        per_entity = events.groupby("entity_id").size()
        cap |= {
            "entities_capped": int((per_entity > max_events_per_entity).sum()),
            "events_dropped": len(events) - len(capped),
        }
        events = capped

    out.mkdir(parents=True, exist_ok=True)
    events.to_csv(out / "events.csv", index=False, lineterminator="\n", encoding="utf-8")
    label_table = pd.DataFrame({"entity_id": labels.index, "label": labels.to_numpy(), "split": splits.to_numpy()})
    label_table.to_csv(out / "labels.csv", index=False, lineterminator="\n", encoding="utf-8")
    (out / "serializer.json").write_text(
        json.dumps(serializer_config(task, max_tokens), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    counts = events.groupby("entity_id").size()
    info = {
        "id": task.id,
        "dataset": task.dataset,
        "metric": task.metric,
        "n_entities": len(labels),
        "n_events": len(events),
        "n_train": int((splits == "train").sum()),
        "n_test": int((splits == "test").sum()),
        "classes": sorted(labels.unique().tolist()),
        "class_names": None if task.class_names is None else {str(k): v for k, v in sorted(task.class_names.items())},
        "label_distribution": {
            part: _distribution(labels[splits == part] if part != "all" else labels)
            for part in ("all", "train", "test")
        },
        "events_per_entity": {"min": int(counts.min()), "median": float(counts.median()), "max": int(counts.max())},
        "fields": [f.task_entry() for f in task.fields],
        "split": {"test_size": split.TEST_SIZE, "seed": split.SEED, "stratified_by": "label"},
        "subsample": subsample,
        "event_cap": cap,
        **task.notes,
    }
    (out / "task.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _distribution(labels: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in labels.value_counts().sort_index().items()}


def read_task(task_dir: Path) -> dict:
    return json.loads((Path(task_dir) / "task.json").read_text(encoding="utf-8"))


def class_name(task: dict, value) -> str:
    """A label value in words, from task.json (folders written before class names: `label N`)."""
    return (task.get("class_names") or {}).get(str(value), f"label {value}")


def read_labels(task_dir: Path) -> pd.DataFrame:
    """labels.csv with entity_id as text, the one key type shared with every features file."""
    return pd.read_csv(Path(task_dir) / "labels.csv", dtype={"entity_id": str})


def read_events(task_dir: Path, task: dict) -> pd.DataFrame:
    """events.csv typed by task.json: ids and categories as text, numbers as floats."""
    dtypes = {"entity_id": str, "ts": str}
    for f in task["fields"]:
        dtypes[f["name"]] = float if f["role"] == "number" else str
    return pd.read_csv(
        Path(task_dir) / "events.csv",
        dtype=dtypes,
        keep_default_na=False,
        na_values={f["name"]: [""] for f in task["fields"] if f["role"] == "number"},
    )
