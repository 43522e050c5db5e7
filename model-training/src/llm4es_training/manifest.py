"""The bundle manifest, llm4es-model.json (read by the Java runtime; keys are snake_case)."""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

MANIFEST_FILE = "llm4es-model.json"
FORMAT_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(bundle_dir: Path) -> dict[str, str]:
    """sha256 of every bundle file except the manifest itself, by relative path."""
    return {
        path.relative_to(bundle_dir).as_posix(): sha256_file(path)
        for path in sorted(bundle_dir.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }


def build_manifest(
    *,
    name: str,
    version: str,
    description: str,
    base_model: dict,
    hidden_size: int,
    num_layers: int,
    layers_from: int,
    layers_to: int,
    token_reduce: str,
    max_tokens: int,
    tokens: dict,
    onnx: dict,
    serializer: dict,
    files: dict[str, str],
    training: dict | None = None,
) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        **build_manifest_identity(name, version, description),
        "base_model": base_model,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "pooling": {
            "layers_from": layers_from,
            "layers_to": layers_to,
            "layer_reduce": "mean",
            "token_reduce": token_reduce,
        },
        # masked_mean_max concatenates the mean and the max of the tokens
        "embedding_dim": hidden_size * (2 if token_reduce == "masked_mean_max" else 1),
        "max_tokens": max_tokens,
        "tokens": tokens,
        "onnx": onnx,
        "serializer": serializer,
        "files": files,
        "training": training,
        "metrics": {},
    }


def build_manifest_identity(name: str, version: str, description: str) -> dict:
    """The keys that name one bundle; the rest describe its model."""
    return {
        "name": name,
        "version": version,
        "description": description,
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }


def write_manifest(bundle_dir: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (bundle_dir / MANIFEST_FILE).write_text(text, encoding="utf-8")


def read_manifest(bundle_dir: Path) -> dict:
    return json.loads((bundle_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
