"""The report folder: results.json (every number), report.md, and report.html with PNG pictures
(per task a bar chart of every method with its ± std, and a 2-D PCA of an LLM4ES embedding
coloured by label). Both reports come from one list of blocks (document.py). A quick run opens
with a banner that its numbers are noise and draws no verdicts."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from .artifacts import write_atomic, write_json
from .document import Banner, Bullets, Heading, Image, Paragraph, Table, to_html, to_markdown
from .llm_models import RECIPE_METHOD
from .task_folder import class_name


def bar_figure(task_id: str, metric: str, results: list[dict]):
    """Every method's test score with its ± std; the axis starts at 0, so bar lengths compare."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(results) + 1.2))
    names = [r["method"] for r in results]
    ax.barh(names, [r["mean"] for r in results], xerr=[r["std"] for r in results], color="#4c78a8", capsize=3)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} (test, mean ± std over 5 folds)")
    ax.set_title(task_id)
    ax.set_xlim(0.0, 1.0)  # both metrics lie in [0, 1]
    fig.tight_layout()
    return fig


def bar_chart(task_id: str, metric: str, results: list[dict], out: Path) -> Path:
    return _save(bar_figure(task_id, metric, results), out)


def projection_figure(task_id: str, method: str, features: pd.DataFrame, labels: pd.Series, task: dict):
    """A 2-D PCA of the embedding, one colour per label, the legend naming what each label means."""
    points = PCA(n_components=2, random_state=0).fit_transform(features.to_numpy())
    fig, ax = plt.subplots(figsize=(5, 4.2))
    values = labels.loc[features.index].to_numpy()
    for value in sorted(np.unique(values)):
        chosen = values == value
        ax.scatter(points[chosen, 0], points[chosen, 1], s=8, alpha=0.7, label=class_name(task, value))
    ax.legend(fontsize=8, title="label")
    ax.set_title(f"{task_id}: {method}, PCA")
    fig.tight_layout()
    return fig


def projection(task_id: str, method: str, features: pd.DataFrame, labels: pd.Series, task: dict, out: Path) -> Path:
    return _save(projection_figure(task_id, method, features, labels, task), out)


def _save(fig, out: Path) -> Path:
    write_atomic(out, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
    return out


def score_table(results: dict[str, dict[str, dict]], methods: list[str], mark_best: bool) -> Table:
    """Per task, every method's test score; the best in bold only when the run can tell them apart."""
    rows = []
    for task_id, by_method in results.items():
        best = max(r["mean"] for r in by_method.values())
        cells = []
        for m in methods:
            r = by_method.get(m)
            text = "—" if r is None else f"{r['mean']:.3f} ± {r['std']:.3f}"
            cells.append(f"**{text}**" if mark_best and r is not None and r["mean"] == best else text)
        rows.append([f"{task_id} ({next(iter(by_method.values()))['metric']})", *cells])
    return Table(["task", *methods], rows, tuple(range(1, len(methods) + 1)))


BASELINES = ("aggregates", "minilm")
# Trained or pretrained LLM4ES embeddings alone; llm4es-random is the control, not a contender.
LLM4ES_ALONE = ("llm4es-stories260k", "llm4es-stories260k-ft", "llm4es-scratch-ft", RECIPE_METHOD)


def paired_difference(a: dict, b: dict) -> tuple[float, float]:
    """Mean and std over folds of a's minus b's test score: every method is scored by the same 5
    folds on the same test split, so fold-paired differences cancel the fold-to-fold noise."""
    diff = np.asarray(a["fold_test_scores"]) - np.asarray(b["fold_test_scores"])
    return float(diff.mean()), float(diff.std())


def repeated_paired_difference(a: dict, b: dict) -> dict:
    """a's minus b's test score over the repeated splits (see protocol.evaluate_repeated), paired
    by split and fold: the mean and std over every (split, fold) pair, each split's mean, and the
    std of those means (how much the reading moves with the test set)."""
    seeds = list(a["fold_test_scores"])
    if seeds != list(b["fold_test_scores"]):
        raise ValueError(f"repeated splits differ: {seeds} vs {list(b['fold_test_scores'])}")
    per_seed = {s: np.asarray(a["fold_test_scores"][s]) - np.asarray(b["fold_test_scores"][s]) for s in seeds}
    every = np.concatenate(list(per_seed.values()))
    means = [float(d.mean()) for d in per_seed.values()]
    return {
        "mean": float(every.mean()),
        "std": float(every.std()),
        "seed_means": dict(zip(seeds, means)),
        "std_of_seed_means": float(np.std(means)),
        "pairs": int(every.size),
    }


def _verdict(delta: float, spread: float) -> str:
    if abs(delta) <= spread:
        return "ties with"
    return "beats" if delta > 0 else "loses to"


def standings(results: dict[str, dict[str, dict]]) -> list[str]:
    """Per task, in words: the best LLM4ES embedding alone against the best baseline, and whether
    LLM4ES adds anything to the aggregates (the paper's ensemble). A difference within one std of
    the fold-paired differences is called a tie."""
    lines = []
    for task_id, by_method in results.items():
        alone = [m for m in LLM4ES_ALONE if m in by_method]
        baselines = [m for m in BASELINES if m in by_method]
        if not alone or not baselines:
            continue
        llm = max(alone, key=lambda m: by_method[m]["mean"])
        base = max(baselines, key=lambda m: by_method[m]["mean"])
        delta, spread = paired_difference(by_method[llm], by_method[base])
        text = (
            f"{task_id}: {llm} {_verdict(delta, spread)} {base} "
            f"({by_method[llm]['mean']:.3f} vs {by_method[base]['mean']:.3f}, paired Δ {delta:+.3f} ± {spread:.3f})"
        )
        if "llm4es+aggregates" in by_method and "aggregates" in by_method:
            d, sd = paired_difference(by_method["llm4es+aggregates"], by_method["aggregates"])
            effect = {"ties with": "no effect beyond noise", "beats": "helps", "loses to": "hurts"}[_verdict(d, sd)]
            text += f"; LLM4ES ⊕ aggregates against aggregates alone: Δ {d:+.3f} ± {sd:.3f} ({effect})"
        lines.append(f"- {text}.")
    return lines


def speed_blocks(speed: dict) -> list:
    r = speed["ratios"]
    rows = [
        [name, f"{v['tokens_per_s']:,.0f}", f"{v['users_per_s']:,.1f}", f"{v['peak_rss_mb']:,.0f}"]
        for name, v in speed["paths"].items()
    ]
    return [
        Paragraph(
            f"Model `{speed['model']}` on `{speed['task']}`: {speed['users']} users, {speed['tokens']} tokens, "
            f"{speed['threads']} inference threads, median of {speed['repeats']}."
        ),
        Table(["path", "tokens/s", "users/s", "peak RSS (MB)"], rows, (1, 2, 3)),
        Paragraph(
            f"Ratios (tokens/s): Java / PyTorch {r['java_over_pytorch']:.2f}, SQL / Java {r['sql_over_java']:.2f}, "
            f"SQL / PyTorch {r['sql_over_pytorch']:.2f}. "
            f"Java embedder: {speed['java_embedder_gflops']:.2f} GFLOP/s achieved against a numpy float32 matmul "
            f"peak of {speed['matmul_peak_gflops']:.1f} GFLOP/s on the same threads "
            f"({100 * speed['java_share_of_peak']:.2f} % of peak; {speed['forward_gflop']:.2f} GFLOP of forward "
            f"pass). Serializer (export-text): {speed['serializer_events_per_s']:,.0f} events/s."
        ),
        Paragraph(f"How: {speed['method']}."),
    ]


def context_table(context: dict[str, dict[str, dict]], results: dict[str, dict[str, dict]] | None = None) -> Table:
    """Per task and method, the score beside what the method saw of the histories."""

    def number(value, form: str) -> str:
        return "—" if value is None else format(value, form)

    rows = []
    for task_id, by_method in context.items():
        for method, c in by_method.items():
            r = (results or {}).get(task_id, {}).get(method)
            rows.append(
                [
                    task_id,
                    method,
                    "—" if r is None else f"{r['mean']:.3f} ± {r['std']:.3f}",
                    number(c["median_tokens_per_event"], ".1f"),
                    f"{100 * c['median_share_of_events_kept']:.0f} %",
                    number(c["median_tokens_per_user"], ".0f"),
                    f"{c['users_truncated']} of {c['users']}",
                ]
            )
    return Table(
        ["task", "method", "score", "tokens per event", "share of events kept", "tokens per user", "users truncated"],
        rows,
        (2, 3, 4, 5, 6),
    )


def repeated_table(repeated: dict[str, dict]) -> Table:
    def cell(d: dict) -> str:
        return f"{d['mean']:+.3f} ± {d['std']:.3f} (splits ± {d['std_of_seed_means']:.3f})"

    rows = [
        [
            task_id,
            r["llm4es"],
            cell(r["llm4es_vs_aggregates"]),
            cell(r["ensemble_vs_aggregates"]),
            f"{100 * float(np.median(list(r['text_seen_by_lm'].values()))):.0f} %",
        ]
        for task_id, r in repeated.items()
    ]
    return Table(
        ["task", "LLM4ES", "Δ LLM4ES − aggregates", "Δ LLM4ES ⊕ aggregates − aggregates", "test text seen by the LM"],
        rows,
        (4,),
    )


def mode_text(run: dict) -> str:
    mode, train = run["mode"], run["mode"].get("train")
    entities = f"{mode['max_entities']} entities per task" if mode.get("max_entities") else "every entity"
    events = (
        f"at most {mode['max_events_per_entity']} events each" if mode.get("max_events_per_entity") else "every event"
    )
    steps = f"{train['max_steps']} fine-tuning steps" if train else "no fine-tuning"
    return f"{'quick' if run['quick'] else 'full'}: {entities}, {events}, {steps}"


def quick_banner(run: dict) -> str:
    return (
        f"Quick mode ({mode_text(run)}): this run only proves that every path works. Its numbers are "
        "noise, they rank nothing, and no verdicts are drawn from them; the full mode measures."
    )


def report_blocks(
    run: dict,
    results: dict[str, dict[str, dict]],
    methods: list[str],
    speed: dict | None,
    pictures: dict[str, list[Path]],
) -> list:
    quick = run["quick"]
    blocks = [Heading(f"llm4es benchmark ({'quick' if quick else 'full'} mode)", 1)]
    if quick:
        blocks.append(Banner(quick_banner(run)))
    blocks += [
        Table(
            ["run", ""],
            [
                ["date", run["date"]],
                ["machine", run["machine"]],
                ["command", f"`{run['command']}`"],
                ["mode", mode_text(run)],
                ["jar", f"`{run['jar']}`" if run.get("jar") else "none (Java methods skipped)"],
            ],
        ),
        Paragraph(
            "Test score of LightGBM on each method's features (fixed stratified 20 % test split, 5-fold CV on "
            "the rest, mean ± std over the folds' models). LLM4ES embeddings were computed through the SQL "
            "aggregate `user_embedding` on H2."
        ),
        score_table(results, methods, mark_best=not quick),
    ]
    verdicts = [] if quick else standings(results)
    if verdicts:
        blocks += [
            Heading("Where LLM4ES stands"),
            Paragraph(
                "Best LLM4ES embedding alone (random weights excluded) against the best baseline; Δ is "
                "the mean ± std over the 5 folds of the paired test-score difference, a tie when "
                "|Δ| ≤ std."
            ),
            Bullets([v[2:] for v in verdicts]),
        ]
    if run.get("repeated"):
        seeds = ", ".join(map(str, next(iter(run["repeated"].values()))["seeds"]))
        blocks += [
            Heading("Repeated splits"),
            Paragraph(
                f"Besides the fixed split (the protocol of record): stratified 20 % test splits drawn with seeds "
                f"{seeds} from all of a task's entities, the protocol's 5 folds on each; Δ is the mean ± std of the "
                "test-score difference paired by split and fold, then the std of the splits' means. The language "
                "models were trained on the fixed split's corpus entities: the last column is the median share of a "
                "repeated split's test entities whose text (never their label) the models were trained on."
            ),
            repeated_table(run["repeated"]),
        ]
    blocks += [Heading("Methods"), Bullets([f"`{m}`: {run['methods'][m]}" for m in methods])]
    if run.get("training"):
        blocks += [
            Heading("Fine-tuning"),
            Table(
                [
                    "method",
                    "base model",
                    "parameters",
                    "steps",
                    "tokens seen",
                    "held-out loss before → after",
                    "seconds",
                ],
                [
                    [
                        m,
                        t["base_model"],
                        f"{t['parameters']:,}",
                        str(t["steps"]),
                        f"{t['tokens_seen']:,}",
                        f"{t['heldout_loss_before']:.3f} → {t['heldout_loss_after']:.3f}",
                        f"{t['train_seconds']:,.0f}",
                    ]
                    for m, t in run["training"].items()
                ],
                (2, 3, 4, 6),
            ),
        ]
    if run.get("context"):
        blocks += [
            Heading("Scores beside what each method saw"),
            Paragraph(
                "Medians over the task's users of the tokens per kept event (the header's share included), of "
                "the share of a user's events that fit the method's token budget (the oldest are dropped), and "
                "of the tokens per user: for LLM4ES from `user_embedding_result`, for MiniLM from its 256-token "
                "window (an event cut at its start counts as dropped); the aggregates read every event, no text."
            ),
            context_table(run["context"], results),
        ]
    if speed:
        blocks += [Heading("Speed"), *speed_blocks(speed)]
    blocks.append(Heading("Pictures"))
    for task_id, ps in pictures.items():
        blocks += [Heading(task_id, 3), *(Image(f"pictures/{p.name}", p.stem) for p in ps)]
    return blocks


def write_report(
    out: Path,
    run: dict,
    results: dict[str, dict[str, dict]],
    methods: list[str],
    speed: dict | None,
    pictures: dict[str, list[Path]],
) -> None:
    write_json(out / "results.json", {**run, "results": results, "speed": speed})
    blocks = report_blocks(run, results, methods, speed, pictures)
    write_atomic(out / "report.md", lambda tmp: tmp.write_text(to_markdown(blocks), encoding="utf-8"))
    write_atomic(out / "report.html", lambda tmp: tmp.write_text(to_html("llm4es benchmark", blocks), encoding="utf-8"))
