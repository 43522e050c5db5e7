"""The `llm4es-train` command line."""

import argparse
import sys
from pathlib import Path

from .errors import ExportError


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
    )
    pooling = manifest["pooling"]
    print(
        f"wrote bundle {manifest['name']}:{manifest['version']} to {args.out} "
        f"(layers {pooling['layers_from']}..{pooling['layers_to']} of {manifest['num_layers']}, "
        f"embedding dim {manifest['embedding_dim']}, max tokens {manifest['max_tokens']})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llm4es-train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    export = commands.add_parser(
        "export-bundle", help="export a Hugging Face causal LM as an llm4es model bundle"
    )
    export.add_argument("--model", required=True, help="causal LM directory or Hugging Face hub id")
    export.add_argument("--serializer", required=True, type=Path, help="serializer config JSON")
    export.add_argument("--name", required=True, help="bundle name, as used in model references")
    export.add_argument("--version", default="1", help="bundle version (default: 1)")
    export.add_argument("--layers-from", type=int, help="first hidden state averaged (default: ceil(layers/3))")
    export.add_argument("--layers-to", type=int, help="last hidden state averaged, inclusive (default: last)")
    export.add_argument("--max-tokens", type=int, help="token budget (default: min(model positions, 512))")
    export.add_argument(
        "--add-bos",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="runtime prepends the BOS id (default: when the model has a BOS token)",
    )
    export.add_argument("--description", help="free-text description stored in the manifest")
    export.add_argument("--out", required=True, type=Path, help="bundle directory to create or replace")
    export.set_defaults(run=_export_bundle)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ExportError as error:
        print(f"llm4es-train: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
