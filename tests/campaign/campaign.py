#!/usr/bin/python3
"""jwtd's fault campaign: three nodes, PostgreSQL, Redis and two followers in their own network
namespaces, a seeded nemesis, a bounded workload, and the checker over the recorded history.

Needs root (network namespaces, nftables); fails, never skips, without it. Everything it
creates (namespaces, veths, the bridge, processes) is removed on exit, also on failure and
SIGINT/SIGTERM.

    campaign.py --jwtd build/release/src/cli/jwtd --seconds 75 --seed 1 [--out DIR]
"""

import argparse
import fcntl
import glob
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checker  # noqa: E402
import netns  # noqa: E402
from cluster import Cluster  # noqa: E402
from history import History  # noqa: E402
from nemesis import Nemesis  # noqa: E402
from services import FAKETIME_LIB  # noqa: E402
from workload import Workload  # noqa: E402

LOCK = "/run/lock/jwtd-campaign.lock"  # one campaign at a time: the subnet and names are fixed


def fail(message):
    sys.stderr.write("campaign: %s\n" % message)
    sys.exit(1)


def preflight(binary):
    if os.geteuid() != 0:
        fail("needs root (network namespaces, nftables, veth pairs); not skipping")
    for tool in ("ip", "nft", "setpriv", "redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            fail("%s not found: scripts/install-deps.sh installs it (scripts/deps.txt)" % tool)
    if not os.path.exists(FAKETIME_LIB):
        fail("%s not found: install the 'faketime' package (scripts/deps.txt)" % FAKETIME_LIB)
    if not os.access(binary, os.X_OK):
        fail("jwtd binary %s not found: cmake --build build/release --target jwtd" % binary)


def on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def sample_readiness(history, cluster, stop):
    """/readyz of every node and follower twice a second: the fail-closed signal, recorded."""
    from http_client import Client
    client = Client(timeout=1.0)
    for _ in range(100000):
        if stop.is_set():
            return
        for host in cluster.verifiers:
            rec = {"op": "readyz", "host": host, "phase": "run", "ts": history.now()}
            rec["status"] = client.request(cluster.addr(host), "GET", "/readyz").status
            rec["tr"] = history.now()
            history.add(rec)
        stop.wait(0.5)


def heal_everything(cluster):
    for name, svc in cluster.services.items():
        svc.resume()
        if hasattr(svc, "set_clock"):
            svc.set_clock(0.0)
    for host in cluster.net.hosts:
        cluster.heal(host)
    for name in ("pg", "redis") + tuple(cluster.verifiers):
        svc = cluster.services[name]
        if not svc.alive():
            svc.restart()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jwtd", required=True, help="the jwtd binary")
    p.add_argument("--seconds", type=float, default=75)
    p.add_argument("--seed", default="1")
    p.add_argument("--max-ops", type=int, default=1000000, help="operation budget (all clients)")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--bound-ms", type=int, default=1000, help="bus.staleness_bound_ms")
    p.add_argument("--refresh-grace", type=int, default=2, help="tokens.refresh_grace (s)")
    p.add_argument("--faults", help="only these fault kinds (comma-separated), to reproduce")
    p.add_argument("--out", help="keep the run's directory (history, logs) here")
    args = p.parse_args()
    binary = os.path.abspath(args.jwtd)
    preflight(binary)

    lock = open(LOCK, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fail("another campaign runs (%s is locked)" % LOCK)
    netns.remove_leftovers()  # of a campaign killed with SIGKILL: we hold the lock now
    for stale in glob.glob(os.path.join(tempfile.gettempdir(), "jwtd-campaign-pg.*")):
        shutil.rmtree(stale, ignore_errors=True)  # PostgreSQL's data dirs of such a campaign

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        work = tempfile.mkdtemp(prefix="run-", dir=os.path.abspath(args.out))
    else:
        work = tempfile.mkdtemp(prefix="jwtd-campaign-")
    os.chmod(work, 0o755)  # postgres runs as its own user below it
    history = History(os.path.join(work, "history.jsonl"))
    cluster = Cluster(work, binary, args.bound_ms, args.refresh_grace, args.seed)
    stop = threading.Event()
    started = time.monotonic()
    ok = False
    try:
        print("campaign: seed %s, %.0f s of faults, run directory %s" %
              (args.seed, args.seconds, work), flush=True)
        cluster.start()
        print("campaign: hosts up in %.1f s (netem %s)" % (
            time.monotonic() - started, "available" if cluster.net.netem else
            "unavailable in this kernel: delay by the hosts' delay links, loss by nftables"), flush=True)
        history.add({"op": "config", "seed": args.seed, "staleness_bound_ms": args.bound_ms,
                     "refresh_grace_s": args.refresh_grace, "leeway_s": 30,
                     "netem": cluster.net.netem, "ts": history.now(), "phase": "setup"})
        deadline = time.monotonic() + args.seconds
        work_load = Workload(history, cluster, args.seed, deadline, args.max_ops, args.threads,
                             cluster.cli)
        work_load.register_all()
        nemesis = Nemesis(history, cluster, args.seed, deadline, args.bound_ms,
                          args.faults.split(",") if args.faults else None)
        sampler = threading.Thread(target=sample_readiness, args=(history, cluster, stop),
                                   daemon=True)
        fault_thread = threading.Thread(target=nemesis.run, daemon=True)
        sampler.start()
        fault_thread.start()
        work_load.run()
        nemesis.stop_requested = True
        fault_thread.join(timeout=120)
        stop.set()
        sampler.join(timeout=10)
        heal_everything(cluster)
        deadline = time.monotonic() + 60
        while not cluster.all_ready() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2 * args.bound_ms / 1000.0)
        print("campaign: healed; final verification of every token on every host", flush=True)
        work_load.final()
        history.close()
        violations = checker.report(history.records)
        ok = not violations
    finally:
        stop.set()
        cluster.teardown()
        print("campaign: %.1f s wall, history %s" % (time.monotonic() - started,
                                                      os.path.join(work, "history.jsonl")))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as e:
        fail("interrupted (%s); everything torn down" % e)
