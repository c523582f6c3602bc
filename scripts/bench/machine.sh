# Machine facts (sourced by scripts/bench.sh): writes $OUT_DIR/machine.json. BENCH_SOURCE_GIT
# names the commit the binaries were built from when it is not the checkout's HEAD.
machine_facts() {
  local pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  CPU="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)" \
  CORES="$(nproc)" \
  RAM_KB="$(awk '/MemTotal/ {print $2}' /proc/meminfo)" \
  KERNEL="$(uname -r)" \
  OS="Debian $(cat /etc/debian_version 2>/dev/null)" \
  OPENSSL="$(openssl version)" \
  NODE="$(node --version 2>/dev/null || echo missing)" \
  PYTHON="$(/usr/bin/python3 --version 2>&1)" \
  POSTGRES="$("$pg_bin/postgres" --version 2>/dev/null || echo missing)" \
  REDIS="$(redis-server --version 2>/dev/null | sed -E 's/.*v=([^ ]+).*/\1/')" \
  WRK="$(wrk -v 2>&1 | head -1 | awk '{print $2}')" \
  GIT="${BENCH_SOURCE_GIT:-$(git -C "$TOP" rev-parse --short HEAD)}" \
  DIRTY="$(if [[ -n ${BENCH_SOURCE_GIT:-} ]]; then echo 0; else git -C "$TOP" status --porcelain -- src include | wc -l; fi)" \
  LOAD="$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$PY" - "$OUT_DIR/machine.json" <<'PY'
import json, os, sys, time
e = os.environ
facts = {"cpu": e["CPU"], "cores": int(e["CORES"]), "ram_gib": round(int(e["RAM_KB"]) / 2**20, 1),
         "kernel": e["KERNEL"], "os": e["OS"], "openssl": e["OPENSSL"], "node": e["NODE"],
         "python": e["PYTHON"], "postgres": e["POSTGRES"], "redis": e["REDIS"], "wrk": e["WRK"],
         "git": e["GIT"], "src_modified_files": int(e["DIRTY"]), "load_at_start": e["LOAD"],
         "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
         "mode": e.get("BENCH_MODE", "full"), "command": e.get("BENCH_COMMAND", "scripts/bench.sh")}
json.dump(facts, open(sys.argv[1], "w"), indent=1)
PY
}

# Appends the load average at the end (the machine is shared: the report prints both).
machine_finish() {
  "$PY" - "$OUT_DIR/machine.json" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(($(date +%s) - T0))" <<'PY'
import json, sys
path, load, secs = sys.argv[1:]
m = json.load(open(path))
m["load_at_end"] = load
m["wall_seconds"] = int(secs)
json.dump(m, open(path, "w"), indent=1)
PY
}
