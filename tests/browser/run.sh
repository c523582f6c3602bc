#!/usr/bin/env bash
# Runs the browser tests (the logout lab, and the session client of sdk/browser that the lab
# uses): installs the pinned playwright-core when missing, then `node --test` against the given
# jwtd binary. Fails (never skips) when node, npm or Chromium is missing.
# Usage: run.sh <path/to/jwtd> <screenshot dir> [test file...]  (default: the three suites)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -ge 2 ]] || { echo "usage: $0 <jwtd binary> <screenshot dir> [test file...]" >&2; exit 2; }
fail() { echo "browser tests cannot run: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs nodejs)"
command -v npm >/dev/null || fail "npm is missing (scripts/install-deps.sh installs npm)"
chromium=${LAB_CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || fail "Chromium is missing at $chromium (scripts/install-deps.sh installs chromium)"
if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
export LAB_JWTD_BIN=$(realpath -m "$1") LAB_SCREENSHOT_DIR=$(realpath -m "$2") LAB_CHROMIUM=$chromium
shift 2
(( $# )) || set -- lab.test.mjs session_sdk.test.mjs dpop.test.mjs
cd "$here"
exec node --test --test-concurrency=1 "$@"
