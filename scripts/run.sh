#!/usr/bin/env bash
# Installs what is missing, builds, and starts jwtd. Extra arguments go to jwtd.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
./scripts/install-deps.sh
./scripts/build.sh release jwtd
exec ./build/release/src/cli/jwtd "${@:---version}"
