"""Export of an llm4es model bundle: model.onnx + tokenizer.json + llm4es-model.json.

The bundle is built in a temporary sibling directory, verified, and only then renamed into place,
so a failed export never leaves a partial bundle behind.
"""

import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from .attention_fusion import fuse_attention
from .embedding_options import LAYER_RANGES, TOKEN_DESCRIPTIONS, TOKEN_POOLINGS, default_layers_from, layer_range
from .errors import ExportError
from .manifest import (
    MANIFEST_FILE,
    build_manifest,
    build_manifest_identity,
    file_digests,
    read_manifest,
    write_manifest,
)
from .norm_fusion import fuse_norms
from .onnx_export import EXTERNAL_DATA_FILE, INPUT_NAMES, OUTPUT_NAME, export_onnx
from .pooling import LayerMeanPooling
from .quantization import INT8_FILE, QUANTIZATIONS, quantize_int8
from .source_model import SourceModel, load_source_model
from .verification import ONNX_RUNTIME_ERRORS, verify_onnx

DEFAULT_MAX_TOKENS = 512
LOG = logging.getLogger(__name__)
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# Names and versions appear in model references such as `name:version` and `name@alias`.
_REFERENCE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def export_bundle(
    *,
    model: str,
    serializer: Path,
    name: str,
    out: Path,
    version: str = "1",
    layers_from: int | None = None,
    layers_to: int | None = None,
    max_tokens: int | None = None,
    add_bos: bool | None = None,
    description: str | None = None,
    base_name: str | None = None,
    training: dict | None = None,
    quantize: str | None = None,
    fused_attention: bool = True,
    fused_norms: bool = True,
    token_pooling: str = "mean",
    embedding_layers: str | None = None,
) -> dict:
    """Exports the bundle to `out` and returns its manifest. `base_name` is recorded as the base
    model (default: `model`); `training` is the manifest's record of how the model was trained;
    `quantize="int8"` ships the int8 graph instead of the float one; `fused_attention=False`
    keeps attention as the exporter wrote it (`attention_fusion`), `fused_norms=False` the residual
    adds and RMSNorms (`norm_fusion`); `token_pooling` is how the
    averaged hidden states become one vector (embedding_options.TOKEN_POOLINGS); `embedding_layers` names the
    averaged hidden states instead of `layers_from`/`layers_to` (embedding_options.LAYER_RANGES)."""
    check_bundle_target(name, version, out)
    _check_quantize(quantize)
    if token_pooling not in TOKEN_POOLINGS:
        raise ExportError(f"--token-pooling must be one of {', '.join(TOKEN_POOLINGS)}, not {token_pooling!r}")
    if embedding_layers is not None and (
        embedding_layers not in LAYER_RANGES or layers_from is not None or layers_to is not None
    ):
        raise ExportError(
            f"--embedding-layers takes one of {', '.join(LAYER_RANGES)}, without --layers-from/--layers-to"
        )
    serializer_config = _read_serializer(serializer)
    out = Path(out)

    source = load_source_model(model)
    if embedding_layers is not None:
        layers_from, layers_to = layer_range(embedding_layers, source.num_layers)
    layers_from, layers_to = _layer_range(source.num_layers, layers_from, layers_to)
    max_tokens = _max_tokens(source, max_tokens)
    tokens = _special_tokens(source, add_bos)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        staging.chmod(0o755)  # mkdtemp creates 0700; the bundle is an ordinary shared directory.
        pooling = LayerMeanPooling(source.model.base_model, layers_from, layers_to, token_pooling).eval()
        opset = export_onnx(pooling, tokens["pad_id"], staging / ONNX_FILE)
        source.save_tokenizer_json(staging / TOKENIZER_FILE)
        fused, norms = _fused(
            pooling, staging / ONNX_FILE, tokens["pad_id"], source.vocab_size, max_tokens, fused_attention, fused_norms
        )
        onnx = {
            "file": ONNX_FILE,
            "opset": opset,
            "inputs": INPUT_NAMES,
            "output": OUTPUT_NAME,
            "dtype": "float32",
            "fused_attention_blocks": fused,
            "fused_norms": norms,
        }
        if quantize:
            onnx = _quantized(onnx, staging / ONNX_FILE, tokens["pad_id"], source.vocab_size, max_tokens)
            (staging / ONNX_FILE).unlink()
        manifest = build_manifest(
            name=name,
            version=version,
            description=description
            or f"{source.architecture} {source.name_or_path}: mean of hidden states "
            f"{layers_from}..{layers_to}, {TOKEN_DESCRIPTIONS[token_pooling]}",
            base_model={
                "name_or_path": base_name or source.name_or_path,
                "architecture": source.architecture,
                "model_type": source.model_type,
                "parameters": source.parameters,
            },
            hidden_size=source.hidden_size,
            num_layers=source.num_layers,
            layers_from=layers_from,
            layers_to=layers_to,
            token_reduce=TOKEN_POOLINGS[token_pooling],
            max_tokens=max_tokens,
            tokens=tokens,
            onnx=onnx,
            serializer=serializer_config,
            files=file_digests(staging),
            training=training,
        )
        write_manifest(staging, manifest)
        _move_into_place(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def rebundle(
    *,
    source: Path,
    serializer: Path,
    name: str,
    out: Path,
    version: str = "1",
    description: str | None = None,
    quantize: str | None = None,
) -> dict:
    """A bundle with `source`'s model and tokenizer and another serializer config: the files are
    copied after checking them against the source manifest, the manifest records where they came
    from. The same model over another rendering of the events, without exporting it again;
    `quantize="int8"` writes the int8 graph of the source's float graph in its place."""
    check_bundle_target(name, version, out)
    _check_quantize(quantize)
    serializer_config = _read_serializer(serializer)
    source, out = Path(source), Path(out)
    try:
        original = read_manifest(source)
    except FileNotFoundError:
        raise ExportError(f"not a bundle: {source} holds no {MANIFEST_FILE}") from None
    digests = file_digests(source)
    if digests != original["files"]:
        raise ExportError(f"refusing to copy {source}: its files do not match its manifest's sha256 digests")
    onnx = original["onnx"]
    if quantize and "quantization" in onnx:
        raise ExportError(f"{source} is already quantized ({onnx['dtype']}); rebundle from its float bundle")

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        staging.chmod(0o755)
        for relative in original["files"]:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, staging / relative)
        if file_digests(staging) != digests:
            raise ExportError(f"copying {source} changed its files")
        if quantize:
            tokens = original["tokens"]
            onnx = _quantized(
                onnx, staging / onnx["file"], tokens["pad_id"], _vocab_size(staging), original["max_tokens"]
            )
            (staging / original["onnx"]["file"]).unlink()
        manifest = {
            **original,
            **build_manifest_identity(name, version, description or original["description"]),
            "onnx": onnx,
            "files": file_digests(staging),
            "serializer": serializer_config,
            "derived_from": {"name": original["name"], "version": original["version"], "created": original["created"]},
        }
        write_manifest(staging, manifest)
        _move_into_place(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def check_bundle_target(name: str, version: str, out: Path) -> None:
    """Fails on a bad name or version, or an `out` that is not ours to replace."""
    for label, value in (("name", name), ("version", version)):
        if not _REFERENCE_PART.fullmatch(value):
            raise ExportError(f"invalid bundle {label} {value!r}: use letters, digits, '.', '_' or '-'")
    _check_replaceable(Path(out))


def _check_quantize(quantize: str | None) -> None:
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise ExportError(f"unknown quantization {quantize!r}: one of {', '.join(QUANTIZATIONS)}")


def _fused(
    pooling, onnx_path: Path, pad_id: int, vocab_size: int, max_tokens: int, attention: bool, norms: bool
) -> tuple[int, int]:
    """Fuses the graph's attention blocks and residual-add + RMSNorms when asked and possible,
    keeping the fused graph only if it still computes what PyTorch computes; returns how many of
    each were fused. Either way the graph that ships is verified against PyTorch."""
    candidate = onnx_path.with_name(onnx_path.name + ".fused")
    try:
        blocks = fused_norms = 0
        if not (onnx_path.parent / EXTERNAL_DATA_FILE).exists():
            if attention:
                blocks = fuse_attention(onnx_path, candidate, max_tokens)
            if norms:
                fused_norms = fuse_norms(candidate if blocks else onnx_path, candidate)
        if blocks or fused_norms:
            try:
                verify_onnx(pooling, candidate, pad_id, vocab_size, max_tokens)
                candidate.replace(onnx_path)
                return blocks, fused_norms
            except (ExportError, *ONNX_RUNTIME_ERRORS) as disagreement:
                LOG.warning(
                    "fused graph disagrees with PyTorch or fails in ONNX Runtime (%s); shipping the graph as exported",
                    disagreement,
                )
        verify_onnx(pooling, onnx_path, pad_id, vocab_size, max_tokens)
        return 0, 0
    finally:
        candidate.unlink(missing_ok=True)


def _quantized(onnx: dict, float_onnx: Path, pad_id: int, vocab_size: int, max_tokens: int) -> dict:
    """Writes the int8 graph beside `float_onnx`; the manifest's `onnx` entry naming it."""
    quantization = quantize_int8(float_onnx, float_onnx.parent / INT8_FILE, pad_id, vocab_size, max_tokens)
    return {**onnx, "file": INT8_FILE, "dtype": "int8", "quantization": quantization}


def _vocab_size(bundle_dir: Path) -> int:
    """The vocabulary of a bundle's tokenizer.json, for the quantization check's random token ids."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(bundle_dir / TOKENIZER_FILE)).get_vocab_size()


def _read_serializer(path: Path) -> dict:
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"serializer config not found: {path}") from None
    except json.JSONDecodeError as error:
        raise ExportError(f"serializer config {path} is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise ExportError(f"serializer config {path} must be a JSON object")
    return config


def _check_replaceable(out: Path) -> None:
    """Only an earlier bundle (or an empty directory) may be replaced, never arbitrary data."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"output path exists and is not a directory: {out}")
    if any(out.iterdir()) and not (out / MANIFEST_FILE).is_file():
        raise ExportError(f"refusing to replace {out}: it is not empty and holds no {MANIFEST_FILE}")


def _layer_range(num_layers: int, layers_from: int | None, layers_to: int | None) -> tuple[int, int]:
    layers_to = num_layers if layers_to is None else layers_to
    layers_from = min(default_layers_from(num_layers), layers_to) if layers_from is None else layers_from
    if not 0 <= layers_from <= layers_to <= num_layers:
        raise ExportError(
            f"layer range {layers_from}..{layers_to} is out of bounds: the model has {num_layers} "
            f"layers, so 0 <= layers-from <= layers-to <= {num_layers} is required"
        )
    return layers_from, layers_to


def _max_tokens(source: SourceModel, requested: int | None) -> int:
    limit = source.max_position_embeddings
    if requested is None:
        return min(limit, DEFAULT_MAX_TOKENS) if limit else DEFAULT_MAX_TOKENS
    if requested < 1 or (limit and requested > limit):
        raise ExportError(f"max-tokens {requested} must be between 1 and the model's {limit} positions")
    return requested


def _special_tokens(source: SourceModel, add_bos: bool | None) -> dict:
    bos_id, eos_id, pad_id = source.bos_id, source.eos_id, source.pad_id
    add_bos = bos_id is not None if add_bos is None else add_bos
    if add_bos and bos_id is None:
        raise ExportError(f"--add-bos given but {source.name_or_path!r} defines no BOS token")
    for label, token_id in (("bos", bos_id), ("eos", eos_id), ("pad", pad_id)):
        if token_id is not None and not 0 <= token_id < source.vocab_size:
            raise ExportError(f"{label} id {token_id} is outside the vocabulary of {source.vocab_size}")
    return {"bos_id": bos_id, "eos_id": eos_id, "pad_id": pad_id, "add_bos": add_bos, "add_eos": False}


def _move_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    os.rename(out, previous / out.name)
    os.rename(staging, out)
    shutil.rmtree(previous)
