"""torch -> ONNX export of the pooling module, with the fixes ONNX Runtime needs."""

import warnings
from pathlib import Path

import onnx_ir as ir
import torch

from .pooling import LayerMeanPooling

INPUT_NAMES = ["input_ids", "attention_mask"]
OUTPUT_NAME = "embedding"
EXTERNAL_DATA_FILE = "model.onnx_data"
# The Java side runs ONNX Runtime 1.23; opset 20 is the newest default opset it fully supports.
OPSET = 20
# Protobuf cannot serialize a single message above 2 GB.
SINGLE_FILE_LIMIT_BYTES = 2 * 1024**3


def export_onnx(pooling: LayerMeanPooling, pad_id: int, destination: Path) -> int:
    """Writes model.onnx (plus model.onnx_data for large models); returns the ONNX opset used."""
    # Example batch: two rows, the second right-padded, so the padding-mask path is traced.
    input_ids = torch.arange(3, 11, dtype=torch.int64).repeat(2, 1)
    attention_mask = torch.ones_like(input_ids)
    input_ids[1, 5:] = pad_id
    attention_mask[1, 5:] = 0
    batch, tokens = torch.export.Dim("batch"), torch.export.Dim("tokens")
    # SDPA decomposes into ops that also run IsNaN/Where over every [batch, heads, tokens, tokens]
    # score tensor (measured: 45 % of ONNX Runtime CPU time on stories260K at 512 tokens); eager
    # attention computes the same values without them. Right padding never masks a whole row.
    pooling.decoder.set_attn_implementation("eager")
    with torch.no_grad(), warnings.catch_warnings():
        # Known-harmless exporter chatter: merged axis names and a pytree deprecation inside torch.
        warnings.filterwarnings("ignore", message=".*axis name.*will not be used")
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*LeafSpec")
        program = torch.onnx.export(
            pooling,
            (input_ids, attention_mask),
            input_names=INPUT_NAMES,
            output_names=[OUTPUT_NAME],
            dynamic_shapes={name: {0: batch, 1: tokens} for name in INPUT_NAMES},
            opset_version=OPSET,
            dynamo=True,
            verbose=False,
        )
    model = program.model
    _free_output_name(model.graph)
    _strip_debug_metadata(model.graph)
    if _initializer_bytes(model.graph) < SINGLE_FILE_LIMIT_BYTES:
        ir.save(model, destination)
    else:
        ir.save(model, destination, external_data=EXTERNAL_DATA_FILE)
    return model.opset_imports[""]


def _free_output_name(graph: ir.Graph) -> None:
    """The exporter also names the token-embedding Gather output `embedding`, which duplicates the
    graph output name; ONNX Runtime then rejects the model. Rename every other value of that name
    (an ir.Value rename updates all its consumers)."""
    (output,) = graph.outputs
    output.name = OUTPUT_NAME
    for index, value in enumerate(v for v in _all_values(graph) if v.name == OUTPUT_NAME and v is not output):
        value.name = f"{OUTPUT_NAME}_internal_{index}"


def _strip_debug_metadata(graph: ir.Graph) -> None:
    """Per-node torch stack/name metadata is only for debugging and adds ~70% to the file size."""
    for node in ir.traversal.RecursiveGraphIterator(graph):
        node.metadata_props.clear()


def _all_values(graph: ir.Graph):
    yield from graph.inputs
    yield from graph.initializers.values()
    for node in ir.traversal.RecursiveGraphIterator(graph):
        yield from node.outputs


def _initializer_bytes(graph: ir.Graph) -> int:
    return sum(v.const_value.nbytes for v in graph.initializers.values() if v.const_value is not None)
