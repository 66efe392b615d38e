#!/usr/bin/env bash
# Build (once) and install llama-cpp-python without ggml's AMX kernels.
#
# Why: PyPI ships only the source of llama-cpp-python, and a default build
# (-march=native) compiles AMX kernels that die with SIGILL on virtualised
# AMX-capable CPUs. pip's wheel cache ignores CMAKE_ARGS, so we build our own
# wheel with --no-cache-dir into a cache keyed by version and flags, and install
# from that file.
#
# usage: scripts/build-llama-wheel.sh PYTHON
set -euo pipefail
python=${1:?usage: build-llama-wheel.sh PYTHON}
version=${SHELLGUARD_LLAMA_VERSION:-0.3.36}
cmake_args=${SHELLGUARD_LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF}
key=$(printf '%s %s' "$version" "$cmake_args" | sha256sum | cut -c1-12)
cache=${SHELLGUARD_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shellguard/wheels}/$key
mkdir -p "$cache"
wheel=$(ls "$cache"/llama_cpp_python-"$version"-*.whl 2>/dev/null | head -n 1 || true)
if [[ -z $wheel ]]; then
  echo "building llama-cpp-python $version with CMAKE_ARGS='$cmake_args' (5-10 minutes on 2 cores)..." >&2
  tmp=$(mktemp -d)
  CMAKE_ARGS=$cmake_args "$python" -m pip wheel --quiet --no-cache-dir --no-deps \
    -w "$tmp" "llama-cpp-python==$version"
  mv "$tmp"/llama_cpp_python-*.whl "$cache"/
  rmdir "$tmp"
  wheel=$(ls "$cache"/llama_cpp_python-"$version"-*.whl | head -n 1)
fi
"$python" -m pip install --quiet "$wheel"
