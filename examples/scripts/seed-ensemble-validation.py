"""The validation reading of several seeds' embeddings averaged, beside each seed's own: the
recipe's models that `llm4es-train search --out DIR --seeds ...` trained, pooled by the recipe's
variant (the PyTorch tables the search wrote, equal to SQL's), each entity's vectors averaged over
the seeds, scored as the search scores a variant (validation split, minus the aggregates').
One reading of one ensemble, not the search's rule over three seeds: a lead, not a choice.

  model-training/.venv/bin/python examples/scripts/seed-ensemble-validation.py --out /tmp/llm4es-bench [--seeds 0 1 2]
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from llm4es_training.benchmark.protocol import evaluate_validation, load_features
from llm4es_training.benchmark.task_folder import read_labels, read_task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="a folder `search` has read the recipe's seeds in",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    search = json.loads((args.out / "search" / "search.json").read_text())
    variant = search["default"].replace("/", "_")
    rows = {}
    for task in search["tasks"]:
        folder = args.out / "tasks" / task
        labels, metric = read_labels(folder), read_task(folder)["metric"]
        base = evaluate_validation(
            load_features(args.out / "embeddings" / task / "aggregates.csv"),
            labels,
            metric,
        )
        tables = [
            load_features(
                args.out
                / "search"
                / "embeddings"
                / task
                / f"seed{s}"
                / f"{variant}.csv"
            )
            for s in args.seeds
        ]
        ids = tables[0].index
        mean = pd.DataFrame(
            sum(t.loc[ids].to_numpy(float) for t in tables) / len(tables), index=ids
        )
        single = [
            search["validation"][task][str(s)][search["default"]] for s in args.seeds
        ]
        rows[task] = (
            evaluate_validation(mean, labels, metric)["mean"] - base["mean"],
            single,
        )
        print(
            f"{task}: seeds averaged {rows[task][0]:+.4f}, each seed "
            + ", ".join(f"{v:+.4f}" for v in single)
        )
    print(
        f"mean over tasks: seeds averaged {np.mean([r[0] for r in rows.values()]):+.4f}, each seed "
        + ", ".join(
            f"{np.mean([r[1][i] for r in rows.values()]):+.4f}"
            for i in range(len(args.seeds))
        )
    )


if __name__ == "__main__":
    main()
