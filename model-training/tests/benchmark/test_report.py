"""The report: verdicts in words (fold-paired differences, ties within one std), tables as tables,
axes from 0, legends that name the classes, a header, and in quick mode a banner and no verdicts."""

import re

import numpy as np
import pandas as pd

from llm4es_training.benchmark.java_cli import whole_history_facts
from llm4es_training.benchmark.report import bar_figure, paired_difference, projection_figure, standings, write_report


def _result(scores):
    return {"metric": "roc_auc", "mean": sum(scores) / len(scores), "std": 0.0, "fold_test_scores": scores}


def test_paired_difference_cancels_shared_fold_noise():
    a, b = _result([0.70, 0.80, 0.60, 0.75, 0.65]), _result([0.68, 0.78, 0.58, 0.73, 0.63])
    delta, spread = paired_difference(a, b)
    assert abs(delta - 0.02) < 1e-12 and spread < 1e-12


def test_standings_name_winner_loser_and_tie():
    results = {
        "loses": {
            "aggregates": _result([0.80, 0.82, 0.81, 0.79, 0.80]),
            "minilm": _result([0.60] * 5),
            "llm4es-stories260k-ft": _result([0.70, 0.71, 0.69, 0.70, 0.72]),
            "llm4es-random": _result([0.95] * 5),
            "llm4es+aggregates": _result([0.80, 0.82, 0.81, 0.79, 0.80]),
        },
        "wins": {"aggregates": _result([0.60] * 5), "llm4es-scratch-ft": _result([0.70, 0.72, 0.70, 0.71, 0.69])},
        "ties": {
            "minilm": _result([0.70, 0.60, 0.70, 0.60, 0.70]),
            "llm4es-stories260k": _result([0.60, 0.70, 0.60, 0.70, 0.71]),
        },
    }
    lines = standings(results)
    assert lines[0].startswith("- loses: llm4es-stories260k-ft loses to aggregates")  # random weights never count
    assert "(no effect beyond noise)" in lines[0]
    assert lines[1].startswith("- wins: llm4es-scratch-ft beats aggregates")
    assert lines[2].startswith("- ties: llm4es-stories260k ties with minilm")


# --- the report as written: tables, axes, legends, header, quick mode --------------------------

METHODS = ["aggregates", "minilm", "llm4es-stories260k-ft", "llm4es+aggregates"]
SPEED = {
    "model": "berka-age-llm4es-stories260k",
    "task": "berka-age",
    "users": 120,
    "tokens": 50_000,
    "threads": 2,
    "repeats": 1,
    "method": "differential timing",
    "paths": {
        "sql_aggregate_h2": {"tokens_per_s": 9000.0, "users_per_s": 21.5, "peak_rss_mb": 800.0},
        "java_embedder": {"tokens_per_s": 12000.0, "users_per_s": 30.1, "peak_rss_mb": 600.0},
        "pytorch_eager": {"tokens_per_s": 7000.0, "users_per_s": 17.0, "peak_rss_mb": 1200.0},
    },
    "ratios": {"java_over_pytorch": 1.7, "sql_over_java": 0.75, "sql_over_pytorch": 1.3},
    "java_embedder_gflops": 3.2,
    "matmul_peak_gflops": 80.0,
    "java_share_of_peak": 0.04,
    "forward_gflop": 1.1,
    "serializer_events_per_s": 150_000.0,
}


def _run(quick: bool) -> dict:
    train = {"max_steps": 30 if quick else 500}
    return {
        "quick": quick,
        "command": "llm4es-train benchmark --out /tmp/b" + (" --quick" if quick else ""),
        "mode": {
            "max_entities": 120 if quick else None,
            "max_events_per_entity": 48 if quick else None,
            "train": train,
        },
        "date": "2026-12-01T22:00:00+00:00",
        "machine": "box, x86_64, 2 CPUs, 3.11.2",
        "jar": "/r/llm4es.jar",
        "methods": {m: f"the {m} method" for m in METHODS},
        "training": {
            "llm4es-stories260k-ft": {
                "base_model": "stories260K",
                "parameters": 260_000,
                "steps": 30,
                "tokens_seen": 10_000,
                "heldout_loss_before": 6.5,
                "heldout_loss_after": 2.1,
                "train_seconds": 40.0,
            }
        },
        "context": {
            "berka-default": {
                "aggregates": whole_history_facts(120),
                "llm4es-stories260k-ft": {
                    "median_tokens_per_event": 21.25,
                    "median_share_of_events_kept": 0.4,
                    "median_tokens_per_user": 511.0,
                    "users_truncated": 80,
                    "users": 120,
                },
            }
        },
        "repeated": {
            "berka-default": {
                "llm4es": "llm4es-stories260k-ft",
                "seeds": [0, 1, 2, 3, 4],
                "llm4es_vs_aggregates": {"mean": -0.05, "std": 0.04, "std_of_seed_means": 0.02},
                "ensemble_vs_aggregates": {"mean": 0.012, "std": 0.01, "std_of_seed_means": 0.005},
                "text_seen_by_lm": {"0": 0.8, "1": 0.78, "2": 0.81, "3": 0.79, "4": 0.8},
            }
        },
    }


def _results() -> dict:
    return {
        "berka-default": {
            "aggregates": _result([0.80, 0.82, 0.81, 0.79, 0.80]),
            "minilm": _result([0.6] * 5),
            "llm4es-stories260k-ft": _result([0.70, 0.71, 0.69, 0.70, 0.72]),
            "llm4es+aggregates": _result([0.85, 0.86, 0.84, 0.85, 0.86]),
        }
    }


def _write(tmp_path, quick: bool) -> tuple[str, str]:
    write_report(tmp_path, _run(quick), _results(), METHODS, SPEED, {"berka-default": []})
    return (tmp_path / "report.md").read_text(encoding="utf-8"), (tmp_path / "report.html").read_text(encoding="utf-8")


def test_every_markdown_table_is_an_html_table(tmp_path):
    markdown, page = _write(tmp_path, quick=False)
    rules = [line for line in markdown.splitlines() if re.fullmatch(r"\|(---:?\|)+", line)]
    assert len(rules) == 6  # header, scores, repeated splits, fine-tuning, scores beside context, speed
    assert page.count("<table>") == len(rules)
    assert "<pre>" not in page and "|---" not in page and "| path |" not in page
    assert "<td>java_embedder</td><td class=num>12,000</td>" in page
    assert (
        "<td>berka-default</td><td>llm4es-stories260k-ft</td><td class=num>0.704 ± 0.000</td>"
        "<td class=num>21.2</td><td class=num>40 %</td><td class=num>511</td><td class=num>80 of 120</td>"
    ) in page
    assert (
        "<td>berka-default</td><td>aggregates</td><td class=num>0.804 ± 0.000</td>"
        "<td class=num>—</td><td class=num>100 %</td><td class=num>—</td><td class=num>0 of 120</td>"
    ) in page
    assert (
        "<td>berka-default</td><td>llm4es-stories260k-ft</td><td>-0.050 ± 0.040 (splits ± 0.020)</td>"
        "<td>+0.012 ± 0.010 (splits ± 0.005)</td><td class=num>80 %</td>"
    ) in page


def test_the_header_says_when_where_how_and_which_mode(tmp_path):
    markdown, page = _write(tmp_path, quick=False)
    for text in (
        "2026-12-01T22:00:00+00:00",
        "box, x86_64, 2 CPUs, 3.11.2",
        "<code>llm4es-train benchmark --out /tmp/b</code>",
        "full: every entity, every event, 500 fine-tuning steps",
    ):
        assert text in page
    assert "| mode | full: every entity" in markdown


def test_a_full_run_draws_verdicts(tmp_path):
    markdown, page = _write(tmp_path, quick=False)
    assert "## Where LLM4ES stands" in markdown and "loses to aggregates" in markdown and "(helps)" in markdown
    assert "<h2>Where LLM4ES stands</h2>" in page and "<td class=num><b>0.852 ± " in page
    assert "numbers are noise" not in markdown


def test_quick_mode_warns_and_draws_no_verdicts(tmp_path):
    markdown, page = _write(tmp_path, quick=True)
    for text in (markdown, page):
        assert "Quick mode (quick: 120 entities per task, at most 48 events each, 30 fine-tuning steps)" in text
        assert "numbers are noise" in text
        for verdict in ("Where LLM4ES stands", "helps", "hurts", "loses to", "beats", "ties with"):
            assert verdict not in text
    assert '<p class="banner">' in page and "<b>0." not in page and "**0." not in markdown
    assert page.index("numbers are noise") < page.index("<table>")


def test_score_bars_start_at_zero():
    results = [{"method": m, "mean": 0.7 + 0.05 * i, "std": 0.01} for i, m in enumerate(METHODS)]
    axes = bar_figure("berka-default", "roc_auc", results).axes[0]
    assert axes.get_xlim() == (0.0, 1.0)


def test_pca_legend_says_what_each_label_means():
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(40, 4)), index=[f"e{i}" for i in range(40)])
    labels = pd.Series([i % 2 for i in range(40)], index=features.index)
    named = projection_figure(
        "berka-default", "m", features, labels, {"class_names": {"0": "repaid", "1": "defaulted"}}
    )
    assert [t.get_text() for t in named.axes[0].get_legend().get_texts()] == ["repaid", "defaulted"]
    unnamed = projection_figure("old-folder", "m", features, labels, {})
    assert [t.get_text() for t in unnamed.axes[0].get_legend().get_texts()] == ["label 0", "label 1"]


def test_minilm_coverage_counts_whole_event_lines_in_its_window():
    """MiniLM's window keeps the header and the newest tokens: an event line cut at its start is dropped."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    from llm4es_training.benchmark import sentence_encoder

    words = ["[UNK]", "[CLS]", "[SEP]", "h", "a", "b", "c", "d"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    text = "h\n" + "\n".join(["a b c d"] * 100)  # 400 event tokens, 256 - 2 - 1 = 253 fit
    ids, kept = sentence_encoder._token_ids(tokenizer, text)
    assert len(ids) == 256 and kept == 63  # 253 tokens: 63 whole lines of 4, and the end of one more
    ids, kept = sentence_encoder._token_ids(tokenizer, "h\n" + "\n".join(["a b c d", "a"] * 3))
    assert kept == 6 and len(ids) == 2 + 1 + 15
