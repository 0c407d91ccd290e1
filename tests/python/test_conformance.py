"""ONNX backend conformance: every case under <shared>/onnx-tests (node,
pytorch-converted, pytorch-operator, simple) run through onnxkit's runtime and
compared with the expected .pb outputs (rtol 1e-3, atol 1e-5 for floats, NaN
equals NaN; exact otherwise). Cases whose outputs are random (test_bernoulli*,
test_training_dropout* other than *zero_ratio*) are checked for element type
and shape only.

One process runs all cases: the test-only tool `onnxkit_conformance`
(tests/cpp/tools/conformance_tool.cpp), $ONNXKIT_CONFORMANCE_TOOL, default
<repo>/build/onnxkit_conformance; each case runs in a forked child with a
timeout, so a crash or hang is reported and the run goes on. The shared
folder is $ONNXKIT_SHARED, default <repo>/../shared.

The assertion is "no regression": tests/conformance/passing.txt lists the
cases that pass; the test fails if any of them stops passing, and prints the
cases that pass but are not listed yet (add them to the list). It always
prints a table of pass/fail/error by suite and the failing cases.

Run: ONNXKIT_CONFORMANCE_TOOL=build/onnxkit_conformance python3 -m pytest -s tests/python/test_conformance.py
Refresh the list: ONNXKIT_CONFORMANCE_UPDATE=1 (same command).
"""
import collections
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.environ.get("ONNXKIT_CONFORMANCE_TOOL") or os.path.join(REPO, "build", "onnxkit_conformance")
SHARED = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
ONNX_TESTS = os.path.join(SHARED, "onnx-tests")
PASSING = os.path.join(REPO, "tests", "conformance", "passing.txt")

pytestmark = [
    pytest.mark.skipif(not os.access(TOOL, os.X_OK),
                       reason=f"conformance tool not built ({TOOL}); build the onnxkit_conformance "
                              "target or set ONNXKIT_CONFORMANCE_TOOL"),
    pytest.mark.skipif(not os.path.isdir(ONNX_TESTS), reason=f"no ONNX test data at {ONNX_TESTS}"),
]


def read_list(path):
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {line.strip() for line in f if line.strip() and not line.startswith("#")}


def run_tool():
    p = subprocess.run([TOOL, ONNX_TESTS, "--timeout", "30"], capture_output=True, text=True, timeout=3600)
    assert p.returncode == 0, f"{TOOL} exited {p.returncode}:\n{p.stderr[-2000:]}"
    results = {}
    for line in p.stdout.splitlines():
        case, status, detail = (line.split("\t", 2) + ["", ""])[:3]
        results[case] = (status, detail)
    return results


def table(results):
    by_suite = collections.defaultdict(collections.Counter)
    for case, (status, _) in results.items():
        by_suite[case.split("/")[0]][status] += 1
    statuses = ["pass", "fail", "error", "timeout", "crash"]
    lines = [f"{'suite':<20}" + "".join(f"{s:>9}" for s in statuses) + f"{'total':>9}"]
    total = collections.Counter()
    for suite in sorted(by_suite):
        c = by_suite[suite]
        total.update(c)
        lines.append(f"{suite:<20}" + "".join(f"{c[s]:>9}" for s in statuses) + f"{sum(c.values()):>9}")
    lines.append(f"{'all':<20}" + "".join(f"{total[s]:>9}" for s in statuses) + f"{sum(total.values()):>9}")
    return "\n".join(lines)


def test_conformance_no_regression():
    results = run_tool()
    assert results, "the tool ran no case"
    print("\n" + table(results))
    failing = sorted(c for c, (s, _) in results.items() if s != "pass")
    print(f"\nnot passing ({len(failing)}):")
    for c in failing:
        status, detail = results[c]
        print(f"  {c}: {status}: {detail[:200]}")
    random_checked = sorted(c for c, (s, d) in results.items() if s == "pass" and d.startswith("random output"))
    if random_checked:
        print(f"\nrandom outputs, checked for element type and shape only: {', '.join(random_checked)}")

    passing_now = {c for c, (s, _) in results.items() if s == "pass"}
    if os.environ.get("ONNXKIT_CONFORMANCE_UPDATE"):
        os.makedirs(os.path.dirname(PASSING), exist_ok=True)
        with open(PASSING, "w") as f:
            f.write("# Conformance cases that pass (tests/python/test_conformance.py); one per line.\n")
            f.write("".join(c + "\n" for c in sorted(passing_now)))
    expected = read_list(PASSING)
    newly = sorted(passing_now - expected)
    if newly:
        print(f"\nnewly passing, not yet in tests/conformance/passing.txt ({len(newly)}):")
        for c in newly:
            print(f"  {c}")
    crashed = sorted(c for c, (s, _) in results.items() if s in ("crash", "timeout"))
    regressed = sorted(expected - passing_now)
    assert not regressed, "cases that passed before no longer pass:\n" + "\n".join(
        f"  {c}: {results.get(c, ('missing', ''))[0]}: {results.get(c, ('', ''))[1][:300]}" for c in regressed)
    assert not crashed, "cases crashed or hung:\n" + "\n".join(f"  {c}: {results[c][1]}" for c in crashed)
