"""Fixtures of the benchmark tests: a small synthetic task, the shared datasets (tests skip
without them) and each real task loaded once per session."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llm4es_training.benchmark.datasets import datasets_root
from llm4es_training.benchmark.task import Field, Task
from llm4es_training.benchmark.tasks import load_task

FIELDS = [
    Field("date", "time", format="yyyy-MM-dd"),
    Field("kind", "category", dictionary={"a": "alpha", "b": "beta, with comma"}),
    Field("note", "text"),
    Field("amount", "number", format="0.00"),
]


def make_synthetic_task(n_entities: int = 200, positive_share: float = 0.3, seed: int = 0) -> Task:
    rng = np.random.default_rng(seed)
    ids = np.arange(1000, 1000 + n_entities)
    labels = pd.Series((rng.random(n_entities) < positive_share).astype(int), index=ids, name="label")
    counts = rng.integers(1, 12, size=n_entities)
    entity = np.repeat(ids, counts)
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, size=len(entity)), unit="D")
    ts = dates.strftime("%Y-%m-%d")
    events = pd.DataFrame(
        {
            "entity_id": entity,
            "ts": ts,
            "date": ts,
            "kind": rng.choice(["a", "b", "c"], size=len(entity)),
            "note": rng.choice(["plain", "has, comma", 'has "quotes"', ""], size=len(entity)),
            "amount": rng.normal(100, 30, size=len(entity)).round(2),
        }
    )
    return Task(id="synthetic", dataset="none", metric="roc_auc", events=events, labels=labels, fields=FIELDS)


@pytest.fixture
def synthetic_task():
    """Builds a synthetic task: `synthetic_task(n_entities=..., positive_share=..., seed=...)`."""
    return make_synthetic_task


@pytest.fixture(scope="session")
def datasets() -> Path:
    try:
        return datasets_root()
    except FileNotFoundError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def real_task(datasets):
    loaded = {}

    def get(task_id: str):
        if task_id not in loaded:
            loaded[task_id] = load_task(task_id, datasets)
        return loaded[task_id]

    return get
