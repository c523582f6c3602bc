#!/usr/bin/env bash
# Installs what is missing, builds, and starts `jwtd serve` (SQLite in ./var, keys generated on
# first start). Arguments replace `serve`: scripts/run.sh --version, scripts/run.sh users list.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
./scripts/install-deps.sh
./scripts/build.sh release jwtd
exec ./build/release/src/cli/jwtd "${@:-serve}"
