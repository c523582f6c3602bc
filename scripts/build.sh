#!/usr/bin/env bash
# Configures and builds one configuration: scripts/build.sh [release|debug|asan|fuzz] [targets...]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kind=${1:-release}
shift || true
case $kind in
  release) dir=build/release; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug)   dir=build/debug;   flags=(-DCMAKE_BUILD_TYPE=Debug) ;;
  # Asserts on (Debug) but -O1: the whole suite runs under the sanitizers in CI, and -O0 code
  # makes the server tests several times slower for no extra findings.
  asan)    dir=build/asan;    flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g"
                                   -DJWTD_SANITIZE=ON -DJWTD_BUILD_BENCH=OFF) ;;
  fuzz)    dir=build/fuzz;    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DJWTD_FUZZ=ON -DJWTD_BUILD_TESTS=OFF
                                   -DJWTD_BUILD_BENCH=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: scripts/build.sh [release|debug|asan|fuzz] [targets...]" >&2; exit 2 ;;
esac
cd "$top"
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$dir" ${1:+--target "$@"}
