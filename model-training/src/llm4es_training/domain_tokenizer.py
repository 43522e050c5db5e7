"""A domain tokenizer: byte-level BPE trained on the Java serializer's text, in which each field
value is one pre-token (the text is split only before the serializer's separators and line breaks),
so a value frequent in the corpus becomes a single token together with the separator before it
(`|credit`, `|12k`, a line's `\\n+3d`). A rare value falls apart into learned pieces (digits
included), never into unknown tokens: every byte is in the alphabet."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Regex, Tokenizer, models, pre_tokenizers

from .arguments import ArgumentParser
from .corpus import find_serializer, load_corpus, read_serializer
from .errors import TrainingError
from .scratch import train_byte_level

DEFAULT_VOCAB_SIZE = 4096


def separators(serializer: dict) -> list[str]:
    """Where one value ends and the next begins in the config's text: its value and header
    separators (the compact rendering joins values with the header separator), longest first so
    that a separator containing another one wins."""
    found = {serializer.get("value_separator", ", "), serializer.get("header_separator", "|")}
    return sorted((s for s in found if s), key=len, reverse=True)


def train_domain_tokenizer(texts: Iterable[str], vocab_size: int, value_separators: list[str]) -> Tokenizer:
    """BPE whose pre-tokens are whole field values with the separator (or line break) before them;
    `<pad>`, `<s>`, `</s>` are ids 0, 1, 2, as for a scratch model."""
    if not value_separators:
        raise TrainingError("a domain tokenizer needs at least one value separator")
    boundary = "|".join(re.escape(s) for s in [*value_separators, "\n"])
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(boundary), behavior="merged_with_next"),
            # use_regex=False: no further split at spaces or digits, a value stays whole
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    return train_byte_level(tokenizer, texts, vocab_size)


def main(argv: list[str] | None = None, prog: str = "python -m llm4es_training.domain_tokenizer") -> int:
    parser = ArgumentParser(
        prog=prog,
        description="Train a domain tokenizer (tokenizer.json) on a corpus written by export-text; its "
        "serializer config (--serializer, else CORPUS.serializer.json) names the value separators.",
    )
    parser.add_argument("--corpus", type=Path, required=True, help="corpus.jsonl from export-text")
    parser.add_argument("--serializer", type=Path, help="the corpus's serializer config")
    parser.add_argument("--out", type=Path, required=True, help="tokenizer.json to write")
    parser.add_argument("--vocab-size", type=int, default=DEFAULT_VOCAB_SIZE, help=f"({DEFAULT_VOCAB_SIZE})")
    args = parser.parse_args(argv)
    try:
        records = load_corpus(args.corpus)
        serializer_path = find_serializer(args.corpus, args.serializer)
        if serializer_path is None:
            raise TrainingError(f"no serializer config: pass --serializer or put it at {args.corpus}.serializer.json")
        tokenizer = train_domain_tokenizer(
            (r.text for r in records), args.vocab_size, separators(read_serializer(serializer_path))
        )
    except TrainingError as error:
        print(f"llm4es-train tokenizer: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(args.out))
    print(f"wrote {args.out} ({tokenizer.get_vocab_size()} tokens)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
