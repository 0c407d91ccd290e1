"""Writes operator schemas in onnxkit's data format (shared by the generators here).

The format is documented in src/schema/data/README.md. In short: one JSON object

    {"format": "onnxkit-op-schemas", "format_version": 1, "source": "...",
     "schemas": [ {...}, {...} ]}

and each schema an object with the keys, in this order:

    domain, name, since_version, deprecated?, inputs, outputs, attributes,
    type_constraints, inference?, notes?

Each schema starts on its own line and each formal parameter, attribute and type
constraint sits on one line, so a diff of the data reads as a list of changed facts.
"""
import json

import numpy as np

FORMAT = "onnxkit-op-schemas"
FORMAT_VERSION = 1


def float32_text(value):
    """Shortest decimal that reads back as the same float32 (what the C++ side stores)."""
    f = np.float32(value)
    if np.isinf(f):
        return "3.4028234663852886e+38" if f > 0 else "-3.4028234663852886e+38"
    text = np.format_float_positional(f, unique=True, trim="-") if 1e-4 <= abs(f) < 1e7 or f == 0 \
        else np.format_float_scientific(f, unique=True, trim="-")
    if text.endswith("."):
        text += "0"
    return text


class Float32(float):
    """A float attribute value; written with float32 precision."""


def _value(v):
    if isinstance(v, Float32):
        return float32_text(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def _obj(pairs):
    return "{" + ", ".join(f"{json.dumps(k)}: {_value(v)}" for k, v in pairs) + "}"


def formal(name, type_str, option="single", homogeneous=True, min_arity=1):
    """A formal input or output: keys past `type` only where they differ from the default."""
    pairs = [("name", name), ("type", type_str)]
    if option != "single":
        pairs.append(("option", option))
    if option == "variadic":
        if not homogeneous:
            pairs.append(("homogeneous", False))
        if min_arity != 1:
            pairs.append(("min_arity", min_arity))
    return pairs


def attribute(name, type_name, required=False, default=None):
    pairs = [("name", name), ("type", type_name)]
    if required:
        pairs.append(("required", True))
    if default is not None:
        pairs.append(("default", default))
    return pairs


def schema_text(s):
    """`s` is a dict with the keys listed in the module doc; formal/attribute entries are pair lists."""
    head = [("domain", s["domain"]), ("name", s["name"]), ("since_version", s["since_version"])]
    if s.get("deprecated"):
        head.append(("deprecated", True))
    out = ["  {" + _obj(head)[1:-1] + ","]

    def block(key, items, last=False):
        if not items:
            out.append(f'   "{key}": []' + ("" if last else ","))
            return
        out.append(f'   "{key}": [')
        for i, it in enumerate(items):
            out.append("    " + _obj(it) + ("," if i + 1 < len(items) else ""))
        out.append("   ]" + ("" if last else ","))

    tail = []
    if s.get("inference"):
        tail.append(("inference", s["inference"]))
    if s.get("notes"):
        tail.append(("notes", s["notes"]))
    block("inputs", s["inputs"])
    block("outputs", s["outputs"])
    block("attributes", s["attributes"])
    tcs = [[("param", p), ("types", ts)] for p, ts in s["type_constraints"]]
    block("type_constraints", tcs, last=not tail)
    for i, (k, v) in enumerate(tail):
        out.append(f"   {json.dumps(k)}: {_value(v)}" + ("," if i + 1 < len(tail) else ""))
    out.append("  }")
    return "\n".join(out)


def sort_key(s):
    return (s["domain"], s["name"], s["since_version"])


def write(path, schemas, source):
    schemas = sorted(schemas, key=sort_key)
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        f.write(f' "format": "{FORMAT}",\n "format_version": {FORMAT_VERSION},\n')
        f.write(f" \"source\": {json.dumps(source)},\n")
        f.write(' "schemas": [\n')
        f.write(",\n".join(schema_text(s) for s in schemas))
        f.write("\n ]\n}\n")
    json.load(open(path, encoding="utf-8"))  # the output must be valid JSON
