"""The language models' training text never includes an entity that some task on the same dataset
tests on."""

import pandas as pd

from llm4es_training.benchmark.llm_models import corpus_entities


def _labels(train, test):
    return pd.DataFrame(
        {"entity_id": [*train, *test], "label": 0, "split": ["train"] * len(train) + ["test"] * len(test)}
    )


def test_a_test_entity_of_a_sibling_task_is_left_out():
    labels = {"age": _labels(["1", "2", "3"], ["4"]), "default": _labels(["2"], ["3"]), "other": _labels(["3"], ["9"])}
    datasets = {"age": "bank", "default": "bank", "other": "films"}
    assert corpus_entities(labels, datasets) == {"age": {"1", "2"}, "default": {"2"}, "other": {"3"}}


def test_berka_default_test_accounts_never_train_through_berka_age(tmp_path, datasets):
    from llm4es_training.benchmark.prepare import prepare
    from llm4es_training.benchmark.task_folder import read_labels, read_task

    tasks = ["berka-age", "berka-default"]
    prepare(tmp_path, tasks, datasets)
    labels = {t: read_labels(tmp_path / t) for t in tasks}
    kept = corpus_entities(labels, {t: read_task(tmp_path / t)["dataset"] for t in tasks})
    default_test = set(labels["berka-default"].query("split == 'test'")["entity_id"].astype(str))
    age_train = set(labels["berka-age"].query("split == 'train'")["entity_id"].astype(str))
    assert default_test & age_train  # the overlap the rule exists for
    assert not default_test & kept["berka-age"]
    assert kept["berka-age"] == age_train - default_test
