"""`onnxkit run` with sequence and optional values: inputs read from
SequenceProto/OptionalProto .pb files, outputs checked with --compare-to, and
--output-dir writing a SequenceProto that python3-onnx reads back to the
expected arrays. Uses ONNX's conformance cases in the shared folder.

Needs the onnxkit binary ($ONNXKIT_BIN, default <repo>/build/onnxkit), python3-onnx
and the shared folder ($ONNXKIT_SHARED, default <repo>/../shared); skipped
otherwise.
"""
import os
import subprocess

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")
SHARED = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
CASES = os.path.join(SHARED, "onnx-tests", "node")

pytestmark = [
    pytest.mark.skipif(not os.access(BIN, os.X_OK), reason=f"onnxkit binary not built ({BIN}); set ONNXKIT_BIN"),
    pytest.mark.skipif(not os.path.isdir(CASES), reason=f"no conformance cases at {CASES}"),
]


def run_case(case, *extra):
    data = os.path.join(CASES, case, "test_data_set_0")
    import onnx
    model = onnx.load(os.path.join(CASES, case, "model.onnx"))
    args = [BIN, "run", os.path.join(CASES, case, "model.onnx")]
    for i, inp in enumerate(model.graph.input):
        args += ["--input", f"{inp.name}={os.path.join(data, f'input_{i}.pb')}"]
    return subprocess.run(args + ["--compare-to", data, *extra], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("case", ["test_loop13_seq", "test_loop16_seq_none", "test_sequence_insert_at_back",
                                  "test_optional_get_element_optional_sequence", "test_if_opt"])
def test_run_matches_the_expected_sequence_outputs(case):
    p = run_case(case)
    assert p.returncode == 0, p.stderr + p.stdout
    assert "MISMATCH" not in p.stdout
    assert "ok" in p.stdout


def test_output_dir_writes_a_sequence_proto(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper
    p = run_case("test_loop13_seq", "--output-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    written = onnx.SequenceProto()
    with open(tmp_path / "seq_res.pb", "rb") as f:
        written.ParseFromString(f.read())
    expected = onnx.SequenceProto()
    with open(os.path.join(CASES, "test_loop13_seq", "test_data_set_0", "output_0.pb"), "rb") as f:
        expected.ParseFromString(f.read())
    got = [numpy_helper.to_array(t) for t in written.tensor_values]
    want = [numpy_helper.to_array(t) for t in expected.tensor_values]
    assert len(got) == len(want) > 0
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b)


def test_random_input_for_a_sequence_is_a_clear_error():
    p = subprocess.run([BIN, "run", os.path.join(CASES, "test_sequence_insert_at_back", "model.onnx"),
                        "--input", "sequence=random", "--input", "tensor=random"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "input 'sequence'" in p.stderr and "random values are tensors only" in p.stderr
