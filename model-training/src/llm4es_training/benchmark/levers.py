"""`llm4es-train levers --recipe SEARCH.json... --lever SEARCH.json...` (or `python -m
llm4es_training.benchmark.levers`): a training lever (another step count, context, learning
rate, model shape, several renderings averaged: `search --max-steps N` / `--context N` / `--lr X` /
`--shape HxL` / `--renderings R1 R2`) read
against the recipe's own model, seed by seed, on the validation split only.

Each side is one or more `search.json` of one configuration (a side's seeds may come from several
searches: seed 0 from one, seeds 1 and 2 from another). Each seed's reading is its default
variant's validation score minus the aggregates', averaged over the tasks; both sides must hold
the same tasks, seeds and default variant (`--seeds` reads only the seeds named, which both must
hold: a lever read on one seed against the recipe's three is a lead, never a choice). The lever
replaces the recipe's setting by search's own rule (`search.choose`): only if it wins on every seed
by a mean gain larger than the gain's spread over seeds, and over at least MIN_SEEDS seeds, so that
one lucky seed does not change what users get.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ..arguments import ArgumentParser
from .artifacts import read_json
from .search import choose

RECIPE, LEVER = "recipe", "lever"
MIN_SEEDS = 3
TRAINING = ("context", "max_steps", "lr", "shape", "renderings")
CONFIG = ("tasks", "default", *TRAINING)
# settings that searches written before their option lack: those searches ran the recipe's
OPTIONAL = ("lr", "shape", "renderings")


def configuration(search: dict) -> dict:
    return {k: search.get(k) if k in OPTIONAL else search[k] for k in CONFIG}


def side(searches: list[dict]) -> dict:
    """One configuration's readings, seed by seed: {"tasks", "default", "context", "max_steps", "lr",
    "shape", "validation": {task: {seed: score}}}, merged from its searches (a seed read twice is
    refused: which reading would count?). `lr` and `shape` are the search's `--lr` and `--shape`,
    None for the recipe's own (searches written before those options have neither)."""
    config = configuration(searches[0])
    validation: dict[str, dict[str, float]] = {t: {} for t in config["tasks"]}
    for search in searches:
        other = configuration(search)
        if other != config:
            raise SystemExit(f"one side mixes configurations: {config} and {other}")
        for t in config["tasks"]:
            for seed, scores in search["validation"][t].items():
                if seed in validation[t]:
                    raise SystemExit(f"seed {seed} is read twice on one side ({t})")
                validation[t][seed] = scores[config["default"]]
    return {**config, "validation": validation}


def compare(recipe: list[dict], lever: list[dict], only: list[int] | None = None) -> dict:
    """The lever against the recipe: per seed and per task, and the choice by search's rule.
    `only`: read these seeds of each side (each side must hold them), e.g. a lever read on one
    seed against the recipe's three."""
    a, b = side(recipe), side(lever)
    for key in ("tasks", "default"):
        if a[key] != b[key]:
            raise SystemExit(f"the two sides differ in {key}: {a[key]} and {b[key]}")
    tasks = a["tasks"]
    held = {name: sorted(s["validation"][tasks[0]], key=int) for name, s in ((RECIPE, a), (LEVER, b))}
    if only is not None:
        seeds = [str(x) for x in sorted(set(only))]
        missing = {name: lack for name, v in held.items() if (lack := sorted(set(seeds) - set(v), key=int))}
        if missing:
            raise SystemExit(f"--seeds {' '.join(seeds)}: not read by {missing}")
    elif held[RECIPE] != held[LEVER]:
        raise SystemExit(
            f"the two sides read other seeds: {held[RECIPE]} and {held[LEVER]} (--seeds picks common ones)"
        )
    else:
        seeds = held[RECIPE]
    per_task = {
        t: {name: [s["validation"][t][seed] for seed in seeds] for name, s in ((RECIPE, a), (LEVER, b))} for t in tasks
    }
    per_seed = {name: np.mean([per_task[t][name] for t in tasks], axis=0).tolist() for name in (RECIPE, LEVER)}
    gain = np.subtract(per_seed[LEVER], per_seed[RECIPE])
    _, chosen = choose(per_seed, RECIPE) if len(seeds) >= MIN_SEEDS else (None, RECIPE)
    return {
        "tasks": tasks,
        "seeds": [int(s) for s in seeds],
        "default": a["default"],
        RECIPE: {k: a[k] for k in TRAINING},
        LEVER: {k: b[k] for k in TRAINING},
        "per_task": per_task,
        "per_seed": per_seed,
        "gain": spread(gain),
        # read as leads only: the rule chooses on the mean over tasks
        "gain_per_task": {t: spread(np.subtract(per_task[t][LEVER], per_task[t][RECIPE])) for t in tasks},
        "chosen": chosen,
    }


def spread(gain: np.ndarray) -> dict:
    return {"per_seed": gain.tolist(), "mean": float(gain.mean()), "std": float(gain.std())}


def label(training: dict) -> str:
    lr = "" if training.get("lr") is None else f", lr {training['lr']:g}"
    shape = "" if training.get("shape") is None else ", {}x{}".format(*training["shape"])
    views = "" if training.get("renderings") is None else ", " + " + ".join(training["renderings"]) + " averaged"
    return f"{training['context']} tokens, {training['max_steps']} steps{lr}{shape}{views}"


def markdown(result: dict) -> str:
    names = {name: f"{name} ({label(result[name])})" for name in (RECIPE, LEVER)}
    seeds = result["seeds"]
    lines = [
        "| validation, variant − aggregates | "
        + " | ".join(result["tasks"])
        + " | mean | "
        + " | ".join(f"seed {s}" for s in seeds)
        + " |",
        "|---" * (len(result["tasks"]) + 2 + len(seeds)) + "|",
    ]
    for name in (RECIPE, LEVER):
        cells = [f"{np.mean(result['per_task'][t][name]):+.3f}" for t in result["tasks"]]
        per_seed = result["per_seed"][name]
        lines.append(
            f"| {names[name]} | "
            + " | ".join(cells)
            + f" | {np.mean(per_seed):+.4f} | "
            + " | ".join(f"{v:+.4f}" for v in per_seed)
            + " |"
        )
    g = result["gain"]
    lines.append("")
    lines.append(
        f"gain per seed {', '.join(f'{v:+.4f}' for v in g['per_seed'])}: mean {g['mean']:+.4f} ± {g['std']:.4f}; "
        f"chosen: {result['chosen']}"
    )
    by_task = result["gain_per_task"]
    lines.append("")
    lines.append("gain per task: " + ", ".join(f"{t} {g['mean']:+.4f} ± {g['std']:.4f}" for t, g in by_task.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.levers") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", type=Path, nargs="+", required=True, help="search.json of the recipe's model")
    parser.add_argument("--lever", type=Path, nargs="+", required=True, help="search.json of the lever's model")
    parser.add_argument(
        "--seeds", type=int, nargs="+", help="read only these seeds of both sides (fewer than 3: no choice is made)"
    )
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON instead of tables")
    args = parser.parse_args(argv)
    result = compare([read_json(p) for p in args.recipe], [read_json(p) for p in args.lever], args.seeds)
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
