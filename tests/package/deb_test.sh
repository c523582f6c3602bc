#!/usr/bin/env bash
# The Debian package, proven from outside the build tree (see CMakeLists.txt next to it):
#   deb_test.sh build BUILD_DIR DEB     cpack in BUILD_DIR; DEB must be what it wrote
#   deb_test.sh unit DEB                systemd-analyze verify (and security) on the package's unit,
#                                       offline, in the extracted package root
#   deb_test.sh install DEB VERSION     dpkg -i on this machine (root), the installed jwtd run as
#                                       the jwtd user from the installed files, dpkg --purge
# Each step fails loudly with what is wrong or missing; `install` leaves the machine as it was.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
  done
}

# ---- build -------------------------------------------------------------------------------------
build_deb() {
  local build_dir=$1 deb=$2
  need cpack dpkg-deb
  rm -f "$deb"
  (cd "$build_dir" && cpack -G DEB) || fail "cpack failed"
  [[ -f $deb ]] || fail "cpack wrote no $deb"
  echo "built $deb"
  dpkg-deb --info "$deb"
  # The fields and files the package promises (docs/operations.md, "Installing the package").
  local depends
  depends=$(dpkg-deb --field "$deb" Depends)
  for dep in adduser libc6 libssl3 libsodium23 libsqlite3-0; do
    [[ $depends == *"$dep"* ]] || fail "Depends lacks $dep: $depends"
  done
  [[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) == /etc/jwtd/jwtd.toml ]] ||
    fail "conffiles is not /etc/jwtd/jwtd.toml"
  local listing
  listing=$(dpkg-deb --contents "$deb")
  for path in ./usr/bin/jwtd ./usr/share/jwtd/web/index.html ./usr/lib/systemd/system/jwtd.service \
    ./etc/jwtd/jwtd.toml ./usr/share/doc/jwtd/operations.md; do
    grep -q " $path\$" <<<"$listing" || fail "$path is not in the package"
  done
  # Only the server: no static libraries, headers or CMake files of the library.
  if grep -E '\.(a|h|cmake)$' <<<"$listing"; then fail "library files in the package"; fi
}

# ---- unit --------------------------------------------------------------------------------------
unit_root=
verify_unit() {
  local deb=$1 root
  need systemd-analyze dpkg-deb
  [[ -x /bin/kill ]] || fail "/bin/kill (ExecReload=) is missing: install procps"
  root=$(mktemp -d)
  unit_root=$root
  trap 'rm -rf "$unit_root"' EXIT
  dpkg-deb -x "$deb" "$root"
  # systemd-analyze --root resolves everything inside the root: the targets the unit is ordered
  # against and the ExecReload= command come from the host, ExecStart= from the package.
  mkdir -p "$root/usr/lib/systemd/system" "$root/bin"
  cp -n /lib/systemd/system/*.target "$root/usr/lib/systemd/system/"
  cp /bin/kill "$root/bin/kill"
  local unit=/usr/lib/systemd/system/jwtd.service out
  # verify exits 0 on an unknown key or a value it ignores: any message is a failure.
  out=$(systemd-analyze verify --root="$root" "$unit" 2>&1) || fail "systemd-analyze verify: $out"
  [[ -z $out ]] || fail "systemd-analyze verify complained: $out"
  echo "systemd-analyze verify: clean"
  # The hardening keeps the exposure score low (1.6 when written; 2.5 leaves room, not regress).
  out=$(systemd-analyze security --offline=yes --threshold=25 --root="$root" "$unit" 2>&1) ||
    fail "systemd-analyze security: exposure above 2.5: $out"
  grep 'Overall exposure level' <<<"$out"
  # shellcheck disable=SC2016  # $MAINPID is the unit's, literally
  for key in 'User=jwtd' 'StateDirectory=jwtd' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
    'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' 'LimitNOFILE='; do
    grep -qF "$key" "$root$unit" || fail "the unit lacks $key"
  done
}

# ---- install -----------------------------------------------------------------------------------
pid=
user_created=0
installed_by_us=0
workdir=

cleanup() {
  local rc=$?
  set +e
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
  fi
  if ((installed_by_us)); then
    dpkg --purge jwtd >/dev/null || { echo "FAIL: dpkg --purge jwtd failed" >&2; rc=1; }
  fi
  if ((user_created)) && getent passwd jwtd >/dev/null; then
    userdel jwtd || { echo "FAIL: userdel jwtd failed" >&2; rc=1; }
  fi
  if ((user_created)) && getent group jwtd >/dev/null; then groupdel jwtd; fi
  if ((installed_by_us)); then
    for left in /usr/bin/jwtd /etc/jwtd /var/lib/jwtd /usr/share/jwtd /usr/lib/systemd/system/jwtd.service \
      /etc/systemd/system/multi-user.target.wants/jwtd.service \
      /var/lib/systemd/deb-systemd-helper-enabled/jwtd.service.dsh-also \
      /var/lib/systemd/deb-systemd-helper-masked/jwtd.service; do
      if [[ -e $left || -L $left ]]; then
        echo "FAIL: $left is left after dpkg --purge" >&2
        rc=1
      fi
    done
  fi
  [[ -n $workdir ]] && rm -rf "$workdir"
  exit "$rc"
}

wait_for() {  # wait_for FILE REGEX: up to 10 s for a line matching REGEX in FILE
  local i
  for ((i = 0; i < 200; i++)); do
    grep -qE "$2" "$1" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

install_and_run() {
  local deb=$1 version=$2
  need dpkg dpkg-query setpriv curl systemd-analyze
  ((EUID == 0)) || fail "the install test needs root (dpkg -i); run ctest as root"
  # Someone else's jwtd: refuse, never replace or purge it.
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' jwtd 2>/dev/null || true)
  if [[ -n ${status// /} && $status != un* ]]; then
    fail "a jwtd package is already on this machine (dpkg status '$status'): this test installs" \
      "and purges its own; remove it first (dpkg --purge jwtd) or run the test elsewhere"
  fi
  for path in /etc/jwtd /var/lib/jwtd /usr/bin/jwtd; do
    [[ ! -e $path ]] || fail "$path exists without a jwtd package: not touching it"
  done
  getent passwd jwtd >/dev/null || user_created=1
  trap cleanup EXIT
  workdir=$(mktemp -d)

  installed_by_us=1
  dpkg -i "$deb" || fail "dpkg -i $deb failed (a dependency missing? dpkg says why above)"
  [[ $(dpkg-query -W -f='${db:Status-Abbrev}' jwtd) == "ii " ]] || fail "jwtd is not installed"
  dpkg-query -W -f='${Conffiles}' jwtd | grep -q '/etc/jwtd/jwtd.toml' ||
    fail "/etc/jwtd/jwtd.toml is not a conffile"

  # Files and permissions the postinst sets.
  getent passwd jwtd >/dev/null || fail "the postinst did not create the jwtd user"
  [[ $(stat -c '%U:%G %a' /etc/jwtd/jwtd.toml) == "root:jwtd 640" ]] ||
    fail "/etc/jwtd/jwtd.toml is $(stat -c '%U:%G %a' /etc/jwtd/jwtd.toml), not root:jwtd 640"
  [[ $(stat -c '%U:%G %a' /var/lib/jwtd) == "jwtd:jwtd 700" ]] ||
    fail "/var/lib/jwtd is $(stat -c '%U:%G %a' /var/lib/jwtd), not jwtd:jwtd 700"

  # Where systemd runs, the postinst has started jwtd.service: it must be up, then it is stopped so
  # the instance below is the only one on /var/lib/jwtd. (In a container without systemd as
  # PID 1 the postinst starts nothing.)
  if [[ -d /run/systemd/system ]]; then
    systemctl is-active --quiet jwtd.service || fail "jwtd.service did not start: $(systemctl status jwtd.service 2>&1)"
    systemctl stop jwtd.service
  fi

  # The installed unit against the installed system.
  local out
  out=$(systemd-analyze verify /usr/lib/systemd/system/jwtd.service 2>&1) ||
    fail "systemd-analyze verify (installed): $out"
  [[ -z $out ]] || fail "systemd-analyze verify (installed) complained: $out"

  out=$(/usr/bin/jwtd --version)
  [[ $out == "jwtd $version" ]] || fail "jwtd --version printed '$out', want 'jwtd $version'"
  echo "$out"

  as_jwtd() { (cd / && exec setpriv --reuid=jwtd --regid=jwtd --init-groups -- "$@"); }
  out=$(as_jwtd /usr/bin/jwtd config check --config /etc/jwtd/jwtd.toml 2>&1) ||
    fail "jwtd config check --config /etc/jwtd/jwtd.toml: $out"
  [[ $out == "configuration is valid" ]] || fail "config check printed: $out"
  echo "config check: $out"

  # The packaged configuration as the service runs it, on an ephemeral loopback port.
  local log=$workdir/serve.log
  # One subshell that execs setpriv, which execs jwtd: $! is the server itself.
  (cd / && exec setpriv --reuid=jwtd --regid=jwtd --init-groups -- \
    /usr/bin/jwtd serve --config /etc/jwtd/jwtd.toml --listen 127.0.0.1:0) >"$log" 2>&1 &
  pid=$!
  wait_for "$log" 'listening on http://127\.0\.0\.1:[0-9]+' || fail "jwtd serve did not start: $(cat "$log")"
  local port
  port=$(sed -nE 's/.*listening on http:\/\/127\.0\.0\.1:([0-9]+).*/\1/p' "$log" | head -1)
  grep -q 'files in /usr/share/jwtd/web' "$log" || fail "the lab is not served from /usr/share/jwtd/web: $(cat "$log")"

  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
  [[ $code == 200 ]] || fail "/healthz answered $code"
  code=$(curl -s -o "$workdir/index.html" -w '%{http_code}' "http://127.0.0.1:$port/")
  if [[ $code != 200 ]] || ! cmp -s "$workdir/index.html" /usr/share/jwtd/web/index.html; then
    fail "/ answered $code, not the packaged index.html"
  fi
  echo "healthz: 200, lab: 200 on port $port"

  # State in the state directory, the jwtd user's own: the database and a generated signing key.
  [[ $(stat -c '%U %a' /var/lib/jwtd/jwtd.db) == "jwtd 600" ]] ||
    fail "/var/lib/jwtd/jwtd.db: $(stat -c '%U %a' /var/lib/jwtd/jwtd.db 2>&1)"
  local keys
  keys=$(find /var/lib/jwtd/keys -name '*.pem' -user jwtd -perm 600 | wc -l)
  ((keys >= 1)) || fail "no signing key (jwtd, 0600) in /var/lib/jwtd/keys: $(ls -la /var/lib/jwtd/keys 2>&1)"
  echo "state: /var/lib/jwtd/jwtd.db and $keys key(s) in /var/lib/jwtd/keys"

  # ExecReload= (SIGHUP): logged, and the server goes on answering.
  kill -HUP "$pid"
  wait_for "$log" 'SIGHUP' || fail "no SIGHUP line in the log: $(cat "$log")"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
  [[ $code == 200 ]] || fail "/healthz answered $code after SIGHUP"

  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  pid=
  ((rc == 0)) || fail "jwtd serve exited $rc on SIGTERM: $(cat "$log")"
  echo "stopped cleanly; purging"
}

case ${1:-} in
  build) build_deb "$2" "$3" ;;
  unit) verify_unit "$2" ;;
  install) install_and_run "$2" "$3" ;;
  *)
    echo "usage: deb_test.sh build BUILD_DIR DEB | unit DEB | install DEB VERSION" >&2
    exit 2
    ;;
esac
