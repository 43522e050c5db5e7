"""LLM rewriting of a training corpus, the paper's augmentation: an instruction model rewrites each
user's history in a format of its choice, with paraphrased category names and a short analysis
(temperature 0.6, top-p 0.9).

The input is a corpus written by the Java `export-text` command: its `facts` (each event's dates and
numbers, as rendered) let us reject a rewrite that lost events. A rewrite is accepted only if every
fact appears in it, as a whole token, at least as many times as there are events carrying it.
Anything else (an error, an empty answer, a rejected answer) keeps the deterministic text and is
counted. Answers are cached on disk by a hash of everything that determines them.

    llm4es-train rewrite --corpus corpus.jsonl --out rewritten.jsonl --cache .rewrite-cache \
        (--endpoint http://127.0.0.1:8000 --model NAME | --local-model DIR) [--share 0.5 --seed 42]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from .arguments import ArgumentParser
from .corpus import SERIALIZER_SUFFIX
from .errors import TrainingError

INSTRUCTION = (
    "Rewrite the following history of one customer's events in a format of your choice "
    "(a narrative, a list, a table, grouped by theme...). Describe the categories in your own words. "
    "Keep every event, and write each event's date and amount exactly as they are written below. "
    "End with a short analysis of the customer's habits."
)
TEMPERATURE = 0.6
TOP_P = 0.9
REWRITE_RENDERING = "rewrite"


@dataclass(frozen=True)
class Sampling:
    temperature: float = TEMPERATURE
    top_p: float = TOP_P
    max_new_tokens: int = 1024


class Backend(Protocol):
    """An instruction model: one chat turn in, the answer's text out (raises on failure)."""

    identity: str

    def complete(self, instruction: str, text: str, sampling: Sampling, seed: int) -> str: ...


class OpenAIChatBackend:
    """Any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama): POST /v1/chat/completions."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 300):
        self.url = base_url.rstrip("/") + ("" if base_url.rstrip("/").endswith("/v1") else "/v1") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.identity = f"openai-chat:{model}"

    def complete(self, instruction: str, text: str, sampling: Sampling, seed: int) -> str:
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": instruction}, {"role": "user", "content": text}],
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_new_tokens,
            "seed": seed,
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, json.dumps(body).encode("utf-8"), headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            answer = json.loads(response.read().decode("utf-8"))
        try:
            return answer["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"not a chat completion: {str(answer)[:200]}") from None


class TransformersBackend:
    """A local Hugging Face causal LM, sampled in-process (the chat template when it has one)."""

    def __init__(self, model_dir: str | Path, device: str = "cpu"):
        from transformers import AutoModelForCausalLM, AutoTokenizer  # Deferred: slow imports.

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir).to(device).eval()
        self.device = device
        self.identity = f"transformers:{Path(model_dir).resolve().name}"

    def complete(self, instruction: str, text: str, sampling: Sampling, seed: int) -> str:
        import torch

        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "system", "content": instruction}, {"role": "user", "content": text}]
            prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            prompt = f"{instruction}\n\n{text}\n\n"
        ids = self.tokenizer(prompt, return_tensors="pt").input_ids
        room = self.model.config.max_position_embeddings - sampling.max_new_tokens
        if ids.shape[1] > room:
            raise ValueError(f"prompt of {ids.shape[1]} tokens leaves no room for the answer")
        torch.manual_seed(seed)  # Same text, same seed, same answer: reruns agree with the cache.
        with torch.no_grad():
            out = self.model.generate(
                ids.to(self.device),
                do_sample=True,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_new_tokens=sampling.max_new_tokens,
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        return self.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)


class RewriteCache:
    """Answers on disk, one JSON file per key: the sha256 of backend, sampling, instruction and text."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @staticmethod
    def key(backend: str, instruction: str, text: str, sampling: Sampling) -> str:
        payload = json.dumps(
            {"backend": backend, "instruction": instruction, "text": text, **asdict(sampling)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        path = self._path(key)
        return json.loads(path.read_text(encoding="utf-8"))["answer"] if path.is_file() else None

    def put(self, key: str, answer: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        tmp.write_text(json.dumps({"answer": answer}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)


def keeps_every_event(rewrite: str, facts: list[list[str]]) -> bool:
    """Every event's facts appear as whole tokens, each at least as often as events carry it."""
    needed = Counter(fact for event in facts for fact in set(event))
    for fact, count in needed.items():
        pattern = r"(?<![\w.])" + re.escape(fact) + r"(?![\w]|\.\d)"
        if len(re.findall(pattern, rewrite)) < count:
            return False
    return True


@dataclass
class RewriteStats:
    users: int = 0
    rewritten: int = 0
    not_selected: int = 0  # kept deterministic by the share
    failed: int = 0  # the backend raised (network, HTTP error, bad answer)
    empty: int = 0
    rejected: int = 0  # the answer lost events
    cache_hits: int = 0
    model_calls: int = 0

    @property
    def fallbacks(self) -> int:
        return self.failed + self.empty + self.rejected


@dataclass
class Rewriter:
    backend: Backend
    cache: RewriteCache
    sampling: Sampling = field(default_factory=Sampling)
    instruction: str = INSTRUCTION
    share: float = 1.0
    seed: int = 0

    def selected(self, user_id: str) -> bool:
        """Whether this user is rewritten: a draw from the seed and the user id, never from row order."""
        digest = hashlib.sha256(f"{self.seed}:{user_id}".encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.share

    def rewrite_record(self, record: dict, stats: RewriteStats) -> dict:
        stats.users += 1
        user_id = str(record.get("user_id"))
        if not self.selected(user_id):
            stats.not_selected += 1
            return record
        if "facts" not in record:
            raise TrainingError(f"user {user_id}: the corpus has no 'facts'; export it with the Java export-text")
        text = record["text"]
        key = RewriteCache.key(self.backend.identity, self.instruction, text, self.sampling)
        answer = self.cache.get(key)
        if answer is not None:
            stats.cache_hits += 1
        else:
            stats.model_calls += 1
            try:
                answer = self.backend.complete(self.instruction, text, self.sampling, int(key[:8], 16))
            except (OSError, ValueError, urllib.error.URLError, RuntimeError) as error:
                stats.failed += 1
                return {**record, "rewrite_status": f"failed: {type(error).__name__}"}
            self.cache.put(key, answer)
        answer = answer.strip()
        if not answer:
            stats.empty += 1
            return {**record, "rewrite_status": "empty"}
        if not keeps_every_event(answer, record["facts"]):
            stats.rejected += 1
            return {**record, "rewrite_status": "rejected: events lost"}
        stats.rewritten += 1
        return {
            **record,
            "text": answer,
            "rendering": REWRITE_RENDERING,
            "source_rendering": record.get("rendering"),
            "rewrite_status": "ok",
        }

    def rewrite_corpus(self, corpus: Path, out: Path) -> RewriteStats:
        """Writes the rewritten corpus (one record per user, as the trainer expects), its serializer
        sidecar, and `<out>.rewrite.json` with the settings and counts."""
        corpus, out = Path(corpus), Path(out)
        stats = RewriteStats()
        tmp = out.with_name(out.name + ".partial")
        with corpus.open(encoding="utf-8") as source, tmp.open("w", encoding="utf-8") as sink:
            for line in source:
                if line.strip():
                    sink.write(json.dumps(self.rewrite_record(json.loads(line), stats), ensure_ascii=False) + "\n")
        tmp.replace(out)
        sidecar = Path(str(corpus) + SERIALIZER_SUFFIX)
        if sidecar.is_file():
            shutil.copyfile(sidecar, str(out) + SERIALIZER_SUFFIX)
        report = {
            "backend": self.backend.identity,
            "instruction": self.instruction,
            **asdict(self.sampling),
            "share": self.share,
            "seed": self.seed,
            "source": str(corpus),
            "counts": {**asdict(stats), "fallbacks": stats.fallbacks},
        }
        Path(str(out) + ".rewrite.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        return stats


def build_parser(prog: str = "python -m llm4es_training.rewrite") -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, type=Path, help="corpus from the Java export-text")
    parser.add_argument("--out", required=True, type=Path, help="rewritten corpus to write")
    parser.add_argument("--cache", required=True, type=Path, help="directory of cached answers")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--endpoint", help="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000")
    where.add_argument("--local-model", type=Path, help="a Hugging Face causal LM directory, run in-process")
    parser.add_argument("--model", help="model name sent to the endpoint")
    parser.add_argument("--api-key", help="bearer token for the endpoint, if it wants one")
    parser.add_argument("--share", type=float, default=1.0, help="fraction of users rewritten (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the per-user draw (default 0)")
    parser.add_argument("--temperature", type=float, default=TEMPERATURE)
    parser.add_argument("--top-p", type=float, default=TOP_P)
    parser.add_argument("--max-new-tokens", type=int, default=1024)
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.rewrite") -> int:
    args = build_parser(prog).parse_args(argv)
    if args.endpoint and not args.model:
        print("rewrite: --endpoint needs --model", file=sys.stderr)
        return 2
    if not 0 <= args.share <= 1:
        print("rewrite: --share must be in [0, 1]", file=sys.stderr)
        return 2
    backend = (
        OpenAIChatBackend(args.endpoint, args.model, args.api_key)
        if args.endpoint
        else TransformersBackend(args.local_model)
    )
    rewriter = Rewriter(
        backend,
        RewriteCache(args.cache),
        Sampling(args.temperature, args.top_p, args.max_new_tokens),
        share=args.share,
        seed=args.seed,
    )
    try:
        stats = rewriter.rewrite_corpus(args.corpus, args.out)
    except TrainingError as error:
        print(f"rewrite: error: {error}", file=sys.stderr)
        return 1
    print(
        f"rewrote {stats.rewritten} of {stats.users} users; fallbacks {stats.fallbacks} (failed {stats.failed}, "
        f"empty {stats.empty}, rejected {stats.rejected}); cache hits {stats.cache_hits}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
