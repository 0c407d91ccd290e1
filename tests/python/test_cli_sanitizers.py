"""The CLI built with AddressSanitizer (scripts/build.sh asan) reports what the
sanitizers find, including leaks: `onnxkit` ends with std::_Exit, which skips
the atexit() hook where LeakSanitizer checks, so main() runs the check itself.

Runs only against a sanitizer build ($ONNXKIT_BIN linked with libasan, as in the
cli-asan stage of scripts/test.sh) and with a C compiler; skipped otherwise.
"""
import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")


def asan_runtime():
    """The libasan the binary is linked with, or None."""
    if not os.access(BIN, os.X_OK) or shutil.which("ldd") is None:
        return None
    out = subprocess.run(["ldd", BIN], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "libasan" in line and "=>" in line:
            return line.split("=>")[1].split()[0]
    return None


ASAN = asan_runtime()
pytestmark = [
    pytest.mark.skipif(ASAN is None, reason=f"{BIN} is not an ASan build (scripts/build.sh asan)"),
    pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler"),
]

LEAK = """
#include <stdlib.h>
void* volatile onnxkit_test_sink;
__attribute__((constructor)) static void leak(void) {
  onnxkit_test_sink = malloc(4242);
  onnxkit_test_sink = 0;
}
"""


@pytest.mark.parametrize("args", [["--version"], ["example", "seed", "{tmp}/seed.onnx"]])
def test_a_leak_is_reported(tmp_path, args):
    src = tmp_path / "leak.c"
    src.write_text(LEAK)
    lib = tmp_path / "leak.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O0", "-o", str(lib), str(src)], check=True)
    env = dict(os.environ, LD_PRELOAD=f"{ASAN}:{lib}", ASAN_OPTIONS="detect_leaks=1")
    p = subprocess.run([BIN, *(a.format(tmp=tmp_path) for a in args)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert "ERROR: LeakSanitizer: detected memory leaks" in p.stderr, p.stderr
    assert "4242 byte(s)" in p.stderr
    assert p.returncode != 0


def test_no_leak_on_a_normal_run(tmp_path):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
    p = subprocess.run([BIN, "example", "foo", str(tmp_path / "foo.onnx")], capture_output=True,
                       text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([BIN, "inspect", str(tmp_path / "foo.onnx")], capture_output=True,
                       text=True, env=env, timeout=120)
    assert p.returncode == 0 and "LeakSanitizer" not in p.stderr, p.stderr
