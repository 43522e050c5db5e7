"""Rewrites each exported Llama-family attention block into ONNX Runtime's fused operators.

The exporter writes attention as ~30 separate nodes per layer: rotary embedding as slices,
negation, concatenation and four multiplies in [batch, heads, tokens, head] layout, the scores
as MatMul, scale, a [batch, 1, tokens, tokens] mask add and Softmax, and transposes between.
On 2 CPU threads at 512 tokens those nodes, not the weight matrices, are most of what int8 leaves
(`benchmark.speed --profile`). ONNX Runtime's `com.microsoft` RotaryEmbedding and
MultiHeadAttention (unidirectional) compute the same values in two kernels, in the token-major
layout the projections already have.

Only a graph whose every block matches the pattern is rewritten, and the caller verifies the
result against PyTorch (`bundle._fused`): anything else (no rotary, biased projections, a mask
that is more than causal) ships as exported. Grouped key/value heads are expanded into the
projection weights. Padding needs no mask: rows are right-padded and attention is causal, so a
real token never sees a pad (the same argument as the exported graph's).
"""

from pathlib import Path

import numpy as np
import onnx
import onnx.utils
from onnx import helper, numpy_helper

from .onnx_export import INPUT_NAMES
from .onnx_graph import CONTRIB, GraphIndex, ensure_contrib_opset, remove_dead_nodes
from .verification import onnx_session


def fuse_attention(onnx_path: Path, destination: Path, max_positions: int) -> int:
    """Writes the fused graph of `onnx_path` to `destination` when every attention block matches;
    returns the number of blocks fused (0: nothing is written)."""
    model = onnx.load(str(onnx_path))
    graph = _Graph(model.graph)
    blocks = [graph.match_block(node) for node in model.graph.node if node.op_type == "Softmax"]
    if not blocks or any(b is None for b in blocks):
        return 0
    rotary = {(b["cos"], b["sin"]) for b in blocks}
    widths = {(b["width"], b["kv_width"]) for b in blocks}
    if len(rotary) != 1 or len(widths) != 1:
        return 0
    ((cos_name, sin_name),) = rotary
    caches = _rotary_caches(model, cos_name, sin_name, max_positions)
    if caches is None or any(w % (2 * caches[0].shape[1]) for w in widths.pop()):
        return 0
    cos_cache, sin_cache = caches
    head_size = 2 * cos_cache.shape[1]
    num_heads = blocks[0]["width"] // head_size
    model.graph.initializer.extend(
        [
            numpy_helper.from_array(np.zeros(1, dtype=np.int64), "fused_rotary_position_start"),
            numpy_helper.from_array(cos_cache, "fused_rotary_cos_cache"),
            numpy_helper.from_array(sin_cache, "fused_rotary_sin_cache"),
        ]
    )
    for index, block in enumerate(blocks):
        _rewrite_block(model.graph, graph, index, block, num_heads, head_size)
    remove_dead_nodes(model.graph)
    ensure_contrib_opset(model)
    onnx.save(model, str(destination))
    return len(blocks)


class _Graph(GraphIndex):
    def heads_of(self, value: str) -> str | None:
        """`value` = Transpose(Reshape(x), perm 0,2,1,3): returns x, the token-major projection."""
        transpose = self.node(value, "Transpose")
        if transpose is None or _perm(transpose) != [0, 2, 1, 3]:
            return None
        reshape = self.node(transpose.input[0], "Reshape")
        return reshape.input[0] if reshape is not None else None

    def rotary_of(self, value: str):
        """`value` = x * cos + rotate_half(x) * sin (x in heads layout): returns (x, cos, sin)."""
        add = self.node(value, "Add")
        if add is None:
            return None
        muls = [self.node(name, "Mul") for name in add.input]
        if any(m is None for m in muls):
            return None
        plain = rotated = None
        for mul in muls:
            concat = next((self.node(i, "Concat") for i in mul.input if self.node(i, "Concat")), None)
            if concat is not None and self.node(concat.input[0], "Neg") is not None:
                rotated = (mul, concat)
            else:
                plain = mul
        if plain is None or rotated is None:
            return None
        mul, concat = rotated
        x = next((i for i in plain.input if self.heads_of(i) is not None), None)
        cos = next((i for i in plain.input if i != x), None)
        sin = next((i for i in mul.input if i != concat.output[0]), None)
        neg = self.node(concat.input[0], "Neg")
        halves = [self.node(neg.input[0], "Slice"), self.node(concat.input[1], "Slice")]
        if x is None or any(h is None or h.input[0] != x for h in halves):
            return None
        return x, self.unsqueezed(cos), self.unsqueezed(sin)

    def match_block(self, softmax: onnx.NodeProto) -> dict | None:
        """The attention block around `softmax`, or None when it is not the exported pattern."""
        add = self.node(softmax.input[0], "Add")
        scale, scores = None, None
        for name in add.input if add is not None else []:
            mul = self.node(name, "Mul")
            for a, b in [(mul.input[0], mul.input[1]), (mul.input[1], mul.input[0])] if mul is not None else []:
                value = self.constant(b)
                if value is not None and value.size == 1 and self.node(a, "MatMul") is not None:
                    scale, scores = float(value.reshape(())), self.node(a, "MatMul")
        keys_t = self.node(scores.input[1], "Transpose") if scores is not None else None
        if keys_t is None or _perm(keys_t) != [0, 1, 3, 2]:
            return None
        query, key = self.rotary_of(scores.input[0]), self.rotary_of(self.unrepeated(keys_t.input[0]))
        weighted = self.only_consumer(softmax.output[0], "MatMul")
        if query is None or key is None or weighted is None or weighted.input[0] != softmax.output[0]:
            return None
        value = self.heads_of(self.unrepeated(weighted.input[1]))
        back = self.only_consumer(weighted.output[0], "Transpose")
        merge = self.only_consumer(back.output[0], "Reshape") if back is not None else None
        if value is None or merge is None or _perm(back) != [0, 2, 1, 3] or query[1:] != key[1:] or None in query[1:]:
            return None
        q_lin, k_lin = self.heads_of(query[0]), self.heads_of(key[0])
        width, kv_width = self._projection_width(q_lin), self._projection_width(k_lin)
        if None in (width, kv_width) or kv_width != self._projection_width(value) or width % kv_width:
            return None
        return {
            "query": q_lin,
            "key": k_lin,
            "value": value,
            "merge": merge,
            "scale": scale,
            "cos": query[1],
            "sin": query[2],
            "width": width,
            "kv_width": kv_width,
            "projection": {"key": self.node(k_lin, "MatMul"), "value": self.node(value, "MatMul")},
        }

    def unsqueezed(self, value: str) -> str | None:
        node = self.node(value, "Unsqueeze")
        return node.input[0] if node is not None else None

    def unrepeated(self, value: str) -> str:
        """Grouped key/value heads are repeated for the query heads as Reshape(Expand(Unsqueeze(x)))
        (transformers' repeat_kv); returns x, or `value` itself when it is not repeated."""
        reshape = self.node(value, "Reshape")
        expand = self.node(reshape.input[0], "Expand") if reshape is not None else None
        unsqueeze = self.node(expand.input[0], "Unsqueeze") if expand is not None else None
        return unsqueeze.input[0] if unsqueeze is not None else value

    def _projection_width(self, value: str | None) -> int | None:
        matmul = self.node(value, "MatMul") if value else None
        weight = self.constant(matmul.input[1]) if matmul is not None else None
        return int(weight.shape[-1]) if weight is not None and weight.ndim == 2 else None


def _rotary_caches(model: onnx.ModelProto, cos: str, sin: str, max_positions: int):
    """cos/sin of every position below `max_positions`, as RotaryEmbedding's [positions, head/2]
    caches, computed by the exported graph itself (so any rope variant that depends on the
    position alone is reproduced); None when they are not the duplicated halves rotate_half uses."""
    sub = onnx.utils.Extractor(model).extract_model([i.name for i in model.graph.input], [cos, sin])
    used = {name for node in sub.graph.node for name in node.input}
    input_ids, attention_mask = INPUT_NAMES
    feeds = {
        input_ids: np.zeros((1, max_positions), dtype=np.int64),
        attention_mask: np.ones((1, max_positions), dtype=np.int64),
    }
    sub.graph.ClearField("input")
    sub.graph.input.extend([i for i in model.graph.input if i.name in used])
    values = onnx_session(sub.SerializeToString()).run([cos, sin], {k: v for k, v in feeds.items() if k in used})
    caches = []
    for value in values:
        value = np.asarray(value, dtype=np.float32)
        if value.shape[-2] != max_positions or value.shape[-1] % 2:
            return None
        table = value.reshape(-1, max_positions, value.shape[-1])[0]
        half = table.shape[1] // 2
        if not np.array_equal(table[:, :half], table[:, half:]):
            return None
        caches.append(np.ascontiguousarray(table[:, :half]))
    return caches


def _rewrite_block(
    graph: onnx.GraphProto, old: _Graph, index: int, block: dict, num_heads: int, head_size: int
) -> None:
    """Replaces the block's head-merging Reshape with RotaryEmbedding x2 + MultiHeadAttention
    writing the same value; the old nodes become dead and are removed afterwards. Grouped
    key/value heads get projections with each head's columns repeated (what repeat_kv does to
    their outputs), since MultiHeadAttention wants one key/value head per query head."""
    position = list(graph.node).index(block["merge"])
    projections = []
    for role in ("key", "value") if block["width"] != block["kv_width"] else ():
        matmul = block["projection"][role]
        weight = old.constant(matmul.input[1])
        repeated = np.repeat(
            weight.reshape(weight.shape[0], -1, head_size), block["width"] // block["kv_width"], axis=1
        )
        name = f"fused_{role}_weight_{index}"
        graph.initializer.append(numpy_helper.from_array(repeated.reshape(weight.shape[0], -1), name))
        block[role] = f"fused_{role}_{index}"
        projections.append(
            helper.make_node("MatMul", [matmul.input[0], name], [block[role]], f"fused_{role}_proj_{index}")
        )
    cache = ["fused_rotary_position_start", "fused_rotary_cos_cache", "fused_rotary_sin_cache"]
    rotary = {"domain": CONTRIB, "interleaved": 0, "num_heads": num_heads}
    nodes = [
        helper.make_node(
            "RotaryEmbedding", [block["query"], *cache], [f"fused_q_{index}"], f"fused_rotary_q_{index}", **rotary
        ),
        helper.make_node(
            "RotaryEmbedding", [block["key"], *cache], [f"fused_k_{index}"], f"fused_rotary_k_{index}", **rotary
        ),
        helper.make_node(
            "MultiHeadAttention",
            [f"fused_q_{index}", f"fused_k_{index}", block["value"]],
            [block["merge"].output[0]],
            f"fused_attention_{index}",
            domain=CONTRIB,
            num_heads=num_heads,
            unidirectional=1,
            scale=block["scale"],
        ),
    ]
    graph.node.remove(block["merge"])
    for offset, node in enumerate(projections + nodes):
        graph.node.insert(position + offset, node)


def _perm(node: onnx.NodeProto) -> list[int]:
    return next((list(a.ints) for a in node.attribute if a.name == "perm"), [])
