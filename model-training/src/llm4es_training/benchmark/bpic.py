"""BPI Challenge 2012 task: will a loan application be approved, from its first five events."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .datasets import dataset_file
from .task import Field, Task

DATASET = "bpic2012"
PREFIX_EVENTS = 5
# English meanings of the log's activities (A_ application, O_ offer, W_ Dutch work items), after
# the BPIC 2012 documentation; all 24 are listed so the dictionary describes the log, not the task.
ACTIVITIES = {
    "A_SUBMITTED": "application submitted",
    "A_PARTLYSUBMITTED": "application partly submitted",
    "A_PREACCEPTED": "application pre-accepted",
    "A_ACCEPTED": "application accepted",
    "A_FINALIZED": "application finalized",
    "A_REGISTERED": "application registered",
    "A_APPROVED": "application approved",
    "A_ACTIVATED": "application activated",
    "A_DECLINED": "application declined",
    "A_CANCELLED": "application cancelled",
    "O_SELECTED": "offer selected",
    "O_CREATED": "offer created",
    "O_SENT": "offer sent",
    "O_SENT_BACK": "offer sent back",
    "O_ACCEPTED": "offer accepted",
    "O_DECLINED": "offer declined",
    "O_CANCELLED": "offer cancelled",
    "W_Afhandelen leads": "work item: handling leads",
    "W_Completeren aanvraag": "work item: completing the application",
    "W_Valideren aanvraag": "work item: validating the application",
    "W_Nabellen offertes": "work item: calling after sent offers",
    "W_Nabellen incomplete dossiers": "work item: seeking missing information",
    "W_Beoordelen fraude": "work item: assessing fraud",
    "W_Wijzigen contractgegevens": "work item: changing contract details",
}
LIFECYCLES = {"SCHEDULE": "scheduled", "START": "started", "COMPLETE": "completed"}
FIELDS = [
    Field("time", "time", format="yyyy-MM-dd HH:mm:ss"),
    Field("activity", "category", dictionary=ACTIVITIES),
    Field("lifecycle", "category", dictionary=LIFECYCLES),
    Field("resource", "category"),
    Field("amount_req", "number", label="amount requested", format="0"),
]


def load_bpic_approved(root: Path) -> Task:
    all_cases = pd.read_csv(dataset_file(root, DATASET, "bpic2012_cases.csv"))
    log = pd.read_csv(dataset_file(root, DATASET, "bpic2012_events.csv.gz"), dtype={"resource": str})
    finished = all_cases[all_cases["outcome"] != "running"]
    cases = finished[finished["outcome_event_idx"] >= PREFIX_EVENTS]
    outcome_idx = log["case_id"].map(cases.set_index("case_id")["outcome_event_idx"])
    # The first five events, and (the selection makes it implied, the rule states it) none at or
    # after the outcome event.
    kept = log[outcome_idx.notna() & (log["event_idx"] < PREFIX_EVENTS) & (log["event_idx"] < outcome_idx)]
    # The log mixes +01:00 and +02:00 (DST); ts in UTC sorts correctly as text. The time field
    # keeps the local time the log recorded.
    utc = pd.to_datetime(kept["timestamp"], utc=True, format="ISO8601")
    events = pd.DataFrame(
        {
            "entity_id": kept["case_id"],
            "ts": utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z",
            "time": kept["timestamp"],
            "activity": kept["activity"],
            "lifecycle": kept["lifecycle"],
            "resource": kept["resource"],
            "amount_req": kept["case_id"].map(cases.set_index("case_id")["amount_req"]),
        }
    ).reset_index(drop=True)
    labels = cases.set_index("case_id")["label_approved"].rename("label")
    return Task(
        id="bpic-approved",
        dataset=DATASET,
        metric="roc_auc",
        events=events,
        labels=labels,
        fields=FIELDS,
        class_names={0: "not approved", 1: "approved"},
        notes={
            "entity": f"case with outcome != running and at least {PREFIX_EVENTS} events before outcome_event_idx",
            "label": "label_approved (the trace has A_APPROVED)",
            "leakage_rule": f"only the first {PREFIX_EVENTS} events (event_idx < {PREFIX_EVENTS}), all before "
            "the outcome event; amount_req is a case attribute repeated on each event",
            "cases_running_excluded": len(all_cases) - len(finished),
            "cases_excluded_too_few_events_before_outcome": len(finished) - len(cases),
        },
    )
