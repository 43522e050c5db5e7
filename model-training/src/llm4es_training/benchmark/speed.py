"""The speed section: one model, one task's texts, the same inference threads everywhere.

Java runs are whole processes (JVM start, model load, CSV read), so each path is timed
differentially: the run over all entities minus the same run over one entity. That leaves the
per-user work: serialization, tokenization, batching and inference."""

from __future__ import annotations

import collections
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..arguments import ArgumentParser
from ..checkout import REPO_ROOT
from ..manifest import MANIFEST_FILE
from .artifacts import read_json
from .java_cli import JavaCli, embedding_sql, run_measured, source_sql

MATMUL_SIZE = 1024
# ONNX Runtime's attention kernels: what the fused graphs spend on attention.
ATTENTION_OPS = ("MultiHeadAttention", "GroupQueryAttention", "Attention")
# The vector extensions the ceilings and the int8 kernels depend on, as /proc/cpuinfo names them.
SIMD_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_int8", "amx_bf16")


def matmul_peak_gflops(threads: int, repeats: int = 5) -> float:
    """float32 matrix-multiply GFLOP/s of numpy's BLAS on `threads` threads: the attainable peak."""
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    best = float("inf")
    with threadpool_limits(limits=threads):
        a @ a
        for _ in range(repeats):
            started = time.perf_counter()
            a @ a
            best = min(best, time.perf_counter() - started)
    return 2 * MATMUL_SIZE**3 / best / 1e9


def _differential(run_all, run_one, repeats: int) -> tuple[float, float]:
    """Median over repeats of (all - one) seconds, and the largest peak RSS seen (MB)."""
    deltas, rss = [], 0.0
    for _ in range(repeats):
        whole, single = run_all(), run_one()
        deltas.append(max(whole.seconds - single.seconds, 1e-9))
        rss = max(rss, whole.max_rss_mb)
    return statistics.median(deltas), rss


def measure_speed(
    java: JavaCli, task_dir: Path, bundle: Path, hf_model: Path, corpus: Path, work: Path, repeats: int
) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    serializer = read_json(task_dir / "serializer.json")
    manifest = read_json(bundle / MANIFEST_FILE)
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    users, events = len(records), sum(r["events"] for r in records)
    first = str(records[0]["user_id"])
    # The texts the model sees (oldest events dropped to fit its token budget), from the SQL function.
    seen = work / "seen-texts.csv"
    java.query(embedding_sql(task_dir, serializer, manifest["name"], function="serialize_events"), seen)
    seen_texts = pd.read_csv(seen, dtype=str, keep_default_na=False)
    lines = [json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(seen_texts.iloc[:, 0], seen_texts.iloc[:, 1])]
    texts, one_text = work / "texts.jsonl", work / "one-text.jsonl"
    texts.write_text("".join(lines), encoding="utf-8")
    one_text.write_text(lines[0], encoding="utf-8")

    tokens_file = work / "tokens.jsonl"
    java_s, java_rss = _differential(
        lambda: java.embed_texts(bundle, texts, tokens_file),
        lambda: java.embed_texts(bundle, one_text, work / "one-token.jsonl"),
        repeats,
    )
    lengths = [len(json.loads(line)["token_ids"]) for line in tokens_file.read_text(encoding="utf-8").splitlines()]
    tokens = sum(lengths)
    model = manifest["name"]
    sql_s, sql_rss = _differential(
        lambda: java.query(embedding_sql(task_dir, serializer, model), work / "sql.csv"),
        lambda: java.query(embedding_sql(task_dir, serializer, model, first), work / "sql-one.csv"),
        repeats,
    )
    ser_s, _ = _differential(
        lambda: java.export_text(source_sql(task_dir, serializer), task_dir / "serializer.json", work / "text.jsonl"),
        lambda: java.export_text(
            source_sql(task_dir, serializer, entity=first), task_dir / "serializer.json", work / "text-one.jsonl"
        ),
        repeats,
    )
    pooling = manifest["pooling"]
    torch_result, torch_rss_mb = torch_eager(hf_model, tokens_file, java.threads, pooling, repeats)
    peak = matmul_peak_gflops(java.threads)
    java_gflops = torch_result["flops"] / java_s / 1e9
    paths = {
        "sql_aggregate_h2": {"seconds": sql_s, "peak_rss_mb": sql_rss},
        "java_embedder": {"seconds": java_s, "peak_rss_mb": java_rss},
        "pytorch_eager": {"seconds": torch_result["seconds"], "peak_rss_mb": torch_rss_mb},
    }
    for p in paths.values():
        p |= {"tokens_per_s": tokens / p["seconds"], "users_per_s": users / p["seconds"]}
    return {
        "task": read_json(task_dir / "task.json")["id"],
        "model": manifest["name"],
        "threads": java.threads,
        "users": users,
        "events": events,
        "tokens": tokens,
        "repeats": repeats,
        "paths": paths,
        "ratios": {
            "java_over_pytorch": paths["java_embedder"]["tokens_per_s"] / paths["pytorch_eager"]["tokens_per_s"],
            "sql_over_java": paths["sql_aggregate_h2"]["tokens_per_s"] / paths["java_embedder"]["tokens_per_s"],
            "sql_over_pytorch": paths["sql_aggregate_h2"]["tokens_per_s"] / paths["pytorch_eager"]["tokens_per_s"],
        },
        "forward_gflop": torch_result["flops"] / 1e9,
        "java_embedder_gflops": java_gflops,
        "matmul_peak_gflops": peak,
        "java_share_of_peak": java_gflops / peak,
        "serializer_events_per_s": events / ser_s,
        "method": "Java paths: median over repeats of (process over all entities - process over one entity); "
        "PyTorch: median of timed passes after a warm-up, same token ids, same pooling",
    }


# --- Real widths: random-init Llama models of millions of parameters, 512-token texts ---------

BUNDLED_MODEL = REPO_ROOT / "udf/src/main/resources/io/llm4es/models/stories260k"
EXAMPLES_JAR = REPO_ROOT / "examples/target/llm4es-examples.jar"
TEXT_TOKENS = 512
HEAD_DIM = 64
FMA_PEAK_SOURCE = REPO_ROOT / "examples/scripts/fma-peak.c"


def save_random_llama(hidden: int, layers: int, directory: Path) -> Path:
    """A random-init Llama (Llama's SwiGLU width, heads of 64) with the bundled stories260K
    tokenizer (512 pieces), saved as a Hugging Face directory: what `export-bundle` reads."""
    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    from ..scratch import ScratchShape, scratch_config

    shape = ScratchShape(hidden_size=hidden, layers=layers, heads=hidden // HEAD_DIM, vocab_size=512)
    config = scratch_config(shape, max_positions=2 * TEXT_TOKENS)
    config.pad_token_id = 2  # stories260K's </s>, as the bundled model pads
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(directory)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(BUNDLED_MODEL / "tokenizer.json"),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="</s>",
    )
    tokenizer.save_pretrained(directory)
    return directory


def texts_of_tokens(count: int, tokens: int, bos: bool = True) -> list[str]:
    """`count` different transaction-history texts of exactly `tokens` tokens each (BOS included)
    under the bundled tokenizer: event lines with random dates, merchants and amounts, cut at a
    token boundary."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(BUNDLED_MODEL / "tokenizer.json"))
    merchants = ["Grocery Stores, Supermarkets", "Eating Places, Restaurants", "Service Stations", "Drug Stores"]
    generator = np.random.default_rng(0)
    budget = tokens - int(bos)
    texts = []
    while len(texts) < count:
        lines = ["date|type|merchant category|amount"]
        for _ in range(4 * tokens // 20):
            lines.append(
                f"2024-{generator.integers(1, 13):02d}-{generator.integers(1, 29):02d}, "
                f"{generator.choice(['debit', 'credit'])}, {generator.choice(merchants)}, "
                f"{generator.integers(1, 3000)}.{generator.integers(0, 100):02d}"
            )
        text = "\n".join(lines)
        encoding = tokenizer.encode(text, add_special_tokens=False)
        text = text[: encoding.offsets[budget - 1][1]]
        while len(tokenizer.encode(text, add_special_tokens=False).ids) > budget:
            text = text[:-1]
        if len(tokenizer.encode(text, add_special_tokens=False).ids) == budget:
            texts.append(text)
    return texts


def best_matmul_peak_gflops(threads: int, shapes: list[tuple[int, int, int]], repeats: int = 5) -> dict:
    """float32 GFLOP/s of [m, k] x [k, n] products in numpy's BLAS, in PyTorch and in ONNX Runtime
    (MLAS, the Java embedder's kernels) on `threads` threads, best of `repeats` each: the attainable
    peak is the best of them all."""
    import torch
    from threadpoolctl import threadpool_limits

    generator = np.random.default_rng(0)
    torch.set_num_threads(threads)
    found = {}
    for m, k, n in shapes:
        a = generator.standard_normal((m, k), dtype=np.float32)
        b = generator.standard_normal((k, n), dtype=np.float32)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        ort = _ort_matmul(k, n, threads)
        for library, product in (
            ("numpy", lambda: a @ b),
            ("torch", lambda: torch.mm(ta, tb)),
            ("onnxruntime", lambda: ort.run(None, {"a": a, "b": b})),
        ):
            with threadpool_limits(limits=threads):
                product()
                best = float("inf")
                for _ in range(repeats):
                    started = time.perf_counter()
                    product()
                    best = min(best, time.perf_counter() - started)
            found[f"{library} {m}x{k}x{n}"] = 2 * m * k * n / best / 1e9
    return found


def _ort_matmul(k: int, n: int, threads: int):
    import onnxruntime
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])],
        "matmul",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, ["m", k]),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, [k, n]),
        ],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, ["m", n])],
    )
    # IR 9: what every ONNX Runtime since 1.15 reads, whatever the onnx package writes by default
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def fma_ceilings(threads: int, work: Path, iterations: int = 100_000_000) -> dict | None:
    """This CPU's float32 FMA and int8 VNNI throughput on `threads` threads, from
    examples/scripts/fma-peak.c built with the C compiler on PATH: the ceiling no kernel passes.
    None where there is no compiler (or it cannot build the file), so the benchmark runs without."""
    import re
    import shutil
    import subprocess

    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        return None
    binary = work / "fma-peak"
    build = [compiler, "-O2", "-march=native", "-fopenmp", str(FMA_PEAK_SOURCE), "-o", str(binary)]
    if subprocess.run(build, capture_output=True).returncode != 0:
        return None
    run = subprocess.run(
        [str(binary), str(iterations)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"OMP_NUM_THREADS": str(threads)},
    )
    found = {}
    for line in run.stdout.splitlines():
        match = re.match(r"(.+): ([0-9.]+) G(?:FL)?OP/s on (\d+) threads", line)
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


def _embed_differential(java: JavaCli, bundle: Path, texts: Path, one_text: Path, work: Path, repeats: int):
    output = work / f"{bundle.name}.jsonl"
    seconds, rss = _differential(
        lambda: java.embed_texts(bundle, texts, output),
        lambda: java.embed_texts(bundle, one_text, work / f"{bundle.name}-one.jsonl"),
        repeats,
    )
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    return seconds, rss, records


def _embed_warm(java: JavaCli, bundle: Path, texts: Path, repeats: int) -> dict:
    """The examples jar's bench-embed: one JVM, texts tokenized once, a warm-up pass, timed passes."""
    command = [
        "java",
        "-Xmx2g",
        f"-Dllm4es.threads={java.threads}",
        "-jar",
        str(EXAMPLES_JAR),
        "bench-embed",
        "--bundle",
        str(bundle),
        "--input",
        str(texts),
        "--repeats",
        str(repeats),
    ]
    run = run_measured(command)
    return json.loads(run.stdout.strip().splitlines()[-1]) | {"peak_rss_mb": run.max_rss_mb}


def interleaved_rounds(
    java: JavaCli,
    fp32: Path,
    int8: Path,
    texts: Path,
    pytorch,
    rounds: int,
    repeats: int,
    plain_norms: tuple[Path, Path] | None = None,
) -> list[dict]:
    """Java float32, Java int8 and PyTorch (`pytorch()`: its seconds) one after the other, `rounds`
    times: on a shared host the three drift apart between runs (PyTorch's time on the same texts
    has doubled within 40 minutes here), so a ratio is read within a round. `plain_norms`: the
    float32 and int8 bundles without the norm fusion, timed in each round too."""
    found = []
    for number in range(1, rounds + 1):
        row = {
            "round": number,
            "java_fp32_s": _embed_warm(java, fp32, texts, repeats)["median_s"],
            "java_int8_s": _embed_warm(java, int8, texts, repeats)["median_s"],
        }
        if plain_norms is not None:
            row["java_fp32_plain_norms_s"] = _embed_warm(java, plain_norms[0], texts, repeats)["median_s"]
            row["java_int8_plain_norms_s"] = _embed_warm(java, plain_norms[1], texts, repeats)["median_s"]
        found.append(row | {"pytorch_s": pytorch()})
    return found


def summarize_rounds(rounds: list[dict]) -> dict:
    """Each round's ratios, and their median and range over the rounds."""
    ratios = {
        "java_fp32_over_pytorch": [r["pytorch_s"] / r["java_fp32_s"] for r in rounds],
        "java_int8_over_fp32": [r["java_fp32_s"] / r["java_int8_s"] for r in rounds],
        "java_int8_over_pytorch": [r["pytorch_s"] / r["java_int8_s"] for r in rounds],
    }
    if all("java_fp32_plain_norms_s" in r for r in rounds):
        ratios["fused_norms_fp32"] = [r["java_fp32_plain_norms_s"] / r["java_fp32_s"] for r in rounds]
        ratios["fused_norms_int8"] = [r["java_int8_plain_norms_s"] / r["java_int8_s"] for r in rounds]
    return {
        "rounds": rounds,
        "ratios": ratios,
        "median": {k: statistics.median(v) for k, v in ratios.items()},
        "range": {k: [min(v), max(v)] for k, v in ratios.items()},
    }


def _cosines(a: list[dict], b: list[dict]) -> np.ndarray:
    x = np.array([r["embedding"] for r in a], dtype=np.float64)
    y = np.array([r["embedding"] for r in b], dtype=np.float64)
    return (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))


def measure_real_width(
    java: JavaCli,
    hidden: int,
    layers: int,
    texts: int,
    work: Path,
    repeats: int,
    profile: bool = False,
    rounds: int = 0,
) -> dict:
    """One random-init Llama of `hidden` x `layers`, exported float32 and int8 through the
    project's own export-bundle and rebundle; the same `texts` texts of 512 tokens embedded by
    the Java embedder (both graphs; warm in one JVM, and as whole embed-texts processes) and by
    PyTorch eager on `java.threads` threads, against float32 matmul peaks measured before and
    after; `profile`: also tokens/s under other session options (`session_option_variants`); `rounds`:
    that many interleaved rounds of the three afterwards (`interleaved_rounds`)."""
    from ..bundle import export_bundle, rebundle
    from ..scratch import ScratchShape

    work.mkdir(parents=True, exist_ok=True)
    name = f"llama-{hidden}x{layers}"
    ffn = ScratchShape(hidden, layers, hidden // HEAD_DIM, 512).intermediate_size
    shapes = [(1024, 1024, 1024), (2048, 2048, 2048), (8192, hidden, ffn)]
    ceilings = fma_ceilings(java.threads, work)
    peaks = best_matmul_peak_gflops(java.threads, shapes)
    model_dir = save_random_llama(hidden, layers, work / f"{name}-hf")
    serializer = work / "serializer.json"
    serializer.write_text(json.dumps(read_json(BUNDLED_MODEL / MANIFEST_FILE)["serializer"]), encoding="utf-8")
    started = time.perf_counter()
    fp32 = work / name
    manifest = export_bundle(model=str(model_dir), serializer=serializer, name=name, out=fp32)
    export_s = time.perf_counter() - started
    started = time.perf_counter()
    int8 = work / f"{name}-int8"
    rebundle(source=fp32, serializer=serializer, name=f"{name}-int8", out=int8, quantize="int8")
    quantize_s = time.perf_counter() - started

    def float_and_int8(suffix: str, **fusions) -> tuple[Path, Path]:
        float_bundle, int8_bundle = work / f"{name}-{suffix}", work / f"{name}-{suffix}-int8"
        export_bundle(model=str(model_dir), serializer=serializer, name=float_bundle.name, out=float_bundle, **fusions)
        rebundle(source=float_bundle, serializer=serializer, name=int8_bundle.name, out=int8_bundle, quantize="int8")
        return float_bundle, int8_bundle

    # What the fusions buy: the same weights as the exporter wrote them; and without the norm
    # fusion only, timed within the interleaved rounds, since it is a few percent and the host
    # drifts more than that between runs.
    unfused, unfused_int8 = float_and_int8("unfused", fused_attention=False, fused_norms=False)
    plain_norms, plain_norms_int8 = float_and_int8("plain-norms", fused_norms=False)

    lines = [json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts_of_tokens(texts, TEXT_TOKENS))]
    all_texts, one_text = work / "texts.jsonl", work / "one-text.jsonl"
    all_texts.write_text("".join(lines), encoding="utf-8")
    one_text.write_text(lines[0], encoding="utf-8")
    warm = {
        "fp32": _embed_warm(java, fp32, all_texts, repeats),
        "int8": _embed_warm(java, int8, all_texts, repeats),
        "fp32_unfused": _embed_warm(java, unfused, all_texts, repeats),
        "int8_unfused": _embed_warm(java, unfused_int8, all_texts, repeats),
    }
    fp32_s, fp32_rss, fp32_out = _embed_differential(java, fp32, all_texts, one_text, work, repeats)
    int8_s, int8_rss, int8_out = _embed_differential(java, int8, all_texts, one_text, work, repeats)
    lengths = [len(r["token_ids"]) for r in fp32_out]
    tokens_file = work / "tokens.jsonl"
    tokens_file.write_text("".join(json.dumps({"token_ids": r["token_ids"]}) + "\n" for r in fp32_out))
    pooling = manifest["pooling"]
    torch_result, torch_rss_mb = torch_eager(model_dir, tokens_file, java.threads, pooling, repeats)

    def pytorch_again() -> float:
        return torch_eager(model_dir, tokens_file, java.threads, pooling, repeats)[0]["seconds"]

    found = (
        interleaved_rounds(
            java, fp32, int8, all_texts, pytorch_again, rounds, repeats, plain_norms=(plain_norms, plain_norms_int8)
        )
        if rounds
        else None
    )
    peaks |= {f"after: {k}": v for k, v in best_matmul_peak_gflops(java.threads, shapes).items()}
    peak = max(peaks.values())
    flops = torch_result["flops"]
    # The differential leaves the work of all texts but one (all texts have the same length).
    process_flops = flops * (len(lengths) - 1) / len(lengths)
    cosines = _cosines(fp32_out, int8_out)
    shares = {
        "fp32": kernel_shares(fp32 / "model.onnx", java.threads),
        "int8": kernel_shares(int8 / "model.int8.onnx", java.threads),
    }
    gflops = {
        "java_fp32": flops / warm["fp32"]["median_s"] / 1e9,
        "java_int8_float_equivalent": flops / warm["int8"]["median_s"] / 1e9,
        "java_fp32_process": process_flops / fp32_s / 1e9,
        "java_int8_process_float_equivalent": process_flops / int8_s / 1e9,
        "pytorch_eager": flops / torch_result["seconds"] / 1e9,
    }
    causal = {
        "java_fp32_s": causal_half_estimate(warm["fp32"]["median_s"], shares["fp32"]["attention"]),
        "java_int8_s": causal_half_estimate(warm["int8"]["median_s"], shares["int8"]["attention"]),
    }
    return {
        "model": name,
        "cpu": host_cpu(),
        "hidden_size": hidden,
        "layers": layers,
        "intermediate_size": ffn,
        "parameters": manifest["base_model"]["parameters"],
        "fused_attention_blocks": manifest["onnx"]["fused_attention_blocks"],
        "fused_norms": manifest["onnx"]["fused_norms"],
        "tokenizer": "bundled stories260K (512 pieces)",
        "threads": java.threads,
        "texts": len(lengths),
        "tokens_per_text": sorted(set(lengths)),
        "padded_tokens_per_token": warm["fp32"]["padded_tokens"] / warm["fp32"]["tokens"],
        "repeats": repeats,
        "export_s": export_s,
        "quantize_s": quantize_s,
        "graph_mb": {
            "fp32": (fp32 / "model.onnx").stat().st_size / 1e6,
            "int8": (int8 / "model.int8.onnx").stat().st_size / 1e6,
        },
        "forward_gflop_per_text": flops / len(lengths) / 1e9,
        "seconds": {
            "java_fp32": warm["fp32"]["median_s"],
            "java_int8": warm["int8"]["median_s"],
            "java_fp32_unfused": warm["fp32_unfused"]["median_s"],
            "java_int8_unfused": warm["int8_unfused"]["median_s"],
            "java_fp32_process": fp32_s,
            "java_int8_process": int8_s,
            "pytorch_eager": torch_result["seconds"],
        },
        "peak_rss_mb": {
            "java_fp32": warm["fp32"]["peak_rss_mb"],
            "java_int8": warm["int8"]["peak_rss_mb"],
            "java_fp32_process": fp32_rss,
            "java_int8_process": int8_rss,
            "pytorch_eager": torch_rss_mb,
        },
        "gflops": gflops,
        "matmul_gflops": peaks,
        "matmul_peak_gflops": peak,
        "share_of_peak": {k: v / peak for k, v in gflops.items()},
        # The hardware's own ceiling: float32 FMAs (and int8 VNNI dot products, GOP/s) back to back.
        "fma_gflops": ceilings,
        "share_of_fma_peak": _share_of_fma(gflops, ceilings),
        "ratios": {
            "java_fp32_over_pytorch": gflops["java_fp32"] / gflops["pytorch_eager"],
            "java_int8_over_fp32": warm["fp32"]["median_s"] / warm["int8"]["median_s"],
            "java_int8_over_pytorch": gflops["java_int8_float_equivalent"] / gflops["pytorch_eager"],
            "java_int8_over_fp32_process": fp32_s / int8_s,
            "fused_over_unfused_fp32": warm["fp32_unfused"]["median_s"] / warm["fp32"]["median_s"],
            "fused_over_unfused_int8": warm["int8_unfused"]["median_s"] / warm["int8"]["median_s"],
            "java_int8_unfused_over_fp32_unfused": warm["fp32_unfused"]["median_s"] / warm["int8_unfused"]["median_s"],
        },
        "int8_cosine_to_fp32": {"min": float(cosines.min()), "median": float(np.median(cosines))},
        # Where the warm time goes, and what the 3x over PyTorch would take on this CPU.
        "kernel_share": {k: v["top"] for k, v in shares.items()},
        "attention_share": {k: v["attention"] for k, v in shares.items()},
        "three_times_pytorch_needs": what_a_multiple_needs(3, gflops["pytorch_eager"], peak, ceilings),
        "causal_half_estimate": causal
        | {
            "java_fp32_over_pytorch": torch_result["seconds"] / causal["java_fp32_s"],
            "java_int8_over_fp32": causal["java_fp32_s"] / causal["java_int8_s"],
        },
        "interleaved": summarize_rounds(found) if found else None,
        "session_options": [
            session_option_variants(fp32 / "model.onnx", java.threads, repeats),
            session_option_variants(int8 / "model.int8.onnx", java.threads, repeats),
        ]
        if profile
        else None,
        "load_average": _load_average(),
        "method": "Java: bench-embed in one JVM (texts tokenized once, a warm-up pass, median of the timed passes); "
        "*_process: embed-texts, median over repeats of (process over all texts - process over one text); "
        "PyTorch: transformers eager, median of timed passes after a warm-up, same token ids, same pooling, "
        "batches of 16; peak: the best float32 matmul of numpy, PyTorch and ONNX Runtime, before and after; "
        "fma: examples/scripts/fma-peak.c, float32 FMAs back to back on every thread (the hardware's ceiling); "
        "kernel_share: Python's ONNX Runtime profiler on one [16, 512] batch of each graph, second run, the Java "
        "session options; causal_half_estimate: the warm Java times had attention's kernels done half their "
        "work (the causal half of the score square), an estimate; interleaved: rounds of Java float32, Java int8 "
        "and PyTorch one after the other, each ratio read within its round",
    }


def _float32_ceiling(ceilings: dict | None) -> float | None:
    """The widest float32 FMA ceiling measured (512-bit where the CPU has it); None without any."""
    fp32 = [v for k, v in (ceilings or {}).items() if k.startswith("float32")]
    return max(fp32) if fp32 else None


def _share_of_fma(gflops: dict, ceilings: dict | None) -> dict | None:
    ceiling = _float32_ceiling(ceilings)
    return {k: v / ceiling for k, v in gflops.items()} if ceiling else None


def java_session_options(threads: int, spinning: bool = False):
    """Python's ONNX Runtime session options, set as the Java embedder sets its own (OnnxEmbedder):
    every graph optimization, sequential, one inter-op thread, no memory patterns, idle intra-op
    threads that sleep."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def session_option_variants(onnx_path: Path, threads: int, repeats: int, rows: int = 16) -> dict:
    """Tokens/s on one [rows, 512] batch (Python's ONNX Runtime on the same graph, not the Java
    one) under the Java embedder's session options and one change at a time (interleaved, median
    of `repeats`). Where the time goes under the Java options is `kernel_shares`, which every
    real-width run records."""
    import onnxruntime as ort

    level = ort.GraphOptimizationLevel
    variants = {
        "java (all optimizations, sequential, inter-op 1, memory pattern off, no spinning)": {},
        "memory pattern on": {"memory_pattern": True},
        "optimization level extended": {"optimization": level.ORT_ENABLE_EXTENDED},
        "optimization level basic": {"optimization": level.ORT_ENABLE_BASIC},
        "parallel execution, inter-op 2": {"parallel": True},
        "intra-op threads that spin when idle": {"spinning": True},
    }

    def session(optimization=level.ORT_ENABLE_ALL, memory_pattern=False, parallel=False, spinning=False):
        options = java_session_options(threads, spinning)
        options.graph_optimization_level = optimization
        options.enable_mem_pattern = memory_pattern
        if parallel:
            options.inter_op_num_threads, options.execution_mode = 2, ort.ExecutionMode.ORT_PARALLEL
        return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    ids = np.random.default_rng(0).integers(3, 512, (rows, TEXT_TOKENS)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    sessions = {name: session(**options) for name, options in variants.items()}
    seconds = {name: [] for name in variants}
    for s in sessions.values():
        s.run(None, feed)
    for _ in range(repeats):
        for name, s in sessions.items():
            started = time.perf_counter()
            s.run(None, feed)
            seconds[name].append(time.perf_counter() - started)
    return {
        "graph": Path(onnx_path).name,
        "onnxruntime": ort.__version__,
        "tokens_per_s": {name: rows * TEXT_TOKENS / statistics.median(v) for name, v in seconds.items()},
    }


def kernel_shares(onnx_path: Path, threads: int, rows: int = 16) -> dict:
    """Each operator type's share of ONNX Runtime's kernel time on one [rows, 512] batch of random
    ids, from its profiler under the Java embedder's session options (Python's ONNX Runtime on the
    same graph: the Java one has no profiler API)."""
    import onnxruntime as ort

    options = java_session_options(threads)
    options.enable_profiling, options.profile_file_prefix = True, str(Path(onnx_path).parent / "ort-profile")
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    ids = np.random.default_rng(0).integers(3, 512, (rows, TEXT_TOKENS)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    session.run(None, feed)
    session.run(None, feed)
    trace = Path(session.end_profiling())
    events = json.loads(trace.read_text(encoding="utf-8"))
    os.remove(trace)
    # Only the second run: the first one's kernels also pay for growing the memory arena
    # (page faults on fresh [rows, heads, 512, 512] buffers), which a warm embedder never sees.
    last_run = max(e["ts"] for e in events if e.get("cat") == "Session" and e["name"] == "model_run")
    kernel = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time") and event["ts"] >= last_run:
            kernel[event["args"]["op_name"]] += event["dur"]
    total = sum(kernel.values())
    share = {op: d / total for op, d in kernel.most_common()}
    return {
        "kernel_ms": total / 1e3,
        "top": dict(list(share.items())[:12]),
        "attention": sum(share.get(op, 0.0) for op in ATTENTION_OPS),
    }


def causal_half_estimate(seconds: float, attention_share: float) -> float:
    """The time had attention computed only the causal half of its score square: ONNX Runtime's
    CPU attention kernels compute all of it, then mask (PyTorch's SDPA skips the masked blocks).
    Assumes attention's time scales with its work, so it is a bound to aim at, not a measurement."""
    return seconds * (1 - attention_share / 2)


def what_a_multiple_needs(multiple: float, baseline_gflops: float, peak: float, ceilings: dict | None) -> dict:
    """The GFLOP/s that `multiple` times the baseline would take, against the matmul peak and the
    float32 FMA ceiling measured in the same run: above the ceiling, no float32 kernel can reach it."""
    needed, ceiling = multiple * baseline_gflops, _float32_ceiling(ceilings)
    return {
        "gflops": needed,
        "share_of_matmul_peak": needed / peak,
        "share_of_fma_ceiling": needed / ceiling if ceiling else None,
    }


def host_cpu(cpuinfo: str | None = None) -> dict:
    """Which processor a run measured (the first one /proc/cpuinfo lists): runs on different
    processors are not comparable, and this machine's runs have landed on two (the README's
    real-width section)."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, separator, value = line.partition(":")
        if separator:
            fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())

    def number(key: str) -> int | None:
        return int(fields[key]) if fields.get(key, "").isdigit() else None

    return {
        "vendor": fields.get("vendor_id"),
        "model_name": fields.get("model name") or platform.processor() or None,
        "family": number("cpu family"),
        "model": number("model"),
        "logical_cpus": os.cpu_count(),
        "simd": [f for f in SIMD_FLAGS if f in flags],
    }


def _load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text(encoding="ascii").strip()
    except OSError:
        return "unknown"


def torch_eager(model: Path, tokens_file: Path, threads: int, pooling: dict, repeats: int) -> tuple[dict, float | None]:
    """PyTorch eager on the same token ids and pooling, in a process of its own: its JSON result
    and the process's peak RSS in MB."""
    run = run_measured(
        [
            sys.executable,
            "-m",
            "llm4es_training.benchmark.torch_speed",
            "--model",
            str(model),
            "--tokens",
            str(tokens_file),
            "--threads",
            str(threads),
            "--layers-from",
            str(pooling["layers_from"]),
            "--layers-to",
            str(pooling["layers_to"]),
            "--repeats",
            str(repeats),
        ]
    )
    return json.loads(run.stdout.strip().splitlines()[-1]), run.max_rss_mb


def main(argv: list[str] | None = None) -> list[dict]:
    """`python -m llm4es_training.benchmark.speed --shape 384x6 --shape 512x8 --out DIR`."""
    from ..checkout import find_jar, missing_jar_message

    parser = ArgumentParser(description="Java embedder and PyTorch eager on random-init Llama models")
    parser.add_argument("--shape", action="append", required=True, help="HIDDENxLAYERS, e.g. 384x6 (repeatable)")
    parser.add_argument("--texts", type=int, default=48, help="512-token texts embedded (48)")
    parser.add_argument("--threads", type=int, default=2, help="inference threads on every path (2)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per path; the median is reported (3)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also compare ONNX Runtime session options, one change at a time (minutes)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds of Java float32, Java int8 and PyTorch afterwards, ratios read within each (3; 0: none)",
    )
    parser.add_argument("--out", required=True, type=Path, help="work directory; DIR/real-width.json gets the results")
    args = parser.parse_args(argv)
    if args.rounds < 0:
        parser.error("--rounds: 0 or more")
    jar = find_jar()
    if jar is None or not EXAMPLES_JAR.is_file():
        raise SystemExit(missing_jar_message() + f" (bench-embed also needs {EXAMPLES_JAR})")
    java = JavaCli(jar, args.out / "models", args.threads)
    results = []
    for shape in args.shape:
        hidden, layers = (int(part) for part in shape.lower().split("x"))
        result = measure_real_width(
            java, hidden, layers, args.texts, args.out / shape, args.repeats, args.profile, args.rounds
        )
        results.append(result)
        print(json.dumps(result), flush=True)
    (args.out / "real-width.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
