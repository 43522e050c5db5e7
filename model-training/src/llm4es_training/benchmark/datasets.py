"""Where the offline datasets live: `$LLM4ES_DATASETS`, else `<repo>/../shared/datasets`.

They are read in place at run time; MovieLens may not be redistributed, so nothing derived from
it is ever written inside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..checkout import REPO_ROOT

DEFAULT_ROOT = REPO_ROOT.parent / "shared" / "datasets"


def datasets_root(root: str | os.PathLike | None = None) -> Path:
    path = Path(root) if root is not None else Path(os.environ.get("LLM4ES_DATASETS", DEFAULT_ROOT))
    if not path.is_dir():
        raise FileNotFoundError(f"datasets folder {path} not found (pass --datasets or set LLM4ES_DATASETS)")
    return path


def dataset_file(root: Path, dataset: str, name: str) -> Path:
    path = root / dataset / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: is {root} the shared datasets folder?")
    return path
