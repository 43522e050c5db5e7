"""Fitting a user's text into the model's context the way the Java runtime does: keep the header
line and the most recent events, dropping whole event lines from the oldest; never cut a line."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FittedText:
    ids: list[int]
    events_kept: int
    events_dropped: int


def lines_cut_like_java(serializer: dict) -> bool:
    """Whether dropping the oldest event lines of this serializer's `lines` text gives the text Java
    renders for the newest events alone. Not with a summary (it describes every event), nor with a
    `since_previous` gap column (Java leaves the first kept event's gap empty, a cut line keeps
    its `+3 days`): such texts are cut by Java (`export-text --tokenizer --budget`), never here."""
    if serializer.get("summary"):
        return False
    return not any(field.get("since_previous") for field in serializer.get("fields", []))


def header_line_count(text: str, events: int | None, header: bool) -> int:
    """Lines before the first event: from the exporter's event count when known, else the serializer's
    header switch."""
    if events is None:
        return 1 if header else 0
    extra = text.count("\n") + 1 - events
    return extra if extra in (0, 1) else (1 if header else 0)


def fit_to_context(text: str, header_lines: int, encode: Callable[[str], list[int]], budget: int) -> FittedText | None:
    """Token ids of the longest suffix of events that fits `budget` (with the header); None when
    even the newest event alone does not fit."""
    lines = text.split("\n")
    header, events = lines[:header_lines], lines[header_lines:]

    def encode_from(start: int) -> list[int]:
        return encode("\n".join(header + events[start:]))

    ids = encode_from(0)
    if len(ids) <= budget:
        return FittedText(ids, len(events), 0)
    if not events:
        return None
    # More lines never need fewer tokens, so the first fitting start is found by bisection.
    low, high = 1, len(events) - 1
    best = None
    while low <= high:
        middle = (low + high) // 2
        candidate = encode_from(middle)
        if len(candidate) <= budget:
            best, high = (middle, candidate), middle - 1
        else:
            low = middle + 1
    if best is None:
        return None
    start, ids = best
    return FittedText(ids, len(events) - start, start)
