"""Atomic files and the per-step cache of a benchmark run: a step whose output exists is not run
again, so an interrupted run continues where it stopped."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Calls `write(tmp)` on a sibling temporary file, then renames it onto `path`: a reader never
    sees half a file, and a killed run leaves no output that looks finished."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_json(path: Path, value) -> Path:
    text = json.dumps(value, indent=2, allow_nan=False) + "\n"
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def cached_json(path: Path, compute: Callable[[], dict]) -> dict:
    """The JSON at `path`, computed and written first when absent."""
    if Path(path).is_file():
        return read_json(path)
    value = compute()
    write_json(path, value)
    return value


def cached_file(path: Path, produce: Callable[[Path], None]) -> Path:
    """`path`, produced through a temporary file when absent."""
    return Path(path) if Path(path).is_file() else write_atomic(path, produce)


def all_finite(value) -> bool:
    """True when every number inside a JSON-like value is finite."""
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(all_finite(v) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return bool(np.isfinite(value))
    return True
