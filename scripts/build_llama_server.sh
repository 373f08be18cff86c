#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` (CPU only) from the llama.cpp vendored in the PyPI sdist of
# llama-cpp-python, and installs it into a cache directory keyed by version. Idempotent: when the
# binary is already there it prints its path and exits at once.
#
#   LLAMA_CPP_PYTHON_VERSION  sdist version to build from (default: the pinned one below)
#   LLAMA_CPP_PYTHON_SHA256   the sdist's sha256 (default: the pinned one's; checked before use)
#   FULCRUM_CACHE_DIR         cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum)
#   BUILD_JOBS                parallel compile jobs (default: 2)
set -euo pipefail

version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
sha256="${LLAMA_CPP_PYTHON_SHA256:-}"
if [ -z "$sha256" ] && [ "$version" = 0.3.36 ]; then
  sha256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
fi
cache="${FULCRUM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulcrum}"
prefix="$cache/llama-server-$version"
binary="$prefix/bin/llama-server"
jobs="${BUILD_JOBS:-2}"

if [ -x "$binary" ]; then
  echo "llama-server $version: ready ($binary)"
  exit 0
fi

# One build at a time per cache (several test runs may start at once); re-check under the lock.
mkdir -p "$cache"
exec 9>"$cache/.llama-server-$version.lock"
flock 9
if [ -x "$binary" ]; then
  echo "llama-server $version: ready ($binary)"
  exit 0
fi

for tool in cmake c++ tar; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build_llama_server: $tool is required (Debian: apt-get install cmake g++ tar)" >&2
    exit 1
  fi
done

python="${PYTHON:-python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$root/.venv/bin/python" ]; then
  python="$root/.venv/bin/python"
fi

work="$cache/build/llama-cpp-python-$version"
mkdir -p "$work"
sdist="$(find "$work" -maxdepth 1 -name "llama_cpp_python-$version.tar.gz" -print -quit)"
if [ -z "$sdist" ]; then
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --dest "$work" "llama-cpp-python==$version"
  sdist="$(find "$work" -maxdepth 1 -name "llama_cpp_python-$version.tar.gz" -print -quit)"
fi
if [ -z "$sdist" ]; then
  echo "build_llama_server: the sdist of llama-cpp-python $version was not downloaded" >&2
  exit 1
fi

if [ -n "$sha256" ] && ! echo "$sha256  $sdist" | sha256sum --check --status; then
  rm -f "$sdist"
  echo "build_llama_server: $sdist does not have the pinned sha256 $sha256" >&2
  exit 1
fi

src="$work/llama_cpp_python-$version"
if [ ! -d "$src/vendor/llama.cpp/tools/server" ]; then
  rm -rf "$src"
  tar -xzf "$sdist" -C "$work"
fi

build="$work/build"
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
cmake -S "$src/vendor/llama.cpp" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_SERVER=ON \
  -DGGML_NATIVE=OFF \
  -DGGML_CUDA=OFF \
  -DGGML_METAL=OFF \
  -DGGML_OPENMP=OFF >/dev/null
cmake --build "$build" --target llama-server -j "$jobs"

mkdir -p "$prefix/bin"
cp "$build/bin/llama-server" "$binary.tmp"
mv "$binary.tmp" "$binary"
"$binary" --version
rm -rf "$work"  # sources and objects (~400 MB); the installed binary is all that is kept
echo "llama-server $version: built ($binary)"
