"""The compact form of a task's serializer config: the `compact` rendering of the Java serializer
(header once, values joined by `|`, time as gaps), with amounts in two significant digits. Only
the config is derived here; the text itself is always the Java serializer's."""

from __future__ import annotations

import copy

# Number fields whose exact digits no label needs (amounts, balances, costs): two significant
# digits (12k, -1.2k). Years, ratings and counts stay exact.
SHORT_NUMBERS = {
    "berka_pkdd99": ("amount", "balance"),
    "bpic2012": ("amount_req",),
    "synthea_ma_1k": ("cost",),
}
SIGNIFICANT_DIGITS = 2
# The compact rendering joins values with the header separator; one that a value holds itself
# (MovieLens genres are joined by `|`) would blur the columns, so the next one is taken.
SEPARATORS = ("|", ";", "\t")


def compact_serializer(serializer: dict, task: dict) -> dict:
    """`serializer` (a task's serializer.json) in the compact rendering; `task` is its task.json."""
    inside = {f.get("multi_value_separator") for f in task["fields"]}
    config = copy.deepcopy(serializer)
    config["rendering"] = "compact"
    config["header_separator"] = next(s for s in SEPARATORS if s not in inside)
    dataset = task["dataset"]
    for field in config["fields"]:
        if field["name"] in SHORT_NUMBERS.get(dataset, ()):
            field.pop("format", None)  # significant_digits replaces it
            field["significant_digits"] = SIGNIFICANT_DIGITS
    return config
