"""The report folder: results.json (every number), report.md, and report.html with PNG pictures
(per task a bar chart of every method with its ± std, and a 2-D PCA of an LLM4ES embedding
coloured by label)."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from .artifacts import write_atomic, write_json


def bar_chart(task_id: str, metric: str, results: list[dict], out: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(results) + 1.2))
    names = [r["method"] for r in results]
    ax.barh(names, [r["mean"] for r in results], xerr=[r["std"] for r in results], color="#4c78a8", capsize=3)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} (test, mean ± std over 5 folds)")
    ax.set_title(task_id)
    lo = min(r["mean"] - r["std"] for r in results)
    ax.set_xlim(max(0.0, lo - 0.05), min(1.0, max(r["mean"] + r["std"] for r in results) + 0.02))
    fig.tight_layout()
    write_atomic(out, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
    return out


def projection(task_id: str, method: str, features: pd.DataFrame, labels: pd.Series, out: Path) -> Path:
    points = PCA(n_components=2, random_state=0).fit_transform(features.to_numpy())
    fig, ax = plt.subplots(figsize=(5, 4.2))
    values = labels.loc[features.index].to_numpy()
    for value in sorted(np.unique(values)):
        chosen = values == value
        ax.scatter(points[chosen, 0], points[chosen, 1], s=8, alpha=0.7, label=f"label {value}")
    ax.legend(fontsize=8)
    ax.set_title(f"{task_id}: {method}, PCA")
    fig.tight_layout()
    write_atomic(out, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
    return out


def _table_rows(results: dict[str, dict[str, dict]], methods: list[str]) -> list[list[str]]:
    rows = []
    for task_id, by_method in results.items():
        best = max(r["mean"] for r in by_method.values())
        cells = []
        for m in methods:
            r = by_method.get(m)
            text = "—" if r is None else f"{r['mean']:.3f} ± {r['std']:.3f}"
            cells.append(f"**{text}**" if r is not None and r["mean"] == best else text)
        rows.append([f"{task_id} ({next(iter(by_method.values()))['metric']})", *cells])
    return rows


BASELINES = ("aggregates", "minilm")
# Trained or pretrained LLM4ES embeddings alone; llm4es-random is the control, not a contender.
LLM4ES_ALONE = ("llm4es-stories260k", "llm4es-stories260k-ft", "llm4es-scratch-ft")


def paired_difference(a: dict, b: dict) -> tuple[float, float]:
    """Mean and std over folds of a's minus b's test score: every method is scored by the same 5
    folds on the same test split, so fold-paired differences cancel the fold-to-fold noise."""
    diff = np.asarray(a["fold_test_scores"]) - np.asarray(b["fold_test_scores"])
    return float(diff.mean()), float(diff.std())


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
        text = (f"{task_id}: {llm} {_verdict(delta, spread)} {base} "
                f"({by_method[llm]['mean']:.3f} vs {by_method[base]['mean']:.3f}, paired Δ {delta:+.3f} ± {spread:.3f})")
        if "llm4es+aggregates" in by_method and "aggregates" in by_method:
            d, sd = paired_difference(by_method["llm4es+aggregates"], by_method["aggregates"])
            effect = {"ties with": "no effect beyond noise", "beats": "helps", "loses to": "hurts"}[_verdict(d, sd)]
            text += f"; LLM4ES ⊕ aggregates against aggregates alone: Δ {d:+.3f} ± {sd:.3f} ({effect})"
        lines.append(f"- {text}.")
    return lines


def _speed_lines(speed: dict) -> list[str]:
    p = speed["paths"]
    lines = [f"Model `{speed['model']}` on `{speed['task']}`: {speed['users']} users, {speed['tokens']} tokens, "
             f"{speed['threads']} inference threads, median of {speed['repeats']}.", "",
             "| path | tokens/s | users/s | peak RSS (MB) |", "|---|---:|---:|---:|"]
    for name, v in p.items():
        lines.append(f"| {name} | {v['tokens_per_s']:,.0f} | {v['users_per_s']:,.1f} | {v['peak_rss_mb']:,.0f} |")
    r = speed["ratios"]
    lines += ["", f"Ratios (tokens/s): Java / PyTorch {r['java_over_pytorch']:.2f}, SQL / Java {r['sql_over_java']:.2f}, "
                  f"SQL / PyTorch {r['sql_over_pytorch']:.2f}.",
              f"Java embedder: {speed['java_embedder_gflops']:.2f} GFLOP/s achieved against a numpy float32 matmul "
              f"peak of {speed['matmul_peak_gflops']:.1f} GFLOP/s on the same threads "
              f"({100 * speed['java_share_of_peak']:.2f} % of peak; {speed['forward_gflop']:.2f} GFLOP of forward pass).",
              f"Serializer (export-text): {speed['serializer_events_per_s']:,.0f} events/s.", "",
              f"How: {speed['method']}."]
    return lines


def write_report(out: Path, run: dict, results: dict[str, dict[str, dict]], methods: list[str], speed: dict | None,
                 pictures: dict[str, list[Path]]) -> None:
    write_json(out / "results.json", {**run, "results": results, "speed": speed})
    header = ["task", *methods]
    rows = _table_rows(results, methods)
    md = [f"# llm4es benchmark ({'quick' if run['quick'] else 'full'} mode)", "",
          f"{run['date']}, {run['machine']}; command: `{run['command']}`.", "",
          "Test score of LightGBM on each method's features (fixed stratified 20 % test split, 5-fold CV on the "
          "rest, mean ± std over the folds' models). LLM4ES embeddings were computed through the SQL aggregate "
          "`user_embedding` on H2.", "",
          "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(row) + " |" for row in rows]
    verdicts = standings(results)
    if verdicts:
        md += ["", "## Where LLM4ES stands", "",
               "Best LLM4ES embedding alone (random weights excluded) against the best baseline; Δ is the mean "
               "± std over the 5 folds of the paired test-score difference, a tie when |Δ| ≤ std.", "", *verdicts]
    md += ["", "## Methods", ""] + [f"- `{m}`: {run['methods'][m]}" for m in methods]
    if run.get("training"):
        md += ["", "## Fine-tuning", "", "| method | base model | parameters | steps | tokens seen | "
               "held-out loss before → after | seconds |", "|---|---|---:|---:|---:|---|---:|"]
        md += [f"| {m} | {t['base_model']} | {t['parameters']:,} | {t['steps']} | {t['tokens_seen']:,} | "
               f"{t['heldout_loss_before']:.3f} → {t['heldout_loss_after']:.3f} | {t['train_seconds']:,.0f} |"
               for m, t in run["training"].items()]
    if speed:
        md += ["", "## Speed", "", *_speed_lines(speed)]
    md += ["", "## Pictures", ""] + [f"![{p.stem}](pictures/{p.name})" for ps in pictures.values() for p in ps]
    write_atomic(out / "report.md", lambda tmp: tmp.write_text("\n".join(md) + "\n", encoding="utf-8"))

    esc = html.escape
    body = [f"<h1>llm4es benchmark ({'quick' if run['quick'] else 'full'} mode)</h1>",
            f"<p>{esc(run['date'])}, {esc(run['machine'])}; command: <code>{esc(run['command'])}</code></p>",
            "<table border=1 cellpadding=4><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    body += ["<tr>" + "".join(f"<td>{esc(c).replace('**', '')}</td>" for c in row) + "</tr>" for row in rows]
    body += ["</table>"]
    if verdicts:
        body += ["<h2>Where LLM4ES stands</h2><ul>"] + [f"<li>{esc(v[2:])}</li>" for v in verdicts] + ["</ul>"]
    body += ["<h2>Methods</h2><ul>"]
    body += [f"<li><code>{esc(m)}</code>: {esc(run['methods'][m])}</li>" for m in methods] + ["</ul>"]
    if speed:
        body += ["<h2>Speed</h2>", "<pre>" + esc("\n".join(_speed_lines(speed))) + "</pre>"]
    for task_id, ps in pictures.items():
        body += [f"<h2>{esc(task_id)}</h2>"] + [f'<img src="pictures/{esc(p.name)}" alt="{esc(p.stem)}">' for p in ps]
    page = "<!doctype html><meta charset=utf-8><title>llm4es benchmark</title>\n" + "\n".join(body) + "\n"
    write_atomic(out / "report.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
