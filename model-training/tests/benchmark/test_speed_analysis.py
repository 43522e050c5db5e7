"""What the real-width speed benchmark says beside its timings: which processor it ran on, where
ONNX Runtime's time goes, and what the issue's 3x over PyTorch would take (the runs themselves
take minutes; these are their parts, on a graph small enough for a unit test)."""

import collections
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from llm4es_training.benchmark.speed import (
    causal_half_estimate,
    host_cpu,
    java_session_options,
    kernel_shares,
    main,
    session_option_variants,
    summarize_rounds,
    what_a_multiple_needs,
)
from llm4es_training.checkout import REPO_ROOT

ZEN5_RUN = REPO_ROOT / "model-training/docs/benchmark/real-width-zen5-2026-12-07.json"
ZEN5_ROUNDS = REPO_ROOT / "model-training/docs/benchmark/real-width-zen5-2026-12-07-rounds.json"
ZEN5_NORMS = REPO_ROOT / "model-training/docs/benchmark/real-width-zen5-2026-12-07-norms.json"
ZEN5_BATCH = REPO_ROOT / "model-training/docs/benchmark/real-width-zen5-2026-12-08-batch.json"
BATCH_TOKENS = REPO_ROOT / "model-training/docs/benchmark/batch-tokens-zen5-2026-12-07.jsonl"

ZEN5 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx fma avx2 avx512f avx512dq avx512_bf16 avx512_vnni avx_vnni

processor\t: 1
vendor_id\t: GenuineOther
cpu family\t: 6
model\t\t: 143
model name\t: not the first processor
flags\t\t: fpu amx_int8
"""


def test_the_first_processor_and_its_vector_extensions_are_named():
    cpu = host_cpu(ZEN5)

    assert (cpu["vendor"], cpu["model_name"], cpu["family"], cpu["model"]) == ("AuthenticAMD", "AMD EPYC", 26, 2)
    assert cpu["simd"] == ["avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16"]
    assert cpu["logical_cpus"] >= 1


def test_a_host_without_cpuinfo_still_says_what_it_knows():
    cpu = host_cpu("")

    assert cpu["vendor"] is None and cpu["family"] is None and cpu["simd"] == []


def _attention_graph(path, vocab=512, width=32, heads=2):
    """input_ids -> embedding -> MatMul -> causal MultiHeadAttention -> mean: the op types of a
    fused bundle, small enough to profile in a second."""
    rng = np.random.default_rng(0)
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["b", width])
    weights = [
        numpy_helper.from_array(rng.standard_normal((vocab, width)).astype(np.float32), "table"),
        numpy_helper.from_array(rng.standard_normal((width, width)).astype(np.float32), "projection"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "tokens_axis"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "last_axis"),
    ]
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["hidden"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "last_axis"], ["mask_3d"]),
        helper.make_node("Mul", ["hidden", "mask_3d"], ["masked"]),
        helper.make_node("MatMul", ["masked", "projection"], ["projected"]),
        helper.make_node(
            "MultiHeadAttention",
            ["projected", "projected", "projected"],
            ["attended"],
            domain="com.microsoft",
            num_heads=heads,
            unidirectional=1,
        ),
        helper.make_node("ReduceMean", ["attended", "tokens_axis"], ["embedding"], keepdims=0),
    ]
    graph = helper.make_graph(nodes, "attention", [ids, mask], [out], initializer=weights)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)],
        ir_version=9,
    )
    onnx.save(model, str(path))


def test_attention_is_found_among_the_kernels_and_the_shares_add_up(tmp_path):
    graph = tmp_path / "model.onnx"
    _attention_graph(graph)

    shares = kernel_shares(graph, threads=1, rows=2)

    assert {"MatMul", "MultiHeadAttention"} <= set(shares["top"])
    assert shares["attention"] == pytest.approx(shares["top"]["MultiHeadAttention"])
    assert sum(shares["top"].values()) == pytest.approx(1.0, abs=1e-9)
    assert shares["kernel_ms"] > 0
    assert not list(tmp_path.glob("ort-profile*")), "the profiler's trace is removed"


def test_half_the_attention_takes_off_half_its_share():
    assert causal_half_estimate(2.0, 0.25) == pytest.approx(1.75)
    assert causal_half_estimate(2.0, 0.0) == pytest.approx(2.0)


def test_a_multiple_is_read_against_the_widest_float32_ceiling():
    ceilings = {"float32 FMA, 256-bit": 210.0, "float32 FMA, 512-bit": 420.0, "int8 VNNI dot, 512-bit": 1680.0}

    needs = what_a_multiple_needs(3, 140.0, peak=350.0, ceilings=ceilings)

    assert needs == pytest.approx({"gflops": 420.0, "share_of_matmul_peak": 1.2, "share_of_fma_ceiling": 1.0})
    assert what_a_multiple_needs(3, 140.0, peak=350.0, ceilings=None)["share_of_fma_ceiling"] is None


def _table_after(text: str, heading: str) -> dict[str, list[str]]:
    rows = {}
    for line in text[text.index(heading) :].splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("| ") and not line.startswith("| |"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_the_readmes_zen5_table_is_the_committed_run():
    runs = json.loads(ZEN5_RUN.read_text(encoding="utf-8"))
    table = _table_after((REPO_ROOT / "README.md").read_text(encoding="utf-8"), "**Zen 5, 2026-12-07 20:00")

    assert [r["model"] for r in runs] == ["llama-384x6", "llama-512x10"]
    assert all(r["cpu"]["family"] == 26 for r in runs)
    for column, run in enumerate(runs):
        ratios, attention, causal = run["ratios"], run["attention_share"], run["causal_half_estimate"]
        assert table["Java float32 / PyTorch"][column] == f"**{ratios['java_fp32_over_pytorch']:.2f}×**"
        assert table["Java int8 / Java float32"][column].startswith(f"**{ratios['java_int8_over_fp32']:.2f}×** warm")
        assert table["attention's share of kernel time, float32 / int8"][column] == (
            f"{attention['fp32']:.0%} / {attention['int8']:.0%}".replace("%", " %")
        )
        estimate = table["estimate, attention doing its causal half only: Java float32 / PyTorch; int8 / float32"]
        assert estimate[column] == f"{causal['java_fp32_over_pytorch']:.2f}×; {causal['java_int8_over_fp32']:.2f}×"
        assert table["Java float32, warm"][column].endswith(f"({run['seconds']['java_fp32']:.2f} s)")


def test_ratios_are_read_within_each_round_then_summarized():
    rounds = [
        {"round": 1, "java_fp32_s": 2.0, "java_int8_s": 1.0, "pytorch_s": 6.0},
        {"round": 2, "java_fp32_s": 3.0, "java_int8_s": 1.0, "pytorch_s": 6.0},
        {"round": 3, "java_fp32_s": 2.0, "java_int8_s": 1.25, "pytorch_s": 10.0},
    ]

    summary = summarize_rounds(rounds)

    assert summary["ratios"]["java_fp32_over_pytorch"] == pytest.approx([3.0, 2.0, 5.0])
    assert summary["median"]["java_fp32_over_pytorch"] == pytest.approx(3.0)
    # Within rounds, not of the medians: the median times would say 6.0 / 2.0 = 3.0 and 2.0 / 1.0 = 2.0.
    assert summary["ratios"]["java_int8_over_fp32"] == pytest.approx([2.0, 3.0, 1.6])
    assert summary["range"]["java_int8_over_fp32"] == pytest.approx([1.6, 3.0])
    assert summary["median"]["java_int8_over_pytorch"] == pytest.approx(6.0)
    assert summary["rounds"] == rounds
    assert "fused_norms_fp32" not in summary["ratios"]


def test_the_norm_fusion_is_read_within_each_round_where_timed():
    rounds = [
        {"round": 1, "java_fp32_s": 2.0, "java_int8_s": 1.0, "pytorch_s": 6.0},
        {"round": 2, "java_fp32_s": 3.0, "java_int8_s": 1.5, "pytorch_s": 6.0},
    ]
    rounds[0] |= {"java_fp32_plain_norms_s": 2.1, "java_int8_plain_norms_s": 1.05}
    rounds[1] |= {"java_fp32_plain_norms_s": 3.0, "java_int8_plain_norms_s": 1.8}

    summary = summarize_rounds(rounds)

    assert summary["ratios"]["fused_norms_fp32"] == pytest.approx([1.05, 1.0])
    assert summary["ratios"]["fused_norms_int8"] == pytest.approx([1.05, 1.2])
    assert summary["median"]["fused_norms_int8"] == pytest.approx(1.125)


def test_a_negative_number_of_rounds_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--shape", "384x6", "--rounds", "-1", "--out", str(tmp_path)])

    assert exit_.value.code == 2
    assert "--rounds" in capsys.readouterr().err


def test_the_readmes_rounds_are_the_committed_run():
    runs = json.loads(ZEN5_ROUNDS.read_text(encoding="utf-8"))
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("The benchmark now runs those rounds itself") :]
    text = " ".join(paragraph[: paragraph.index("\n\n")].split())

    for run in runs:
        assert run["cpu"]["family"] == 26 and len(run["interleaved"]["rounds"]) == 3
        for ratio in ("java_fp32_over_pytorch", "java_int8_over_fp32"):
            each = ", ".join(f"{r:.2f}" for r in run["interleaved"]["ratios"][ratio])
            assert f"{each} (median **{run['interleaved']['median'][ratio]:.2f}×**)" in text


def test_the_readmes_norm_fusion_paragraph_is_the_committed_run():
    runs = json.loads(ZEN5_NORMS.read_text(encoding="utf-8"))
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("**With the norm fusion**") :]
    text = " ".join(paragraph[: paragraph.index("\n\n")].split())

    assert [run["model"] for run in runs] == ["llama-384x6", "llama-512x10"]
    shares = [run["kernel_share"] for run in runs]
    skip = "SkipSimplifiedLayerNormalization"
    assert f"{shares[0]['fp32'][skip]:.1%} and {shares[1]['fp32'][skip]:.1%} of the float32".replace("%", " %") in text
    assert f"{shares[0]['int8'][skip]:.1%} and {shares[1]['int8'][skip]:.1%} of int8's".replace("%", " %") in text
    for kind in ("fp32", "int8"):
        each = " and ".join(
            ", ".join(f"{r:.2f}" for r in run["interleaved"]["ratios"][f"fused_norms_{kind}"]) for run in runs
        )
        assert each in text
    for run in runs:
        assert run["cpu"]["family"] == 26 and run["fused_norms"] == 2 * run["layers"]
        assert f"{run['seconds']['java_fp32']:.2f} s" in text
        for ratio in ("java_fp32_over_pytorch", "java_int8_over_fp32"):
            each = ", ".join(f"{r:.2f}" for r in run["interleaved"]["ratios"][ratio])
            assert f"{each} (median **{run['interleaved']['median'][ratio]:.2f}×**)" in text


def test_the_readmes_width_dependent_batch_paragraph_is_the_committed_run():
    (run,) = json.loads(ZEN5_BATCH.read_text(encoding="utf-8"))
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("**With the width-dependent batch**") :]
    text = " ".join(paragraph[: paragraph.index("\n\n")].split())

    assert run["model"] == "llama-384x6" and run["cpu"]["family"] == 26
    seconds, ratios = run["seconds"], run["ratios"]
    assert f"Java float32 {seconds['java_fp32']:.2f} s warm, {run['gflops']['java_fp32']:.1f} GFLOP/s" in text
    assert f"= {run['share_of_peak']['java_fp32']:.0%}".replace("%", " %") in text
    assert f"int8 {seconds['java_int8']:.2f} s; PyTorch {seconds['pytorch_eager']:.2f} s" in text
    assert f"{ratios['java_fp32_over_pytorch']:.2f}× in the main" in text
    assert f"{ratios['java_int8_over_fp32']:.2f}× in the main" in text
    for ratio in ("java_fp32_over_pytorch", "java_int8_over_fp32"):
        each = ", ".join(f"{r:.2f}" for r in run["interleaved"]["ratios"][ratio])
        assert f"{each} (median **{run['interleaved']['median'][ratio]:.2f}×**)" in text


def test_the_readmes_batch_size_table_is_the_committed_rounds():
    times = collections.defaultdict(dict)
    for line in BATCH_TOKENS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        times[(row["bundle"], row["round"])][row["batch_tokens"]] = row["median_s"]
    table = _table_after((REPO_ROOT / "README.md").read_text(encoding="utf-8"), "### Batch size")
    labels = {
        "stories260k": "stories260K (64 wide)",
        "llama-256x4": "llama-256x4",
        "llama-384x6": "llama-384x6, float32",
        "llama-384x6-int8": "llama-384x6, int8",
        "llama-512x10": "llama-512x10, float32",
        "llama-512x10-int8": "llama-512x10, int8",
    }
    assert set(labels) == {bundle for bundle, _ in times}
    for bundle, label in labels.items():
        rounds = [t for (b, _), t in sorted(times.items()) if b == bundle]
        for column, budget in enumerate((2048, 4096)):  # the columns 8,192 / 2,048 and 8,192 / 4,096
            assert table[label][column] == ", ".join(f"{t[8192] / t[budget]:.2f}" for t in rounds)


def test_the_profiled_session_is_set_as_the_java_embedder_sets_its_own():
    import onnxruntime as ort

    options = java_session_options(2)
    java = (REPO_ROOT / "udf/src/main/java/io/llm4es/udf/embed/OnnxEmbedder.java").read_text(encoding="utf-8")

    assert 'addConfigEntry("session.intra_op.allow_spinning", "0")' in java
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert "setMemoryPatternOptimization(false)" in java and not options.enable_mem_pattern
    assert "setInterOpNumThreads(1)" in java and options.inter_op_num_threads == 1
    assert "OptLevel.ALL_OPT" in java
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert options.intra_op_num_threads == 2 and options.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL


def test_each_session_option_is_one_change_from_the_java_embedders(tmp_path):
    graph = tmp_path / "model.onnx"
    _attention_graph(graph)

    compared = session_option_variants(graph, threads=1, repeats=1, rows=2)

    baseline, *changes = compared["tokens_per_s"]
    assert baseline.startswith("java") and "no spinning" in baseline
    assert "intra-op threads that spin when idle" in changes and len(changes) == 5
    assert all(v > 0 for v in compared["tokens_per_s"].values())
