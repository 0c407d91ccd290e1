"""Cross-checks onnxkit's operator schemas against python3-onnx, schema by schema.

The schemas come from the test tool onnxkit_schema_dump (tests/cpp/tools/schema_dump.cpp),
taken from $ONNXKIT_SCHEMA_DUMP, else <repo>/build/onnxkit_schema_dump or any
<repo>/build*/onnxkit_schema_dump; without it every test here is skipped.
Every schema python3-onnx knows (Debian's 1.12: ai.onnx 1-17, ai.onnx.ml 1-3,
ai.onnx.preview.training 1) must be in onnxkit with the same facts; the newer
ones (src/schema/data/onnx_schemas_18_28.json) are checked for consistency, and
every operator the ONNX conformance models use must resolve.

Run: ONNXKIT_SCHEMA_DUMP=build/onnxkit_schema_dump python3 -m pytest tests/python/test_schema_crosscheck.py
"""
import glob
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_dump():
    env = os.environ.get("ONNXKIT_SCHEMA_DUMP")
    if env:
        return env
    for path in [os.path.join(REPO, "build", "onnxkit_schema_dump"),
                 *sorted(glob.glob(os.path.join(REPO, "build*", "onnxkit_schema_dump")))]:
        if os.access(path, os.X_OK):
            return path
    return os.path.join(REPO, "build", "onnxkit_schema_dump")


DUMP = find_dump()
pytestmark = pytest.mark.skipif(not os.access(DUMP, os.X_OK),
                                reason=f"schema dump tool not built ({DUMP}); set ONNXKIT_SCHEMA_DUMP")

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import defs  # noqa: E402

OPTION = {0: "single", 1: "optional", 2: "variadic"}
UNBOUNDED = 2147483647


@pytest.fixture(scope="module")
def ours():
    p = subprocess.run([DUMP], capture_output=True, text=True, timeout=60, check=True)
    doc = json.loads(p.stdout)
    assert doc["format"] == "onnxkit-op-schemas"
    return {(s["domain"], s["name"], s["since_version"]): s for s in doc["schemas"]}


def python_schemas():
    return {(s.domain, s.name, s.since_version): s for s in defs.get_all_schemas_with_history()}


def tag(key):
    return f"{key[0] or 'ai.onnx'}::{key[1]}-{key[2]}"


def counts(params):
    """ONNX's (min, max) count of actual values for formal parameters in onnxkit's form."""
    lo = hi = 0
    for p in params:
        option = p.get("option", "single")
        if option == "single":
            hi += 1
            lo = hi
        elif option == "optional":
            hi += 1
        else:
            lo = hi + p.get("min_arity", 1)
            hi = UNBOUNDED
    return lo, hi


def py_default(a):
    d = a.default_value
    if d.type == onnx.AttributeProto.UNDEFINED:
        return None
    kind = onnx.AttributeProto.AttributeType.Name(d.type)
    return {
        "FLOAT": lambda: np.float32(d.f),
        "INT": lambda: d.i,
        "STRING": lambda: d.s.decode(),
        "FLOATS": lambda: [np.float32(x) for x in d.floats],
        "INTS": lambda: list(d.ints),
        "STRINGS": lambda: [x.decode() for x in d.strings],
    }[kind]()


def same_value(ours_value, py_value, attr_type):
    if attr_type == "float":
        return np.float32(ours_value) == py_value
    if attr_type == "floats":
        return [np.float32(x) for x in ours_value] == py_value
    return ours_value == py_value


def differences(ps, s):
    """Every fact of python3-onnx's schema `ps` that onnxkit's `s` states differently."""
    out = []
    if bool(ps.deprecated) != bool(s.get("deprecated", False)):
        out.append(f"deprecated: python {ps.deprecated}, ours {s.get('deprecated', False)}")
    for kind, py_params, py_min, py_max in (("inputs", ps.inputs, ps.min_input, ps.max_input),
                                            ("outputs", ps.outputs, ps.min_output, ps.max_output)):
        mine = s[kind]
        if [p.name for p in py_params] != [p["name"] for p in mine]:
            out.append(f"{kind}: python {[p.name for p in py_params]}, ours {[p['name'] for p in mine]}")
            continue
        for pp, p in zip(py_params, mine):
            want = (pp.typeStr, OPTION[int(pp.option.value)], bool(pp.isHomogeneous) if OPTION[int(pp.option.value)] == "variadic" else True)
            got = (p["type"], p.get("option", "single"), p.get("homogeneous", True))
            if want != got:
                out.append(f"{kind} '{pp.name}': python {want}, ours {got}")
        if counts(mine) != (py_min, py_max):
            out.append(f"{kind} count: python {(py_min, py_max)}, ours {counts(mine)}")
    py_attrs = ps.attributes
    mine = {a["name"]: a for a in s["attributes"]}
    if sorted(py_attrs) != sorted(mine):
        out.append(f"attributes: python {sorted(py_attrs)}, ours {sorted(mine)}")
    else:
        for name, pa in py_attrs.items():
            a = mine[name]
            py_type = str(pa.type).split(".")[-1].lower()
            if py_type != a["type"] or bool(pa.required) != a.get("required", False):
                out.append(f"attribute '{name}': python {py_type} required={pa.required}, ours {a}")
                continue
            pd = py_default(pa)
            if (pd is None) != ("default" not in a) or (pd is not None and not same_value(a["default"], pd, a["type"])):
                out.append(f"attribute '{name}' default: python {pd!r}, ours {a.get('default')!r}")
    py_tc = [(t.type_param_str, list(t.allowed_type_strs)) for t in ps.type_constraints]
    my_tc = [(t["param"], t["types"]) for t in s["type_constraints"]]
    if py_tc != my_tc:
        out.append(f"type constraints: python {py_tc}, ours {my_tc}")
    if bool(ps.has_type_and_shape_inference_function) != bool(s.get("inference")):
        out.append(f"inference hook: python {ps.has_type_and_shape_inference_function}, ours {s.get('inference')!r}")
    return out


def test_every_python_schema_is_ours_with_the_same_facts(ours):
    py = python_schemas()
    assert len(py) > 400
    problems = []
    for key, ps in sorted(py.items()):
        s = ours.get(key)
        if s is None:
            problems.append(f"{tag(key)}: missing")
            continue
        problems += [f"{tag(key)}: {d}" for d in differences(ps, s)]
    assert not problems, "\n".join(problems[:50]) + f"\n({len(problems)} differences)"


def test_python_lookup_agrees_at_every_version(ours):
    """onnx.defs.get_schema(op, version, domain) and our versions list pick the same schema."""
    by_op = {}
    for (domain, name, since), s in ours.items():
        by_op.setdefault((domain, name), []).append(since)
    max_py = {"": 17, "ai.onnx.ml": 3, "ai.onnx.preview.training": 1}
    problems = []
    for (domain, name), versions in sorted(by_op.items()):
        if domain not in max_py:
            continue
        for v in range(1, max_py[domain] + 1):
            mine = max((x for x in versions if x <= v), default=None)
            try:
                theirs = defs.get_schema(name, v, domain).since_version
            except Exception:  # noqa: BLE001 - onnx raises SchemaError when there is none
                theirs = None
            if mine is not None and mine > max_py[domain]:
                mine = None
            if mine != theirs:
                problems.append(f"{domain or 'ai.onnx'}::{name} at {v}: python {theirs}, ours {mine}")
    assert not problems, "\n".join(problems[:50])


def test_newer_schemas_are_consistent(ours):
    """Versions past python3-onnx: well-formed, and each op's newer versions keep a sane history."""
    problems = []
    newer = {k: s for k, s in ours.items()
             if k[2] > {"": 17, "ai.onnx.ml": 3, "ai.onnx.preview.training": 1}.get(k[0], 0)}
    assert len(newer) > 150
    for key, s in newer.items():
        if s.get("deprecated"):
            continue
        params = {t["param"] for t in s["type_constraints"]}
        for p in s["inputs"] + s["outputs"]:
            if p["type"] not in params and "(" not in p["type"]:
                problems.append(f"{tag(key)}: '{p['name']}' has unknown type {p['type']}")
        for t in s["type_constraints"]:
            if not t["types"]:
                problems.append(f"{tag(key)}: constraint {t['param']} allows nothing")
    assert not problems, "\n".join(problems)


def test_newest_opset_is_28_and_known_ops_are_there(ours):
    want = {("", "Col2Im", 18), ("", "BitwiseAnd", 18), ("", "Mish", 18), ("", "Resize", 19),
            ("", "GroupNormalization", 21), ("", "Gelu", 20), ("", "AffineGrid", 20),
            ("", "RMSNormalization", 23), ("", "RotaryEmbedding", 23), ("", "Attention", 23),
            ("", "TensorScatter", 24), ("", "Swish", 24), ("", "TopK", 24), ("", "BitCast", 26),
            ("", "CumProd", 26), ("ai.onnx.ml", "TreeEnsemble", 5), ("ai.onnx.ml", "LabelEncoder", 4)}
    assert want <= set(ours)
    assert max(k[2] for k in ours if k[0] == "") == 28


def test_every_op_of_the_conformance_models_resolves(ours):
    """tools/schema/ops_in_tests.py lists what the models use; each must have a schema in force,
    and each node must fit it."""
    sys.path.insert(0, os.path.join(REPO, "tools", "schema"))
    try:
        import ops_in_tests
    finally:
        sys.path.pop(0)
    root = ops_in_tests.default_root()
    models = glob.glob(os.path.join(root, "**", "model.onnx"), recursive=True)
    if not models:
        pytest.skip(f"no conformance models under {root}")
    table = {}
    for s in ours.values():
        table.setdefault((s["domain"], s["name"]), []).append(s)
    for versions in table.values():
        versions.sort(key=lambda s: s["since_version"])
    unresolved = []
    uses = set()
    misfits = []
    for path in models:
        uses |= ops_in_tests.model_uses(path)
        # Counts, attributes and declared value types of each node against its schema.
        misfits += ops_in_tests.node_problems(path, table)
    for domain, op, version in sorted(uses):
        s, why = ops_in_tests.resolve(table, domain, op, version)
        if s is None:
            unresolved.append(f"{domain or 'ai.onnx'}::{op} at opset {version}: {why}")
    assert len(uses) > 400
    assert not unresolved, "\n".join(unresolved)
    assert not misfits, "\n".join(misfits[:50])
