"""Custom-op overhead (issue #6; results in docs/benchmarks.md).

1. C++: build/onnxkit_custom_op_bench on a 1,000-node chain: built-in
   Identity vs the plug-in's devtech::FooOp (and C++ kernels).
2. Python kernels: the same chain of devtech::FooOp with a Python kernel
   (`lambda x: x`, numpy in and out) vs with the plug-in, both run through
   onnxkit._onnxkit._run_with_custom_ops (which also reads the model and makes
   the session, the same for both), in separate processes; the difference
   per node is what a Python kernel call costs over a C kernel.

    /usr/bin/python3 bench/custom_op_overhead.py [--build build] [--nodes 1000] [--repeat 15]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chain_model(path, nodes, elements):
    import onnx
    from onnx import TensorProto, helper
    names = ["x"] + [f"t{i}" for i in range(nodes)]
    graph = helper.make_graph(
        [helper.make_node("FooOp", [names[i]], [names[i + 1]], name=f"n{i}", domain="devtech") for i in range(nodes)],
        "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, elements])],
        [helper.make_tensor_value_info(names[-1], TensorProto.FLOAT, [1, elements])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("devtech", 1)]),
              path)


TIMER = textwrap.dedent("""
    import sys, time, numpy as np, onnxkit
    kind, model, plugin, repeat, elements = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    if kind == "plugin":
        onnxkit.register_custom_ops_library(plugin)
    else:
        onnxkit.register_op("devtech", "FooOp", lambda x: x)
    x = np.zeros((1, elements), np.float32)
    run = onnxkit._onnxkit._run_with_custom_ops
    run(model, {"x": x})
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run(model, {"x": x})
        times.append(time.perf_counter() - t)
    times.sort()
    print(times[len(times) // 2])
""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--elements", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    plugin = os.path.join(a.build, "libdevtech_ops.so")

    print("== C++ kernels (onnxkit_custom_op_bench) ==", flush=True)
    subprocess.run([os.path.join(a.build, "onnxkit_custom_op_bench"), plugin, "--nodes", str(a.nodes),
                    "--elements", str(a.elements)], check=True)

    print(f"\n== Python kernel vs plug-in, chain of {a.nodes} devtech::FooOp, float[1,{a.elements}] ==")
    env = dict(os.environ, PYTHONPATH=os.path.join(a.build, "python"))
    with tempfile.TemporaryDirectory() as d:
        model = os.path.join(d, "chain.onnx")
        chain_model(model, a.nodes, a.elements)
        seconds = {}
        for kind in ("plugin", "python"):
            p = subprocess.run([sys.executable, "-c", TIMER, kind, model, plugin, str(a.repeat), str(a.elements)],
                               env=env, capture_output=True, text=True, check=True)
            seconds[kind] = float(p.stdout.strip())
            print(f"{kind:8s} {seconds[kind] * 1e3:8.2f} ms per load+run (median of {a.repeat})")
        per_node = (seconds["python"] - seconds["plugin"]) / a.nodes
        print(f"a Python kernel call costs {per_node * 1e6:.2f} us more than the plug-in's")


if __name__ == "__main__":
    main()
