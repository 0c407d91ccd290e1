#!/usr/bin/env bash
# IR reader benchmark: reading a model into the IR, as the CLI process and
# as Python's onnxkit.load().
#
#   bench/run_ir_read.sh [BUILD_DIR] [REPEATS]
#
# BUILD_DIR defaults to build/ (its onnxkit and python/ package); REPEATS to 10.
# - `onnxkit check` and `onnxkit inspect` of the zoo's wide_graph.onnx (100k
#   nodes, a value_info per tensor; $ONNXKIT_ZOO or /work/zoo, made by
#   bench/run_convert.sh or ../shared/models/zoo.py): mean wall, CPU and page
#   faults over REPEATS processes (perf stat), and the instructions of one
#   `inspect` process under callgrind (independent of machine load; skipped
#   without valgrind).
# - onnxkit.load() of bench/gen_graph.py graphs of 100k and 300k nodes, sorted
#   and shuffled (made once in $ONNXKIT_BENCH_SCRATCH, default
#   /dev/shm/onnxkit-irbench): best of REPEATS loads in one process.
# ONNXKIT_HUGE_PAGES=1 bench/run_ir_read.sh times the CLI with its (opt-in)
# huge-page heap (src/cli/huge_page_heap.h); run both on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
repeats=${2:-10}
wide=${ONNXKIT_ZOO:-/work/zoo}/wide_graph.onnx
scratch=${ONNXKIT_BENCH_SCRATCH:-/dev/shm/onnxkit-irbench}
[[ -f $wide ]] || { echo "run_ir_read: $wide not found (bench/run_convert.sh makes it)" >&2; exit 1; }
mkdir -p "$scratch"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg);" \
  "$build (source at $(git -C "$build/.." rev-parse --short HEAD 2>/dev/null || echo '?'))"

for cmd in check inspect; do
  if command -v perf >/dev/null; then
    perf stat -r "$repeats" -e task-clock,page-faults -x, -o "$scratch/stat.csv" \
      "$build/onnxkit" "$cmd" "$wide" >/dev/null || true
    awk -F, -v cmd="$cmd" '
      $3 == "task-clock" { cpu = $1 }
      $3 == "page-faults" { faults = $1 }
      END { printf "onnxkit %s wide_graph: CPU %.3f s, %d page faults (mean of runs)\n", cmd, cpu / 1000, faults }
    ' "$scratch/stat.csv"
  fi
  best=
  for _ in $(seq "$repeats"); do
    s=$( { /usr/bin/time -f %e "$build/onnxkit" "$cmd" "$wide" >/dev/null; } 2>&1 | tail -1)
    best=$(awk -v a="$s" -v b="${best:-$s}" 'BEGIN { print (a < b ? a : b) }')
  done
  echo "onnxkit $cmd wide_graph: best wall $best s of $repeats"
done

if command -v valgrind >/dev/null; then
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$build/onnxkit" inspect "$wide" \
    2>&1 >/dev/null | sed -n 's/.*refs: *\([0-9,]*\).*/onnxkit inspect wide_graph: \1 instructions (callgrind)/p'
fi

for n in 100000 300000; do
  for order in sorted shuffled; do
    f=$scratch/g${n}_$order.onnx
    flag=()
    [[ $order == sorted ]] && flag=(--no-shuffle)
    [[ -f $f ]] || /usr/bin/python3 "$root/bench/gen_graph.py" "$n" "$f" "${flag[@]}" >/dev/null
    PYTHONPATH=$build/python /usr/bin/python3 - "$f" "$repeats" <<'PY'
import sys, time
import onnxkit
path, repeats = sys.argv[1], int(sys.argv[2])
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    model = onnxkit.load(path)
    best = min(best, time.perf_counter() - t)
    del model
print("onnxkit.load %s: best %.4f s of %d" % (path.rsplit("/", 1)[-1], best, repeats))
PY
  done
done
