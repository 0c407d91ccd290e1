"""onnxkit: a native toolkit for ONNX models.

    import onnxkit
    model = onnxkit.load("model.onnx")        # weights stay in the mapped file
    graph = model.graph                       # Graph, Node, Tensor: the IR
    onnxkit.save(model, "out.onnx")           # temporary file + rename

`onnxkit.gs` is a drop-in for onnx-graphsurgeon over the same IR.
"""
from ._onnxkit import (  # noqa: F401
    Error,
    Graph,
    Model,
    Node,
    SynchronizedList,
    Tensor,
    TensorMap,
    load,
    load_from_bytes,
    register_custom_ops_library,
    register_op,
    save,
)

__all__ = ["Error", "Graph", "Model", "Node", "SynchronizedList", "Tensor", "TensorMap",
           "load", "load_from_bytes", "register_custom_ops_library", "register_op", "save"]
