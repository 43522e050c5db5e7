"""Training: loss goes down, bundles export (full and LoRA) and embed in Java exactly as in PyTorch,
runs resume, and two processes train like one."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

from llm4es_training.cli import main
from llm4es_training.errors import TrainingError
from llm4es_training.manifest import read_manifest
from llm4es_training.pooling import LayerMeanPooling
from llm4es_training.scratch import train_bpe_tokenizer
from llm4es_training.tokens import encode_for_bundle
from llm4es_training.training_log import read_log
from llm4es_training.training_run import TrainRequest, run_training
from llm4es_training.verification import cosine_rows, torch_embed

from support import HEADER, STORIES260K_DIR, TEXTS, corpus_records

STORIES260K_GGUF = STORIES260K_DIR.parent / "stories260K-clean.gguf"
# What each trained model starts from and how it is trained: every architecture, both methods.
RUNS = {
    "llama": {"lora": (4, 8.0)},
    "qwen2": {},
    "gpt2": {"lora": (4, 8.0)},  # GPT-2's Conv1D layers take the transposed LoRA merge
    "stories260k-gguf": {},
    "scratch": {"init": "scratch", "scratch_size": "tiny"},  # its own BPE tokenizer must load in Java
}
# ONNX export dominates test time; qwen2's full fine-tuning exports like stories260K's.
EXPORTED = [name for name in RUNS if name != "qwen2"]


def request(corpus: Path, out: Path, **overrides) -> TrainRequest:
    settings = dict(
        corpus=corpus,
        init="scratch",
        out=out,
        scratch_size="tiny",
        context=128,
        max_steps=8,
        batch_size=8,
        micro_batch_size=4,
        lr=5e-3,
        heldout_fraction=0.25,
        log_every=1,
        checkpoint_every=100,
        progress=False,
    )
    return TrainRequest(**{**settings, **overrides})


@pytest.fixture(scope="session")
def trained(tiny_model_dir, corpus_path, tmp_path_factory):
    """Trains and exports one RUNS entry once per session: (summary, run dir, bundle dir)."""
    done = {}

    def get(name: str):
        if name not in done:
            options = dict(RUNS[name])
            if name == "stories260k-gguf":
                if not STORIES260K_GGUF.is_file():
                    pytest.skip(f"{STORIES260K_GGUF} not found")
                options["init"] = str(STORIES260K_GGUF)
            options.setdefault("init", str(tiny_model_dir(name)) if name in ("llama", "qwen2", "gpt2") else None)
            work = tmp_path_factory.mktemp(f"train-{name}")
            if name in EXPORTED:
                options.update(export_bundle=work / "bundle", name=f"trained-{name}")
            summary = run_training(request(corpus_path, work / "run", **options))
            done[name] = (summary, work / "run", work / "bundle")
        return done[name]

    return get


@pytest.mark.parametrize("name", RUNS)
def test_a_few_steps_lower_the_loss(trained, name):
    summary, run_dir, _ = trained(name)
    training = summary["training"]
    assert summary["finished"] and training["steps"] == 8
    assert training["heldout_loss_after"] < training["heldout_loss_before"]
    train_losses = [r["loss"] for r in read_log(run_dir / "train_log.jsonl") if r["kind"] == "train"]
    assert len(train_losses) == 8 and train_losses[-1] < train_losses[0]
    assert (run_dir / "loss_curve.png").stat().st_size > 1000


@pytest.mark.parametrize("name", EXPORTED)
def test_bundle_records_the_training(trained, name, corpus_path, serializer_config):
    summary, _, bundle_dir = trained(name)
    manifest = read_manifest(bundle_dir)
    training = manifest["training"]
    assert training == summary["training"]
    assert training["method"] == ("lora" if "lora" in RUNS[name] else "full")
    assert training["corpus"]["sha256"] == hashlib.sha256(corpus_path.read_bytes()).hexdigest()
    assert training["corpus"]["train_users"] + training["corpus"]["heldout_users"] == len(corpus_records())
    assert training["corpus"]["events_dropped"] > 0  # the longest users exceed 128 tokens
    assert training["tokens_seen"] > 0 and training["tokens_per_s"] > 0
    assert manifest["serializer"] == serializer_config  # taken from corpus.jsonl.serializer.json
    assert manifest["max_tokens"] == 128 == training["context_tokens"]
    assert manifest["base_model"]["name_or_path"] == training["base_model"]


@pytest.mark.parametrize("name", EXPORTED)
def test_java_embeds_the_trained_model_like_pytorch(trained, name, java_embed):
    _, run_dir, bundle_dir = trained(name)
    manifest = read_manifest(bundle_dir)
    tokenizer = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    model = AutoModelForCausalLM.from_pretrained(run_dir / "model", dtype=torch.float32).eval()
    pooling = LayerMeanPooling(
        model.base_model, manifest["pooling"]["layers_from"], manifest["pooling"]["layers_to"]
    ).eval()
    texts = {**TEXTS, **{r["user_id"]: r["text"] for r in corpus_records()[:3]}}
    texts = {
        key: text
        for key, text in texts.items()
        if len(encode_for_bundle(tokenizer, text, manifest["tokens"])) <= manifest["max_tokens"]
    }

    from_java = java_embed(bundle_dir, texts)
    for key, text in texts.items():
        ids = encode_for_bundle(tokenizer, text, manifest["tokens"])
        assert from_java[key]["token_ids"] == ids, f"token ids differ for {key!r}"
        expected = torch_embed(pooling, np.asarray([ids]), np.ones((1, len(ids)), dtype=np.int64))
        cosine = cosine_rows(np.asarray([from_java[key]["embedding"]]), expected)[0]
        assert cosine >= 0.9999, f"{name} {key!r}: cosine(Java, PyTorch) = {cosine:.6f}"


def test_lora_is_merged_and_changes_the_weights(trained, tiny_model_dir):
    _, run_dir, _ = trained("llama")
    before = load_file(tiny_model_dir("llama") / "model.safetensors")
    after = load_file(run_dir / "model" / "model.safetensors")
    assert sorted(before) == sorted(after)  # merged: no adapter tensors left
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert any("q_proj" in k for k in changed) and not any("norm" in k for k in changed)


def test_resume_continues_exactly_where_the_run_stopped(tiny_model_dir, corpus_path, tmp_path):
    init = str(tiny_model_dir("llama"))
    whole = run_training(request(corpus_path, tmp_path / "whole", init=init, checkpoint_every=2))
    stopped = run_training(request(corpus_path, tmp_path / "parts", init=init, checkpoint_every=2, stop_at_step=3))
    assert not stopped["finished"] and stopped["training"]["steps"] == 3
    assert not (tmp_path / "parts" / "model").exists()
    resumed = run_training(request(corpus_path, tmp_path / "parts", init=init, checkpoint_every=2, resume=True))

    assert resumed["finished"] and resumed["training"]["steps"] == 8
    for key in ("final_train_loss", "heldout_loss_before", "heldout_loss_after", "tokens_seen"):
        assert resumed["training"][key] == pytest.approx(whole["training"][key], rel=1e-6), key
    losses = [
        [r["loss"] for r in read_log(d / "train_log.jsonl") if r["kind"] == "train"]
        for d in (tmp_path / "whole", tmp_path / "parts")
    ]
    assert losses[1] == pytest.approx(losses[0], rel=1e-6) and len(losses[0]) == 8


def test_resume_with_changed_settings_is_refused(tiny_model_dir, corpus_path, tmp_path):
    init = str(tiny_model_dir("llama"))
    run_training(request(corpus_path, tmp_path / "run", init=init, max_steps=2, stop_at_step=1))
    with pytest.raises(TrainingError, match="different settings than the run .*: lr"):
        run_training(request(corpus_path, tmp_path / "run", init=init, max_steps=2, lr=1e-4, resume=True))
    with pytest.raises(TrainingError, match="already exists: pass --resume"):
        run_training(request(corpus_path, tmp_path / "run", init=init, max_steps=2))


def test_two_processes_train_like_one(tiny_model_dir, corpus_path, tmp_path):
    init = str(tiny_model_dir("llama"))
    options = [
        "--corpus",
        str(corpus_path),
        "--init",
        init,
        "--context",
        "128",
        "--max-steps",
        "4",
        "--batch-size",
        "8",
        "--micro-batch-size",
        "2",
        "--lr",
        "5e-3",
        "--heldout-fraction",
        "0.25",
        "--log-every",
        "1",
        "--no-progress",
    ]
    one = run_training(request(corpus_path, tmp_path / "one", init=init, max_steps=4, micro_batch_size=2))
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "--no-python",
        str(Path(sys.executable).parent / "llm4es-train"),
        "train",
        *options,
        "--out",
        str(tmp_path / "two"),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    two = json.loads((tmp_path / "two" / "summary.json").read_text())

    assert two["training"]["processes"] == 2
    for key in ("final_train_loss", "heldout_loss_before", "heldout_loss_after"):
        assert two["training"][key] == pytest.approx(one["training"][key], rel=1e-4), key
    weights = [load_file(tmp_path / run / "model" / "model.safetensors") for run in ("one", "two")]
    assert max((weights[0][k] - weights[1][k]).abs().max().item() for k in weights[0]) < 1e-4


def test_scratch_tokenizer_splits_digits_and_has_special_tokens():
    tokenizer = train_bpe_tokenizer([HEADER + "\n2024-01-03, debit, 1250.00"] * 20, vocab_size=300)
    assert [tokenizer.token_to_id(t) for t in ("<pad>", "<s>", "</s>")] == [0, 1, 2]
    tokens = tokenizer.encode("amount 98765.43", add_special_tokens=False).tokens
    assert [t for t in tokens if any(c.isdigit() for c in t)] == list("9876543")
    assert tokenizer.decode(tokenizer.encode("Café 12 ✓").ids) == "Café 12 ✓"  # byte level: nothing unknown


@pytest.mark.parametrize("case", ["empty", "no-text-field", "missing-model", "missing-corpus"])
def test_cli_failures_are_one_line_and_leave_nothing(case, corpus_path, tmp_path, capsys):
    corpus, init = corpus_path, "scratch"
    if case == "empty":
        corpus = tmp_path / "empty.jsonl"
        corpus.write_text("")
    elif case == "no-text-field":
        corpus = tmp_path / "no-text.jsonl"
        corpus.write_text(json.dumps({"user_id": "u1", "events": 3}) + "\n")
    elif case == "missing-model":
        init = str(tmp_path / "no" / "such-model")
    else:
        corpus = tmp_path / "missing.jsonl"
    out, bundle = tmp_path / "run", tmp_path / "bundle"
    code = main(
        [
            "train",
            "--corpus",
            str(corpus),
            "--init",
            init,
            "--scratch-size",
            "tiny",
            "--out",
            str(out),
            "--serializer",
            str(corpus_path) + ".serializer.json",
            "--export-bundle",
            str(bundle),
            "--name",
            "x",
            "--no-progress",
        ]
    )
    error = capsys.readouterr().err
    expected = {
        "empty": "is empty",
        "no-text-field": "has no 'text' field",
        "missing-model": "model path not found",
        "missing-corpus": "corpus not found",
    }[case]
    assert code == 1 and error.count("\n") == 1 and error.startswith("llm4es-train: error: ")
    assert expected in error
    assert not out.exists() and not bundle.exists()
