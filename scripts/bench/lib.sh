# Shared helpers of scripts/bench.sh (sourced): progress lines, records, processes started by
# PID, free ports. Every process started through `spawn` is stopped by its PID on exit.
# Needs: TOP, OUT_DIR, RESULTS, WORK set by scripts/bench.sh.

# /usr/bin/python3 first: a pyenv shim on PATH costs ~0.4 s per start, and this runs it often.
PY=${PY:-$(command -v /usr/bin/python3 || command -v python3)}
STEP=0
TOTAL_STEPS=${TOTAL_STEPS:-0}
T0=${T0:-$(date +%s)}
PIDS=()

# progress "label": one line on stderr, "[3/14] label (42 s)".
progress() {
  STEP=$((STEP + 1))
  echo "[$STEP/$TOTAL_STEPS] $* ($(($(date +%s) - T0)) s)" >&2
}

# note "text": a line on stderr without advancing the step counter.
note() { echo "    $*" >&2; }

# record section config store metric unit value...: one JSON line in results.jsonl (median,
# min and max of the runs are computed there).
record() {
  "$PY" "$TOP/scripts/bench/record.py" "$RESULTS" "$@"
}

# spawn logfile cmd...: starts cmd in the background and remembers its PID in LAST_PID.
spawn() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# stop_pid pid: stops one process started here (TERM, then KILL after 10 s) and forgets it.
stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=() p
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

stop_all() {
  local p
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {  # port [tries of 0.1 s]
  local i
  for i in $(seq 1 "${2:-300}"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}

# json_field key: reads one JSON object on stdin, prints obj[key].
json_field() {
  "$PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
