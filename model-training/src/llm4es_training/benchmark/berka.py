"""Berka / PKDD'99 tasks: owner age group and loan default from an account's transactions."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .datasets import dataset_file
from .task import Field, Task

DATASET = "berka_pkdd99"
# Codes are already English in transactions.csv, so no dictionaries are needed. Left out:
# trans_id and partner_account (identifiers), partner_bank (opaque two-letter codes, 80 % empty)
# and source (an artefact of how the subsample was assembled).
FIELDS = [
    Field("date", "time", format="yyyy-MM-dd"),
    Field("type", "category"),
    Field("operation", "category"),
    Field("k_symbol", "category", label="purpose"),
    Field("amount", "number", format="0.00"),
    Field("balance", "number", format="0.00"),
]


def _tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    accounts = pd.read_csv(dataset_file(root, DATASET, "accounts.csv"))
    transactions = pd.read_csv(dataset_file(root, DATASET, "transactions.csv"))
    return accounts, transactions


def _events(transactions: pd.DataFrame) -> pd.DataFrame:
    events = pd.DataFrame({"entity_id": transactions["account_id"], "ts": transactions["date"]})
    for f in FIELDS:
        events[f.name] = transactions[f.name]
    return events.reset_index(drop=True)


def age_groups(ages: pd.Series, edges) -> dict[int, str]:
    """Quartile k holds ages in (edges[k], edges[k + 1]], the first also its lower edge: for whole
    years, the first age of a later group is the year after its lower edge."""
    whole = bool((ages % 1 == 0).all())
    names = {}
    for k, (low, high) in enumerate(zip(edges[:-1], edges[1:])):
        first = low if k == 0 else (math.floor(low) + 1 if whole else low)
        names[k] = f"age group {k} ({'' if k == 0 or whole else '>'}{first:g}–{high:g})"
    return names


def load_berka_age(root: Path) -> Task:
    accounts, transactions = _tables(root)
    accounts = accounts[accounts["n_transactions"] > 0]
    quartile, edges = pd.qcut(accounts["owner_age_at_1999"], 4, labels=False, retbins=True)
    labels = pd.Series(quartile.to_numpy(), index=accounts["account_id"].to_numpy(), name="label")
    return Task(
        id="berka-age",
        dataset=DATASET,
        metric="accuracy",
        events=_events(transactions[transactions["account_id"].isin(labels.index)]),
        labels=labels,
        fields=FIELDS,
        class_names=age_groups(accounts["owner_age_at_1999"], edges),
        notes={
            "entity": "account with n_transactions > 0",
            "label": "quartile of owner_age_at_1999 over these accounts (0 = youngest); a class holds ages "
            "in (lower edge, upper edge], the first also its lower edge",
            "label_bin_edges": [float(e) for e in edges],
        },
    )


def load_berka_default(root: Path) -> Task:
    accounts, transactions = _tables(root)
    accounts = accounts[accounts["trans_source"] == "loan_accounts_preloan"]
    loan_date = transactions["account_id"].map(accounts.set_index("account_id")["loan_date"])
    candidates = transactions[loan_date.notna()]
    # Only the history before the loan is granted; ISO dates compare correctly as strings.
    before_loan = candidates["date"] < loan_date[loan_date.notna()]
    labels = accounts.set_index("account_id")["loan_default"].astype(int).rename("label")
    return Task(
        id="berka-default",
        dataset=DATASET,
        metric="roc_auc",
        events=_events(candidates[before_loan]),
        labels=labels,
        fields=FIELDS,
        class_names={0: "repaid", 1: "defaulted"},
        notes={
            "entity": "account with trans_source = loan_accounts_preloan",
            "label": "loan_default (loan status B or D)",
            "leakage_rule": "only transactions dated strictly before loan_date",
            "events_removed_by_leakage_rule": int((~before_loan).sum()),
        },
    )
