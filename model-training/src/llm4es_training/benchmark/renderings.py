"""The renderings lever (`llm4es-train search --renderings compact lines`): a user read in several
renderings of the same history, the embeddings averaged.

The recipe's model reads one rendering. Here a model of the recipe's shape and steps is trained on
every training entity's text in each rendering (one corpus row per user and rendering; the
renderings after the recipe's own get ids `task/user@rendering`, since a corpus holds one row per
id), over a domain tokenizer trained on the whole texts of all of them, so no rendering is read
through a vocabulary made for another. Each task is then embedded through the SQL aggregate once
per rendering (a bundle per rendering: the same model, the task's recipe serializer in that
rendering) and every entity's vectors are averaged: what an aggregate averaging the renderings would
return. The validation split scores that average (the search's default variant, which `levers`
pairs with the recipe's) and, beside it, each rendering alone from the same model
(`<variant>@<rendering>`), so the reading separates "trained on more renderings" from "averaged".

Validation only: the test split is read after a choice, and a chosen lever would first need the
averaging inside the Java aggregate, so that SQL users get what was scored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..recipe import DEFAULT_RECIPE
from .artifacts import cached_file, cached_json, read_json, write_json
from .java_cli import context_facts, read_embedding_results
from .llm_models import RECIPE_METHOD, bundle_name, domain_tokenizer, export_task_bundle, fine_tune, merge_corpora
from .protocol import average
from .search import PARITY_COSINE, Search, cosines, variant_embeddings


class RenderingsSearch(Search):
    def __init__(self, bench, seeds: list[int], renderings: list[str], **levers):
        super().__init__(bench, seeds, **levers)
        own = bench.recipe()["serializer"].get("rendering", "lines")
        if own not in renderings:
            raise SystemExit(f"--renderings must include the recipe's own rendering ({own}): {renderings}")
        if len(set(renderings)) != len(renderings) or len(renderings) < 2:
            raise SystemExit(f"--renderings names two or more different renderings: {renderings}")
        # the recipe's rendering first: the corpus keeps its users' plain ids and its serializer
        self.renderings = [own] + [r for r in renderings if r != own]
        self.suffix += "-r" + "-".join(self.renderings)  # bundle names allow no "+"
        self.dir = bench.out / f"search{self.suffix}"
        self.variants = [self.default] + [self.alone(r) for r in self.renderings]

    def alone(self, rendering: str) -> str:
        """The variant name of one rendering's embedding, unaveraged."""
        return f"{self.default}@{rendering}"

    def serializer(self, task_id: str, rendering: str) -> Path:
        """The task's recipe serializer (at the search's context) in `rendering`."""
        path = self.dir / "serializers" / f"{task_id}.{rendering}.json"
        if not path.is_file():
            config = read_json(self.bench.serializer(task_id, RECIPE_METHOD, self.context))
            write_json(path, {**config, "rendering": rendering})
        return path

    def rendered_texts(self, task_id: str, rendering: str, tokenizer: Path | None = None) -> Path:
        """Every entity's text in `rendering` by export-text: whole, or with `tokenizer` cut by Java
        to the context less BOS, as `user_embedding` cuts it."""
        path = self.dir / "text" / f"{task_id}.{rendering}.{'whole' if tokenizer is None else 'cut'}.jsonl"
        budget = None if tokenizer is None else self.context - 1
        return self.bench.exported_text(task_id, self.serializer(task_id, rendering), path, tokenizer, budget)

    def merged(self, out: Path, tokenizer: Path | None) -> Path:
        """The corpus entities of every task in every rendering (whole, or cut with `tokenizer`)."""
        ids = self.bench.corpus_ids()

        def merge(tmp: Path) -> None:
            for i, rendering in enumerate(self.renderings):
                parts = {t: (self.rendered_texts(t, rendering, tokenizer), keep) for t, keep in ids.items()}
                merge_corpora(parts, tmp, tag="" if i == 0 else f"@{rendering}", append=i > 0)

        return cached_file(out, merge)

    def tokenizer(self) -> Path:
        """A domain tokenizer of the recipe's size on the whole texts of every rendering."""
        whole = self.merged(self.dir / "tokenizer-corpus.jsonl", None)
        serializers = [read_json(self.serializer(t, r)) for r in self.renderings for t in self.bench.corpus_ids()]
        vocab = self.bench.recipe()["tokenizer"]["vocab_size"]
        return domain_tokenizer(whole, serializers, vocab, self.dir / "tokenizer.json")

    def corpus(self) -> Path:
        corpus = self.merged(self.dir / "train-corpus.jsonl", self.tokenizer())
        beside = Path(f"{corpus}.serializer.json")
        if not beside.is_file():  # the trainer checks the recipe's rendering and reads the header flag
            first = next(iter(self.bench.corpus_ids()))
            write_json(beside, read_json(self.serializer(first, self.renderings[0])))
        return corpus

    def model(self, seed: int) -> Path:
        return fine_tune(
            "scratch",
            self.corpus(),
            self.bench.out / "train" / self.method(seed),
            self.training,
            recipe=DEFAULT_RECIPE,
            tokenizer=self.tokenizer(),
            seed=seed,
            lr=self.lr,
        )

    def variant_method(self, seed: int, rendering: str) -> str:
        """The benchmark's method name of the seed's model in `rendering`: this search's variants of
        a model are its renderings (so Search.sql names and caches their SQL embeddings)."""
        return f"{self.method(seed)}-{rendering}"

    def bundle(self, task_id: str, seed: int, rendering: str | None = None) -> Path:
        """The seed's model for the task in `rendering` (the first's by default), pooled by the
        default variant; one ONNX export per seed, rebundled per task and rendering."""
        rendering = rendering or self.renderings[0]
        method = self.variant_method(seed, rendering)
        layers, token_pooling = self.default.split("/")
        return export_task_bundle(
            self.model(seed),
            self.serializer(task_id, rendering),
            bundle_name(task_id, method),
            self.bench.out / "models",
            f"{self.method(seed)} in the {rendering} rendering for benchmark task {task_id}",
            self.bench.out / "base-bundles" / self.method(seed),
            self.context,
            {"layers": layers, "token_pooling": token_pooling},
        )

    def sql(self, task_id: str, seed: int, rendering: str | None = None) -> pd.DataFrame:
        return super().sql(task_id, seed, rendering or self.renderings[0])

    def variant_features(self, task_id: str, seed: int) -> dict[str, pd.DataFrame]:
        views = {self.alone(r): self.sql(task_id, seed, r) for r in self.renderings}
        return {self.default: average(list(views.values())), **views}

    def parity(self, task_id: str, seed: int, variant: str | None = None) -> float:
        """The smallest cosine, over renderings and entities, between the SQL embedding and PyTorch's
        of the same text (cut by Java)."""

        def check() -> dict:
            worst = 1.0
            for r in self.renderings:
                bundle = self.bundle(task_id, seed, r)
                texts = self.rendered_texts(task_id, r, self.tokenizer())
                ours = variant_embeddings(self.model(seed), bundle, texts, [self.default])[self.default]
                worst = min(worst, float(cosines(ours, self.sql(task_id, seed, r)).min()))
                if worst < PARITY_COSINE:
                    raise SystemExit(f"{task_id} seed {seed} {r}: PyTorch and SQL embeddings differ ({worst:.5f})")
            return {"min_cosine": worst}

        return cached_json(self.dir / "results" / task_id / f"seed{seed}.parity.json", check)["min_cosine"]

    def facts(self, task_ids: list[str]) -> dict:
        """What each rendering costs: the SQL results' context facts per task (java_cli.context_facts;
        the same for every seed: one tokenizer, the same texts)."""
        seed = self.seeds[0]
        return {
            "context_facts": {
                t: {
                    r: context_facts(
                        read_embedding_results(self.bench.embedding_results(t, self.variant_method(seed, r)))[1]
                    )
                    for r in self.renderings
                }
                for t in task_ids
            }
        }

    def test(self, task_id: str, seed: int, variant: str) -> dict:
        raise SystemExit("the renderings lever is read on the validation split only: add --validation-only")
