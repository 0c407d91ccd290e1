#!/usr/bin/env python3
"""Generate a synthetic graph for the graph-editing benchmark (bench/run_gs.sh).

    /usr/bin/python3 bench/gen_graph.py N OUT.onnx [--seed S] [--no-shuffle]

Deterministic for a given (N, seed). The model has exactly N nodes:

- input X float (N, 16) with the symbolic dim "N", opset 13;
- live chains of cheap ops (Add, Mul, Relu, Identity, Sigmoid, Neg, Abs, Tanh),
  each starting from X or from a tensor of an earlier chain, with a side
  branch (Relu, added back a few steps later) every ten steps. Add/Mul read a
  small initializer (16 floats, one per use) or the output of a Constant node;
- dead chains (about 20 % of the nodes, Constant nodes included) that start
  from live tensors and lead to no graph output, with initializers of their
  own: cleanup removes them, and export then drops their initializers;
- the live chain ends summed by a tree of Add nodes into the output Y;
  the first chain's end is also the output Z;
- value_info for every chain end.

The node order is shuffled (unless --no-shuffle), so toposort has real work to
do. Dependency depth stays in the low hundreds, which onnx-graphsurgeon's
recursive toposort handles at Python's default recursion limit.
"""
import argparse
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FEAT = 16
CHAIN = 40  # steps per chain (a step is 1-2 nodes)
DEAD_SHARE = 0.2
UNARY = ["Relu", "Identity", "Sigmoid", "Neg", "Abs", "Tanh"]


class Builder:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.counter = 0

    def name(self, prefix):
        self.counter += 1
        return "{}{}".format(prefix, self.counter)

    def node(self, op, inputs, **attrs):
        out = self.name("t")
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.name("n_" + op + "_"), **attrs))
        return out

    def small_values(self):
        return self.np_rng.standard_normal(FEAT).astype(np.float32)

    def initializer(self):
        name = self.name("w")
        self.inits.append(numpy_helper.from_array(self.small_values(), name))
        return name

    def constant_node(self):
        return self.node("Constant", [], value=numpy_helper.from_array(self.small_values(), self.name("c")))

    def chain(self, start, budget):
        """A chain from `start` using at most `budget` nodes; returns (end, tensors, nodes used)."""
        used = 0
        cur = start
        tensors = []
        branch = None
        step = 0
        while used < budget:
            kind = step % 10
            left = budget - used
            if kind == 3 and left >= 2:
                branch = self.node("Relu", [cur])
                used += 1
            if kind == 7 and branch is not None:
                cur = self.node("Add", [cur, branch])
                branch = None
            elif kind in (0, 5) or left == 1 and kind in (2, 8):
                cur = self.node("Add" if kind == 0 else "Mul", [cur, self.initializer()])
            elif kind in (2, 8):
                c = self.constant_node()
                cur = self.node("Mul" if kind == 2 else "Add", [cur, c])
                used += 1
            else:
                cur = self.node(UNARY[self.rng.randrange(len(UNARY))], [cur])
            used += 1
            tensors.append(cur)
            step += 1
        return cur, tensors, used


def build(n, seed=1234):
    b = Builder(seed)
    dead_target = int(round(n * DEAD_SHARE))
    live_target = n - dead_target

    # Live chains; an Add tree over k chain ends costs k - 1 nodes.
    live_tensors = ["X"]
    ends = []
    used = 0
    while True:
        budget = min(CHAIN, live_target - used - len(ends))  # room for the tree's adds
        if budget <= 0:
            break
        # Start from X, or from a tensor of one of the first chains (depth stays bounded).
        pool = live_tensors[: 1 + 4 * CHAIN]
        start = "X" if not ends or b.rng.random() < 0.5 else pool[b.rng.randrange(len(pool))]
        end, tensors, k = b.chain(start, budget)
        used += k
        ends.append(end)
        live_tensors.extend(tensors)
    # Balanced Add tree over the ends; pad with Identity nodes if short.
    level = list(ends)
    while len(level) > 1:
        nxt = [b.node("Add", [level[i], level[i + 1]]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    y = level[0]
    used += len(ends) - 1
    while used < live_target:
        y = b.node("Identity", [y])
        used += 1

    # Dead chains from live tensors.
    dead = 0
    while dead < dead_target:
        start = live_tensors[b.rng.randrange(len(live_tensors))]
        budget = min(dead_target - dead, b.rng.randrange(CHAIN // 2, CHAIN * 3 // 2))
        _, _, k = b.chain(start, budget)
        dead += k
    assert len(b.nodes) == n, (len(b.nodes), n)

    nodes = b.nodes
    assert y != ends[0], "N too small"
    for node in reversed(nodes):  # name the final sum "Y" (make_graph copies the nodes)
        if node.output[0] == y:
            node.output[0] = "Y"
            break

    def vi(name):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", FEAT])

    graph = helper.make_graph(
        nodes, "gen_{}".format(n), [vi("X")],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", FEAT]), vi(ends[0])],
        initializer=b.inits, value_info=[vi(e) for e in ends[1:]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="onnxkit-bench")
    model.ir_version = 7
    return model, b.rng


def shuffle_nodes(model, rng):
    """Shuffles the node order in place (onnx.checker then rejects the model:
    it wants topological order; toposort() restores one)."""
    nodes = list(model.graph.node)
    rng.shuffle(nodes)
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of nodes")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--no-shuffle", action="store_true", help="keep nodes in topological order")
    ap.add_argument("--check", action="store_true", help="run onnx.checker (before shuffling)")
    a = ap.parse_args()
    model, rng = build(a.n, a.seed)
    if a.check:
        onnx.checker.check_model(model)  # before shuffling
    if not a.no_shuffle:
        shuffle_nodes(model, rng)
    onnx.save(model, a.out)
    g = model.graph
    consts = sum(1 for x in g.node if x.op_type == "Constant")
    print("{}: {} nodes ({} Constant), {} initializers, outputs {}".format(
        a.out, len(g.node), consts, len(g.initializer), [o.name for o in g.output]), file=sys.stderr)


if __name__ == "__main__":
    main()
