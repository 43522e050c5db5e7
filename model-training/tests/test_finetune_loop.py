"""The whole loop in one command (examples/scripts/finetune-loop.sh): events in a database ->
training text through the Java serializer -> fine-tuning -> bundle -> registry -> SQL embeddings."""

import csv
import json
import os
import subprocess

import pytest

from llm4es_training.manifest import MANIFEST_FILE

from support import REPO_ROOT, STORIES260K_DIR

LOOP = REPO_ROOT / "examples" / "scripts" / "finetune-loop.sh"
SERIALIZER = REPO_ROOT / "examples" / "config" / "demo-transactions.serializer.json"
EVENTS_SQL = "SELECT user_id, JSON_OBJECT('date': ts, 'type': type, 'mcc': mcc, 'amount': amount), ts FROM transactions"


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.parametrize("init", ["stories260k", "scratch"])
def test_sql_to_corpus_to_training_to_registered_bundle_to_sql_embeddings(jar, tmp_path, init):
    """With the default recipe: its compact text cut by Java to the context, from stories260K (its own
    tokenizer) or from scratch (a domain tokenizer trained on the text first)."""
    db = f"jdbc:h2:{tmp_path / 'bank'}"
    mccs = ["5411", "5812", "4111", "6011"]
    rows = ", ".join(
        f"({user}, DATE '2024-01-01' + {day}, '{'C' if day % 5 == 0 else 'D'}', '{mccs[(user + day) % 4]}', "
        f"{(user * 37 + day * 11) % 300 + 0.5})"
        for user in range(1, 13)
        for day in range(2 + user % 5)
    )
    for statement in [
        "CREATE TABLE transactions(user_id INT, ts DATE, type VARCHAR(1), mcc VARCHAR(4), amount DECIMAL(10,2))",
        f"INSERT INTO transactions VALUES {rows}",
    ]:
        # --db opens an existing database; creating one is said explicitly
        run(["java", "-jar", str(jar), "query", "--db", db + ";IFEXISTS=FALSE", "--sql", statement])
    out = tmp_path / "embeddings.csv"
    result = run(
        [
            "bash",
            str(LOOP),
            "--db",
            db,
            "--events-sql",
            EVENTS_SQL,
            "--serializer",
            str(SERIALIZER),
            "--init",
            str(STORIES260K_DIR) if init == "stories260k" else "scratch",
            "--name",
            "txn-llm",
            "--version",
            "7",
            "--models-dir",
            str(tmp_path / "models"),
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
            "--",
            "--max-steps",
            "2",
            "--batch-size",
            "4",
            "--micro-batch-size",
            "4",
            "--context",
            "128",
            "--heldout-fraction",
            "0.25",
            "--no-progress",
            *(["--scratch-size", "tiny"] if init == "scratch" else []),
        ],
        env={**os.environ, "LLM4ES_JAR": str(jar)},
    )
    assert "12 users embedded with txn-llm:7" in result.stderr

    manifest = json.loads((tmp_path / "models" / "txn-llm-7" / MANIFEST_FILE).read_text())
    assert manifest["training"]["steps"] == 2 and manifest["name"] == "txn-llm"
    assert manifest["training"]["recipe"] == "compact-domain" and manifest["training"]["context_tokens"] == 128
    assert manifest["serializer"]["rendering"] == "compact" and manifest["serializer"]["max_tokens"] == 128
    assert {f["name"]: f.get("significant_digits") for f in manifest["serializer"]["fields"]}["amount"] == 2
    # the recipe's pooling: the final layer's mean and max over tokens
    assert manifest["pooling"]["token_reduce"] == "masked_mean_max"
    assert manifest["pooling"]["layers_from"] == manifest["pooling"]["layers_to"] == manifest["num_layers"]
    assert manifest["embedding_dim"] == 2 * manifest["hidden_size"]
    corpus = [json.loads(line) for line in (tmp_path / "work" / "corpus.jsonl").read_text().splitlines()]
    assert len(corpus) == 12 and corpus[0]["text"].startswith("date|type|merchant category|amount\n")
    # cut by Java to the context less BOS: the first kept event shows its date, the next ones a gap
    assert {r["token_budget"] for r in corpus} == {127}
    lines = max(corpus, key=lambda r: r["events"])["text"].split("\n")
    assert lines[1][:4] == "2024" and lines[2].startswith("+")
    tokenizer = json.loads((tmp_path / "models" / "txn-llm-7" / "tokenizer.json").read_text())
    if init == "scratch":  # the domain tokenizer: a frequent value with the separator before it is one token
        assert (tmp_path / "work" / "tokenizer.json").is_file()
        assert any(piece.startswith("|Grocery") and "Stores" in piece for piece in tokenizer["model"]["vocab"])

    with out.open() as stream:
        rows = list(csv.DictReader(stream))
    assert [int(r["USER_ID"]) for r in rows] == list(range(1, 13))
    assert {r["MODEL_VERSION"] for r in rows} == {"txn-llm:7"}
    vectors = [json.loads(r["EMBEDDING"]) for r in rows]
    assert all(len(v) == manifest["embedding_dim"] for v in vectors)
    assert len({tuple(v) for v in vectors}) == 12, "different histories must give different embeddings"

    registered = run(
        ["java", "-jar", str(jar), "query", "--db", db, "--sql", "SELECT name, version, status FROM llm4es.models"]
    ).stdout.splitlines()
    assert registered[1:] == ["txn-llm,7,active"]
