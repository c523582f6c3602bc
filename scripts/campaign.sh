#!/usr/bin/env bash
# The long fault campaign (tests/campaign, docs/reliability.md): installs what is missing, builds
# the Release jwtd, and runs the campaign for --minutes with --seed; ends with the checker's
# summary line and exits non-zero on any violation. Needs root (network namespaces).
#   scripts/campaign.sh --minutes 30 --seed 7 [--out DIR] [--bound-ms 1000]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
minutes=30
seed=1
extra=()
while (($#)); do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out | --bound-ms | --threads | --max-ops | --refresh-grace) extra+=("$1" "$2"); shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--seed S] [--out DIR] [--bound-ms MS]" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 ]] || { echo "--minutes: a whole number >= 1" >&2; exit 2; }
./scripts/install-deps.sh
./scripts/build.sh release jwtd
exec /usr/bin/python3 tests/campaign/campaign.py --jwtd build/release/src/cli/jwtd \
  --seconds $((minutes * 60)) --seed "$seed" --out build/campaign "${extra[@]}"
