"""The pytorch-lifestream evaluation protocol: LightGBM on per-entity features, 5-fold stratified
CV on the train part, every fold's model scored on the fixed test split, mean ± std.
ROC-AUC for binary labels, accuracy for multi-class."""

from __future__ import annotations

import os
import time
from pathlib import Path

# LightGBM's OpenMP threads spin while they wait; with other work on this 2-core machine that
# made berka-age ten times slower (171 s against 17 s with 1 thread, 35 s passive). The policy is
# read when libgomp loads, so it is set before lightgbm is imported; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from .split import REPEAT_SEEDS, SEED, repeated_split, validation_split
from .task_folder import read_labels, read_task

N_FOLDS = 5
# A fixed number of trees, as ptls does: early stopping on a held-out fold of 60-1,500 entities
# picks a noisy round count. Small, regularised trees (ptls uses 500 trees at 0.02 on larger
# data) for a few hundred to ~13k entities on 2 cores; deterministic + seed: reruns are identical.
N_ROUNDS = 300
LGB_PARAMS = {
    "learning_rate": 0.03,
    "num_leaves": 15,
    "max_depth": 6,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.75,
    "bagging_fraction": 0.75,
    "bagging_freq": 1,
    "lambda_l1": 1.0,
    "lambda_l2": 1.0,
    # OMP_NUM_THREADS where set, so that two jobs on two cores do not oversubscribe them (the
    # scores do not depend on it: deterministic, column-wise histograms).
    "num_threads": int(os.environ.get("OMP_NUM_THREADS") or 2),
    "seed": SEED,
    "deterministic": True,
    "force_col_wise": True,
    "verbose": -1,
}


def features_frame(ids, matrix: np.ndarray, prefix: str = "f") -> pd.DataFrame:
    """A features table from entity ids and a [n_entities, n_features] array."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or len(matrix) != len(ids):
        raise ValueError(f"features must be [n_entities={len(ids)}, n_features], got shape {matrix.shape}")
    return pd.DataFrame(
        matrix,
        index=pd.Index([str(i) for i in ids], name="entity_id"),
        columns=[f"{prefix}{j}" for j in range(matrix.shape[1])],
    )


def average(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Each entity's vectors averaged over several embeddings of the same entities (seeds, renderings)."""
    first = tables[0]
    for t in tables[1:]:
        if not (t.index.equals(first.index) and t.columns.equals(first.columns)):
            raise SystemExit("the embeddings to average cover other entities or dimensions")
    return pd.DataFrame(np.mean([t.to_numpy() for t in tables], axis=0), index=first.index, columns=first.columns)


def load_features(path: Path) -> pd.DataFrame:
    """A CSV of `entity_id` then one column per feature (e.g. embeddings.csv: e0, e1, ...)."""
    table = pd.read_csv(path, dtype={"entity_id": str})
    if "entity_id" not in table.columns:
        raise ValueError(f"{path}: no entity_id column")
    if table["entity_id"].duplicated().any():
        raise ValueError(f"{path}: entity_id {table['entity_id'][table['entity_id'].duplicated()].iloc[0]} repeats")
    return table.set_index("entity_id").astype(float)


def _aligned(features: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Features in labels' order; a missing or an unknown entity is an error, never dropped."""
    ids = pd.Index(labels["entity_id"].astype(str))
    features = features.set_axis(features.index.astype(str))
    missing = ids.difference(features.index)
    unknown = features.index.difference(ids)
    if len(missing) or len(unknown):
        raise ValueError(
            f"features cover the wrong entities: {len(missing)} labelled entities missing "
            f"(e.g. {list(missing[:3])}), {len(unknown)} unknown (e.g. {list(unknown[:3])})"
        )
    return features.loc[ids]


def _score(metric: str, y: np.ndarray, proba: np.ndarray) -> float:
    if metric == "roc_auc":
        return float(roc_auc_score(y, proba))
    return float(accuracy_score(y, proba.argmax(axis=1)))


def _encoded(labels: pd.DataFrame, metric: str) -> tuple[np.ndarray, dict]:
    """Label codes and LightGBM's parameters for them."""
    classes, y = np.unique(labels["label"].to_numpy(), return_inverse=True)
    if metric == "roc_auc" and len(classes) != 2:
        raise ValueError(f"roc_auc needs a binary label, got {len(classes)} classes")
    params = dict(LGB_PARAMS)
    if len(classes) == 2:
        params |= {"objective": "binary"}
    else:
        params |= {"objective": "multiclass", "num_class": len(classes)}
    return y, params


def fold_scores(
    X: np.ndarray, y: np.ndarray, test: np.ndarray, metric: str, params: dict, seed: int = SEED
) -> tuple[list[float], list[float]]:
    """5-fold stratified CV on the rows outside `test`: (each fold's model scored on the test rows,
    scored on its own validation fold). Only the non-test rows are fitted on; the folds depend on
    the labels and the seed alone, so two feature sets on the same labels get the same folds."""
    X_train, y_train, X_test, y_test = X[~test], y[~test], X[test], y[test]
    test_scores, valid_scores = [], []
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    for fit_idx, valid_idx in folds.split(X_train, y_train):
        booster = lgb.train(params, lgb.Dataset(X_train[fit_idx], y_train[fit_idx]), num_boost_round=N_ROUNDS)
        valid_scores.append(_score(metric, y_train[valid_idx], booster.predict(X_train[valid_idx])))
        test_scores.append(_score(metric, y_test, booster.predict(X_test)))
    return test_scores, valid_scores


def evaluate(features: pd.DataFrame, labels: pd.DataFrame, metric: str) -> dict:
    """Runs the protocol; `labels` has entity_id, label, split (train|test) as in labels.csv."""
    X = _aligned(features, labels).to_numpy(dtype=float)
    y, params = _encoded(labels, metric)
    test = labels["split"].to_numpy() == "test"
    started = time.perf_counter()
    test_scores, valid_scores = fold_scores(X, y, test, metric, params)
    return {
        "metric": metric,
        "mean": float(np.mean(test_scores)),
        "std": float(np.std(test_scores)),
        "fold_test_scores": test_scores,
        "cv_mean": float(np.mean(valid_scores)),
        "cv_std": float(np.std(valid_scores)),
        "n_train": int((~test).sum()),
        "n_test": int(test.sum()),
        "n_features": X.shape[1],
        "seconds": round(time.perf_counter() - started, 2),
    }


def evaluate_repeated(features: pd.DataFrame, labels: pd.DataFrame, metric: str, seeds=REPEAT_SEEDS) -> dict:
    """The protocol on repeated stratified splits of all labelled entities (20 % test, one split
    per seed; the folds and LightGBM keep the protocol's seed): per seed, the 5 folds' test
    scores. The fixed split's `split` column is ignored: it is the protocol of record, these
    splits only measure how much a reading moves with the test set."""
    X = _aligned(features, labels).to_numpy(dtype=float)
    y, params = _encoded(labels, metric)
    ids = labels["entity_id"].astype(str)
    by_id = pd.Series(labels["label"].to_numpy(), index=ids)
    scores = {}
    for seed in seeds:
        test = (repeated_split(by_id, seed).loc[ids] == "test").to_numpy()
        scores[str(seed)] = fold_scores(X, y, test, metric, params)[0]
    return {"metric": metric, "seeds": list(seeds), "fold_test_scores": scores}


def evaluate_validation(features: pd.DataFrame, labels: pd.DataFrame, metric: str, seed: int = SEED) -> dict:
    """The protocol on the validation split (see split.validation_split): fitted and scored on
    train entities only. The features of test entities are dropped before anything reads them."""
    table = validation_split(labels, seed)
    features = features.set_axis(features.index.astype(str))
    return evaluate(features[features.index.isin(table["entity_id"].astype(str))], table, metric)


def evaluate_task(task_dir: Path, features: pd.DataFrame, name: str) -> dict:
    """The protocol on a task folder, labelled with the task and the method's name."""
    task = read_task(task_dir)
    return {"task": task["id"], "method": name, **evaluate(features, read_labels(task_dir), task["metric"])}


def describe(result: dict) -> str:
    return (
        f"{result['task']} {result['method']}: {result['metric']} {result['mean']:.4f} ± {result['std']:.4f} "
        f"(cv {result['cv_mean']:.4f}, {result['n_features']} features, {result['seconds']} s)"
    )
