"""The domain tokenizer: trained on the Java serializer's compact text (export-text), frequent field
values become single tokens; a scratch model over it exports to a bundle that the Java runtime
tokenizes exactly as Python does; `train --init scratch --tokenizer` uses it as given."""

import json

import pandas as pd
import pytest
from tokenizers import Tokenizer

from llm4es_training.benchmark.java_cli import JavaCli
from llm4es_training.benchmark.llm_models import scratch_model
from llm4es_training.bundle import export_bundle
from llm4es_training.corpus import load_corpus
from llm4es_training.domain_tokenizer import main as tokenizer_main
from llm4es_training.domain_tokenizer import separators, train_domain_tokenizer
from llm4es_training.errors import TrainingError
from llm4es_training.manifest import read_manifest
from llm4es_training.tokens import encode_for_bundle
from llm4es_training.training_run import TrainRequest, run_training

COMPACT = {
    "format_version": 1,
    "fields": [
        {"name": "date", "role": "time", "format": "yyyy-MM-dd"},
        {"name": "type", "role": "category"},
        {"name": "operation", "role": "category"},
        {"name": "amount", "role": "number", "significant_digits": 2},
    ],
    "rendering": "compact",
}
OPERATIONS = ["credit in cash", "withdrawal in cash", "collection from another bank", "remittance to another bank"]
AMOUNTS = [100.0, 1200.0, 3479.5, 15000.0, 250.0]


def write_events(path):
    rows = []
    for user in range(30):
        for i in range(20):
            rows.append(
                {
                    "user_id": user,
                    "ts": f"2024-{1 + i // 10:02d}-{1 + (i * 3 + user) % 28:02d}",
                    "type": "credit" if (user + i) % 3 else "withdrawal",
                    "operation": OPERATIONS[(user * 7 + i) % len(OPERATIONS)],
                    "amount": AMOUNTS[(user + 2 * i) % len(AMOUNTS)],
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def compact_corpus(jar, tmp_path_factory):
    """corpus.jsonl of the compact text, as export-text writes it."""
    work = tmp_path_factory.mktemp("domain")
    events = write_events(work / "events.csv")
    (work / "compact.json").write_text(json.dumps(COMPACT), encoding="utf-8")
    event = (
        """JSON_OBJECT('date': "TS", 'type': "TYPE", 'operation': "OPERATION", """
        """'amount': CAST("AMOUNT" AS DOUBLE))"""
    )
    JavaCli(jar, work / "models", threads=1).export_text(
        f'SELECT "USER_ID", {event}, "TS" FROM CSVREAD(\'{events}\')', work / "compact.json", work / "corpus.jsonl"
    )
    return work / "corpus.jsonl"


@pytest.fixture(scope="module")
def domain_tokenizer(compact_corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.json"
    assert tokenizer_main(["--corpus", str(compact_corpus), "--out", str(path), "--vocab-size", "1000"]) == 0
    return path


def test_frequent_values_are_single_tokens_with_their_separator(compact_corpus, domain_tokenizer):
    tokenizer = Tokenizer.from_file(str(domain_tokenizer))
    text = load_corpus(compact_corpus)[0].text
    lines = text.split("\n")
    assert lines[0] == "date|type|operation|amount" and lines[2].startswith("+")  # the Java compact text
    for value in ("|credit", "|withdrawal", "|credit in cash", "|collection from another bank", "|1.2k", "|15k"):
        assert tokenizer.encode(value, add_special_tokens=False).tokens == [value.replace(" ", "Ġ")], value
    # a whole event: one token per value, the line break merged with the first one
    events = lines[1:]
    per_event = len(tokenizer.encode(text, add_special_tokens=False).ids) / len(events)
    assert per_event <= 5, per_event
    # nothing is lost: any text (unseen characters included) decodes to itself
    odd = "+3d|crédit 🙂|new operation||-0.5"
    assert tokenizer.decode(tokenizer.encode(odd, add_special_tokens=False).ids) == odd
    assert [tokenizer.token_to_id(t) for t in ("<pad>", "<s>", "</s>")] == [0, 1, 2]


def test_separators_come_from_the_serializer_config():
    assert separators(COMPACT) == [", ", "|"]
    assert separators({**COMPACT, "header_separator": " ; "}) == [" ; ", ", "]
    with pytest.raises(TrainingError):
        train_domain_tokenizer(["a"], 300, [])


def test_java_tokenizes_a_domain_bundle_as_python_does(compact_corpus, domain_tokenizer, java_embed, tmp_path):
    model = scratch_model(domain_tokenizer, tmp_path / "hf")
    bundle = tmp_path / "bundle"
    export_bundle(
        model=str(model), serializer=compact_corpus.with_name("corpus.jsonl.serializer.json"), name="domain", out=bundle
    )
    manifest = read_manifest(bundle)
    assert manifest["tokens"]["bos_id"] == 1 and manifest["tokens"]["pad_id"] == 0 and manifest["tokens"]["add_bos"]
    assert (
        json.loads((model / "config.json").read_text())["vocab_size"]
        == Tokenizer.from_file(str(domain_tokenizer)).get_vocab_size()
    )
    tokenizer = Tokenizer.from_file(str(bundle / "tokenizer.json"))
    texts = {str(i): r.text for i, r in enumerate(load_corpus(compact_corpus)[:3])}
    texts["odd"] = "+3d|crédit 🙂|new operation||-0.5"
    for key, result in java_embed(bundle, texts).items():
        assert result["token_ids"] == encode_for_bundle(tokenizer, texts[key], manifest["tokens"]), key


def test_a_scratch_run_trains_on_the_given_tokenizer(compact_corpus, domain_tokenizer, tmp_path):
    request = TrainRequest(
        corpus=compact_corpus,
        init="scratch",
        out=tmp_path / "run",
        scratch_size="tiny",
        tokenizer=domain_tokenizer,
        max_steps=2,
        batch_size=4,
        context=256,  # a compact text is trained whole or not at all (it cannot lose lines as Java does)
        progress=False,
    )
    run_training(request)
    assert (tmp_path / "run" / "tokenizer.json").read_bytes() == domain_tokenizer.read_bytes()
    config = json.loads((tmp_path / "run" / "model" / "config.json").read_text())
    assert config["vocab_size"] == Tokenizer.from_file(str(domain_tokenizer)).get_vocab_size()
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["settings"]["tokenizer_sha256"].startswith("sha256:")


def test_a_given_tokenizer_is_checked_before_anything_is_written(compact_corpus, domain_tokenizer, tmp_path):
    base = {"corpus": compact_corpus, "out": tmp_path / "run", "max_steps": 1, "progress": False}
    with pytest.raises(TrainingError, match="--init scratch"):
        run_training(TrainRequest(init="some/model", tokenizer=domain_tokenizer, **base))
    with pytest.raises(TrainingError, match="exclude"):
        run_training(TrainRequest(init="scratch", tokenizer=domain_tokenizer, vocab_size=300, **base))
    with pytest.raises(TrainingError, match="not found"):
        run_training(TrainRequest(init="scratch", tokenizer=tmp_path / "missing.json", **base))
    plain = Tokenizer.from_file(str(domain_tokenizer))
    vocab = json.loads(plain.to_str())
    vocab["model"]["vocab"] = {("x" if k == "<s>" else k): v for k, v in vocab["model"]["vocab"].items()}
    vocab["added_tokens"] = [t for t in vocab["added_tokens"] if t["content"] != "<s>"]
    (tmp_path / "no-bos.json").write_text(json.dumps(vocab), encoding="utf-8")
    with pytest.raises(TrainingError, match="<s> must be token id 1"):
        run_training(TrainRequest(init="scratch", tokenizer=tmp_path / "no-bos.json", **base))
    assert not (tmp_path / "run").exists()
