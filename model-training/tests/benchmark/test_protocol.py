"""The evaluation protocol on synthetic features: signal beats noise, results are reproducible,
and features must cover exactly the labelled entities."""

import numpy as np
import pandas as pd
import pytest

from llm4es_training.benchmark.protocol import evaluate, features_frame, load_features
from llm4es_training.benchmark.split import fixed_split


def _labels(y: np.ndarray) -> pd.DataFrame:
    labels = pd.Series(y, index=[f"u{i:04d}" for i in range(len(y))])
    return pd.DataFrame(
        {"entity_id": labels.index, "label": labels.to_numpy(), "split": fixed_split(labels).to_numpy()}
    )


def _informative(y: np.ndarray, rng, noise: float) -> np.ndarray:
    signal = y[:, None] + rng.normal(0, noise, size=(len(y), 3))
    return np.hstack([signal, rng.normal(size=(len(y), 5))])


def test_informative_features_beat_noise_for_roc_auc():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    labels = _labels(y)
    good = evaluate(features_frame(labels["entity_id"], _informative(y, rng, 0.8)), labels, "roc_auc")
    noise = evaluate(features_frame(labels["entity_id"], rng.normal(size=(400, 8))), labels, "roc_auc")
    assert good["mean"] > 0.8 and abs(noise["mean"] - 0.5) < 0.15 and good["mean"] > noise["mean"] + 0.2
    assert len(good["fold_test_scores"]) == 5 and good["n_test"] == 80 and good["n_features"] == 8


def test_informative_features_beat_noise_for_accuracy():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=250)
    labels = _labels(y)
    good = evaluate(features_frame(labels["entity_id"], _informative(y, rng, 0.5)), labels, "accuracy")
    noise = evaluate(features_frame(labels["entity_id"], rng.normal(size=(250, 8))), labels, "accuracy")
    assert good["mean"] > 0.7 and noise["mean"] < 0.5


def test_results_are_reproducible_and_independent_of_feature_row_order():
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.5).astype(int)
    labels = _labels(y)
    features = features_frame(labels["entity_id"], _informative(y, rng, 1.0))
    first = evaluate(features, labels, "roc_auc")
    second = evaluate(features.sample(frac=1, random_state=3), labels, "roc_auc")
    assert first["fold_test_scores"] == second["fold_test_scores"]


def test_features_must_cover_exactly_the_labelled_entities(tmp_path):
    rng = np.random.default_rng(3)
    labels = _labels((rng.random(100) < 0.5).astype(int))
    features = features_frame(labels["entity_id"], rng.normal(size=(100, 2)))
    with pytest.raises(ValueError, match="1 labelled entities missing"):
        evaluate(features.iloc[1:], labels, "roc_auc")
    with pytest.raises(ValueError, match="1 unknown"):
        evaluate(pd.concat([features, features_frame(["stranger"], [[0.0, 0.0]])]), labels, "roc_auc")
    with pytest.raises(ValueError, match="binary"):
        evaluate(features, labels.assign(label=np.arange(100) % 3), "roc_auc")
    path = tmp_path / "embeddings.csv"
    features.set_axis(["e0", "e1"], axis=1).to_csv(path)
    assert load_features(path).shape == (100, 2)
