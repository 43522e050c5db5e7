"""Synthea task: will a patient be diagnosed with diabetes (type 2 or prediabetes), from their
history before the diagnosis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .datasets import dataset_file
from .split import SEED
from .task import Field, Task

DATASET = "synthea_ma_1k"
# `code` is left out: `description` is its meaning, and a code can carry up to three descriptions.
FIELDS = [
    Field("date", "time", format="yyyy-MM-dd"),
    Field("table", "category", label="kind"),
    Field("description", "category", label="event"),
    Field("encounter_class", "category", label="encounter class"),
    Field("reason", "category"),
    Field("cost", "number", format="0.00"),
]


def mentions_diabetes(events: pd.DataFrame) -> pd.Series:
    """Condition events whose description names any form of diabetes (prediabetes included)."""
    return (events["table"] == "condition") & events["description"].str.contains("diabet", case=False, na=False)


def cutoffs(patients: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per patient: label and cut-off time. Positives are cut at their first diabetes condition;
    negatives at an age drawn from the positives' cut-off ages, so age at the cut-off does not
    give the label away."""
    patients = patients.sort_values("patient_id")
    birth = pd.to_datetime(patients.set_index("patient_id")["BIRTHDATE"], utc=True)
    positive = ((patients["dx_diabetes_t2"] == 1) | (patients["dx_prediabetes"] == 1)).to_numpy()
    first_mention = events[mentions_diabetes(events)].groupby("patient_id")["ts"].min()
    pos_ids = patients["patient_id"][positive]
    undiagnosed = pos_ids[~pos_ids.isin(first_mention.index)]
    if len(undiagnosed):
        raise ValueError(
            f"{len(undiagnosed)} positive patients have no diabetes condition event, e.g. "
            f"{undiagnosed.iloc[0]}: the cut-off rule cannot place them"
        )
    pos_cutoff = first_mention[pos_ids].to_numpy()
    pos_age = pos_cutoff - birth[pos_ids].to_numpy()
    neg_ids = patients["patient_id"][~positive]
    neg_age = np.random.default_rng(SEED).choice(pos_age, size=len(neg_ids), replace=True)
    return pd.DataFrame(
        {
            "patient_id": np.concatenate([pos_ids.to_numpy(), neg_ids.to_numpy()]),
            "label": np.concatenate([np.ones(len(pos_ids), int), np.zeros(len(neg_ids), int)]),
            "cutoff": np.concatenate([pos_cutoff, birth[neg_ids].to_numpy() + neg_age]),
            "cutoff_age_days": np.concatenate([pos_age, neg_age]) / pd.Timedelta(days=1),
        }
    ).set_index("patient_id")


def load_synthea_diabetes(root: Path) -> Task:
    patients = pd.read_csv(dataset_file(root, DATASET, "patients.csv"))
    raw = pd.read_csv(dataset_file(root, DATASET, "events.csv.gz"), dtype={"code": str, "reason": str})
    raw["ts"] = pd.to_datetime(raw["timestamp"], utc=True, format="ISO8601")
    cut = cutoffs(patients, raw)
    before = raw["ts"] < raw["patient_id"].map(cut["cutoff"])
    kept = raw[before]
    with_history = cut.index.isin(kept["patient_id"])
    labels = cut["label"][with_history]
    events = pd.DataFrame(
        {
            "entity_id": kept["patient_id"],
            "ts": kept["timestamp"],
            "date": kept["timestamp"],
            **{f.name: kept[f.name] for f in FIELDS if f.role != "time"},
        }
    ).reset_index(drop=True)
    mentioning = set(events[mentions_diabetes(events)]["entity_id"])
    negatives_mentioning = int(labels[labels.index.isin(mentioning)].eq(0).sum())
    return Task(
        id="synthea-diabetes",
        dataset=DATASET,
        metric="roc_auc",
        events=events,
        labels=labels,
        fields=FIELDS,
        class_names={0: "no diabetes diagnosis", 1: "diabetes or prediabetes"},
        notes={
            "entity": "patient with at least one event before their cut-off",
            "label": "dx_diabetes_t2 or dx_prediabetes",
            "leakage_rule": "events strictly before the cut-off: for positives the first condition whose "
            "description mentions diabetes; for negatives birth date + an age drawn with "
            f"numpy default_rng({SEED}), with replacement, from all positives' cut-off ages "
            "(patients sorted by patient_id)",
            "events_removed_by_leakage_rule": int((~before).sum()),
            "patients_excluded_no_event_before_cutoff": {
                str(k): int(v) for k, v in cut["label"][~with_history].value_counts().sort_index().items()
            },
            "cutoff_age_years_quartiles": {
                str(k): [round(float(q) / 365.25, 1) for q in g.quantile([0.25, 0.5, 0.75])]
                for k, g in cut["cutoff_age_days"][with_history].groupby(cut["label"][with_history])
            },
            # Negatives' cut-offs often fall after the data ends (young patients), positives' before
            # the 10-year export window: history length and dates differ by label, by this rule.
            "cutoff_year_quartiles": {
                str(k): [round(float(q), 1) for q in g.dt.year.quantile([0.25, 0.5, 0.75])]
                for k, g in cut["cutoff"][with_history].groupby(cut["label"][with_history])
            },
            # Some negatives have diabetic complications (e.g. kidney disorder due to diabetes) whose
            # diagnosis predates Synthea's 10-year export window: label noise kept as TASKS.md defines it.
            "negatives_with_diabetes_condition_before_cutoff": negatives_mentioning,
        },
    )
