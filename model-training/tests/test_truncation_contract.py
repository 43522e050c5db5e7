"""One truncation rule on both sides: for the same texts and token budgets, the Java runtime
(`EventSerializer.fit`, seen through the CLI's `serialize_events` and `user_embedding_result`) and
the trainer (`context.fit_to_context`, through `batches.encode_corpus`) keep the same newest whole
events and the same token ids, and both refuse a history whose newest event alone is too long."""

import json

import pandas as pd
import pytest
from tokenizers import Tokenizer

from llm4es_training.batches import encode_corpus
from llm4es_training.benchmark.java_cli import JavaCli
from llm4es_training.bundle import rebundle
from llm4es_training.context import lines_cut_like_java
from llm4es_training.corpus import load_corpus
from llm4es_training.errors import TrainingError
from llm4es_training.manifest import read_manifest

from support import REPO_ROOT

BUNDLED_STORIES = REPO_ROOT / "udf" / "src" / "main" / "resources" / "io" / "llm4es" / "models" / "stories260k"
SERIALIZER = {
    "format_version": 1,
    "fields": [
        {"name": "date", "role": "time", "format": "yyyy-MM-dd"},
        {"name": "kind", "role": "category", "dictionary": {"g": "groceries", "r": "rent", "t": "travel"}},
        {"name": "note", "role": "text"},
        {"name": "amount", "role": "number", "format": "0.00"},
    ],
    "header": True,
    "header_separator": "|",
    "value_separator": ", ",
    "rendering": "lines",
    "truncation": "drop_oldest",
}
# Token budgets as a serializer's max_tokens, special tokens included (the trainer's --context).
BUDGETS = [32, 48, 80, 128, 200, 320, 512]
EVENT = """JSON_OBJECT('date': "TS", 'kind': "KIND", 'note': "NOTE", 'amount': CAST("AMOUNT" AS DOUBLE))"""


def write_events(path):
    """Eight users, 1 to 29 events each, event lines from a few tokens to several dozen."""
    rows = []
    for user in range(8):
        for i in range(1 + user * 4):
            words = ["once", "upon", "a", "time", "the", "little", "dog", "ran"][: (user + i * 3) % 9]
            rows.append(
                {
                    "user_id": user,
                    "ts": (pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)).strftime("%Y-%m-%d"),
                    "kind": "grt"[(user + i) % 3],
                    "note": " ".join(words * (1 + (i * user) % 4)),
                    "amount": round(3.5 + 17.25 * ((user * 13 + i * 7) % 11), 2),
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def source(events_csv, function: str, model: str, users) -> str:
    where = ", ".join(str(u) for u in users)
    return (
        f"SELECT {function}({EVENT}, \"TS\", '{model}') FROM CSVREAD('{events_csv}') "
        f'WHERE CAST("USER_ID" AS INT) IN ({where}) GROUP BY "USER_ID"'
    )


@pytest.fixture(scope="module")
def setting(jar, tmp_path_factory):
    work = tmp_path_factory.mktemp("truncation")
    events_csv = write_events(work / "events.csv")
    models = work / "models"
    for budget in BUDGETS:
        config = work / f"serializer-{budget}.json"
        config.write_text(json.dumps({**SERIALIZER, "max_tokens": budget}), encoding="utf-8")
        rebundle(source=BUNDLED_STORIES, serializer=config, name=f"trunc{budget}", out=models / f"trunc{budget}")
    (work / "serializer.json").write_text(json.dumps(SERIALIZER), encoding="utf-8")
    java = JavaCli(jar, models, threads=1)
    java.export_text(
        f'SELECT "USER_ID", {EVENT}, "TS" FROM CSVREAD(\'{events_csv}\')',
        work / "serializer.json",
        work / "corpus.jsonl",
    )
    tokenizer = Tokenizer.from_file(str(BUNDLED_STORIES / "tokenizer.json"))
    tokens = read_manifest(BUNDLED_STORIES)["tokens"]
    assert tokens["add_bos"] and not tokens["add_eos"]  # the trainer prepends BOS only
    return {
        "work": work,
        "models": models,
        "events": events_csv,
        "java": java,
        "records": load_corpus(work / "corpus.jsonl"),
        "encode": lambda text: tokenizer.encode(text, add_special_tokens=False).ids,
        "bos": tokens["bos_id"],
    }


@pytest.fixture(scope="module")
def trainer(setting):
    """Per (budget, user): what the trainer keeps (token ids with BOS, events dropped), or None."""
    kept = {}
    for budget in BUDGETS:
        for record in setting["records"]:
            encoded = encode_corpus([record], setting["encode"], setting["bos"], context=budget, header=True)
            kept[budget, int(record.user_id)] = (
                (encoded.sequences[0], encoded.events_dropped) if encoded.sequences else None
            )
    return kept


@pytest.fixture(scope="module")
def runtime(setting, trainer):
    """Per (budget, user) the trainer keeps: the text the runtime sees and its embedding result."""
    parts = []
    for budget in BUDGETS:
        users = [u for (b, u), fit in trainer.items() if b == budget and fit is not None]
        parts.append(
            f'SELECT {budget} AS budget, "USER_ID" AS u, '
            f"serialize_events({EVENT}, \"TS\", 'trunc{budget}') AS seen, "
            f"CAST(user_embedding_result({EVENT}, \"TS\", 'trunc{budget}') AS VARCHAR) AS r "
            f"FROM CSVREAD('{setting['events']}') WHERE CAST(\"USER_ID\" AS INT) IN ({', '.join(map(str, users))}) "
            f'GROUP BY "USER_ID"'
        )
    out = setting["work"] / "runtime.csv"
    setting["java"].query(" UNION ALL ".join(parts), out)
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    return {(int(row.BUDGET), int(row.U)): (row.SEEN, json.loads(row.R)) for row in table.itertuples()}


def test_the_cases_cover_whole_truncated_and_refused_histories(trainer):
    fits = [fit for fit in trainer.values() if fit is not None]
    assert sum(dropped > 0 for _, dropped in fits) >= 10 and sum(dropped == 0 for _, dropped in fits) >= 10
    assert sum(fit is None for fit in trainer.values()) >= 1


def test_java_and_python_keep_the_same_newest_events_and_tokens(setting, trainer, runtime):
    texts = {int(r.user_id): r.text for r in setting["records"]}
    assert set(runtime) == {key for key, fit in trainer.items() if fit is not None}
    for (budget, user), (seen, result) in runtime.items():
        sequence, dropped = trainer[budget, user]
        assert result["dropped_events"] == dropped, f"budget {budget}, user {user}"
        assert result["tokens"] == len(sequence) <= budget
        assert result["status"] == ("truncated" if dropped else "ok")
        assert [setting["bos"], *setting["encode"](seen)] == sequence, f"budget {budget}, user {user}"
        lines = texts[user].split("\n")
        assert seen.split("\n") == [lines[0], *lines[1 + dropped :]]  # the header, then the newest whole events


def test_both_refuse_when_the_newest_event_alone_does_not_fit(setting, trainer):
    budget, user = min(key for key, fit in trainer.items() if fit is None)
    with pytest.raises(RuntimeError, match=r"\[54000\].*newest event alone"):
        setting["java"].query(
            source(setting["events"], "serialize_events", f"trunc{budget}", [user]), setting["work"] / "refused.csv"
        )


# A gap column: Java renders the first kept event's gap empty, so only Java can cut such a text.
GAP_SERIALIZER = {
    **SERIALIZER,
    "fields": [{**SERIALIZER["fields"][0], "since_previous": True}, *SERIALIZER["fields"][1:]],
}
GAP_BUDGETS = [80, 128, 200, 320]


@pytest.fixture(scope="module")
def gaps(setting):
    """Gap-column texts: whole (export-text) and cut by Java to each budget (export-text --budget),
    with what the runtime sees for the same budget (serialize_events, user_embedding_result)."""
    work, java = setting["work"], setting["java"]
    (work / "gaps.json").write_text(json.dumps(GAP_SERIALIZER), encoding="utf-8")
    source_all = f'SELECT "USER_ID", {EVENT}, "TS" FROM CSVREAD(\'{setting["events"]}\')'
    java.export_text(source_all, work / "gaps.json", work / "gaps.jsonl")
    fitted, seen = {}, {}
    for budget in GAP_BUDGETS:
        config = work / f"gaps-{budget}.json"
        config.write_text(json.dumps({**GAP_SERIALIZER, "max_tokens": budget}), encoding="utf-8")
        rebundle(
            source=BUNDLED_STORIES, serializer=config, name=f"gaps{budget}", out=setting["models"] / f"gaps{budget}"
        )
        # the trainer's --context counts BOS; export-text's --budget is the text's own tokens
        corpus = work / f"gaps-{budget}.jsonl"
        java.export_text(source_all, work / "gaps.json", corpus, BUNDLED_STORIES / "tokenizer.json", budget - 1)
        fitted[budget] = {int(r.user_id): r for r in load_corpus(corpus)}
        out = work / f"gaps-runtime-{budget}.csv"
        java.query(
            f'SELECT "USER_ID" AS u, serialize_events({EVENT}, "TS", \'gaps{budget}\') AS seen, '
            f"CAST(user_embedding_result({EVENT}, \"TS\", 'gaps{budget}') AS VARCHAR) AS r "
            f"FROM CSVREAD('{setting['events']}') WHERE CAST(\"USER_ID\" AS INT) IN "
            f'({", ".join(map(str, fitted[budget]))}) GROUP BY "USER_ID"',
            out,
        )
        table = pd.read_csv(out, dtype=str, keep_default_na=False)
        seen[budget] = {int(row.U): (row.SEEN, json.loads(row.R)) for row in table.itertuples()}
    return {"whole": load_corpus(work / "gaps.jsonl"), "fitted": fitted, "seen": seen}


def test_gap_texts_cut_by_java_train_on_exactly_what_the_runtime_sees(setting, gaps):
    cut = 0
    for budget in GAP_BUDGETS:
        assert set(gaps["fitted"][budget]) == set(gaps["seen"][budget])
        for user, record in gaps["fitted"][budget].items():
            seen, result = gaps["seen"][budget][user]
            encoded = encode_corpus([record], setting["encode"], setting["bos"], context=budget, header=True)
            assert encoded.sequences == [[setting["bos"], *setting["encode"](seen)]], f"budget {budget}, user {user}"
            assert record.text == seen and record.dropped_events == result["dropped_events"] == encoded.events_dropped
            if record.dropped_events:
                cut += 1
                assert record.text.split("\n")[1].split(", ")[1] == ""  # the first kept event shows no gap
    assert cut >= 5


def test_gap_texts_are_never_cut_by_python(setting, gaps):
    """The trainer does not drop lines of a gap text: a cut line would keep its `+1 days`, which the
    runtime never shows. Over the context, such a text is trained whole or skipped (and counted)."""
    whole = {r.user_id: r.text for r in gaps["whole"]}
    assert not lines_cut_like_java(GAP_SERIALIZER) and lines_cut_like_java(SERIALIZER)
    for budget in GAP_BUDGETS:
        encoded = encode_corpus(
            gaps["whole"], setting["encode"], setting["bos"], context=budget, header=True, cut_lines=False
        )
        assert encoded.events_dropped == 0 and encoded.texts_skipped > 0
        texts = {tuple([setting["bos"], *setting["encode"](t)]) for t in whole.values()}
        assert all(tuple(s) in texts for s in encoded.sequences)


def test_a_corpus_cut_for_a_larger_context_is_refused(setting, gaps):
    records = list(gaps["fitted"][320].values())
    with pytest.raises(TrainingError, match=r"export again with --budget 127"):
        encode_corpus(records, setting["encode"], setting["bos"], context=128, header=True)
