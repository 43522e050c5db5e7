"""The prepare command: MovieLens never goes where git would pick it up."""

import pytest

from llm4es_training.benchmark.prepare import main, refuse_tracked_output
from llm4es_training.checkout import REPO_ROOT


def test_refuses_an_output_folder_git_would_track(tmp_path):
    with pytest.raises(ValueError, match="not git-ignored"):
        main(["--out", str(REPO_ROOT / "model-training" / "benchmark-data"), "--tasks", "movielens-gender"])
    assert not (REPO_ROOT / "model-training" / "benchmark-data").exists()
    refuse_tracked_output(REPO_ROOT / "bench-out" / "tasks")  # ignored by .gitignore
    refuse_tracked_output(tmp_path)  # outside the repository


def test_writes_one_folder_per_task(tmp_path, datasets):
    assert main(["--out", str(tmp_path), "--tasks", "berka-default", "--max-entities", "50"]) == 0
    assert sorted(p.name for p in (tmp_path / "berka-default").iterdir()) == [
        "events.csv",
        "labels.csv",
        "serializer.json",
        "task.json",
    ]
