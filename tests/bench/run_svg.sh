#!/usr/bin/env bash
# ctest bench_svg_render: the committed docs/bench/*.svg open in headless Chromium
# (tests/browser/bench_svg.test.mjs, playwright-core installed as tests/browser/run.sh does).
# Fails (never skips) without node, npm or Chromium. Usage: run_svg.sh <svg dir> <png dir>
set -euo pipefail
browser=$(cd "$(dirname "${BASH_SOURCE[0]}")/../browser" && pwd)
[[ $# == 2 ]] || { echo "usage: $0 <svg dir> <png dir>" >&2; exit 2; }
fail() { echo "SVG render test cannot run: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs nodejs)"
chromium=${LAB_CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || fail "Chromium is missing at $chromium"
if [[ ! -d $browser/node_modules/playwright-core ]]; then
  (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
export BENCH_SVG_DIR=$(realpath "$1") BENCH_SVG_SHOTS=$(realpath -m "$2") LAB_CHROMIUM=$chromium
cd "$browser"
exec node --test --test-concurrency=1 bench_svg.test.mjs
