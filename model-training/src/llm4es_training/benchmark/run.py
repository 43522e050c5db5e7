"""`llm4es-train benchmark --out REPORT_DIR [--quick] [--datasets PATH] [--tasks ...]` (or
`python -m llm4es_training.benchmark.run ...`): the whole benchmark in one command. Prepares the
task folders, computes every method's features on the same entities and split, scores them with
the protocol, measures speed, and writes report.md, report.html (+ pictures/) and results.json
into REPORT_DIR.

Every intermediate result (task folders, texts, bundles, trained models, embeddings, scores) is
kept in REPORT_DIR and reused, so rerunning the same command after an interruption continues.
REPORT_DIR holds MovieLens data: it must be outside the repository or git-ignored.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..arguments import ArgumentParser
from ..checkout import REPO_ROOT, find_jar
from ..recipe import DEFAULT_RECIPE, load_recipe
from .aggregates import aggregate_features
from .artifacts import cached_file, cached_json, read_json, write_json
from .compact import compact_serializer
from .java_cli import (
    JavaCli,
    context_facts,
    embedding_result_sql,
    read_embedding_results,
    source_sql,
    whole_history_facts,
)
from .llm_models import (
    RECIPE_METHOD,
    Training,
    bundle_name,
    corpus_entities,
    domain_tokenizer,
    export_task_bundle,
    fine_tune,
    merge_corpora,
    random_init_model,
    recipe_training,
    training_facts,
)
from .prepare import prepare
from .protocol import describe, evaluate_repeated, evaluate_task, features_frame, load_features
from .report import bar_chart, projection, repeated_paired_difference, write_report
from .sentence_encoder import encode_corpus, fetch_encoder
from .sentence_encoder import token_counts as minilm_token_counts
from .split import repeated_split
from .task_folder import read_events, read_labels, read_task
from .tasks import TASK_IDS

STORIES = REPO_ROOT.parent / "shared" / "models" / "stories260K" / "hf"
DESCRIPTIONS = {
    "aggregates": "hand-made aggregate features per entity (counts, shares and amount statistics per category, "
    "span, recency): the classic ptls baseline",
    "minilm": "frozen all-MiniLM-L6-v2 (ONNX from its Maven Central jar) over the Java serializer's text, "
    "mean-pooled; header + newest events within 256 tokens",
    "llm4es-random": "LLM4ES with stories260K's architecture and tokenizer, random weights (no pretraining)",
    "llm4es-stories260k": "LLM4ES with stories260K as published (pretrained on TinyStories, no fine-tuning)",
    "llm4es-stories260k-ft": "LLM4ES, stories260K fine-tuned by `llm4es-train train` on the train entities' text",
    "llm4es-scratch-ft": "LLM4ES, a new model (own BPE tokenizer) trained from scratch on the train entities' text",
    RECIPE_METHOD: f"LLM4ES by the default training recipe ({DEFAULT_RECIPE}: the compact text, a domain tokenizer "
    "trained on the train entities' text, a new model trained from scratch at the recipe's context)",
    "llm4es+aggregates": "concatenation of the best-trained LLM4ES embedding available (the recipe's) and the aggregates",
}


@dataclass(frozen=True)
class Mode:
    quick: bool
    max_entities: int | None
    max_events_per_entity: int | None
    train: Training | None
    speed_repeats: int


def mode_for(quick: bool, max_entities: int | None, train: bool) -> Mode:
    if quick:
        return Mode(
            True,
            max_entities or 120,
            48,
            Training(max_steps=30, context=256, batch_size=8, scratch_size="tiny") if train else None,
            1,
        )
    # Full: every entity and event (the aggregates see whole histories; the serializer keeps the
    # newest events that fit 512 tokens). Scratch preset `small` (3.4M parameters): `medium` (27M)
    # trains at 750 tokens/s against small's 4,650, about 80 more minutes, no margin under the
    # 150-minute budget on 2 cores. lr 2e-3 for stories260K, as in the README's Berka figure
    # (held-out loss 6.50 -> 0.44).
    return Mode(
        False,
        max_entities,
        None,
        Training(max_steps=500, context=512, batch_size=16, scratch_size="small", finetune_lr=2e-3) if train else None,
        3,
    )


class Benchmark:
    def __init__(self, out: Path, mode: Mode, task_ids: list[str], datasets: Path | None, threads: int):
        self.out, self.mode, self.task_ids, self.datasets = out, mode, task_ids, datasets
        self.jar = find_jar()
        self.java = JavaCli(self.jar, out / "models", threads) if self.jar else None
        self.tasks_dir = out / "tasks"
        self._recipe_checked = False

    # --- inputs --------------------------------------------------------------------------------
    def prepare_tasks(self) -> None:
        settings = {"max_entities": self.mode.max_entities, "max_events_per_entity": self.mode.max_events_per_entity}
        saved = cached_json(self.out / "settings.json", lambda: settings)
        if saved != settings:
            raise SystemExit(f"{self.out} holds a run with other settings ({saved}); use another --out")
        missing = [t for t in self.task_ids if not (self.tasks_dir / t / "task.json").is_file()]
        if missing:
            prepare(self.tasks_dir, missing, self.datasets, self.mode.max_entities, self.mode.max_events_per_entity)

    def texts(self, task_id: str) -> Path:
        """The Java serializer's text of every entity of the task (export-text), with the
        serializer config beside it. One export per task: a split is a filter on entity ids, in
        Python (an IN over a second CSVREAD made H2 reread labels.csv per event row: minutes)."""
        serializer = self.tasks_dir / task_id / "serializer.json"
        return self.exported_text(task_id, serializer, self.out / "text" / f"{task_id}.jsonl")

    def exported_text(
        self, task_id: str, serializer: Path, path: Path, tokenizer: Path | None = None, budget: int | None = None
    ) -> Path:
        """`path`: the task's entities' text under `serializer` by export-text (whole, or with
        `tokenizer` cut by Java to `budget` tokens), cached, with the serializer config beside it."""
        task_dir = self.tasks_dir / task_id

        def export(tmp: Path) -> None:
            self.java.export_text(source_sql(task_dir, read_json(serializer)), serializer, tmp, tokenizer, budget)
            os.replace(f"{tmp}.serializer.json", f"{path}.serializer.json")

        return cached_file(path, export)

    def corpus_ids(self) -> dict[str, set[str]]:
        """Per task, the entities whose text trains the language models (see corpus_entities)."""
        return corpus_entities(
            {t: read_labels(self.tasks_dir / t) for t in self.task_ids},
            {t: read_task(self.tasks_dir / t)["dataset"] for t in self.task_ids},
        )

    # --- methods -------------------------------------------------------------------------------
    def features_path(self, task_id: str, method: str) -> Path:
        return self.out / "embeddings" / task_id / f"{method}.csv"

    def score(self, task_id: str, method: str, produce) -> dict:
        """The protocol's result for (task, method); features produced once, scored once."""
        features = cached_file(
            self.features_path(task_id, method), lambda tmp: produce().to_csv(tmp, lineterminator="\n")
        )

        def evaluate():
            result = evaluate_task(self.tasks_dir / task_id, load_features(features), method)
            print(describe(result), file=sys.stderr, flush=True)
            return result

        return cached_json(self.out / "results" / task_id / f"{method}.json", evaluate)

    def score_repeated(self, task_id: str, method: str) -> dict:
        """The method's fold test scores on the repeated splits (its features are already cached)."""
        task_dir = self.tasks_dir / task_id
        return cached_json(
            self.out / "results" / task_id / f"{method}.repeated.json",
            lambda: evaluate_repeated(
                load_features(self.features_path(task_id, method)), read_labels(task_dir), read_task(task_dir)["metric"]
            ),
        )

    def repeated(self, task_id: str, llm: str) -> dict:
        """LLM4ES (`llm`, the embedding the ensemble uses, fixed before any score is read) and
        LLM4ES ⊕ aggregates against the aggregates, fold-paired over the repeated splits. The
        language models were trained on the fixed split's corpus entities, so a repeated split's
        test part holds entities whose text (never their label) trained them: `text_seen_by_lm`."""
        scores = {m: self.score_repeated(task_id, m) for m in ("aggregates", llm, "llm4es+aggregates")}
        labels = read_labels(self.tasks_dir / task_id)
        by_id = pd.Series(labels["label"].to_numpy(), index=labels["entity_id"].astype(str))
        corpus = self.corpus_ids()[task_id]
        seen = {}
        for seed in scores["aggregates"]["seeds"]:
            test = repeated_split(by_id, seed)
            test = test.index[test == "test"]
            seen[str(seed)] = round(float(test.isin(corpus).mean()), 4)
        return {
            "llm4es": llm,
            "seeds": scores["aggregates"]["seeds"],
            "llm4es_vs_aggregates": repeated_paired_difference(scores[llm], scores["aggregates"]),
            "ensemble_vs_aggregates": repeated_paired_difference(scores["llm4es+aggregates"], scores["aggregates"]),
            "text_seen_by_lm": seen,
        }

    def aggregates(self, task_id: str) -> pd.DataFrame:
        task_dir = self.tasks_dir / task_id
        table = aggregate_features(read_events(task_dir, read_task(task_dir)), read_task(task_dir))
        return table.set_axis(table.index.astype(str))

    def minilm(self, task_id: str) -> pd.DataFrame:
        encoder = fetch_encoder(self.out / "encoders" / "all-minilm-l6-v2")
        ids, vectors = encode_corpus(encoder, self.texts(task_id), self.java.threads)
        return features_frame(ids, vectors, prefix="m")

    def llm4es(self, task_id: str, method: str, hf_model: Path) -> pd.DataFrame:
        """Bundle for this task, then one embedding per entity through the SQL aggregate."""
        name = bundle_name(task_id, method)
        export_task_bundle(
            hf_model,
            self.serializer(task_id, method),
            name,
            self.out / "models",
            f"{method} for benchmark task {task_id}",
            self.out / "base-bundles" / method,
            self.recipe()["context"] if method == RECIPE_METHOD else None,
            self.recipe().get("embedding") if method == RECIPE_METHOD else None,
        )
        return self.sql_embeddings(task_id, method, name)

    def serializer(self, task_id: str, method: str, context: int | None = None) -> Path:
        """The serializer config a method's bundles carry: the task's own, or for the recipe's
        method the task's under the recipe (compact.compact_serializer), at `context` instead of
        the recipe's where given (its max_tokens caps what a bundle embeds). The int8 copy of a
        method's bundle carries its method's."""
        task_dir = self.tasks_dir / task_id
        if not method.startswith(RECIPE_METHOD):
            return task_dir / "serializer.json"
        recipe = self.recipe()
        context = context or recipe["context"]
        path = self.out / "recipe" / f"{task_id}.serializer{self.context_suffix(context)}.json"
        if not path.is_file():
            config = compact_serializer(
                read_json(task_dir / "serializer.json"), read_task(task_dir), {**recipe, "context": context}
            )
            write_json(path, config)
        return path

    def sql_embeddings(self, task_id: str, method: str, bundle: str) -> pd.DataFrame:
        """One embedding per entity by the SQL aggregate over `bundle`, cached as `method`'s query
        output; the query's wall time (JVM start included) is kept beside it."""
        task_dir = self.tasks_dir / task_id
        query_csv = self.embedding_results(task_id, method)
        serializer = read_json(self.serializer(task_id, method))

        def query(tmp: Path) -> None:
            started = time.perf_counter()
            self.java.query(embedding_result_sql(task_dir, serializer, bundle), tmp)
            write_json(self.query_seconds(task_id, method), {"seconds": round(time.perf_counter() - started, 2)})

        cached_file(query_csv, query)
        return read_embedding_results(query_csv)[0]

    def query_seconds(self, task_id: str, method: str) -> Path:
        return self.out / "sql-output" / task_id / f"{method}.seconds.json"

    def coverage(self, task_id: str, models: dict[str, Path]) -> dict[str, dict]:
        """Per method, what it saw of the task's histories (see java_cli.context_facts): the
        aggregates read every event of every history and no text; MiniLM its 256-token window; each
        LLM4ES method what `user_embedding_result` reports."""
        users = len(read_labels(self.tasks_dir / task_id))
        facts = {"aggregates": whole_history_facts(users)}
        facts["minilm"] = cached_json(
            self.out / "results" / task_id / "minilm.context.json",
            lambda: context_facts(
                minilm_token_counts(fetch_encoder(self.out / "encoders" / "all-minilm-l6-v2"), self.texts(task_id))
            ),
        )
        for method in models:
            facts[method] = context_facts(read_embedding_results(self.embedding_results(task_id, method))[1])
        return facts

    def embedding_results(self, task_id: str, method: str) -> Path:
        return self.out / "sql-output" / task_id / f"{method}.results.csv"

    def language_models(self) -> dict[str, Path]:
        """The Hugging Face folder behind each LLM4ES method of this run."""
        models = {
            "llm4es-random": random_init_model(STORIES, self.out / "hf" / "random-init"),
            "llm4es-stories260k": STORIES,
        }
        if self.mode.train:
            corpus = self.out / "text" / "train-corpus.jsonl"
            cached_file(
                corpus,
                lambda tmp: merge_corpora({t: (self.texts(t), ids) for t, ids in self.corpus_ids().items()}, tmp),
            )
            for method, init in (("llm4es-stories260k-ft", str(STORIES)), ("llm4es-scratch-ft", "scratch")):
                models[method] = fine_tune(init, corpus, self.out / "train" / method, self.mode.train)
            models[RECIPE_METHOD] = self.recipe_model()
        return models

    # --- the default recipe --------------------------------------------------------------------
    def recipe(self) -> dict:
        """The default recipe; a quick run trains at its own (short) context."""
        recipe = {**load_recipe(DEFAULT_RECIPE), "context": self.recipe_training().context}
        if not self._recipe_checked:
            self._same_recipe(recipe)
            self._recipe_checked = True
        return recipe

    def _same_recipe(self, recipe: dict) -> None:
        """A folder is continued only under the recipe it was made with: its recipe model, texts,
        serializers and bundles are cached by name, so another recipe would silently reuse them."""
        levers = {k: v for k, v in recipe.items() if k not in ("name", "description")}
        record = self.out / "recipe" / "recipe.json"
        if record.is_file():
            if read_json(record) != levers:
                raise SystemExit(
                    f"{self.out} was made with another recipe ({record}) than {DEFAULT_RECIPE}'s of this checkout; "
                    "use a fresh --out"
                )
        elif (self.out / "recipe").exists():
            raise SystemExit(f"{self.out} was made before benchmark folders recorded their recipe; use a fresh --out")
        else:
            write_json(record, levers)

    def context_suffix(self, context: int) -> str:
        """How a model, corpus or serializer trained or cut at another context than the recipe's is
        named beside the recipe's: `-ctx<N>`, or nothing at the recipe's own."""
        return "" if context == self.recipe()["context"] else f"-ctx{context}"

    def recipe_training(self) -> Training:
        return self.mode.train if self.mode.quick else recipe_training(load_recipe(DEFAULT_RECIPE))

    def recipe_texts(self, task_id: str, tokenizer: Path | None = None, context: int | None = None) -> Path:
        """The task's text under the recipe's serializer: whole histories, or with `tokenizer`
        each cut by Java to the context (the recipe's by default) less BOS, as `user_embedding`
        cuts it."""
        context = context or self.recipe()["context"]
        cut = "cut" if context == self.recipe()["context"] else f"cut{context}"
        path = self.out / "text-recipe" / f"{task_id}.{'whole' if tokenizer is None else cut}.jsonl"
        budget = None if tokenizer is None else context - 1
        return self.exported_text(task_id, self.serializer(task_id, RECIPE_METHOD), path, tokenizer, budget)

    def recipe_model(self) -> Path:
        """What `examples/scripts/finetune-loop.sh` does with the recipe, over the corpus entities
        of every task: a domain tokenizer on their whole texts, their texts cut by Java to the
        context, a new model trained on them."""
        recipe, folder, ids = self.recipe(), self.out / "recipe", self.corpus_ids()
        if recipe["tokenizer"]["kind"] != "domain" or recipe["model"]["init"] != "scratch":
            raise SystemExit(f"the benchmark trains the recipe's new model on a domain tokenizer, not {recipe}")
        whole = folder / "tokenizer-corpus.jsonl"
        cached_file(whole, lambda tmp: merge_corpora({t: (self.recipe_texts(t), keep) for t, keep in ids.items()}, tmp))
        serializers = [read_json(self.serializer(t, RECIPE_METHOD)) for t in ids]
        tokenizer = domain_tokenizer(whole, serializers, recipe["tokenizer"]["vocab_size"], folder / "tokenizer.json")
        corpus = folder / "train-corpus.jsonl"
        cached_file(
            corpus, lambda tmp: merge_corpora({t: (self.recipe_texts(t, tokenizer), k) for t, k in ids.items()}, tmp)
        )
        # The trainer reads the rendering (the recipe's check) and the header flag, the same in every task's config.
        if not Path(f"{corpus}.serializer.json").is_file():
            write_json(Path(f"{corpus}.serializer.json"), serializers[0])
        run_dir = self.out / "train" / RECIPE_METHOD
        return fine_tune("scratch", corpus, run_dir, self.recipe_training(), recipe=DEFAULT_RECIPE, tokenizer=tokenizer)

    # --- the run -------------------------------------------------------------------------------
    def baseline(self) -> dict[str, dict]:
        """The tasks prepared and the aggregates scored: what every LLM4ES reading is paired with."""
        self.prepare_tasks()
        return {t: self.score(t, "aggregates", lambda t=t: self.aggregates(t)) for t in self.task_ids}

    def run(self, command: str) -> Path:
        methods = ["aggregates"]
        results = {t: {"aggregates": scored} for t, scored in self.baseline().items()}
        models, pictures, speed, context, repeated = {}, {}, None, {}, {}
        if self.java:
            models = self.language_models()
            best = RECIPE_METHOD if RECIPE_METHOD in models else "llm4es-stories260k"
            methods += ["minilm", *models, "llm4es+aggregates"]
            for t in self.task_ids:
                results[t]["minilm"] = self.score(t, "minilm", lambda t=t: self.minilm(t))
                for method, hf in models.items():
                    results[t][method] = self.score(t, method, lambda t=t, m=method, h=hf: self.llm4es(t, m, h))
                results[t]["llm4es+aggregates"] = self.score(
                    t,
                    "llm4es+aggregates",
                    lambda t=t: pd.concat(
                        [
                            load_features(self.features_path(t, best)),
                            load_features(self.features_path(t, "aggregates")),
                        ],
                        axis=1,
                    ),
                )
            repeated = {t: self.repeated(t, best) for t in self.task_ids}
            speed = self.speed(models)
            context = {t: self.coverage(t, models) for t in self.task_ids}
        for t in self.task_ids:
            ordered = [results[t][m] for m in methods]
            pictures[t] = [bar_chart(t, ordered[0]["metric"], ordered, self.out / "pictures" / f"{t}-scores.png")]
            if self.java:
                labels = read_labels(self.tasks_dir / t).set_index("entity_id")["label"]
                pictures[t].append(
                    projection(
                        t,
                        best,
                        load_features(self.features_path(t, best)),
                        labels,
                        read_task(self.tasks_dir / t),
                        self.out / "pictures" / f"{t}-{best}-pca.png",
                    )
                )
        run = {
            "quick": self.mode.quick,
            "command": command,
            "mode": asdict(self.mode),
            "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "machine": f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
            "jar": str(self.jar) if self.jar else None,
            "tasks": self.task_ids,
            "task_facts": {t: read_task(self.tasks_dir / t) for t in self.task_ids},
            "methods": {m: DESCRIPTIONS[m] for m in methods},
            "training": {m: training_facts(self.out / "train" / m) for m in models if m.endswith("-ft")},
            "context": context,
            "repeated": repeated,
        }
        write_report(self.out, run, results, methods, speed, pictures)
        return self.out

    def speed(self, models: dict[str, Path]) -> dict:
        from .speed import measure_speed

        task_id, method = self.task_ids[0], "llm4es-stories260k"
        return cached_json(
            self.out / "results" / "speed.json",
            lambda: measure_speed(
                self.java,
                self.tasks_dir / task_id,
                self.out / "models" / bundle_name(task_id, method),
                models[method],
                self.texts(task_id),
                self.out / "speed",
                self.mode.speed_repeats,
            ),
        )


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.run") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="report folder (outside git or git-ignored)")
    parser.add_argument("--quick", action="store_true", help="a subset of entities, tiny models, few training steps")
    parser.add_argument(
        "--datasets", type=Path, help="datasets folder (default $LLM4ES_DATASETS or ../shared/datasets)"
    )
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=TASK_IDS)
    parser.add_argument("--max-entities", type=int, help="entities per task (quick default 120; full: all)")
    parser.add_argument("--no-train", dest="train", action="store_false", help="skip the fine-tuned methods")
    parser.add_argument("--threads", type=int, default=2, help="inference threads for every path (2)")
    args = parser.parse_args(argv)
    mode = mode_for(args.quick, args.max_entities, args.train)
    command = f"{prog} {shlex.join(argv if argv is not None else sys.argv[1:])}"
    out = Benchmark(args.out.resolve(), mode, args.tasks, args.datasets, args.threads).run(command)
    print(f"wrote {out / 'report.md'}, {out / 'report.html'}, {out / 'results.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
