#!/usr/bin/env bash
# Mass-logout benchmark (docs/benchmarks.md "Mass logout"): `jwtd revoke --users-file` ending
# every session of USERS users (one session each, seeded through the store API by
# bench/seed_sessions --new-users), on PostgreSQL (fsync=on, synchronous_commit=on) and SQLite.
# Per store: one uninterrupted run, then a run interrupted (SIGINT) after INTERRUPT_S seconds and
# resumed by the same command; the resumed run must finish the job without redoing a page.
#
#   scripts/bench-bulk.sh [sqlite|postgres|both]
#
# Env: USERS (100000) PAGE (500) INTERRUPT_S (5) BUILD (default build/release; built if missing)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stores=${1:-both}
USERS=${USERS:-100000}; PAGE=${PAGE:-500}; INTERRUPT_S=${INTERRUPT_S:-5}
case $stores in sqlite | postgres) ;; both) stores="postgres sqlite" ;;
  *) echo "usage: scripts/bench-bulk.sh [sqlite|postgres|both]" >&2; exit 2 ;; esac
BUILD=${BUILD:-$top/build/release}
if [[ ! -x $BUILD/src/cli/jwtd || ! -x $BUILD/bench/seed_sessions ]]; then
  "$top/scripts/build.sh" release jwtd seed_sessions >&2
fi
JWTD=$BUILD/src/cli/jwtd
SEED=$BUILD/bench/seed_sessions

WORK=$(mktemp -d /tmp/jwtd-bench-bulk.XXXXXX)
# shellcheck source=scripts/bench/lib.sh
source "$top/scripts/bench/lib.sh"
# shellcheck source=scripts/bench/services.sh
source "$top/scripts/bench/services.sh"
trap 'stop_all; rm -rf "$WORK"' EXIT
[[ $stores == *postgres* ]] && start_postgres

# fresh_store store name: prints the --set/--data-dir arguments of a new, seeded store.
fresh_store() {
  local store=$1 name=$2 where
  if [[ $store == postgres ]]; then
    where=$(pg_newdb "$name")
    STORE_ARGS=(--set "store.url=$where")
  else
    mkdir -p "$WORK/$name"
    where=$WORK/$name/jwtd.db
    STORE_ARGS=(--data-dir "$WORK/$name")
  fi
  "$JWTD" migrate "${STORE_ARGS[@]}" >/dev/null
  "$SEED" --store "$where" --user bulk --new-users "$USERS" --count 1 --names "$WORK/names.txt" \
    >>"$WORK/seed.log"
}

# live_sessions store: sessions not yet revoked.
live_sessions() {
  if [[ $1 == postgres ]]; then
    pg_sql "$2" "SELECT count(*) FROM sessions WHERE revoked_at = 0"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
      'SELECT count(*) FROM sessions WHERE revoked_at = 0').fetchone()[0])" "$WORK/$2/jwtd.db"
  fi
}

# revoke_all out err: one `jwtd revoke --users-file` of the seeded names on the store.
revoke_all() {
  "$JWTD" revoke --users-file "$WORK/names.txt" --page-size "$PAGE" "${STORE_ARGS[@]}" >"$1" 2>"$2"
}
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }

for store in $stores; do
  progress "$store: seeding $USERS users with one session each"
  fresh_store "$store" "bulk_a_$store"
  start=$(date +%s.%N)
  revoke_all "$WORK/run.out" "$WORK/run.err"
  secs=$(since "$start")
  left=$(live_sessions "$store" "bulk_a_$store")
  note "$store: $(cat "$WORK/run.out") in $secs s; live sessions left: $left"
  echo "{\"store\":\"$store\",\"users\":$USERS,\"page\":$PAGE,\"seconds\":$secs,\"live_left\":$left}"

  progress "$store: interrupted after ${INTERRUPT_S}s, then resumed"
  fresh_store "$store" "bulk_b_$store"
  start=$(date +%s.%N)
  (exec "$JWTD" revoke --users-file "$WORK/names.txt" --page-size "$PAGE" "${STORE_ARGS[@]}" \
    >"$WORK/int.out" 2>"$WORK/int.err") &  # exec: the SIGINT below reaches jwtd itself
  pid=$!
  sleep "$INTERRUPT_S"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" || true
  revoke_all "$WORK/resume.out" "$WORK/resume.err"
  secs=$(since "$start")
  left=$(live_sessions "$store" "bulk_b_$store")
  note "$store resumed: $(grep -h 'done before' "$WORK/resume.err" | head -1)"
  note "$store resumed: $(cat "$WORK/resume.out") ($secs s in all); live sessions left: $left"
  echo "{\"store\":\"$store\",\"resumed\":true,\"seconds\":$secs,\"live_left\":$left}"
done
