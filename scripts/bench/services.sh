# PostgreSQL and redis-server on loopback for scripts/bench.sh (sourced): temporary data dirs
# under $WORK, free ports, PostgreSQL under the non-root user "postgres" when run as root (as
# tests/support/postgres_server.cc does), fsync and synchronous_commit on. Stopped by PID.

start_redis() {
  REDIS_PORT=$(free_port)
  spawn "$WORK/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
    --appendonly no --daemonize no --loglevel warning
  REDIS_PID=$LAST_PID
  wait_port "$REDIS_PORT"
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
}

start_postgres() {
  local bin run=() base=$WORK/pg
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$base/data" "$base/sock"
  chmod 700 "$base/data" "$base/sock"
  if [[ $(id -u) == 0 ]]; then
    chown -R postgres:postgres "$base"
    chmod 755 "$WORK"
    run=(setpriv --reuid postgres --regid postgres --init-groups)
  fi
  "${run[@]}" "$bin/initdb" -D "$base/data" -U jwtd -A trust -E UTF8 --locale=C --no-sync \
    --no-instructions >"$WORK/initdb.log" 2>&1 || { tail -5 "$WORK/initdb.log" >&2; return 1; }
  PG_PORT=$(free_port)
  spawn "$WORK/postgres.log" "${run[@]}" "$bin/postgres" -D "$base/data" -p "$PG_PORT" \
    -h 127.0.0.1 -k "$base/sock" -c fsync=on -c synchronous_commit=on -c shared_buffers=128MB \
    -c max_connections=200
  PG_PID=$LAST_PID
  local i
  for i in $(seq 1 300); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && return 0
    sleep 0.1
  done
  echo "postgres did not start: $(tail -3 "$WORK/postgres.log")" >&2
  return 1
}

# pg_sql db sql: runs one statement, prints unaligned tuples.
pg_sql() {
  psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U jwtd -d "$1" -c "$2"
}

# pg_newdb name: creates a fresh database and prints its URL.
pg_newdb() {
  pg_sql postgres "CREATE DATABASE \"$1\"" >/dev/null
  echo "postgresql://jwtd@127.0.0.1:$PG_PORT/$1"
}

# Immediate shutdown (SIGQUIT): the data dir is deleted next, a shutdown checkpoint is waste.
stop_postgres() {
  [[ -n ${PG_PID:-} ]] || return 0
  kill -QUIT "$PG_PID" 2>/dev/null || true
  stop_pid "$PG_PID"
  PG_PID=
}
