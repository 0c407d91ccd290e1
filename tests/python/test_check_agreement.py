"""`onnxkit check` against onnx.checker.check_model(full_check=True).

On every conformance model that python3-onnx 1.12 understands (IR <= 8, opset
<= 17) and on the seed models, both must give the same verdict (valid or not),
except for the cases in DELIBERATE, each with its reason. Skips cleanly when
../shared (ONNXKIT_SHARED) or the binary (ONNXKIT_BIN) is absent.

Run as a script for the numbers: python3 tests/python/test_check_agreement.py
"""
import concurrent.futures
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agreement_util as au  # noqa: E402

onnx = pytest.importorskip("onnx")

pytestmark = [
    pytest.mark.skipif(not au.have_shared(), reason=f"no shared test data at {au.SHARED}"),
    pytest.mark.skipif(not au.have_binary(), reason=f"onnxkit not built ({au.BIN}); set ONNXKIT_BIN"),
]

# Cases where onnxkit deliberately gives another verdict than python3-onnx 1.12.
# case -> (onnxkit's verdict, why)
DELIBERATE = {
}


def python_verdict(path):
    try:
        model = onnx.load(path)
    except Exception as e:  # noqa: BLE001 - protobuf errors of all kinds
        return None, f"load: {e}"
    if not au.python_understands(model):
        return None, "newer than python3-onnx"
    try:
        onnx.checker.check_model(model, full_check=True)
        return True, ""
    except Exception as e:  # noqa: BLE001
        return False, str(e).splitlines()[0] if str(e) else type(e).__name__


def onnxkit_verdict(path):
    p = subprocess.run([au.BIN, "check", "--json", path], capture_output=True, text=True, timeout=120)
    if p.returncode not in (0, 1) or not p.stdout.strip():
        return False, f"exit {p.returncode}: {p.stderr.strip()}"
    doc = json.loads(p.stdout)
    first = next((q for q in doc["problems"] if q["severity"] == "error"), None)
    return doc["valid"], "" if first is None else f"{first['location']}: {first['message']}"


def compare(models):
    """Per case: (python verdict, onnxkit verdict, python message, onnxkit message)."""
    results = {}

    def one(item):
        case, path = item
        py, py_msg = python_verdict(path)
        if py is None:
            return case, None
        ours, our_msg = onnxkit_verdict(path)
        return case, (py, ours, py_msg, our_msg)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for case, r in pool.map(one, models):
            if r is not None:
                results[case] = r
    return results


@pytest.fixture(scope="module")
def results():
    return compare(au.case_models() + au.seed_models())


def test_verdicts_agree(results):
    assert len(results) > 700, "too few models compared"
    wrong = []
    for case, (py, ours, py_msg, our_msg) in sorted(results.items()):
        if py == ours:
            assert case not in DELIBERATE, f"{case}: listed in DELIBERATE but agrees now"
            continue
        if case in DELIBERATE and DELIBERATE[case][0] == ours:
            continue
        wrong.append(f"{case}: python {'valid' if py else 'invalid'} ({py_msg}); "
                     f"onnxkit {'valid' if ours else 'invalid'} ({our_msg})")
    assert not wrong, "\n".join(wrong)


if __name__ == "__main__":
    models = au.case_models() + (au.seed_models() if "--seed" in sys.argv else [])
    res = compare(models)
    agree = sum(1 for r in res.values() if r[0] == r[1])
    print(f"compared {len(res)}: agree {agree}, disagree {len(res) - agree}")
    for case, (py, ours, py_msg, our_msg) in sorted(res.items()):
        if py != ours:
            print(f"  {case}: py={py} ({py_msg[:150]}) ours={ours} ({our_msg[:200]})")
