"""onnx-graphsurgeon's API over onnxkit's IR: `import onnxkit.gs as gs`.

Graphs, nodes and tensors are views of C++ objects, made when Python first
touches them; `graph.nodes`, `node.inputs`, `tensor.outputs`, ... are list-like
views whose every change keeps both sides of a link true. Objects made here
(`gs.Node(...)`, `gs.Variable(...)`) live on their own until a graph takes them
(`graph.nodes.append(node)`, `node.inputs.append(tensor)`).

Differences from onnx-graphsurgeon (0.6.1), on purpose:
- `toposort()` is stable (an already sorted graph keeps its order) and
  iterative; a cycle raises naming its nodes.
- `Constant.values` is a read-only numpy view of the weights (no copy); assign
  a new array to change them.
- A node belongs to one graph: appending a node that is already in a graph
  raises ValueError (remove it there first).
- A negative dim (`Tensor.DYNAMIC`) is stored as an unknown dim (read back as None).
- `fold_constants()` evaluates with onnxkit's own runtime (no onnxruntime),
  one node at a time: a node that cannot be evaluated stops only the nodes
  that depend on it, so `partitioning` is accepted and not needed. Shapes
  come from onnxkit's shape inference (static dims folded through Shape,
  Gather and Slice of a Shape, Size). Not done: shape-tensor cast elision,
  local functions.
"""
import numbers
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, MutableMapping

from . import _onnxkit as _ok


class _LazyNumpy:
    """numpy, imported on first use: editing that never touches tensor values
    does not pay for importing numpy (about 20 MB of memory)."""

    def __getattr__(self, name):
        import numpy

        return getattr(numpy, name)


np = _LazyNumpy()

__version__ = "0.6.1"

OnnxGraphSurgeonException = _ok.Error


def _default_ir_version():
    try:
        import onnx

        return int(onnx.IR_VERSION)
    except ImportError:
        return 8


# ---------------------------------------------------------------- tensors


class Tensor(_ok.Tensor):
    """A tensor of a graph; its `inputs` are its producers, its `outputs` its consumers."""

    DYNAMIC = -1

    def __new__(cls, *args, **kwargs):
        raise NotImplementedError("Tensor is an abstract class")

    def i(self, tensor_idx=0, producer_idx=0):
        """Producer `producer_idx`'s input `tensor_idx`: self.inputs[producer_idx].inputs[tensor_idx]."""
        return self.inputs[producer_idx].inputs[tensor_idx]

    def o(self, consumer_idx=0, tensor_idx=0):
        """Consumer `consumer_idx`'s output `tensor_idx`: self.outputs[consumer_idx].outputs[tensor_idx]."""
        return self.outputs[consumer_idx].outputs[tensor_idx]

    def to_constant(self, values, data_location=None, export_dtype=None):
        """Makes this tensor a Constant holding `values` (a numpy array), in place. Returns self."""
        if not isinstance(values, np.ndarray):
            raise OnnxGraphSurgeonException("Provided `values` argument is not a NumPy array")
        self._to_constant(values)
        return self

    def to_variable(self, dtype=None, shape=[]):  # noqa: B006 (onnx-graphsurgeon's default)
        """Makes this tensor a Variable, in place, with `dtype` (default: a Constant's
        dtype) and `shape` (default [], as onnx-graphsurgeon). Returns self."""
        if dtype is None and self.is_constant:
            dtype = self.dtype
        self._to_variable()
        self.shape = shape
        self.dtype = dtype
        return self

    def copy(self):
        """A standalone copy (name, dtype, shape, values); links are not copied."""
        return self._copy()

    def __eq__(self, other):
        if not isinstance(other, _ok.Tensor):
            return NotImplemented
        return self.name == other.name

    __hash__ = None

    def __str__(self):
        return "{:} ({:}): (shape={:}, dtype={:})".format(
            self.name, type(self).__name__, self.shape, self.dtype)

    __repr__ = __str__


class Variable(Tensor):
    """A tensor whose value is computed (or a graph input)."""

    def __new__(cls, name, dtype=None, shape=None, type="tensor_type"):
        t = _ok._new_variable(name)
        t.dtype = dtype
        t.shape = shape
        if type != "tensor_type":
            t.type = type
        return t

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def empty():
        return Variable(name="")


class Constant(Tensor):
    """A tensor whose value is known (an initializer). `values` is a read-only
    numpy view of the weights."""

    def __new__(cls, name, values, data_location=None, export_dtype=None):
        if not isinstance(values, np.ndarray):
            raise OnnxGraphSurgeonException(
                "Provided `values` argument is not a NumPy array. Please provide a NumPy array.")
        return _ok._new_constant(name, values)

    def __init__(self, *args, **kwargs):
        pass

    @property
    def export_dtype(self):
        return self.dtype

    def __repr__(self):
        ret = str(self)
        try:
            ret += "\n{:}".format(self.values)
        except Exception:  # values of a type numpy lacks
            pass
        return ret


# ---------------------------------------------------------------- nodes


class _Attributes(MutableMapping):
    """node.attrs: a live view of the node's attributes."""

    __slots__ = ("_node",)

    def __init__(self, node):
        self._node = node

    def __getitem__(self, key):
        return self._node._attr_get(key)

    def __setitem__(self, key, value):
        self._node._attr_set(key, value)

    def __delitem__(self, key):
        self._node._attr_del(key)

    def __iter__(self):
        return iter(self._node._attr_names())

    def __len__(self):
        return len(self._node._attr_names())

    def __repr__(self):
        return repr(OrderedDict(self.items()))

    def copy(self):
        return OrderedDict(self.items())


class _Record:
    """A dataclass-like record (fields, repr, equality) without importing
    dataclasses, which pulls in inspect and ast: 1.6 MiB of a small script."""
    _fields = ()

    def __init__(self, *args, **kwargs):
        if len(args) > len(self._fields):
            raise TypeError("{}() takes {} arguments".format(type(self).__name__, len(self._fields)))
        values = dict(zip(self._fields, args))
        for key, value in kwargs.items():
            if key not in self._fields or key in values:
                raise TypeError("{}() got an unexpected or repeated argument '{}'".format(
                    type(self).__name__, key))
            values[key] = value
        missing = [f for f in self._fields if f not in values]
        if missing:
            raise TypeError("{}() missing {}".format(type(self).__name__, ", ".join(missing)))
        for key in self._fields:
            setattr(self, key, values[key])

    def __repr__(self):
        return "{}({})".format(type(self).__qualname__,
                               ", ".join("{}={!r}".format(f, getattr(self, f)) for f in self._fields))

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)

    __hash__ = None


class Node(_ok.Node):
    """A node: `op` applied to `inputs` giving `outputs`, with `attrs`."""

    class AttributeRef(_Record):
        """A reference to an attribute of the enclosing function (name, type)."""
        _fields = ("name", "type")

    def __new__(cls, op, name=None, attrs=None, inputs=None, outputs=None, domain=None):
        n = _ok._new_node(op, name or "", domain or "")
        if attrs:
            for key, value in attrs.items():
                n._attr_set(key, value)
        if inputs:
            n.inputs = inputs
        if outputs:
            n.outputs = outputs
        return n

    def __init__(self, *args, **kwargs):
        pass

    @property
    def attrs(self):
        return _Attributes(self)

    @attrs.setter
    def attrs(self, value):
        value = OrderedDict(value)  # may be a view of this node
        for key in list(self._attr_names()):
            self._attr_del(key)
        for key, v in value.items():
            self._attr_set(key, v)

    def subgraphs(self, recursive=False):
        """The subgraphs in this node's attributes (with recursive=True, theirs too)."""
        todo = list(self._subgraphs())
        while todo:
            g = todo.pop(0)
            yield g
            if recursive:
                for n in g.nodes:
                    todo.extend(n._subgraphs())

    def copy(self, inputs=None, outputs=None, tensor_map=None):
        """A standalone copy of this node (attributes copied) with the given inputs/outputs."""
        return Node(self.op, self.name, self.attrs.copy(), inputs=inputs, outputs=outputs,
                    domain=self.domain)

    def __eq__(self, other):
        if not isinstance(other, _ok.Node):
            return NotImplemented
        if self is other:
            return True
        return (self.name == other.name and self.op == other.op
                and self.domain == other.domain
                and list(self.inputs) == list(other.inputs)
                and list(self.outputs) == list(other.outputs)
                and _attrs_equal(self.attrs, other.attrs))

    __hash__ = None

    def __str__(self):
        ret = "{:} ({:})".format(self.name, self.op)

        def add_io(name, io):
            nonlocal ret
            ret += "\n\t{:}: [".format(name)
            for elem in io:
                ret += "\n\t\t{:}".format(elem)
            ret += "\n\t]"

        add_io("Inputs", self.inputs)
        add_io("Outputs", self.outputs)
        if len(self.attrs):
            ret += "\nAttributes: {:}".format(self.attrs)
        if self.domain:
            ret += "\nDomain: {:}".format(self.domain)
        return ret

    __repr__ = __str__


def _attrs_equal(a, b):
    if set(a.keys()) != set(b.keys()):
        return False
    for k in a.keys():
        x, y = a[k], b[k]
        if isinstance(x, _ok.Graph) or isinstance(y, _ok.Graph):
            if x is not y:
                return False
        elif x != y:
            return False
    return True


# ---------------------------------------------------------------- graphs


class _TensorDict(Mapping):
    """graph.tensors(): names to tensors in graph order; tensors made on access."""

    __slots__ = ("_map",)

    def __init__(self, tensor_map):
        self._map = tensor_map

    def __getitem__(self, key):
        return self._map[key]

    def __contains__(self, key):
        return key in self._map

    def __iter__(self):
        return iter(self._map.keys())

    def __len__(self):
        return len(self._map)

    def __repr__(self):
        return repr(OrderedDict(self.items()))


class Graph(_ok.Graph):
    """A graph of nodes and tensors (onnx-graphsurgeon's Graph)."""

    DEFAULT_OPSET = 11
    OPSET_FUNC_MAP = defaultdict(dict)  # functions registered for given opsets
    GLOBAL_FUNC_MAP = dict()  # functions registered for all opsets

    @staticmethod
    def register(opsets=None):
        """Registers a function as a Graph method (for `opsets`, default all):

            @gs.Graph.register()
            def add(self, a, b):
                return self.layer(op="Add", inputs=[a, b], outputs=["add_out_gs"])
        """

        def register_func(func):
            if hasattr(Graph, func.__name__):
                import warnings

                warnings.warn("Registered function: {:} is hidden by a Graph attribute or "
                              "function with the same name. This function will never be called!"
                              .format(func.__name__))
            if opsets is None:
                Graph.GLOBAL_FUNC_MAP[func.__name__] = func
            else:
                for opset in opsets:
                    Graph.OPSET_FUNC_MAP[opset][func.__name__] = func
            return func

        return register_func

    def __new__(cls, nodes=None, inputs=None, outputs=None, name=None, doc_string=None,
                opset=None, import_domains=None, producer_name=None, producer_version=None,
                functions=None, ir_version=None):
        g = _ok._new_graph(_default_ir_version() if ir_version is None else ir_version,
                           Graph.DEFAULT_OPSET if opset is None else opset)
        g.name = "onnx_graphsurgeon_graph" if name is None else name
        g.doc_string = doc_string or ""
        g.producer_name = producer_name or ""
        g.producer_version = producer_version or ""
        if import_domains is not None:
            g.import_domains = import_domains
        if nodes:
            g.nodes = nodes
        if inputs:
            g.inputs = inputs
        if outputs:
            g.outputs = outputs
        return g

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        opset = _ok.Graph.opset.__get__(self)
        if opset in Graph.OPSET_FUNC_MAP and name in Graph.OPSET_FUNC_MAP[opset]:
            func = Graph.OPSET_FUNC_MAP[opset][name]
        elif name in Graph.GLOBAL_FUNC_MAP:
            func = Graph.GLOBAL_FUNC_MAP[name]
        else:
            raise AttributeError("'Graph' object has no attribute '{:}' (no function of that "
                                 "name is registered for opset {:})".format(name, opset))
        return lambda *args, **kwargs: func(self, *args, **kwargs)

    @property
    def import_domains(self):
        return [_OpsetId(d, v) for d, v in self.opset_import]

    @import_domains.setter
    def import_domains(self, domains):
        self.opset_import = [(d.domain, d.version) if hasattr(d, "domain") else tuple(d)
                             for d in domains]
        if not any(d in ("", "ai.onnx") for d, _ in self.opset_import):
            self.opset = Graph.DEFAULT_OPSET

    @property
    def functions(self):
        return []  # local functions are not exposed yet

    def cleanup(self, remove_unused_node_outputs=False, recurse_subgraphs=True,
                remove_unused_graph_inputs=False, recurse_functions=True):
        """Removes nodes and tensors that do not contribute to a graph output.
        Defaults: remove_unused_node_outputs=False, recurse_subgraphs=True,
        remove_unused_graph_inputs=False. Producers of graph inputs are detached
        first; graph outputs are never touched. Returns self."""
        self._cleanup(remove_unused_node_outputs, recurse_subgraphs, remove_unused_graph_inputs)
        return self

    def toposort(self, recurse_subgraphs=True, recurse_functions=True, mode="full"):
        """Orders nodes so that producers come first (stable; recurse_subgraphs=True).
        Raises naming the nodes on a cycle. Returns self."""
        self._toposort(recurse_subgraphs)
        return self

    def tensors(self, check_duplicates=False):
        """Names to tensors used by this graph (graph inputs, node inputs and outputs,
        graph outputs, in that order). check_duplicates=False: with True, distinct
        tensors sharing a name raise."""
        return _TensorDict(self._tensors(check_duplicates))

    def fold_constants(self, fold_shapes=True, recurse_subgraphs=True, partitioning=None,
                       error_ok=True, flatten_subgraphs=True, size_threshold=None,
                       should_exclude_node=None, recurse_functions=True):
        """Folds constants in place: nodes whose inputs are all Constants are
        evaluated (with onnxkit's runtime) and their outputs become Constants.
        The folded nodes stay until cleanup(). The graph must be toposorted.

        fold_shapes=True: also fold Shape (and Gather/Slice of a Shape, Size)
        where the dims read are static. recurse_subgraphs=True: fold inside
        If/Loop/Scan bodies too. partitioning=None: accepted for
        compatibility (None, "basic", "recursive"); nodes are evaluated one by
        one, so a failure never spoils other nodes. error_ok=True: a node that
        cannot be evaluated is left as it is (with a logged warning); False
        raises naming it. size_threshold=None: the largest tensor, in bytes,
        to fold (None: no limit); bigger outputs are computed at run time.
        should_exclude_node=None: a function of a Node; nodes it returns True
        for are not folded. Random ops, Dropout and Quantize/DequantizeLinear
        are never folded. flatten_subgraphs=True: an If whose condition is now
        a Constant is replaced by the nodes of the branch it takes (their
        tensors renamed NAME_subg_I_BRANCH). recurse_functions is accepted and
        not done yet. Returns self."""
        if partitioning not in (None, "basic", "recursive"):
            raise OnnxGraphSurgeonException(
                "Argument for parameter 'partitioning' must be one of: [None, 'basic', 'recursive']")
        errors = _ok._fold_constants(self, fold_shapes, recurse_subgraphs, error_ok,
                                     size_threshold, should_exclude_node, flatten_subgraphs)
        if errors:
            import logging

            log = logging.getLogger("onnxkit.gs")
            for e in errors:
                log.warning("fold_constants: could not evaluate %s", e)
        return self

    def copy(self, tensor_map=None):
        """A deep copy of the graph (weights shared, nothing re-read)."""
        return self._copy()

    def subgraphs(self, recursive=False):
        for node in self.nodes:
            yield from node.subgraphs(recursive=recursive)

    def layer(self, inputs=None, outputs=None, *args, **kwargs):
        """Creates a node, adds it to this graph, and returns its output tensors.

        inputs/outputs may hold Tensors (used as they are), strings (a new Variable
        named prefix + "_" + a number), numpy arrays (a new Constant named
        "onnx_graphsurgeon_constant_N") or numbers / lists of numbers (a Constant
        "onnx_graphsurgeon_lst_constant_N", float32 if any float, else int64).
        Other arguments go to Node (op=..., attrs=..., name=..., domain=...)."""
        inputs = [] if inputs is None else inputs
        outputs = [] if outputs is None else outputs

        def process(io):
            out = []
            for elem in io:
                if isinstance(elem, _ok.Tensor):
                    out.append(elem)
                elif isinstance(elem, str):
                    out.append(Variable(name=self._unique_tensor_name(elem)))
                elif isinstance(elem, np.ndarray):
                    out.append(Constant(self._unique_tensor_name("onnx_graphsurgeon_constant"),
                                        values=elem))
                elif isinstance(elem, (list, tuple, numbers.Number)):
                    if isinstance(elem, (list, tuple)):
                        dtype = np.float32 if any(isinstance(x, float) for x in elem) else np.int64
                    else:
                        dtype = np.float32 if isinstance(elem, float) else np.int64
                    out.append(Constant(self._unique_tensor_name("onnx_graphsurgeon_lst_constant"),
                                        values=np.array(elem, dtype=dtype)))
                else:
                    raise OnnxGraphSurgeonException(
                        "Unrecognized type passed to Graph.layer: {:}.\n"
                        "\tHint: Did you forget to unpack a list with `*`?\n"
                        "\tPlease use Tensors, strings, or NumPy arrays.".format(elem))
            return out

        inputs = process(inputs)
        outputs = process(outputs)
        if "name" not in kwargs:
            kwargs["name"] = self._unique_node_name("onnx_graphsurgeon_node")
        node = Node(*args, **kwargs, inputs=inputs, outputs=outputs)
        self.nodes.append(node)
        return node.outputs

    def __str__(self):
        nodes = self.nodes
        ret = "Graph {:} (Opset {:})".format(self.name, _ok.Graph.opset.__get__(self))
        ret += "\nInputs: {:}".format(list(self.inputs))
        ret += "\nNodes: [{:} nodes]".format(len(nodes))
        ret += "\nOutputs: {:}".format(list(self.outputs))
        return ret

    __repr__ = __str__


class _OpsetId(_Record):
    _fields = ("domain", "version")


_ok._set_classes(graph=Graph, node=Node, variable=Variable, constant=Constant)


# ---------------------------------------------------------------- import / export


def import_onnx(model):
    """A Graph from an onnx.ModelProto (serialized and read by onnxkit's own codec)
    or an onnxkit Model (used in place). Graph inputs that are initializers
    become Constants and leave graph.inputs, as in onnx-graphsurgeon."""
    if isinstance(model, _ok.Model):
        m = model
    elif hasattr(model, "SerializeToString"):
        m = _ok.load_from_bytes(model.SerializeToString())
    else:
        raise TypeError("import_onnx expects an onnx.ModelProto or an onnxkit.Model, got {:}"
                        .format(type(model).__name__))
    graph = m.graph
    graph._drop_initializer_inputs()
    return graph


def export_onnx(graph, do_type_check=True, **kwargs):
    """The graph as an onnx.ModelProto (an onnxkit Model when `onnx` is not
    installed). Only Constants the graph uses are written; with do_type_check
    (default True) a graph input or output without a dtype raises."""
    data = graph._export_bytes(do_type_check)
    try:
        import onnx
    except ImportError:
        return _ok.load_from_bytes(data)
    return onnx.ModelProto.FromString(data)


def export_model(graph, do_type_check=True):
    """export_onnx() without leaving onnxkit: the graph's onnxkit Model with
    export's rules applied (only Constants the graph uses become
    initializers; typed intermediate tensors go to value_info), ready for
    onnxkit.save(). Nothing is serialized; a top graph's model is the same
    object it was imported as, a subgraph gets a model of its own."""
    return graph._export_model(do_type_check)


__all__ = ["Constant", "Graph", "Node", "OnnxGraphSurgeonException", "Tensor", "Variable",
           "export_model", "export_onnx", "import_onnx"]
