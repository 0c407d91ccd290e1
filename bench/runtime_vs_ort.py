#!/usr/bin/python3
"""onnxkit's runtime side by side with ONNX Runtime 1.30 (onnxruntime-node).

Usage: /usr/bin/python3 bench/runtime_vs_ort.py [--zoo DIR] [--models m1,...] [--batches 1,8]
           [--threads 1,2] [--runs R] [--warmup W] [--reference] [--json OUT] [--markdown OUT]

One command runs everything: it exports the seed model (<shared>/models/
seed_models.py, else `onnxkit example seed`), installs onnxruntime-node into
bench/ort/node_modules when missing (npm, ONNXRUNTIME_NODE_INSTALL=skip: the
CPU build ships in the package), then for every model, batch and thread
count runs, each in a fresh process:

  onnxkit   build/onnxkit_runtime_bench (bench/runtime_bench.cpp): fast kernels
  reference the same with --reference (only with --reference: slow)
  ort       node bench/ort/ort_bench.js (intraOpNumThreads = threads)

and prints a Markdown table: median latency, ratio onnxkit / ORT (below 1:
onnxkit is faster), CPU time per run (all threads; on a shared machine the
wall time also counts waiting for a core), session-creation time (onnxkit:
reading the file + Session; ORT: InferenceSession.create, which does both)
and peak RSS. Inputs are random
normal float32; symbolic dims other than the batch: S = 128 (bert).
onnxkit runs with OMP_WAIT_POLICY=PASSIVE unless the environment sets it
(oneDNN's OpenMP threads otherwise spin between kernels).
Models: seed, resnet50, mobilenet_v2, bert (from --zoo, default
$ONNXKIT_ZOO or /work/zoo; missing ones are skipped with a note).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_DIR = os.path.join(REPO, "bench", "ort")
BENCH = os.path.join(REPO, "build", "onnxkit_runtime_bench")
ONNXKIT = os.path.join(REPO, "build", "onnxkit")
SHARED = os.environ.get("ONNXKIT_SHARED", os.path.join(os.path.dirname(REPO), "shared"))
OTHER_DIMS = {"S": 128}


def input_shapes(path, batch):
    """{input name: dims} with the first symbolic dim = batch (python3-onnx reads the graph)."""
    import onnx

    m = onnx.load(path, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    shapes = {}
    for i in m.graph.input:
        if i.name in inits:
            continue
        dims = []
        for k, d in enumerate(i.type.tensor_type.shape.dim):
            if d.HasField("dim_value"):
                dims.append(d.dim_value)
            else:
                dims.append(batch if k == 0 else OTHER_DIMS.get(d.dim_param, 1))
        shapes[i.name] = dims
    return shapes


def seed_model(tmp):
    script = os.path.join(SHARED, "models", "seed_models.py")
    if os.path.exists(script):
        subprocess.run(["/usr/bin/python3", script, tmp], check=True, capture_output=True, timeout=600)
        return os.path.join(tmp, "model.onnx")
    path = os.path.join(tmp, "seed.onnx")
    subprocess.run([ONNXKIT, "example", "seed", path], check=True, capture_output=True)
    return path


def ensure_ort():
    if os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")):
        return
    env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=ORT_DIR, env=env, check=True)


def run_json(cmd, timeout=3600, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if p.returncode != 0:
        return {"error": (p.stderr or p.stdout).strip().splitlines()[-1:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def versions():
    v = {"machine": platform.machine(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    v["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node", "package.json")) as f:
            v["onnxruntime-node"] = json.load(f)["version"]
    except OSError:
        pass
    v["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    dnnl = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libdnnl2"], capture_output=True, text=True)
    v["libdnnl2"] = dnnl.stdout.strip()
    v["onnxkit"] = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                  text=True).stdout.strip()
    return v


def fmt_ms(r):
    return f"{r['median_ms']:.1f}" if "median_ms" in r else "error"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zoo", default=os.environ.get("ONNXKIT_ZOO", "/work/zoo"))
    ap.add_argument("--models", default="seed,resnet50,mobilenet_v2,bert")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reference", action="store_true", help="also time the reference kernels (slow)")
    ap.add_argument("--json", help="write every measurement here")
    ap.add_argument("--markdown", help="write the table here too")
    args = ap.parse_args(argv)
    if not os.access(BENCH, os.X_OK):
        sys.exit(f"runtime_vs_ort: {BENCH} not built (cmake --build build --target onnxkit_runtime_bench)")
    ensure_ort()
    info = versions()
    # oneDNN threads through OpenMP; libgomp's default spin-waiting starves
    # the other threads on a loaded 2-core machine (10-100x slower runs with
    # 2 threads), so onnxkit runs with passive waiting unless told otherwise.
    omp_env = dict(os.environ)
    omp_env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    info["OMP_WAIT_POLICY (onnxkit)"] = omp_env["OMP_WAIT_POLICY"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="onnxkit-vs-ort-") as tmp:
        paths = {}
        for name in args.models.split(","):
            if name == "seed":
                paths[name] = seed_model(tmp)
            else:
                p = os.path.join(args.zoo, name + ".onnx")
                if os.path.exists(p):
                    paths[name] = p
                else:
                    print(f"{name}: {p} missing, skipped (write it with <shared>/models/zoo.py)", flush=True)
        for name, path in paths.items():
            for batch in (int(b) for b in args.batches.split(",")):
                shapes = input_shapes(path, batch)
                dims = []
                for k, v in OTHER_DIMS.items():
                    dims += ["--dim", f"{k}={v}"]
                for threads in (int(t) for t in args.threads.split(",")):
                    runs = ["--runs", str(args.runs), "--warmup", str(args.warmup)]
                    ok = run_json([BENCH, path, "--batch", str(batch), "--threads", str(threads)] + dims + runs,
                                  env=omp_env)
                    ref = None
                    if args.reference:
                        ref = run_json([BENCH, path, "--batch", str(batch), "--threads", str(threads), "--reference",
                                        "--runs", "3", "--warmup", "1"] + dims, env=omp_env)
                    shape_args = []
                    for n, d in shapes.items():
                        shape_args += ["--shape", n + "=" + ",".join(map(str, d))]
                    ort = run_json(["node", os.path.join(ORT_DIR, "ort_bench.js"), path, "--threads", str(threads)]
                                   + shape_args + runs)
                    row = {"model": name, "batch": batch, "threads": threads, "onnxkit": ok, "ort": ort}
                    if ref is not None:
                        row["reference"] = ref
                    rows.append(row)
                    ratio = (ok["median_ms"] / ort["median_ms"]) if "median_ms" in ok and "median_ms" in ort else None
                    print(f"{name} b{batch} t{threads}: onnxkit {fmt_ms(ok)} ms, ort {fmt_ms(ort)} ms"
                          + (f", ratio {ratio:.2f}" if ratio else "")
                          + (f", reference {fmt_ms(ref)} ms" if ref else ""), flush=True)
    lines = [
        "| model | batch | threads | onnxkit median ms | ORT median ms | onnxkit / ORT | "
        "CPU ms per run onnxkit / ORT | CPU onnxkit / ORT | "
        + ("reference ms | fast speedup | " if args.reference else "")
        + "create ms onnxkit / ORT | peak RSS MiB onnxkit / ORT |",
        "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if args.reference else "") + "---:|---:|",
    ]
    for r in rows:
        ok, ort = r["onnxkit"], r["ort"]
        ratio = f"{ok['median_ms'] / ort['median_ms']:.2f}" if "median_ms" in ok and "median_ms" in ort else "-"
        extra = ""
        if args.reference:
            ref = r["reference"]
            speed = f"{ref['median_ms'] / ok['median_ms']:.1f}x" if "median_ms" in ref and "median_ms" in ok else "-"
            extra = f"{fmt_ms(ref)} | {speed} | "
        cpu = f"{ok.get('cpu_ms_per_run', 0):.1f} / {ort.get('cpu_ms_per_run', 0):.1f}"
        cpu_ratio = (f"{ok['cpu_ms_per_run'] / ort['cpu_ms_per_run']:.2f}"
                     if ok.get("cpu_ms_per_run") and ort.get("cpu_ms_per_run") else "-")
        create = f"{ok.get('load_ms', 0) + ok.get('create_ms', 0):.0f} / {ort.get('create_ms', 0):.0f}"
        rss = f"{ok.get('peak_rss_kb', 0) / 1024:.0f} / {ort.get('peak_rss_kb', 0) / 1024:.0f}"
        lines.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {fmt_ms(ok)} | {fmt_ms(ort)} | {ratio} | "
                     f"{cpu} | {cpu_ratio} | {extra}{create} | {rss} |")
    table = "\n".join(lines)
    print()
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"versions": info, "rows": rows}, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
