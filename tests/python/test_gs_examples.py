"""onnx-graphsurgeon's documented examples (01, 03, 04, 06, 07, 08, 09 and an
If subgraph), written fresh against onnxkit.gs; each checks the exported model
with onnx.checker and by structure."""
import numpy as np
import pytest

gs = pytest.importorskip(
    "onnxkit.gs", reason="onnxkit Python module not built (build it; PYTHONPATH=build/python)")
onnx = pytest.importorskip("onnx")
import onnx.numpy_helper  # noqa: E402
import onnx.shape_inference  # noqa: E402


def check(model):
    onnx.checker.check_model(model)
    return model


def test_01_creating_a_model():
    X = gs.Variable(name="X", dtype=np.float32, shape=(1, 3, 5, 5))
    Y = gs.Variable(name="Y", dtype=np.float32, shape=(1, 3, 1, 1))
    node = gs.Node(op="GlobalLpPool", attrs={"p": 2}, inputs=[X], outputs=[Y])
    graph = gs.Graph(nodes=[node], inputs=[X], outputs=[Y])
    model = check(gs.export_onnx(graph))
    assert model.ir_version == onnx.IR_VERSION
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 11)]
    (n,) = model.graph.node
    assert n.op_type == "GlobalLpPool" and not n.HasField("name")
    assert onnx.helper.get_attribute_value(n.attribute[0]) == 2
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 5, 5]
    assert model.graph.name == "onnx_graphsurgeon_graph"


def test_02_creating_a_model_with_initializer():
    X = gs.Variable(name="X", dtype=np.float32, shape=(1, 3, 224, 224))
    W = gs.Constant(name="W", values=np.ones(shape=(5, 3, 3, 3), dtype=np.float32))
    Y = gs.Variable(name="Y", dtype=np.float32, shape=(1, 5, 222, 222))
    node = gs.Node(op="Conv", inputs=[X, W], outputs=[Y])
    graph = gs.Graph(nodes=[node], inputs=[X], outputs=[Y])
    model = check(gs.export_onnx(graph))
    (init,) = model.graph.initializer
    assert init.name == "W"
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(init), np.ones((5, 3, 3, 3)))
    assert isinstance(W, gs.Constant) and W.values.shape == (5, 3, 3, 3)


def make_03_model():
    X = gs.Variable(name="X", dtype=np.float32, shape=(1, 3, 5, 5))
    x1 = gs.Variable(name="x1", dtype=np.float32)
    b = gs.Constant(name="b", values=np.ones((1, 3, 5, 5), dtype=np.float32))
    add_out = gs.Variable(name="add_out", dtype=np.float32)
    Y = gs.Variable(name="Y", dtype=np.float32, shape=(1, 3, 5, 5))
    nodes = [
        gs.Node(op="Identity", inputs=[X], outputs=[x1]),
        gs.Node(op="Add", inputs=[x1, b], outputs=[add_out]),
        gs.Node(op="Relu", inputs=[add_out], outputs=[Y]),
    ]
    return gs.export_onnx(gs.Graph(nodes=nodes, inputs=[X], outputs=[Y]))


def test_03_isolating_a_subgraph():
    graph = gs.import_onnx(make_03_model())
    tensors = graph.tensors()
    assert list(tensors.keys()) == ["X", "x1", "b", "add_out", "Y"]
    graph.inputs = [tensors["x1"].to_variable(dtype=np.float32)]
    graph.outputs = [tensors["add_out"].to_variable(dtype=np.float32)]
    graph.cleanup()
    model = check(gs.export_onnx(graph))
    assert [n.op_type for n in model.graph.node] == ["Add"]
    assert [i.name for i in model.graph.input] == ["x1"]
    assert [o.name for o in model.graph.output] == ["add_out"]
    assert [t.name for t in model.graph.initializer] == ["b"]


def make_04_model():
    X = gs.Variable(name="x", dtype=np.float32, shape=(1, 3, 5, 5))
    a = gs.Constant("a", values=np.ones((1, 3, 5, 5), dtype=np.float32))
    b = gs.Constant("b", values=np.ones((1, 3, 5, 5), dtype=np.float32))
    mid = gs.Variable("mid", dtype=np.float32)
    Y = gs.Variable(name="y", dtype=np.float32, shape=(1, 3, 5, 5))
    nodes = [gs.Node("Add", inputs=[X, b], outputs=[mid]), gs.Node("Add", inputs=[mid, a], outputs=[Y])]
    return gs.export_onnx(gs.Graph(nodes=nodes, inputs=[X], outputs=[Y]))


def test_04_modifying_a_model():
    graph = gs.import_onnx(make_04_model())
    first_add = [node for node in graph.nodes if node.op == "Add"][0]
    first_add.inputs = [inp for inp in first_add.inputs if inp.name != "b"]
    first_add.op = "LeakyRelu"
    first_add.attrs["alpha"] = 0.02
    identity_out = gs.Variable("identity_out", dtype=np.float32)
    identity = gs.Node(op="Identity", inputs=first_add.outputs, outputs=[identity_out])
    graph.nodes.append(identity)
    graph.outputs = [identity_out]
    graph.cleanup(remove_unused_graph_inputs=True).toposort()
    model = check(onnx.shape_inference.infer_shapes(gs.export_onnx(graph)))
    assert [n.op_type for n in model.graph.node] == ["LeakyRelu", "Identity"]
    assert [o.name for o in model.graph.output] == ["identity_out"]
    assert len(model.graph.initializer) == 0  # a and b are no longer used
    alpha = model.graph.node[0].attribute[0]
    assert alpha.name == "alpha" and abs(alpha.f - 0.02) < 1e-7


def test_06_removing_nodes():
    x = gs.Variable(name="x", dtype=np.float32, shape=(1, 3, 224, 224))
    i0 = gs.Variable(name="i0")
    i1 = gs.Variable(name="i1")
    fake_out = gs.Variable(name="fake_out")
    y = gs.Variable(name="y", dtype=np.float32, shape=(1, 3, 224, 224))
    nodes = [
        gs.Node("Identity", inputs=[x], outputs=[i0]),
        gs.Node("FakeNodeToRemove", inputs=[i0], outputs=[i1]),
        gs.Node("Identity", inputs=[i1], outputs=[fake_out]),
        gs.Node("Identity", inputs=[fake_out], outputs=[y]),
    ]
    model = gs.export_onnx(gs.Graph(nodes=nodes, inputs=[x], outputs=[y]))
    graph = gs.import_onnx(model)
    fake_node = [node for node in graph.nodes if node.op == "FakeNodeToRemove"][0]
    inp_node = fake_node.i()
    inp_node.outputs = fake_node.outputs
    fake_node.outputs.clear()
    graph.cleanup()
    out = check(gs.export_onnx(graph))
    assert [n.op_type for n in out.graph.node] == ["Identity", "Identity", "Identity"]
    assert [list(n.input) for n in out.graph.node] == [["x"], ["i1"], ["fake_out"]]


def register_07_functions():
    @gs.Graph.register()
    def add(self, a, b):
        return self.layer(op="Add", inputs=[a, b], outputs=["add_out_gs"])

    @gs.Graph.register()
    def mul(self, a, b):
        return self.layer(op="Mul", inputs=[a, b], outputs=["mul_out_gs"])

    @gs.Graph.register()
    def gemm(self, a, b, trans_a=False, trans_b=False):
        attrs = {"transA": int(trans_a), "transB": int(trans_b)}
        return self.layer(op="Gemm", inputs=[a, b], outputs=["gemm_out_gs"], attrs=attrs)

    @gs.Graph.register(opsets=[11])
    def relu(self, a):
        return self.layer(op="Relu", inputs=[a], outputs=["act_out_gs"])

    @gs.Graph.register(opsets=[1])
    def relu(self, a):  # noqa: F811
        raise NotImplementedError("This function has not been implemented!")


def test_07_creating_a_model_with_the_layer_api():
    register_07_functions()
    graph = gs.Graph(opset=11)
    X = gs.Variable(name="X", shape=(64, 64), dtype=np.float32)
    graph.inputs = [X]
    A = np.ones(shape=(64, 64), dtype=np.float32)
    axt = graph.gemm(A, X, trans_b=True)
    B = np.ones((64, 64), dtype=np.float32) * 0.5
    dense = graph.relu(*graph.add(*axt, B))
    C = gs.Constant(name="C", values=np.ones(shape=(64, 64), dtype=np.float32))
    D = np.ones(shape=(64, 64), dtype=np.float32)
    graph.outputs = graph.add(*graph.mul(*dense, C), D)
    for out in graph.outputs:
        out.dtype = np.float32
    model = check(onnx.shape_inference.infer_shapes(gs.export_onnx(graph)))
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Add", "Relu", "Mul", "Add"]
    assert model.graph.node[0].name == "onnx_graphsurgeon_node_2"  # the counter is shared with tensors
    assert model.graph.node[0].input[0] == "onnx_graphsurgeon_constant_0"
    assert [t.name for t in model.graph.initializer] == [
        "onnx_graphsurgeon_constant_0", "onnx_graphsurgeon_constant_3", "C",
        "onnx_graphsurgeon_constant_10"]
    graph1 = gs.Graph(opset=1)
    with pytest.raises(NotImplementedError):
        graph1.relu(X)
    with pytest.raises(AttributeError):
        graph.not_registered()


def make_08_model():
    register_07_functions()

    @gs.Graph.register()
    def min(self, *args):
        return self.layer(op="Min", inputs=args, outputs=["min_out"])[0]

    @gs.Graph.register()
    def max(self, *args):
        return self.layer(op="Max", inputs=args, outputs=["max_out"])[0]

    @gs.Graph.register()
    def identity(self, inp):
        return self.layer(op="Identity", inputs=[inp], outputs=["identity_out"])[0]

    graph = gs.Graph()
    graph.inputs = [gs.Variable("input", shape=(4, 4), dtype=np.float32)]
    MIN_VAL = np.array(0, np.float32)
    MAX_VAL = np.array(6, np.float32)
    inp = graph.identity(graph.inputs[0])
    max_out = graph.max(graph.min(inp, MAX_VAL), MIN_VAL)
    graph.outputs = [graph.identity(max_out)]
    graph.outputs[0].to_variable(dtype=np.float32, shape=(4, 4))
    return gs.export_onnx(graph)


def test_08_replacing_a_subgraph():
    @gs.Graph.register()
    def replace_with_clip(self, inputs, outputs):
        for inp in inputs:
            inp.outputs.clear()
        for out in outputs:
            out.inputs.clear()
        return self.layer(op="Clip", inputs=inputs, outputs=outputs)

    graph = gs.import_onnx(make_08_model())
    tmap = graph.tensors()
    inputs = [tmap["identity_out_0"], tmap["onnx_graphsurgeon_constant_5"],
              tmap["onnx_graphsurgeon_constant_2"]]
    outputs = [tmap["max_out_6"]]
    graph.replace_with_clip(inputs, outputs)
    graph.cleanup().toposort()
    model = check(gs.export_onnx(graph))
    assert [n.op_type for n in model.graph.node] == ["Identity", "Clip", "Identity"]
    clip = model.graph.node[1]
    assert list(clip.input) == ["identity_out_0", "onnx_graphsurgeon_constant_5",
                                "onnx_graphsurgeon_constant_2"]
    assert list(clip.output) == ["max_out_6"]
    vals = {t.name: float(onnx.numpy_helper.to_array(t)) for t in model.graph.initializer}
    assert vals == {"onnx_graphsurgeon_constant_5": 0.0, "onnx_graphsurgeon_constant_2": 6.0}


def test_09_shape_operations_with_the_layer_api():
    @gs.Graph.register()
    def shape(self, a):
        return self.layer(op="Shape", inputs=[a], outputs=["shape_out_gs"])[0]

    @gs.Graph.register()
    def reduce_prod(self, a, axes, keepdims=True):
        return self.layer(op="ReduceProd", inputs=[a],
                          attrs={"axes": axes, "keepdims": int(keepdims)},
                          outputs=["reduce_prod_out_gs"])[0]

    @gs.Graph.register()
    def reshape(self, data, shape):
        return self.layer(op="Reshape", inputs=[data, shape], outputs=["reshape_out_gs"])[0]

    @gs.Graph.register()
    def gather(self, data, indices):
        return self.layer(op="Gather", inputs=[data, indices], outputs=["gather_out_gs"])[0]

    @gs.Graph.register()
    def concat(self, inputs, axis=0):
        return self.layer(op="Concat", inputs=inputs, attrs={"axis": axis},
                          outputs=["concat_out_gs"])[0]

    graph = gs.Graph()
    graph.inputs = [gs.Variable(name="data", dtype=np.float32,
                                shape=(gs.Tensor.DYNAMIC, 3, gs.Tensor.DYNAMIC, 5))]
    input_shape = graph.shape(graph.inputs[0])
    volume = graph.reduce_prod(input_shape, axes=[0])
    flattened = graph.reshape(graph.inputs[0], volume)
    NC = graph.gather(input_shape, indices=[0, 1])
    HW = graph.gather(input_shape, indices=[2, 3])
    new_shape = graph.concat([NC, graph.reduce_prod(HW, axes=[0])])
    partially_flattened = graph.reshape(graph.inputs[0], new_shape)
    flattened.name = "flattened"
    flattened.dtype = np.float32
    flattened.shape = (gs.Tensor.DYNAMIC,)
    partially_flattened.name = "partially_flattened"
    partially_flattened.dtype = np.float32
    partially_flattened.shape = (gs.Tensor.DYNAMIC, 3, gs.Tensor.DYNAMIC)
    graph.outputs = [flattened, partially_flattened]
    model = check(onnx.shape_inference.infer_shapes(gs.export_onnx(graph)))
    ops = [n.op_type for n in model.graph.node]
    assert ops == ["Shape", "ReduceProd", "Reshape", "Gather", "Gather", "ReduceProd",
                   "Concat", "Reshape"]
    assert [o.name for o in model.graph.output] == ["flattened", "partially_flattened"]
    gathers = [n for n in model.graph.node if n.op_type == "Gather"]
    idx = {t.name: onnx.numpy_helper.to_array(t).tolist() for t in model.graph.initializer}
    assert idx[gathers[0].input[1]] == [0, 1] and idx[gathers[1].input[1]] == [2, 3]


def test_if_subgraphs_build_export_and_import():
    x = gs.Variable("x", dtype=np.float32, shape=(2,))
    cond = gs.Variable("cond", dtype=np.bool_, shape=())
    then_out = gs.Variable("then_out", dtype=np.float32, shape=(2,))
    else_out = gs.Variable("else_out", dtype=np.float32, shape=(2,))
    then_graph = gs.Graph(nodes=[gs.Node("Relu", inputs=[x], outputs=[then_out])],
                          outputs=[then_out], name="then")
    else_graph = gs.Graph(nodes=[gs.Node("Neg", inputs=[x], outputs=[else_out])],
                          outputs=[else_out], name="else")
    y = gs.Variable("y", dtype=np.float32, shape=(2,))
    if_node = gs.Node("If", inputs=[cond], outputs=[y],
                      attrs={"then_branch": then_graph, "else_branch": else_graph})
    graph = gs.Graph(nodes=[if_node], inputs=[cond, x], outputs=[y], opset=13)
    assert then_graph.parent is graph
    model = check(gs.export_onnx(graph))
    (n,) = model.graph.node
    branches = {a.name: a.g for a in n.attribute}
    assert [m.op_type for m in branches["then_branch"].node] == ["Relu"]
    assert list(branches["else_branch"].node[0].input) == ["x"]

    g2 = gs.import_onnx(model)
    node = g2.nodes[0]
    sub = node.attrs["then_branch"]
    assert isinstance(sub, gs.Graph) and sub.nodes[0].op == "Relu"
    assert [s.name for s in g2.subgraphs()] == ["then", "else"]
    # A subgraph's read of an outer tensor makes that tensor's producer live.
    g2.cleanup().toposort()
    assert len(g2.nodes) == 1
    check(gs.export_onnx(g2))


def test_export_model_stays_in_onnxkit(tmp_path):
    """gs.export_model(): export's rules on the IR, saved by onnxkit; the file
    holds what gs.export_onnx() gives."""
    import onnxkit

    X = gs.Variable(name="X", dtype=np.float32, shape=("N", 3))
    W = gs.Constant(name="W", values=np.ones((3,), dtype=np.float32))
    unused = gs.Constant(name="unused", values=np.zeros((2,), dtype=np.float32))
    Y = gs.Variable(name="Y", dtype=np.float32, shape=("N", 3))
    dead = gs.Variable(name="dead", dtype=np.float32)
    graph = gs.Graph(nodes=[gs.Node(op="Add", inputs=[X, W], outputs=[Y]),
                            gs.Node(op="Mul", inputs=[X, unused], outputs=[dead])],
                     inputs=[X], outputs=[Y])
    graph.cleanup()
    via_onnx = gs.export_onnx(graph)
    model = gs.export_model(graph)
    assert isinstance(model, onnxkit.Model)
    path = str(tmp_path / "m.onnx")
    onnxkit.save(model, path)
    saved = check(onnx.load(path))
    assert [t.name for t in saved.graph.initializer] == ["W"]
    assert saved.SerializeToString() == via_onnx.SerializeToString()


def test_records_behave_like_graphsurgeons_dataclasses():
    # import_domains entries and Node.AttributeRef are dataclasses in
    # onnx-graphsurgeon; onnxkit.gs keeps their fields, repr and equality
    # without importing dataclasses.
    graph = gs.Graph(opset=13)
    (d,) = graph.import_domains
    assert (d.domain, d.version) == ("", 13)
    assert "version=13" in repr(d)
    ref = gs.Node.AttributeRef("alpha", float)
    assert ref == gs.Node.AttributeRef(name="alpha", type=float)
    assert ref != gs.Node.AttributeRef("beta", float)
    assert (ref.name, ref.type) == ("alpha", float)
    assert repr(ref) == "Node.AttributeRef(name='alpha', type=<class 'float'>)"
    with pytest.raises(TypeError):
        gs.Node.AttributeRef("alpha")
    with pytest.raises(TypeError):
        hash(ref)
