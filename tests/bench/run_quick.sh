#!/usr/bin/env bash
# ctest bench_quick: scripts/bench.sh --quick with the binaries of this build, results into the
# build folder, then tests/bench/check_results.py on them (presence and sanity, not speed).
# Usage: run_quick.sh <jwtd> <bench binaries dir> <results dir>
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ $# == 3 ]] || { echo "usage: $0 <jwtd> <bench dir> <results dir>" >&2; exit 2; }
rm -rf "$3"
NO_BUILD=1 JWTD=$1 BENCH_BIN=$2 "$top/scripts/bench.sh" --quick --out "$3"
python3 "$top/tests/bench/check_results.py" "$3"
