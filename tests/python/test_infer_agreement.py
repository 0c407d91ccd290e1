"""`onnxkit infer` against onnx.shape_inference.infer_shapes(data_prop=True).

1. On every conformance model python3-onnx 1.12 understands (and the seed
   models): wherever python infers a tensor type for a value, onnxkit gives the
   same element type and rank, the same numeric dims, and the same named dims
   for names that come from the model (python's fresh "unk__N" names match
   anything). Disagreements not listed in KNOWN fail the test.
2. On node-test models with opsets above 17: with the declared output types
   removed, every output onnxkit infers matches the type and dims of the
   case's output_<j>.pb.

Skips cleanly without ../shared (ONNXKIT_SHARED) or the binary (ONNXKIT_BIN).
Run as a script for the numbers: python3 tests/python/test_infer_agreement.py
"""
import concurrent.futures
import glob
import os
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agreement_util as au  # noqa: E402

onnx = pytest.importorskip("onnx")

pytestmark = [
    pytest.mark.skipif(not au.have_shared(), reason=f"no shared test data at {au.SHARED}"),
    pytest.mark.skipif(not au.have_binary(), reason=f"onnxkit not built ({au.BIN}); set ONNXKIT_BIN"),
]

# case -> why onnxkit differs from python3-onnx there (values: "name: reason").
KNOWN = {
}


def tensor_types(graph, into, prefix=""):
    """name -> (elem_type, dims or None) for every tensor-typed value of a graph and its subgraphs."""
    for vi in list(graph.value_info) + list(graph.output):
        t = vi.type
        if t.WhichOneof("value") != "tensor_type" or t.tensor_type.elem_type == 0:
            continue
        dims = None
        if t.tensor_type.HasField("shape"):
            dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                    for d in t.tensor_type.shape.dim]
        into[prefix + vi.name] = (t.tensor_type.elem_type, dims)
    for node in graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                tensor_types(a.g, into, prefix)
    return into


def dims_agree(py, ours):
    if py is None:
        return True
    if ours is None or len(py) != len(ours):
        return False
    for p, o in zip(py, ours):
        if isinstance(p, int):
            if p != o:
                return False
        elif isinstance(p, str) and not p.startswith("unk__"):
            if p != o:
                return False
    return True


def run_infer(path, out):
    p = subprocess.run([au.BIN, "infer", path, out], capture_output=True, text=True, timeout=120)
    return p.returncode == 0, p.stderr.strip()


def compare_one(case, path, tmp):
    model = onnx.load(path)
    if not au.python_understands(model):
        return None
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - python gives up; nothing to compare
        return None
    py = tensor_types(inferred.graph, {})
    out = os.path.join(tmp, case.replace("/", "_") + ".onnx")
    ok, err = run_infer(path, out)
    if not ok:
        return (len(py), [f"onnxkit infer failed: {err}"])
    ours = tensor_types(onnx.load(out).graph, {})
    diffs = []
    for name, (elem, dims) in sorted(py.items()):
        mine = ours.get(name)
        if mine is None:
            diffs.append(f"{name}: python {elem}{dims}, onnxkit nothing")
        elif mine[0] != elem or not dims_agree(dims, mine[1]):
            diffs.append(f"{name}: python {elem}{dims}, onnxkit {mine[0]}{mine[1]}")
    return (len(py), diffs)


def compare_all(models):
    results = {}
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = {pool.submit(compare_one, case, path, tmp): case for case, path in models}
        for f, case in futures.items():
            r = f.result()
            if r is not None:
                results[case] = r
    return results


def newer_cases():
    """Node cases importing ai.onnx above 17."""
    out = []
    for case, path in au.case_models():
        if not case.startswith("node/"):
            continue
        m = onnx.load(path)
        if any(o.domain in ("", "ai.onnx") and o.version > 17 for o in m.opset_import):
            out.append((case, path, m))
    return out


def compare_newer(case, path, model, tmp):
    """Per output: None when onnxkit inferred nothing, else (matches, text)."""
    for o in model.graph.output:
        o.type.Clear()
    stripped = os.path.join(tmp, case.replace("/", "_") + ".in.onnx")
    onnx.save(model, stripped)
    out = stripped[:-8] + ".out.onnx"
    ok, err = run_infer(stripped, out)
    if not ok:
        return [(False, f"onnxkit infer failed: {err}")]
    result = onnx.load(out)
    produced = {}
    for n in result.graph.node:
        for name in n.output:
            produced[name] = True
    inferred = tensor_types(result.graph, {})
    checks = []
    for j, o in enumerate(model.graph.output):
        pb = os.path.join(os.path.dirname(path), "test_data_set_0", f"output_{j}.pb")
        if not os.path.exists(pb) or o.name not in inferred:
            continue
        t = onnx.TensorProto()
        try:
            with open(pb, "rb") as f:
                t.ParseFromString(f.read())
        except Exception:  # noqa: BLE001 - a sequence or optional, not a tensor
            continue
        if t.data_type == 0:
            continue
        elem, dims = inferred[o.name]
        ok_elem = elem == t.data_type
        ok_dims = dims is None or (len(dims) == len(t.dims) and
                                   all(not isinstance(d, int) or d == e for d, e in zip(dims, t.dims)))
        checks.append((ok_elem and ok_dims, f"{o.name}: expected {t.data_type}{list(t.dims)}, "
                                            f"onnxkit {elem}{dims}"))
    return checks


@pytest.fixture(scope="module")
def results():
    return compare_all(au.case_models() + au.seed_models())


def test_shapes_agree_with_python(results):
    assert len(results) > 500
    wrong = []
    for case, (n, diffs) in sorted(results.items()):
        if diffs and case not in KNOWN:
            wrong.append(f"{case}: " + "; ".join(diffs[:3]))
    assert not wrong, f"{len(wrong)} cases differ:\n" + "\n".join(wrong)


def test_newer_opsets_match_outputs():
    wrong = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, path, model in newer_cases():
            for ok, text in compare_newer(case, path, model, tmp):
                if not ok and case not in KNOWN:
                    wrong.append(f"{case}: {text}")
    assert not wrong, f"{len(wrong)} outputs differ:\n" + "\n".join(wrong)


if __name__ == "__main__":
    res = compare_all(au.case_models())
    values = sum(n for n, _ in res.values())
    bad = {c: d for c, (n, d) in res.items() if d}
    print(f"models {len(res)}, values python typed {values}; models with differences {len(bad)}")
    for c, d in sorted(bad.items()):
        print(f"  {c}: {'; '.join(d[:2])[:300]}")
    if "--newer" in sys.argv:
        total = good = 0
        with tempfile.TemporaryDirectory() as tmp:
            for case, path, model in newer_cases():
                for ok, text in compare_newer(case, path, model, tmp):
                    total += 1
                    good += ok
                    if not ok:
                        print(f"  newer {case}: {text}")
        print(f"newer-opset outputs inferred {total}, matching {good}")
