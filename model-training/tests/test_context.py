"""Texts longer than the context keep the header and the newest whole event lines."""

import pytest

from llm4es_training.batches import encode_corpus
from llm4es_training.context import fit_to_context, header_line_count
from llm4es_training.corpus import UserText

HEADER = "date|type|amount"
EVENTS = [f"2024-01-{day:02d}, debit, {day * 11}.00" for day in range(1, 10)]


def characters(text: str) -> list[int]:
    return [ord(c) for c in text]  # one token per character: budgets are easy to reason about


def test_short_text_is_kept_whole():
    text = "\n".join([HEADER, *EVENTS])
    fitted = fit_to_context(text, 1, characters, budget=len(text))
    assert fitted.ids == characters(text) and (fitted.events_kept, fitted.events_dropped) == (9, 0)


@pytest.mark.parametrize("budget", [60, 61, 85, 150, 200])
def test_long_text_keeps_header_and_newest_whole_lines(budget):
    text = "\n".join([HEADER, *EVENTS])
    fitted = fit_to_context(text, 1, characters, budget=budget)
    kept = "".join(map(chr, fitted.ids)).split("\n")
    assert kept[0] == HEADER
    assert kept[1:] == EVENTS[len(EVENTS) - fitted.events_kept :]  # the newest, whole, in order
    assert fitted.events_dropped == len(EVENTS) - fitted.events_kept
    assert len(fitted.ids) <= budget
    # As many as fit: one more (older) line would exceed the budget.
    one_more = "\n".join([HEADER, *EVENTS[len(EVENTS) - fitted.events_kept - 1 :]])
    assert len(one_more) > budget


def test_newest_line_alone_too_long_gives_none():
    text = "\n".join([HEADER, *EVENTS])
    assert fit_to_context(text, 1, characters, budget=len(HEADER) + 5) is None


def test_header_lines_come_from_the_event_count():
    text = "\n".join([HEADER, *EVENTS[:3]])
    assert header_line_count(text, events=3, header=False) == 1
    assert header_line_count(text, events=4, header=True) == 0
    assert header_line_count(text, events=None, header=True) == 1


def test_encoded_corpus_counts_dropped_events_and_adds_bos():
    records = [
        UserText("a", "\n".join([HEADER, *EVENTS]), 9),
        UserText("b", "\n".join([HEADER, EVENTS[0]]), 1),
        UserText("c", "\n".join([HEADER, "x" * 500]), 1),
    ]
    encoded = encode_corpus(records, characters, bos_id=7, context=100, header=True)
    assert [s[0] for s in encoded.sequences] == [7, 7]
    assert all(len(s) <= 100 for s in encoded.sequences)
    assert (encoded.texts_truncated, encoded.texts_skipped) == (1, 1)
    assert encoded.events_dropped == 9 - ("".join(map(chr, encoded.sequences[0][1:])).count("\n"))


def test_structured_renderings_are_kept_whole_or_skipped_never_cut():
    json_text = '{"events": [\n  {"date": "2024-01-01"},\n  {"date": "2024-01-02"}\n]}'
    records = [UserText("a", json_text, 2, "json"), UserText("b", "\n".join([HEADER, *EVENTS]), 9, "lines")]
    roomy = encode_corpus(records, characters, None, context=len(json_text), header=True)
    assert roomy.sequences[0] == characters(json_text)
    tight = encode_corpus(records, characters, None, context=len(json_text) - 1, header=True)
    assert tight.texts_skipped == 1 and all(s != characters(json_text)[: len(s)] for s in tight.sequences)
    assert tight.texts_truncated == 1  # the plain-lines text still loses its oldest lines
    with_summary = encode_corpus(records[1:], characters, None, context=60, header=True, cut_lines=False)
    assert with_summary.texts_skipped == 1 and not with_summary.sequences
