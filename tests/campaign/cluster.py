"""The campaign's hosts: PostgreSQL, Redis, three full `jwtd serve` nodes on them, a verifier
on the same store and bus (the gateway shape) and a verifier following node n1's feed
(`verifier.feed_url`, no database), each in its own namespace.

Every node and follower reaches its peers (PostgreSQL, Redis, the feed node) through a delay
link in its own namespace (tests/campaign/delay_link.py): the nemesis' delay fault, where the
kernel has no tc netem."""

import os

from netns import Network
from services import DelayLink, Jwtd, Postgres, Redis

FEED_CLIENT = "edge:edge-secret-campaign-0123456789"
ISSUER = "https://jwtd.campaign.test"


def write_toml(path, sections):
    with open(path, "w") as f:
        for name, values in sections.items():
            f.write("[%s]\n" % name)
            for key, value in values.items():
                if isinstance(value, bool):
                    text = "true" if value else "false"
                elif isinstance(value, (int, float)):
                    text = str(value)
                elif isinstance(value, list):
                    text = "[" + ", ".join('"%s"' % v for v in value) + "]"
                else:
                    text = '"%s"' % value
                f.write("%s = %s\n" % (key, text))
            f.write("\n")


class Cluster:
    PG_LINK, REDIS_LINK, FEED_LINK = 15432, 16379, 18080  # loopback ports of the delay links

    def __init__(self, work_dir, jwtd_binary, bound_ms, refresh_grace, seed):
        self.dir, self.binary, self.seed = work_dir, jwtd_binary, seed
        self.bound_ms, self.refresh_grace = bound_ms, refresh_grace
        self.net = Network()
        self.services = {}
        self.nodes = ["n1", "n2", "n3"]
        self.feed_node = "n1"
        self.feed_follower = "f1"
        self.followers = ["f1", "f2"]
        self.verifiers = self.nodes + self.followers  # every host that answers GET /v1/me
        self.links = {}  # host -> DelayLink

    def addr(self, host):
        return self.net.hosts[host]

    def configs(self, pg, redis):
        common = {
            "tokens": {"issuer": ISSUER, "access_ttl": 3600, "refresh_grace": self.refresh_grace},
            "password": {"ops_limit": 1, "mem_limit_kib": 8192},
            "log": {"level": "warn"},
        }
        bus = {"staleness_bound_ms": self.bound_ms}
        full = dict(common)
        full.update({
            "store": {"url": pg.url},
            "bus": dict(bus, url=redis.url),
            "keys": {"dir": os.path.join(self.dir, "keys")},
            "feed": {"clients": [FEED_CLIENT]},
        })
        gateway = dict(full)
        gateway["server"] = {"role": "verifier"}
        gateway.pop("feed")
        feed = dict(common)
        feed.update({
            "server": {"role": "verifier"},
            "bus": bus,
            "verifier": {"feed_url": "http://%s:8080/" % self.addr(self.feed_node),
                         "feed_client": FEED_CLIENT, "jwks_refetch_ms": 1000},
        })
        paths = {}
        for name, sections in (("full", full), ("gateway", gateway), ("feed", feed)):
            paths[name] = os.path.join(self.dir, name + ".toml")
            write_toml(paths[name], sections)
        return paths

    def start(self):
        net = self.net
        net.create_bridge()
        for host, octet in (("pg", 10), ("redis", 20), ("n1", 11), ("n2", 12), ("n3", 13),
                            ("f1", 31), ("f2", 32)):
            net.add_host(host, octet)
        net.probe_netem()
        pg = Postgres(net, "pg", os.path.join(self.dir, "pg"))
        os.makedirs(os.path.join(self.dir, "pg"))
        pg.init()
        pg.start()
        pg.create_database()
        redis_dir = os.path.join(self.dir, "redis")
        os.makedirs(redis_dir)
        redis = Redis(net, "redis", redis_dir)
        redis.start()
        self.services.update(pg=pg, redis=redis)
        self.config = self.configs(pg, redis)
        stores = [(self.PG_LINK, pg.addr, 5432), (self.REDIS_LINK, redis.addr, 6379)]
        via_links = ["--set", "store.url=postgresql://jwtd@127.0.0.1:%d/jwtd" % self.PG_LINK,
                     "--set", "bus.url=redis://127.0.0.1:%d" % self.REDIS_LINK]
        feed = [(self.FEED_LINK, self.addr(self.feed_node), 8080)]
        for host in self.nodes + ["f2"]:
            self.start_link(host, stores)
        self.start_link("f1", feed)
        # n1 first: it migrates the schema and creates the shared key ring.
        for host in self.nodes:
            self.services[host] = Jwtd(net, host, self.dir, self.binary, self.config["full"],
                                       via_links)
            self.services[host].start()
        self.services["f1"] = Jwtd(net, "f1", self.dir, self.binary, self.config["feed"], [
            "--set", "verifier.feed_url=http://127.0.0.1:%d/" % self.FEED_LINK])
        self.services["f2"] = Jwtd(net, "f2", self.dir, self.binary, self.config["gateway"],
                                   via_links)
        for host in self.followers:
            self.services[host].start()

    def start_link(self, host, links):
        link = DelayLink(self.net, host, self.dir, self.seed, links)
        link.start()
        self.links[host] = link
        self.services[host + ".link"] = link

    def delay(self, host, delay_ms, jitter_ms, loss_pct):
        """Every link of `host` delayed by delay_ms +- jitter_ms, and loss_pct of its packets
        dropped on eth0."""
        self.links[host].delay(delay_ms, jitter_ms)
        self.net.lossy(host, loss_pct)

    def heal(self, host):
        """Every fault of `host`'s network undone: its nftables rules, its qdisc, its link's
        delay."""
        self.net.heal(host)
        if host in self.links:
            self.links[host].undelay()

    def cli(self, args):
        """`jwtd ARGS` as an operator runs it next to the store (here: from the client host)."""
        return [self.binary] + args + ["--config", self.config["full"], "--data-dir",
                                       os.path.join(self.dir, "cli")]

    def all_ready(self):
        return all(s.ready() for h, s in self.services.items() if h in self.verifiers)

    def teardown(self):
        for name in reversed(list(self.services)):
            try:
                self.services[name].stop()
            except Exception:
                pass
        self.net.teardown()
