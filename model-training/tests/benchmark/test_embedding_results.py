"""`user_embedding_result` rows as the CLI writes them: features, and what the model saw."""

import json

import pytest

from llm4es_training.benchmark.java_cli import context_facts, read_embedding_results


def _row(entity, embedding, events, dropped, tokens, status="ok"):
    result = {
        "embedding": embedding,
        "status": status,
        "model_version": "m:1",
        "events": events,
        "tokens": tokens,
        "dropped_events": dropped,
        "message": None,
    }
    return f'{entity},"{json.dumps(result).replace(chr(34), chr(34) * 2)}"'


def test_results_give_features_and_context_medians(tmp_path):
    csv = tmp_path / "results.csv"
    csv.write_text(
        "\n".join(
            [
                "ENTITY_ID,RESULT",
                _row("a", [0.5, 1.0], 10, 0, 101),
                _row("b", [0.25, -1.0], 40, 30, 511, "truncated"),
                _row("c", [0.0, 2.0], 4, 0, 41),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    features, counts = read_embedding_results(csv)
    assert list(features.index) == ["a", "b", "c"] and features.loc["b"].tolist() == [0.25, -1.0]
    facts = context_facts(counts)
    assert facts["median_tokens_per_event"] == pytest.approx(10.25)  # 101/10, 511/10, 41/4
    assert facts["median_share_of_events_kept"] == 1.0 and facts["median_tokens_per_user"] == 101.0
    assert (facts["users_truncated"], facts["users"]) == (1, 3)


def test_an_entity_without_embedding_is_an_error(tmp_path):
    csv = tmp_path / "results.csv"
    csv.write_text("ENTITY_ID,RESULT\n" + _row("a", None, 3, None, None, "error:22023") + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"1 entities got no embedding.*error:22023"):
        read_embedding_results(csv)
