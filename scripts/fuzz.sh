#!/usr/bin/env bash
# Builds the fuzz configuration (clang, libFuzzer, ASan+UBSan) in build/fuzz and runs every
# fuzz target for [seconds] each (default 60): first over fuzz/regressions/<target>/ (saved
# crash reproducers, which must no longer crash), then fuzzing from fuzz/corpus/<target>/.
# New inputs go to a temp dir, never into the committed corpus. Exits non-zero on any crash,
# leak, timeout or UB report; the reproducer is kept and its path printed (copy it into
# fuzz/regressions/<target>/ when filing the bug).
# Usage: scripts/fuzz.sh [seconds] [targets...]    FUZZ_BUILD_DIR overrides build/fuzz.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
secs=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(token_verify_fuzz jwk_import_fuzz base64url_fuzz claims_parse_fuzz)
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
failed=()
for t in "${targets[@]}"; do
  bin=$dir/fuzz/$t
  mkdir -p "$work/$t/new" "$work/$t/artifacts"
  flags=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/$t/artifacts/" -print_final_stats=1)
  status=0
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    echo "== $t: replaying fuzz/regressions/$t"
    "$bin" "${flags[@]}" fuzz/regressions/$t/* >"$work/$t/regressions.log" 2>&1 || status=$?
  fi
  if ((status == 0)); then
    echo "== $t: fuzzing for ${secs}s"
    "$bin" "${flags[@]}" -max_total_time="$secs" "$work/$t/new" "fuzz/corpus/$t" \
      >"$work/$t/fuzz.log" 2>&1 || status=$?
  fi
  if ((status != 0)); then
    failed+=("$t")
    echo "!! $t FAILED (exit $status); log and reproducers in $work/$t:"
    tail -n 60 "$work/$t"/*.log
    ls -l "$work/$t/artifacts"
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t/fuzz.log" |
      tr '\n' ' '
    echo "(new inputs: $(find "$work/$t/new" -type f | wc -l))"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (work dir kept: $work)"
  exit 1
fi
rm -rf "$work"
echo "fuzz: ${#targets[@]} targets, ${secs}s each, no crash, leak or UB"
