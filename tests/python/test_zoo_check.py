"""The zoo and seed models give PyTorch's outputs within 1e-4 relative at
batch 1 and batch 8 (bench/zoo_check.py, which rebuilds the torch modules
through <shared>/models/{seed_models,zoo}.py and checks them against the
saved references first).

Slow (minutes: torch and onnxkit on resnet50, mobilenet_v2 and a 12-layer
BERT encoder at batch 8), so it runs only when ONNXKIT_ZOO names the zoo
folder (e.g. /work/zoo, as written by zoo.py); ONNXKIT_ZOO_KERNELS=fast,reference
also checks the reference kernels.
"""
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZOO = os.environ.get("ONNXKIT_ZOO")
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")
SHARED = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")

pytestmark = [
    pytest.mark.skipif(not ZOO, reason="set ONNXKIT_ZOO to the zoo folder to run the zoo check"),
    pytest.mark.skipif(not os.access(BIN, os.X_OK), reason=f"onnxkit binary not built ({BIN})"),
    pytest.mark.skipif(not os.path.exists(os.path.join(SHARED, "models", "zoo.py")), reason="no shared/models"),
]


def test_zoo_models_match_torch_at_batch_1_and_8():
    pytest.importorskip("torch")
    kernels = os.environ.get("ONNXKIT_ZOO_KERNELS", "fast")
    p = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "bench", "zoo_check.py"), "--zoo", ZOO,
                        "--shared", SHARED, "--onnxkit", BIN, "--kernels", kernels],
                       capture_output=True, text=True, timeout=3600)
    print(p.stdout)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "zoo_check: all within 1e-4" in p.stdout
