#!/usr/bin/env bash
# Builds the fuzz configuration (clang, libFuzzer, ASan+UBSan) in build/fuzz and runs fuzz
# targets for SECONDS each (default 60): first over fuzz/regressions/<target>/ (saved crash
# reproducers, which must no longer crash), then fuzzing from fuzz/corpus/<target>/ with
# fuzz/dicts/<target>.dict when there is one. New inputs go to a temp dir, never into the
# committed corpus. Exits non-zero on any crash, leak, timeout or UB report; the reproducer is
# kept and its path printed (copy it into fuzz/regressions/<target>/ when filing the bug).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   no TARGET: every fuzz/*_fuzz.cc. CI (ctest fuzz_smoke) runs `scripts/fuzz.sh 30`; for a long
#   local run: `nice -n 10 scripts/fuzz.sh 600 http_request_fuzz` (docs/fuzzing.md).
# Per target it prints executions, exec/s, seconds, corpus size (seeds + new) and peak RSS.
# FUZZ_BUILD_DIR overrides build/fuzz; FUZZ_KEEP=1 keeps the work dir (new inputs) afterwards.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
secs=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in fuzz/*_fuzz.cc; do targets+=("$(basename "$src" .cc)"); done
fi
dir=${FUZZ_BUILD_DIR:-build/fuzz}

if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJWTD_FUZZ=ON \
    -DJWTD_BUILD_TESTS=OFF -DJWTD_BUILD_BENCH=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
fi
cmake --build "$dir" -j1 --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/jwtd-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fstat() { grep -m1 "stat::$1:" "$2" | awk '{print $2}'; }

failed=()
for t in "${targets[@]}"; do
  bin=$dir/fuzz/$t
  mkdir -p "$work/$t/new" "$work/$t/artifacts"
  flags=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/$t/artifacts/" -print_final_stats=1)
  [[ -f fuzz/dicts/$t.dict ]] && flags+=(-dict="fuzz/dicts/$t.dict")
  status=0
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    echo "== $t: replaying fuzz/regressions/$t"
    "$bin" "${flags[@]}" fuzz/regressions/$t/* >"$work/$t/regressions.log" 2>&1 || status=$?
  fi
  if ((status == 0)); then
    echo "== $t: fuzzing for ${secs}s"
    start=$(date +%s)
    "$bin" "${flags[@]}" -max_total_time="$secs" "$work/$t/new" "fuzz/corpus/$t" \
      >"$work/$t/fuzz.log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - start))
  fi
  if ((status != 0)); then
    failed+=("$t")
    echo "!! $t FAILED (exit $status); log and reproducers in $work/$t:"
    tail -n 60 "$work/$t"/*.log
    ls -l "$work/$t/artifacts"
  else
    log=$work/$t/fuzz.log
    seeds=$(find "fuzz/corpus/$t" -type f | wc -l)
    new=$(find "$work/$t/new" -type f | wc -l)
    printf '   %s: %s executions, %s exec/s, %ss, corpus %s seeds + %s new, peak RSS %s MB\n' \
      "$t" "$(fstat number_of_executed_units "$log")" "$(fstat average_exec_per_sec "$log")" \
      "$elapsed" "$seeds" "$new" "$(fstat peak_rss_mb "$log")"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (work dir kept: $work)"
  exit 1
fi
if [[ ${FUZZ_KEEP:-0} == 1 ]]; then echo "fuzz: work dir kept: $work"; else rm -rf "$work"; fi
echo "fuzz: ${#targets[@]} targets, ${secs}s each, no crash, leak or UB"
