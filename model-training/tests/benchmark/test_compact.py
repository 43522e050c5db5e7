"""The compact form of the tasks' serializer configs: the compact rendering, short amounts, and a
separator that no value contains."""

from llm4es_training.benchmark.compact import compact_serializer
from llm4es_training.benchmark.coverage import table

BERKA = {
    "fields": [
        {"name": "date", "role": "time", "format": "yyyy-MM-dd"},
        {"name": "amount", "role": "number", "format": "0.00"},
        {"name": "year", "role": "number", "format": "0"},
    ]
}


def test_amounts_get_two_significant_digits_and_other_numbers_stay_exact():
    task = {"dataset": "berka_pkdd99", "fields": [{"name": f["name"], "role": f["role"]} for f in BERKA["fields"]]}
    config = compact_serializer(BERKA, task)
    assert config["rendering"] == "compact" and config["header_separator"] == "|"
    assert config["fields"][1] == {"name": "amount", "role": "number", "significant_digits": 2}
    assert config["fields"][2] == BERKA["fields"][2] and config["fields"][0] == BERKA["fields"][0]
    assert BERKA["fields"][1]["format"] == "0.00"  # the task's own config is untouched


def test_a_separator_that_a_value_holds_is_not_used():
    task = {
        "dataset": "movielens_100k",
        "fields": [{"name": "genres", "role": "category", "multi_value_separator": "|"}],
    }
    config = compact_serializer({"fields": [{"name": "genres", "role": "category"}]}, task)
    assert config["header_separator"] == ";"


def test_the_table_shows_every_task_and_set_up():
    facts = {
        "median_tokens_per_event": 6.04,
        "median_share_of_events_kept": 1.0,
        "median_tokens_per_user": 301.0,
        "users_truncated": 3,
        "users": 354,
    }
    text = table({"berka-default": {"compact+domain": facts}})
    assert "| berka-default | compact+domain | 6.0 | 100 % | 301 | 3 of 354 |" in text
