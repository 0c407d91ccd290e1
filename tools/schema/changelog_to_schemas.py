#!/usr/bin/python3
"""Transcribes operator schemas from ONNX's docs/Changelog.md into onnxkit's data format.

python3-onnx in Debian (1.12) stops at opset 17, so the schemas of opsets 18-28,
ai.onnx.ml 4-5 and ai.onnx.preview come from ONNX's published operator changelog:
this script reads the facts (names, versions, formal parameters, attributes,
defaults, type constraints) out of those Markdown pages; the prose is not kept.

    changelog_to_schemas.py compare CHANGELOG.md CHANGELOG-ml.md
        Transcribes every version and compares with what python3-onnx knows
        (opsets 1-17): the check that the transcription reads the pages right.
    changelog_to_schemas.py supplement CHANGELOG.md CHANGELOG-ml.md COMMIT [OUT]
        Writes the versions python3-onnx lacks (default OUT:
        src/schema/data/onnx_schemas_18_28.json), with the completions listed
        in HAND_DEFAULTS and HAND_FIXES below applied and noted in each
        schema's "notes".

The pages are read from a checkout of github.com/onnx/onnx (docs/Changelog.md,
docs/Changelog-ml.md); COMMIT names the commit they came from.

What the pages do not say, and how it is completed:
  * min_arity of a variadic parameter: from the "Inputs (min - max)" heading
    (ONNX's min count = parameters before the variadic one + its min_arity).
  * float defaults are printed rounded to 5 decimals: where an earlier version
    of the op has the same attribute with a default that rounds to the printed
    text, that exact value is kept (noted); other float defaults are checked
    against onnx/defs/*/defs.cc by hand (HAND_DEFAULTS, noted).
  * "inference": the earlier version's entry, or the op name for new ops (noted).
"""
import ast
import html
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_json as sj  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INFINITY = 2147483647

ATTR_TYPE = {
    "float": "float", "int": "int", "string": "string", "tensor": "tensor", "graph": "graph",
    "list of floats": "floats", "list of ints": "ints", "list of strings": "strings",
    "list of tensors": "tensors", "list of graphs": "graphs", "sparse_tensor": "sparse_tensor",
    "list of sparse_tensors": "sparse_tensors", "type_proto": "type_proto",
    "list of type_protos": "type_protos",
}

# Facts checked by hand against onnx/defs/*/defs.cc at the commit of the pages,
# because the pages round float defaults to 5 decimals.
# (domain, op, since_version, attribute) -> exact default.
HAND_DEFAULTS = {
    # nn/old.cc: .Attr("softcap", ..., AttributeProto::FLOAT, static_cast<float>(0))
    ("", "Attention", 23, "softcap"): sj.Float32(0.0),
    # nn/defs.cc: .Attr("scale", ..., AttributeProto::FLOAT, 0.0f)
    ("", "LinearAttention", 27, "scale"): sj.Float32(0.0),
    # nn/defs.cc: .Attr("epsilon", ..., AttributeProto::FLOAT, 1e-5f)
    ("", "RMSNormalization", 23, "epsilon"): sj.Float32(1e-5),
    # math/defs.cc: .Attr("alpha", ..., AttributeProto::FLOAT, 1.0f)
    ("", "SwiGLU", 28, "alpha"): sj.Float32(1.0),
    ("", "Swish", 24, "alpha"): sj.Float32(1.0),
}

# Whole-fact corrections checked by hand; (domain, op, since_version) -> function(schema).
HAND_FIXES = {}

NEEDS_HAND = []  # float defaults the pages cannot give exactly and HAND_DEFAULTS lacks

HEAD_RE = re.compile(r'^### <a name="([^"]+)"></a>\*\*([^*]+)\*\*( \(deprecated\))?</a>')
VERSION_RE = re.compile(r"has been (available|deprecated) since version (\d+)")
COUNT_RE = re.compile(r"^#### (Inputs|Outputs)(?: \((\d+) - (\d+|&#8734;)\))?\s*$")
DT_RE = re.compile(r"^<dt><tt>([^<]*)</tt>(?: \(([^)]*)\))? : (.*)</dt>\s*$")


def parse_pages(*paths):
    """Yields one raw record per "### <a name=...>" section of the pages."""
    for path in paths:
        domain = None
        rec = None
        section = None
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for line in lines:
            if line.startswith("# "):
                title = line[2:].strip()
                domain = "" if title.startswith("ai.onnx (default)") else title
                continue
            m = HEAD_RE.match(line)
            if m:
                if rec:
                    yield rec
                full = m.group(2)
                name, _, ver = full.rpartition("-")
                if domain and name.startswith(domain + "."):
                    name = name[len(domain) + 1:]
                rec = {"domain": domain, "name": name, "title_version": int(ver),
                       "deprecated": bool(m.group(3)), "attributes": [], "inputs": [],
                       "outputs": [], "type_constraints": [], "counts": {}}
                section = None
                continue
            if rec is None:
                continue
            if line.startswith("## "):
                yield rec
                rec = None
                continue
            m = VERSION_RE.search(line)
            if m and section in (None, "version"):
                rec["since_version"] = int(m.group(2))
                if m.group(1) == "deprecated":
                    rec["deprecated"] = True
                continue
            if "No versioning maintained for experimental ops" in line:
                rec["since_version"] = rec["title_version"]
                rec["experimental"] = True
                continue
            if line.startswith("#### "):
                m = COUNT_RE.match(line)
                if m:
                    section = m.group(1).lower()
                    if m.group(2):
                        hi = m.group(3)
                        rec["counts"][section] = (int(m.group(2)), INFINITY if hi == "&#8734;" else int(hi))
                elif line.startswith("#### Attributes"):
                    section = "attributes"
                elif line.startswith("#### Type Constraints"):
                    section = "type_constraints"
                elif line.startswith("#### Version"):
                    section = "version"
                else:
                    section = "other"
                continue
            m = DT_RE.match(line)
            if m and section in ("attributes", "inputs", "outputs", "type_constraints"):
                rec[section].append((html.unescape(m.group(1)), m.group(2), html.unescape(m.group(3))))
        if rec:
            yield rec


def parse_default(type_name, text):
    if type_name in ("floats", "ints", "strings"):
        items = ast.literal_eval(text)
        conv = {"floats": lambda x: sj.Float32(float(x)), "ints": int, "strings": str}[type_name]
        return [conv(x) for x in items]
    if type_name == "float":
        return sj.Float32(float(text.strip("()")))
    if type_name == "int":
        return int(text)
    if type_name == "string":
        return text
    raise ValueError(f"default for attribute type {type_name}: {text}")


def attribute_of(name, flags, rest):
    m = re.match(r"^(.*?)\s*(?:\((required|default is (.*))\))?$", rest)
    type_text = m.group(1).strip()
    type_name = ATTR_TYPE[type_text]
    required = m.group(2) == "required"
    default = parse_default(type_name, m.group(3)) if m.group(3) is not None else None
    return {"name": name, "type": type_name, "required": required, "default": default}


def formal_of(name, flags, type_str):
    words = [w.strip() for w in (flags or "").split(",") if w.strip()]
    option = "single"
    if "optional" in words:
        option = "optional"
    if "variadic" in words:
        option = "variadic"
    return {"name": name, "type": type_str.strip(), "option": option,
            "homogeneous": "heterogeneous" not in words, "min_arity": 1}


def to_schema(rec):
    """A raw record as the dict schema_json writes (formals and attributes still dicts)."""
    s = {"domain": rec["domain"], "name": rec["name"], "since_version": rec["since_version"],
         "deprecated": rec["deprecated"], "experimental": rec.get("experimental", False), "notes": []}
    if rec["since_version"] != rec["title_version"]:
        raise SystemExit(f"{rec['name']}: title version {rec['title_version']} but since {rec['since_version']}")
    s["attributes"] = sorted((attribute_of(*a) for a in rec["attributes"]), key=lambda a: a["name"])
    for kind in ("inputs", "outputs"):
        params = [formal_of(*p) for p in rec[kind]]
        fixed = sum(1 for p in params if p["option"] == "single")
        lo, hi = rec["counts"].get(kind, (fixed, len(params)))
        for i, p in enumerate(params):
            if p["option"] == "variadic":
                if i != len(params) - 1:
                    raise SystemExit(f"{rec['name']}-{rec['since_version']}: variadic {kind[:-1]} not last")
                p["min_arity"] = lo - i
        s[kind] = params
        s[kind[:-1] + "_count"] = (lo, hi)
    s["type_constraints"] = [(p, split_types(types)) for p, _, types in rec["type_constraints"]]
    return s


def split_types(text):
    """Splits "tensor(float), map(int64, float)" at the commas outside parentheses."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return out


def derived_count(params):
    """ONNX's (min, max) count of formal parameters."""
    lo = hi = 0
    for p in params:
        if p["option"] == "single":
            hi += 1
            lo = hi
        elif p["option"] == "optional":
            hi += 1
        else:
            lo = hi + p["min_arity"]
            hi = INFINITY
    return lo, hi


def python_schemas():
    import gen_schemas
    from onnx import defs
    out = {}
    for ps in defs.get_all_schemas_with_history():
        d = gen_schemas.convert(ps)
        d["min_input"], d["max_input"] = ps.min_input, ps.max_input
        d["min_output"], d["max_output"] = ps.min_output, ps.max_output
        out[(d["domain"], d["name"], d["since_version"])] = d
    return out


def pairs_to_dict(pairs):
    return dict(pairs)


def normalize_formal(p):
    """A python-side pair list as the dict form used here."""
    d = pairs_to_dict(p)
    return {"name": d["name"], "type": d["type"], "option": d.get("option", "single"),
            "homogeneous": d.get("homogeneous", True), "min_arity": d.get("min_arity", 1)}


def normalize_attr(a):
    d = pairs_to_dict(a)
    return {"name": d["name"], "type": d["type"], "required": d.get("required", False),
            "default": d.get("default")}


def default_text(v):
    """What gen_doc prints for a float default (str(np.round(v, 5)))."""
    return str(np.round(np.float64(np.float32(v)), 5))


def same_default(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_default(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and np.float32(a) == np.float32(b)
    return a == b


def compare(pages):
    """Differences between the transcription and python3-onnx, one line each."""
    py = python_schemas()
    problems = []
    seen = set()
    for key, s in pages.items():
        p = py.get(key)
        if p is None:
            continue
        seen.add(key)
        tag = f"{key[0] or 'ai.onnx'}::{key[1]}-{key[2]}"
        if bool(p["deprecated"]) != s["deprecated"]:
            problems.append(f"{tag}: deprecated {p['deprecated']} vs {s['deprecated']}")
        for kind in ("inputs", "outputs"):
            pf = [normalize_formal(x) for x in p[kind]]
            if pf != s[kind]:
                problems.append(f"{tag}: {kind} differ:\n   py {pf}\n   md {s[kind]}")
            want = (p["min_" + kind[:-1]], p["max_" + kind[:-1]])
            if s[kind[:-1] + "_count"] != want:
                problems.append(f"{tag}: {kind} count {s[kind[:-1] + '_count']} vs python {want}")
            if derived_count(pf) != want:
                problems.append(f"{tag}: derived {kind} count {derived_count(pf)} vs python {want}")
        pa = [normalize_attr(x) for x in p["attributes"]]
        names_p = [a["name"] for a in pa]
        names_s = [a["name"] for a in s["attributes"]]
        if names_p != names_s:
            problems.append(f"{tag}: attributes {names_p} vs {names_s}")
        else:
            for a, b in zip(pa, s["attributes"]):
                if a["type"] != b["type"] or a["required"] != b["required"]:
                    problems.append(f"{tag}: attribute {a} vs {b}")
                elif not same_default(a["default"], b["default"]):
                    ok = isinstance(a["default"], float) and default_text(a["default"]) == default_text(b["default"])
                    problems.append(f"{tag}: attribute {a['name']} default {a['default']!r} vs {b['default']!r}"
                                    + (" (rounded in the pages)" if ok else ""))
        if [tuple(x) for x in p["type_constraints"]] != [(a, b) for a, b in s["type_constraints"]]:
            problems.append(f"{tag}: type constraints differ:\n   py {p['type_constraints']}\n   md {s['type_constraints']}")
    for key in py:
        if key not in seen:
            problems.append(f"{key}: known to python3-onnx, not in the pages")
    return problems


def load_pages(paths):
    pages = {}
    for rec in parse_pages(*paths):
        s = to_schema(rec)
        key = (s["domain"], s["name"], s["since_version"])
        if key in pages:
            raise SystemExit(f"duplicate section {key}")
        pages[key] = s
    return pages


# The newest version python3-onnx knows, per domain; later ones go into the supplement.
PYTHON_MAX = {"": 17, "ai.onnx.ml": 3, "ai.onnx.preview.training": 1}


def supplement(pages, commit):
    py = python_schemas()
    chain = {}  # (domain, name) -> the latest earlier schema, python's or the pages'
    for key in sorted(set(py) | set(pages), key=lambda k: (k[0], k[1], k[2])):
        chain.setdefault((key[0], key[1]), []).append(key)
    out = []
    for key, s in sorted(pages.items()):
        domain, name, since = key
        if since <= PYTHON_MAX.get(domain, 0):
            continue
        earlier = [k for k in chain[(domain, name)] if k[2] < since]
        prev = None
        if earlier:
            pk = earlier[-1]
            prev = py.get(pk) or pages.get(pk)
        notes = []
        if s.get("experimental"):
            notes.append("experimental in ONNX (no versioning maintained)")
        # Float defaults: exact value from the earlier version where it rounds the same.
        prev_attrs = {}
        if prev:
            prev_attrs = {a["name"]: a for a in (normalize_attr(x) if isinstance(x, list) else x
                                                 for x in prev["attributes"])}
        for a in s["attributes"]:
            d = a["default"]
            hand = HAND_DEFAULTS.get((domain, name, since, a["name"]))
            if hand is not None:
                a["default"] = hand
                notes.append(f"default of '{a['name']}' checked by hand in onnx/defs (pages print it rounded)")
                continue
            if not isinstance(d, float) and not (isinstance(d, list) and d and isinstance(d[0], float)):
                continue
            pa = prev_attrs.get(a["name"])
            if pa is not None and pa["type"] == a["type"] and pa["default"] is not None:
                if isinstance(d, float) and default_text(pa["default"]) == default_text(d):
                    if np.float32(pa["default"]) != np.float32(d):
                        a["default"] = pa["default"]
                        notes.append(f"default of '{a['name']}' exact from {name}-{prev['since_version']} "
                                     f"(pages print it rounded)")
                    continue
            if float32_is_exact_5(d):
                continue
            NEEDS_HAND.append(f"{name}-{since}: float default of {a['name']} ({d})")
        if s["deprecated"]:
            s["inference"] = None
        elif prev is not None and prev.get("inference"):
            s["inference"] = prev["inference"]
        else:
            s["inference"] = name
            notes.append("inference: assumed (new op)")
        fix = HAND_FIXES.get(key)
        if fix:
            notes.append(fix(s))
        # The counts in the pages must agree with the formal parameters.
        for kind in ("inputs", "outputs"):
            if derived_count(s[kind]) != s[kind[:-1] + "_count"]:
                raise SystemExit(f"{name}-{since}: {kind} count {s[kind[:-1] + '_count']} "
                                 f"but the parameters give {derived_count(s[kind])}")
        s["notes"] = notes
        out.append(s)
    return out


def float32_is_exact_5(d):
    """True when the printed (5-decimal) value is certainly the exact default."""
    vals = d if isinstance(d, list) else [d]
    return all(abs(v) >= 1e-5 and round(v, 5) == v and len(repr(v).split("e")[0].rstrip("0")) <= 8
               for v in vals)


def as_pairs(s):
    return {
        **s,
        "inputs": [sj.formal(p["name"], p["type"], p["option"], p["homogeneous"], p["min_arity"]) for p in s["inputs"]],
        "outputs": [sj.formal(p["name"], p["type"], p["option"], p["homogeneous"], p["min_arity"]) for p in s["outputs"]],
        "attributes": [sj.attribute(a["name"], a["type"], a["required"], a["default"]) for a in s["attributes"]],
    }


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    mode, core, ml = sys.argv[1:4]
    pages = load_pages([core, ml])
    if mode == "compare":
        problems = compare(pages)
        for p in problems:
            print(p)
        print(f"{len(pages)} sections read; {len(problems)} differences from python3-onnx")
        return
    if mode == "supplement":
        commit = sys.argv[4]
        out = sys.argv[5] if len(sys.argv) > 5 else os.path.join(REPO, "src", "schema", "data", "onnx_schemas_18_28.json")
        schemas = [as_pairs(s) for s in supplement(pages, commit)]
        if NEEDS_HAND:
            raise SystemExit("needs HAND_DEFAULTS entries:\n  " + "\n  ".join(NEEDS_HAND))
        source = (f"ONNX docs/Changelog.md and docs/Changelog-ml.md at github.com/onnx/onnx commit {commit}, "
                  f"transcribed by tools/schema/changelog_to_schemas.py; completions by hand are in each "
                  f"schema's notes")
        sj.write(out, schemas, source)
        print(f"{out}: {len(schemas)} schemas")
        return
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
