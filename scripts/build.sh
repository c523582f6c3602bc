#!/usr/bin/env bash
# Configures and builds one configuration: scripts/build.sh [release|debug|asan|fuzz] [targets...]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kind=${1:-release}
shift || true
case $kind in
  release) dir=build/release; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug)   dir=build/debug;   flags=(-DCMAKE_BUILD_TYPE=Debug) ;;
  # Debug (-O0, asserts on): GCC's optimiser under ASan reports false maybe-uninitialized
  # warnings in libstdc++ (std::regex), which -Werror would turn into a failed build.
  asan)    dir=build/asan;    flags=(-DCMAKE_BUILD_TYPE=Debug -DJWTD_SANITIZE=ON -DJWTD_BUILD_BENCH=OFF) ;;
  fuzz)    dir=build/fuzz;    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DJWTD_FUZZ=ON -DJWTD_BUILD_TESTS=OFF
                                   -DJWTD_BUILD_BENCH=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: scripts/build.sh [release|debug|asan|fuzz] [targets...]" >&2; exit 2 ;;
esac
cd "$top"
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$dir" ${1:+--target "$@"}
