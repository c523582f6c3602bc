#!/usr/bin/env bash
# Runs the Node SDK's whole test suite (node --test) against the given jwtd binary: the
# conformance vectors, the parts, and the live tests that start real `jwtd serve` processes.
# Installs the locked dependencies (npm ci) when node_modules is missing. Fails, never skips,
# when node (20+), npm or the binary is missing. Usage: run-tests.sh <path/to/jwtd>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# == 1 ]] || { echo "usage: $0 <jwtd binary>" >&2; exit 2; }
fail() { echo "sdk/node tests cannot run: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs nodejs)"
command -v npm >/dev/null || fail "npm is missing (scripts/install-deps.sh installs npm)"
major=$(node -p 'process.versions.node.split(".")[0]')
(( major >= 20 )) || fail "node $(node --version) is too old: the SDK needs Node.js 20 or later"
bin=$(realpath -m "$1")
[[ -x $bin ]] || fail "jwtd binary not found or not executable: $bin"
if [[ ! -d $here/node_modules/jose || ! -d $here/node_modules/express || ! -d $here/node_modules/fastify ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
export JWTD_VERIFIER_TEST_BIN=$bin
cd "$here"
exec node --test --test-concurrency=1 test/*.test.mjs
