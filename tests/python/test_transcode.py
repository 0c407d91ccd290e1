"""The streaming binary→binary path of `onnxkit convert` against the IR path,
with python3-onnx (libprotobuf) as the oracle: both outputs must parse to
equal messages, and their external data files must hold the same bytes.

Covered, for every model.onnx under <shared>/onnx-tests, in three modes
(tensors kept where they are; `--external-data x.bin --size-threshold 0`;
`--inline-external-data`):

- all models through the test-only tool `onnxkit_transcode_tool`
  (tests/cpp/tools), which runs proto::transcode_model_file and the IR path
  side by side in one process ($ONNXKIT_TRANSCODE_TOOL, default
  <repo>/build/onnxkit_transcode_tool);
- a sample through the command line itself: `onnxkit convert` and
  `onnxkit convert --via-ir` ($ONNXKIT_BIN, default <repo>/build/onnxkit).

The shared folder is $ONNXKIT_SHARED, default <repo>/../shared. Without the
binaries or the data, the tests here are skipped.

Run: ONNXKIT_BIN=build/onnxkit ONNXKIT_TRANSCODE_TOOL=build/onnxkit_transcode_tool \\
     python3 -m pytest tests/python/test_transcode.py
"""
import glob
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")
TOOL = os.environ.get("ONNXKIT_TRANSCODE_TOOL") or os.path.join(REPO, "build", "onnxkit_transcode_tool")
SHARED = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
ONNX_TESTS = os.path.join(SHARED, "onnx-tests")

onnx = pytest.importorskip("onnx")

# (name, tool mode, tool threshold, convert options)
MODES = [
    ("keep", "keep", 0, []),
    ("onefile0", "onefile", 0, ["--external-data", "x.bin", "--size-threshold", "0"]),
    ("inline", "inline", 0, ["--inline-external-data"]),
]
CLI_SAMPLE = 25  # models run through the command line, per mode


def models():
    if not os.path.isdir(ONNX_TESTS):
        return []
    return sorted(glob.glob(os.path.join(ONNX_TESTS, "*", "*", "model.onnx")))


MODELS = models()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def same_message(a_path, b_path):
    """None when the two model files hold equal ModelProtos, else why not."""
    a_bytes, b_bytes = read(a_path), read(b_path)
    if a_bytes == b_bytes:
        return None
    a, b = onnx.ModelProto(), onnx.ModelProto()
    try:
        a.ParseFromString(a_bytes)
        b.ParseFromString(b_bytes)
    except Exception as e:  # noqa: BLE001 - any parse failure is a failure
        return f"protobuf cannot parse: {e}"
    if a == b:
        return None
    # NaN != NaN in ==; deterministic serializations compare floats by bits.
    if a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True):
        return None
    return f"messages differ ({len(a_bytes)} vs {len(b_bytes)} bytes)"


def compare_outputs(tc_dir, ir_dir):
    """Failures comparing every file of two output folders (model by message, data by bytes)."""
    problems = []
    tc_files, ir_files = sorted(os.listdir(tc_dir)), sorted(os.listdir(ir_dir))
    if tc_files != ir_files:
        problems.append(f"files differ: {tc_files} vs {ir_files}")
    for name in set(tc_files) & set(ir_files):
        a, b = os.path.join(tc_dir, name), os.path.join(ir_dir, name)
        if name.endswith(".onnx"):
            why = same_message(a, b)
            if why:
                problems.append(f"{name}: {why}")
        elif read(a) != read(b):
            problems.append(f"{name}: data files differ")
    return problems


@pytest.fixture(scope="module")
def tool_results(tmp_path_factory):
    if not MODELS:
        pytest.skip(f"no ONNX backend test data at {ONNX_TESTS}; set ONNXKIT_SHARED")
    if not os.access(TOOL, os.X_OK):
        pytest.skip(f"transcode tool not built ({TOOL}); set ONNXKIT_TRANSCODE_TOOL")
    out = tmp_path_factory.mktemp("transcode")
    jobs = []
    for i, model in enumerate(MODELS):
        for name, mode, threshold, _ in MODES:
            base = out / name / str(i)
            jobs.append((model, name, str(base / "tc"), str(base / "ir"), mode, threshold))
    stdin = "".join(f"{mode} {thr} {m} {tc}/model.onnx {ir}/model.onnx\n"
                    for m, _, tc, ir, mode, thr in jobs)
    p = subprocess.run([TOOL], input=stdin, capture_output=True, text=True, timeout=600)
    lines = p.stdout.splitlines()
    assert p.returncode == 0 and len(lines) == len(jobs), \
        f"transcode tool exited {p.returncode} after {len(lines)} of {len(jobs)} jobs:\n{p.stderr[-2000:]}"
    return jobs, lines


@pytest.mark.parametrize("mode", [m[0] for m in MODES])
def test_every_model_matches_the_ir_path(mode, tool_results):
    jobs, lines = tool_results
    failures = []
    for (model, name, tc, ir, _, _), status in zip(jobs, lines):
        if name != mode:
            continue
        if status != "ok":
            # Both paths may refuse a model, but then with the same error.
            tc_err, _, ir_err = status[len("error: "):].partition(" | ")
            if tc_err != ir_err:
                failures.append(f"{model}: {status}")
            continue
        problems = compare_outputs(tc, ir)
        if mode == "keep" and read(os.path.join(tc, "model.onnx")) != read(model):
            problems.append("kept model is not byte-identical to its input")
        if problems:
            failures.append(f"{model}: {'; '.join(problems)}")
    assert not failures, f"{len(failures)} of {len(MODELS)} models:\n" + "\n".join(failures[:20])


@pytest.mark.skipif(not os.access(BIN, os.X_OK), reason=f"onnxkit binary not built ({BIN}); set ONNXKIT_BIN")
@pytest.mark.parametrize("mode", MODES, ids=[m[0] for m in MODES])
def test_cli_convert_matches_via_ir(mode, tmp_path):
    if not MODELS:
        pytest.skip(f"no ONNX backend test data at {ONNX_TESTS}; set ONNXKIT_SHARED")
    name, _, _, options = mode
    step = max(1, len(MODELS) // CLI_SAMPLE)
    failures = []
    for i, model in enumerate(MODELS[::step]):
        dirs = {}
        for side, extra in (("tc", []), ("ir", ["--via-ir"])):
            d = tmp_path / str(i) / side
            d.mkdir(parents=True)
            out = d / "model.onnx"
            p = subprocess.run([BIN, "convert", model, str(out), *options, *extra],
                               capture_output=True, text=True, timeout=120)
            dirs[side] = (d, p)
        (tc, ptc), (ir, pir) = dirs["tc"], dirs["ir"]
        if ptc.returncode != pir.returncode or ptc.stderr != pir.stderr:
            failures.append(f"{model}: exit {ptc.returncode} vs {pir.returncode}: {ptc.stderr} | {pir.stderr}")
            continue
        if ptc.returncode == 0:
            problems = compare_outputs(tc, ir)
            if problems:
                failures.append(f"{model}: {'; '.join(problems)}")
    assert not failures, "\n".join(failures[:20])


def test_cli_keeps_weights_in_place(tmp_path):
    """An edited copy saved next to its weights: the data file is not written again."""
    if not os.access(BIN, os.X_OK):
        pytest.skip(f"onnxkit binary not built ({BIN})")
    import numpy as np
    from onnx import helper, numpy_helper
    w = numpy_helper.from_array(np.arange(4096, dtype=np.float32).reshape(64, 64), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 64])], [w])
    model = helper.make_model(graph)
    src = tmp_path / "m.onnx"
    onnx.save(model, str(src), save_as_external_data=True, location="m.data", size_threshold=0)
    before = os.stat(tmp_path / "m.data")
    subprocess.run([BIN, "convert", src, tmp_path / "edited.onnx"], check=True, timeout=60)
    after = os.stat(tmp_path / "m.data")
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    loaded = onnx.load(str(tmp_path / "edited.onnx"))
    np.testing.assert_array_equal(numpy_helper.to_array(loaded.graph.initializer[0]),
                                  np.arange(4096, dtype=np.float32).reshape(64, 64))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
