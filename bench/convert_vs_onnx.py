#!/usr/bin/python3
"""Load + save one ONNX model with python3-onnx and with `onnxkit convert`; compare.

Usage: /usr/bin/python3 bench/convert_vs_onnx.py MODEL [--onnxkit BIN] [--repeats N]
                                                 [--skip-onnxkit] [--no-header]

Each side runs in its own process under `/usr/bin/time -f '%e %M'`, so the numbers
include interpreter / program start-up, as a user running the tool sees them:

  onnx     /usr/bin/python3 -c 'onnx.load(MODEL); onnx.save(model, OUT, ...)'
           (when MODEL keeps its weights in external data, the copy does too:
           save_as_external_data=True, all_tensors_to_one_file=True,
           location=NAME.bin, default size_threshold 1024)
  onnxkit  BIN convert MODEL OUT [--external-data NAME.bin --size-threshold 1024]

Wall time is measured around each process with a monotonic clock (milliseconds;
/usr/bin/time's %e has only 10 ms resolution); peak RSS is /usr/bin/time's %M.
Each side runs --repeats times (default 3); the median is reported. Outputs are
written to a scratch directory (default: a fresh one under /tmp, on the same
disk as /work here) that is emptied before each run; the input files are read
once before the first run: onnx.save appends to an
existing external-data file instead of replacing it.

Prints one markdown table row (after the header unless --no-header):
  | model | onnx s | onnx peak MiB | onnxkit s | onnxkit peak MiB | speed × | memory × |
where speed × = onnx time / onnxkit time and memory × = onnx peak / onnxkit peak
(above 1: onnxkit is faster / smaller). Per-run details, including the load and
save split measured inside the Python process, go to stderr.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TIME_BIN = "/usr/bin/time"

# Runs in the child interpreter: argv = MODEL OUT LOCATION-or-empty.
ONNX_SNIPPET = r"""
import json, sys, time
t0 = time.perf_counter()
import onnx
t1 = time.perf_counter()
model = onnx.load(sys.argv[1])
t2 = time.perf_counter()
kw = {}
if sys.argv[3]:
    kw = dict(save_as_external_data=True, all_tensors_to_one_file=True, location=sys.argv[3])
onnx.save(model, sys.argv[2], **kw)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "save_s": t3 - t2}))
"""


def external_data_files(path):
    """Names of the external-data files MODEL refers to (empty: weights are inline)."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    model = onnx.load(path, load_external_data=False)
    files = set()

    def tensors_of_graph(g):
        yield from g.initializer
        for s in g.sparse_initializer:
            yield s.values
            yield s.indices
        for node in g.node:
            yield from tensors_of_node(node)

    def tensors_of_node(node):
        for a in node.attribute:
            if a.HasField("t"):
                yield a.t
            yield from a.tensors
            if a.HasField("g"):
                yield from tensors_of_graph(a.g)
            for sg in a.graphs:
                yield from tensors_of_graph(sg)

    def all_tensors():
        yield from tensors_of_graph(model.graph)
        for f in model.functions:
            for node in f.node:
                yield from tensors_of_node(node)

    for t in all_tensors():
        if uses_external_data(t):
            files.update(kv.value for kv in t.external_data if kv.key == "location")
    return sorted(files)


def read_once(paths):
    """Read the input files once, so that the first measured run (python3-onnx's)
    does not pay for a cold page cache that the later ones no longer see."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def dir_size(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


def measure(cmd, scratch):
    """Run cmd under /usr/bin/time in an emptied scratch dir.

    Returns (wall seconds, peak RSS MiB, child stdout, bytes written)."""
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        proc = subprocess.run([TIME_BIN, "-o", tf.name, "-f", "%e %M"] + cmd,
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"command failed (exit {proc.returncode}): {' '.join(cmd)}\n"
                     f"{proc.stdout}{proc.stderr}")
        # the last line: earlier ones can be 'Command exited with non-zero status'
        _, rss_kb = tf.read().strip().splitlines()[-1].split()
    return wall, int(rss_kb) / 1024, proc.stdout, dir_size(scratch)


def run_side(name, cmd, repeats, scratch):
    walls, rsss = [], []
    for i in range(repeats):
        wall, rss, out, written = measure(cmd, scratch)
        walls.append(wall)
        rsss.append(rss)
        extra = ""
        if out.strip().startswith("{"):
            split = json.loads(out.strip().splitlines()[-1])
            extra = "  " + "  ".join(f"{k} {v:.3f}" for k, v in split.items())
        print(f"  {name} run {i + 1}: {wall:.3f} s  peak {rss:.0f} MiB  "
              f"wrote {written / 2**20:.1f} MiB{extra}", file=sys.stderr, flush=True)
    return statistics.median(walls), statistics.median(rsss)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--onnxkit", default="build/onnxkit", help="onnxkit binary (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per side (default %(default)s)")
    ap.add_argument("--skip-onnxkit", action="store_true", help="measure python3-onnx only")
    ap.add_argument("--scratch", help="directory for the outputs (default: a new one under /tmp)")
    ap.add_argument("--no-header", action="store_true", help="print the table row only")
    args = ap.parse_args(argv)

    if not os.path.exists(TIME_BIN):
        sys.exit(f"{TIME_BIN} is missing: apt-get install time")
    model = os.path.abspath(args.model)
    stem = os.path.splitext(os.path.basename(model))[0]
    ext = external_data_files(model)
    location = stem + ".bin" if ext else ""
    print(f"{stem}: external data {ext or 'none'}", file=sys.stderr)
    read_once([model] + [os.path.join(os.path.dirname(model), e) for e in ext])

    own_scratch = args.scratch is None
    root = args.scratch or tempfile.mkdtemp(prefix="onnxkit-bench-")
    scratch = os.path.join(root, "out")
    out = os.path.join(scratch, stem + ".onnx")
    try:
        onnx_t, onnx_m = run_side(
            "onnx", [sys.executable, "-c", ONNX_SNIPPET, model, out, location],
            args.repeats, scratch)
        kit_t = kit_m = None
        if not args.skip_onnxkit:
            cmd = [os.path.abspath(args.onnxkit), "convert", model, out]
            if ext:
                cmd += ["--external-data", location, "--size-threshold", "1024"]
            kit_t, kit_m = run_side("onnxkit", cmd, args.repeats, scratch)
    finally:
        shutil.rmtree(scratch if not own_scratch else root, ignore_errors=True)

    def fmt(v, spec):
        return "–" if v is None else format(v, spec)

    if not args.no_header:
        print("| model | onnx s | onnx peak MiB | onnxkit s | onnxkit peak MiB | speed × | memory × |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {stem} | {onnx_t:.2f} | {onnx_m:.0f} | {fmt(kit_t, '.2f')} | {fmt(kit_m, '.0f')} | "
          f"{fmt(kit_t and onnx_t / kit_t, '.1f')} | {fmt(kit_m and onnx_m / kit_m, '.1f')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
