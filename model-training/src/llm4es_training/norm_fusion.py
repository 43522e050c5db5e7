"""Rewrites each residual add + RMSNorm of an exported graph into ONNX Runtime's
SkipSimplifiedLayerNormalization.

The exporter writes RMSNorm as seven nodes (Pow, ReduceMean, Add epsilon, Sqrt, Reciprocal, Mul,
Mul by the weight), each a pass over [batch, tokens, width] in memory, after the residual Add that
feeds it. ONNX Runtime leaves them unfused (its own fusion looks for Div, not Reciprocal and Mul);
its `com.microsoft` SkipSimplifiedLayerNormalization does the add and the norm in one pass and
also returns the sum, which the next residual and the layer-mean pooling read. On 2 threads it buys
a few percent (README, "Real widths"), more in int8, where these passes are a larger share.

A norm whose input is not a residual Add (the first block's, over the token embeddings) stays as
exported: ONNX Runtime registers the add-free SimplifiedLayerNormalization in the default ONNX
domain, where `onnx.checker` refuses it. The caller verifies the result against PyTorch.
"""

from pathlib import Path

import onnx
from onnx import helper

from .onnx_graph import CONTRIB, GraphIndex, ensure_contrib_opset, remove_dead_nodes, sort_topologically


def fuse_norms(onnx_path: Path, destination: Path) -> int:
    """Writes the graph of `onnx_path` with every residual add + RMSNorm fused to `destination`;
    returns the number fused (0: nothing is written)."""
    model = onnx.load(str(onnx_path))
    index = GraphIndex(model.graph)
    norms = [n for n in (_match(index, node) for node in model.graph.node if node.op_type == "Pow") if n]
    if not norms:
        return 0
    for number, norm in enumerate(norms):
        _rewrite(model.graph, number, norm)
    # Readers of a sum that the exporter placed between its Add and the norm's weight Mul now
    # precede the fused node that produces it.
    sort_topologically(model.graph)
    remove_dead_nodes(model.graph)
    ensure_contrib_opset(model)
    onnx.save(model, str(destination))
    return len(norms)


def _match(index: GraphIndex, power: onnx.NodeProto) -> dict | None:
    """x * rsqrt(mean(x^2, last axis) + eps) * weight with x = a + b: the nodes and values."""
    x = power.input[0]
    exponent = index.constant(power.input[1])
    if exponent is None or exponent.size != 1 or float(exponent.reshape(())) != 2.0:
        return None
    mean = index.only_consumer(power.output[0], "ReduceMean")
    if mean is None or _axes(index, mean) != [-1] or _attribute(mean, "keepdims", 1) != 1:
        return None
    add_eps = index.only_consumer(mean.output[0], "Add")
    epsilon = index.constant(next((i for i in add_eps.input if i != mean.output[0]), "")) if add_eps else None
    if epsilon is None or epsilon.size != 1:
        return None
    sqrt = index.only_consumer(add_eps.output[0], "Sqrt")
    reciprocal = index.only_consumer(sqrt.output[0], "Reciprocal") if sqrt is not None else None
    normalize = index.only_consumer(reciprocal.output[0], "Mul") if reciprocal is not None else None
    if normalize is None or x not in normalize.input:
        return None
    scale = index.only_consumer(normalize.output[0], "Mul")
    weight = next((i for i in scale.input if i != normalize.output[0]), None) if scale is not None else None
    gamma = index.constant(weight) if weight is not None else None
    residual = index.node(x, "Add")
    if gamma is None or gamma.ndim != 1 or residual is None:
        return None
    if any(index.constant(i) is not None for i in residual.input):
        return None
    return {
        "inputs": list(residual.input),
        "weight": weight,
        "epsilon": float(epsilon.reshape(())),
        "sum": x,
        "output": scale.output[0],
        "replaced": [residual, power, mean, add_eps, sqrt, reciprocal, normalize, scale],
    }


def _rewrite(graph: onnx.GraphProto, number: int, norm: dict) -> None:
    position = list(graph.node).index(norm["replaced"][-1])
    fused = helper.make_node(
        "SkipSimplifiedLayerNormalization",
        [*norm["inputs"], norm["weight"]],
        [norm["output"], "", "", norm["sum"]],
        f"fused_norm_{number}",
        domain=CONTRIB,
        epsilon=norm["epsilon"],
    )
    graph.node.insert(position, fused)
    for node in norm["replaced"]:
        graph.node.remove(node)


def _axes(index: GraphIndex, mean: onnx.NodeProto) -> list[int] | None:
    if len(mean.input) > 1:
        axes = index.constant(mean.input[1])
        return None if axes is None else [int(a) for a in axes.reshape(-1)]
    return next((list(a.ints) for a in mean.attribute if a.name == "axes"), None)


def _attribute(node: onnx.NodeProto, name: str, default: int) -> int:
    return next((a.i for a in node.attribute if a.name == name), default)
