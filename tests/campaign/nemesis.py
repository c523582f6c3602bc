"""The nemesis: one fault at a time, drawn from a seeded generator, each logged in the history
with its start and end (heal) times. Every fault is healed before the next one starts and
before the campaign's final phase, so the final checks see a whole system again."""

import random
import time


class Nemesis:
    def __init__(self, history, cluster, seed, deadline, bound_ms, only=None):
        self.h, self.c = history, cluster
        self.rng = random.Random("%s-nemesis" % seed)
        self.deadline = deadline
        self.bound = bound_ms / 1000.0
        self.counts = {}
        self.stop_requested = False
        self.kinds = ["partition_node_redis", "partition_node_pg", "partition_node_stores",
                      "partition_node_nodes",
                      "partition_follower_feed", "kill_node", "kill_redis", "kill_pg",
                      "pause_node", "pause_redis", "loss", "delay", "clock_within", "clock_beyond"]
        if cluster.net.netem:
            self.kinds.append("netem")
        if only:  # a reproduction: just these kinds, in the same seeded order
            unknown = set(only) - set(self.kinds)
            if unknown:
                raise ValueError("unknown or unavailable fault kinds: %s" % sorted(unknown))
            self.kinds = [k for k in self.kinds if k in only]

    def log(self, kind, target, phase, **extra):
        rec = {"op": "fault", "kind": kind, "target": target, "phase": phase,
               "ts": self.h.now()}
        rec.update(extra)
        rec["tr"] = rec["ts"]
        self.h.add(rec)

    def sleep(self, seconds):
        end = min(time.monotonic() + seconds, self.deadline)
        while time.monotonic() < end and not self.stop_requested:
            time.sleep(0.05)

    def inject(self, kind):
        c, rng, net = self.c, self.rng, self.c.net
        node = rng.choice(c.nodes)
        hold = rng.uniform(1.0, 4.0) * max(self.bound, 0.5)
        if kind == "partition_node_redis":
            return node, lambda: net.partition(node, ["redis"]), lambda: net.heal(node), hold, {}
        if kind == "partition_node_pg":
            return node, lambda: net.partition(node, ["pg"]), lambda: net.heal(node), hold, {}
        if kind == "partition_node_stores":  # cut off from both: only its followers see it
            return (node, lambda: net.partition(node, ["redis", "pg"]), lambda: net.heal(node),
                    hold, {})
        if kind == "partition_node_nodes":
            others = [n for n in c.nodes + c.followers if n != node]
            return (node, lambda: net.partition(node, others), lambda: net.heal(node), hold,
                    {})
        if kind == "partition_follower_feed":
            f = c.feed_follower
            return (f, lambda: net.partition(f, [c.feed_node]), lambda: net.heal(f), hold, {})
        if kind == "kill_node":
            svc = c.services[node]
            return node, svc.kill9, svc.restart, hold, {}
        if kind == "kill_redis":
            svc = c.services["redis"]
            return "redis", svc.kill9, svc.restart, hold, {}
        if kind == "kill_pg":
            svc = c.services["pg"]
            return "pg", svc.kill9, svc.restart, hold, {}
        if kind == "pause_node":
            svc = c.services[node]
            return node, svc.pause, svc.resume, hold, {}
        if kind == "pause_redis":
            svc = c.services["redis"]
            return "redis", svc.pause, svc.resume, hold, {}
        if kind == "loss":
            pct = 5
            return (node, lambda: net.lossy(node, pct), lambda: net.heal(node), hold * 2,
                    {"loss_pct": pct})
        if kind == "delay":  # a node's or a follower's links: 50 ms +- 20 ms and 5 % loss
            host = rng.choice(c.nodes + c.followers)
            return (host, lambda: c.delay(host, 50, 20, 5), lambda: c.heal(host), hold * 2,
                    {"delay_ms": 50, "jitter_ms": 20, "loss_pct": 5})
        if kind == "netem":
            return (node, lambda: net.delay(node, 50, 20, 5, 25), lambda: net.heal(node),
                    hold * 2, {"delay_ms": 50, "jitter_ms": 20, "loss_pct": 5,
                               "reorder_pct": 25})
        if kind in ("clock_within", "clock_beyond"):
            # The documented assumption: nodes within a small fraction of the staleness bound.
            scale = 0.2 if kind == "clock_within" else 3.0
            offset = rng.choice([-1, 1]) * scale * self.bound
            svc = c.services[node]
            return (node, lambda: svc.set_clock(offset), lambda: svc.set_clock(0.0), hold * 2,
                    {"offset_s": round(offset, 3)})
        raise ValueError(kind)

    def run(self):
        while not self.stop_requested:
            self.sleep(self.rng.uniform(0.5, 2.0) * max(self.bound, 0.5))
            if time.monotonic() + 6 >= self.deadline or self.stop_requested:
                break
            kind = self.rng.choice(self.kinds)
            target, start, heal, hold, extra = self.inject(kind)
            self.log(kind, target, "start", hold_s=round(hold, 3), **extra)
            try:
                start()
                self.sleep(hold)
            finally:
                heal()
                self.log(kind, target, "end")
            self.counts[kind] = self.counts.get(kind, 0) + 1
