#!/usr/bin/python3
"""`onnxkit check` / `onnxkit infer` against python3-onnx, side by side, in one run.

Usage: /usr/bin/python3 bench/check_infer_vs_onnx.py MODEL... [--build DIR] [--repeats N]
                                                    [--baseline DIR]

For each MODEL, every side runs --repeats times (default 5) in its own process;
the median is reported. Two views:

  operation  the library call alone, the model already read, timed inside the
             process:
               python   onnx.checker.check_model(model, full_check=True)
                        onnx.shape_inference.infer_shapes(model, data_prop=True)
               onnxkit  check::check_model(model) / infer::infer_shapes(model)
                        (DIR/onnxkit_check_infer_timer; the built-in schemas
                        are parsed before, as `import onnx` loads python's)
  process    the whole command, start-up and reading the model included, wall
             time around the process and peak RSS from /usr/bin/time %M:
               python   python3 -c 'import onnx; m = onnx.load(MODEL); <operation>'
                        (infer also saves the inferred model, as the command
                        does: onnx.save(inferred, OUT))
               onnxkit  DIR/onnxkit check MODEL
                        DIR/onnxkit infer MODEL OUT   (OUT on /dev/shm)

--baseline DIR times another build (an older commit, built with the timer
tool) in the same loop, as extra rows "onnxkit@baseline".

Prints a markdown table (ratios above 1: onnxkit is faster / smaller) and
per-run details on stderr. The machine may be shared: run it when quiet, and
compare numbers from one run only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

TIME_BIN = "/usr/bin/time"

# Runs in the child interpreter: argv = MODEL check|infer OUT. Infer saves
# the inferred model to OUT after the timed call, as `onnxkit infer` does.
ONNX_SNIPPET = r"""
import json, sys, time
import onnx, onnx.checker, onnx.shape_inference
t0 = time.perf_counter()
model = onnx.load(sys.argv[1])
t1 = time.perf_counter()
if sys.argv[2] == "check":
    onnx.checker.check_model(model, full_check=True)
    t2 = t3 = time.perf_counter()
else:
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    t2 = time.perf_counter()
    onnx.save(inferred, sys.argv[3])
    t3 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "op_s": t2 - t1, "save_s": t3 - t2}))
"""


def timed(cmd):
    """(wall seconds, peak RSS MiB, stdout) of one process."""
    t0 = time.perf_counter()
    p = subprocess.run([TIME_BIN, "-f", "%M"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 1):  # check exits 1 on an invalid model: still timed
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024.0, p.stdout


def median(xs):
    return statistics.median(xs)


def bench_model(model, builds, repeats, scratch):
    """Rows per (op, build): python's numbers, and each build's."""
    out = os.path.join(scratch, "out.onnx")
    rows = {}
    for op in ("check", "infer"):
        py_wall, py_rss, py_op, py_load = [], [], [], []
        ok = {b: ([], []) for b in builds}
        for r in range(repeats):
            wall, rss, stdout = timed(["/usr/bin/python3", "-c", ONNX_SNIPPET, model, op,
                                       os.path.join(scratch, "out_python.onnx")])
            if not stdout.strip():
                sys.exit(f"python3-onnx failed on {model} ({op}); is it valid? (a graph from "
                         "bench/gen_graph.py needs --no-shuffle: onnx.checker wants sorted nodes)")
            inner = json.loads(stdout.strip().splitlines()[-1])
            py_wall.append(wall)
            py_rss.append(rss)
            py_op.append(inner["op_s"])
            py_load.append(inner["load_s"])
            line = (f"{os.path.basename(model)} {op} run {r}: python {py_wall[-1]:.3f} s "
                    f"(load {py_load[-1]:.3f}, op {py_op[-1]:.3f}) {py_rss[-1]:.0f} MiB")
            for b in builds:
                cli = os.path.join(b, "onnxkit")
                cmd = [cli, "check", model] if op == "check" else [cli, "infer", model, out]
                wall, rss, _ = timed(cmd)
                ok[b][0].append(wall)
                ok[b][1].append(rss)
                line += f"; {b}: {wall:.3f} s {rss:.0f} MiB"
            print(line, file=sys.stderr)
        for b in builds:
            rows[(op, b)] = dict(py_wall=median(py_wall), py_rss=median(py_rss), py_op=median(py_op),
                                 py_load=median(py_load), ok_wall=median(ok[b][0]), ok_rss=median(ok[b][1]))
    # Operation times, timed like python's: one call per fresh process (a
    # later call in the same process would reuse the heap an earlier one
    # freed and skip its page faults), the median of --repeats processes.
    for b in builds:
        for op in ("check", "infer"):
            ok_ops = []
            for _ in range(repeats):
                p = subprocess.run([os.path.join(b, "onnxkit_check_infer_timer"), model,
                                    "--repeats", "1", "--only", op],
                                   capture_output=True, text=True, check=True)
                ok_ops.append(json.loads(p.stdout))
                print(f"{os.path.basename(model)} {b} {op} in-process: {p.stdout.strip()}", file=sys.stderr)
            rows[(op, b)]["ok_op"] = median([o[f"{op}_s"] for o in ok_ops])
            rows[(op, b)]["ok_read"] = median([o["read_s"] for o in ok_ops])
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--baseline", help="another build to time in the same loop")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    builds = [args.build] + ([args.baseline] if args.baseline else [])
    scratch = tempfile.mkdtemp(prefix="onnxkit-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    print("| model | op | build | python op s | onnxkit op s | op × | python process s | onnxkit process s "
          "| process × | python peak MiB | onnxkit peak MiB | memory × |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model in args.models:
        rows = bench_model(model, builds, args.repeats, scratch)
        name = os.path.splitext(os.path.basename(model))[0]
        for (op, b), r in rows.items():
            label = "this" if b == args.build else "baseline"
            print(f"| {name} | {op} | {label} | {r['py_op']:.3f} | {r['ok_op']:.4f} | {r['py_op'] / r['ok_op']:.1f} "
                  f"| {r['py_wall']:.2f} | {r['ok_wall']:.2f} | {r['py_wall'] / r['ok_wall']:.1f} "
                  f"| {r['py_rss']:.0f} | {r['ok_rss']:.0f} | {r['py_rss'] / r['ok_rss']:.1f} |", flush=True)
        r = rows[("check", args.build)]
        print(f"<!-- {name}: python onnx.load {r['py_load']:.3f} s; onnxkit read {r['ok_read']:.3f} s -->",
              flush=True)


if __name__ == "__main__":
    main()
