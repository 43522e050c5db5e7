"""The training loop: next-token loss over whole texts, AdamW, warmup + cosine, clipping, mixed
precision, DDP across processes, checkpoints, JSON-lines log and progress bar."""

import contextlib
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from .batches import IGNORE_INDEX, collate, global_batch, micro_batches, rank_share, steps_per_epoch, target_tokens
from .checkpoint import load_checkpoint, restore_trainable, save_checkpoint, trainable_state
from .distributed import Processes
from .errors import TrainingError
from .schedule import warmup_cosine
from .training_log import TrainingLog

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class LoopSettings:
    batch_size: int  # sequences per optimizer step, over all processes
    micro_batch_size: int  # a forward pass holds at most this many of the longest sequences (batches.micro_batches)
    total_steps: int
    lr: float
    weight_decay: float
    warmup_steps: int
    min_lr_ratio: float
    grad_clip: float
    precision: str
    seed: int
    checkpoint_every: int
    keep_checkpoints: int
    log_every: int
    eval_every: int
    stop_at_step: int | None
    progress: bool


@dataclass(frozen=True)
class LoopResult:
    steps: int
    finished: bool
    heldout_before: float | None
    heldout_after: float | None
    final_train_loss: float | None
    tokens_seen: int
    train_seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens_seen / self.train_seconds if self.train_seconds else 0.0


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """None means full fp32. "auto": bf16 on GPUs that have it, else fp16 on GPU, fp32 on CPU."""
    if precision == "auto":
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "fp16" and device.type != "cuda":
        raise TrainingError("fp16 training needs a GPU; use bf16 or fp32 on CPU")
    return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


class _StopRequest:
    """SIGINT/SIGTERM end the run after the current step, with a checkpoint to resume from."""

    def __init__(self):
        self.requested = False
        self._previous = {}

    def __enter__(self):
        with contextlib.suppress(ValueError):  # signals can only be caught in the main thread
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._request)
        return self

    def _request(self, number, frame):
        self.requested = True
        signal.signal(number, self._previous[number])  # a second signal acts as usual

    def __exit__(self, *exc):
        for number, handler in self._previous.items():
            signal.signal(number, handler)


class Trainer:
    def __init__(
        self,
        model: nn.Module,
        train: list[list[int]],
        heldout: list[list[int]],
        pad_id: int,
        settings: LoopSettings,
        processes: Processes,
        run_dir: Path,
    ):
        self.settings, self.processes, self.run_dir = settings, processes, run_dir
        self.train, self.heldout, self.pad_id = train, heldout, pad_id
        self.model = model.to(processes.device)
        self.ddp = DistributedDataParallel(self.model) if processes.world_size > 1 else None
        self.autocast = autocast_dtype(settings.precision, processes.device)
        parameters = [p for p in self.model.parameters() if p.requires_grad]
        decay = [p for p in parameters if p.ndim >= 2]  # no weight decay on norms and biases
        no_decay = [p for p in parameters if p.ndim < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": settings.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=settings.lr,
            betas=(0.9, 0.95),
            eps=1e-8,
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda step: warmup_cosine(step, settings.total_steps, settings.warmup_steps, settings.min_lr_ratio),
        )
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.autocast == torch.float16)
        self.steps_per_epoch = steps_per_epoch(len(train), settings.batch_size)

    def run(self, resume_from: Path | None) -> LoopResult:
        s, processes = self.settings, self.processes
        state = self._restore(resume_from) if resume_from else None
        step = state["step"] if state else 0
        log = TrainingLog(self.run_dir, step if state else None) if processes.is_main else None
        if state:
            heldout_before, tokens_seen, seconds = state["heldout_before"], state["tokens_seen"], state["train_seconds"]
            interval = state["interval"]
        else:
            heldout_before, tokens_seen, seconds = self.heldout_loss(), 0, 0.0
            interval = {"loss_sum": 0.0, "targets": 0}
            self._log(log, {"kind": "heldout", "step": 0, "loss": heldout_before})
        last_train_loss = state.get("last_train_loss") if state else None

        bar = tqdm(
            total=s.total_steps,
            initial=step,
            desc="training",
            unit="step",
            dynamic_ncols=True,
            disable=not (s.progress and processes.is_main),
        )
        finished = True
        with _StopRequest() as stop:
            while step < s.total_steps:
                started = time.perf_counter()
                loss_sum, tokens, targets, grad_norm = self._step(step)
                seconds += time.perf_counter() - started
                step += 1
                tokens_seen += tokens
                interval["loss_sum"] += loss_sum
                interval["targets"] += targets
                rate = tokens_seen / seconds
                bar.update(1)
                bar.set_postfix(loss=f"{loss_sum / targets:.4f}", tok_s=f"{rate:,.0f}")
                if step % s.log_every == 0 or step == s.total_steps:
                    last_train_loss = interval["loss_sum"] / interval["targets"]
                    self._log(
                        log,
                        {
                            "kind": "train",
                            "step": step,
                            "epoch": round(step / self.steps_per_epoch, 4),
                            "loss": last_train_loss,
                            "lr": self.scheduler.get_last_lr()[0],
                            "grad_norm": grad_norm,
                            "tokens": tokens_seen,
                            "tokens_per_s": round(rate, 1),
                            "elapsed_s": round(seconds, 3),
                        },
                    )
                    interval = {"loss_sum": 0.0, "targets": 0}
                if s.eval_every and step % s.eval_every == 0 and step < s.total_steps:
                    self._log(log, {"kind": "heldout", "step": step, "loss": self.heldout_loss()})
                stopping = step < s.total_steps and (step == s.stop_at_step or self._agree(stop.requested))
                if step % s.checkpoint_every == 0 or stopping:
                    self._checkpoint(
                        step,
                        {
                            "heldout_before": heldout_before,
                            "tokens_seen": tokens_seen,
                            "train_seconds": seconds,
                            "interval": interval,
                            "last_train_loss": last_train_loss,
                        },
                    )
                if stopping:
                    finished = False
                    break
        bar.close()
        heldout_after = None
        if finished:
            heldout_after = self.heldout_loss()
            self._log(log, {"kind": "heldout", "step": step, "loss": heldout_after})
        return LoopResult(step, finished, heldout_before, heldout_after, last_train_loss, tokens_seen, seconds)

    def _step(self, step: int) -> tuple[float, int, int, float]:
        """One optimizer step on the global batch of `step`: (summed loss over all processes, tokens
        and predicted tokens in the global batch, gradient norm before clipping)."""
        s, processes = self.settings, self.processes
        # Reseeded per step so dropout (where a model has it) is the same after a resume.
        torch.manual_seed(s.seed * 1_000_003 + step * 101 + processes.rank)
        indices = global_batch(len(self.train), s.batch_size, s.seed, step)
        # Normalizing by the global target count makes the DDP gradient average equal to the gradient
        # of the mean loss over the whole batch, whatever the number of processes.
        targets = target_tokens(self.train, indices)
        scale = processes.world_size / targets
        share = micro_batches(
            rank_share(indices, self.train, processes.rank, processes.world_size), self.train, s.micro_batch_size
        )
        self.model.train()
        local_loss = 0.0
        for number, micro in enumerate(share):
            sync = self.ddp is None or number == len(share) - 1
            with contextlib.nullcontext() if sync else self.ddp.no_sync():
                loss_sum = self._loss_sum(self.ddp or self.model, micro)
                self.scaler.scale(loss_sum * scale).backward()
            local_loss += loss_sum.item()
        self.scaler.unscale_(self.optimizer)
        parameters = [p for group in self.optimizer.param_groups for p in group["params"]]
        grad_norm = torch.nn.utils.clip_grad_norm_(parameters, s.grad_clip).item()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        (total_loss,) = processes.sum(local_loss)
        return total_loss, sum(len(self.train[i]) for i in indices), targets, grad_norm

    def _loss_sum(self, model: nn.Module, indices: list[int], sequences: list[list[int]] | None = None) -> torch.Tensor:
        input_ids, attention_mask, targets = (
            t.to(self.processes.device) for t in collate([(sequences or self.train)[i] for i in indices], self.pad_id)
        )
        precision = (
            contextlib.nullcontext()
            if self.autocast is None
            else torch.autocast(self.processes.device.type, dtype=self.autocast)
        )
        with precision:
            logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
        return F.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]),
            targets[:, 1:].reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )

    @torch.no_grad()
    def heldout_loss(self) -> float | None:
        """Mean next-token loss per predicted token on the held-out users (each process takes a share)."""
        if not self.heldout:
            return None
        self.model.eval()
        mine = rank_share(list(range(len(self.heldout))), self.heldout, self.processes.rank, self.processes.world_size)
        loss_sum = sum(
            self._loss_sum(self.model, micro, self.heldout).item()
            for micro in micro_batches(mine, self.heldout, self.settings.micro_batch_size)
        )
        total_loss, total_targets = self.processes.sum(loss_sum, target_tokens(self.heldout, mine))
        return total_loss / total_targets

    def _agree(self, flag: bool) -> bool:
        """True on every process when any process was asked to stop."""
        return self.processes.sum(float(flag))[0] > 0

    def _checkpoint(self, step: int, progress: dict) -> None:
        if self.processes.is_main:
            save_checkpoint(
                self.run_dir,
                step,
                {
                    "step": step,
                    "weights": trainable_state(self.model),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "scaler": self.scaler.state_dict(),
                    **progress,
                },
                keep=self.settings.keep_checkpoints,
            )
        self.processes.barrier()

    def _restore(self, path: Path) -> dict:
        state = load_checkpoint(path)
        restore_trainable(self.model, state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        return state

    def _log(self, log: TrainingLog | None, record: dict) -> None:
        if log is not None:
            log.write(record)
