"""The Java side of the benchmark, through its command line: training text from the Java
serializer (`export-text`), embeddings through the SQL aggregate (`query`) and raw-text embedding
(`embed-texts`). Every call is timed and its peak memory (RSS) recorded."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .protocol import features_frame

DB_URL = "jdbc:h2:mem:llm4es-bench"


@dataclass(frozen=True)
class Measured:
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def _peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process, in MB: the high-water mark of its own address space."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def run_measured(command: list[str], env: dict | None = None, poll_s: float = 0.02) -> Measured:
    """Runs a command to completion; wall time and the child's own peak RSS. The peak is the
    child's VmHWM, sampled until it exits: getrusage/wait4's ru_maxrss starts from the parent's RSS
    at fork (Linux carries it over exec), so under this ~1 GB Python process every child read
    ~1 GB. A child that exits before the first sample falls back to ru_maxrss."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, **(env or {})})
        peak = None
        while True:
            sample = _peak_rss_mb(process.pid)
            if sample is not None:
                peak = max(peak or 0.0, sample)
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(poll_s)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} ... failed ({process.returncode}):\n{stderr[-3000:]}")
    # ru_maxrss is in kilobytes on Linux.
    return Measured(stdout, stderr, seconds, peak if peak is not None else usage.ru_maxrss / 1024)


class JavaCli:
    """`java -jar llm4es.jar` with a models folder, a number of inference threads and a heap (None:
    the JVM's and llm4es's defaults)."""

    def __init__(self, jar: Path, models_dir: Path, threads: int | None, heap: str | None = "2g"):
        self.jar, self.models_dir, self.threads, self.heap = Path(jar), Path(models_dir), threads, heap

    def run(self, *args: str) -> Measured:
        command = [
            "java",
            *([f"-Xmx{self.heap}"] if self.heap else []),
            f"-Dllm4es.models.dir={self.models_dir}",
            *([f"-Dllm4es.threads={self.threads}"] if self.threads else []),
            "-jar",
            str(self.jar),
            *args,
        ]
        return run_measured(command)

    def export_text(
        self, source_sql: str, serializer: Path, out: Path, tokenizer: Path | None = None, budget: int | None = None
    ) -> Measured:
        """The corpus of whole histories; with `tokenizer` and `budget`, each cut by Java to the newest
        whole events within `budget` tokens (a model's context less its special tokens)."""
        fit = [] if tokenizer is None else ["--tokenizer", str(tokenizer), "--budget", str(budget)]
        return self.run(
            "export-text", "--db", DB_URL, "--sql", source_sql, "--serializer", str(serializer), "--out", str(out), *fit
        )

    def query(self, sql: str, out: Path) -> Measured:
        return self.run("query", "--db", DB_URL, "--sql", sql, "--out", str(out))

    def embed_texts(self, bundle: Path, texts: Path, out: Path) -> Measured:
        return self.run("embed-texts", "--bundle", str(bundle), "--input", str(texts), "--output", str(out))


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _column(name: str) -> str:
    # CSVREAD upper-cases the header's names.
    return '"' + name.upper().replace('"', '""') + '"'


def _csv(path: Path) -> str:
    return f"CSVREAD({_literal(Path(path).resolve())}, NULL, 'charset=UTF-8')"


def event_json(serializer: dict) -> str:
    """JSON_OBJECT(...) of the serializer's fields over events.csv's columns (CSVREAD gives text:
    numbers are cast back, an empty cell becomes NULL)."""
    parts = []
    for f in serializer["fields"]:
        value = _column(f["name"])
        if f["role"] == "number":
            value = f"CAST(NULLIF({value}, '') AS DOUBLE)"
        parts.append(f"{_literal(f['name'])}: {value}")
    return "JSON_OBJECT(" + ", ".join(parts) + ")"


def _entity_filter(entity: str | None) -> str:
    return "" if entity is None else f" WHERE {_column('entity_id')} = {_literal(entity)}"


def source_sql(task_dir: Path, serializer: dict, entity: str | None = None) -> str:
    """export-text's source: user id, event JSON, order key."""
    return (
        f"SELECT {_column('entity_id')}, {event_json(serializer)}, {_column('ts')} "
        f"FROM {_csv(Path(task_dir) / 'events.csv')}{_entity_filter(entity)}"
    )


def embedding_sql(
    task_dir: Path, serializer: dict, model: str, entity: str | None = None, function: str = "user_embedding"
) -> str:
    """The product path: the SQL aggregate over the task's events, one embedding per entity
    (`function="serialize_events"`: the text the model sees, after its token budget)."""
    return (
        f"SELECT {_column('entity_id')} AS entity_id, {function}({event_json(serializer)}, "
        f"{_column('ts')}, {_literal(model)}) AS embedding FROM {_csv(Path(task_dir) / 'events.csv')}"
        f"{_entity_filter(entity)} GROUP BY {_column('entity_id')}"
    )


def embedding_result_sql(task_dir: Path, serializer: dict, model: str) -> str:
    """`user_embedding_result` per entity: the embedding with its event, token and dropped counts
    (H2 returns JSON; CAST makes the CLI write it as text)."""
    return (
        f"SELECT {_column('entity_id')} AS entity_id, CAST(user_embedding_result({event_json(serializer)}, "
        f"{_column('ts')}, {_literal(model)}) AS VARCHAR) AS result FROM {_csv(Path(task_dir) / 'events.csv')} "
        f"GROUP BY {_column('entity_id')}"
    )


def read_embedding_results(query_csv: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`embedding_result_sql`'s CSV: (features e0, e1, ... ; per entity events, dropped_events, tokens).
    An entity without an embedding is an error."""
    table = pd.read_csv(query_csv, dtype=str, keep_default_na=False)
    table.columns = [c.lower() for c in table.columns]
    results = [json.loads(r) for r in table["result"]]
    failed = [(e, r["status"]) for e, r in zip(table["entity_id"], results) if r["embedding"] is None]
    if failed:
        raise ValueError(f"{query_csv}: {len(failed)} entities got no embedding, e.g. {failed[:3]}")
    features = features_frame(table["entity_id"], np.array([r["embedding"] for r in results], dtype=float), prefix="e")
    counts = pd.DataFrame(
        [{k: r[k] for k in ("events", "dropped_events", "tokens")} for r in results], index=features.index
    )
    return features, counts


def context_facts(counts: pd.DataFrame) -> dict:
    """What the model saw of the users, as medians over them: tokens per kept event (the header's
    share included), the share of a user's events that fit the context, tokens per user."""
    kept = counts["events"] - counts["dropped_events"]
    return {
        "median_tokens_per_event": float((counts["tokens"] / kept).median()),
        "median_share_of_events_kept": float((kept / counts["events"]).median()),
        "median_tokens_per_user": float(counts["tokens"].median()),
        "users_truncated": int((counts["dropped_events"] > 0).sum()),
        "users": len(counts),
    }


def whole_history_facts(users: int) -> dict:
    """The coverage fields of a method that reads every event and no text (the aggregates)."""
    return {
        "median_tokens_per_event": None,
        "median_share_of_events_kept": 1.0,
        "median_tokens_per_user": None,
        "users_truncated": 0,
        "users": users,
    }
