"""The `llm4es-train` command line."""

import argparse
import importlib
import os
import sys
from pathlib import Path

from .arguments import ArgumentParser
from .embedding_options import LAYER_RANGES, TOKEN_POOLINGS
from .errors import UserError

# Commands whose parsers live in their own modules, imported only when called (pandas, LightGBM and
# scikit-learn take seconds to import); `python -m MODULE` is the same command under another name.
TOOLS = {
    "benchmark": (
        "llm4es_training.benchmark.run",
        "the benchmark: every method on every task, scored by one protocol; report.md/html, results.json",
    ),
    "ablation": (
        "llm4es_training.benchmark.ablation",
        "the text-enrichment ablation: a scratch model per serializer config, scored like the benchmark",
    ),
    "prepare-tasks": (
        "llm4es_training.benchmark.prepare",
        "write the benchmark's task folders (events, labels, serializer config) from the datasets",
    ),
    "evaluate": (
        "llm4es_training.benchmark.evaluate",
        "score one method's per-entity features on a task folder with the benchmark protocol",
    ),
    "rewrite": ("llm4es_training.rewrite", "rewrite a corpus's texts with an instruction model (LLM augmentation)"),
    "tokenizer": (
        "llm4es_training.domain_tokenizer",
        "train a domain tokenizer (frequent field values as single tokens) on an exported corpus",
    ),
    "recipe": (
        "llm4es_training.recipe",
        "a named recipe's serializer config (from yours) and its context, text budget and tokenizer size",
    ),
    "coverage": (
        "llm4es_training.benchmark.coverage",
        "tokens per event and share of history in context, per task, for renderings and tokenizers",
    ),
    "int8-quality": (
        "llm4es_training.benchmark.int8",
        "what --quantize int8 costs downstream: float32 and int8 bundles scored on benchmark tasks",
    ),
    "search": (
        "llm4es_training.benchmark.search",
        "the recipe's layer range and pooling chosen on the validation split, over training seeds",
    ),
    "levers": (
        "llm4es_training.benchmark.levers",
        "a training lever's searches (more steps, another context) against the recipe's, seed by seed",
    ),
}


def _export_bundle(args: argparse.Namespace) -> None:
    from .bundle import export_bundle  # Deferred: importing torch/transformers takes seconds.

    manifest = export_bundle(
        model=args.model,
        serializer=args.serializer,
        name=args.name,
        version=args.version,
        layers_from=args.layers_from,
        layers_to=args.layers_to,
        max_tokens=args.max_tokens,
        add_bos=args.add_bos,
        description=args.description,
        out=args.out,
        quantize=args.quantize,
        fused_attention=args.fused_attention,
        fused_norms=args.fused_norms,
        token_pooling=args.token_pooling,
        embedding_layers=args.embedding_layers,
    )
    pooling = manifest["pooling"]
    print(
        f"wrote bundle {manifest['name']}:{manifest['version']} to {args.out} "
        f"(layers {pooling['layers_from']}..{pooling['layers_to']} of {manifest['num_layers']}, "
        f"embedding dim {manifest['embedding_dim']}, max tokens {manifest['max_tokens']}{_graph_note(manifest)})"
    )


def _graph_note(manifest: dict) -> str:
    fused = manifest["onnx"].get("fused_attention_blocks")
    note = f", {fused} attention blocks fused" if fused else ""
    norms = manifest["onnx"].get("fused_norms")
    note += f", {norms} norms fused" if norms else ""
    quantization = manifest["onnx"].get("quantization")
    if quantization is None:
        return note
    return f"{note}, {manifest['onnx']['dtype']} graph {manifest['onnx']['file']}: cosine >= {quantization['verified_min_cosine']} to float"


def _rebundle(args: argparse.Namespace) -> None:
    from .bundle import rebundle

    manifest = rebundle(
        source=args.source,
        serializer=args.serializer,
        name=args.name,
        version=args.version,
        description=args.description,
        out=args.out,
        quantize=args.quantize,
    )
    print(
        f"wrote bundle {manifest['name']}:{manifest['version']} to {args.out} "
        f"(model of {manifest['derived_from']['name']}:{manifest['derived_from']['version']}, new serializer"
        f"{_graph_note(manifest)})"
    )


def _train(args: argparse.Namespace) -> None:
    from .training_run import TrainRequest, run_training

    # An option left unset is None here: the recipe's value, else TrainRequest's default.
    options = {k: v for k, v in vars(args).items() if k not in ("command", "run") and v is not None}
    if args.recipe:
        options = _with_recipe(options)
    elif "init" not in options:
        raise UserError("train needs --init (or --recipe NAME, whose model it names)")
    summary = run_training(TrainRequest(**options))
    if os.environ.get("RANK", "0") != "0":
        return  # under torchrun, the first process reports
    t = summary["training"]
    if not summary["finished"]:
        print(f"stopped after step {t['steps']}; checkpoint in {args.out}/checkpoints (continue with --resume)")
        return
    print(
        f"trained {t['base_model']} ({t['method']}, {t['parameters']:,} parameters) for {t['steps']} steps "
        f"({t['epochs']} epochs, {t['tokens_seen']:,} tokens, {t['tokens_per_s']:,.0f} tokens/s on "
        f"{t['processes']} {t['device']} process(es)); final train loss {t['final_train_loss']:.4f}"
    )
    if t["heldout_loss_before"] is not None:
        print(
            f"held-out next-token loss: {t['heldout_loss_before']:.4f} before, {t['heldout_loss_after']:.4f} after "
            f"({t['corpus']['heldout_users']} users)"
        )
    print(f"run directory: {args.out} (model/, summary.json, train_log.jsonl, loss_curve.png)")
    if args.export_bundle:
        print(f"wrote bundle {args.name}:{args.version} to {args.export_bundle}")


# A recipe's `embedding` keys -> train's bundle options.
EMBEDDING_OPTIONS = {"layers": "embedding_layers", "token_pooling": "token_pooling"}


def _with_recipe(options: dict) -> dict:
    """The recipe's context, model and steps where the command line leaves an option unset (a given
    option wins); the corpus and tokenizer must be the recipe's."""
    from .corpus import find_serializer, read_serializer
    from .recipe import check_corpus, load_recipe

    recipe = load_recipe(options["recipe"])
    taken = {
        "context": recipe["context"],
        "init": recipe["model"]["init"],
        "scratch_size": recipe["model"].get("scratch_size", "small"),
        **recipe["training"],
        **{EMBEDDING_OPTIONS[k]: v for k, v in recipe.get("embedding", {}).items()},
    }
    for key, value in taken.items():
        options.setdefault(key, value)
    options["recipe"] = recipe["name"]
    serializer = read_serializer(find_serializer(options["corpus"], options.get("serializer")))
    check_corpus(recipe, serializer, options.get("tokenizer"), options["init"])
    return options


def _plot(args: argparse.Namespace) -> None:
    from .training_log import LOG_FILE, plot_loss_curves, read_log

    runs = {}
    for run in args.runs:
        label, _, path = run.rpartition("=") if "=" in run else (Path(run).name, "=", run)
        records = read_log(Path(path) / LOG_FILE)
        if not records:
            raise UserError(f"no training log at {Path(path) / LOG_FILE}")
        runs[label] = records
    plot_loss_curves(runs, args.out, title=args.title)
    print(f"wrote {args.out}")


def _lora(value: str) -> tuple[int, float]:
    try:
        rank, alpha = value.split(",")
        return int(rank), float(alpha)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected RANK,ALPHA (e.g. 8,16), got {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="llm4es-train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    export = commands.add_parser("export-bundle", help="export a Hugging Face causal LM as an llm4es model bundle")
    export.add_argument("--model", required=True, help="causal LM directory or Hugging Face hub id")
    export.add_argument("--serializer", required=True, type=Path, help="serializer config JSON")
    export.add_argument("--name", required=True, help="bundle name, as used in model references")
    export.add_argument("--version", default="1", help="bundle version (default: 1)")
    export.add_argument("--layers-from", type=int, help="first hidden state averaged (default: ceil(layers/3))")
    export.add_argument("--layers-to", type=int, help="last hidden state averaged, inclusive (default: last)")
    export.add_argument(
        "--embedding-layers",
        choices=tuple(LAYER_RANGES),
        help="the averaged hidden states by name instead of --layers-from/--layers-to: upper (the default "
        "range), final (the last, normed), all (token embeddings included)",
    )
    export.add_argument(
        "--token-pooling",
        choices=tuple(TOKEN_POOLINGS),
        default="mean",
        help="one vector per text: the masked mean of the tokens (default), the last token's, or mean and max "
        "concatenated (twice the hidden size)",
    )
    export.add_argument("--max-tokens", type=int, help="token budget (default: min(model positions, 512))")
    export.add_argument(
        "--add-bos",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="runtime prepends the BOS id (default: when the model has a BOS token)",
    )
    export.add_argument("--description", help="free-text description stored in the manifest")
    export.add_argument(
        "--quantize", choices=("int8",), help="ship an int8 graph (dynamic quantization of the MatMul weights)"
    )
    export.add_argument(
        "--fused-attention",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="rewrite Llama-family attention into ONNX Runtime's RotaryEmbedding + MultiHeadAttention "
        "(default: on; kept only where it matches PyTorch)",
    )
    export.add_argument(
        "--fused-norms",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="rewrite each residual add + RMSNorm into ONNX Runtime's SkipSimplifiedLayerNormalization "
        "(default: on; kept only where it matches PyTorch)",
    )
    export.add_argument("--out", required=True, type=Path, help="bundle directory to create or replace")
    export.set_defaults(run=_export_bundle)

    derive = commands.add_parser(
        "rebundle", help="a new bundle with an existing bundle's model and another serializer config"
    )
    derive.add_argument("--from", dest="source", required=True, type=Path, help="existing bundle directory")
    derive.add_argument("--serializer", required=True, type=Path, help="serializer config JSON")
    derive.add_argument("--name", required=True, help="bundle name, as used in model references")
    derive.add_argument("--version", default="1", help="bundle version (default: 1)")
    derive.add_argument("--description", help="free-text description (default: the source bundle's)")
    derive.add_argument("--quantize", choices=("int8",), help="replace the source's float graph by its int8 graph")
    derive.add_argument("--out", required=True, type=Path, help="bundle directory to create or replace")
    derive.set_defaults(run=_rebundle)

    train = commands.add_parser(
        "train",
        help="fine-tune (or train from scratch) a causal LM on an exported corpus",
        description="Next-token training on users' event text. Several processes: "
        "torchrun --nproc-per-node N --no-python llm4es-train train ...",
    )
    data = train.add_argument_group("data")
    data.add_argument("--corpus", required=True, type=Path, help="corpus.jsonl or .parquet (user_id, text[, events])")
    data.add_argument(
        "--serializer",
        type=Path,
        help="serializer config of the corpus (default: <corpus>.serializer.json when present)",
    )
    data.add_argument("--heldout-fraction", type=float, default=0.1, help="users held out for evaluation (0.1)")
    data.add_argument("--context", type=int, help="tokens per text; older events are dropped (min(positions, 512))")
    model = train.add_argument_group("model")
    model.add_argument(
        "--init", help="Hugging Face directory, .gguf file, hub id, or 'scratch' (new Llama-style model)"
    )
    model.add_argument(
        "--recipe",
        help="a named recipe (model-training/configs/recipes/NAME.json, or a .json path): its context, model and "
        "steps where no option says otherwise; the corpus must be exported with its serializer (llm4es-train recipe)",
    )
    model.add_argument(
        "--scratch-size",
        choices=("tiny", "small", "medium"),
        help="preset for --init scratch: tiny ~0.1M, small ~3.4M (default), medium ~27M parameters",
    )
    model.add_argument("--hidden-size", type=int, help="scratch: overrides the preset's hidden size")
    model.add_argument("--layers", type=int, help="scratch: overrides the preset's layer count")
    model.add_argument("--heads", type=int, help="scratch: overrides the preset's attention heads")
    model.add_argument("--vocab-size", type=int, help="scratch: BPE vocabulary size to train")
    model.add_argument(
        "--tokenizer",
        type=Path,
        help="scratch: this tokenizer.json (e.g. from `llm4es-train tokenizer`) instead of training one; "
        "the vocabulary size is its own",
    )
    model.add_argument(
        "--lora",
        type=_lora,
        metavar="RANK,ALPHA",
        help="train LoRA adapters on every linear layer (merged before export) instead of all weights",
    )
    optim = train.add_argument_group("optimization")
    optim.add_argument("--epochs", type=float, help="passes over the training users (1)")
    optim.add_argument("--max-steps", type=int, help="optimizer steps; overrides --epochs")
    optim.add_argument("--batch-size", type=int, help="texts per optimizer step, all processes (16)")
    optim.add_argument(
        "--micro-batch-size",
        type=int,
        help="forward pass memory: at most this many texts of the longest length (4); shorter texts share a pass",
    )
    optim.add_argument("--lr", type=float, help="peak learning rate (2e-4 full fine-tuning; 1e-3 LoRA or scratch)")
    optim.add_argument("--weight-decay", type=float, default=0.01)
    optim.add_argument("--warmup-ratio", type=float, default=0.05, help="share of steps with linear warmup")
    optim.add_argument("--min-lr-ratio", type=float, default=0.1, help="cosine floor, as a share of the peak")
    optim.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm")
    optim.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="auto: bf16 (or fp16) on GPU, fp32 on CPU",
    )
    optim.add_argument("--seed", type=int, default=0)
    optim.add_argument("--device", help="torch device (default: this process's GPU, else cpu)")
    run = train.add_argument_group("run")
    run.add_argument("--out", required=True, type=Path, help="run directory to create")
    run.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    run.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints (100)")
    run.add_argument("--keep-checkpoints", type=int, default=2)
    run.add_argument("--stop-at-step", type=int, help="checkpoint and stop after this step (time-boxed jobs)")
    run.add_argument("--log-every", type=int, default=5, help="steps per training-log record (5)")
    run.add_argument("--eval-every", type=int, default=0, help="steps between held-out evaluations (0: start, end)")
    run.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    bundle = train.add_argument_group("bundle")
    bundle.add_argument("--export-bundle", type=Path, metavar="DIR", help="also export the trained model as a bundle")
    bundle.add_argument("--name", help="bundle name (with --export-bundle)")
    bundle.add_argument("--version", default="1", help="bundle version (1)")
    bundle.add_argument(
        "--embedding-layers",
        choices=tuple(LAYER_RANGES),
        help="as export-bundle's (default: the recipe's, else upper)",
    )
    bundle.add_argument(
        "--token-pooling",
        choices=tuple(TOKEN_POOLINGS),
        help="as export-bundle's (default: the recipe's, else mean)",
    )
    train.set_defaults(run=_train)

    plot = commands.add_parser("plot-runs", help="draw the loss curves of one or more runs into one PNG")
    plot.add_argument("runs", nargs="+", help="RUN_DIR or LABEL=RUN_DIR")
    plot.add_argument("--out", required=True, type=Path)
    plot.add_argument("--title")
    plot.set_defaults(run=_plot)

    for name, (module, summary) in TOOLS.items():
        # Listed for --help only: main() hands these commands' arguments to their module.
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def _run_tool(name: str, argv: list[str]) -> int:
    module, _ = TOOLS[name]
    return importlib.import_module(module).main(argv, prog=f"llm4es-train {name}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in TOOLS:
        return _run_tool(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except UserError as error:
        print(f"llm4es-train: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
