"""`llm4es-train coverage --out DIR [--tasks ...] [--vocab-size N]` (or `python -m
llm4es_training.benchmark.coverage`): how much of a user's history a model sees, per task, under
three set-ups: the task's default text with stories260K's tokenizer, the compact text (see
compact.py) with stories260K's tokenizer, and the compact text with a domain tokenizer trained on
the compact text of the training entities only (the benchmark's corpus entities of every task).
The figures are the benchmark's coverage fields (median tokens per kept event, header included;
median share of a user's events kept within the bundle's 512 tokens; median tokens per user),
read from `user_embedding_result` through SQL, so the Java serializer and tokenizer and their
truncation decide them. Behind the domain tokenizer stands a tiny random model: only its token
counts are read. Every step is cached in DIR, like the benchmark's."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..arguments import ArgumentParser
from ..domain_tokenizer import DEFAULT_VOCAB_SIZE
from .artifacts import cached_file, cached_json, read_json, write_json
from .compact import compact_serializer
from .java_cli import context_facts, embedding_result_sql, read_embedding_results
from .llm_models import domain_tokenizer, export_task_bundle, merge_corpora, scratch_model
from .run import STORIES, Benchmark, mode_for
from .task_folder import read_task
from .tasks import TASK_IDS

SETUPS = {
    "default+stories260k": ("default", "stories260k"),
    "compact+stories260k": ("compact", "stories260k"),
    "compact+domain": ("compact", "domain"),
}


class Coverage:
    def __init__(self, bench: Benchmark, vocab_size: int, tokenizer_tasks: list[str]):
        self.bench, self.out, self.vocab_size, self.tokenizer_tasks = bench, bench.out, vocab_size, tokenizer_tasks

    def serializer(self, task_id: str, text: str) -> Path:
        task_dir = self.bench.tasks_dir / task_id
        if text == "default":
            return task_dir / "serializer.json"
        path = self.out / "compact" / f"{task_id}.serializer.json"
        if not path.is_file():
            write_json(path, compact_serializer(read_json(task_dir / "serializer.json"), read_task(task_dir)))
        return path

    def compact_texts(self, task_id: str) -> Path:
        path = self.out / "text-compact" / f"{task_id}.jsonl"
        return self.bench.exported_text(task_id, self.serializer(task_id, "compact"), path)

    def tokenizer(self) -> Path:
        """The domain tokenizer, trained on the compact text of the training entities only."""
        folder = self.out / "tokenizers" / f"domain-{self.vocab_size}"
        corpus = folder / "train-corpus.jsonl"
        ids = {t: i for t, i in self.bench.corpus_ids().items() if t in self.tokenizer_tasks}
        cached_file(
            corpus, lambda tmp: merge_corpora({t: (self.compact_texts(t), keep) for t, keep in ids.items()}, tmp)
        )
        serializers = [read_json(self.serializer(t, "compact")) for t in ids]
        return domain_tokenizer(corpus, serializers, self.vocab_size, folder / "tokenizer.json")

    def model(self, tokenizer: str) -> Path:
        if tokenizer == "stories260k":
            return STORIES
        return scratch_model(self.tokenizer(), self.out / "hf" / f"domain-{self.vocab_size}")

    def facts(self, task_id: str, setup: str) -> dict:
        text, tokenizer = SETUPS[setup]
        serializer = self.serializer(task_id, text)
        base = "stories260k" if tokenizer == "stories260k" else f"domain-{self.vocab_size}"
        name = f"{task_id}-{text}-{base}"
        export_task_bundle(
            self.model(tokenizer),
            serializer,
            name,
            self.out / "models",
            f"coverage: {text} text, {base} tokenizer, task {task_id}",
            self.out / "base-bundles" / base,
        )
        query_csv = self.out / "sql-output" / task_id / f"{name}.results.csv"
        task_dir = self.bench.tasks_dir / task_id
        cached_file(
            query_csv,
            lambda tmp: self.bench.java.query(embedding_result_sql(task_dir, read_json(serializer), name), tmp),
        )
        return context_facts(read_embedding_results(query_csv)[1])


def table(results: dict[str, dict[str, dict]]) -> str:
    lines = [
        "| task | set-up | tokens per event | share of events kept | tokens per user | users truncated |",
        "|---|---|---|---|---|---|",
    ]
    for task_id, by_setup in results.items():
        for setup, c in by_setup.items():
            lines.append(
                f"| {task_id} | {setup} | {c['median_tokens_per_event']:.1f} | "
                f"{100 * c['median_share_of_events_kept']:.0f} % | {c['median_tokens_per_user']:.0f} | "
                f"{c['users_truncated']} of {c['users']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.benchmark.coverage") -> int:
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="output folder (outside git or git-ignored)")
    parser.add_argument(
        "--datasets", type=Path, help="datasets folder (default $LLM4ES_DATASETS or ../shared/datasets)"
    )
    parser.add_argument("--tasks", nargs="+", choices=TASK_IDS, default=TASK_IDS, help="tasks to measure (all)")
    parser.add_argument(
        "--tokenizer-tasks", nargs="+", choices=TASK_IDS, default=TASK_IDS, help="tasks whose training text trains it"
    )
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument(
        "--vocab-size", type=int, default=DEFAULT_VOCAB_SIZE, help=f"domain tokenizer ({DEFAULT_VOCAB_SIZE})"
    )
    parser.add_argument("--max-entities", type=int, help="entities per task (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="inference threads (2)")
    args = parser.parse_args(argv)
    tasks = list(dict.fromkeys([*args.tasks, *args.tokenizer_tasks]))
    bench = Benchmark(args.out.resolve(), mode_for(False, args.max_entities, False), tasks, args.datasets, args.threads)
    if bench.java is None:
        print(f"{prog}: the llm4es jar is needed (mvn package builds it)", file=sys.stderr)
        return 1
    bench.prepare_tasks()
    coverage = Coverage(bench, args.vocab_size, args.tokenizer_tasks)
    results = {
        t: {
            s: cached_json(
                bench.out / "coverage" / t / f"{s}-{args.vocab_size}.json", lambda t=t, s=s: coverage.facts(t, s)
            )
            for s in args.setups
        }
        for t in args.tasks
    }
    command = f"{prog} {shlex.join(argv if argv is not None else sys.argv[1:])}"
    write_json(bench.out / "coverage.json", {"command": command, "vocab_size": args.vocab_size, "results": results})
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
