"""The campaign's processes: PostgreSQL, Redis and `jwtd serve`, each started inside its host's
network namespace and restartable after a kill -9 with the same data.

Every process is the direct child of the harness (`ip netns exec` and `setpriv` exec, they do
not fork), so its pid is what the nemesis signals and what teardown kills.
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: install the 'postgresql' "
                           "package (scripts/install-deps.sh)")
    return os.path.dirname(found[-1])


def wait_until(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError("%s not ready within %d s" % (what, seconds))


class Service:
    """One restartable process in one host namespace."""

    def __init__(self, net, host, log_path):
        self.net, self.host, self.log_path = net, host, log_path
        self.proc = None
        self.paused = False

    def command(self):
        raise NotImplementedError

    def env(self):
        return None

    def ready(self):
        raise NotImplementedError

    def start(self, ready_seconds=60):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.net.exec_prefix(self.host) + self.command(),
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env(),
                                     stdin=subprocess.DEVNULL)
        log.close()

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d while starting; log %s" %
                                   (self.host, self.proc.returncode, self.log_path))
            return self.ready()
        wait_until(up, ready_seconds, self.host)

    def restart(self):
        self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.proc is None:
            return
        if self.paused:
            self.resume()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def pause(self):
        if self.alive():
            self.proc.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self):
        if self.alive():
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self):
        if self.proc is None:
            return
        self.resume()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Postgres(Service):
    USER = "postgres"  # the Debian package's system user: postgres refuses to run as root

    def __init__(self, net, host, work_dir):
        super().__init__(net, host, os.path.join(work_dir, "postgres.log"))
        self.bin = postgres_bin()
        # The data directory lives in a directory of its own under /tmp: the run directory may
        # sit below one that the postgres user cannot enter (a clone in a private temp dir).
        self.base = tempfile.mkdtemp(prefix="jwtd-campaign-pg.")
        self.data = os.path.join(self.base, "pgdata")
        self.addr = net.hosts[host]
        self.url = "postgresql://jwtd@%s:5432/jwtd" % self.addr

    def as_user(self, args):
        return ["setpriv", "--reuid", self.USER, "--regid", self.USER, "--init-groups"] + args

    def init(self):
        os.makedirs(self.data, mode=0o700)
        subprocess.run(["chown", "-R", self.USER, self.base], check=True)
        subprocess.run(self.as_user([self.bin + "/initdb", "-D", self.data, "-U", "jwtd", "-A",
                                     "trust", "-E", "UTF8", "--locale=C", "--no-sync",
                                     "--no-instructions"]),
                       check=True, capture_output=True, timeout=120)
        # Trust inside the campaign's private subnet only; it exists only while the campaign runs.
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as hba:
            hba.write("local all all trust\nhost all all %s.0/24 trust\n" %
                      self.addr.rsplit(".", 1)[0])

    def command(self):
        return self.as_user([self.bin + "/postgres", "-D", self.data, "-h", self.addr, "-k",
                             self.data, "-c", "fsync=on", "-c", "synchronous_commit=on", "-c",
                             "shared_buffers=32MB", "-c", "max_connections=200"])

    def ready(self):
        res = subprocess.run(self.net.exec_prefix(self.host) +
                             [self.bin + "/pg_isready", "-h", self.addr, "-q", "-t", "1"],
                             capture_output=True)
        return res.returncode == 0

    def stop(self):
        try:
            super().stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self):
        subprocess.run(self.net.exec_prefix(self.host) + [
            self.bin + "/psql", "-h", self.addr, "-U", "jwtd", "-d", "postgres", "-q", "-c",
            "CREATE DATABASE jwtd"], check=True, capture_output=True, timeout=30)

    def restart(self):
        # After a kill -9 the orphaned backends may hold shared memory a moment: retry.
        for _ in range(40):
            try:
                self.start(ready_seconds=30)
                return
            except RuntimeError:
                time.sleep(0.25)
        raise RuntimeError("postgres did not restart")


class Redis(Service):
    def __init__(self, net, host, work_dir):
        super().__init__(net, host, os.path.join(work_dir, "redis.log"))
        self.addr = net.hosts[host]
        self.dir = work_dir
        self.url = "redis://%s:6379" % self.addr

    def command(self):
        return ["/usr/bin/redis-server", "--port", "6379", "--bind", self.addr, "--save", "",
                "--appendonly", "no", "--dir", self.dir, "--protected-mode", "no"]

    def ready(self):
        res = subprocess.run(self.net.exec_prefix(self.host) +
                             ["redis-cli", "-h", self.addr, "ping"], capture_output=True,
                             text=True, timeout=5)
        return res.stdout.strip() == "PONG"


class Jwtd(Service):
    """`jwtd serve` with its wall clock under libfaketime: the nemesis steps it by rewriting one
    file (libfaketime re-reads it at most once a second); the monotonic clock stays real, as
    with an NTP step."""

    def __init__(self, net, host, work_dir, binary, config, args):
        super().__init__(net, host, os.path.join(work_dir, host + ".log"))
        self.binary, self.config, self.args = binary, config, args
        self.addr = net.hosts[host]
        self.data = os.path.join(work_dir, host)
        self.clock_file = os.path.join(work_dir, host + ".faketime")
        self.offset = 0.0
        os.makedirs(self.data, exist_ok=True)
        self.set_clock(0.0)

    def base(self):
        return "http://%s:8080" % self.addr

    def set_clock(self, offset_s):
        self.offset = offset_s
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%+.3f\n" % offset_s)
        os.replace(tmp, self.clock_file)

    def env(self):
        env = dict(os.environ)
        env.update({"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": self.clock_file,
                    "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                    "FAKETIME_DONT_RESET": "1"})
        return env

    def command(self):
        return [self.binary, "serve", "--config", self.config, "--data-dir", self.data,
                "--listen", self.addr + ":8080", "--set", "bus.node_id=" + self.host] + self.args

    def ready(self):
        try:
            with urllib.request.urlopen(self.base() + "/readyz", timeout=1) as r:
                return r.status == 200
        except Exception:
            return False


class DelayLink(Service):
    """tests/campaign/delay_link.py in one host's namespace: loopback ports forwarded to the
    host's peers, delayed on the nemesis' signal (the stand-in for tc netem)."""

    LINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "delay_link.py")

    def __init__(self, net, host, work_dir, seed, links):
        super().__init__(net, host, os.path.join(work_dir, host + ".link.log"))
        self.links = links  # [(listen_port, peer_host, peer_port)]
        self.ready_file = os.path.join(work_dir, host + ".link.ready")
        self.control = os.path.join(work_dir, host + ".link.json")
        self.seed = "%s-%s" % (seed, host)

    def command(self):
        return ["/usr/bin/python3", self.LINK, "--ready", self.ready_file, "--control",
                self.control, "--seed", self.seed] + [
                    "%d=%s:%d" % link for link in self.links]

    def start(self, ready_seconds=60):
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        super().start(ready_seconds)

    def ready(self):
        return os.path.exists(self.ready_file)

    def delay(self, delay_ms, jitter_ms):
        tmp = self.control + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"delay_ms": delay_ms, "jitter_ms": jitter_ms}, f)
        os.replace(tmp, self.control)
        if self.alive():
            self.proc.send_signal(signal.SIGUSR1)

    def undelay(self):
        if self.alive():
            self.proc.send_signal(signal.SIGUSR2)
