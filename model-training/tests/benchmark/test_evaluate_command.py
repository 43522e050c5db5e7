"""`llm4es-train evaluate` scores a features file on a task folder; `python -m` gives the same."""

import json
import subprocess
import sys

import numpy as np

from llm4es_training.benchmark.protocol import features_frame
from llm4es_training.benchmark.task_folder import read_labels, write_task_folder
from llm4es_training.cli import main


def test_evaluate_scores_a_features_file_under_both_names(synthetic_task, tmp_path, capsys):
    task_dir = tmp_path / "task"
    write_task_folder(synthetic_task(n_entities=120), task_dir)
    labels = read_labels(task_dir)
    rng = np.random.default_rng(0)
    signal = labels["label"].to_numpy()[:, None] + rng.normal(scale=0.5, size=(len(labels), 3))
    features_frame(labels["entity_id"], signal).to_csv(tmp_path / "features.csv", lineterminator="\n")
    args = ["--task-dir", str(task_dir), "--features", str(tmp_path / "features.csv"), "--name", "signal"]

    assert main(["evaluate", *args, "--json-out", str(tmp_path / "result.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert printed["method"] == "signal" and printed["mean"] > 0.8 and len(printed["fold_test_scores"]) == 5

    alias = subprocess.run(
        [sys.executable, "-m", "llm4es_training.benchmark.evaluate", *args], capture_output=True, text=True, timeout=300
    )
    assert alias.returncode == 0, alias.stderr
    same = {k: v for k, v in json.loads(alias.stdout).items() if k != "seconds"}
    assert same == {k: v for k, v in printed.items() if k != "seconds"}
