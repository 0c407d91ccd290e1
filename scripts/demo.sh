#!/usr/bin/env bash
# The main job on the built-in examples: write a model, inspect and print it,
# move its weights to an external-data file, and inspect the result.
#
#   scripts/demo.sh [OUTDIR]     (default /tmp/onnxkit-demo)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${1:-/tmp/onnxkit-demo}

bash scripts/install-deps.sh
bash scripts/build.sh release
mkdir -p "$out"

run() {
  echo "+ $*"
  "$@"
}

for name in seed foo; do
  echo
  echo "== example $name =="
  run build/onnxkit example "$name" "$out/$name.onnx"
  run build/onnxkit inspect "$out/$name.onnx"
  run build/onnxkit print "$out/$name.onnx"
  run build/onnxkit convert "$out/$name.onnx" "$out/${name}_ext.onnx" \
    --external-data "${name}_ext.bin" --size-threshold 1024
  run build/onnxkit inspect "$out/${name}_ext.onnx"
done

echo
echo "== check, infer, run =="
run build/onnxkit check "$out/seed.onnx"
run build/onnxkit check "$out/foo.onnx"   # devtech::FooOp: reported as an unknown custom op
run build/onnxkit infer "$out/seed.onnx" "$out/seed_inferred.onnx"
run build/onnxkit inspect --shapes "$out/seed_inferred.onnx"
run build/onnxkit run "$out/seed.onnx" --input input=random --dim N=2 --output-dir "$out/seed_out"

echo
echo "== give the custom op a kernel: the example plug-in (examples/custom-op) =="
run build/onnxkit check "$out/foo.onnx" --strict --custom-ops build/libdevtech_ops.so  # FooOp now known
if build/onnxkit run "$out/foo.onnx" --input input=random 2>"$out/no_kernel.txt"; then exit 1; fi
echo "without a kernel (expected): $(cat "$out/no_kernel.txt")"
run build/onnxkit run "$out/foo.onnx" --input input=random --dim N=1 --custom-ops build/libdevtech_ops.so \
  --output-dir "$out/foo_out"

echo
echo "== remove the custom op, as the GraphSurgeon recipe does =="
run build/onnxkit edit "$out/foo.onnx" "$out/foo_removed.onnx" --bypass op=devtech::FooOp
run build/onnxkit inspect "$out/foo_removed.onnx"
run build/onnxkit run "$out/foo_removed.onnx" --input input=random --dim N=1 --compare-to "$out/foo_out"
