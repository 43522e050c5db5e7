"""The Java command line is an interface (docs/java-cli-interface.md): every flag and JVM option the
Python code passes is listed there, every listed flag exists in the CLI's usage, and every listed
output field is in what the built jar writes."""

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from llm4es_training.benchmark.java_cli import JavaCli

from support import REPO_ROOT

MODEL_TRAINING = REPO_ROOT / "model-training"
DOC = MODEL_TRAINING / "docs" / "java-cli-interface.md"
DEMO_SERIALIZER = REPO_ROOT / "examples" / "config" / "demo-transactions.serializer.json"
BUNDLED_STORIES = REPO_ROOT / "udf" / "src" / "main" / "resources" / "io" / "llm4es" / "models" / "stories260k"
JAVA_SOURCES = ("udf", "sql", "connectors")


def documented() -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
    """(flags per command, output fields per command, JVM options), from the page's tables: a
    table's first header cell (`flag`, `field`, `option`) says what its rows' first cells name."""
    flags, fields, options = {}, {}, set()
    section = command = kind = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section, command = line[3:].strip(), None
        elif line.startswith("### "):
            command = line[4:].strip().strip("`")
            flags[command], fields[command] = set(), set()
        if not line.startswith("|"):
            kind = None
            continue
        first = line.strip("|").split("|")[0].strip()
        if kind is None:
            kind = first
        elif not set(first) <= set("-: "):
            name = first.strip("`")
            if kind == "option" and section == "JVM options":
                options.add(name)
            elif kind == "flag":
                flags[command].add(name)
            elif kind == "field":
                fields[command].add(name)
    return flags, fields, options


def cli_usage() -> dict[str, set[str]]:
    """Flags per command in the usage text of the CLI's Main.java."""
    mains = sorted(REPO_ROOT.glob("*/src/main/java/io/llm4es/**/cli/Main.java"))
    assert len(mains) == 1, f"expected the one CLI Main.java, found {mains}"
    source = mains[0].read_text(encoding="utf-8")
    usage = source.split('USAGE = """', 1)[1].split('""";', 1)[0]
    commands, current = {}, None
    for line in usage.splitlines():
        match = re.match(r"^ {14}([a-z][a-z-]*) ", line)
        if match:
            current = commands.setdefault(match.group(1), set())
        if current is not None:
            current.update(re.findall(r"--[a-z][a-z-]*", line))
    return commands


def python_calls(source: str, commands: set[str]) -> tuple[set[tuple[str, str]], set[str]]:
    """(command, flag) pairs and `-Dllm4es.*` options written in Python source: in a call's
    arguments or a list/tuple literal, the string literals after a CLI command's name."""
    pairs, options = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("-Dllm4es."):
            options.add(node.value.split("=", 1)[0])
        items = (
            node.args if isinstance(node, ast.Call) else node.elts if isinstance(node, (ast.List, ast.Tuple)) else []
        )
        strings = [e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        for i, text in enumerate(strings):
            if text in commands:
                pairs.update((text, s) for s in strings[i + 1 :] if s.startswith("--"))
    return pairs, options


def all_python_calls(commands: set[str]) -> tuple[set[tuple[str, str]], set[str]]:
    pairs, options = set(), set()
    sources = [*(MODEL_TRAINING / "src").rglob("*.py"), *(MODEL_TRAINING / "tests").rglob("*.py")]
    # This file names commands and flags as data; they are not calls.
    for path in (p for p in sources if p.resolve() != Path(__file__).resolve()):
        p, o = python_calls(path.read_text(encoding="utf-8"), commands)
        pairs |= p
        options |= o
    return pairs, options


def test_python_calls_only_documented_flags_and_options():
    flags, _, options = documented()
    pairs, used_options = all_python_calls(set(cli_usage()))
    # The scanner sees the package's and the tests' calls (else this test would pass on nothing).
    assert {("export-text", "--serializer"), ("query", "--sql"), ("embed-texts", "--bundle")} <= pairs
    assert "-Dllm4es.models.dir" in used_options
    undocumented = sorted(f"{c} {f}" for c, f in pairs if f not in flags.get(c, set()))
    assert not undocumented, f"Python calls CLI flags that {DOC.name} does not list: {undocumented}"
    assert used_options <= options, f"JVM options missing from {DOC.name}: {sorted(used_options - options)}"


def test_the_scanner_catches_an_undocumented_flag():
    source = 'java.run("query", "--db", url, "--fetch-size", "100")\ncmd = [f"-Dllm4es.batch=3"]\n'
    pairs, _ = python_calls(source, set(cli_usage()))
    flags, _, _ = documented()
    assert ("query", "--fetch-size") in pairs and "--fetch-size" not in flags["query"]
    assert python_calls('x = ["-Dllm4es.batch.rows=3"]', set())[1] == {"-Dllm4es.batch.rows"}


def test_every_documented_flag_and_option_exists_in_the_cli():
    flags, fields, options = documented()
    usage = cli_usage()
    assert set(flags) == {"export-text", "query", "embed-texts"} and all(flags.values()) and all(fields.values())
    for command, listed in flags.items():
        assert command in usage, f"{DOC.name} documents a command the CLI does not have: {command}"
        assert listed <= usage[command], f"{command}: not in the CLI's usage: {sorted(listed - usage[command])}"
    java = "".join(
        p.read_text(encoding="utf-8") for d in JAVA_SOURCES for p in (REPO_ROOT / d).glob("src/main/**/*.java")
    )
    for option in options:
        if option.startswith("-Dllm4es."):
            assert f'"{option[2:]}"' in java, f"no Java source reads the property of {option}"


def test_documented_outputs_are_what_the_jar_writes(jar, tmp_path):
    _, fields, _ = documented()
    pd.DataFrame(
        {
            "user_id": [1, 1, 2],
            "ts": ["2024-01-02", "2024-01-03", "2024-01-05"],
            "type": ["D", "C", "D"],
            "mcc": ["5411", "6012", "9999"],
            "amount": [12.5, 2500.0, 7.0],
        }
    ).to_csv(tmp_path / "events.csv", index=False)
    events = f"FROM CSVREAD('{tmp_path / 'events.csv'}')"
    event = """JSON_OBJECT('date': "TS", 'type': "TYPE", 'mcc': "MCC", 'amount': CAST("AMOUNT" AS DOUBLE))"""
    java = JavaCli(jar, tmp_path / "models", threads=1)

    java.export_text(f'SELECT "USER_ID", {event}, "TS" {events}', DEMO_SERIALIZER, tmp_path / "corpus.jsonl")
    corpus = [json.loads(line) for line in (tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(corpus) == 2 and all(fields["export-text"] <= set(r) for r in corpus)
    assert (tmp_path / "corpus.jsonl.serializer.json").is_file()

    java.query(
        f"""SELECT "USER_ID" AS u, CAST(user_embedding_result({event}, "TS", 'stories260k') AS VARCHAR) AS r
                   {events} GROUP BY "USER_ID" ORDER BY "USER_ID" """,
        tmp_path / "results.csv",
    )
    table = pd.read_csv(tmp_path / "results.csv", dtype=str)
    assert list(table.columns) == ["U", "R"]
    results = [json.loads(r) for r in table["R"]]
    assert all(fields["query"] <= set(r) for r in results) and [r["events"] for r in results] == [2, 1]

    (tmp_path / "texts.jsonl").write_text('{"id": "a", "text": "date|amount"}\n', encoding="utf-8")
    java.embed_texts(BUNDLED_STORIES, tmp_path / "texts.jsonl", tmp_path / "embedded.jsonl")
    [row] = [json.loads(line) for line in (tmp_path / "embedded.jsonl").read_text(encoding="utf-8").splitlines()]
    assert fields["embed-texts"] == set(row) and row["id"] == "a"


@pytest.mark.parametrize("command", ["export-text", "query", "embed-texts"])
def test_each_documented_command_has_a_synopsis(command):
    text = DOC.read_text(encoding="utf-8")
    assert f"`java -jar llm4es.jar {command} " in text
