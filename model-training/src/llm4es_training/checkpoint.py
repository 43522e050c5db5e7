"""Checkpoints for --resume: trainable weights, optimizer, schedule and progress counters.

Written to a temporary file and renamed, so a run killed while saving still leaves its previous
checkpoint intact.
"""

import os
import re
from pathlib import Path

import torch
from torch import nn

CHECKPOINT_DIR = "checkpoints"
_NAME = re.compile(r"step-(\d+)\.pt")


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    # LoRA checkpoints hold only the adapters; full fine-tuning holds every weight.
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(run_dir: Path, step: int, state: dict, keep: int) -> Path:
    directory = run_dir / CHECKPOINT_DIR
    directory.mkdir(exist_ok=True)
    path = directory / f"step-{step:07d}.pt"
    partial = path.with_suffix(".pt.partial")
    torch.save(state, partial)
    os.replace(partial, path)
    for old in checkpoint_paths(run_dir)[:-keep]:
        old.unlink()
    return path


def checkpoint_paths(run_dir: Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    directory = run_dir / CHECKPOINT_DIR
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _NAME.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def load_checkpoint(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)


def restore_trainable(model: nn.Module, weights: dict[str, torch.Tensor]) -> None:
    result = model.load_state_dict(weights, strict=False)
    if result.unexpected_keys:
        raise ValueError(f"checkpoint holds weights this model lacks: {result.unexpected_keys[:5]}")
