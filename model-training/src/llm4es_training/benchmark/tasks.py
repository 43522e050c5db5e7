"""The five benchmark tasks of TASKS.md, by id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .berka import load_berka_age, load_berka_default
from .bpic import load_bpic_approved
from .movielens import load_movielens_gender
from .synthea import load_synthea_diabetes
from .task import Task

LOADERS: dict[str, Callable[[Path], Task]] = {
    "berka-age": load_berka_age,
    "berka-default": load_berka_default,
    "movielens-gender": load_movielens_gender,
    "bpic-approved": load_bpic_approved,
    "synthea-diabetes": load_synthea_diabetes,
}
TASK_IDS = list(LOADERS)


def load_task(task_id: str, root: Path) -> Task:
    if task_id not in LOADERS:
        raise ValueError(f"unknown task {task_id!r} (known: {', '.join(TASK_IDS)})")
    return LOADERS[task_id](root)
