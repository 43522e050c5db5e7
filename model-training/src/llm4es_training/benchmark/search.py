"""`llm4es-train search --out DIR [--seeds 0 1 2] [--tasks ...]` (or `python -m
llm4es_training.benchmark.search`): the default recipe's inference-time levers (which hidden
states are averaged, how tokens are pooled) chosen on the validation split, over several training
seeds. DIR is a full benchmark report folder (`llm4es-train benchmark --out DIR`), whose task
folders, recipe texts, tokenizer, corpus, seed-0 model and SQL embeddings are reused, or a new
folder: the search then prepares the tasks, scores the aggregates and trains the recipe's seed-0
model itself, so a lever is read without the whole benchmark first.

1. Seeds: the recipe's model trained again with `--seed s` on the same corpus (seed 0 is the
   run's own), exported to a bundle per task and every entity embedded through the SQL aggregate,
   as the benchmark does (the default variant: the recipe's own pooling, `recipe_variant`).
2. Variants: every entity's text as Java cut it for the recipe's context (`export-text --tokenizer
   --budget`, what `user_embedding` cuts) through the model in PyTorch, every hidden state at once,
   pooled by each of VARIANTS. The default variant must equal the SQL embedding (cosine >=
   PARITY_COSINE for every entity), so the search scores what SQL computes.
3. Choice: each variant scored by the protocol on the validation split (train entities only; the
   test entities are dropped before anything reads them), as its difference to the aggregates'
   validation score, averaged over tasks and seeds. The default is replaced only by a variant that
   beats it on every seed by more than the gain's spread, the best such by mean (`choose`).
4. Final: the chosen and the default variant, every seed, exported as bundles (`export-bundle
   --embedding-layers --token-pooling`) and embedded through SQL (checked against PyTorch), scored
   on the test split (fixed and the 5 repeated splits) against the aggregates, alone and
   concatenated with them, fold-paired; mean and std over the seeds.

Levers beside pooling: `--context N` trains and embeds at another context (the run's corpus
entities cut by Java to N, bundles at N), `--max-steps N` trains longer or shorter, `--lr X` at
another peak learning rate, `--shape HxL` a model H wide and L layers deep (heads as wide as the
recipe's); seed 0 is then trained too, everything is named `-ctx<N>` / `-steps<N>` / `-lr<X>` /
`-<H>x<L>` and written to DIR/search-ctx<N>-steps<N>-lr<X>-<H>x<L>,
and its validation scores read against the same aggregates as the recipe's own. `--renderings R1
R2` trains on every user in each rendering and embeds as their average (renderings.py,
`-rR1-R2`, validation only). `--variants`
limits the poolings scored; `--validation-only` stops before the test split.

Writes DIR/search/search.json and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..arguments import ArgumentParser
from ..embedding_options import LAYER_RANGES, TOKEN_POOLINGS, layer_range
from ..manifest import read_manifest
from ..recipe import DEFAULT_RECIPE
from .artifacts import cached_json, read_json, write_atomic, write_json
from .llm_models import RECIPE_METHOD, bundle_name, export_task_bundle, fine_tune, merge_corpora, scratch_shape_options
from .protocol import evaluate_repeated, evaluate_task, evaluate_validation, features_frame, load_features
from .report import paired_difference, repeated_paired_difference
from .run import Benchmark, mode_for
from .task_folder import read_labels, read_task
from .tasks import TASK_IDS

# A variant is "<layers>/<token pooling>" (embedding_options.LAYER_RANGES, .TOKEN_POOLINGS); "upper/mean"
# is what export-bundle computes without options, and a recipe without an `embedding`.
EXPORT_DEFAULT_VARIANT = "upper/mean"
PARITY_COSINE = 0.999
BATCH = 16


def log(message: str) -> None:
    print(f"[search] {message}", file=sys.stderr, flush=True)


VARIANTS = [f"{r}/{p}" for r in LAYER_RANGES for p in TOKEN_POOLINGS]


def pool(hidden: list, mask, variant: str):
    """One variant's per-text vectors from a batch's hidden states (torch tensors, right-padded),
    computed as an exported bundle of that layer range and token pooling computes them."""
    import torch

    from ..pooling import reduce_tokens

    layers, token_pooling = variant.split("/")
    first, last = layer_range(layers, len(hidden) - 1)
    return reduce_tokens(torch.stack(hidden[first : last + 1]).mean(0), mask, token_pooling)


def variant_embeddings(model_dir: Path, bundle: Path, texts: Path, names: list[str]) -> dict[str, pd.DataFrame]:
    """Every variant's embedding of every text in `texts` (export-text JSON lines), tokenized with
    the bundle's tokenizer and specials as the Java embedder does."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM

    from ..tokens import encode_for_bundle, right_pad

    manifest = read_manifest(bundle)
    tokenizer = Tokenizer.from_file(str(bundle / "tokenizer.json"))
    records = [json.loads(line) for line in texts.read_text(encoding="utf-8").splitlines()]
    ids = [encode_for_bundle(tokenizer, r["text"], manifest["tokens"]) for r in records]
    too_long = [r["user_id"] for r, i in zip(records, ids) if len(i) > manifest["max_tokens"]]
    if too_long:
        raise SystemExit(f"{len(too_long)} texts exceed the bundle's {manifest['max_tokens']} tokens: {too_long[:3]}")
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = {v: [None] * len(ids) for v in names}
    with torch.inference_mode():
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            input_ids, mask = (
                torch.from_numpy(a) for a in right_pad([ids[i] for i in rows], manifest["tokens"]["pad_id"])
            )
            hidden = model.model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states
            for v in names:
                for row, vector in zip(rows, pool(list(hidden), mask, v).numpy()):
                    out[v][row] = vector
    users = [str(r["user_id"]) for r in records]
    return {v: features_frame(users, np.stack(out[v])) for v in names}


def cosines(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Per entity (a's rows, matched in b by id), the cosine of the two embeddings."""
    x, y = a.to_numpy(float), b.loc[a.index].to_numpy(float)
    return (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))


def recipe_variant(recipe: dict) -> str:
    """The variant a recipe's bundles pool by (its `embedding`, export-bundle's defaults for the rest)."""
    layers, tokens = EXPORT_DEFAULT_VARIANT.split("/")
    embedding = recipe.get("embedding", {})
    return f"{embedding.get('layers', layers)}/{embedding.get('token_pooling', tokens)}"


def choose(per_seed: dict[str, list[float]], default: str) -> tuple[str, str]:
    """(the variant with the best mean validation score, the one chosen): the best mean among the
    variants that beat the default (the recipe's) on every seed by a mean gain larger than the gain's spread over
    seeds, else the default, so that one lucky seed or a gain within noise does not change what
    users get."""

    def robust(v: str) -> bool:
        gain = np.asarray(per_seed[v]) - np.asarray(per_seed[default])
        return bool(gain.min() > 0 and gain.mean() > gain.std())

    def mean(v: str) -> float:
        return float(np.mean(per_seed[v]))

    best = max(per_seed, key=mean)
    winners = [v for v in per_seed if v != default and robust(v)]
    return best, max(winners, key=mean) if winners else default


def scoring_order(default: str, chosen: str, named: list[str] | None = None) -> list[str]:
    """The variants scored on the test split, in the order they are scored: those named (a choice
    made over every task), else the chosen one, then the default. The first is scored on every task
    before the next, so an interrupted search has the reading that matters on every task."""
    return list(dict.fromkeys(named or [chosen, default]))


class Search:
    renderings: list[str] | None = None  # the renderings lever's (renderings.py); None: the recipe's one

    def __init__(
        self,
        bench: Benchmark,
        seeds: list[int],
        context: int | None = None,
        max_steps: int | None = None,
        variants: list[str] | None = None,
        lr: float | None = None,
        shape: tuple[int, int] | None = None,
    ):
        """`context`, `max_steps`, `lr`, `shape`: another training (and embedding) context, step
        count, peak learning rate and model (hidden size, layers) than the recipe's; their models,
        texts, bundles and results are named with `-ctx<N>`, `-steps<N>`, `-lr<X>`, `-<H>x<L>`
        suffixes beside the recipe's. `variants`: the poolings scored (the default always)."""
        self.bench, self.seeds = bench, seeds
        recipe = bench.recipe_training()
        self.training = replace(
            recipe, context=context or recipe.context, max_steps=max_steps or recipe.max_steps, shape=shape
        )
        self.context = self.training.context
        self.context_suffix = bench.context_suffix(self.context)
        steps = "" if self.training.max_steps == recipe.max_steps else f"-steps{self.training.max_steps}"
        self.lr = lr  # None: the recipe's (llm4es-train's default for a new model where the recipe names none)
        rate = "" if lr is None else f"-lr{lr:g}"
        if shape is not None:
            scratch_shape_options(recipe.scratch_size, *shape)  # refused now, not after the seeds before it
        self.suffix = self.context_suffix + steps + rate + ("" if shape is None else "-{}x{}".format(*shape))
        self.dir = bench.out / f"search{self.suffix}"
        # the recipe's pooling is the default: its bundles are the benchmark's own
        self.default = recipe_variant(bench.recipe())
        self.variants = [self.default] + [v for v in variants or VARIANTS if v != self.default]

    def method(self, seed: int) -> str:
        return RECIPE_METHOD + self.suffix + ("" if seed == 0 else f"-seed{seed}")

    def texts(self, task_id: str) -> Path:
        """The task's texts cut by Java to the search's context, as `user_embedding` cuts them."""
        return self.bench.recipe_texts(task_id, self.bench.out / "recipe" / "tokenizer.json", self.context)

    def corpus(self) -> Path:
        """The run's training entities' texts cut by Java to the search's context."""
        b = self.bench
        b.recipe_model()  # the tokenizer and the recipe's corpus, cached by the run
        corpus = b.out / "recipe" / f"train-corpus{self.context_suffix}.jsonl"
        if not corpus.is_file():
            merge = {t: (self.texts(t), keep) for t, keep in b.corpus_ids().items()}
            shutil.copyfile(b.out / "recipe" / "train-corpus.jsonl.serializer.json", f"{corpus}.serializer.json")
            write_atomic(corpus, lambda tmp: merge_corpora(merge, tmp))
        return corpus

    def model(self, seed: int) -> Path:
        """The recipe's model trained with `seed` at the search's context (seed 0 at the recipe's
        context: the benchmark run's)."""
        b = self.bench
        if seed == 0 and not self.suffix:
            return b.recipe_model()
        return fine_tune(
            "scratch",
            self.corpus(),
            b.out / "train" / self.method(seed),
            self.training,
            recipe=DEFAULT_RECIPE,
            tokenizer=b.out / "recipe" / "tokenizer.json",
            seed=seed,
            lr=self.lr,
        )

    def variant_method(self, seed: int, variant: str) -> str:
        """The benchmark's method name of a seed's model pooled by `variant` (the default variant's
        is the seed's own, so seed 0's is the run of record's)."""
        suffix = "" if variant == self.default else "-" + variant.replace("/", "-")
        return self.method(seed) + suffix

    def bundle(self, task_id: str, seed: int, variant: str | None = None) -> Path:
        """The task's bundle of the seed's model pooled by `variant` (the default's), exported as
        the benchmark exports the recipe's."""
        variant = variant or self.default
        b, method = self.bench, self.variant_method(seed, variant)
        layers, token_pooling = variant.split("/")
        return export_task_bundle(
            self.model(seed),
            b.serializer(task_id, RECIPE_METHOD, self.context),
            bundle_name(task_id, method),
            b.out / "models",
            f"{method} for benchmark task {task_id}",
            b.out / "base-bundles" / method,
            self.context,
            {"layers": layers, "token_pooling": token_pooling},
        )

    def sql(self, task_id: str, seed: int, variant: str | None = None) -> pd.DataFrame:
        """The seed's embedding pooled by `variant` through the SQL aggregate (the benchmark's path)."""
        variant = variant or self.default
        b, method = self.bench, self.variant_method(seed, variant)
        path = b.features_path(task_id, method)
        if not path.is_file():
            bundle = self.bundle(task_id, seed, variant)
            table = b.sql_embeddings(task_id, method, bundle.name)
            write_atomic(path, lambda tmp: table.to_csv(tmp, lineterminator="\n"))
        return load_features(path)

    def variant_features(self, task_id: str, seed: int) -> dict[str, pd.DataFrame]:
        folder = self.dir / "embeddings" / task_id / f"seed{seed}"
        names = VARIANTS
        if not all((folder / f"{v.replace('/', '_')}.csv").is_file() for v in names):
            log(f"{task_id} seed {seed}: every variant in PyTorch")
            bundle = self.bundle(task_id, seed)
            tables = variant_embeddings(
                self.model(seed),
                bundle,
                self.texts(task_id),
                names,
            )
            for v, table in tables.items():
                write_atomic(
                    folder / f"{v.replace('/', '_')}.csv", lambda tmp, t=table: t.to_csv(tmp, lineterminator="\n")
                )
        return {v: load_features(folder / f"{v.replace('/', '_')}.csv") for v in names}

    def num_layers(self, task_id: str) -> int:
        return read_manifest(self.bundle(task_id, self.seeds[0]))["num_layers"]

    def parity(self, task_id: str, seed: int, variant: str | None = None) -> float:
        """The smallest cosine between the PyTorch variant and the SQL embedding of its bundle."""
        variant = variant or self.default

        def check() -> dict:
            ours = self.variant_features(task_id, seed)[variant]
            worst = float(cosines(ours, self.sql(task_id, seed, variant)).min())
            if worst < PARITY_COSINE:
                raise SystemExit(f"{task_id} seed {seed} {variant}: PyTorch and SQL embeddings differ ({worst:.5f})")
            return {"min_cosine": worst}

        name = "" if variant == self.default else "." + variant.replace("/", "_")
        return cached_json(self.dir / "results" / task_id / f"seed{seed}{name}.parity.json", check)["min_cosine"]

    def validation(self, task_id: str, seed: int) -> dict[str, float]:
        """Each variant's validation score minus the aggregates' (cached per variant, so a later
        search over more variants scores only the new ones)."""
        task_dir = self.bench.tasks_dir / task_id
        labels, metric = read_labels(task_dir), read_task(task_dir)["metric"]
        path = self.dir / "results" / task_id / f"seed{seed}.validation.json"
        scores = read_json(path) if path.is_file() else {}
        missing = [v for v in self.variants if v not in scores]
        if missing:
            base = evaluate_validation(load_features(self.bench.features_path(task_id, "aggregates")), labels, metric)
            features = self.variant_features(task_id, seed)
            for v in missing:
                scores[v] = evaluate_validation(features[v], labels, metric)["mean"] - base["mean"]
            write_json(path, scores)
        return {v: scores[v] for v in self.variants}

    def facts(self, task_ids: list[str]) -> dict:
        """A lever's own facts for search.json (none here: the benchmark reports the recipe's)."""
        return {}

    def test(self, task_id: str, seed: int, variant: str) -> dict:
        """The variant against the aggregates on the test split: fixed (fold-paired over the 5
        folds) and repeated (over 25 split-fold pairs), alone and concatenated with the aggregates.
        The embedding is the variant's bundle through SQL, checked against PyTorch first."""
        task_dir = self.bench.tasks_dir / task_id
        labels, metric = read_labels(task_dir), read_task(task_dir)["metric"]

        def compute() -> dict:
            self.parity(task_id, seed, variant)
            features = self.sql(task_id, seed, variant)
            aggregates = load_features(self.bench.features_path(task_id, "aggregates"))
            fixed = evaluate_task(task_dir, features, variant)
            base = read_json(self.bench.out / "results" / task_id / "aggregates.json")
            repeated = evaluate_repeated(features, labels, metric)
            base_repeated = self.bench.score_repeated(task_id, "aggregates")
            ensemble = pd.concat([features, aggregates], axis=1)
            return {
                "score": fixed["mean"],
                "fixed": paired_difference(fixed, base),
                "repeated": repeated_paired_difference(repeated, base_repeated)["mean"],
                "ensemble_fixed": paired_difference(evaluate_task(task_dir, ensemble, "ensemble"), base),
                "ensemble_repeated": repeated_paired_difference(
                    evaluate_repeated(ensemble, labels, metric), base_repeated
                )["mean"],
            }

        name = variant.replace("/", "_")
        return cached_json(self.dir / "results" / task_id / f"seed{seed}.test.{name}.json", compute)

    def run(self, task_ids: list[str], command: str, test: bool = True, finals: list[str] | None = None) -> dict:
        """The validation table and the choice; with `test`, the final test-split readings: of the
        chosen and the default variant, or of `finals` where given (a choice made over every task,
        when the test split's scoring is shared between processes by --tasks)."""
        names = self.variants
        parity = {t: {s: self.parity(t, s) for s in self.seeds} for t in task_ids}
        valid = {t: {s: self.validation(t, s) for s in self.seeds} for t in task_ids}
        # mean over tasks per seed, then over seeds; the spread is the std over seeds
        per_seed = {v: [float(np.mean([valid[t][s][v] for t in task_ids])) for s in self.seeds] for v in names}
        table = {v: {"mean": float(np.mean(m)), "std_over_seeds": float(np.std(m))} for v, m in per_seed.items()}
        best, chosen = choose(per_seed, self.default)
        order = scoring_order(self.default, chosen, finals) if test else []
        finals = sorted(order)
        scored = {(t, v, s): self.test(t, s, v) for v in order for t in task_ids for s in self.seeds}
        test = {t: {v: {s: scored[t, v, s] for s in self.seeds} for v in finals} for t in task_ids}
        result = {
            "command": command,
            "seeds": self.seeds,
            "context": self.context,
            "max_steps": self.training.max_steps,
            "lr": self.lr,
            "shape": None if self.training.shape is None else list(self.training.shape),
            "renderings": self.renderings,
            "tasks": task_ids,
            "variants": names,
            "default": self.default,
            "layer_ranges": {r: list(f(self.num_layers(task_ids[0]))) for r, f in LAYER_RANGES.items()},
            "parity_min_cosine": parity,
            "validation": valid,
            "validation_mean": table,
            "best": best,
            "chosen": chosen,
            "test": test,
            "test_summary": {t: {v: summary([test[t][v][s] for s in self.seeds]) for v in finals} for t in task_ids},
            **self.facts(task_ids),
        }
        write_json(self.dir / "search.json", result)
        print(markdown(result))
        return result


SUMMARY_KEYS = ("score", "fixed", "repeated", "ensemble_fixed", "ensemble_repeated")


def summary(per_seed: list[dict]) -> dict[str, list[float]]:
    """[mean, std] over seeds of each test reading (a fixed-split difference is its fold mean)."""

    def value(record: dict, key: str) -> float:
        return record[key][0] if isinstance(record[key], list) else record[key]

    return {
        k: [float(np.mean([value(r, k) for r in per_seed])), float(np.std([value(r, k) for r in per_seed]))]
        for k in SUMMARY_KEYS
    }


def markdown(result: dict) -> str:
    tasks, lines = result["tasks"], []
    lines.append("| variant | " + " | ".join(tasks) + " | mean over tasks (± over seeds) |")
    lines.append("|---" * (len(tasks) + 2) + "|")
    for v in result["variants"]:
        cells = [f"{np.mean([result['validation'][t][s][v] for s in result['validation'][t]]):+.3f}" for t in tasks]
        m = result["validation_mean"][v]
        mark = " (chosen)" if v == result["chosen"] else ""
        lines.append(f"| {v}{mark} | " + " | ".join(cells) + f" | {m['mean']:+.4f} ± {m['std_over_seeds']:.4f} |")
    lines.append("")
    lines.append(
        "| task | variant | score | alone − aggr. (fixed) | alone − aggr. (repeated) | ⊕ aggr. − aggr. (fixed) | ⊕ aggr. − aggr. (repeated) |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for t in tasks:
        for v, s in result["test_summary"][t].items():
            f = lambda k: f"{s[k][0]:+.3f} ± {s[k][1]:.3f}"  # noqa: E731
            lines.append(
                f"| {t} | {v} | {s['score'][0]:.3f} ± {s['score'][1]:.3f} | {f('fixed')} | {f('repeated')} | {f('ensemble_fixed')} | {f('ensemble_repeated')} |"
            )
    return "\n".join(lines)


def hidden_by_layers(value: str) -> tuple[int, int]:
    try:
        hidden, layers = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HIDDENxLAYERS (e.g. 384x6), got {value!r}") from None
    if hidden <= 0 or layers <= 0:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {value!r}")
    return hidden, layers


def parse(argv: list[str] | None, prog: str) -> argparse.Namespace:
    """The command line as `main` reads it, without running it: the README's commands are checked
    against it, since running them takes hours."""
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="a full benchmark report folder, or a new one")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=TASK_IDS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--context", type=int, help="train and embed at this context instead of the recipe's (results in search-ctxN)"
    )
    parser.add_argument("--max-steps", type=int, help="train this many steps instead of the recipe's (-stepsN)")
    parser.add_argument("--lr", type=float, help="train at this peak learning rate instead of the recipe's (-lrX)")
    parser.add_argument(
        "--shape", type=hidden_by_layers, help="train a model HIDDENxLAYERS (e.g. 384x6) instead of the recipe's (-HxL)"
    )
    parser.add_argument(
        "--renderings",
        nargs="+",
        help="train on every user in each of these renderings (the recipe's among them) and embed as their "
        "average (-r<R1>-<R2>; validation only: see renderings.py)",
    )
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, help="the poolings to score (all; the default always)"
    )
    parser.add_argument(
        "--validation-only", action="store_true", help="stop after the validation table and choice (no test split)"
    )
    parser.add_argument(
        "--test-variants",
        nargs="+",
        choices=VARIANTS,
        help="score these on the test split instead of the chosen and the default (a choice made over every task, "
        "when processes share the scoring by --tasks)",
    )
    args = parser.parse_args(argv)
    if args.renderings and (args.variants or not args.validation_only):
        parser.error(
            "--renderings reads the recipe's pooling on the validation split: no --variants, add --validation-only"
        )
    return args


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.search") -> int:
    args = parse(argv, prog)
    bench = Benchmark(args.out.resolve(), mode_for(False, None, True), args.tasks, None, args.threads)
    bench.baseline()  # a quick run's folder is refused; a new one is prepared
    command = f"{prog} {shlex.join(argv if argv is not None else sys.argv[1:])}"
    if args.renderings:
        from .renderings import RenderingsSearch

        search = RenderingsSearch(
            bench,
            args.seeds,
            args.renderings,
            context=args.context,
            max_steps=args.max_steps,
            lr=args.lr,
            shape=args.shape,
        )
    else:
        search = Search(bench, args.seeds, args.context, args.max_steps, args.variants, args.lr, args.shape)
    search.run(args.tasks, command, test=not args.validation_only, finals=args.test_variants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
