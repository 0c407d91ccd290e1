"""Shared by test_check_agreement.py and test_infer_agreement.py: where the
shared data and the onnxkit binary are, which models python3-onnx understands,
and the seed models.

ONNXKIT_SHARED (default <repo>/../shared) holds onnx-tests/ and models/;
ONNXKIT_BIN (default <repo>/build/onnxkit) is the binary under test.
"""
import functools
import glob
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("ONNXKIT_SHARED", os.path.join(os.path.dirname(REPO), "shared"))
BIN = os.environ.get("ONNXKIT_BIN", os.path.join(REPO, "build", "onnxkit"))

# What python3-onnx 1.12 knows.
PY_MAX_IR = 8
PY_MAX_OPSET = {"": 17, "ai.onnx": 17, "ai.onnx.ml": 3, "ai.onnx.preview.training": 1}


def have_shared():
    return os.path.isdir(os.path.join(SHARED, "onnx-tests"))


def have_binary():
    return os.access(BIN, os.X_OK)


def case_models():
    """(case name, model path) of every conformance case, sorted."""
    pattern = os.path.join(SHARED, "onnx-tests", "*", "*", "model.onnx")
    out = []
    for path in sorted(glob.glob(pattern)):
        case = os.path.relpath(os.path.dirname(path), os.path.join(SHARED, "onnx-tests"))
        out.append((case, path))
    return out


def python_understands(model):
    """True when python3-onnx 1.12 knows the model's IR version and every opset it imports."""
    if model.ir_version > PY_MAX_IR:
        return False
    for o in model.opset_import:
        limit = PY_MAX_OPSET.get(o.domain)
        if limit is not None and o.version > limit:
            return False
    return True


@functools.lru_cache(maxsize=1)
def seed_models():
    """(name, path) of the seed models written by shared/models/seed_models.py, or []."""
    script = os.path.join(SHARED, "models", "seed_models.py")
    if not os.path.exists(script):
        return []
    out_dir = tempfile.mkdtemp(prefix="onnxkit_seed_")
    try:
        subprocess.run(["/usr/bin/python3", script, out_dir], capture_output=True, timeout=600,
                       check=True)
    except (subprocess.SubprocessError, OSError) as e:  # torch missing, ...
        print(f"seed models unavailable: {e}", file=sys.stderr)
        return []
    return [("seed/" + os.path.basename(p)[:-5], p)
            for p in sorted(glob.glob(os.path.join(out_dir, "*.onnx")))]
