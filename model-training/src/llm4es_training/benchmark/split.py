"""The fixed test split of TASKS.md and the seeded, stratified subsample of quick mode."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

TEST_SIZE = 0.2
# The benchmark's one seed: the test split, the quick-mode subsample, the protocol's folds and
# LightGBM, and Synthea's drawn cut-offs; changing it changes which entities every method sees.
SEED = 42


def fixed_split(labels: pd.Series) -> pd.Series:
    """'train' or 'test' per entity: stratified 20 % test, seed 42, over entities in id order, so
    the same ids land in the test part on every run."""
    labels = labels.sort_index()
    _, test_ids = train_test_split(
        labels.index.to_numpy(), test_size=TEST_SIZE, stratify=labels.to_numpy(), random_state=SEED
    )
    return pd.Series(np.where(labels.index.isin(test_ids), "test", "train"), index=labels.index, name="split")


def stratified_subsample(strata: pd.Series, n: int, seed: int = SEED) -> pd.Index:
    """n entities keeping each stratum's share (largest remainder), drawn with a seeded generator.
    Strata are e.g. (split, label), so the subsample's test part is a subset of the full test part."""
    if n >= len(strata):
        return strata.index
    strata = strata.sort_index()
    sizes = strata.value_counts().sort_index()
    quota = sizes * n / len(strata)
    take = np.floor(quota).astype(int)
    remainder_order = (quota - take).sort_values(ascending=False, kind="stable").index
    take[remainder_order[: n - take.sum()]] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(strata.index[strata == s].to_numpy(), size=k, replace=False) for s, k in take.items()]
    return pd.Index(np.concatenate(chosen)).sort_values()
