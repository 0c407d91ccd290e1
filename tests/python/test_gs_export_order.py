"""gs.export_onnx(): the order of what export derives from the graph.
Initializers come in node order; value_info keeps the listed tensors first,
then the other described ones in node order (both as onnx-graphsurgeon 0.6.1
does). Custom domains enter opset_import in a fixed order, the top graph's
nodes first, then each subgraph's (onnx-graphsurgeon collects them in a
Python set, so its order varies from run to run)."""
import numpy as np
import pytest

gs = pytest.importorskip(
    "onnxkit.gs", reason="onnxkit Python module not built (build it; PYTHONPATH=build/python)")
pytest.importorskip("onnx")


def test_custom_domains_value_info_and_initializers_in_order():
    x = gs.Variable("x", dtype=np.float32, shape=(2,))
    cond = gs.Variable("cond", dtype=np.bool_, shape=())
    inner = gs.Variable("inner", dtype=np.float32, shape=(2,))
    branch = gs.Graph(nodes=[gs.Node("Inner", domain="b.dom", inputs=[x], outputs=[inner])],
                      outputs=[inner], name="then")
    other = gs.Variable("other", dtype=np.float32, shape=(2,))
    else_branch = gs.Graph(nodes=[gs.Node("Relu", inputs=[x], outputs=[other])],
                           outputs=[other], name="else")
    y = gs.Variable("y", dtype=np.float32, shape=(2,))
    w2 = gs.Constant("w2", np.ones(2, np.float32))
    w1 = gs.Constant("w1", np.zeros(2, np.float32))
    h1 = gs.Variable("h1", dtype=np.float32, shape=(2,))
    h2 = gs.Variable("h2", dtype=np.float32, shape=(2,))
    z = gs.Variable("z", dtype=np.float32, shape=(2,))
    nodes = [
        gs.Node("If", inputs=[cond], outputs=[y],
                attrs={"then_branch": branch, "else_branch": else_branch}),
        gs.Node("Add", inputs=[y, w2], outputs=[h1]),
        gs.Node("Outer", domain="a.dom", inputs=[h1, w1], outputs=[h2]),
        gs.Node("Relu", inputs=[h2], outputs=[z]),
    ]
    graph = gs.Graph(nodes=nodes, inputs=[cond, x], outputs=[z], opset=13)
    model = gs.export_onnx(graph)
    domains = [o.domain for o in model.opset_import if o.domain not in ("", "ai.onnx")]
    assert domains == ["a.dom", "b.dom"]
    assert [t.name for t in model.graph.initializer] == ["w2", "w1"]
    assert [v.name for v in model.graph.value_info] == ["y", "h1", "h2"]
