"""The run's JSON-lines log (one record per logged step, plus evaluations) and its loss curve."""

import json
from pathlib import Path

LOG_FILE = "train_log.jsonl"
CURVE_FILE = "loss_curve.png"


class TrainingLog:
    def __init__(self, run_dir: Path, resume_step: int | None):
        self.path = run_dir / LOG_FILE
        if resume_step is not None:
            # A killed run may have logged steps after its last checkpoint; they are redone.
            kept = [r for r in read_log(self.path) if r.get("step", 0) <= resume_step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
        else:
            self.path.write_text("", encoding="utf-8")

    def write(self, record: dict) -> None:
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")


def read_log(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plot_loss_curves(runs: dict[str, list[dict]], destination: Path, title: str | None = None) -> None:
    """Training loss per step for each run (label -> log records), with held-out loss points."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2))
    for label, records in runs.items():
        steps = [r for r in records if r.get("kind") == "train"]
        (line,) = axes.plot([r["step"] for r in steps], [r["loss"] for r in steps], lw=1.2, label=f"{label}: train")
        evaluations = [r for r in records if r.get("kind") == "heldout"]
        if evaluations:
            axes.plot(
                [r["step"] for r in evaluations],
                [r["loss"] for r in evaluations],
                "o--",
                color=line.get_color(),
                label=f"{label}: held-out",
            )
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("next-token loss (nats)")
    axes.set_yscale("log")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    if title:
        axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(destination, dpi=120)
    plt.close(figure)
