"""The compact form of a task's serializer config: the `compact` rendering of the Java serializer
(header once, values joined by `|`, time as gaps), with amounts in two significant digits. Only
the config is derived here; the text itself is always the Java serializer's."""

from __future__ import annotations

from ..recipe import recipe_serializer

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


def compact_serializer(serializer: dict, task: dict, recipe: dict | None = None) -> dict:
    """`serializer` (a task's serializer.json) in the compact rendering; `task` is its task.json.
    With a recipe (recipe.load_recipe), its rendering, significant digits and context (as
    max_tokens), the digits on the short numbers alone."""
    recipe = recipe or {"serializer": {"rendering": "compact", "significant_digits": SIGNIFICANT_DIGITS}}
    short = SHORT_NUMBERS.get(task["dataset"], ())
    exact = tuple(f["name"] for f in serializer["fields"] if f.get("role") == "number" and f["name"] not in short)
    config = recipe_serializer(recipe, serializer, exact)
    inside = {f.get("multi_value_separator") for f in task["fields"]}
    config["header_separator"] = next(s for s in SEPARATORS if s not in inside)
    return config
