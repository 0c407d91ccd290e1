"""The seed models (<shared>/models/seed_models.py) run with `onnxkit run`
give torch's outputs within 1e-4 relative: model.onnx (Conv+BN folded by the
exporter) and model_bn.onnx (BatchNormalization kept), at batch 1 and at the
saved reference input's batch (2), on the dynamic axis N.

Needs the onnxkit binary ($ONNXKIT_BIN, default <repo>/build/onnxkit), torch
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
SEED_SCRIPT = os.path.join(SHARED, "models", "seed_models.py")

pytestmark = [
    pytest.mark.skipif(not os.access(BIN, os.X_OK), reason=f"onnxkit binary not built ({BIN}); set ONNXKIT_BIN"),
    pytest.mark.skipif(not os.path.exists(SEED_SCRIPT), reason=f"no seed model script at {SEED_SCRIPT}"),
]

RTOL = 1e-4
ATOL = 1e-5  # outputs near zero (after ReLU) have no meaningful relative error


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory):
    pytest.importorskip("torch")
    out = tmp_path_factory.mktemp("seed")
    subprocess.run(["/usr/bin/python3", SEED_SCRIPT, str(out)], check=True, capture_output=True, timeout=600)
    return out


@pytest.mark.parametrize("name", ["model", "model_bn"])
@pytest.mark.parametrize("batch", [1, 2])
def test_seed_model_matches_torch(seed_dir, tmp_path, name, batch):
    x = np.load(seed_dir / f"{name}.input.npy")[:batch]
    want = np.load(seed_dir / f"{name}.output.npy")[:batch]
    np.save(tmp_path / "input.npy", x)
    p = subprocess.run([BIN, "run", seed_dir / f"{name}.onnx", "--input", f"input={tmp_path / 'input.npy'}",
                        "--output-dir", tmp_path / "out"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    got = np.load(tmp_path / "out" / "output.npy")
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_run_compare_to_reports_worst_error(seed_dir, tmp_path):
    ref = tmp_path / "ref"
    ref.mkdir()
    np.save(ref / "output.npy", np.load(seed_dir / "model.output.npy"))
    p = subprocess.run([BIN, "run", seed_dir / "model.onnx", "--input", f"input={seed_dir / 'model.input.npy'}",
                        "--compare-to", ref, "--rtol", "1e-4"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "output: max abs error" in p.stdout and "ok" in p.stdout
    np.save(ref / "output.npy", np.load(seed_dir / "model.output.npy") + 1.0)
    p = subprocess.run([BIN, "run", seed_dir / "model.onnx", "--input", f"input={seed_dir / 'model.input.npy'}",
                        "--compare-to", ref], capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "MISMATCH" in p.stdout


def test_custom_op_without_kernel_fails_at_creation(seed_dir):
    p = subprocess.run([BIN, "run", seed_dir / "model_foo.onnx", "--input", "input=random"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1
    err = p.stderr
    assert "devtech::FooOp" in err and "no kernel" in err and "domain 'devtech'" in err and "version 1" in err
    assert "--custom-ops" in err and "onnxkit.register_op" in err and "--bypass op=devtech::FooOp" in err
