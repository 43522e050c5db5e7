"""`llm4es-train train`: corpus -> held-out split -> model init -> training -> run directory
(and optionally a bundle).

Run directory: run.json (the settings), tokenizer.json, train_log.jsonl, checkpoints/,
loss_curve.png, summary.json (the manifest's `training` block) and model/ (the trained model as a
Hugging Face directory, LoRA merged). Every input is checked before the directory is created; a
fresh run that fails before its first checkpoint removes it again.
"""

import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from .batches import EncodedCorpus, encode_corpus, steps_per_epoch
from .bundle import check_bundle_target, export_bundle
from .checkpoint import checkpoint_paths
from .context import lines_cut_like_java
from .corpus import corpus_fingerprint, find_serializer, load_corpus, read_serializer, split_heldout
from .distributed import Processes, start_processes, stop_processes
from .embedding_options import LAYER_RANGES, TOKEN_POOLINGS
from .errors import TrainingError
from .initialization import InitialModel, check_init_reference, load_initial_model, new_scratch_model
from .manifest import sha256_file
from .scratch import scratch_shape
from .trainer import LoopResult, LoopSettings, Trainer, autocast_dtype
from .training_log import CURVE_FILE, LOG_FILE, plot_loss_curves, read_log

RUN_FILE, SUMMARY_FILE, MODEL_DIR, TOKENIZER_FILE = "run.json", "summary.json", "model", "tokenizer.json"
DEFAULT_CONTEXT = 512
# Settings that define the run's result; a resume must not change them.
_RESULT_DEFINING = (
    "init",
    "scratch_size",
    "hidden_size",
    "layers",
    "heads",
    "vocab_size",
    "tokenizer",
    "lora",
    "context",
    "epochs",
    "max_steps",
    "batch_size",
    "lr",
    "weight_decay",
    "warmup_ratio",
    "min_lr_ratio",
    "grad_clip",
    "precision",
    "seed",
    "heldout_fraction",
)


@dataclass(frozen=True)
class TrainRequest:
    corpus: Path
    init: str
    out: Path
    scratch_size: str = "small"
    hidden_size: int | None = None
    layers: int | None = None
    heads: int | None = None
    vocab_size: int | None = None
    tokenizer: Path | None = None  # scratch: a given tokenizer.json instead of one trained on the corpus
    lora: tuple[int, float] | None = None  # (rank, alpha)
    context: int | None = None
    epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 16
    micro_batch_size: int = 4
    lr: float | None = None
    weight_decay: float = 0.01
    warmup_ratio: float = 0.05
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    precision: str = "auto"
    seed: int = 0
    heldout_fraction: float = 0.1
    checkpoint_every: int = 100
    keep_checkpoints: int = 2
    log_every: int = 5
    eval_every: int = 0
    resume: bool = False
    stop_at_step: int | None = None
    progress: bool = True
    serializer: Path | None = None
    export_bundle: Path | None = None
    name: str | None = None
    version: str = "1"
    embedding_layers: str | None = None  # the bundle's pooling (export_bundle's), with export_bundle
    token_pooling: str = "mean"
    device: str | None = None
    recipe: str | None = None  # the named recipe the options came from, recorded in the training facts

    @property
    def peak_lr(self) -> float:
        # A new model or a low-rank adapter tolerates (and needs) a larger step than full fine-tuning.
        if self.lr is not None:
            return self.lr
        return 1e-3 if self.init == "scratch" or self.lora else 2e-4


def run_training(request: TrainRequest) -> dict:
    """Trains (or resumes) and returns the summary; with `export_bundle`, also writes the bundle."""
    processes = start_processes(request.device)
    try:
        return _run(request, processes)
    finally:
        stop_processes()


def _run(request: TrainRequest, processes: Processes) -> dict:
    run_dir = Path(request.out)
    _check_request(request, processes, run_dir)
    records = load_corpus(request.corpus)
    serializer_path = find_serializer(request.corpus, request.serializer)
    if request.export_bundle and serializer_path is None:
        raise TrainingError(
            f"--export-bundle needs the corpus's serializer config: pass --serializer or put it at "
            f"{request.corpus}.serializer.json"
        )
    serializer = read_serializer(serializer_path) or {}
    train_records, heldout_records = split_heldout(records, request.heldout_fraction, request.seed)

    torch.manual_seed(request.seed)
    initial = _initial_model(request, [r.text for r in train_records], run_dir)
    context = _context(request, initial)
    header = bool(serializer.get("header", True))
    cut_lines = lines_cut_like_java(serializer)
    train = encode_corpus(train_records, initial.encode, initial.bos_id, context, header, cut_lines)
    heldout = encode_corpus(heldout_records, initial.encode, initial.bos_id, context, header, cut_lines)
    if not train.sequences:
        raise TrainingError(f"no training text fits the context of {context} tokens (each newest event is too long)")
    batch_size = min(request.batch_size, len(train.sequences))
    if batch_size < processes.world_size:
        raise TrainingError(f"{len(train.sequences)} training texts cannot feed {processes.world_size} processes")
    per_epoch = steps_per_epoch(len(train.sequences), batch_size)
    total_steps = request.max_steps or max(1, math.ceil(request.epochs * per_epoch))
    parameters = sum(p.numel() for p in initial.model.parameters())
    model = _with_lora(initial.model, request.lora) if request.lora else initial.model

    resume_from = _start_run_dir(request, run_dir, processes, initial)
    try:
        trainer = Trainer(
            model,
            train.sequences,
            heldout.sequences,
            initial.pad_id,
            LoopSettings(
                batch_size=batch_size,
                micro_batch_size=request.micro_batch_size,
                total_steps=total_steps,
                lr=request.peak_lr,
                weight_decay=request.weight_decay,
                warmup_steps=max(1, round(request.warmup_ratio * total_steps)),
                min_lr_ratio=request.min_lr_ratio,
                grad_clip=request.grad_clip,
                precision=request.precision,
                seed=request.seed,
                checkpoint_every=request.checkpoint_every,
                keep_checkpoints=request.keep_checkpoints,
                log_every=request.log_every,
                eval_every=request.eval_every,
                stop_at_step=request.stop_at_step,
                progress=request.progress,
            ),
            processes,
            run_dir,
        )
        result = trainer.run(resume_from)
    except BaseException:
        if not request.resume and processes.is_main and not checkpoint_paths(run_dir):
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    summary = _summary(
        request,
        initial,
        parameters,
        serializer_path,
        train,
        heldout,
        len(train_records),
        len(heldout_records),
        context,
        batch_size,
        per_epoch,
        result,
        processes,
    )
    if processes.is_main:
        (run_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if result.finished:
            _save_model(trainer.model, initial, run_dir / MODEL_DIR)
            plot_loss_curves(
                {request.init: read_log(run_dir / LOG_FILE)},
                run_dir / CURVE_FILE,
                title=f"{request.init} on {request.corpus.name}",
            )
            if request.export_bundle:
                export_bundle(
                    model=str(run_dir / MODEL_DIR),
                    serializer=serializer_path,
                    name=request.name,
                    version=request.version,
                    out=request.export_bundle,
                    max_tokens=context,
                    add_bos=initial.bos_id is not None,
                    base_name=initial.reference,
                    training=summary["training"],
                    embedding_layers=request.embedding_layers,
                    token_pooling=request.token_pooling,
                    description=f"{request.init} fine-tuned on {request.corpus.name} "
                    f"({summary['training']['method']}, {result.steps} steps)",
                )
    processes.barrier()
    return summary


def _check_request(request: TrainRequest, processes: Processes, run_dir: Path) -> None:
    """Checks that need no data or model, so a bad command fails at once."""
    check_init_reference(request.init)
    autocast_dtype(request.precision, processes.device)
    if request.export_bundle:
        if not request.name:
            raise TrainingError("--export-bundle needs --name")
        check_bundle_target(request.name, request.version, request.export_bundle)
        # A recipe's pooling names are checked now, not after the training they would end.
        if request.embedding_layers not in (None, *LAYER_RANGES) or request.token_pooling not in TOKEN_POOLINGS:
            raise TrainingError(
                f"embedding layers must be one of {', '.join(LAYER_RANGES)} and token pooling one of "
                f"{', '.join(TOKEN_POOLINGS)}, not {request.embedding_layers!r} / {request.token_pooling!r}"
            )
    if request.tokenizer is not None:
        if request.init != "scratch":
            raise TrainingError("--tokenizer is for --init scratch; a pretrained model keeps its own tokenizer")
        if request.vocab_size is not None:
            raise TrainingError("--tokenizer and --vocab-size exclude each other: the vocabulary is the tokenizer's")
        if not Path(request.tokenizer).is_file():
            raise TrainingError(f"tokenizer not found: {request.tokenizer}")
    if request.resume:
        if not (run_dir / RUN_FILE).is_file():
            raise TrainingError(f"--resume: {run_dir} holds no run to resume ({RUN_FILE} missing)")
    elif run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        raise TrainingError(f"run directory {run_dir} already exists: pass --resume or choose another --out")
    for label, value in (
        ("batch-size", request.batch_size),
        ("micro-batch-size", request.micro_batch_size),
        ("checkpoint-every", request.checkpoint_every),
        ("log-every", request.log_every),
        ("keep-checkpoints", request.keep_checkpoints),
    ):
        if value < 1:
            raise TrainingError(f"--{label} must be at least 1, got {value}")


def _initial_model(request: TrainRequest, train_texts: list[str], run_dir: Path) -> InitialModel:
    if request.init != "scratch":
        return load_initial_model(request.init)
    if request.scratch_size not in ("tiny", "small", "medium"):
        raise TrainingError(f"unknown --scratch-size {request.scratch_size!r}")
    shape = scratch_shape(request.scratch_size, request.hidden_size, request.layers, request.heads, request.vocab_size)
    if shape.hidden_size % shape.heads:
        raise TrainingError(f"hidden size {shape.hidden_size} is not a multiple of {shape.heads} heads")
    saved = run_dir / TOKENIZER_FILE if request.resume else request.tokenizer
    return new_scratch_model(shape, request.context or DEFAULT_CONTEXT, train_texts, saved)


def _context(request: TrainRequest, initial: InitialModel) -> int:
    limit = initial.max_positions
    context = request.context or min(limit or DEFAULT_CONTEXT, DEFAULT_CONTEXT)
    if context < 2 or (limit and context > limit):
        raise TrainingError(f"--context {context} must be between 2 and the model's {limit} positions")
    return context


def _with_lora(model, lora: tuple[int, float]):
    from peft import LoraConfig, get_peft_model

    rank, alpha = lora
    # Every linear layer of the blocks (not the output head); no dropout, so runs are reproducible.
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def _start_run_dir(request: TrainRequest, run_dir: Path, processes: Processes, initial: InitialModel) -> Path | None:
    """Creates (or, with --resume, checks) the run directory; returns the checkpoint to resume from."""
    settings = {k: v for k, v in _jsonable(asdict(request)).items() if k in _RESULT_DEFINING}
    settings["corpus_sha256"] = corpus_fingerprint(request.corpus)
    if request.tokenizer is not None:
        settings["tokenizer_sha256"] = "sha256:" + sha256_file(Path(request.tokenizer))
    resume_from = None
    if request.resume:
        saved = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))["settings"]
        changed = sorted(k for k in set(saved) | set(settings) if saved.get(k) != settings.get(k))
        if changed:
            raise TrainingError(f"--resume with different settings than the run in {run_dir}: {', '.join(changed)}")
        checkpoints = checkpoint_paths(run_dir)
        resume_from = checkpoints[-1] if checkpoints else None
    processes.barrier()  # every process has checked the directory before the main one writes it
    if processes.is_main and resume_from is None:
        run_dir.mkdir(parents=True, exist_ok=True)
        run = {"settings": settings, "request": _jsonable(asdict(request)), "world_size": processes.world_size}
        (run_dir / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
        initial.tokenizer.save(str(run_dir / TOKENIZER_FILE))
    processes.barrier()
    return resume_from


def _save_model(model, initial: InitialModel, destination: Path) -> None:
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()  # LoRA adapters folded into the base weights
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
    try:
        initial.save(model.cpu(), staging)
        if destination.exists():
            shutil.rmtree(destination)
        os.rename(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _summary(
    request: TrainRequest,
    initial: InitialModel,
    parameters: int,
    serializer_path: Path | None,
    train: EncodedCorpus,
    heldout: EncodedCorpus,
    train_users: int,
    heldout_users: int,
    context: int,
    batch_size: int,
    per_epoch: int,
    result: LoopResult,
    processes: Processes,
) -> dict:
    training = {
        "base_model": initial.reference,
        "init": initial.kind,
        "recipe": request.recipe,
        "method": "lora" if request.lora else "full",
        "lora": {"r": request.lora[0], "alpha": request.lora[1], "merged": True} if request.lora else None,
        "parameters": parameters,
        "corpus": {
            "file": request.corpus.name,
            "sha256": corpus_fingerprint(request.corpus).removeprefix("sha256:"),
            "serializer_file": serializer_path.name if serializer_path else None,
            "train_users": train_users,
            "heldout_users": heldout_users,
            "events_dropped": train.events_dropped + heldout.events_dropped,
            "texts_truncated": train.texts_truncated + heldout.texts_truncated,
            "texts_skipped": train.texts_skipped + heldout.texts_skipped,
        },
        "context_tokens": context,
        "steps": result.steps,
        "epochs": round(result.steps / per_epoch, 4),
        "batch_size": batch_size,
        "peak_lr": request.peak_lr,
        "precision": str(autocast_dtype(request.precision, processes.device) or torch.float32).removeprefix("torch."),
        "seed": request.seed,
        "processes": processes.world_size,
        "device": processes.device.type,
        "final_train_loss": result.final_train_loss,
        "heldout_loss_before": result.heldout_before,
        "heldout_loss_after": result.heldout_after,
        "tokens_seen": result.tokens_seen,
        "tokens_per_s": round(result.tokens_per_s, 1),
        "train_seconds": round(result.train_seconds, 2),
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    return {"finished": result.finished, "training": training}


def _jsonable(values: dict) -> dict:
    return {k: str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v for k, v in values.items()}
