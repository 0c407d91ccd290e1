"""End-to-end tests of the `onnxkit` command line, with python3-onnx as the oracle.

The binary comes from $ONNXKIT_BIN (default: <repo>/build/onnxkit); without it
every test here is skipped. Run: ONNXKIT_BIN=build/onnxkit python3 -m pytest tests/python
"""
import json
import os
import subprocess

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK),
                                reason=f"onnxkit binary not built ({BIN}); set ONNXKIT_BIN")

onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402

SEED_PARAMETERS = (16 * 3 * 3 * 3 + 16) + 4 * 16 + (64 * 16 * 3 * 3 + 64) + 4 * 64


def onnxkit(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"onnxkit {' '.join(map(str, args))} exited {p.returncode}:\n"
                             f"{p.stderr}")
    return p


def example(tmp_path, variant, name=None, *extra):
    path = tmp_path / (name or f"{variant}.onnx")
    onnxkit("example", variant, path, *extra)
    return path


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def canonical(model):
    """The model with every initializer in raw_data form: the text syntax holds
    values, not the field they came from (raw_data or float_data)."""
    for t in model.graph.initializer:
        t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t), t.name))
    return model


def without_data_location(model):
    """onnx.load marks inlined external tensors data_location=DEFAULT; drop that mark."""
    for t in model.graph.initializer:
        if t.data_location == onnx.TensorProto.DEFAULT:
            t.ClearField("data_location")
    return model


def assert_one_error_line(p):
    assert p.returncode != 0
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("onnxkit: error:"), p.stderr
    assert p.stdout == ""


# ---------------------------------------------------------------- example

@pytest.mark.parametrize("variant", ["seed", "foo"])
def test_example_passes_the_onnx_checker(tmp_path, variant):
    model = onnx.load(str(example(tmp_path, variant)))
    onnx.checker.check_model(model)
    assert model.ir_version == 7
    assert model.producer_name == "onnxkit"
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets[""] == 13
    g = model.graph
    assert [i.name for i in g.input] == ["input"]
    assert [o.name for o in g.output] == ["output"]
    assert dims(g.input[0]) == ["N", 3, 128, 128]
    assert g.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    if variant == "seed":
        assert [n.op_type for n in g.node] == ["Conv", "BatchNormalization", "Relu"] * 2
        assert dims(g.output[0]) == ["N", 64, 31, 31]
        assert sum(numpy_helper.to_array(t).size for t in g.initializer) == SEED_PARAMETERS
    else:
        assert opsets["devtech"] == 1
        assert [(n.domain, n.op_type) for n in g.node][-1] == ("devtech", "FooOp")
        assert dims(g.output[0]) == ["N", 16, 63, 63]


def test_example_shapes_agree_with_onnx_shape_inference(tmp_path):
    model = onnx.load(str(example(tmp_path, "seed")))
    model.graph.ClearField("output")
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    outputs = {v.name: dims(v) for v in inferred.graph.value_info}
    assert outputs["output"] == ["N", 64, 31, 31]


def test_example_weights_follow_the_seed(tmp_path):
    a = onnx.load(str(example(tmp_path, "seed", "a.onnx", "--seed", "5")))
    b = onnx.load(str(example(tmp_path, "seed", "b.onnx", "--seed", "5")))
    c = onnx.load(str(example(tmp_path, "seed", "c.onnx", "--seed", "6")))
    assert a.SerializeToString() == b.SerializeToString()
    assert a.graph.initializer[0].raw_data != c.graph.initializer[0].raw_data
    arrays = {t.name: numpy_helper.to_array(t) for t in a.graph.initializer}
    assert ((arrays["bn1.running_var"] >= 0.5) & (arrays["bn1.running_var"] <= 2.0)).all()
    assert ((arrays["bn1.weight"] >= 0.25) & (arrays["bn1.weight"] <= 1.75)).all()


# ---------------------------------------------------------------- inspect

def test_inspect_json_seed(tmp_path):
    summary = json.loads(onnxkit("inspect", example(tmp_path, "seed"), "--json").stdout)
    assert summary["source"] == "seed.onnx"
    assert summary["ir_version"] == 7
    assert summary["producer_name"] == "onnxkit"
    assert summary["opset_imports"] == [{"domain": "", "version": 13}]
    assert summary["inputs"] == [{"name": "input", "type": "float32[N,3,128,128]",
                                  "elem_type": "float32", "shape": ["N", 3, 128, 128]}]
    assert summary["outputs"][0]["shape"] == ["N", 64, 31, 31]
    assert summary["ops"] == {"Conv": 2, "BatchNormalization": 2, "Relu": 2}
    assert summary["node_count"] == 6
    assert summary["initializer_count"] == 12
    assert summary["parameter_count"] == SEED_PARAMETERS
    assert summary["parameter_bytes"] == 4 * SEED_PARAMETERS
    assert summary["custom_domains"] == []
    assert summary["external_data_files"] == []


def test_inspect_json_foo_reports_custom_domain(tmp_path):
    summary = json.loads(onnxkit("inspect", "--json", example(tmp_path, "foo")).stdout)
    assert summary["custom_domains"] == ["devtech"]
    assert summary["ops"]["devtech::FooOp"] == 1
    assert {"domain": "devtech", "version": 1} in summary["opset_imports"]


def test_inspect_text_seed(tmp_path):
    text = onnxkit("inspect", example(tmp_path, "seed")).stdout
    lines = text.splitlines()
    assert "  input  float32[N,3,128,128]" in lines
    assert "  output  float32[N,64,31,31]" in lines
    assert "opsets          ai.onnx 13" in lines
    assert "ops (6 nodes)" in lines
    for op in ("Conv", "BatchNormalization", "Relu"):
        assert any(line.split() == [op, "2"] for line in lines), text


def test_inspect_reads_a_model_written_by_onnx(tmp_path):
    """A model from python3-onnx's helpers (not from us) inspects fine."""
    from onnx import helper
    node = helper.make_node("Relu", ["x"], ["y"], name="r")
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["B", 4])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["B", 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                              producer_name="onnx-helper")
    path = tmp_path / "relu.onnx"
    onnx.save(model, str(path))
    summary = json.loads(onnxkit("inspect", "--json", path).stdout)
    assert summary["producer_name"] == "onnx-helper"
    assert summary["inputs"][0]["shape"] == ["B", 4]
    assert summary["ops"] == {"Relu": 1}


# ---------------------------------------------------------------- convert

def test_convert_to_external_data_loads_equal_to_inline(tmp_path):
    src = example(tmp_path, "seed")
    out = tmp_path / "ext" / "seed_ext.onnx"
    out.parent.mkdir()
    onnxkit("convert", src, out, "--external-data", "seed_ext.bin", "--size-threshold", "1024")
    assert (out.parent / "seed_ext.bin").is_file()
    assert out.stat().st_size < src.stat().st_size

    refs = onnx.load(str(out), load_external_data=False)
    external = {t.name for t in refs.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL}
    assert {"conv1.weight", "conv2.weight"} <= external  # 1728 and 36864 bytes
    assert "bn1.weight" not in external  # 64 bytes, under the threshold

    inline = onnx.load(str(src))
    loaded = without_data_location(onnx.load(str(out)))
    assert loaded == inline

    summary = json.loads(onnxkit("inspect", "--json", out).stdout)
    files = summary["external_data_files"]
    assert [f["location"] for f in files] == ["seed_ext.bin"]
    assert files[0]["tensors"] == len(external)
    external_bytes = sum(4 * int(np.prod(t.dims)) for t in refs.graph.initializer
                         if t.name in external)
    assert files[0]["bytes"] == external_bytes
    assert summary["parameter_count"] == SEED_PARAMETERS


def test_inspect_does_not_need_the_external_data(tmp_path):
    out = tmp_path / "ext.onnx"
    onnxkit("convert", example(tmp_path, "seed"), out, "--external-data", "ext.bin")
    (tmp_path / "ext.bin").unlink()
    summary = json.loads(onnxkit("inspect", "--json", out).stdout)
    assert [f["location"] for f in summary["external_data_files"]] == ["ext.bin"]
    assert summary["parameter_count"] == SEED_PARAMETERS
    # Commands that need the weights say which file is missing.
    p = onnxkit("print", out, check=False)
    assert_one_error_line(p)
    assert "ext.bin" in p.stderr


def test_convert_back_inline(tmp_path):
    src = example(tmp_path, "seed")
    ext = tmp_path / "ext.onnx"
    back = tmp_path / "back.onnx"
    onnxkit("convert", src, ext, "--external-data", "ext.bin")
    onnxkit("convert", ext, back, "--inline-external-data")
    refs = onnx.load(str(back), load_external_data=False)
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in refs.graph.initializer)
    assert without_data_location(refs) == onnx.load(str(src))


@pytest.mark.parametrize("variant", ["seed", "foo"])
def test_convert_through_text_keeps_the_model(tmp_path, variant):
    src = example(tmp_path, variant)
    txt = tmp_path / "model.txt"
    back = tmp_path / "back.onnx"
    onnxkit("convert", src, txt)
    assert txt.read_text().strip()
    onnxkit("convert", txt, back)
    assert canonical(onnx.load(str(back))) == onnx.load(str(src))


def test_example_as_text_equals_binary(tmp_path):
    binary = onnx.load(str(example(tmp_path, "seed")))
    txt = example(tmp_path, "seed", "seed.txt")
    onnxkit("convert", txt, tmp_path / "from_text.onnx")
    assert canonical(onnx.load(str(tmp_path / "from_text.onnx"))) == binary


def test_print_writes_text_to_a_file(tmp_path):
    src = example(tmp_path, "seed")
    out = tmp_path / "seed_print.txt"
    p = onnxkit("print", src, "-o", out, "--full-weights")
    assert p.stdout == ""
    onnxkit("convert", out, tmp_path / "again.onnx")
    assert canonical(onnx.load(str(tmp_path / "again.onnx"))) == onnx.load(str(src))


# ---------------------------------------------------------------- errors

def test_error_nonexistent_file(tmp_path):
    p = onnxkit("inspect", tmp_path / "missing.onnx", check=False)
    assert_one_error_line(p)
    assert p.returncode == 1
    assert "missing.onnx" in p.stderr


def test_error_empty_file(tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    p = onnxkit("inspect", path, check=False)
    assert_one_error_line(p)
    assert p.returncode == 1


@pytest.mark.parametrize("name,content", [
    ("garbage.onnx", b"this is not a model {{{ ]]] \n"),
    ("garbage.txt", b"<ir_version: seven>\nagraph (float x) => (y) { y = Relu(\n"),
    ("noise.onnx", bytes(range(256)) * 4),
    ("truncated.onnx", None),
])
def test_error_garbage(tmp_path, name, content):
    path = tmp_path / name
    if content is None:  # a real model cut in half
        content = example(tmp_path, "seed").read_bytes()[:5000]
    path.write_bytes(content)
    for command in (["inspect", path], ["print", path]):
        p = onnxkit(*command, check=False)
        assert_one_error_line(p)
        assert p.returncode == 1


@pytest.mark.parametrize("out_name", ["out.onnx", "out.txt"])
def test_failed_convert_leaves_no_file(tmp_path, out_name):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model at all\n")
    before = sorted(os.listdir(tmp_path))
    p = onnxkit("convert", bad, tmp_path / out_name, check=False)
    assert_one_error_line(p)
    assert sorted(os.listdir(tmp_path)) == before


def test_unwritable_output_leaves_no_file(tmp_path):
    src = example(tmp_path, "seed")
    for out in (tmp_path / "no" / "such" / "dir.onnx", tmp_path / "no" / "such" / "dir.txt"):
        p = onnxkit("convert", src, out, check=False)
        assert_one_error_line(p)
        assert not out.parent.exists()
    p = onnxkit("example", "seed", tmp_path / "no" / "x.onnx", check=False)
    assert_one_error_line(p)


def test_usage_errors_exit_2(tmp_path):
    for args in (["frobnicate"], ["inspect"], ["inspect", "a", "b"], ["inspect", "--yaml", "a"],
                 ["convert", "a.onnx", "b.txt", "--external-data", "x.bin"],
                 ["convert", "a.onnx", "b.onnx", "--size-threshold", "10"],
                 ["example", "bar", tmp_path / "x.onnx"],
                 ["example", "seed", tmp_path / "x.onnx", "--seed", "-3"],
                 ["--bogus"]):
        p = onnxkit(*args, check=False)
        assert p.returncode == 2, args
        lines = p.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("onnxkit: error:"), (args, p.stderr)
    assert not (tmp_path / "x.onnx").exists()


def test_help_and_version():
    p = onnxkit("--help")
    assert "inspect" in p.stdout and "convert" in p.stdout
    assert onnxkit("help", "convert").stdout.startswith("usage: onnxkit convert")
    assert "--json" in onnxkit("inspect", "--help").stdout
    assert onnxkit("--version").stdout.startswith("onnxkit ")
    p = onnxkit(check=False)
    assert p.returncode == 2 and "usage:" in p.stderr
