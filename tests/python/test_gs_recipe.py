"""The origin recipe, unchanged but for its import line: remove devtech::FooOp
from a torch-exported model with onnxkit.gs."""
import os

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

gs = pytest.importorskip(
    "onnxkit.gs", reason="onnxkit Python module not built (build it; PYTHONPATH=build/python)")
onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")


class FooOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def symbolic(g, x):
        return g.op("devtech::FooOp", x)


class FooModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 16, 3, 2)
        self.bn1 = torch.nn.BatchNorm2d(16)
        self.relu1 = torch.nn.ReLU()

    def forward(self, x):
        return FooOp.apply(self.relu1(self.bn1(self.conv1(x))))


@pytest.fixture
def model_foo(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "model_foo.onnx"
    torch.onnx.export(FooModel().eval(), torch.randn(1, 3, 32, 32), str(path),
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=13)
    return path


def test_recipe_removes_fooop(model_foo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # ---- the recipe, verbatim but for the import line
    graph = gs.import_onnx(onnx.load("model_foo.onnx"))
    fake_node = [node for node in graph.nodes if node.op == "FooOp"][0]
    inp_node = fake_node.i()
    inp_node.outputs = fake_node.outputs
    fake_node.outputs.clear()
    graph.cleanup()
    onnx.save(gs.export_onnx(graph), "removed.onnx")
    # ----
    model = onnx.load("removed.onnx")
    onnx.checker.check_model(model)
    g = model.graph
    assert [n.op_type for n in g.node] == ["Conv", "Relu"]
    conv, relu = g.node
    assert relu.input[0] == conv.output[0]
    assert list(relu.output) == ["output"]
    assert [o.name for o in g.output] == ["output"]
    assert [i.name for i in g.input] == ["input"]
    assert g.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    # Only the initializers Conv reads are left, in node order.
    assert [t.name for t in g.initializer] == list(conv.input[1:])
    assert model.ir_version == onnx.load(str(model_foo)).ir_version


def test_recipe_objects_stay_usable(model_foo):
    graph = gs.import_onnx(onnx.load(str(model_foo)))
    fake_node = [node for node in graph.nodes if node.op == "FooOp"][0]
    inp_node = fake_node.i()
    inp_node.outputs = fake_node.outputs
    # For a moment the output has two producers (onnx-graphsurgeon relies on it).
    assert len(inp_node.outputs[0].inputs) == 2
    fake_node.outputs.clear()
    assert graph.cleanup() is graph
    # The removed node is still a usable (disconnected) object, as in onnx-graphsurgeon.
    assert fake_node.op == "FooOp" and len(fake_node.inputs) == 0 and len(fake_node.outputs) == 0
    assert [n.op for n in graph.nodes] == ["Conv", "Relu"]
    assert graph.nodes[1] is inp_node
    with pytest.raises(IndexError):
        inp_node.o()
    with pytest.raises(IndexError):
        graph.nodes[0].i()  # the graph input has no producer


def test_recipe_with_onnxkit_model(model_foo, tmp_path):
    import onnxkit

    graph = gs.import_onnx(onnxkit.load(str(model_foo)))
    fake_node = [node for node in graph.nodes if node.op == "FooOp"][0]
    fake_node.i().outputs = fake_node.outputs
    fake_node.outputs.clear()
    graph.cleanup().toposort()
    out = tmp_path / "removed_native.onnx"
    onnxkit.save(graph.model, str(out))
    model = onnx.load(str(out))
    onnx.checker.check_model(model)
    assert [n.op_type for n in model.graph.node] == ["Conv", "Relu"]
    assert os.path.getsize(out) > 0
