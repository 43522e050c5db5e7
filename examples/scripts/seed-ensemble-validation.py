"""The validation reading of several seeds' embeddings averaged, beside each seed's own: the
recipe's models that `llm4es-train search --out DIR --seeds ...` trained, pooled by the recipe's
variant (the PyTorch tables the search wrote, equal to SQL's), each entity's vectors averaged over
the seeds, scored as the search scores a variant (validation split, minus the aggregates').
One reading of one ensemble, not the search's rule over three seeds: a lead, not a choice.

  model-training/.venv/bin/python examples/scripts/seed-ensemble-validation.py --out /tmp/llm4es-bench [--seeds 0 1 2]
"""

import argparse
from pathlib import Path

import numpy as np
from llm4es_training.benchmark.protocol import average, evaluate_validation, load_features
from llm4es_training.benchmark.run import Benchmark, mode_for
from llm4es_training.benchmark.search import Search, recipe_variant
from llm4es_training.benchmark.task_folder import read_labels, read_task
from llm4es_training.benchmark.tasks import TASK_IDS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True, help="a folder `search` has read the recipe's seeds in")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    bench = Benchmark(args.out.resolve(), mode_for(False, None, True), TASK_IDS, None, 2)
    default = recipe_variant(bench.recipe())
    search = Search(bench, args.seeds, variants=[default])  # scores the recipe's pooling only
    averaged, single = [], []
    for task in TASK_IDS:
        folder = bench.tasks_dir / task
        labels, metric = read_labels(folder), read_task(folder)["metric"]
        base = evaluate_validation(load_features(bench.features_path(task, "aggregates")), labels, metric)["mean"]
        tables = [search.variant_features(task, s)[default] for s in args.seeds]
        averaged.append(evaluate_validation(average(tables), labels, metric)["mean"] - base)
        single.append([search.validation(task, s)[default] for s in args.seeds])
        print(f"{task}: seeds averaged {averaged[-1]:+.4f}, each seed " + ", ".join(f"{v:+.4f}" for v in single[-1]))
    print(
        f"mean over tasks: seeds averaged {np.mean(averaged):+.4f}, each seed "
        + ", ".join(f"{v:+.4f}" for v in np.mean(single, axis=0))
    )


if __name__ == "__main__":
    main()
