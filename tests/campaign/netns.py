"""The campaign's network: one Linux network namespace per host, each joined to one bridge by a
veth pair, addressed in a private /24 that exists only while the campaign runs.

The bridge's own address is the clients' host (the harness process); no namespace has a default
route, so nothing a host sends can leave the bridge. Faults are nftables rules and tc qdiscs
inside one host's namespace, so healing a host is flushing its table and deleting its qdisc.
"""

import subprocess

PREFIX = "jc-"  # every namespace, veth and bridge the campaign creates starts with this
BRIDGE = "jc-br0"
SUBNET = "10.77.0"
CLIENT_ADDR = SUBNET + ".1"


def run(args, check=True, quiet=False):
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), result.returncode,
                                                    (result.stderr or result.stdout).strip()))
    return result


def leftovers():
    """Namespaces and links of an earlier campaign that died without tearing down."""
    names = run(["ip", "netns", "list"], check=False).stdout.split()
    spaces = [n for n in names if n.startswith(PREFIX)]
    links = []
    for line in run(["ip", "-o", "link", "show"], check=False).stdout.splitlines():
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        if name.startswith(PREFIX):
            links.append(name)
    return spaces, links


def remove_leftovers():
    spaces, links = leftovers()
    for link in links:
        run(["ip", "link", "del", link], check=False)
    for space in spaces:
        run(["ip", "netns", "del", space], check=False)


class Network:
    def __init__(self):
        self.hosts = {}  # name -> address
        self.netem = None  # decided by probe_netem()

    def ns(self, host):
        return PREFIX + host

    def exec_prefix(self, host):
        return ["ip", "netns", "exec", self.ns(host)]

    def create_bridge(self):
        run(["ip", "link", "add", BRIDGE, "type", "bridge"])
        run(["ip", "addr", "add", CLIENT_ADDR + "/24", "dev", BRIDGE])
        run(["ip", "link", "set", BRIDGE, "up"])

    def add_host(self, host, last_octet):
        ns, outer, addr = self.ns(host), PREFIX + host, "%s.%d" % (SUBNET, last_octet)
        run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns])
        run(["ip", "link", "set", outer, "master", BRIDGE])
        run(["ip", "link", "set", outer, "up"])
        inside = self.exec_prefix(host)
        run(inside + ["ip", "link", "set", "lo", "up"])
        run(inside + ["ip", "addr", "add", addr + "/24", "dev", "eth0"])
        run(inside + ["ip", "link", "set", "eth0", "up"])
        # One table per host for every fault rule: healing is one flush.
        run(inside + ["nft", "add table inet jc; "
                      "add chain inet jc in { type filter hook input priority 0; }; "
                      "add chain inet jc out { type filter hook output priority 0; }"])
        self.hosts[host] = addr
        return addr

    def probe_netem(self):
        """tc netem needs the kernel's sch_netem; some kernels (this VM's) are built without it."""
        host = next(iter(self.hosts))
        res = run(self.exec_prefix(host) + ["tc", "qdisc", "add", "dev", "lo", "root", "netem",
                                            "delay", "1ms"], check=False)
        self.netem = res.returncode == 0
        if self.netem:
            run(self.exec_prefix(host) + ["tc", "qdisc", "del", "dev", "lo", "root"], check=False)
        return self.netem

    def nft(self, host, rules):
        run(self.exec_prefix(host) + ["nft", "; ".join(rules)])

    def partition(self, host, peers):
        """Drops every packet between `host` and `peers`, both ways, on host's side. Established
        connections stay open and silent: the peers look hung, not gone."""
        rules = []
        for peer in peers:
            rules.append("add rule inet jc out ip daddr %s drop" % self.hosts[peer])
            rules.append("add rule inet jc in ip saddr %s drop" % self.hosts[peer])
        self.nft(host, rules)

    def lossy(self, host, percent):
        """Random loss without netem: nftables' numgen on both directions of eth0 (not on
        loopback, where the host's delay link meets its process)."""
        self.nft(host, ["add rule inet jc %s %s \"eth0\" numgen random mod 100 < %d drop" %
                        (chain, match, percent)
                        for chain, match in (("in", "iifname"), ("out", "oifname"))])

    def delay(self, host, delay_ms, jitter_ms, loss_pct, reorder_pct):
        run(self.exec_prefix(host) + ["tc", "qdisc", "add", "dev", "eth0", "root", "netem",
                                      "delay", "%dms" % delay_ms, "%dms" % jitter_ms,
                                      "loss", "%d%%" % loss_pct,
                                      "reorder", "%d%%" % reorder_pct, "50%"])

    def heal(self, host):
        run(self.exec_prefix(host) + ["nft", "flush table inet jc"], check=False)
        if self.netem:
            run(self.exec_prefix(host) + ["tc", "qdisc", "del", "dev", "eth0", "root"],
                check=False)

    def teardown(self):
        for host in list(self.hosts):
            run(["ip", "link", "del", PREFIX + host], check=False)
            run(["ip", "netns", "del", self.ns(host)], check=False)
        self.hosts.clear()
        run(["ip", "link", "del", BRIDGE], check=False)
        remove_leftovers()
