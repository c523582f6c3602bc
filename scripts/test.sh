#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test twice:
#  1. the Release build (build/release): every suite, including the ones that drive outside
#     tools (fuzz smoke run, package install, headless browser, quick benchmark);
#  2. the sanitizer build (build/asan: AddressSanitizer + UndefinedBehaviorSanitizer, leaks
#     checked): every suite of our own code again — unit, store, bus, HTTP, integration and
#     fault tests, the real `jwtd serve` processes included.
# Prints each ctest summary and ends with one line: "N passed, N failed" (both runs).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
./scripts/install-deps.sh
./scripts/build.sh release
./scripts/build.sh asan
# The fuzz targets (clang, libFuzzer) for ctest fuzz_smoke, built here on every core rather than
# by the test itself, where it would share the cores with the other tests and then run alone.
# Only those targets: build/fuzz's other targets (the server, every store) are not fuzzed.
fuzz_targets=()
for src in fuzz/*_fuzz.cc; do fuzz_targets+=("$(basename "$src" .cc)"); done
./scripts/build.sh fuzz "${fuzz_targets[@]}"

# Suites the sanitizer run leaves to the Release run: they test outside tools or the install,
# not more of our code (fuzz_smoke already runs every fuzz target under ASan+UBSan; the SDK
# suites test the SDKs, and the stream they follow is covered by the integration tests; the fault
# campaign tests the deployment under faults, and three sanitized nodes would not fit its time on
# 2 cores). And the one test that runs `jwtd serve` out of descriptors (EMFILE): there UBSan's own vptr check
# cannot probe memory (it needs a pipe) and aborts the server on the first vtable it has not
# cached; the accept loop's backoff is covered by the Release run, its pieces by unit tests.
# interop_dpop_oauth4webapi tests a third-party client against the server, like the SDK suites.
not_under_asan='^(fuzz_smoke|package\.|browser_|bench_|sdk_|campaign_|interop_dpop_|ConnectionLimitsTest\.OutOfDescriptors)'

passed=0
failed=0
status=0
failed_names=()  # "label: test name" of every failed test, repeated just above the last line
run_ctest() {  # label build-dir ctest-args...
  local label=$1 dir=$2 log
  shift 2
  log=$(mktemp)
  echo "=== ctest: $label ($dir)"
  (cd "$dir" && ctest --output-on-failure -j2 "$@") 2>&1 | tee "$log" || status=1
  # "97% tests passed, 3 tests failed out of 120"
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  # ctest's "The following tests FAILED:" block: "\t730 - browser_logout_lab (Failed)".
  local name
  while IFS= read -r name; do
    failed_names+=("$label: $name")
  done < <(sed -n '/^The following tests FAILED:/,/^[^[:space:]]/{/^[[:space:]]/p}' "$log" |
    sed -E 's/^[[:space:]]+//')
  rm -f "$log"
  if [[ -z $line ]]; then
    echo "ctest ($label) printed no summary" >&2
    status=1
    return
  fi
  bad=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}

run_ctest release build/release --timeout 600
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
run_ctest "asan+ubsan" build/asan --timeout 900 -E "$not_under_asan"

# The failures again, so the end of the output names them even when only its tail is kept.
for name in "${failed_names[@]}"; do echo "FAILED $name"; done
echo "$passed passed, $failed failed"
if ((failed > 0)); then status=1; fi
exit "$status"
