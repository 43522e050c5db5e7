"""The source checkout this package is installed from (editable, from model-training/), and the one
thing the Python side takes from its Java build: the command line's runnable jar, its only entry
into Java (docs/java-cli-interface.md)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
JAR_ENV = "LLM4ES_JAR"
# Built by `mvn -B -ntp -q package -DskipTests` at the repository root.
BUILT_JAR = REPO_ROOT / "connectors" / "target" / "llm4es.jar"


def jar_path() -> Path:
    """Where the jar is looked for: `$LLM4ES_JAR`, else the build output (which may not exist yet)."""
    return Path(os.environ[JAR_ENV]) if os.environ.get(JAR_ENV) else BUILT_JAR


def find_jar() -> Path | None:
    """The jar when it has been built (or `$LLM4ES_JAR` names a file), else None."""
    path = jar_path()
    return path if path.is_file() else None


def missing_jar_message() -> str:
    return (
        f"the llm4es jar {jar_path()} is not built: run 'mvn -B -ntp -q package -DskipTests' at "
        f"{REPO_ROOT}, or set {JAR_ENV}"
    )
