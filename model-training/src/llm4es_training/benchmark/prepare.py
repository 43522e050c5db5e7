"""`llm4es-train prepare-tasks --out DIR` (or `python -m llm4es_training.benchmark.prepare ...`):
writes one folder per benchmark task (events.csv, labels.csv, serializer.json, task.json) for the
Java side to embed and `evaluate` to score."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from ..arguments import ArgumentParser
from ..checkout import REPO_ROOT
from .datasets import datasets_root
from .task_folder import DEFAULT_MAX_TOKENS, write_task_folder
from .tasks import TASK_IDS, load_task

# MovieLens forbids redistribution: its events may not land where git would pick them up.
UNREDISTRIBUTABLE = {"movielens-gender"}


def refuse_tracked_output(out: Path) -> None:
    """Raises when `out` lies inside the repository and git does not ignore it."""
    out = Path(out).resolve()
    if not out.is_relative_to(REPO_ROOT):
        return
    check = subprocess.run(["git", "-C", str(REPO_ROOT), "check-ignore", "-q", str(out)], capture_output=True)
    if check.returncode != 0:
        raise ValueError(
            f"{out} is inside the repository and not git-ignored; MovieLens may not be "
            "redistributed: write outside the repository or into an ignored folder (e.g. bench-out/)"
        )


def prepare(
    out: Path,
    task_ids: list[str] = TASK_IDS,
    datasets: Path | None = None,
    max_entities: int | None = None,
    max_events_per_entity: int | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> dict[str, dict]:
    """Writes `out/<task id>/` for each task; returns each task.json."""
    if UNREDISTRIBUTABLE & set(task_ids):
        refuse_tracked_output(out)
    root = datasets_root(datasets)
    written = {}
    for task_id in task_ids:
        started = time.perf_counter()
        info = write_task_folder(
            load_task(task_id, root),
            Path(out) / task_id,
            max_entities=max_entities,
            max_events_per_entity=max_events_per_entity,
            max_tokens=max_tokens,
        )
        print(
            f"{task_id}: {info['n_entities']} entities ({info['n_train']} train / {info['n_test']} test), "
            f"{info['n_events']} events, labels {info['label_distribution']['all']} "
            f"[{time.perf_counter() - started:.1f} s]",
            file=sys.stderr,
        )
        written[task_id] = info
    return written


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.prepare") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument(
        "--out", type=Path, required=True, help="output folder (outside git or git-ignored: it holds MovieLens data)"
    )
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=TASK_IDS)
    parser.add_argument(
        "--datasets", type=Path, help="datasets folder (default $LLM4ES_DATASETS or ../shared/datasets)"
    )
    parser.add_argument("--max-entities", type=int, help="quick mode: a seeded, stratified subsample of N entities")
    parser.add_argument(
        "--max-events-per-entity", type=int, help="keep only each entity's N most recent events (recorded in task.json)"
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=DEFAULT_MAX_TOKENS,
        help="serializer token budget (the model's own limit still applies)",
    )
    args = parser.parse_args(argv)
    written = prepare(
        args.out, args.tasks, args.datasets, args.max_entities, args.max_events_per_entity, args.max_tokens
    )
    print(json.dumps({t: {k: info[k] for k in ("n_entities", "n_events", "metric")} for t, info in written.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
