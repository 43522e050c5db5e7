"""The leakage rules of TASKS.md, checked on the real datasets against their raw files."""

import numpy as np
import pandas as pd

from llm4es_training.benchmark.split import SEED
from llm4es_training.benchmark.synthea import cutoffs

OUTCOME_ACTIVITIES = {"A_APPROVED", "A_DECLINED", "A_CANCELLED"}


def test_bpic_keeps_the_first_five_events_of_cases_with_five_before_the_outcome(real_task, datasets):
    task = real_task("bpic-approved")
    cases = pd.read_csv(datasets / "bpic2012" / "bpic2012_cases.csv").set_index("case_id")
    log = pd.read_csv(datasets / "bpic2012" / "bpic2012_events.csv.gz", dtype={"resource": str})

    eligible = cases[(cases["outcome"] != "running") & (cases["outcome_event_idx"] >= 5)].index
    assert set(task.labels.index) == set(eligible)
    assert (task.labels == cases.loc[task.labels.index, "label_approved"]).all()

    per_case = task.events.groupby("entity_id").size()
    assert (per_case == 5).all()
    assert not task.events["activity"].isin(OUTCOME_ACTIVITIES).any()

    kept = task.events.merge(
        log,
        left_on=["entity_id", "time", "activity", "lifecycle"],
        right_on=["case_id", "timestamp", "activity", "lifecycle"],
        how="left",
    )
    assert len(kept) == len(task.events) and kept["event_idx"].notna().all()
    assert (kept["event_idx"] < 5).all()
    assert (kept["event_idx"] < kept["entity_id"].map(cases["outcome_event_idx"])).all()
    # The kept events also precede the outcome event in time.
    by_idx = log.set_index(["case_id", "event_idx"])["timestamp"]
    outcome_keys = list(zip(kept["entity_id"], kept["entity_id"].map(cases["outcome_event_idx"])))
    outcome = pd.to_datetime(by_idx.loc[outcome_keys].to_numpy(), utc=True, format="ISO8601")
    kept_time = pd.to_datetime(kept["time"], utc=True, format="ISO8601").to_numpy()
    assert (kept_time < outcome).all()


def test_bpic_ts_is_utc_and_sorts_like_the_log(real_task):
    events = real_task("bpic-approved").events
    assert events["ts"].str.endswith("Z").all()
    local = pd.to_datetime(events["time"], utc=True, format="ISO8601")
    assert (pd.to_datetime(events["ts"], utc=True, format="ISO8601") == local).all()


def _first_diabetes_condition(events: pd.DataFrame) -> pd.Series:
    mask = (events["table"] == "condition") & events["description"].str.lower().str.contains("diabet", na=False)
    return pd.to_datetime(events[mask].groupby("patient_id")["timestamp"].min(), utc=True)


def test_synthea_has_no_event_at_or_after_the_cutoff(real_task, datasets):
    task = real_task("synthea-diabetes")
    patients = pd.read_csv(datasets / "synthea_ma_1k" / "patients.csv")
    raw = pd.read_csv(datasets / "synthea_ma_1k" / "events.csv.gz", dtype={"code": str, "reason": str})
    raw["ts"] = pd.to_datetime(raw["timestamp"], utc=True)
    cut = cutoffs(patients, raw)

    positive = patients.set_index("patient_id").eval("dx_diabetes_t2 == 1 or dx_prediabetes == 1")
    assert (task.labels == positive[task.labels.index].astype(int)).all()
    first = _first_diabetes_condition(raw)
    positives = cut.index[cut["label"] == 1]
    assert (cut.loc[positives, "cutoff"] == first[positives]).all()

    last = pd.to_datetime(task.events.groupby("entity_id")["ts"].max(), utc=True)
    assert (last < cut.loc[last.index, "cutoff"]).all()
    # (A "urine screening test for diabetes" procedure may precede the diagnosis; it is no leak.)
    kept_positive = task.events[
        (task.events["entity_id"].map(task.labels) == 1) & (task.events["table"] == "condition")
    ]
    assert not kept_positive["description"].str.lower().str.contains("diabet", na=False).any()

    # Entities are exactly the patients with at least one event before their cut-off.
    has_history = raw["ts"] < raw["patient_id"].map(cut["cutoff"])
    assert set(task.labels.index) == set(raw.loc[has_history, "patient_id"])


def test_synthea_negative_cutoff_ages_are_drawn_from_the_positives(datasets):
    patients = pd.read_csv(datasets / "synthea_ma_1k" / "patients.csv")
    raw = pd.read_csv(
        datasets / "synthea_ma_1k" / "events.csv.gz", usecols=["patient_id", "timestamp", "table", "description"]
    )
    raw["ts"] = pd.to_datetime(raw["timestamp"], utc=True)
    cut = cutoffs(patients, raw)
    pos_ages = cut.loc[cut["label"] == 1, "cutoff_age_days"]
    neg = cut[cut["label"] == 0]
    assert neg["cutoff_age_days"].isin(set(pos_ages)).all()
    expected = np.random.default_rng(SEED).choice(pos_ages.to_numpy(), size=len(neg), replace=True)
    assert np.array_equal(neg.sort_index()["cutoff_age_days"].to_numpy(), expected)
    birth = pd.to_datetime(patients.set_index("patient_id")["BIRTHDATE"], utc=True)
    assert (neg["cutoff"] == birth[neg.index] + pd.to_timedelta(neg["cutoff_age_days"], unit="D")).all()
    assert cut.equals(cutoffs(patients.sample(frac=1, random_state=1), raw))


def test_berka_default_uses_only_transactions_before_the_loan(real_task, datasets):
    task = real_task("berka-default")
    accounts = pd.read_csv(datasets / "berka_pkdd99" / "accounts.csv").set_index("account_id")
    assert len(task.labels) == 354 and int(task.labels.sum()) == 30
    loan_date = task.events["entity_id"].map(accounts["loan_date"])
    assert loan_date.notna().all()
    assert (task.events["date"] < loan_date).all()


def test_berka_age_labels_are_quartiles_of_the_accounts_with_transactions(real_task):
    task = real_task("berka-age")
    assert len(task.labels) == 1583
    shares = task.labels.value_counts(normalize=True)
    assert sorted(shares.index) == [0, 1, 2, 3] and shares.between(0.22, 0.28).all()


def test_movielens_keeps_every_rating_and_user(real_task, datasets):
    task = real_task("movielens-gender")
    assert len(task.events) == 100_000 and len(task.labels) == 943
    assert int(task.labels.sum()) == 273  # female users
    assert task.events["genres"].str.len().gt(0).all()
