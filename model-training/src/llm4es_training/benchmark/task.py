"""What a loader builds: one task's events, labels and field descriptions, before it is written."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ROLES = ("time", "category", "number", "text")
METRICS = ("roc_auc", "accuracy")


@dataclass(frozen=True)
class Field:
    """One event field: its serializer entry plus what the aggregate baseline needs to know."""

    name: str
    role: str
    label: str | None = None
    format: str | None = None
    dictionary: dict[str, str] | None = None
    # A category holding several values in one cell (MovieLens genres): the baseline splits on it.
    multi_value_separator: str | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"field {self.name!r}: role {self.role!r} is not one of {ROLES}")

    def serializer_entry(self) -> dict:
        """The entry of serializer.json: only the keys the Java parser accepts."""
        entry = {"name": self.name, "role": self.role}
        for key in ("label", "format", "dictionary"):
            value = getattr(self, key)
            if value is not None:
                entry[key] = value
        return entry

    def task_entry(self) -> dict:
        entry = {"name": self.name, "role": self.role}
        if self.multi_value_separator is not None:
            entry["multi_value_separator"] = self.multi_value_separator
        return entry


@dataclass
class Task:
    """A loaded task. `events` has columns entity_id, ts, then one column per field, in order."""

    id: str
    dataset: str
    metric: str
    events: pd.DataFrame
    labels: pd.Series  # indexed by entity_id
    fields: list[Field]
    # Facts for task.json: entity and label definitions, leakage rules and what they removed.
    notes: dict = field(default_factory=dict)
    # What each label value means, in words for a legend ("defaulted", "age group 1 (30–41)").
    class_names: dict[int, str] | None = None

    def __post_init__(self):
        if self.metric not in METRICS:
            raise ValueError(f"task {self.id}: metric {self.metric!r} is not one of {METRICS}")
        expected = ["entity_id", "ts", *(f.name for f in self.fields)]
        if list(self.events.columns) != expected:
            raise ValueError(f"task {self.id}: event columns {list(self.events.columns)} != {expected}")
        with_events = set(self.events["entity_id"])
        labelled = set(self.labels.index)
        if with_events != labelled:
            raise ValueError(
                f"task {self.id}: {len(labelled - with_events)} labelled entities have no events and "
                f"{len(with_events - labelled)} entities with events have no label"
            )
        if self.labels.isna().any():
            raise ValueError(f"task {self.id}: {int(self.labels.isna().sum())} labels are missing")
        unnamed = set(self.labels.unique().tolist()) - set(self.class_names or {})
        if self.class_names is not None and unnamed:
            raise ValueError(f"task {self.id}: label values {sorted(unnamed)} have no class name")
