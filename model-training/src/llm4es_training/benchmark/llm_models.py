"""The causal LMs of the LLM4ES methods and their bundles: stories260K as published, a random
model of the same shape, and models fine-tuned with `llm4es-train train`. One bundle per
(task, model), because a bundle carries its task's serializer; the model is exported once and
copied per task."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..manifest import MANIFEST_FILE
from ..recipe import DEFAULT_RECIPE
from .artifacts import cached_file, read_json

# The LLM4ES method a user who follows the README gets: the default recipe, trained on the benchmark's corpus.
RECIPE_METHOD = f"llm4es-{DEFAULT_RECIPE}-ft"


@dataclass(frozen=True)
class Training:
    """How much fine-tuning a run gets; the quick mode only proves the path works."""

    max_steps: int
    context: int
    batch_size: int
    scratch_size: str
    # None: llm4es-train's default (2e-4 for fine-tuning, 1e-3 from scratch).
    finetune_lr: float | None = None
    # (hidden size, layers) of a new model instead of its preset's; heads keep the preset's width
    shape: tuple[int, int] | None = None


def random_init_model(reference: Path, out: Path, seed: int = 0) -> Path:
    """`reference`'s architecture and tokenizer with fresh random weights: what pretraining and
    fine-tuning add is measured against it."""
    if (out / "config.json").is_file():
        return out
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        torch.manual_seed(seed)
        AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(reference)).save_pretrained(staging)
        for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"):
            if (reference / name).is_file():
                shutil.copy(reference / name, staging / name)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def bundle_name(task_id: str, method: str) -> str:
    return f"{task_id}-{method}"


def export_task_bundle(
    model_dir: Path,
    serializer: Path,
    name: str,
    models_dir: Path,
    description: str,
    base_bundle: Path,
    max_tokens: int | None = None,
    embedding: dict | None = None,
) -> Path:
    """The bundle `name` in `models_dir`: `model_dir` exported once into `base_bundle` (ONNX export
    and its verification take seconds), then copied with the task's serializer (`rebundle`). Both
    are built in staging folders and renamed into place, so the Java model registry never sees half
    a bundle. `max_tokens`: the context the model was trained at (default: export-bundle's);
    `embedding`: a recipe's pooling ({"layers": ..., "token_pooling": ...}; default: export-bundle's)."""
    target = models_dir / name
    if (target / MANIFEST_FILE).is_file():
        return target
    from ..bundle import export_bundle, rebundle  # Deferred: torch and the ONNX exporter load slowly.

    if not (base_bundle / MANIFEST_FILE).is_file():
        export_bundle(
            model=str(model_dir),
            serializer=serializer,
            name=base_bundle.name,
            out=base_bundle,
            description=description,
            max_tokens=max_tokens,
            embedding_layers=(embedding or {}).get("layers"),
            token_pooling=(embedding or {}).get("token_pooling", "mean"),
        )
    rebundle(source=base_bundle, serializer=serializer, name=name, out=target, description=description)
    return target


def fine_tune(
    init: str,
    corpus: Path,
    run_dir: Path,
    training: Training,
    recipe: str | None = None,
    tokenizer: Path | None = None,
    seed: int = 0,
    lr: float | None = None,
) -> Path:
    """`llm4es-train train` in its own process (resumed when a previous run was interrupted);
    returns the trained model's Hugging Face folder. With a recipe, `training` still names the
    steps, context, batch and size (the recipe's own in a full run: see `recipe_training`), the
    recipe the rest; `tokenizer` is a scratch model's given tokenizer.json; `seed` the training
    seed; `lr` a peak learning rate for any init (a search's lever), else `training.finetune_lr`
    when fine-tuning, else the recipe's or llm4es-train's default."""
    summary = run_dir / "summary.json"
    if summary.is_file() and read_json(summary)["finished"] and (run_dir / "model").is_dir():
        return run_dir / "model"
    command = [
        sys.executable,
        "-m",
        "llm4es_training.cli",
        "train",
        "--corpus",
        str(corpus),
        "--init",
        init,
        "--out",
        str(run_dir),
        "--max-steps",
        str(training.max_steps),
        "--context",
        str(training.context),
        "--batch-size",
        str(training.batch_size),
        "--checkpoint-every",
        str(max(1, training.max_steps // 4)),
        "--no-progress",
    ]
    if seed:
        command += ["--seed", str(seed)]
    if recipe is not None:
        command += ["--recipe", recipe]
    if tokenizer is not None:
        command += ["--tokenizer", str(tokenizer)]
    if init == "scratch":
        command += ["--scratch-size", training.scratch_size]
        if training.shape is not None:
            command += scratch_shape_options(training.scratch_size, *training.shape)
    if lr is not None or (init != "scratch" and training.finetune_lr is not None):
        command += ["--lr", str(lr if lr is not None else training.finetune_lr)]
    if (run_dir / "run.json").is_file():
        command.append("--resume")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"llm4es-train train --init {init} failed:\n{result.stderr[-3000:]}")
    return run_dir / "model"


def scratch_shape_options(size: str, hidden: int, layers: int) -> list[str]:
    """`train`'s options for a new model `hidden` wide and `layers` deep, its attention heads as wide
    as the `size` preset's (so a wider model has more heads, not wider ones)."""
    from ..scratch import SCRATCH_SIZES

    preset = SCRATCH_SIZES[size]
    width = preset.hidden_size // preset.heads
    if hidden % width:
        raise SystemExit(f"hidden size {hidden} is not a multiple of the {size} preset's head width {width}")
    return ["--hidden-size", str(hidden), "--layers", str(layers), "--heads", str(hidden // width)]


def recipe_training(recipe: dict) -> Training:
    """A recipe's steps, context, batch and model size as the benchmark's Training."""
    return Training(
        max_steps=recipe["training"]["max_steps"],
        context=recipe["context"],
        batch_size=recipe["training"].get("batch_size", 16),
        scratch_size=recipe["model"].get("scratch_size", "small"),
    )


def domain_tokenizer(corpus: Path, serializers: list[dict], vocab_size: int, out: Path) -> Path:
    """`out`: a domain tokenizer (see domain_tokenizer.py) trained on `corpus`, split at the value
    separators of the serializer configs its texts were rendered with."""
    from ..corpus import load_corpus
    from ..domain_tokenizer import separators, train_domain_tokenizer

    def train(tmp: Path) -> None:
        seps = {s for config in serializers for s in separators(config)}
        texts = [r.text for r in load_corpus(corpus)]
        train_domain_tokenizer(texts, vocab_size, sorted(seps, key=len, reverse=True)).save(str(tmp))

    return cached_file(out, train)


def training_facts(run_dir: Path) -> dict:
    t = read_json(run_dir / "summary.json")["training"]
    return {
        k: t[k]
        for k in (
            "base_model",
            "parameters",
            "steps",
            "tokens_seen",
            "final_train_loss",
            "heldout_loss_before",
            "heldout_loss_after",
            "train_seconds",
        )
    }


def corpus_entities(labels: dict[str, pd.DataFrame], datasets: dict[str, str]) -> dict[str, set[str]]:
    """Per task, the entities whose text may train the language models: the task's train split,
    minus every entity in the test split of any task on the same dataset. The two Berka tasks share
    accounts: without this, 58 of berka-default's 71 test accounts had their whole history (post-loan
    months included) in the corpus as berka-age training accounts."""
    held_out: dict[str, set[str]] = {}
    for task_id, table in labels.items():
        test = set(table.loc[table["split"] == "test", "entity_id"].astype(str))
        held_out.setdefault(datasets[task_id], set()).update(test)
    return {
        task_id: set(table.loc[table["split"] == "train", "entity_id"].astype(str)) - held_out[datasets[task_id]]
        for task_id, table in labels.items()
    }


def merge_corpora(parts: dict[str, tuple[Path, set[str]]], out: Path, tag: str = "", append: bool = False) -> None:
    """One corpus from several tasks' export-text files, keeping the given entities of each (the
    train split); user ids prefixed by task (the two Berka tasks share accounts) and suffixed by
    `tag` (another rendering of users already in `out`, which `append` adds to)."""
    with out.open("a" if append else "w", encoding="utf-8") as w:
        for task_id, (path, keep) in parts.items():
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                if str(record["user_id"]) not in keep:
                    continue
                record["user_id"] = f"{task_id}/{record['user_id']}{tag}"
                w.write(json.dumps(record, ensure_ascii=False) + "\n")


def scratch_model(tokenizer: Path, out: Path, hidden_size: int = 64, layers: int = 2, seed: int = 0) -> Path:
    """A new random Llama-style model over a given tokenizer (a domain tokenizer), its vocabulary
    size the tokenizer's, as a Hugging Face folder: `random_init_model`'s counterpart for a model
    whose tokenizer is not a pretrained one."""
    if (out / "config.json").is_file():
        return out
    import torch

    from ..initialization import new_scratch_model
    from ..scratch import ScratchShape

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        torch.manual_seed(seed)
        initial = new_scratch_model(ScratchShape(hidden_size, layers, 4, 0), 512, [], tokenizer)
        initial.save(initial.model, staging)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
