"""`llm4es-train evaluate --task-dir DIR --features FILE --name METHOD` (or `python -m
llm4es_training.benchmark.evaluate ...`): scores one method's per-entity features with the
benchmark protocol; prints the result as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..arguments import ArgumentParser
from .protocol import describe, evaluate_task, load_features


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.evaluate") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--task-dir", type=Path, required=True, help="a folder written by prepare-tasks")
    parser.add_argument("--features", type=Path, required=True, help="CSV: entity_id, then one column per feature")
    parser.add_argument("--name", required=True, help="the method's name, carried into the result")
    parser.add_argument("--json-out", type=Path, help="also write the result JSON here")
    args = parser.parse_args(argv)
    result = evaluate_task(args.task_dir, load_features(args.features), args.name)
    print(describe(result), file=sys.stderr)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
