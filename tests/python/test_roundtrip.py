"""Round trip of every ONNX file we can find through onnxkit's own wire-format
reader and writer, with python3-onnx (libprotobuf) as the oracle: the bytes we
write must parse to a message equal to the original's.

Covered: every model.onnx and test-data *.pb under the shared ONNX backend
test data (<shared>/onnx-tests), and the seed models that
<shared>/models/seed_models.py exports.

Files go through the test-only tool `onnxkit_roundtrip` (tests/cpp/tools), one
process for all of them: $ONNXKIT_ROUNDTRIP_TOOL, default
<repo>/build/onnxkit_roundtrip. The shared folder is $ONNXKIT_SHARED, default
<repo>/../shared. Without the tool or the data, the tests here are skipped.

Run: ONNXKIT_ROUNDTRIP_TOOL=build/onnxkit_roundtrip python3 -m pytest tests/python/test_roundtrip.py
"""
import functools
import glob
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.environ.get("ONNXKIT_ROUNDTRIP_TOOL") or os.path.join(REPO, "build", "onnxkit_roundtrip")
SHARED = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
ONNX_TESTS = os.path.join(SHARED, "onnx-tests")
SEED_SCRIPT = os.path.join(SHARED, "models", "seed_models.py")

pytestmark = pytest.mark.skipif(
    not os.access(TOOL, os.X_OK),
    reason=f"round-trip tool not built ({TOOL}); build the onnxkit_roundtrip target "
           "or set ONNXKIT_ROUNDTRIP_TOOL")

onnx = pytest.importorskip("onnx")

MESSAGE = {
    "model": onnx.ModelProto,
    "tensor": onnx.TensorProto,
    "sparse": onnx.SparseTensorProto,
    "sequence": onnx.SequenceProto,
    "map": onnx.MapProto,
    "optional": onnx.OptionalProto,
}


def case_dirs():
    if not os.path.isdir(ONNX_TESTS):
        return []
    return sorted(os.path.dirname(p) for p in glob.glob(os.path.join(ONNX_TESTS, "*", "*", "model.onnx")))


def value_kind(type_proto):
    """The message kind of a test-data file for a value of this TypeProto."""
    which = type_proto.WhichOneof("value")
    return {"sequence_type": "sequence", "map_type": "map", "optional_type": "optional",
            "sparse_tensor_type": "sparse"}.get(which, "tensor")


@functools.lru_cache(maxsize=None)
def case_files(case):
    """(kind, path) for the case's model and each of its .pb files."""
    model = onnx.load(os.path.join(case, "model.onnx"), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [v.type for v in model.graph.input if v.name not in initializers]
    outputs = [v.type for v in model.graph.output]
    files = [("model", os.path.join(case, "model.onnx"))]
    for pb in sorted(glob.glob(os.path.join(case, "test_data_set_*", "*.pb"))):
        m = re.fullmatch(r"(input|output)_(\d+)\.pb", os.path.basename(pb))
        kind = "tensor"
        if m:
            types = inputs if m.group(1) == "input" else outputs
            i = int(m.group(2))
            if i < len(types):
                kind = value_kind(types[i])
        files.append((kind, pb))
    return files


def run_tool(jobs):
    """Round-trips [(kind, in, out)] in one tool process; returns one status line per job."""
    for _, _, out in jobs:
        os.makedirs(os.path.dirname(out), exist_ok=True)
    stdin = "".join(f"{k} {i} {o}\n" for k, i, o in jobs)
    p = subprocess.run([TOOL], input=stdin, capture_output=True, text=True, timeout=1800)
    lines = p.stdout.splitlines()
    assert p.returncode == 0 and len(lines) == len(jobs), \
        f"round-trip tool exited {p.returncode} after {len(lines)} of {len(jobs)} files:\n{p.stderr[-2000:]}"
    return lines


def assert_same_message(kind, original_path, roundtrip_path):
    with open(original_path, "rb") as f:
        original = f.read()
    with open(roundtrip_path, "rb") as f:
        written = f.read()
    if original == written:
        return
    cls = MESSAGE[kind]
    a, b = cls(), cls()
    a.ParseFromString(original)
    try:
        b.ParseFromString(written)
    except Exception as e:  # noqa: BLE001 - report any parse failure the same way
        pytest.fail(f"{roundtrip_path}: protobuf cannot parse what we wrote ({e})")
    if a == b:
        return
    # NaN != NaN in ==; deterministic serializations compare floats by bits.
    if a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True):
        return
    pytest.fail(f"{original_path} ({cls.__name__}) changed in the round trip; "
                f"original {len(original)} bytes, written {len(written)} bytes")


CASES = case_dirs()


@pytest.fixture(scope="session")
def onnx_tests_results(tmp_path_factory):
    if not CASES:
        pytest.skip(f"no ONNX backend test data at {ONNX_TESTS}; set ONNXKIT_SHARED")
    out_dir = tmp_path_factory.mktemp("onnx-tests")
    jobs, index = [], {}
    for case in CASES:
        rel = os.path.relpath(case, ONNX_TESTS)
        for kind, path in case_files(case):
            out = os.path.join(out_dir, rel, os.path.relpath(path, case))
            index[path] = len(jobs)
            jobs.append((kind, path, out))
    return jobs, index, run_tool(jobs)


@pytest.mark.parametrize("case", [os.path.relpath(c, ONNX_TESTS) for c in CASES] or ["(none)"])
def test_onnx_tests_case(case, onnx_tests_results):
    jobs, index, status = onnx_tests_results
    for kind, path in case_files(os.path.join(ONNX_TESTS, case)):
        i = index[path]
        assert status[i] == "ok", f"{path}: {status[i]}"
        assert_same_message(kind, path, jobs[i][2])


@pytest.fixture(scope="session")
def seed_models(tmp_path_factory):
    if not os.path.isfile(SEED_SCRIPT):
        pytest.skip(f"no seed model script at {SEED_SCRIPT}; set ONNXKIT_SHARED")
    out = tmp_path_factory.mktemp("seed")
    p = subprocess.run(["/usr/bin/python3", SEED_SCRIPT, str(out)], capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, f"seed_models.py failed:\n{p.stderr[-3000:]}"
    models = sorted(glob.glob(os.path.join(out, "*.onnx")))
    assert models, "seed_models.py wrote no models"
    return out, models


def test_seed_models(seed_models, tmp_path):
    _, models = seed_models
    jobs = [("model", m, str(tmp_path / os.path.basename(m))) for m in models]
    for (kind, path, out), status in zip(jobs, run_tool(jobs)):
        assert status == "ok", f"{path}: {status}"
        assert_same_message(kind, path, out)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
