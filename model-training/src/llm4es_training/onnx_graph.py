"""What the graph rewrites at export share: an index of an ONNX graph's producers, consumers and
constants, and the clean-up after nodes are replaced."""

import heapq
from collections import defaultdict

import numpy as np
import onnx
from onnx import helper, numpy_helper

CONTRIB = "com.microsoft"


class GraphIndex:
    def __init__(self, graph: onnx.GraphProto):
        self.producer = {out: node for node in graph.node for out in node.output}
        self.consumers = defaultdict(list)
        for node in graph.node:
            for name in node.input:
                self.consumers[name].append(node)
        self.initializers = {i.name: i for i in graph.initializer}

    def node(self, value: str, op_type: str):
        node = self.producer.get(value)
        return node if node is not None and node.op_type == op_type else None

    def constant(self, value: str) -> np.ndarray | None:
        if value in self.initializers:
            return numpy_helper.to_array(self.initializers[value])
        node = self.node(value, "Constant")
        if node is not None:
            return numpy_helper.to_array(node.attribute[0].t)
        return None

    def only_consumer(self, value: str, op_type: str):
        users = self.consumers.get(value, [])
        return users[0] if len(users) == 1 and users[0].op_type == op_type else None


def remove_dead_nodes(graph: onnx.GraphProto) -> None:
    outputs = {o.name for o in graph.output}
    while True:
        used = outputs | {name for node in graph.node for name in node.input}
        dead = [node for node in graph.node if not any(o in used for o in node.output)]
        if not dead:
            break
        for node in dead:
            graph.node.remove(node)
    used = {name for node in graph.node for name in node.input}
    for initializer in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(initializer)


def sort_topologically(graph: onnx.GraphProto) -> None:
    """ONNX wants every node after its inputs' producers; keeps the existing order wherever it
    already is one (Kahn's algorithm, earliest node first)."""
    nodes = list(graph.node)
    producer = {out: i for i, node in enumerate(nodes) for out in node.output if out}
    waiting = [0] * len(nodes)
    readers = defaultdict(list)
    for i, node in enumerate(nodes):
        sources = {producer[name] for name in node.input if name in producer}
        waiting[i] = len(sources)
        for source in sources:
            readers[source].append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    ordered = []
    while ready:
        i = heapq.heappop(ready)
        ordered.append(nodes[i])
        for reader in readers[i]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, reader)
    if len(ordered) != len(nodes):
        raise ValueError("the rewritten graph has a cycle")
    del graph.node[:]
    graph.node.extend(ordered)


def ensure_contrib_opset(model: onnx.ModelProto) -> None:
    if not any(o.domain == CONTRIB for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(CONTRIB, 1))
