#!/usr/bin/env bash
# jwtd's DPoP against a third-party client: oauth4webapi's DPoP handle (refresh token grant,
# protected resource requests) and jose (login proof, JWKS verification), `node --test` against
# the given jwtd binary. Installs the pinned packages (package-lock.json) when missing. Fails
# (never skips) when node or npm is missing.
# Usage: run.sh <path/to/jwtd>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# == 1 ]] || { echo "usage: $0 <jwtd binary>" >&2; exit 2; }
fail() { echo "DPoP interop tests cannot run: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs nodejs)"
command -v npm >/dev/null || fail "npm is missing (scripts/install-deps.sh installs npm)"
if [[ ! -d $here/node_modules/oauth4webapi || ! -d $here/node_modules/jose ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
export DPOP_INTEROP_JWTD_BIN=$(realpath -m "$1")
cd "$here"
exec node --test --test-concurrency=1 dpop_interop.test.mjs
