"""The text-enrichment ablation: one model size, trained from scratch on each serializer config of
each task, every entity embedded through the SQL aggregate, scored with the benchmark protocol.

    llm4es-train ablation --out DIR [--configs examples/config/ablation]

For each task (a task folder from `prepare-tasks`) and each config `<task>.<config>.json`:
corpus through the Java serializer (`export-text`) -> `llm4es-train train --init scratch` (same
size, steps, seed and context for every config) -> bundle -> `user_embedding_result(...)` over all
the task's events in H2 -> the protocol of `evaluate`. Every step writes its output under DIR
and is skipped when that output exists, so a rerun finishes an interrupted run. Prints the table
(task x config: metric mean ± std, the aggregate baseline on the same events for reference) and
writes DIR/results.json with every choice, count and timing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from ..arguments import ArgumentParser
from ..checkout import REPO_ROOT, find_jar, missing_jar_message
from .aggregates import run_aggregate_baseline
from .java_cli import JavaCli
from .prepare import prepare
from .protocol import describe, evaluate_task, features_frame, load_features
from .task_folder import read_labels, read_task

# Sized for ~40 minutes on a shared 2-core CPU. Berka accounts keep their 8 most recent
# transactions so that every rendering's text fits the context: the trainer skips (and counts)
# summary and non-line texts that do not fit, which would otherwise train configs (b) and (c) on
# a few short histories only. BPIC cases have 5 events by the task's definition.
TASKS = {
    "berka-age": {"max_entities": None, "max_events_per_entity": 8},
    "bpic-approved": {"max_entities": None, "max_events_per_entity": None},
}
TRAINING = {
    "init": "scratch",
    "scratch_size": "tiny",
    "context": 1024,
    "max_steps": 150,
    "batch_size": 16,
    "micro_batch_size": 8,
    "seeds": [0, 1, 2],
}
TRAIN = Path(sys.executable).parent / "llm4es-train"


def log(message: str) -> None:
    print(f"[ablation {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cached(path: Path, step: str, compute) -> dict:
    """`path`'s JSON when it exists, else `compute()`'s, written there with its seconds."""
    if path.exists():
        log(f"{step}: cached ({path})")
        return json.loads(path.read_text(encoding="utf-8"))
    log(f"{step} ...")
    started = time.perf_counter()
    result = compute()
    result["seconds"] = round(time.perf_counter() - started, 1)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    log(f"{step}: done in {result['seconds']} s")
    return result


def java(models: Path) -> JavaCli:
    """The CLI with the JVM's own heap and thread defaults, as the recorded ablation ran."""
    return JavaCli(find_jar(), models, threads=None, heap=None)


def event_json(task_dir: Path, config: dict) -> str:
    """The config's fields as an H2 JSON_OBJECT over events.csv (CSVREAD names its columns upper-case)."""
    columns = pd.read_csv(task_dir / "events.csv", nrows=0).columns
    names = [f["name"] for f in config["fields"]]
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(f"{task_dir / 'events.csv'} has no column {missing} (columns: {list(columns)})")
    return "JSON_OBJECT(" + ", ".join(f"'{n}': \"{n.upper()}\"" for n in names) + ")"


def read_config(config_path: Path) -> dict:
    return json.loads(config_path.read_text(encoding="utf-8"))


def export_corpus(task_dir: Path, config_path: Path, work: Path, models: Path) -> dict:
    event = event_json(task_dir, read_config(config_path))
    sql = f'SELECT "ENTITY_ID", {event}, "TS" FROM CSVREAD(\'{task_dir / "events.csv"}\')'
    java(models).export_text(sql, config_path, work / "corpus.jsonl")
    lines = [json.loads(line) for line in (work / "corpus.jsonl").open(encoding="utf-8")]
    if len(lines) != read_task(task_dir)["n_entities"]:
        raise RuntimeError(f"corpus has {len(lines)} users, the task {read_task(task_dir)['n_entities']} entities")
    renderings = pd.Series([r["rendering"] for r in lines]).value_counts().to_dict()
    return {
        "users": len(lines),
        "renderings": renderings,
        "unknown_codes": sum(r["unknown_codes"] for r in lines),
        "mean_chars": round(sum(len(r["text"]) for r in lines) / len(lines), 1),
    }


def train(corpus: Path, run: Path, bundle: Path, name: str, seed: int) -> dict:
    if run.exists():  # an interrupted run: start it again, the result must not depend on the interruption
        shutil.rmtree(run)
    t = TRAINING
    subprocess.run(
        [
            str(TRAIN),
            "train",
            "--corpus",
            str(corpus),
            "--init",
            t["init"],
            "--scratch-size",
            t["scratch_size"],
            "--context",
            str(t["context"]),
            "--max-steps",
            str(t["max_steps"]),
            "--batch-size",
            str(t["batch_size"]),
            "--micro-batch-size",
            str(t["micro_batch_size"]),
            "--seed",
            str(seed),
            "--no-progress",
            "--out",
            str(run),
            "--export-bundle",
            str(bundle),
            "--name",
            name,
        ],
        check=True,
    )
    training = json.loads((run / "summary.json").read_text(encoding="utf-8"))["training"]
    keys = (
        "base_model",
        "parameters",
        "corpus",
        "tokens_seen",
        "tokens_per_s",
        "final_train_loss",
        "heldout_loss_before",
        "heldout_loss_after",
        "train_seconds",
    )
    return {k: training[k] for k in keys}


def embed(task_dir: Path, config_path: Path, work: Path, models: Path, name: str) -> dict:
    """Every entity through `user_embedding_result`; any entity without an embedding is an error."""
    event = event_json(task_dir, read_config(config_path))
    # CAST: the CLI writes a JSON column's bytes as a Java object name (`[B@...`).
    sql = (
        f'SELECT "ENTITY_ID", CAST(user_embedding_result({event}, "TS", \'{name}\') AS VARCHAR) AS result '
        f"FROM CSVREAD('{task_dir / 'events.csv'}') GROUP BY \"ENTITY_ID\""
    )
    raw = work / "embedding_results.csv"
    java(models).query(sql, raw)
    table = pd.read_csv(raw, dtype=str)
    results = [json.loads(r) for r in table["RESULT"]]
    status = pd.Series([r["status"] for r in results]).value_counts().to_dict()
    bad = [
        (e, r["status"], r["message"])
        for e, r in zip(table["ENTITY_ID"], results)
        if r["status"] not in ("ok", "truncated")
    ]
    if bad:
        raise RuntimeError(f"{len(bad)} entities got no embedding, e.g. {bad[:3]}")
    labelled = set(read_labels(task_dir)["entity_id"])
    if set(table["ENTITY_ID"]) != labelled:
        raise RuntimeError(f"embedded {len(table)} entities, labels.csv has {len(labelled)}: they differ")
    features = features_frame(table["ENTITY_ID"], [r["embedding"] for r in results], prefix="e")
    features.to_csv(work / "features.csv", lineterminator="\n")
    return {
        "entities": len(results),
        "status": status,
        "dropped_events": sum(r["dropped_events"] for r in results),
        "mean_tokens": round(sum(r["tokens"] for r in results) / len(results), 1),
    }


def run_seed(task_dir: Path, config_path: Path, work: Path, models: Path, seed: int) -> dict:
    task_id, config_id = config_path.stem.split(".", 1)
    name = f"{task_id}.{config_id}.s{seed}"
    seed_dir = work / f"seed{seed}"
    seed_dir.mkdir(exist_ok=True)
    training = cached(
        seed_dir / "training.json",
        f"{name} training",
        lambda: train(work / "corpus.jsonl", seed_dir / "run", models / name, name, seed),
    )
    embedding = cached(
        seed_dir / "embedding.json", f"{name} embedding", lambda: embed(task_dir, config_path, seed_dir, models, name)
    )
    evaluation = cached(
        seed_dir / "evaluation.json",
        f"{name} evaluation",
        lambda: evaluate_task(task_dir, load_features(seed_dir / "features.csv"), config_id),
    )
    log(f"{describe(evaluation)} [seed {seed}]")
    return {"seed": seed, "training": training, "embedding": embedding, "evaluation": evaluation}


def run_config(task_dir: Path, config_path: Path, out: Path, models: Path) -> dict:
    task_id, config_id = config_path.stem.split(".", 1)
    work = out / task_id / config_id
    work.mkdir(parents=True, exist_ok=True)
    corpus = cached(
        work / "corpus.json",
        f"{task_id}.{config_id} corpus",
        lambda: export_corpus(task_dir, config_path, work, models),
    )
    seeds = [run_seed(task_dir, config_path, work, models, seed) for seed in TRAINING["seeds"]]
    means = pd.Series([s["evaluation"]["mean"] for s in seeds])
    return {
        "config": config_id,
        "config_file": str(config_path.relative_to(REPO_ROOT)),
        "corpus": corpus,
        "seeds": seeds,
        "mean_over_seeds": means.mean(),
        "std_over_seeds": means.std(ddof=0),
    }


def table(results: dict) -> str:
    """Per task and config: each seed's protocol mean ± std (over the 5 folds' models), then the
    mean ± std of those means over seeds; then per run what the model saw: texts the trainer
    skipped (too long for the context), tokens trained on, held-out loss, truncation at inference."""
    seeds = results["training"]["seeds"]
    rows = [
        "| task | config | metric | " + " | ".join(f"seed {s}" for s in seeds) + " | over seeds |",
        "|---" * (len(seeds) + 4) + "|",
    ]
    for task_id, task in results["tasks"].items():
        a = task["aggregates"]
        rows.append(
            f"| {task_id} | aggregates (same events) | {a['metric']} | {a['mean']:.4f} ± {a['std']:.4f} |"
            + " |" * len(seeds)
        )
        for c in task["configs"]:
            cells = [f"{s['evaluation']['mean']:.4f} ± {s['evaluation']['std']:.4f}" for s in c["seeds"]]
            rows.append(
                f"| {task_id} | {c['config']} | {a['metric']} | "
                + " | ".join(cells)
                + f" | {c['mean_over_seeds']:.4f} ± {c['std_over_seeds']:.4f} |"
            )
    rows += [
        "",
        "| task | config | seed | texts skipped in training | tokens trained | held-out loss before → after "
        "| mean tokens at inference | entities truncated at inference |",
        "|---" * 8 + "|",
    ]
    for task_id, task in results["tasks"].items():
        for c in task["configs"]:
            for s in c["seeds"]:
                t, e = s["training"], s["embedding"]
                rows.append(
                    f"| {task_id} | {c['config']} | {s['seed']} | {t['corpus']['texts_skipped']} of "
                    f"{t['corpus']['train_users'] + t['corpus']['heldout_users']} | {t['tokens_seen']:,} "
                    f"| {t['heldout_loss_before']:.3f} → {t['heldout_loss_after']:.3f} | {e['mean_tokens']} "
                    f"| {e['status'].get('truncated', 0)} |"
                )
    return "\n".join(rows)


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.ablation") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="work folder (reruns skip what is there)")
    parser.add_argument(
        "--configs",
        type=Path,
        default=REPO_ROOT / "examples" / "config" / "ablation",
        help="folder of <task>.<config>.json serializer configs",
    )
    args = parser.parse_args(argv)
    if find_jar() is None:
        raise SystemExit(f"ablation: {missing_jar_message()}")
    out, models = args.out.resolve(), args.out.resolve() / "models"
    models.mkdir(parents=True, exist_ok=True)
    settings = {"training": TRAINING, "task_settings": TASKS}
    recorded = out / "settings.json"
    if recorded.exists() and json.loads(recorded.read_text(encoding="utf-8")) != settings:
        raise SystemExit(f"ablation: {out} holds a run with other settings ({recorded}); use another --out")
    recorded.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    started = time.perf_counter()
    config_ids = sorted({p.stem.split(".", 1)[1] for p in args.configs.glob("*.json")})
    results = {**settings, "configs": config_ids, "tasks": {}}
    for task_id, task_settings in TASKS.items():
        task_dir = out / "tasks" / task_id
        if not (task_dir / "task.json").exists():
            prepare(out / "tasks", [task_id], **task_settings)
        task = read_task(task_dir)
        aggregates = cached(
            task_dir / "aggregates.json", f"{task_id} aggregates", lambda: run_aggregate_baseline(task_dir)
        )
        configs = [run_config(task_dir, args.configs / f"{task_id}.{c}.json", out, models) for c in config_ids]
        results["tasks"][task_id] = {
            k: task[k]
            for k in ("n_entities", "n_events", "n_train", "n_test", "events_per_entity", "subsample", "event_cap")
        }
        results["tasks"][task_id] |= {"aggregates": aggregates, "configs": configs}
    results["seconds_this_invocation"] = round(time.perf_counter() - started, 1)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    log(f"results in {out / 'results.json'} ({results['seconds_this_invocation']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
