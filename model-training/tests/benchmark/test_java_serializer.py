"""Every task's serializer.json is accepted by the Java parser and renders the task's events.
Runs when the llm4es jar has been built (see llm4es_training.checkout) and java is on the path."""

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from llm4es_training.benchmark.task_folder import read_events, read_task, write_task_folder
from llm4es_training.benchmark.tasks import TASK_IDS
from llm4es_training.checkout import find_jar, missing_jar_message

HELPER = Path(__file__).with_name("RenderEvents.java")
SAMPLE_EVENTS = 60


def _event_json(row: pd.Series, task: dict) -> str:
    """The event as the SQL side passes it: JSON_OBJECT of its fields, numbers as numbers, empty as null."""
    event = {}
    for f in task["fields"]:
        value = row[f["name"]]
        if pd.isna(value) or value == "":
            event[f["name"]] = None
        else:
            event[f["name"]] = float(value) if f["role"] == "number" else str(value)
    return json.dumps(event, ensure_ascii=False)


@pytest.fixture(scope="module")
def rendered(real_task, tmp_path_factory):
    jar = find_jar()
    if jar is None or shutil.which("java") is None:
        pytest.skip(f"needs java; {missing_jar_message()}" if jar is None else "needs java on the path")
    out = tmp_path_factory.mktemp("java-render")
    samples = {}
    for task_id in TASK_IDS:
        folder = out / task_id
        write_task_folder(real_task(task_id), folder, max_entities=20)
        task = read_task(folder)
        sample = read_events(folder, task).head(SAMPLE_EVENTS)
        (folder / "sample.jsonl").write_text(
            "\n".join(_event_json(r, task) for _, r in sample.iterrows()) + "\n", encoding="utf-8"
        )
        samples[task_id] = sample
    run = subprocess.run(
        ["java", "-cp", str(jar), str(HELPER), *(str(out / t) for t in TASK_IDS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return {t: ((out / t / "rendered.txt").read_text(encoding="utf-8").splitlines(), samples[t]) for t in TASK_IDS}


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_java_renders_every_sampled_event(rendered, task_id):
    lines, sample = rendered[task_id]
    assert len(lines) == len(sample)
    # Every dictionary covers the values it meets; the date field is formatted from ts.
    assert not any("(unknown)" in line for line in lines)
    assert all(line[:10] == ts[:10] for line, ts in zip(lines, sample["ts"]) if task_id != "bpic-approved")


def test_java_applies_dictionaries_and_formats(rendered):
    berka_lines, berka = rendered["berka-age"]
    assert berka_lines[0].endswith(f"{berka['amount'].iloc[0]:.2f}, {berka['balance'].iloc[0]:.2f}")
    bpic_lines, bpic = rendered["bpic-approved"]
    submitted = bpic["activity"].eq("A_SUBMITTED").to_numpy()
    assert all("application submitted, completed" in line for line, s in zip(bpic_lines, submitted) if s)
    assert bpic_lines[0][:19] == bpic["time"].iloc[0][:19].replace("T", " ")
    movie_lines, _ = rendered["movielens-gender"]
    assert all("(19" in line or "(20" in line for line in movie_lines)  # titles carry their year
