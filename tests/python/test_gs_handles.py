"""Python handles across cleanup(): objects that stay in the graph keep their
identity, removed ones stay usable as disconnected objects (as in
onnx-graphsurgeon), also inside If subgraphs, and a removed subgraph raises."""
import numpy as np
import pytest

gs = pytest.importorskip(
    "onnxkit.gs", reason="onnxkit Python module not built (build it; PYTHONPATH=build/python)")


def branch(op, x, out_name, name, dead_op=None):
    out = gs.Variable(out_name, dtype=np.float32, shape=(2,))
    nodes = [gs.Node(op, inputs=[x], outputs=[out], name=name + "_" + op)]
    if dead_op:  # a node nothing reads: cleanup removes it
        junk = gs.Variable(name + "_junk", dtype=np.float32, shape=(2,))
        nodes.append(gs.Node(dead_op, inputs=[x], outputs=[junk], name=name + "_" + dead_op))
    return gs.Graph(nodes=nodes, outputs=[out], name=name)


def test_handles_survive_cleanup_inside_subgraphs():
    x = gs.Variable("x", dtype=np.float32, shape=(2,))
    cond = gs.Variable("cond", dtype=np.bool_, shape=())
    then_graph = branch("Relu", x, "then_out", "then", dead_op="Neg")
    else_graph = branch("Identity", x, "else_out", "else")
    y = gs.Variable("y", dtype=np.float32, shape=(2,))
    live_if = gs.Node("If", inputs=[cond], outputs=[y], name="live_if",
                      attrs={"then_branch": then_graph, "else_branch": else_graph})
    dead_then = branch("Abs", x, "dead_then_out", "dead_then")
    dead_else = branch("Sigmoid", x, "dead_else_out", "dead_else")
    z = gs.Variable("z", dtype=np.float32, shape=(2,))
    dead_if = gs.Node("If", inputs=[cond], outputs=[z], name="dead_if",
                      attrs={"then_branch": dead_then, "else_branch": dead_else})
    graph = gs.Graph(nodes=[live_if, dead_if], inputs=[cond, x], outputs=[y], opset=13)

    relu, neg = then_graph.nodes
    junk = neg.outputs[0]
    then_out = relu.outputs[0]
    abs_node = dead_then.nodes[0]
    assert graph.cleanup() is graph

    # Kept: the same Python objects, still linked.
    assert graph.nodes == [live_if] and graph.nodes[0] is live_if
    assert then_graph.nodes == [relu] and then_graph.nodes[0] is relu
    assert relu.outputs[0] is then_out and then_out.inputs[0] is relu
    assert live_if.attrs["then_branch"] is then_graph
    # Removed inside a kept subgraph: usable, disconnected.
    assert neg.op == "Neg" and neg.name == "then_Neg"
    assert len(neg.inputs) == 0 and len(neg.outputs) == 0
    assert junk.name == "then_junk" and len(junk.inputs) == 0
    # Removed with its node: a held node is usable, a held subgraph raises.
    assert abs_node.op == "Abs" and len(abs_node.inputs) == 0
    with pytest.raises(ValueError, match="no longer exists"):
        dead_then.parent  # noqa: B018
    # A removed node held in Python: usable, with its attributes.
    assert dead_if.op == "If" and dead_if.name == "dead_if"
    assert [n.op for n in dead_if.attrs["else_branch"].nodes] == ["Sigmoid"]
