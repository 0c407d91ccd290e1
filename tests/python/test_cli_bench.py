"""`onnxkit bench`: its report (text and --json), symbolic dims bound by
--batch and --dim, --profile's time per op type, and bad arguments. No timing
is asserted beyond being a number."""
import json
import os
import subprocess

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason=f"onnxkit binary not built ({BIN})")
onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def onnxkit(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """y = Relu(MatMul(x, w)) + Cast(ids): x float[N,S,8], ids int64[N,S,4]."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [8, 4], np.linspace(-1, 1, 32).tolist())
    nodes = [helper.make_node("MatMul", ["x", "w"], ["xw"]),
             helper.make_node("Relu", ["xw"], ["r"]),
             helper.make_node("Cast", ["ids"], ["idf"], to=TensorProto.FLOAT),
             helper.make_node("Add", ["r", "idf"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "S", 8]),
                                           helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", "S", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "S", 4])], [w])
    path = tmp_path_factory.mktemp("bench") / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


def test_json_report_fields(model):
    p = onnxkit("bench", model, "--json", "--batch", 3, "--dim", "S=5", "--runs", 4, "--warmup", 1, "--profile")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["runs"] == 4 and r["warmup"] == 1 and r["threads"] == 1 and r["optimization_level"] == 1
    assert r["inputs"] == {"x": {"type": "float", "dims": [3, 5, 8]}, "ids": {"type": "int64", "dims": [3, 5, 4]}}
    lat = r["latency_ms"]
    assert 0 <= lat["min"] <= lat["median"] <= lat["p90"] and lat["min"] <= lat["mean"]
    assert r["session_ms"] >= 0 and r["load_ms"] >= 0 and r["peak_rss_mib"] > 0 and r["nodes"] == 4
    ops = {o["op"]: o for o in r["ops"]}
    assert set(ops) == {"MatMul", "Relu", "Cast", "Add"}
    assert all(o["nodes"] == 1 and o["ms_per_run"] >= 0 for o in ops.values())
    assert sum(o["percent"] for o in ops.values()) == pytest.approx(100, abs=0.1) or \
        all(o["ms_per_run"] == 0 for o in ops.values())
    times = [o["ms_per_run"] for o in r["ops"]]
    assert times == sorted(times, reverse=True)


def test_text_report_and_top(model):
    p = onnxkit("bench", model, "--runs", 2, "--profile", "--top", 2, "--threads", 2)
    assert p.returncode == 0, p.stderr
    for field in ("model ", "load ", "session ", "input         x float[1,1,8]", "runs          2 (after 2 warmup)",
                  "latency       min ", "median ", "p90 ", "mean ", "peak memory ", "op time per run",
                  "2 more op types", "2 threads"):
        assert field in p.stdout, field
    p = onnxkit("bench", model, "--runs", 1, "--optimize", 0)
    assert p.returncode == 0 and "op time" not in p.stdout and "optimization level 0" in p.stdout


@pytest.mark.parametrize("args, message", [
    (["--runs", "0"], "--runs must be at least 1"),
    (["--batch", "x"], "--batch"),
    (["--batch", "0"], "--batch must be at least 1"),
    (["--dim", "S"], "--dim takes NAME=VALUE"),
    (["--dim", "Q=2"], "no input has a symbolic dim 'Q' (symbolic dims: N, S)"),
    (["--optimize", "7"], "--optimize takes 0 (none) or 1 (basic)"),
    (["--warmup"], "--warmup"),
    (["--frobnicate"], "frobnicate"),
])
def test_bad_arguments_are_usage_errors(model, args, message):
    p = onnxkit("bench", model, *args)
    assert p.returncode == 2, p.stdout
    assert p.stderr.startswith("onnxkit: error: ") and message in p.stderr and p.stderr.count("\n") == 1


def test_missing_model_and_missing_kernel_fail_with_one_line(tmp_path):
    p = onnxkit("bench", tmp_path / "none.onnx")
    assert p.returncode == 1 and "none.onnx" in p.stderr
    node = helper.make_node("FooOp", ["x"], ["y"], name="foo", domain="devtech")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    path = tmp_path / "foo.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("devtech", 1)]),
              str(path))
    p = onnxkit("bench", path)
    assert p.returncode == 1 and "node 'foo' (devtech::FooOp)" in p.stderr and p.stderr.count("\n") == 1


def test_run_optimize_levels_give_the_same_outputs(model, tmp_path):
    outs = []
    for level in (0, 1):
        out = tmp_path / f"o{level}"
        p = onnxkit("run", model, "--input", "x=random", "--input", "ids=random", "--dim", "N=2", "--dim", "S=3",
                    "--optimize", level, "--output-dir", out)
        assert p.returncode == 0, p.stderr
        outs.append(np.load(out / "y.npy"))
    assert outs[0].shape == (2, 3, 4)
    np.testing.assert_array_equal(outs[0], outs[1])
    p = onnxkit("run", model, "--input", "x=random", "--input", "ids=random", "--optimize", 2)
    assert p.returncode == 2 and "--optimize takes 0 (none) or 1 (basic)" in p.stderr
