#!/usr/bin/env bash
# Graph-editing benchmark, onnxkit vs onnx-graphsurgeon, side by side.
#
#   bench/run_gs.sh [SIZES...]        (default: 10000 100000 300000)
#
# For each size N and node order: generate a graph of N nodes
# (bench/gen_graph.py: ~20 % dead nodes, Constant nodes, small initializers)
# into the scratch folder, then run bench/gs_pipeline.py once per
# implementation, each in a process of its own: load, import, toposort,
# cleanup, export, save. Prints a markdown table (steps, total, peak RSS,
# ratios to onnx-graphsurgeon).
#
# Node orders: "sorted" is topological order, as exporters write files;
# "shuffled" is a random permutation (toposort has to reorder everything,
# and every walk over the graph hits memory in random order).
#
# Environment:
#   ONNXKIT_BUILD           build folder with python/onnxkit (default build)
#   ONNXKIT_GS_PYTHONPATH   PYTHONPATH under which `import onnx_graphsurgeon`
#                           works; without a working import the comparison
#                           is skipped (onnxkit rows only)
#   ONNXKIT_BENCH_SCRATCH   models and outputs (default /dev/shm/onnxkit-gsbench)
#   ONNXKIT_BENCH_REPEATS   fresh processes per onnxkit pipeline, the median
#                           kept (default 3; onnx-graphsurgeon runs once, in
#                           one fresh process)
#   ONNXKIT_BENCH_ORDERS    node orders to run (default "sorted shuffled")
#   ONNXKIT_BENCH_DROPIN=0  skip the onnxkit drop-in variant (onnx.load +
#                           gs.import_onnx(ModelProto) ... gs.export_onnx + onnx.save)
#   ONNXKIT_BENCH_CLI=0     skip the C++ row (`onnxkit edit IN OUT --toposort --cleanup`)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ONNXKIT_BUILD:-$root/build}
[[ $build = /* ]] || build=$root/$build
scratch=${ONNXKIT_BENCH_SCRATCH:-/dev/shm/onnxkit-gsbench}
repeats=${ONNXKIT_BENCH_REPEATS:-3}
sizes=("$@")
((${#sizes[@]})) || sizes=(10000 100000 300000)
py=/usr/bin/python3
mkdir -p "$scratch"
results=$scratch/results.jsonl
: >"$results"

[[ -f $build/python/onnxkit/__init__.py ]] || { echo "run_gs: no $build/python/onnxkit (build first, or set ONNXKIT_BUILD)" >&2; exit 1; }
okpath=$build/python

have_gs=0
if PYTHONPATH=${ONNXKIT_GS_PYTHONPATH:-} $py -c 'import onnx_graphsurgeon' 2>/dev/null; then
  have_gs=1
  gsver=$(PYTHONPATH=${ONNXKIT_GS_PYTHONPATH:-} $py -c 'import onnx_graphsurgeon as g; print(g.__version__)' 2>/dev/null)
else
  echo "run_gs: onnx_graphsurgeon is not importable (set ONNXKIT_GS_PYTHONPATH); onnxkit only" >&2
fi

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo "+changes" || true)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
  "python3-onnx $($py -c 'import onnx; print(onnx.__version__)');" \
  "onnx-graphsurgeon ${gsver:-not available}; onnxkit $commit$dirty; scratch $scratch"

# One onnxkit pipeline per fresh process, $repeats processes, the median kept:
# timed like onnx-graphsurgeon's single run (a process's first load pays its
# page faults; repeats inside one process would reuse the heap freed before).
fresh_processes() {  # IMPL OUT
  local runs=$scratch/runs.jsonl
  : >"$runs"
  for ((i = 0; i < repeats; i++)); do
    PYTHONPATH=$okpath $py "$root/bench/gs_pipeline.py" "$model" --impl "$1" --out "$2" >>"$runs"
  done
  $py "$root/bench/gs_pipeline.py" --median "$runs" | tee -a "$results" >&2
}

read -r -a orders <<<"${ONNXKIT_BENCH_ORDERS:-sorted shuffled}"
for order in "${orders[@]}"; do
  case $order in
    sorted) genflag=(--no-shuffle) ;;
    shuffled) genflag=() ;;
    *) echo "run_gs: unknown order '$order' (sorted, shuffled)" >&2; exit 2 ;;
  esac
  for n in "${sizes[@]}"; do
    tag=${order}_$n
    model=$scratch/$tag.onnx
    [[ -f $model ]] || $py "$root/bench/gen_graph.py" "$n" "$model" "${genflag[@]}"
    cat "$model" >/dev/null  # warm page cache for every implementation alike
    if ((have_gs)); then
      PYTHONPATH=$ONNXKIT_GS_PYTHONPATH $py "$root/bench/gs_pipeline.py" "$model" --impl gs \
        --out "$scratch/out_gs_$tag.onnx" | tee -a "$results" >&2
    fi
    fresh_processes onnxkit "$scratch/out_onnxkit_$tag.onnx"
    if [[ ${ONNXKIT_BENCH_DROPIN:-1} != 0 ]]; then
      fresh_processes onnxkit-dropin "$scratch/out_dropin_$tag.onnx"
    fi
    if [[ ${ONNXKIT_BENCH_CLI:-1} != 0 ]]; then
      $py "$root/bench/gs_pipeline.py" "$model" --impl cli --onnxkit "$build/onnxkit" \
        --repeats "$repeats" --out "$scratch/out_cli_$tag.onnx" | tee -a "$results" >&2
    fi
    if ((have_gs)); then  # same graph out of both?
      $py "$root/bench/gs_pipeline.py" --compare "$scratch/out_gs_$tag.onnx" "$scratch/out_onnxkit_$tag.onnx" >&2
      if [[ ${ONNXKIT_BENCH_CLI:-1} != 0 ]]; then
        $py "$root/bench/gs_pipeline.py" --compare "$scratch/out_gs_$tag.onnx" "$scratch/out_cli_$tag.onnx" >&2
      fi
    fi
  done
done
echo
$py "$root/bench/gs_pipeline.py" --table "$results"
