#!/usr/bin/python3
"""Round-trip every zoo model through `onnxkit convert` and compare with python3-onnx.

Usage: /usr/bin/python3 bench/zoo_roundtrip.py ZOO_DIR [--onnxkit BIN] [--scratch DIR]

The zoo (../shared/models/zoo.py) is about 2 GB and takes minutes to write, so
this check belongs to the benchmark run, not to every CI run. For each model it
runs `onnxkit convert` twice, streaming (the default) and through the IR
(--via-ir), and asserts that python3-onnx parses each output to a message equal
to the original's, external data included. Prints one line per model and run.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

import onnx


def models(zoo):
    found = sorted(glob.glob(os.path.join(zoo, "*.onnx")))
    found += sorted(glob.glob(os.path.join(zoo, "*", "*.onnx")))
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("zoo")
    ap.add_argument("--onnxkit", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                      "onnxkit"))
    ap.add_argument("--scratch", default=None)
    args = ap.parse_args(argv)
    paths = models(args.zoo)
    if not paths:
        print(f"zoo_roundtrip: no .onnx files under {args.zoo}", file=sys.stderr)
        return 1
    failures = 0
    for path in paths:
        original = onnx.load(path)
        for mode in ([], ["--via-ir"]):
            out_dir = tempfile.mkdtemp(dir=args.scratch, prefix="onnxkit-zoo-")
            try:
                out = os.path.join(out_dir, os.path.basename(path))
                t0 = time.perf_counter()
                subprocess.run([args.onnxkit, "convert", path, out, *mode], check=True)
                dt = time.perf_counter() - t0
                same = onnx.load(out) == original
            finally:
                shutil.rmtree(out_dir, ignore_errors=True)
            failures += not same
            label = "via-ir" if mode else "stream"
            print(f"{os.path.basename(path):24} {label:7} {'equal' if same else 'DIFFERENT':9} "
                  f"{dt:7.3f} s", flush=True)
    print(f"zoo_roundtrip: {len(paths) * 2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
