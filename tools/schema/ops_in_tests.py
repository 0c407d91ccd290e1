#!/usr/bin/python3
"""Lists every (domain, op, opset) that the ONNX conformance models use.

    ops_in_tests.py [--root DIR] [--check]

DIR defaults to $ONNXKIT_SHARED/onnx-tests or ../shared/onnx-tests. Walks every
model.onnx below it (graphs, subgraphs of If/Loop/Scan and model-local
functions), and prints one line per distinct (domain, op, opset of the model
for that domain). Calls of model-local functions are not operators and are
left out. With --check, resolves each against src/schema/data/*.json the way
SchemaRegistry::find does, and checks every top-level node against its schema
(input/output counts, attribute names and types, required attributes, and the
types of values whose types the model declares); prints what does not resolve
or fit, and exits 1 if anything.
"""
import argparse
import glob
import json
import os
import sys

import onnx

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_root():
    shared = os.environ.get("ONNXKIT_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
    return os.path.join(shared, "onnx-tests")


def graph_nodes(graph):
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from graph_nodes(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from graph_nodes(g)


def model_uses(path):
    """(domain, op, version) triples of one model; domain "" for ai.onnx."""
    model = onnx.load(path, load_external_data=False)
    opsets = {("" if o.domain == "ai.onnx" else o.domain): o.version for o in model.opset_import}
    local = {(f.domain, f.name) for f in model.functions}
    uses = set()

    def visit(nodes, versions):
        for n in nodes:
            domain = "" if n.domain == "ai.onnx" else n.domain
            if (n.domain, n.op_type) in local:
                continue
            uses.add((domain, n.op_type, versions.get(domain, -1)))

    visit(graph_nodes(model.graph), opsets)
    for f in model.functions:
        versions = dict(opsets)
        versions.update({("" if o.domain == "ai.onnx" else o.domain): o.version for o in f.opset_import})
        visit((n for node in f.node for n in graph_nodes_of_node(node)), versions)
    return uses


def graph_nodes_of_node(node):
    yield node
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            yield from graph_nodes(attr.g)


ATTR_TYPE = {1: "float", 2: "int", 3: "string", 4: "tensor", 5: "graph", 6: "floats", 7: "ints",
             8: "strings", 9: "tensors", 10: "graphs", 11: "sparse_tensor", 12: "sparse_tensors",
             13: "type_proto", 14: "type_protos"}


# TensorProto.DataType names by code (python3-onnx 1.12 knows only up to 20).
DATA_TYPE = ["undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool",
             "float16", "double", "uint32", "uint64", "complex64", "complex128", "bfloat16", "float8e4m3fn",
             "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "uint4", "int4", "float4e2m1", "float8e8m0",
             "uint2", "int2"]


def type_str(t):
    """ONNX's type string of a TypeProto ("tensor(float)", "seq(tensor(int64))"), or None."""
    kind = t.WhichOneof("value")
    def name(code):
        return DATA_TYPE[code] if 0 < code < len(DATA_TYPE) else f"unknown{code}"

    if kind == "tensor_type":
        return f"tensor({name(t.tensor_type.elem_type)})" if t.tensor_type.elem_type else None
    if kind == "sparse_tensor_type":
        return f"sparse_tensor({name(t.sparse_tensor_type.elem_type)})"
    if kind == "sequence_type":
        inner = type_str(t.sequence_type.elem_type)
        return inner and f"seq({inner})"
    if kind == "optional_type":
        inner = type_str(t.optional_type.elem_type)
        return inner and f"optional({inner})"
    if kind == "map_type":
        v = t.map_type.value_type
        inner = name(v.tensor_type.elem_type) if v.WhichOneof("value") == "tensor_type" else type_str(v)
        return inner and f"map({name(t.map_type.key_type)}, {inner})"
    return None


def node_problems(path, table):
    """Top-level nodes of a model that do not fit the schema in force: counts, attributes, and
    the types of inputs and outputs whose types the model declares."""
    model = onnx.load(path, load_external_data=False)
    opsets = {("" if o.domain == "ai.onnx" else o.domain): o.version for o in model.opset_import}
    g = model.graph
    types = {v.name: type_str(v.type) for v in list(g.input) + list(g.output) + list(g.value_info)}
    for init in g.initializer:
        types.setdefault(init.name, f"tensor({DATA_TYPE[init.data_type]})")
    local = {(f.domain, f.name) for f in model.functions}
    out = []
    for n in g.node:
        domain = "" if n.domain == "ai.onnx" else n.domain
        if (n.domain, n.op_type) in local:
            continue
        s, why = resolve(table, domain, n.op_type, opsets.get(domain, -1))
        if s is None:
            continue  # reported by the resolution check
        tag = f"{os.path.basename(os.path.dirname(path))}: {n.op_type}-{s['since_version']}"
        for kind, actual in (("inputs", list(n.input)), ("outputs", list(n.output))):
            while actual and actual[-1] == "":
                actual.pop()
            lo, hi = counts(s[kind])
            if not lo <= len(actual) <= hi:
                out.append(f"{tag}: {len(actual)} {kind}, schema allows {lo}..{hi}")
                continue
            params = {t["param"]: t["types"] for t in s["type_constraints"]}
            for i, name in enumerate(actual):
                if not name or types.get(name) is None:
                    continue
                formal = s[kind][min(i, len(s[kind]) - 1)]
                allowed = params.get(formal["type"], [formal["type"]])
                if types[name] not in allowed:
                    out.append(f"{tag}: {kind[:-1]} {i} '{name}' is {types[name]}, schema allows {allowed}")
        attrs = {a["name"]: a for a in s["attributes"]}
        for a in n.attribute:
            spec = attrs.get(a.name)
            if spec is None:
                out.append(f"{tag}: attribute '{a.name}' not in the schema")
            elif ATTR_TYPE.get(a.type) != spec["type"]:
                out.append(f"{tag}: attribute '{a.name}' is {ATTR_TYPE.get(a.type)}, schema says {spec['type']}")
        given = {a.name for a in n.attribute}
        for a in s["attributes"]:
            if a.get("required") and a["name"] not in given:
                out.append(f"{tag}: required attribute '{a['name']}' missing")
    return out


def counts(params):
    """ONNX's (min, max) count of actual values for formal parameters."""
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
            hi = 2147483647
    return lo, hi


def load_schemas():
    table = {}
    for path in sorted(glob.glob(os.path.join(REPO, "src", "schema", "data", "*.json"))):
        with open(path, encoding="utf-8") as f:
            for s in json.load(f)["schemas"]:
                table.setdefault((s["domain"], s["name"]), []).append(s)
    for versions in table.values():
        versions.sort(key=lambda s: s["since_version"])
    return table


def resolve(table, domain, op, version):
    """The schema in force, or a reason why there is none."""
    versions = table.get((domain, op))
    if not versions:
        return None, "no such operator"
    found = None
    for s in versions:
        if s["since_version"] <= version:
            found = s
    if found is None:
        return None, f"first defined in version {versions[0]['since_version']}"
    if found.get("deprecated"):
        return None, f"deprecated since version {found['since_version']}"
    return found, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=default_root())
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    uses = {}
    for path in sorted(glob.glob(os.path.join(args.root, "**", "model.onnx"), recursive=True)):
        for u in model_uses(path):
            uses.setdefault(u, os.path.relpath(os.path.dirname(path), args.root))
    table = load_schemas() if args.check else None
    bad = 0
    for (domain, op, version), where in sorted(uses.items()):
        line = f"{domain or 'ai.onnx'}\t{op}\t{version}\t{where}"
        if table is not None:
            s, why = resolve(table, domain, op, version)
            if s is None:
                bad += 1
                print(f"UNRESOLVED\t{line}\t{why}")
                continue
            line += f"\t-> since {s['since_version']}"
        print(line)
    if table is not None:
        misfits = []
        for path in sorted(glob.glob(os.path.join(args.root, "**", "model.onnx"), recursive=True)):
            misfits += node_problems(path, table)
        for m in misfits:
            print(f"MISFIT\t{m}")
        print(f"{len(uses)} distinct uses; {bad} unresolved; {len(misfits)} nodes that do not fit their schema",
              file=sys.stderr)
        sys.exit(1 if bad or misfits else 0)


if __name__ == "__main__":
    main()
