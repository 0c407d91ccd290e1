"""onnxkit: a native toolkit for ONNX models.

    import onnxkit
    model = onnxkit.load("model.onnx")        # weights stay in the mapped file
    graph = model.graph                       # Graph, Node, Tensor: the IR
    onnxkit.save(model, "out.onnx")           # temporary file + rename

`onnxkit.gs` is a drop-in for onnx-graphsurgeon over the same IR, and
`onnxkit.InferenceSession` follows ONNX Runtime's Python API:

    sess = onnxkit.InferenceSession("model.onnx")
    outputs = sess.run(None, {"input": x})    # numpy in, numpy out
"""
from ._onnxkit import (  # noqa: F401
    Error,
    Graph,
    GraphOptimizationLevel,
    InferenceSession,
    Model,
    NodeArg,
    Node,
    SessionOptions,
    SynchronizedList,
    Tensor,
    TensorMap,
    load,
    load_from_bytes,
    register_custom_ops_library,
    register_op,
    save,
)

__all__ = ["Error", "Graph", "GraphOptimizationLevel", "InferenceSession", "Model", "Node", "NodeArg",
           "SessionOptions", "SynchronizedList", "Tensor", "TensorMap", "load", "load_from_bytes",
           "register_custom_ops_library", "register_op", "save"]
