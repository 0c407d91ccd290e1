#!/usr/bin/env bash
# Viewer benchmark: `onnxkit view` to a usable page in chromium, and frame
# times while panning and zooming (bench/view_bench.mjs has the details).
#
#   bench/run_view.sh [MODELS...]   (default: the built-in example, and
#                                    resnet50, bert, wide_graph from /work/zoo)
#
# Needs /usr/bin/chromium and tests/browser/node_modules (tests/browser/run.sh
# or `npm ci` there installs it). Environment: ONNXKIT_BUILD (default build),
# ONNXKIT_ZOO (default /work/zoo), ONNXKIT_BENCH_REPEATS (default 3).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ONNXKIT_BUILD:-$root/build}
zoo=${ONNXKIT_ZOO:-/work/zoo}
out=$root/bench/out/view
mkdir -p "$out"
if [[ ! -d $root/tests/browser/node_modules/playwright-core ]]; then
  (cd "$root/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
models=("$@")
if ((${#models[@]} == 0)); then
  "$build/onnxkit" example foo "$out/example_foo.onnx" >/dev/null
  models=("$out/example_foo.onnx")
  for m in resnet50 bert wide_graph; do
    [[ -f $zoo/$m.onnx ]] && models+=("$zoo/$m.onnx")
  done
fi
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
node "$root/bench/view_bench.mjs" "$build/onnxkit" "$out" "${models[@]}"
