import json

import pytest

from llm4es_training.corpus import find_serializer, load_corpus, split_heldout
from llm4es_training.errors import TrainingError


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_and_parquet_read_alike(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    rows = [{"user_id": "u1", "text": "h\nline", "events": 1}, {"user_id": "u2", "text": "h\nx\ny", "events": 2}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c.parquet")
    assert load_corpus(write_jsonl(tmp_path / "c.jsonl", rows)) == load_corpus(tmp_path / "c.parquet")


@pytest.mark.parametrize(
    "rows, message",
    [
        ([], "is empty"),
        ([{"user_id": "u1", "text": "   "}], "is empty"),
        ([{"user_id": "u1", "body": "text in the wrong field"}], "record 1 has no 'text' field"),
        ([{"user_id": "u1", "text": "a"}, {"user_id": "u1", "text": "b"}], "not unique"),
    ],
)
def test_bad_corpus_is_refused(tmp_path, rows, message):
    with pytest.raises(TrainingError, match=message):
        load_corpus(write_jsonl(tmp_path / "c.jsonl", rows))


def test_heldout_split_is_by_user_seeded_and_disjoint(tmp_path):
    records = load_corpus(write_jsonl(tmp_path / "c.jsonl", [{"user_id": str(i), "text": f"t{i}"} for i in range(50)]))
    train, heldout = split_heldout(records, 0.2, seed=3)
    assert len(heldout) == 10 and len(train) == 40
    assert not {r.user_id for r in train} & {r.user_id for r in heldout}
    assert split_heldout(records, 0.2, seed=3) == (train, heldout)
    assert split_heldout(records, 0.2, seed=4)[1] != heldout


def test_serializer_beside_the_corpus_is_found(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": "a"}])
    assert find_serializer(corpus, None) is None
    (tmp_path / "c.jsonl.serializer.json").write_text("{}")
    assert find_serializer(corpus, None) == tmp_path / "c.jsonl.serializer.json"
    with pytest.raises(TrainingError, match="serializer config not found"):
        find_serializer(corpus, tmp_path / "missing.json")
