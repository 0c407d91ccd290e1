#!/usr/bin/env bash
# Configure and build onnxkit with CMake + Ninja (+ ccache when installed).
#
#   scripts/build.sh [release|asan|fuzz] [extra cmake -D arguments...]
#
#   release  build/       Release, warnings as errors: build/onnxkit, the tests
#   asan     build-asan/  g++, Debug, ASan + UBSan (ONNXKIT_SANITIZE=ON)
#   fuzz     build-fuzz/  clang, libFuzzer + ASan (ONNXKIT_FUZZ=ON): build-fuzz/fuzz_reader
#
# ONNXKIT_JOBS sets the parallelism (default 2, the cores these machines have).
set -euo pipefail

mode=${1:-release}
(($# > 0)) && shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${ONNXKIT_JOBS:-2}

args=(-G Ninja -S "$root")
targets=()
case $mode in
  release)
    dir=build
    args+=(-DCMAKE_BUILD_TYPE=Release -DONNXKIT_WERROR=ON)
    ;;
  asan)
    dir=build-asan
    # Debug keeps assertions on; the sanitizers find more with them.
    args+=(-DCMAKE_BUILD_TYPE=Debug -DONNXKIT_SANITIZE=ON -DONNXKIT_PYTHON=OFF)
    export CC=gcc CXX=g++
    ;;
  fuzz)
    dir=build-fuzz
    args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DONNXKIT_FUZZ=ON -DONNXKIT_PYTHON=OFF)
    export CC=clang CXX=clang++
    targets=(--target fuzz_reader)
    ;;
  *)
    echo "usage: $0 [release|asan|fuzz] [cmake -D arguments...]" >&2
    exit 2
    ;;
esac
# Compilers go through CC/CXX (read on the first configure of a build tree) rather
# than -DCMAKE_C_COMPILER, which CMake reports as unused in a C++-only project.
if command -v ccache >/dev/null 2>&1; then
  args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

echo "build.sh: configure $mode in $dir/"
cmake -B "$root/$dir" "${args[@]}" "$@"
echo "build.sh: build $mode (-j$jobs)"
cmake --build "$root/$dir" -j "$jobs" "${targets[@]}"
