#!/usr/bin/python3
"""Write the checked-in seed corpus for fuzz_reader (tests/fuzz/corpus/).

Small models that reach the reader's less common paths: external-data
references, subgraphs, local functions, sparse initializers, string tensors,
unknown fields, a truncated file. Rerun to regenerate (python3-onnx 1.12):
  /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def model(nodes, inputs, outputs, inits=(), opset=17, **kw):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits),
                          sparse_initializer=kw.pop("sparse", None))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] + kw.pop("extra_opsets", []),
                          producer_name="make_corpus", **kw)
    m.ir_version = 8
    return m


def vi(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}

    # Inline initializer in raw_data, symbolic batch dim, metadata, doc strings.
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "W")
    m = model([helper.make_node("MatMul", ["X", "W"], ["Y"], name="mm", doc_string="d")],
              [vi("X", ["N", 3])], [vi("Y", ["N", 4])], [w])
    helper.set_model_props(m, {"author": "onnxkit", "k": "v"})
    files["matmul_inline.onnx"] = m.SerializeToString()

    # External data reference (file absent: the reader must report it, not crash).
    t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[3, 4])
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "weights.bin"), ("offset", "4096"), ("length", "48")):
        e = t.external_data.add()
        e.key, e.value = k, v
    m = model([helper.make_node("MatMul", ["X", "W"], ["Y"])], [vi("X", ["N", 3])],
              [vi("Y", ["N", 4])], [t])
    files["external_data_ref.onnx"] = m.SerializeToString()

    # If with two subgraphs, typed attributes of every kind.
    then_g = helper.make_graph([helper.make_node("Identity", ["X"], ["a"])], "then", [], [vi("a", [2])])
    else_g = helper.make_graph([helper.make_node("Neg", ["X"], ["b"])], "else", [], [vi("b", [2])])
    m = model([helper.make_node("If", ["C"], ["Y"], then_branch=then_g, else_branch=else_g),
               helper.make_node("Cast", ["Y"], ["Z"], to=TensorProto.DOUBLE),
               helper.make_node("Transpose", ["Z"], ["T"], perm=[0]),
               helper.make_node("LeakyRelu", ["T"], ["U"], alpha=0.25)],
              [vi("C", [], TensorProto.BOOL), vi("X", [2])], [vi("U", [2], TensorProto.DOUBLE)])
    files["if_subgraphs.onnx"] = m.SerializeToString()

    # Local function in a custom domain, used by a node.
    f = helper.make_function("devtech", "FooOp", ["x"], ["y"],
                             [helper.make_node("Relu", ["x"], ["y"])],
                             [helper.make_opsetid("", 17)], attributes=["alpha"])
    m = model([helper.make_node("FooOp", ["X"], ["Y"], domain="devtech", alpha=1.5)],
              [vi("X", ["N", 4])], [vi("Y", ["N", 4])],
              extra_opsets=[helper.make_opsetid("devtech", 1)], functions=[f])
    files["custom_op_function.onnx"] = m.SerializeToString()

    # Sparse initializer, string tensor, int64 tensor in int64_data, float16 in int32_data.
    values = numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float32), "S")
    indices = numpy_helper.from_array(np.array([1, 5], dtype=np.int64), "S_idx")
    sparse = helper.make_sparse_tensor(values, indices, [2, 4])
    strs = helper.make_tensor("names", TensorProto.STRING, [2], [b"a", b"\xff\x00b"])
    i64 = helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 4])
    f16 = helper.make_tensor("h", TensorProto.FLOAT16, [2], np.array([1, 2], np.float16))
    m = model([helper.make_node("Reshape", ["X", "shape"], ["Y"])],
              [vi("X", ["N", 4])], [vi("Y", ["N", 4])], [strs, i64, f16], sparse=[sparse])
    files["tensor_kinds.onnx"] = m.SerializeToString()

    # Unknown fields: field 99 (varint) and field 100 (bytes) appended to the model.
    base = files["matmul_inline.onnx"]
    files["unknown_fields.onnx"] = base + bytes([0x98, 0x06, 0x2A]) + bytes([0xA2, 0x06, 0x03]) + b"xyz"

    # Truncated in the middle of the initializer.
    files["truncated.onnx"] = base[: len(base) * 2 // 3]

    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
