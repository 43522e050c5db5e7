"""The evaluation protocol on synthetic features: signal beats noise, results are reproducible,
and features must cover exactly the labelled entities."""

import numpy as np
import pandas as pd
import pytest

from llm4es_training.benchmark.protocol import (
    LGB_PARAMS,
    evaluate,
    evaluate_repeated,
    evaluate_validation,
    features_frame,
    fold_scores,
    load_features,
)
from llm4es_training.benchmark.report import repeated_paired_difference
from llm4es_training.benchmark.split import REPEAT_SEEDS, fixed_split, repeated_split, validation_split


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


# --- repeated splits (noise) and the validation split (choosing settings) ----------------------


def test_repeated_splits_are_stratified_seeded_and_include_the_fixed_one():
    rng = np.random.default_rng(4)
    labels = pd.Series((rng.random(500) < 0.2).astype(int), index=[f"u{i:04d}" for i in range(500)])
    splits = {seed: repeated_split(labels, seed) for seed in REPEAT_SEEDS}
    tests = [set(s.index[s == "test"]) for s in splits.values()]
    assert all(len(t) == 100 for t in tests) and len({frozenset(t) for t in tests}) == len(REPEAT_SEEDS)
    for s in splits.values():
        assert labels[s == "test"].mean() == pytest.approx(labels.mean(), abs=0.01)  # stratified
    assert repeated_split(labels.sample(frac=1, random_state=1), 3).equals(splits[3])  # row order does not matter
    assert repeated_split(labels, 42).equals(fixed_split(labels))


def test_repeated_evaluation_pairs_methods_by_split_and_fold():
    rng = np.random.default_rng(5)
    y = (rng.random(300) < 0.4).astype(int)
    labels = _labels(y)
    ids = labels["entity_id"]
    good = features_frame(ids, _informative(y, rng, 0.9))
    noise = features_frame(ids, rng.normal(size=(300, 8)))
    a, b = evaluate_repeated(good, labels, "roc_auc"), evaluate_repeated(noise, labels, "roc_auc")
    assert list(a["fold_test_scores"]) == [str(s) for s in REPEAT_SEEDS]
    assert all(len(scores) == 5 for scores in a["fold_test_scores"].values())
    assert evaluate_repeated(good.sample(frac=1, random_state=2), labels, "roc_auc") == a
    delta = repeated_paired_difference(a, b)
    assert delta["pairs"] == 25 and delta["mean"] > 0.2 and delta["std_of_seed_means"] < delta["mean"]
    same = repeated_paired_difference(a, a)
    assert same["mean"] == same["std"] == same["std_of_seed_means"] == 0.0
    # the fixed split is not among them: its test scores differ from every repeated split's
    assert all(evaluate(good, labels, "roc_auc")["fold_test_scores"] != s for s in a["fold_test_scores"].values())


def test_test_rows_never_reach_a_fold_model():
    """What the folds' models are fitted on: changing the test rows' features and labels changes
    no validation-fold score."""
    rng = np.random.default_rng(6)
    y = (rng.random(200) < 0.5).astype(int)
    X = _informative(y, rng, 0.8)
    test = rng.random(200) < 0.2
    params = {**LGB_PARAMS, "objective": "binary"}
    _, valid = fold_scores(X, y, test, "roc_auc", params)
    X2, y2 = X.copy(), y.copy()
    X2[test], y2[test] = rng.normal(size=(test.sum(), X.shape[1])) * 100, 1 - y[test]
    assert fold_scores(X2, y2, test, "roc_auc", params)[1] == valid


def test_the_validation_split_is_carved_from_train_entities_only():
    rng = np.random.default_rng(7)
    labels = _labels(rng.integers(0, 3, size=400))
    table = validation_split(labels)
    test_ids = set(labels.loc[labels["split"] == "test", "entity_id"])
    assert not test_ids & set(table["entity_id"])
    assert set(table["entity_id"]) == set(labels.loc[labels["split"] == "train", "entity_id"])
    assert (table["split"] == "test").sum() == 64  # 20 % of the 320 train entities
    assert validation_split(labels).equals(table) and not validation_split(labels, seed=1).equals(table)


def test_test_entities_never_reach_selection():
    """A setting chosen on the validation score: scrambling the test entities' features and labels
    (or leaving their features out) changes no validation score, so no choice can depend on them."""
    rng = np.random.default_rng(8)
    y = (rng.random(300) < 0.4).astype(int)
    labels = _labels(y)
    features = features_frame(labels["entity_id"], _informative(y, rng, 1.0))
    chosen = evaluate_validation(features, labels, "roc_auc")
    test = (labels["split"] == "test").to_numpy()
    scrambled_features = features.copy()
    scrambled_features.iloc[test] = rng.normal(size=(test.sum(), features.shape[1])) * 50
    scrambled_labels = labels.copy()
    scrambled_labels.loc[test, "label"] = 1 - scrambled_labels.loc[test, "label"]
    assert (
        evaluate_validation(scrambled_features, scrambled_labels, "roc_auc")["fold_test_scores"]
        == (chosen["fold_test_scores"])
    )
    assert evaluate_validation(features[~test], labels, "roc_auc")["fold_test_scores"] == chosen["fold_test_scores"]
    assert chosen["n_train"] + chosen["n_test"] == (~test).sum() and chosen["mean"] > 0.6
