"""Test data and paths that test modules import by name. They live here, not in conftest.py:
tests/ and tests/benchmark/ both have a conftest.py, so `from conftest import ...` may find the other one."""

import os
from pathlib import Path

from llm4es_training.checkout import REPO_ROOT, jar_path

JAR = jar_path()
# ../shared sits beside the repository, on developer machines and in CI alike
STORIES260K_DIR = Path(os.environ.get("LLM4ES_STORIES260K", REPO_ROOT.parent / "shared/models/stories260K/hf"))

EVENT_LINES = [
    "2024-01-03, debit, Grocery Stores, Supermarkets, 12.50",
    "2024-01-04, debit, Eating Places, Restaurants, 31.20",
    "2024-01-07, credit, Salary and Transfers In, 2500.00",
    "2024-01-09, debit, Service Stations, 45.00",
    "2024-01-12, debit, Cash Withdrawal (ATM), 100.00",
    "2024-01-15, debit, Utilities, 89.99",
    "2024-01-18, debit, Drug Stores, Pharmacies, 7.35",
    "2024-01-21, debit, Motion Picture Theaters, 18.00",
]
HEADER = "date|type|merchant category|amount"
# Very different lengths: from a single character to a few hundred tokens of event text.
TEXTS = {
    "one-char": "a",
    "story": "Once upon a time, there was a little girl named Lily. She loved to play outside.",
    "events-short": "\n".join([HEADER, *EVENT_LINES[:2]]),
    "events-long": "\n".join([HEADER, *EVENT_LINES, *EVENT_LINES[:3]]),
    "unicode": "Café — naïve façade, 日本 🙂",
    "whitespace": "  spaced   out\n\n\ttabbed line  ",
}


def corpus_records(users: int = 24) -> list[dict]:
    """Records in the Java export-text format: a few users, from 2 to 40 events each."""
    records = []
    for user in range(users):
        count = 2 + (user * 7) % 39
        lines = [EVENT_LINES[(user + i) % len(EVENT_LINES)] for i in range(count)]
        records.append({"user_id": f"u{user:03d}", "text": "\n".join([HEADER, *lines]), "events": count})
    return records
