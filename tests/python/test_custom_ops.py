"""Custom operators end to end (issue #6).

The origin document's flow: a model exported by torch with a custom op
devtech::FooOp (autograd.Function with symbolic, dynamic batch, opset 13) is
checked, fails to run without a kernel (naming the node, the op and the three
ways to provide one), runs with the example plug-in (libdevtech_ops.so) with
torch's output, and after `onnxkit edit --bypass op=devtech::FooOp` runs with
no plug-in and the same output. Then the plug-in loader's error paths, the
ScaledGelu example's math, and Python kernels (onnxkit.register_op).

Needs the onnxkit binary ($ONNXKIT_BIN, default <repo>/build/onnxkit) and
the plug-ins built beside it; the torch flow needs python3-torch and skips
without it. Python-side cases run in subprocesses, since registrations are
process-wide.
"""
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")
BUILD = os.path.dirname(os.path.abspath(BIN))
PLUGIN = os.path.join(BUILD, "libdevtech_ops.so")
TEST_PLUGINS = os.path.join(BUILD, "test_plugins")
PYTHONPATH = os.path.join(BUILD, "python")

pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(PLUGIN)),
                                reason=f"onnxkit or the example plug-in not built ({BIN}, {PLUGIN})")


def onnxkit(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=300)


def one_line_error(p):
    assert p.returncode == 1, (p.stdout, p.stderr)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("onnxkit: error: "), p.stderr
    return lines[0]


EXPORT = textwrap.dedent("""
    import sys, numpy as np, torch

    class FooOp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            return input
        @staticmethod
        def symbolic(g, input):
            return g.op("devtech::FooOp", input)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, stride=2)
            self.relu = torch.nn.ReLU()
        def forward(self, x):
            return FooOp.apply(self.relu(self.conv(x)))

    torch.manual_seed(0)
    net = Net().eval()
    out = sys.argv[1]
    torch.onnx.export(net, torch.randn(1, 3, 32, 32), out + "/model_foo.onnx", input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      opset_version=13, custom_opsets={"devtech": 1})
    x = torch.randn(2, 3, 32, 32)
    np.save(out + "/input.npy", x.numpy())
    with torch.no_grad():
        np.save(out + "/ref/output.npy", net(x).numpy())
""")


@pytest.fixture(scope="module")
def foo_model(tmp_path_factory):
    pytest.importorskip("torch")
    d = tmp_path_factory.mktemp("foo")
    (d / "ref").mkdir()
    p = subprocess.run(["/usr/bin/python3", "-c", EXPORT, str(d)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return d


def test_check_reports_custom_op_then_knows_it(foo_model):
    p = onnxkit("check", foo_model / "model_foo.onnx")
    assert p.returncode == 0, p.stderr
    assert "unknown op devtech::FooOp" in p.stdout and "no schema" in p.stdout
    p = onnxkit("check", foo_model / "model_foo.onnx", "--strict")
    assert p.returncode == 1 and "devtech::FooOp" in p.stdout
    p = onnxkit("check", foo_model / "model_foo.onnx", "--strict", "--custom-ops", PLUGIN)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "FooOp" not in p.stdout and "valid" in p.stdout


def test_infer_uses_the_plugin_schema(foo_model, tmp_path):
    out = tmp_path / "inferred.onnx"
    # Without a schema the exporter's placeholder dims stay; with the plug-in's
    # schema (same_as_input_0) FooOp's output gets the Relu's shape, batch N kept.
    p = onnxkit("infer", foo_model / "model_foo.onnx", tmp_path / "plain.onnx")
    assert p.returncode == 0, p.stderr
    assert "float[N,8,15,15] output" not in onnxkit("print", tmp_path / "plain.onnx").stdout
    p = onnxkit("infer", foo_model / "model_foo.onnx", out, "--custom-ops", PLUGIN)
    assert p.returncode == 0, p.stderr
    assert "=> (float[N,8,15,15] output)" in onnxkit("print", out).stdout


def test_run_without_kernel_fails_before_running(foo_model):
    line = one_line_error(onnxkit("run", foo_model / "model_foo.onnx", "--input", "input=random"))
    assert "devtech::FooOp" in line and "node '" in line
    assert "--custom-ops" in line  # a plug-in
    assert "CustomOpRegistry::add(\"devtech\", \"FooOp\"" in line  # C++
    assert "onnxkit.register_op(\"devtech\", \"FooOp\"" in line  # Python
    assert "--bypass op=devtech::FooOp" in line


def test_run_with_plugin_equals_torch_and_bypass_runs_without(foo_model, tmp_path):
    model = foo_model / "model_foo.onnx"
    inp = f"input={foo_model / 'input.npy'}"
    p = onnxkit("run", model, "--input", inp, "--custom-ops", PLUGIN, "--compare-to", foo_model / "ref",
                "--rtol", "1e-4", "--atol", "1e-5", "--output-dir", tmp_path / "with")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "output: float[2,8,15,15]" in p.stdout
    edited = tmp_path / "removed.onnx"
    p = onnxkit("edit", model, edited, "--bypass", "op=devtech::FooOp")
    assert p.returncode == 0, p.stderr
    assert "devtech.FooOp" not in onnxkit("print", edited).stdout and "FooOp(" not in onnxkit("print", edited).stdout
    p = onnxkit("run", edited, "--input", inp, "--compare-to", foo_model / "ref", "--rtol", "1e-4",
                "--atol", "1e-5", "--output-dir", tmp_path / "without")
    assert p.returncode == 0, p.stdout + p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "with" / "output.npy"),
                                  np.load(tmp_path / "without" / "output.npy"))


# ---- the plug-in loader's error paths, through the CLI


def custom_model(tmp_path, op, attrs=None, dtype=None):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    dtype = dtype or TensorProto.FLOAT
    node = helper.make_node(op, ["x"], ["y"], name=f"my_{op.lower()}", domain="devtech", **(attrs or {}))
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", dtype, ["N", 4])],
                              [helper.make_tensor_value_info("y", dtype, ["N", 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("devtech", 1)])
    path = tmp_path / f"{op}.onnx"
    onnx.save(model, path)
    return path


def test_bad_path(tmp_path):
    m = custom_model(tmp_path, "FooOp")
    for cmd in (["run", m, "--input", "x=random"], ["check", m], ["infer", m, tmp_path / "o.onnx"],
                ["edit", m, tmp_path / "o.onnx", "--bypass", "op=FooOp"]):
        line = one_line_error(onnxkit(*cmd, "--custom-ops", tmp_path / "missing.so"))
        assert "missing.so: no such custom-op library" in line
    line = one_line_error(onnxkit("check", m, "--custom-ops", m))  # not a shared library
    assert "cannot load the custom-op library" in line


def test_library_without_entry_point_names_the_symbol(tmp_path):
    line = one_line_error(onnxkit("check", custom_model(tmp_path, "FooOp"), "--custom-ops",
                                  os.path.join(TEST_PLUGINS, "libno_entry.so")))
    assert "does not export the symbol 'onnxkit_register_custom_ops'" in line


def test_abi_mismatch_is_refused(tmp_path):
    line = one_line_error(onnxkit("check", custom_model(tmp_path, "FooOp"), "--custom-ops",
                                  os.path.join(TEST_PLUGINS, "libabi_999.so")))
    assert "built for plug-in ABI version 999" in line and "speaks version 1" in line
    line = one_line_error(onnxkit("check", custom_model(tmp_path, "FooOp"), "--custom-ops",
                                  os.path.join(TEST_PLUGINS, "libno_declare.so")))
    assert "before declaring its ABI version" in line


def test_two_libraries_registering_the_same_op(tmp_path):
    line = one_line_error(onnxkit("run", custom_model(tmp_path, "FooOp"), "--input", "x=random", "--custom-ops",
                                  PLUGIN, "--custom-ops", os.path.join(TEST_PLUGINS, "libfailing.so")))
    assert "devtech::FooOp" in line and "already" in line and "libdevtech_ops.so" in line


def test_kernel_failing_at_run_time_names_the_node(tmp_path):
    line = one_line_error(onnxkit("run", custom_model(tmp_path, "Failing"), "--input", "x=random",
                                  "--custom-ops", os.path.join(TEST_PLUGINS, "libfailing.so")))
    assert "node 'my_failing' (devtech::Failing)" in line and "the Failing op always fails" in line


def test_scaled_gelu_math(tmp_path):
    m = custom_model(tmp_path, "ScaledGelu", {"alpha": 1.5})
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    np.save(tmp_path / "x.npy", x)
    p = onnxkit("run", m, "--input", f"x={tmp_path / 'x.npy'}", "--custom-ops", PLUGIN, "--output-dir", tmp_path)
    assert p.returncode == 0, p.stderr
    want = np.array([1.5 * 0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.ravel()]).reshape(3, 4)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), want, rtol=1e-6, atol=1e-7)
    # A type the schema refuses (check), and the kernel refuses at creation (run), naming the node.
    doubles = custom_model(tmp_path, "ScaledGelu", dtype=11)
    p = onnxkit("check", doubles, "--custom-ops", PLUGIN)
    assert p.returncode == 1 and "double" in p.stdout
    line = one_line_error(onnxkit("run", doubles, "--input", "x=random", "--custom-ops", PLUGIN))
    assert "node 'my_scaledgelu' (devtech::ScaledGelu)" in line and "ScaledGelu takes float input" in line


# ---- from Python


def python(code):
    env = dict(os.environ, PYTHONPATH=PYTHONPATH)
    return subprocess.run(["/usr/bin/python3", "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, env=env)


needs_module = pytest.mark.skipif(not os.path.isdir(os.path.join(PYTHONPATH, "onnxkit")),
                                  reason="Python module not built")


@needs_module
def test_python_loads_plugin_and_reports_errors(tmp_path):
    m = custom_model(tmp_path, "ScaledGelu", {"alpha": 2.0})
    p = python(f"""
        import numpy as np, onnxkit
        for bad, expect in [("{tmp_path}/nope.so", "no such custom-op library"),
                            ("{TEST_PLUGINS}/libno_entry.so", "onnxkit_register_custom_ops"),
                            ("{TEST_PLUGINS}/libabi_999.so", "ABI version 999")]:
            try:
                onnxkit.register_custom_ops_library(bad)
                raise SystemExit("no error for " + bad)
            except onnxkit.Error as e:
                assert expect in str(e), str(e)
        onnxkit.register_custom_ops_library("{PLUGIN}")
        x = np.ones((2, 4), np.float32)
        y = onnxkit._onnxkit._run_with_custom_ops("{m}", {{"x": x}})[0]
        np.testing.assert_allclose(y, 2.0 * 0.8413447, rtol=1e-5)
        try:
            onnxkit.register_custom_ops_library("{TEST_PLUGINS}/libfailing.so")
            raise SystemExit("duplicate accepted")
        except onnxkit.Error as e:
            assert "already" in str(e) and "libdevtech_ops.so" in str(e), str(e)
        print("ok")
    """)
    assert p.returncode == 0 and "ok" in p.stdout, p.stdout + p.stderr


@needs_module
def test_python_kernel_runs_and_checks_what_it_returns(tmp_path):
    m = custom_model(tmp_path, "FooOp")
    p = python(f"""
        import numpy as np, onnxkit
        calls = []
        def foo(x):
            calls.append(x.shape)
            assert not x.flags.writeable
            return x * 2
        onnxkit.register_op("devtech", "FooOp", foo, shape_rule=lambda shapes: shapes[0])
        x = np.arange(8, dtype=np.float32).reshape(2, 4)
        y = onnxkit._onnxkit._run_with_custom_ops("{m}", {{"x": x}})[0]
        np.testing.assert_array_equal(y, x * 2)
        assert calls == [(2, 4)], calls
        print("ok")
    """)
    assert p.returncode == 0 and "ok" in p.stdout, p.stdout + p.stderr


@needs_module
@pytest.mark.parametrize("body, expect", [
    ("return x[:1]", "returned output 0 of shape [1,4], expected [2,4]"),
    ("return x.astype(np.float64)", "returned output 0 of dtype double, expected float"),
    ("raise ValueError('research code broke')", "ValueError: research code broke"),
])
def test_python_kernel_errors_name_the_node(tmp_path, body, expect):
    m = custom_model(tmp_path, "FooOp")
    p = python(f"""
        import numpy as np, onnxkit
        def foo(x):
            {body}
        onnxkit.register_op("devtech", "FooOp", foo)
        try:
            onnxkit._onnxkit._run_with_custom_ops("{m}", {{"x": np.ones((2, 4), np.float32)}})
            raise SystemExit("no error")
        except onnxkit.Error as e:
            assert "node 'my_fooop' (devtech::FooOp)" in str(e), str(e)
            assert {expect!r} in str(e), str(e)
        print("ok")
    """)
    assert p.returncode == 0 and "ok" in p.stdout, p.stdout + p.stderr
