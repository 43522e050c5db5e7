"""The training corpus: one record per user, as written by the Java `export-text` command.

JSON lines (`{"user_id": ..., "text": ..., "events": N}`) or Parquet with the same columns. The
serializer config the text was rendered with sits beside the corpus as `<corpus>.serializer.json`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import TrainingError
from .manifest import sha256_file

SERIALIZER_SUFFIX = ".serializer.json"


@dataclass(frozen=True)
class UserText:
    user_id: str
    text: str
    # Number of event lines in `text`, when the exporter recorded it (tells header from events).
    events: int | None = None
    # The serializer rendering of `text` (the exporter records it; a mixed corpus has several).
    rendering: str = "lines"
    # Set when `export-text --budget` cut the text to this many tokens (oldest events dropped by Java).
    token_budget: int | None = None
    dropped_events: int = 0


def load_corpus(path: Path) -> list[UserText]:
    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"corpus not found: {path}")
    rows = _read_parquet(path) if path.suffix == ".parquet" else _read_jsonl(path)
    records = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or "text" not in row:
            raise TrainingError(f"corpus {path}: record {number} has no 'text' field")
        text = row["text"]
        if not isinstance(text, str):
            raise TrainingError(f"corpus {path}: record {number} has a non-string 'text'")
        events, budget = row.get("events"), row.get("token_budget")
        records.append(
            UserText(
                str(row.get("user_id", number)),
                text,
                None if events is None else int(events),
                str(row.get("rendering") or "lines"),
                None if budget is None else int(budget),
                int(row.get("dropped_events") or 0),
            )
        )
    records = [r for r in records if r.text.strip()]
    if not records:
        raise TrainingError(f"corpus {path} is empty: no record with a non-empty 'text'")
    ids = [r.user_id for r in records]
    if len(set(ids)) != len(ids):
        raise TrainingError(f"corpus {path}: user ids are not unique (one record per user is expected)")
    return records


def _read_jsonl(path: Path) -> list:
    rows = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise TrainingError(f"corpus {path}: line {number} is not JSON: {error}") from None
    return rows


def _read_parquet(path: Path) -> list[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise TrainingError("reading a Parquet corpus needs pyarrow (pip install pyarrow)") from None
    return pq.read_table(path).to_pylist()


def corpus_fingerprint(path: Path) -> str:
    return "sha256:" + sha256_file(Path(path))


def find_serializer(corpus: Path, explicit: Path | None) -> Path | None:
    """The explicit serializer config, else the one the exporter wrote beside the corpus."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise TrainingError(f"serializer config not found: {explicit}")
        return Path(explicit)
    beside = Path(str(corpus) + SERIALIZER_SUFFIX)
    return beside if beside.is_file() else None


def read_serializer(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TrainingError(f"serializer config {path} is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise TrainingError(f"serializer config {path} must be a JSON object")
    return config


def split_heldout(records: list[UserText], fraction: float, seed: int) -> tuple[list[UserText], list[UserText]]:
    """Seeded split by user: (train, held-out). At least one user on each side when there are two."""
    if not 0 <= fraction < 1:
        raise TrainingError(f"held-out fraction must be in [0, 1), got {fraction}")
    count = round(len(records) * fraction)
    if fraction > 0 and len(records) >= 2:
        count = min(max(count, 1), len(records) - 1)
    order = np.random.default_rng(seed).permutation(len(records))
    heldout = set(order[:count].tolist())
    return ([r for i, r in enumerate(records) if i not in heldout], [r for i, r in enumerate(records) if i in heldout])
