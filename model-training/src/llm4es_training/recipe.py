"""Named training recipes: one JSON file per recipe in model-training/configs/recipes/, naming the
serializer options (rendering, significant digits), the tokenizer (domain, its size), the context,
the model (init, size) and the training steps. `llm4es-train train --recipe NAME` takes its
context, model and steps; `llm4es-train recipe NAME --serializer IN --out OUT` applies its
serializer options to a serializer config and prints what the export and tokenizer steps need
(examples/scripts/finetune-loop.sh runs the whole chain)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from .arguments import ArgumentParser
from .checkout import REPO_ROOT
from .errors import TrainingError

RECIPES_DIR = REPO_ROOT / "model-training" / "configs" / "recipes"
DEFAULT_RECIPE = "compact-domain"
KEYS = {"name", "description", "serializer", "tokenizer", "context", "model", "training"}
# Optional: how the bundle pools ({"layers": "final", "token_pooling": "mean-max"}; export-bundle's options).
OPTIONAL_KEYS = {"embedding"}
EMBEDDING_KEYS = {"layers", "token_pooling"}
TRAINING_KEYS = {"max_steps", "epochs", "batch_size", "micro_batch_size", "lr"}


def recipe_path(name_or_path: str) -> Path:
    """A recipe by name (a file of RECIPES_DIR) or by path."""
    path = Path(name_or_path)
    if path.suffix == ".json":
        return path
    return RECIPES_DIR / f"{name_or_path}.json"


def load_recipe(name_or_path: str) -> dict:
    path = recipe_path(name_or_path)
    if not path.is_file():
        known = sorted(p.stem for p in RECIPES_DIR.glob("*.json"))
        raise TrainingError(f"no recipe {name_or_path!r} ({path} not found; recipes: {', '.join(known)})")
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TrainingError(f"recipe {path} is not valid JSON: {error}") from None
    unknown = set(recipe) - KEYS - OPTIONAL_KEYS
    missing = KEYS - set(recipe)
    if unknown or missing:
        raise TrainingError(f"recipe {path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if set(recipe["training"]) - TRAINING_KEYS:
        raise TrainingError(f"recipe {path}: training keys must be among {sorted(TRAINING_KEYS)}")
    embedding = recipe.get("embedding", {})
    if set(embedding) - EMBEDDING_KEYS:
        raise TrainingError(f"recipe {path}: embedding keys must be among {sorted(EMBEDDING_KEYS)}")
    if recipe["tokenizer"].get("kind") not in ("domain", "model"):
        raise TrainingError(f"recipe {path}: tokenizer kind must be 'domain' or 'model' (the init model's own)")
    if not isinstance(recipe["context"], int) or recipe["context"] < 2:
        raise TrainingError(f"recipe {path}: context must be a number of tokens")
    return recipe


def recipe_serializer(recipe: dict, serializer: dict, exact: tuple[str, ...] = ()) -> dict:
    """`serializer` with the recipe's options: its context as max_tokens, its rendering, and its significant digits on every
    number field but those in `exact` (years, ratings, counts a label may need to the digit) and
    those already binned or rounded by their own config."""
    options = recipe["serializer"]
    names = {f["name"] for f in serializer.get("fields", [])}
    if set(exact) - names:
        raise TrainingError(f"--exact names fields the serializer does not have: {sorted(set(exact) - names)}")
    config = copy.deepcopy(serializer)
    if "context" in recipe:
        config["max_tokens"] = recipe["context"]  # inference sees as much of a history as training did
    if "rendering" in options:
        config["rendering"] = options["rendering"]
    digits = options.get("significant_digits")
    for field in config.get("fields", []):
        if digits and field.get("role") == "number" and field["name"] not in exact:
            if "bins" not in field and "significant_digits" not in field:
                field.pop("format", None)  # significant_digits replaces it
                field["significant_digits"] = digits
    return config


def check_corpus(recipe: dict, serializer: dict | None, tokenizer: Path | None, init: str) -> None:
    """Refuses a training run whose corpus or tokenizer is not the recipe's."""
    wanted = recipe["serializer"].get("rendering")
    if wanted and (serializer or {}).get("rendering", "lines") != wanted:
        raise TrainingError(
            f"recipe {recipe['name']} trains on {wanted} text, the corpus's serializer renders "
            f"{(serializer or {}).get('rendering', 'lines')}: export it with `llm4es-train recipe` 's serializer"
        )
    if recipe["tokenizer"]["kind"] == "domain" and init == "scratch" and tokenizer is None:
        raise TrainingError(
            f"recipe {recipe['name']} trains on a domain tokenizer: pass --tokenizer (from `llm4es-train tokenizer "
            f"--vocab-size {recipe['tokenizer'].get('vocab_size')}`)"
        )


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.recipe") -> int:
    parser = ArgumentParser(
        prog=prog,
        description="Apply a recipe's serializer options to a serializer config (written to --out) and print "
        "the recipe's context, text budget and tokenizer size as shell assignments.",
    )
    parser.add_argument("recipe", nargs="?", default=DEFAULT_RECIPE, help=f"name or file ({DEFAULT_RECIPE})")
    parser.add_argument("--serializer", type=Path, help="the serializer config to apply the recipe to")
    parser.add_argument("--out", type=Path, help="where to write the recipe's serializer config")
    parser.add_argument("--exact", default="", help="number fields kept exact, comma-separated (e.g. year,rating)")
    parser.add_argument("--context", type=int, help="another context than the recipe's (a training option wins)")
    args = parser.parse_args(argv)
    try:
        recipe = load_recipe(args.recipe)
        if args.context is not None:
            recipe = {**recipe, "context": args.context}
        if args.serializer:
            if args.out is None:
                raise TrainingError("--serializer needs --out")
            serializer = json.loads(args.serializer.read_text(encoding="utf-8"))
            exact = tuple(f for f in args.exact.split(",") if f)
            args.out.write_text(json.dumps(recipe_serializer(recipe, serializer, exact), indent=2) + "\n", "utf-8")
    except (TrainingError, OSError, json.JSONDecodeError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    # The trainer and the runtime prepend BOS (scratch models have one): the text gets one token less.
    print(f"context={recipe['context']}")
    print(f"budget={recipe['context'] - 1}")
    print(f"tokenizer={recipe['tokenizer']['kind']}")
    print(f"vocab_size={recipe['tokenizer'].get('vocab_size', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
