"""Out-of-tree plug-in build (issue #6): install onnxkit, build
examples/custom-op on its own against the installed header only, and load
it with the installed `onnxkit` binary.

Needs the build folder ($ONNXKIT_BIN's folder, default <repo>/build) fully
built, and cmake; skipped otherwise.
"""
import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")
BUILD = os.path.dirname(os.path.abspath(BIN))

pytestmark = [
    pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "cmake_install.cmake")),
                       reason=f"no CMake build folder at {BUILD}"),
    pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed"),
]


def run(*cmd, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert p.returncode == 0, f"{cmd}\n{p.stdout}\n{p.stderr}"
    return p


def test_plugin_built_against_installed_header_loads_in_installed_binary(tmp_path):
    prefix = tmp_path / "prefix"
    run("cmake", "--install", BUILD, "--prefix", prefix)
    onnxkit = prefix / "bin" / "onnxkit"
    assert (prefix / "include" / "onnxkit" / "plugin" / "onnxkit_plugin.h").exists()
    assert os.access(onnxkit, os.X_OK)

    # A copy of the example, so nothing of the source tree is reachable.
    src = tmp_path / "custom-op"
    shutil.copytree(os.path.join(REPO, "examples", "custom-op"), src)
    build = tmp_path / "build-ops"
    run("cmake", "-S", src, "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release")
    run("cmake", "--build", build)
    lib = build / "libdevtech_ops.so"
    assert lib.exists()

    model = tmp_path / "model_foo.onnx"
    run(onnxkit, "example", "foo", model)
    p = run(onnxkit, "check", model, "--strict", "--custom-ops", lib)
    assert "valid" in p.stdout
    p = run(onnxkit, "run", model, "--input", "input=random", "--custom-ops", lib)
    assert "output: float[" in p.stdout
