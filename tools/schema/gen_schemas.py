#!/usr/bin/python3
"""Dumps every operator schema python3-onnx knows into onnxkit's data format.

    /usr/bin/python3 tools/schema/gen_schemas.py [OUT]   (default src/schema/data/onnx_schemas.json)

Debian's python3-onnx 1.12 knows ai.onnx opsets 1-17, ai.onnx.ml 1-3 and
ai.onnx.preview.training 1; later versions live in onnx_schemas_18_28.json.
Documentation strings are left out; everything a checker needs is kept.
"""
import os
import sys

import onnx
from onnx import defs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_json as sj  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPTION = {0: "single", 1: "optional", 2: "variadic"}
ATTR_TYPE = {
    "FLOAT": "float", "INT": "int", "STRING": "string", "TENSOR": "tensor", "GRAPH": "graph",
    "FLOATS": "floats", "INTS": "ints", "STRINGS": "strings", "TENSORS": "tensors",
    "GRAPHS": "graphs", "SPARSE_TENSOR": "sparse_tensor", "SPARSE_TENSORS": "sparse_tensors",
    "TYPE_PROTO": "type_proto", "TYPE_PROTOS": "type_protos",
}


def default_value(a):
    """The attribute's default as a JSON value, or None."""
    d = a.default_value
    if d.type == onnx.AttributeProto.UNDEFINED:
        return None
    kind = onnx.AttributeProto.AttributeType.Name(d.type)
    if kind == "FLOAT":
        return sj.Float32(d.f)
    if kind == "INT":
        return d.i
    if kind == "STRING":
        return d.s.decode("utf-8")
    if kind == "FLOATS":
        return [sj.Float32(x) for x in d.floats]
    if kind == "INTS":
        return list(d.ints)
    if kind == "STRINGS":
        return [x.decode("utf-8") for x in d.strings]
    raise SystemExit(f"unsupported default of type {kind} on attribute {a.name}")


def formals(params, min_count):
    """Formal parameters; a variadic one (always last) gets min_arity from ONNX's minimum count."""
    out = []
    for i, p in enumerate(params):
        option = OPTION[int(p.option.value)]
        min_arity = 1
        if option == "variadic":
            min_arity = min_count - i  # ONNX: min = (params before it) + min_arity
        out.append(sj.formal(p.name, p.typeStr, option, bool(p.isHomogeneous), min_arity))
    return out


def convert(s):
    attrs = []
    for name in sorted(s.attributes):
        a = s.attributes[name]
        type_name = ATTR_TYPE[str(a.type).split(".")[-1]]
        attrs.append(sj.attribute(name, type_name, bool(a.required), default_value(a)))
    return {
        "domain": s.domain,
        "name": s.name,
        "since_version": s.since_version,
        "deprecated": bool(s.deprecated),
        "inputs": formals(s.inputs, s.min_input),
        "outputs": formals(s.outputs, s.min_output),
        "attributes": attrs,
        "type_constraints": [(tc.type_param_str, list(tc.allowed_type_strs)) for tc in s.type_constraints],
        "inference": s.name if s.has_type_and_shape_inference_function else None,
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "src", "schema", "data", "onnx_schemas.json")
    schemas = [convert(s) for s in defs.get_all_schemas_with_history()]
    source = (f"python3-onnx {onnx.__version__} (onnx.defs.get_all_schemas_with_history), "
              f"written by tools/schema/gen_schemas.py; do not edit by hand")
    sj.write(out, schemas, source)
    print(f"{out}: {len(schemas)} schemas")


if __name__ == "__main__":
    main()
