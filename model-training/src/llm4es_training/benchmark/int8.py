"""`llm4es-train int8-quality --out DIR [--tasks ...] [--methods ...]` (or `python -m
llm4es_training.benchmark.int8`): what `--quantize int8` costs downstream. For each task and
LLM4ES method of the benchmark, the task's float32 bundle and its int8 copy (`rebundle
--quantize int8`, the graph users get) embed every entity through the SQL aggregate; both
embeddings are scored by the benchmark's protocol, and the report gives the fold-paired metric
difference int8 − float32 on the fixed split and over the 5 repeated splits, the cosine between
the two embeddings of each entity, and each SQL query's wall time. Every step is cached in DIR
(the benchmark's own layout, so DIR may be a benchmark report folder: its float32 results are
reused)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..arguments import ArgumentParser
from ..manifest import MANIFEST_FILE
from .artifacts import cached_json, read_json, write_json
from .llm_models import RECIPE_METHOD, bundle_name
from .protocol import load_features
from .report import paired_difference, repeated_paired_difference
from .run import Benchmark, mode_for
from .tasks import TASK_IDS

METHODS = ["llm4es-random", "llm4es-stories260k", "llm4es-stories260k-ft", "llm4es-scratch-ft", RECIPE_METHOD]
DEFAULT_TASKS = ["berka-age", "bpic-approved"]
DEFAULT_METHODS = ["llm4es-stories260k"]
# The bound on the metric change that int8 may cost.
TOLERANCE = 0.005


def int8_method(method: str) -> str:
    return f"{method}-int8"


class Int8Quality:
    def __init__(self, bench: Benchmark):
        self.bench = bench

    def int8_bundle(self, task_id: str, method: str) -> str:
        """The task's float32 bundle (built by the benchmark's own path) copied with its graph
        quantized; rebundle stages and renames, so the registry never sees half a bundle."""
        from ..bundle import rebundle  # Deferred: torch and onnxruntime load slowly.

        models = self.bench.out / "models"
        name = int8_method(bundle_name(task_id, method))
        if not (models / name / MANIFEST_FILE).is_file():
            rebundle(
                source=models / bundle_name(task_id, method),
                serializer=self.bench.serializer(task_id, method),
                name=name,
                out=models / name,
                description=f"{method} for benchmark task {task_id}, int8",
                quantize="int8",
            )
        return name

    def embed_int8(self, task_id: str, method: str) -> pd.DataFrame:
        return self.bench.sql_embeddings(task_id, int8_method(method), self.int8_bundle(task_id, method))

    def compare(self, task_id: str, method: str, hf_model: Path) -> dict:
        bench = self.bench
        fp32 = bench.score(task_id, method, lambda: bench.llm4es(task_id, method, hf_model))
        int8 = bench.score(task_id, int8_method(method), lambda: self.embed_int8(task_id, method))
        a = load_features(bench.features_path(task_id, method))
        b = load_features(bench.features_path(task_id, int8_method(method))).loc[a.index]
        cosine = _row_cosines(a.to_numpy(), b.to_numpy())
        fixed_mean, fixed_std = paired_difference(int8, fp32)
        repeated = repeated_paired_difference(
            bench.score_repeated(task_id, int8_method(method)), bench.score_repeated(task_id, method)
        )
        seconds = {
            m: read_json(p)["seconds"] if (p := bench.query_seconds(task_id, m)).is_file() else None
            for m in (method, int8_method(method))
        }
        return {
            "metric": fp32["metric"],
            "float32": {"mean": fp32["mean"], "std": fp32["std"]},
            "int8": {"mean": int8["mean"], "std": int8["std"]},
            "int8_minus_float32": {"mean": fixed_mean, "std": fixed_std},
            "int8_minus_float32_repeated": repeated,
            "within_tolerance": bool(abs(fixed_mean) <= TOLERANCE and abs(repeated["mean"]) <= TOLERANCE),
            "cosine": {"min": float(cosine.min()), "median": float(np.median(cosine)), "entities": int(cosine.size)},
            "query_seconds": seconds,
        }


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def table(results: dict[str, dict[str, dict]]) -> str:
    lines = [
        "| task | method | metric | float32 | int8 | Δ fixed split (fold-paired) | Δ 5 repeated splits | cosine min / median | SQL query s float32 / int8 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for task_id, by_method in results.items():
        for method, r in by_method.items():
            d, rep, s = r["int8_minus_float32"], r["int8_minus_float32_repeated"], r["query_seconds"]
            seconds = " / ".join("–" if v is None else f"{v:.1f}" for v in s.values())
            lines.append(
                f"| {task_id} | {method} | {r['metric']} | {r['float32']['mean']:.4f} ± {r['float32']['std']:.4f} | "
                f"{r['int8']['mean']:.4f} ± {r['int8']['std']:.4f} | {d['mean']:+.4f} ± {d['std']:.4f} | "
                f"{rep['mean']:+.4f} ± {rep['std']:.4f} | {r['cosine']['min']:.5f} / {r['cosine']['median']:.5f} | "
                f"{seconds} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.int8") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="output folder (outside git or git-ignored)")
    parser.add_argument(
        "--datasets", type=Path, help="datasets folder (default $LLM4ES_DATASETS or ../shared/datasets)"
    )
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=DEFAULT_TASKS, help="(berka-age bpic-approved)")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=DEFAULT_METHODS, help="(llm4es-stories260k)")
    parser.add_argument("--quick", action="store_true", help="the benchmark's quick mode: 120 entities, tiny models")
    parser.add_argument("--max-entities", type=int, help="entities per task (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="inference threads (2)")
    args = parser.parse_args(argv)
    train = any(m.endswith("-ft") for m in args.methods)
    bench = Benchmark(
        args.out.resolve(), mode_for(args.quick, args.max_entities, train), args.tasks, args.datasets, args.threads
    )
    if bench.java is None:
        print(f"{prog}: the llm4es jar is needed (mvn package builds it)", file=sys.stderr)
        return 1
    bench.prepare_tasks()
    models = bench.language_models()
    quality = Int8Quality(bench)
    results = {
        t: {
            m: cached_json(bench.out / "int8" / t / f"{m}.json", lambda t=t, m=m: quality.compare(t, m, models[m]))
            for m in args.methods
        }
        for t in args.tasks
    }
    command = f"{prog} {shlex.join(argv if argv is not None else sys.argv[1:])}"
    write_json(bench.out / "int8.json", {"command": command, "tolerance": TOLERANCE, "results": results})
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
