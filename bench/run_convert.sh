#!/usr/bin/env bash
# Load+save benchmark, python3-onnx vs `onnxkit convert`, on the zoo models
# big_weights (1.5 GiB external data) and wide_graph (100,000 nodes).
#
#   bench/run_convert.sh [ZOO_DIR] [convert_vs_onnx.py options...]
#
# ZOO_DIR defaults to $ONNXKIT_ZOO or /work/zoo; missing models are generated
# there with ../shared/models/zoo.py (about 30 s, 4.7 GiB peak memory, 1.6 GiB disk).
# Outputs go to $ONNXKIT_BENCH_SCRATCH (default /dev/shm/onnxkit-bench, a tmpfs):
# writing 1.5 GiB to the VM's disk made big_weights vary 5-14 s run to run, and
# the comparison is about the tools, not the disk. Set it to a disk path to see
# what users see.
# Example: bench/run_convert.sh /work/zoo --skip-onnxkit --repeats 5
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
zoo=${1:-${ONNXKIT_ZOO:-/work/zoo}}
(($# > 0)) && shift

declare -A path=(
  [big_weights]=$zoo/big_weights/big_weights.onnx
  [wide_graph]=$zoo/wide_graph.onnx
)
missing=()
for m in big_weights wide_graph; do
  [[ -f ${path[$m]} ]] || missing+=("$m")
done
if ((${#missing[@]})); then
  zoo_py=${ONNXKIT_SHARED:-$root/../shared}/models/zoo.py
  [[ -f $zoo_py ]] || { echo "run_convert: $zoo_py not found (set ONNXKIT_SHARED)" >&2; exit 1; }
  missing_csv=$(IFS=,; echo "${missing[*]}")
  echo "run_convert: generating $missing_csv into $zoo" >&2
  /usr/bin/python3 "$zoo_py" "$zoo" --only "$missing_csv" >&2
fi

scratch=${ONNXKIT_BENCH_SCRATCH:-/dev/shm/onnxkit-bench}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
  "python3-onnx $(/usr/bin/python3 -c 'import onnx; print(onnx.__version__)'); outputs in $scratch"
header=()
for m in big_weights wide_graph; do
  /usr/bin/python3 "$root/bench/convert_vs_onnx.py" "${path[$m]}" --scratch "$scratch" "${header[@]}" "$@"
  header=(--no-header)
done
rmdir "$scratch" 2>/dev/null || true
