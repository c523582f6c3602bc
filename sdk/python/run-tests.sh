#!/usr/bin/env bash
# Runs the Python SDK's whole test suite (pytest) against the given jwtd binary: the conformance
# vectors, the parsers, the live tests that start real `jwtd serve` processes, the framework
# adapters and a pip install of the package. Everything it needs is a Debian package (nothing is
# downloaded); it fails, never skips, when one is missing. Usage: run-tests.sh <path/to/jwtd>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# == 1 ]] || { echo "usage: $0 <jwtd binary>" >&2; exit 2; }
fail() { echo "sdk/python tests cannot run: $*" >&2; exit 1; }
# Debian's interpreter: its site-packages hold the python3-* packages below.
py=${JWTD_VERIFIER_TEST_PYTHON:-/usr/bin/python3}
[[ -x $py ]] || fail "$py is missing (apt-get install python3)"
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || fail "$py is older than Python 3.11"
missing=()
for pair in cryptography:python3-cryptography jwt:python3-jwt pytest:python3-pytest \
            starlette:python3-starlette fastapi:python3-fastapi httpx:python3-httpx \
            flask:python3-flask uvicorn:python3-uvicorn pip:python3-pip \
            setuptools:python3-setuptools; do
  "$py" -c "import ${pair%%:*}" 2>/dev/null || missing+=("${pair#*:}")
done
(( ${#missing[@]} == 0 )) || fail "missing Debian packages: apt-get install ${missing[*]}"
bin=$(realpath -m "$1")
[[ -x $bin ]] || fail "jwtd binary not found or not executable: $bin"
export JWTD_VERIFIER_TEST_BIN=$bin PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$py" -m pytest -q -p no:cacheprovider tests
