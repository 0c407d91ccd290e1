"""`onnxkit view` and `onnxkit diff` from the command line: the page's data
(parsed back out of the HTML), the diff summary and exit codes, the served
page's Host/Origin checks and edit API, and located errors on bad input.
The page's behaviour in a browser is tested in tests/browser.
"""
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNXKIT_BIN") or os.path.join(REPO, "build", "onnxkit")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK),
                                reason=f"onnxkit binary not built ({BIN}); set ONNXKIT_BIN")


def onnxkit(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"onnxkit {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


def page_data(html_path):
    text = html_path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="model-data">(.*?)</script>', text, re.S)
    assert m, "no data element in the page"
    return json.loads(m.group(1))


@pytest.fixture
def foo(tmp_path):
    path = tmp_path / "foo.onnx"
    onnxkit("example", "foo", path)
    return path


def test_view_writes_a_self_contained_page(foo, tmp_path):
    out = tmp_path / "page.html"
    onnxkit("view", foo, "--html", out)
    text = out.read_text(encoding="utf-8")
    # No network: nothing loaded from elsewhere.
    assert not re.search(r'\b(src|href)="https?:', text)
    assert "default-src 'none'" in text
    data = page_data(out)
    ops = [data["ops"][n["o"]]["t"] for n in data["graphs"][0]["nodes"] if n.get("k", 0) == 0]
    assert ops == ["Conv", "BatchNormalization", "Relu", "FooOp"]
    assert data["model"]["params"] == 16 * 27 + 16 + 4 * 16


def test_view_default_output_is_next_to_the_model(foo):
    p = onnxkit("view", foo)
    assert foo.with_suffix(".html").exists()
    assert p.stdout.strip() == f"wrote {foo.with_suffix('.html')}"


def test_view_errors_are_located(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07\x12\xff\xff")
    p = onnxkit("view", bad, "--html", tmp_path / "x.html", check=False)
    assert p.returncode == 1
    assert "bad.onnx" in p.stderr and p.stderr.startswith("onnxkit: error:")
    assert not (tmp_path / "x.html").exists()
    p = onnxkit("view", tmp_path / "missing.onnx", check=False)
    assert p.returncode == 1 and "missing.onnx" in p.stderr
    p = onnxkit("view", bad, "--port", "80", check=False)
    assert p.returncode == 2 and "--serve" in p.stderr


def test_program_leaves_the_http_server_to_its_module():
    # cpp-httplib with OpenSSL and brotli cost every command 5 MiB of memory:
    # only `view --serve` loads them, from libonnxkit_serve.so.
    readelf = "/usr/bin/readelf"
    if not os.access(readelf, os.X_OK):
        pytest.skip("readelf not installed")
    needed = subprocess.run([readelf, "-d", BIN], capture_output=True, text=True, check=True).stdout
    for lib in ("libcpp-httplib", "libssl", "libcrypto", "libbrotli"):
        assert lib not in needed


def test_serve_without_its_module_fails_clearly(foo, tmp_path):
    lonely = tmp_path / "bin" / "onnxkit"
    lonely.parent.mkdir()
    lonely.write_bytes(open(BIN, "rb").read())
    lonely.chmod(0o755)
    p = subprocess.run([lonely, "view", foo, "--serve"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "cannot load the server module libonnxkit_serve.so" in p.stderr


def test_diff_summary_and_exit_code(foo, tmp_path):
    bypassed = tmp_path / "bypassed.onnx"
    onnxkit("edit", foo, bypassed, "--bypass", "op=devtech::FooOp")
    p = onnxkit("diff", foo, bypassed, "--html", tmp_path / "d.html")
    assert "nodes: 4 \u2192 3 (1 removed, 0 added, 0 changed, 3 unchanged)" in p.stdout
    assert "- removed node 'FooOp_3' (devtech::FooOp)" in p.stdout
    data = page_data(tmp_path / "d.html")
    assert data["mode"] == "diff"
    status = {n.get("n"): n.get("st", 0) for n in data["graphs"][0]["nodes"] if n.get("k", 0) == 0}
    assert status == {"Conv_0": 0, "BatchNormalization_1": 0, "Relu_2": 0, "FooOp_3": 2}
    assert onnxkit("diff", foo, bypassed, "--exit-code", check=False).returncode == 3
    same = onnxkit("diff", foo, foo, "--exit-code")
    assert "the graphs are the same" in same.stdout


def test_diff_flags_changed_weights_with_max_difference(tmp_path):
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    onnxkit("example", "seed", a, "--seed", "1")
    onnxkit("example", "seed", b, "--seed", "2")
    out = onnxkit("diff", a, b).stdout
    assert re.search(r"~ changed node 'Conv_0' \(Conv\): weight 'conv1.weight': max \|a-b\| [0-9.e-]+", out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_serve_checks_host_origin_and_edits(foo, tmp_path):
    port = free_port()
    server = subprocess.Popen([BIN, "view", foo, "--serve", "--port", str(port), "--save-dir", tmp_path],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        base = f"http://127.0.0.1:{port}"
        status, page = request(base + "/")
        assert status == 200 and b"model-data" in page
        assert request(base + "/", headers={"Host": "attacker.example"})[0] == 403
        edit = json.dumps({"op": "set-input-shape", "input": "input", "dims": "1,3,64,64"}).encode()
        assert request(base + "/api/edit", edit, {"Origin": "http://attacker.example", "X-Onnxkit": "1"})[0] == 403
        assert request(base + "/api/edit", edit)[0] == 403  # no X-Onnxkit: not from the page
        status, reply = request(base + "/api/edit", edit, {"X-Onnxkit": "1", "Origin": base})
        assert status == 200
        data = json.loads(reply)["data"]
        g = data["graphs"][0]
        assert data["types"][g["ty"][g["nodes"][0]["ti"]]] == "float[1,3,64,64]"
        # A stale page (wrong node name) is refused; the model is untouched.
        stale = json.dumps({"op": "remove", "node": 0, "name": "nope"}).encode()
        status, reply = request(base + "/api/edit", stale, {"X-Onnxkit": "1"})
        assert status == 400 and b"reload" in reply
        # Save as: plain names only; never over an existing file without overwrite.
        save = lambda name, overwrite=False: request(  # noqa: E731
            base + "/api/save", json.dumps({"name": name, "overwrite": overwrite}).encode(), {"X-Onnxkit": "1"})
        assert save("../out.onnx")[0] == 400
        assert save("edited.onnx")[0] == 200
        assert onnxkit("inspect", tmp_path / "edited.onnx").stdout.count("float32[1,3,64,64]") == 1
        assert save("edited.onnx")[0] == 409
        assert save("foo.onnx")[0] == 409  # the model being edited
        assert save("edited.onnx", True)[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_set_input_shape_refreshes_derived_shapes(foo, tmp_path):
    """A new input shape re-infers value_info and output shapes, so the saved
    model passes `onnxkit check`; an impossible shape is flagged at once."""
    port = free_port()
    server = subprocess.Popen([BIN, "view", foo, "--serve", "--port", str(port), "--save-dir", tmp_path],
                              stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        post = lambda path, body: request(base + path, json.dumps(body).encode(), {"X-Onnxkit": "1"})  # noqa: E731
        status, reply = post("/api/edit", {"op": "set-input-shape", "input": "input", "dims": "2,3,64,64"})
        assert status == 200
        assert not [n for n in json.loads(reply)["notes"] if "check would fail" in n]
        assert post("/api/save", {"name": "reshaped.onnx"})[0] == 200
        saved = tmp_path / "reshaped.onnx"
        assert onnxkit("check", saved, check=False).returncode == 0, onnxkit("check", saved, check=False).stdout
        # No dim of the old batch survives in a derived declaration.
        onnx = pytest.importorskip("onnx")
        m = onnx.load(str(saved))
        assert m.graph.value_info
        for vi in m.graph.value_info:
            dims = vi.type.tensor_type.shape.dim
            assert dims and dims[0].dim_value == 2 and not dims[0].dim_param, vi
        # FooOp has no shape rule here (no --custom-ops): its output keeps its
        # rank, with the stale dims forgotten.
        for vi in m.graph.output:
            assert all(d.dim_param != "N" and d.dim_value in (0, 2, 16, 32) for d in vi.type.tensor_type.shape.dim), vi
        # A 2-D Conv cannot read a rank-3 input: the page is told at once.
        status, reply = post("/api/edit", {"op": "set-input-shape", "input": "input", "dims": "2,3,64"})
        assert status == 200
        notes = json.loads(reply)["notes"]
        assert any("check would fail" in n or "shape inference" in n for n in notes), notes
    finally:
        server.terminate()
        server.wait(timeout=10)


def _unnamed_chain(path, ops):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    nodes, prev = [], "x"
    for i, op in enumerate(ops):
        out = "y" if i == len(ops) - 1 else f"t{i}"
        nodes.append(helper.make_node(op, [prev], [out]))  # no node names
        prev = out
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def test_diff_insertion_into_an_unnamed_chain_reads_as_one_added_node(tmp_path):
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    _unnamed_chain(a, ["Relu", "Sigmoid", "Tanh", "Abs", "Exp"])
    _unnamed_chain(b, ["Relu", "Neg", "Sigmoid", "Tanh", "Abs", "Exp"])
    out = onnxkit("diff", a, b).stdout
    assert "(0 removed, 1 added," in out, out
    assert "+ added node (unnamed) (Neg)" in out, out
    # And the other way round: a node taken out.
    out = onnxkit("diff", b, a).stdout
    assert "(1 removed, 0 added," in out, out


def test_diff_unnamed_foo_model_bypassed_reads_at_a_glance(foo, tmp_path):
    onnx = pytest.importorskip("onnx")
    m = onnx.load(str(foo))
    for n in m.graph.node:
        n.name = ""
    unnamed = tmp_path / "unnamed.onnx"
    onnx.save(m, str(unnamed))
    bypassed = tmp_path / "bypassed.onnx"
    onnxkit("edit", unnamed, bypassed, "--bypass", "op=devtech::FooOp")
    out = onnxkit("diff", unnamed, bypassed).stdout
    assert "(1 removed, 0 added," in out and "FooOp" in out, out
