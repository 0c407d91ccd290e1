#!/usr/bin/python3
"""Session creation and latency with and without graph optimizations
(`onnxkit bench --optimize 0|1 --json`), as a markdown table.

Usage: bench/session_opt.py [MODEL.onnx ...] [--onnxkit BIN] [--runs R] [--warmup W] [--batch B]

Without models it uses the zoo (/work/zoo or $ONNXKIT_ZOO: resnet50, mobilenet_v2,
bert, wide_graph) and the seed models exported by ../shared/models/seed_models.py
into a temporary folder (model_bn.onnx keeps its BatchNormalization nodes).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(binary, model, level, args):
    cmd = [binary, "bench", model, "--json", "--optimize", str(level), "--runs", str(args.runs),
           "--warmup", str(args.warmup), "--batch", str(args.batch)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def default_models(tmp):
    zoo = os.environ.get("ONNXKIT_ZOO", "/work/zoo")
    models = [os.path.join(zoo, f"{m}.onnx") for m in ("resnet50", "mobilenet_v2", "bert", "wide_graph")]
    seed = os.path.join(os.path.dirname(REPO), "shared", "models", "seed_models.py")
    if os.path.exists(seed):
        subprocess.run(["/usr/bin/python3", seed, tmp], check=True, capture_output=True, timeout=600)
        models = [os.path.join(tmp, "model.onnx"), os.path.join(tmp, "model_bn.onnx")] + models
    return [m for m in models if os.path.exists(m)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--onnxkit", default=os.path.join(REPO, "build", "onnxkit"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--batch", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models = args.models or default_models(tmp)
        print("| model | nodes (O0 → O1) | session O0 / O1 | min O0 / O1 | median O0 / O1 | peak RSS O0 / O1 |")
        print("|---|---:|---:|---:|---:|---:|")
        for m in models:
            r0, r1 = bench(args.onnxkit, m, 0, args), bench(args.onnxkit, m, 1, args)
            l0, l1 = r0["latency_ms"], r1["latency_ms"]
            print(f"| {os.path.basename(m)} | {r0['nodes']} → {r1['nodes']} | "
                  f"{r0['session_ms']:.0f} / {r1['session_ms']:.0f} ms | {l0['min']:.1f} / {l1['min']:.1f} ms | "
                  f"{l0['median']:.1f} / {l1['median']:.1f} ms | "
                  f"{r0['peak_rss_mib']:.0f} / {r1['peak_rss_mib']:.0f} MiB |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
