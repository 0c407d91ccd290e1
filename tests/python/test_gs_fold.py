"""onnxkit.gs Graph.fold_constants(): onnx-graphsurgeon's semantics, evaluated
with onnxkit's own runtime. Graphs are built here, fresh, after
onnx-graphsurgeon's documented folding example (examples/05_folding_constants)
and a Shape -> Gather -> Reshape chain."""
import logging

import numpy as np
import pytest

import onnxkit
import onnxkit.gs as gs

onnx = pytest.importorskip("onnx")


def folding_example():
    """output = input + ((a + b) + d), a, b, d constants of ones."""
    shape = (1, 3)
    inp = gs.Variable("input", shape=shape, dtype=np.float32)
    a = gs.Constant("a", values=np.ones(shape, dtype=np.float32))
    b = gs.Constant("b", values=np.ones(shape, dtype=np.float32))
    d = gs.Constant("d", values=np.ones(shape, dtype=np.float32))
    c, e = gs.Variable("c"), gs.Variable("e")
    out = gs.Variable("output", shape=shape, dtype=np.float32)
    nodes = [gs.Node("Add", inputs=[a, b], outputs=[c]),
             gs.Node("Add", inputs=[c, d], outputs=[e]),
             gs.Node("Add", inputs=[inp, e], outputs=[out])]
    return gs.Graph(nodes=nodes, inputs=[inp], outputs=[out], opset=13)


def run(graph, feeds):
    return onnxkit.InferenceSession(gs.export_onnx(graph)).run(None, feeds)


def test_documented_example_folds_to_one_add():
    graph = folding_example()
    assert graph.fold_constants() is graph
    # The folded nodes stay until cleanup(), as in onnx-graphsurgeon.
    assert len(graph.nodes) == 3
    e = graph.tensors()["e"]
    assert isinstance(e, gs.Constant)
    np.testing.assert_array_equal(e.values, np.full((1, 3), 3, np.float32))
    graph.cleanup()
    assert [n.op for n in graph.nodes] == ["Add"]
    assert [t.name for t in graph.nodes[0].inputs] == ["input", "e"]
    model = gs.export_onnx(graph)
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.initializer] == ["e"]
    x = np.arange(3, dtype=np.float32).reshape(1, 3)
    np.testing.assert_array_equal(run(graph, {"input": x})[0], x + 3)


def shape_chain(batch="N"):
    """y = Reshape(x, Concat([-1], ReduceProd(Gather(Shape(x), [1, 2])))): the
    gathered dims are static even when the batch is not."""
    graph = gs.Graph(opset=13)
    x = gs.Variable("x", dtype=np.float32, shape=[batch, 3, 4])
    graph.inputs = [x]
    shape = graph.layer(op="Shape", inputs=[x], outputs=["shape"])[0]
    dims = graph.layer(op="Gather", inputs=[shape, np.array([1, 2], dtype=np.int64)], outputs=["dims"])[0]
    prod = graph.layer(op="ReduceProd", inputs=[dims], outputs=["prod"], attrs={"keepdims": 1})[0]
    new_shape = graph.layer(op="Concat", inputs=[np.array([-1], dtype=np.int64), prod], outputs=["new_shape"],
                            attrs={"axis": 0})[0]
    y = graph.layer(op="Reshape", inputs=[x, new_shape], outputs=["y"])[0]
    y.dtype = np.float32
    graph.outputs = [y]
    return graph


@pytest.mark.parametrize("batch", ["N", 2])
def test_shape_gather_reshape_chain_folds_to_a_constant_shape(batch):
    graph = shape_chain(batch)
    graph.fold_constants().cleanup()
    assert [n.op for n in graph.nodes] == ["Reshape"]
    new_shape = graph.nodes[0].inputs[1]
    assert isinstance(new_shape, gs.Constant)
    np.testing.assert_array_equal(new_shape.values, [-1, 12])
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(run(graph, {"x": x})[0], x.reshape(2, 12))


def test_fold_shapes_false_leaves_shapes():
    graph = shape_chain()
    graph.fold_constants(fold_shapes=False).cleanup()
    assert [n.op for n in graph.nodes] == ["Shape", "Gather", "ReduceProd", "Concat", "Reshape"]


def test_a_dynamic_dim_is_not_folded():
    graph = gs.Graph(opset=13)
    x = gs.Variable("x", dtype=np.float32, shape=["N", 3])
    graph.inputs = [x]
    shape = graph.layer(op="Shape", inputs=[x], outputs=["shape"])[0]
    n = graph.layer(op="Gather", inputs=[shape, np.array(0, dtype=np.int64)], outputs=["n"])[0]
    n.dtype = np.int64
    graph.outputs = [n]
    graph.fold_constants().cleanup()
    assert [node.op for node in graph.nodes] == ["Shape", "Gather"]


def big_constant_graph():
    graph = gs.Graph(opset=13)
    x = gs.Variable("x", dtype=np.float32, shape=[100, 100])
    graph.inputs = [x]
    big = graph.layer(op="ConstantOfShape", inputs=[np.array([100, 100], dtype=np.int64)], outputs=["big"],
                      attrs={"value": gs.Constant("v", np.array([2], dtype=np.float32))})[0]
    y = graph.layer(op="Mul", inputs=[x, big], outputs=["y"])[0]
    y.dtype = np.float32
    graph.outputs = [y]
    return graph


def test_size_threshold_keeps_big_tensors_as_nodes():
    graph = big_constant_graph()
    graph.fold_constants(size_threshold=1024).cleanup()
    assert [n.op for n in graph.nodes] == ["ConstantOfShape", "Mul"]
    graph.fold_constants(size_threshold=None).cleanup()
    assert [n.op for n in graph.nodes] == ["Mul"]
    assert graph.nodes[0].inputs[1].values.shape == (100, 100)


def test_should_exclude_node_and_random_ops():
    graph = folding_example()
    graph.nodes[1].name = "keep_me"
    graph.fold_constants(should_exclude_node=lambda node: node.name == "keep_me").cleanup()
    assert len(graph.nodes) == 2 and graph.nodes[0].name == "keep_me"
    assert isinstance(graph.tensors()["c"], gs.Constant)
    assert isinstance(graph.tensors()["e"], gs.Variable)

    graph = gs.Graph(opset=13)
    r = graph.layer(op="RandomNormalLike", inputs=[np.zeros(3, np.float32)], outputs=["r"])[0]
    r.dtype = np.float32
    graph.outputs = [r]
    graph.fold_constants().cleanup()
    assert [n.op for n in graph.nodes] == ["RandomNormalLike"]


def failing_graph():
    graph = gs.Graph(opset=13)
    bad = graph.layer(op="Reshape", inputs=[np.ones(2, np.float32), np.array([5], dtype=np.int64)],
                      outputs=["bad"], name="bad_reshape")[0]
    good = graph.layer(op="Neg", inputs=[np.ones(2, np.float32)], outputs=["good"])[0]
    graph.outputs = [bad, good]
    bad.dtype = good.dtype = np.float32
    return graph, bad, good


def test_error_ok_skips_a_node_that_cannot_run_and_false_raises_naming_it(caplog):
    graph, bad, good = failing_graph()
    with caplog.at_level(logging.WARNING, logger="onnxkit.gs"):
        graph.fold_constants()
    assert "bad_reshape" in caplog.text
    assert isinstance(good, gs.Constant)
    assert isinstance(bad, gs.Variable)
    with pytest.raises(onnxkit.Error, match="bad_reshape"):
        failing_graph()[0].fold_constants(error_ok=False)
    with pytest.raises(gs.OnnxGraphSurgeonException, match="partitioning"):
        failing_graph()[0].fold_constants(partitioning="everything")


def test_constant_nodes_become_constants_named_after_their_output():
    graph = gs.Graph(opset=13)
    x = gs.Variable("x", dtype=np.float32, shape=[2])
    graph.inputs = [x]
    k = graph.layer(op="Constant", outputs=["k"], attrs={"value": gs.Constant("v", np.array([2, 3], np.float32))})[0]
    y = graph.layer(op="Mul", inputs=[x, k], outputs=["y"])[0]
    y.dtype = np.float32
    graph.outputs = [y]
    graph.fold_constants().cleanup()
    assert [n.op for n in graph.nodes] == ["Mul"]
    model = gs.export_onnx(graph)
    assert [i.name for i in model.graph.initializer] == [k.name]


def if_graph(cond_values):
    """y = If(Greater(a, b)) then Add(x, 10) else Neg(x): the condition folds."""
    x = gs.Variable("x", dtype=np.float32, shape=(2,))
    a, b = gs.Constant("a", np.array(cond_values[0], np.float32)), gs.Constant("b", np.array(cond_values[1], np.float32))
    cond = gs.Variable("cond", dtype=np.bool_, shape=())
    then_out = gs.Variable("out", dtype=np.float32, shape=(2,))
    else_out = gs.Variable("out", dtype=np.float32, shape=(2,))
    ten = gs.Constant("ten", np.full(2, 10, np.float32))
    then_graph = gs.Graph(nodes=[gs.Node("Add", name="add", inputs=[x, ten], outputs=[then_out])],
                          outputs=[then_out], name="then")
    else_graph = gs.Graph(nodes=[gs.Node("Neg", name="neg", inputs=[x], outputs=[else_out])],
                          outputs=[else_out], name="else")
    y = gs.Variable("y", dtype=np.float32, shape=(2,))
    nodes = [gs.Node("Greater", inputs=[a, b], outputs=[cond]),
             gs.Node("If", name="if", inputs=[cond], outputs=[y],
                     attrs={"then_branch": then_graph, "else_branch": else_graph})]
    return gs.Graph(nodes=nodes, inputs=[x], outputs=[y], opset=13)


@pytest.mark.parametrize("cond, op, want", [((2, 1), "Add", lambda x: x + 10), ((1, 2), "Neg", lambda x: -x)])
def test_flatten_subgraphs_inlines_the_branch_a_constant_condition_takes(cond, op, want):
    graph = if_graph(cond)
    if_node = graph.nodes[1]
    graph.fold_constants().cleanup()
    assert [n.op for n in graph.nodes] == [op]
    assert [t.name for t in graph.outputs] == ["y"] and graph.nodes[0].outputs[0].name == "y"
    assert if_node.op == "If"  # the removed node stays a usable Python object
    model = gs.export_onnx(graph)
    onnx.checker.check_model(model)
    x = np.array([1, -2], np.float32)
    np.testing.assert_array_equal(run(graph, {"x": x})[0], want(x))
    if op == "Add":
        assert graph.nodes[0].inputs[1].name == "ten_subg_1_then"

    kept = if_graph(cond)
    kept.fold_constants(flatten_subgraphs=False).cleanup()
    assert [n.op for n in kept.nodes] == ["If"]
