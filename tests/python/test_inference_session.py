"""onnxkit.InferenceSession with ONNX Runtime's Python API: numpy in and out,
get_inputs()/get_outputs(), SessionOptions, errors naming what is wrong, the
seed models against torch's saved outputs, and concurrent runs from Python
threads (the GIL is released while a run computes)."""
import os
import subprocess
import threading

import numpy as np
import pytest

import onnxkit

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
SEED_SCRIPT = os.path.join(SHARED, "models", "seed_models.py")


def small_model(opset=13):
    """y = Relu(x @ w + b), z = Identity(y) * 2, x: float[N, 4]."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 3], np.linspace(-1, 1, 12).tolist())
    b = helper.make_tensor("b", TensorProto.FLOAT, [3], [0.1, -0.2, 0.3])
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "b"], ["xwb"], name="add"),
        helper.make_node("Relu", ["xwb"], ["y"], name="relu"),
        helper.make_node("Identity", ["y"], ["yi"], name="identity"),
        helper.make_node("Mul", ["yi", "two"], ["z"], name="mul"),
    ]
    graph = helper.make_graph(
        nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 3])], [w, b, two])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def expected(model, x):
    w = numpy_helper.to_array(model.graph.initializer[0])
    b = numpy_helper.to_array(model.graph.initializer[1])
    y = np.maximum(x @ w + b, 0)
    return y, y * 2


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


def test_run_all_outputs_and_selected_outputs():
    model = small_model()
    sess = onnxkit.InferenceSession(model)
    y, z = sess.run(None, {"x": X})
    want_y, want_z = expected(model, X)
    np.testing.assert_allclose(y, want_y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(z, want_z, rtol=1e-6, atol=1e-6)
    assert y.dtype == np.float32 and y.shape == (5, 3)
    (only_z,) = sess.run(["z"], {"x": X})
    np.testing.assert_array_equal(only_z, z)
    assert isinstance(only_z, np.ndarray)


def test_inputs_outputs_and_providers_like_onnx_runtime():
    sess = onnxkit.InferenceSession(small_model())
    (inp,) = sess.get_inputs()
    assert inp.name == "x" and inp.shape == ["N", 4] and inp.type == "tensor(float)"
    assert [(o.name, o.shape, o.type) for o in sess.get_outputs()] == [
        ("y", ["N", 3], "tensor(float)"), ("z", ["N", 3], "tensor(float)")]
    assert sess.get_providers() == ["CPUExecutionProvider"]
    assert "NodeArg(name='x'" in repr(inp)


def test_accepts_path_bytes_and_model_proto(tmp_path):
    model = small_model()
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    want = onnxkit.InferenceSession(model).run(None, {"x": X})
    for source in (str(path), path, model.SerializeToString()):
        got = onnxkit.InferenceSession(source, providers=["CPUExecutionProvider"]).run(None, {"x": X})
        np.testing.assert_array_equal(got[1], want[1])
    with pytest.raises(TypeError, match="path, bytes or an onnx.ModelProto"):
        onnxkit.InferenceSession(42)
    with pytest.warns(UserWarning, match="CUDAExecutionProvider"):
        onnxkit.InferenceSession(model, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])


def test_session_options_and_optimization_levels():
    opts = onnxkit.SessionOptions()
    assert opts.intra_op_num_threads == 0
    assert opts.graph_optimization_level == onnxkit.GraphOptimizationLevel.ORT_ENABLE_ALL
    model = small_model()
    optimized = onnxkit.InferenceSession(model, opts)
    opts.graph_optimization_level = onnxkit.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    plain = onnxkit.InferenceSession(model, sess_options=opts)
    assert any("Identity" in line for line in plain.describe_plan())
    assert not any("Identity" in line for line in optimized.describe_plan())
    for a, b in zip(plain.run(None, {"x": X}), optimized.run(None, {"x": X})):
        np.testing.assert_array_equal(a, b)
    assert plain.get_session_options().intra_op_num_threads == 1


def test_errors_name_the_input_output_or_node():
    sess = onnxkit.InferenceSession(small_model())
    with pytest.raises(onnxkit.Error, match="input 'x'.*expected element type float"):
        sess.run(None, {"x": X.astype(np.float64)})
    with pytest.raises(onnxkit.Error, match="input 'x'.*no value given"):
        sess.run(None, {})
    with pytest.raises(onnxkit.Error, match="no such input"):
        sess.run(None, {"x": X, "nope": X})
    with pytest.raises(onnxkit.Error, match="output 'nope'"):
        sess.run(["nope"], {"x": X})
    with pytest.raises(onnxkit.Error, match="input 'x'.*expected shape"):
        sess.run(None, {"x": X[:, :3]})
    # A custom op without a kernel fails at creation, naming the node and op.
    node = helper.make_node("FooOp", ["x"], ["y"], name="my_foo", domain="devtech")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    foo = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("devtech", 1)])
    with pytest.raises(onnxkit.Error, match=r"node 'my_foo' \(devtech::FooOp\): no kernel"):
        onnxkit.InferenceSession(foo)
    with pytest.raises(onnxkit.Error):
        onnxkit.InferenceSession(b"not a model")


def test_outputs_are_writable_and_writing_them_changes_nothing_else():
    k = helper.make_tensor("k", TensorProto.INT64, [2], [3, 4])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.INT64, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.INT64, [2]),
                               helper.make_tensor_value_info("k", TensorProto.INT64, [2])], [k])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    sess = onnxkit.InferenceSession(model)
    x = np.array([1, 2], dtype=np.int64)
    y, kv = sess.run(None, {"x": x})
    np.testing.assert_array_equal(y, [1, 2])
    np.testing.assert_array_equal(kv, [3, 4])
    assert y.flags.writeable and kv.flags.writeable  # as ONNX Runtime's
    y[0] = 100
    kv[0] = 100
    assert x[0] == 1  # y was a view of x in the runtime: copied
    np.testing.assert_array_equal(sess.run(["k"], {"x": x})[0], [3, 4])  # the constant is untouched


def test_two_python_threads_run_two_thread_sessions_at_once():
    opts = onnxkit.SessionOptions()
    opts.intra_op_num_threads = 2
    model = small_model()
    sess = onnxkit.InferenceSession(model, opts)
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((64, 4)).astype(np.float32) for _ in range(2)]
    want = [sess.run(None, {"x": x}) for x in inputs]
    results = [[], []]
    errors = []
    start = threading.Barrier(2)

    def work(i):
        try:
            start.wait()
            for _ in range(50):
                results[i].append(sess.run(None, {"x": inputs[i]}))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(2):
        assert len(results[i]) == 50
        for got in results[i]:
            np.testing.assert_array_equal(got[0], want[i][0])
            np.testing.assert_array_equal(got[1], want[i][1])


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory):
    if not os.path.exists(SEED_SCRIPT):
        pytest.skip(f"no seed model script at {SEED_SCRIPT}")
    pytest.importorskip("torch")
    out = tmp_path_factory.mktemp("seed")
    subprocess.run(["/usr/bin/python3", SEED_SCRIPT, str(out)], check=True, capture_output=True, timeout=600)
    return out


@pytest.mark.parametrize("name", ["model", "model_bn", "model_scripted"])
@pytest.mark.parametrize("level", ["ORT_DISABLE_ALL", "ORT_ENABLE_ALL"])
def test_seed_models_match_saved_outputs(seed_dir, name, level):
    opts = onnxkit.SessionOptions()
    opts.graph_optimization_level = getattr(onnxkit.GraphOptimizationLevel, level)
    sess = onnxkit.InferenceSession(str(seed_dir / f"{name}.onnx"), opts)
    (inp,) = sess.get_inputs()
    assert inp.shape[0] == "N" and inp.type == "tensor(float)"
    x = np.load(seed_dir / f"{name}.input.npy")
    want = np.load(seed_dir / f"{name}.output.npy")
    (got,) = sess.run(None, {inp.name: x})
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    plan = sess.describe_plan()
    if name == "model_bn":
        assert any("BatchNormalization" in line for line in plan) == (level == "ORT_DISABLE_ALL")
