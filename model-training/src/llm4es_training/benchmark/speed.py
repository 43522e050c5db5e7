"""The speed section: one model, one task's texts, the same inference threads everywhere.

Java runs are whole processes (JVM start, model load, CSV read), so each path is timed
differentially: the run over all entities minus the same run over one entity. That leaves the
per-user work: serialization, tokenization, batching and inference."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..manifest import MANIFEST_FILE
from .artifacts import read_json
from .java_cli import JavaCli, embedding_sql, run_measured, source_sql

MATMUL_SIZE = 1024


def matmul_peak_gflops(threads: int, repeats: int = 5) -> float:
    """float32 matrix-multiply GFLOP/s of numpy's BLAS on `threads` threads: the attainable peak."""
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    best = float("inf")
    with threadpool_limits(limits=threads):
        a @ a
        for _ in range(repeats):
            started = time.perf_counter()
            a @ a
            best = min(best, time.perf_counter() - started)
    return 2 * MATMUL_SIZE**3 / best / 1e9


def _differential(run_all, run_one, repeats: int) -> tuple[float, float]:
    """Median over repeats of (all - one) seconds, and the largest peak RSS seen (MB)."""
    deltas, rss = [], 0.0
    for _ in range(repeats):
        whole, single = run_all(), run_one()
        deltas.append(max(whole.seconds - single.seconds, 1e-9))
        rss = max(rss, whole.max_rss_mb)
    return statistics.median(deltas), rss


def measure_speed(
    java: JavaCli, task_dir: Path, bundle: Path, hf_model: Path, corpus: Path, work: Path, repeats: int
) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    serializer = read_json(task_dir / "serializer.json")
    manifest = read_json(bundle / MANIFEST_FILE)
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    users, events = len(records), sum(r["events"] for r in records)
    first = str(records[0]["user_id"])
    # The texts the model sees (oldest events dropped to fit its token budget), from the SQL function.
    seen = work / "seen-texts.csv"
    java.query(embedding_sql(task_dir, serializer, manifest["name"], function="serialize_events"), seen)
    seen_texts = pd.read_csv(seen, dtype=str, keep_default_na=False)
    lines = [json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(seen_texts.iloc[:, 0], seen_texts.iloc[:, 1])]
    texts, one_text = work / "texts.jsonl", work / "one-text.jsonl"
    texts.write_text("".join(lines), encoding="utf-8")
    one_text.write_text(lines[0], encoding="utf-8")

    tokens_file = work / "tokens.jsonl"
    java_s, java_rss = _differential(
        lambda: java.embed_texts(bundle, texts, tokens_file),
        lambda: java.embed_texts(bundle, one_text, work / "one-token.jsonl"),
        repeats,
    )
    lengths = [len(json.loads(line)["token_ids"]) for line in tokens_file.read_text(encoding="utf-8").splitlines()]
    tokens = sum(lengths)
    model = manifest["name"]
    sql_s, sql_rss = _differential(
        lambda: java.query(embedding_sql(task_dir, serializer, model), work / "sql.csv"),
        lambda: java.query(embedding_sql(task_dir, serializer, model, first), work / "sql-one.csv"),
        repeats,
    )
    ser_s, _ = _differential(
        lambda: java.export_text(source_sql(task_dir, serializer), task_dir / "serializer.json", work / "text.jsonl"),
        lambda: java.export_text(
            source_sql(task_dir, serializer, entity=first), task_dir / "serializer.json", work / "text-one.jsonl"
        ),
        repeats,
    )
    pooling = manifest["pooling"]
    torch_run = run_measured(
        [
            sys.executable,
            "-m",
            "llm4es_training.benchmark.torch_speed",
            "--model",
            str(hf_model),
            "--tokens",
            str(tokens_file),
            "--threads",
            str(java.threads),
            "--layers-from",
            str(pooling["layers_from"]),
            "--layers-to",
            str(pooling["layers_to"]),
            "--repeats",
            str(repeats),
        ]
    )
    torch_result = json.loads(torch_run.stdout.strip().splitlines()[-1])
    peak = matmul_peak_gflops(java.threads)
    java_gflops = torch_result["flops"] / java_s / 1e9
    paths = {
        "sql_aggregate_h2": {"seconds": sql_s, "peak_rss_mb": sql_rss},
        "java_embedder": {"seconds": java_s, "peak_rss_mb": java_rss},
        "pytorch_eager": {"seconds": torch_result["seconds"], "peak_rss_mb": torch_run.max_rss_mb},
    }
    for p in paths.values():
        p |= {"tokens_per_s": tokens / p["seconds"], "users_per_s": users / p["seconds"]}
    return {
        "task": read_json(task_dir / "task.json")["id"],
        "model": manifest["name"],
        "threads": java.threads,
        "users": users,
        "events": events,
        "tokens": tokens,
        "repeats": repeats,
        "paths": paths,
        "ratios": {
            "java_over_pytorch": paths["java_embedder"]["tokens_per_s"] / paths["pytorch_eager"]["tokens_per_s"],
            "sql_over_java": paths["sql_aggregate_h2"]["tokens_per_s"] / paths["java_embedder"]["tokens_per_s"],
            "sql_over_pytorch": paths["sql_aggregate_h2"]["tokens_per_s"] / paths["pytorch_eager"]["tokens_per_s"],
        },
        "forward_gflop": torch_result["flops"] / 1e9,
        "java_embedder_gflops": java_gflops,
        "matmul_peak_gflops": peak,
        "java_share_of_peak": java_gflops / peak,
        "serializer_events_per_s": events / ser_s,
        "method": "Java paths: median over repeats of (process over all entities - process over one entity); "
        "PyTorch: median of timed passes after a warm-up, same token ids, same pooling",
    }
