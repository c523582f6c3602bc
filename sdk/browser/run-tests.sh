#!/usr/bin/env bash
# Runs the browser session client's tests: they live with the other browser tests in
# tests/browser (one Playwright install, one Chromium), session_sdk.test.mjs. ctest runs them
# as part of browser_logout_lab. Usage: run-tests.sh <path/to/jwtd>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# == 1 ]] || { echo "usage: $0 <jwtd binary>" >&2; exit 2; }
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
"$here/../../tests/browser/run.sh" "$1" "$shots" session_sdk.test.mjs
