#!/usr/bin/env bash
# Builds the Debian package from a Release build: build/release/package/jwtd_<version>_<arch>.deb
# (cmake/Package.cmake says what is in it; docs/operations.md how to install it).
#   scripts/package.sh            build jwtd (Release) and run cpack
# Install with `apt-get install ./build/release/package/jwtd_<version>_<arch>.deb` (apt fetches
# the Depends), or dpkg -i when they are present.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
./scripts/build.sh release jwtd
cd build/release
rm -f package/jwtd_*.deb
cpack -G DEB
deb=$(ls package/jwtd_*.deb)
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
echo "package: build/release/$deb"
