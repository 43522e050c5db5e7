"""The task folder contract: files, split, quick-mode subsample, event cap and class names."""

import json

import pandas as pd
import pytest

from llm4es_training.benchmark.berka import age_groups
from llm4es_training.benchmark.split import fixed_split
from llm4es_training.benchmark.task import Field, Task
from llm4es_training.benchmark.task_folder import class_name, read_events, read_labels, read_task, write_task_folder
from llm4es_training.benchmark.tasks import TASK_IDS

SERIALIZER_KEYS = {
    "format_version",
    "fields",
    "header",
    "header_separator",
    "value_separator",
    "rendering",
    "max_tokens",
    "truncation",
}
FIELD_KEYS = {"name", "role", "label", "format", "dictionary", "unknown"}


def test_writes_the_four_files_with_raw_values(tmp_path, synthetic_task):
    task = synthetic_task()
    info = write_task_folder(task, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv", "labels.csv", "serializer.json", "task.json"]

    events = read_events(tmp_path, read_task(tmp_path))
    assert list(events.columns) == ["entity_id", "ts", "date", "kind", "note", "amount"]
    original = task.events.astype({"entity_id": str}).sort_values(["entity_id", "ts"], kind="stable")
    pd.testing.assert_frame_equal(events, original.reset_index(drop=True), check_dtype=False)
    assert info["n_events"] == len(task.events) and info["n_entities"] == len(task.labels)
    assert info["fields"][1] == {"name": "kind", "role": "category"}


def test_serializer_has_only_keys_the_java_parser_accepts(tmp_path, synthetic_task):
    write_task_folder(synthetic_task(), tmp_path, max_tokens=1024)
    config = json.loads((tmp_path / "serializer.json").read_text(encoding="utf-8"))
    assert set(config) == SERIALIZER_KEYS
    assert config["format_version"] == 1 and config["rendering"] == "lines" and config["max_tokens"] == 1024
    assert all(set(f) <= FIELD_KEYS for f in config["fields"])
    assert config["fields"][1]["dictionary"] == {"a": "alpha", "b": "beta, with comma"}


def test_split_is_stratified_and_fixed(tmp_path, synthetic_task):
    task = synthetic_task(n_entities=500)
    write_task_folder(task, tmp_path / "one")
    write_task_folder(synthetic_task(n_entities=500), tmp_path / "two")
    first, second = read_labels(tmp_path / "one"), read_labels(tmp_path / "two")
    pd.testing.assert_frame_equal(first, second)
    test = first[first["split"] == "test"]
    assert len(test) == 100
    # Each class keeps its share in the test part (within one entity).
    for label, n in first["label"].value_counts().items():
        assert abs((test["label"] == label).sum() - 0.2 * n) <= 1


def test_subsample_is_stratified_seeded_and_inside_the_full_split(tmp_path, synthetic_task):
    task = synthetic_task(n_entities=500)
    write_task_folder(task, tmp_path / "full")
    full = read_labels(tmp_path / "full")
    info = write_task_folder(task, tmp_path / "quick", max_entities=100)
    quick = read_labels(tmp_path / "quick")
    assert len(quick) == 100 and info["subsample"]["entities_before"] == 500
    merged = quick.merge(full, on="entity_id", suffixes=("", "_full"))
    assert len(merged) == 100 and (merged["split"] == merged["split_full"]).all()
    assert abs(quick["label"].mean() - full["label"].mean()) < 0.02
    assert abs((quick["split"] == "test").mean() - 0.2) < 0.02
    write_task_folder(task, tmp_path / "again", max_entities=100)
    pd.testing.assert_frame_equal(quick, read_labels(tmp_path / "again"))
    events = pd.read_csv(tmp_path / "quick" / "events.csv", dtype={"entity_id": str})
    assert set(events["entity_id"]) == set(quick["entity_id"])


def test_event_cap_keeps_the_most_recent_and_says_so(tmp_path, synthetic_task):
    task = synthetic_task()
    info = write_task_folder(task, tmp_path, max_events_per_entity=3)
    events = pd.read_csv(tmp_path / "events.csv", dtype={"entity_id": str})
    assert events.groupby("entity_id").size().max() == 3
    per_entity = task.events.groupby("entity_id").size()
    assert info["event_cap"] == {
        "max_events_per_entity": 3,
        "keeps": "most recent",
        "entities_capped": int((per_entity > 3).sum()),
        "events_dropped": int((per_entity - 3).clip(lower=0).sum()),
    }
    newest = task.events.sort_values(["entity_id", "ts"], kind="stable").groupby("entity_id").tail(3)
    assert sorted(events["ts"]) == sorted(newest["ts"])


def test_a_task_refuses_entities_without_events_or_labels(synthetic_task):
    task = synthetic_task()
    with pytest.raises(ValueError, match="have no events"):
        Task(
            id="t",
            dataset="d",
            metric="roc_auc",
            events=task.events,
            labels=pd.concat([task.labels, pd.Series([1], index=[1])]),
            fields=task.fields,
        )
    with pytest.raises(ValueError, match="event columns"):
        Task(
            id="t",
            dataset="d",
            metric="roc_auc",
            events=task.events.drop(columns="note"),
            labels=task.labels,
            fields=task.fields,
        )
    with pytest.raises(ValueError, match="role"):
        Field("x", "date")


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_real_split_is_stratified_and_fixed(real_task, task_id):
    labels = real_task(task_id).labels
    splits = fixed_split(labels)
    assert splits.equals(fixed_split(labels.sample(frac=1, random_state=7)))
    test = labels[splits == "test"]
    assert abs(len(test) - 0.2 * len(labels)) <= 1
    for label, n in labels.value_counts().items():
        assert abs((test == label).sum() - 0.2 * n) <= 1


def test_class_names_go_into_task_json_and_must_cover_every_label(tmp_path, synthetic_task):
    task = synthetic_task()
    named = Task(
        task.id,
        task.dataset,
        task.metric,
        task.events,
        task.labels,
        task.fields,
        class_names={0: "repaid", 1: "defaulted"},
    )
    write_task_folder(named, tmp_path)
    info = read_task(tmp_path)
    assert info["class_names"] == {"0": "repaid", "1": "defaulted"}
    assert class_name(info, 1) == "defaulted" and class_name({}, 1) == "label 1"
    with pytest.raises(ValueError, match=r"label values \[1\] have no class name"):
        Task(task.id, task.dataset, task.metric, task.events, task.labels, task.fields, class_names={0: "repaid"})


def test_berka_age_groups_name_whole_years_without_overlap():
    ages = pd.Series([17, 20, 31, 32, 44, 45, 57, 58, 81])
    assert age_groups(ages, [17.0, 31.0, 44.0, 57.0, 81.0]) == {
        0: "age group 0 (17–31)",
        1: "age group 1 (32–44)",
        2: "age group 2 (45–57)",
        3: "age group 3 (58–81)",
    }


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_every_real_task_names_its_classes(real_task, task_id):
    task = real_task(task_id)
    assert task.class_names is not None and set(task.class_names) == set(task.labels.unique())
