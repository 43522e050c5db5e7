"""The report's verdicts in words: fold-paired differences, ties within one std."""

from llm4es_training.benchmark.report import paired_difference, standings


def _result(scores):
    return {"metric": "roc_auc", "mean": sum(scores) / len(scores), "std": 0.0, "fold_test_scores": scores}


def test_paired_difference_cancels_shared_fold_noise():
    a, b = _result([0.70, 0.80, 0.60, 0.75, 0.65]), _result([0.68, 0.78, 0.58, 0.73, 0.63])
    delta, spread = paired_difference(a, b)
    assert abs(delta - 0.02) < 1e-12 and spread < 1e-12


def test_standings_name_winner_loser_and_tie():
    results = {
        "loses": {"aggregates": _result([0.80, 0.82, 0.81, 0.79, 0.80]), "minilm": _result([0.60] * 5),
                  "llm4es-stories260k-ft": _result([0.70, 0.71, 0.69, 0.70, 0.72]),
                  "llm4es-random": _result([0.95] * 5),
                  "llm4es+aggregates": _result([0.80, 0.82, 0.81, 0.79, 0.80])},
        "wins": {"aggregates": _result([0.60] * 5), "llm4es-scratch-ft": _result([0.70, 0.72, 0.70, 0.71, 0.69])},
        "ties": {"minilm": _result([0.70, 0.60, 0.70, 0.60, 0.70]),
                 "llm4es-stories260k": _result([0.60, 0.70, 0.60, 0.70, 0.71])},
    }
    lines = standings(results)
    assert lines[0].startswith("- loses: llm4es-stories260k-ft loses to aggregates")  # random weights never count
    assert "(no effect beyond noise)" in lines[0]
    assert lines[1].startswith("- wins: llm4es-scratch-ft beats aggregates")
    assert lines[2].startswith("- ties: llm4es-stories260k ties with minilm")
