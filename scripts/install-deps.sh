#!/usr/bin/env bash
# Install the Debian 12 packages onnxkit needs to build, test, fuzz and benchmark.
# Idempotent: when every package is already installed it only checks and exits,
# so it is cheap to call at the start of every test run. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build ccache
  clang clang-format libclang-rt-14-dev  # libFuzzer + ASan runtime for clang
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev  # find_package(nlohmann_json 3) in CMakeLists.txt
  pybind11-dev python3-dev python3-numpy python3-pytest
  python3-onnx python3-torch python3-torchvision
  time  # /usr/bin/time, for peak RSS in bench/
  pkgconf libcpp-httplib-dev  # the HTTP server of `onnxkit view --serve`
  chromium  # browser tests of the viewer (tests/browser), driven by playwright-core
  libdnnl-dev  # oneDNN: the runtime's fast Conv/MatMul/Gemm/pool kernels (src/runtime/fast/)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

# node and npm for the browser tests (tests/browser): Debian's, unless a node
# is already installed some other way (its own npm included).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present, nothing to do"
  exit 0
fi
echo "install-deps: missing ${#missing[@]} package(s): ${missing[*]}"

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: not root and no sudo; install them by hand: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q)

# Refresh the package lists only when there are none yet (fresh image); if the
# install then fails on stale lists, refresh once and retry.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  echo "install-deps: apt-get update (no package lists yet)"
  "${apt[@]}" update
fi
echo "install-deps: apt-get install ${missing[*]}"
if ! "${apt[@]}" install --no-install-recommends "${missing[@]}"; then
  echo "install-deps: install failed; apt-get update and retry once"
  "${apt[@]}" update
  "${apt[@]}" install --no-install-recommends "${missing[@]}"
fi
echo "install-deps: done"
