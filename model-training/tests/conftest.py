"""Shared test fixtures: tiny random causal LMs of several architectures, the real stories260K,
and their bundles, exported once per session."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import (
    AutoModelForCausalLM,
    GPT2Config,
    LlamaConfig,
    PreTrainedTokenizerFast,
    Qwen2Config,
)

from llm4es_training.bundle import export_bundle
from llm4es_training.checkout import missing_jar_message
from llm4es_training.manifest import read_manifest
from llm4es_training.pooling import LayerMeanPooling
from llm4es_training.tokens import encode_for_bundle, right_pad
from llm4es_training.verification import onnx_session, torch_embed

from support import EVENT_LINES, HEADER, JAR, REPO_ROOT, STORIES260K_DIR, TEXTS, corpus_records  # noqa: F401

# A serializer config in the shape the Java serializer reads; bundles must carry it verbatim.
SERIALIZER_CONFIG = {
    "format_version": 1,
    "fields": [
        {"name": "date", "role": "time", "format": "yyyy-MM-dd"},
        {"name": "type", "role": "category", "dictionary": {"D": "debit", "C": "credit"}},
        {
            "name": "mcc",
            "role": "category",
            "label": "merchant category",
            "dictionary": {"5411": "Grocery Stores, Supermarkets", "6011": "Cash Withdrawal (ATM)"},
        },
        {"name": "amount", "role": "number", "format": "0.00"},
    ],
    "header": True,
    "rendering": "lines",
    "max_tokens": 512,
    "truncation": "drop_oldest",
}

# Tiny random models reuse stories260K's tokenizer (vocab 512); ids 1/2 are its <s>/</s>.
_TINY = dict(vocab_size=512, bos_token_id=1, eos_token_id=2, initializer_range=0.2)


def _tiny_llama(key_value_heads: int) -> LlamaConfig:
    return LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=key_value_heads,
        max_position_embeddings=1024,
        **_TINY,
    )


TINY_CONFIGS = {
    "llama": lambda: _tiny_llama(2),
    # One key/value head per query head, as the scratch models have.
    "llama-mha": lambda: _tiny_llama(4),
    "qwen2": lambda: Qwen2Config(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        **_TINY,
    ),
    "gpt2": lambda: GPT2Config(n_embd=48, n_layer=2, n_head=4, n_positions=1024, **_TINY),
}
MODELS = ["stories260k", *TINY_CONFIGS]


@dataclass
class ExportedModel:
    """A source model and its exported bundle, with both ways of embedding token rows."""

    model_dir: Path
    bundle_dir: Path
    manifest: dict
    tokenizer: Tokenizer
    pooling: LayerMeanPooling

    def token_ids(self, text: str) -> list[int]:
        return encode_for_bundle(self.tokenizer, text, self.manifest["tokens"])

    def batch(self, rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        return right_pad(rows, self.manifest["tokens"]["pad_id"])

    def onnx_embed(self, rows: list[list[int]]) -> np.ndarray:
        input_ids, attention_mask = self.batch(rows)
        session = onnx_session(self.bundle_dir / "model.onnx")
        (embedding,) = session.run(["embedding"], {"input_ids": input_ids, "attention_mask": attention_mask})
        return embedding

    def torch_embed(self, rows: list[list[int]]) -> np.ndarray:
        return torch_embed(self.pooling, *self.batch(rows))


def stories260k_tokenizer_json() -> Path:
    path = STORIES260K_DIR / "tokenizer.json"
    if not path.is_file():
        pytest.skip(f"stories260K not found at {STORIES260K_DIR} (set LLM4ES_STORIES260K)")
    return path


def save_tiny_model(kind: str, directory: Path) -> Path:
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(TINY_CONFIGS[kind]())
    model.save_pretrained(directory)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(stories260k_tokenizer_json()),
        # An explicit pad token: otherwise AutoTokenizer picks Qwen2's class for the qwen2 model,
        # which adds "<|endoftext|>" (id 512) as pad, outside this 512-token vocabulary.
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="</s>",
    )
    tokenizer.save_pretrained(directory)
    return directory


def pytest_generate_tests(metafunc):
    # Every test taking `model_name` runs once per exported architecture.
    if "model_name" in metafunc.fixturenames:
        metafunc.parametrize("model_name", MODELS)


@pytest.fixture(scope="session")
def serializer_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serializer") / "serializer.json"
    path.write_text(json.dumps(SERIALIZER_CONFIG), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def serializer_config() -> dict:
    return SERIALIZER_CONFIG


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """Saves a tiny random model of the given kind once per session."""
    saved = {}

    def get(kind: str) -> Path:
        if kind not in saved:
            saved[kind] = save_tiny_model(kind, tmp_path_factory.mktemp(f"{kind}-model"))
        return saved[kind]

    return get


@pytest.fixture(scope="session")
def exported(tiny_model_dir, serializer_path, tmp_path_factory):
    """Exports the bundle of a model name in MODELS once per session."""
    bundles = {}

    def get(name: str) -> ExportedModel:
        if name not in bundles:
            if name == "stories260k":
                stories260k_tokenizer_json()
                model_dir = STORIES260K_DIR
            else:
                model_dir = tiny_model_dir(name)
            bundle_dir = tmp_path_factory.mktemp(f"{name}-bundle") / name
            export_bundle(model=str(model_dir), serializer=serializer_path, name=name, out=bundle_dir)
            manifest = read_manifest(bundle_dir)
            model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
            pooling = LayerMeanPooling(
                model.base_model, manifest["pooling"]["layers_from"], manifest["pooling"]["layers_to"]
            ).eval()
            bundles[name] = ExportedModel(
                model_dir=model_dir,
                bundle_dir=bundle_dir,
                manifest=manifest,
                tokenizer=Tokenizer.from_file(str(bundle_dir / "tokenizer.json")),
                pooling=pooling,
            )
        return bundles[name]

    return get


@pytest.fixture
def texts() -> dict[str, str]:
    return dict(TEXTS)


@pytest.fixture(scope="session")
def jar() -> Path:
    """The Java runtime jar; tests needing it are skipped without it unless LLM4ES_REQUIRE_JAR=1."""
    if JAR.is_file() and shutil.which("java"):
        return JAR
    reason = missing_jar_message()
    if not shutil.which("java"):
        reason = "no `java` on PATH"
    if os.environ.get("LLM4ES_REQUIRE_JAR") == "1":
        pytest.fail(f"{reason}; LLM4ES_REQUIRE_JAR=1 demands the tests that need it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def java_embed(jar, tmp_path):
    """Embeds raw texts (key -> text) with a bundle through the Java CLI: key -> {token_ids, embedding}."""

    def embed(bundle_dir: Path, texts: dict[str, str]) -> dict[str, dict]:
        input_file, output_file = tmp_path / "java-in.jsonl", tmp_path / "java-out.jsonl"
        input_file.write_text(
            "".join(json.dumps({"id": key, "text": text}, ensure_ascii=False) + "\n" for key, text in texts.items()),
            encoding="utf-8",
        )
        command = [
            "java",
            "-jar",
            str(jar),
            "embed-texts",
            "--bundle",
            str(bundle_dir),
            "--input",
            str(input_file),
            "--output",
            str(output_file),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
        lines = output_file.read_text(encoding="utf-8").splitlines()
        return {record["id"]: record for record in map(json.loads, lines)}

    return embed


@pytest.fixture(scope="session")
def corpus_path(tmp_path_factory) -> Path:
    """corpus.jsonl with its serializer config beside it, as export-text writes them."""
    directory = tmp_path_factory.mktemp("corpus")
    path = directory / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in corpus_records()), encoding="utf-8")
    (directory / "corpus.jsonl.serializer.json").write_text(json.dumps(SERIALIZER_CONFIG), encoding="utf-8")
    return path
