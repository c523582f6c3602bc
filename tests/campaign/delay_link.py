#!/usr/bin/python3
"""A delay link: the campaign's stand-in for `tc netem` delay and jitter on kernels built
without sch_netem (and without nftables' `queue`, so packets cannot be held in user space).

It runs inside one host's namespace and forwards TCP from a loopback port to a peer (a node's
PostgreSQL and Redis connections, a follower's feed connection), so the host's own nftables
rules (partitions, loss) still apply to the forwarded traffic on eth0. While delay is on, every
chunk read from either side is written to the other side after `delay +- jitter` (uniform).
Bytes of one TCP stream keep their order, as TCP would restore it after a packet reordering;
what a process can observe of reordering is between its connections, and the jitter drawn
independently per chunk gives exactly that: a bus message and a store reply sent in one order
arrive in the other.

    delay_link.py --ready FILE --seed S --control FILE LISTEN_PORT=PEER_HOST:PEER_PORT ...

SIGUSR1 reads the control file ({"delay_ms": 50, "jitter_ms": 20}) and turns delay on;
SIGUSR2 turns it off (what was already queued is still delivered at its time).
"""

import argparse
import asyncio
import json
import random
import signal
import socket
import sys

CHUNK = 65536
# As jwtd's own PostgreSQL connections (connect_timeout 5 s, tcp_user_timeout = statement
# timeout + connect timeout): jwtd's socket now ends on loopback, where nothing is ever left
# unacknowledged, so the link's upstream socket carries the timeouts that would have ended a
# partitioned connection, and closing it ends jwtd's side too.
CONNECT_TIMEOUT_S = 5.0
TCP_USER_TIMEOUT_MS = 10000


class Delay:
    def __init__(self, seed, control):
        self.rng = random.Random("%s-link" % seed)
        self.control = control
        self.delay = self.jitter = 0.0

    def turn_on(self):
        with open(self.control) as f:
            spec = json.load(f)
        self.delay = spec["delay_ms"] / 1000.0
        self.jitter = spec.get("jitter_ms", 0) / 1000.0

    def turn_off(self):
        self.delay = self.jitter = 0.0

    def due(self, now, previous):
        """When a chunk read at `now` is written: never before the stream's previous chunk."""
        if self.delay <= 0:
            return max(now, previous)
        return max(now + max(0.0, self.delay + self.rng.uniform(-self.jitter, self.jitter)),
                   previous)


async def pump(reader, writer, delay, done):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def read_side():
        previous = 0.0
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                previous = delay.due(loop.time(), previous)
                queue.put_nowait((previous, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((None, None))

    async def write_side():
        try:
            while True:
                at, data = await queue.get()
                if data is None:
                    break
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        done.set()  # either side ending ends the connection: PostgreSQL, Redis and HTTP do not half-close

    await asyncio.gather(read_side(), write_side())


async def serve_one(down_reader, down_writer, peer, delay):
    try:
        up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*peer),
                                                      CONNECT_TIMEOUT_S)
    except (asyncio.TimeoutError, OSError):
        down_writer.close()
        return
    sock = up_writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, TCP_USER_TIMEOUT_MS)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
    done = asyncio.Event()
    tasks = [asyncio.ensure_future(pump(down_reader, up_writer, delay, done)),
             asyncio.ensure_future(pump(up_reader, down_writer, delay, done))]
    await done.wait()
    for w in (down_writer, up_writer):
        w.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ready", required=True, help="written once every port listens")
    p.add_argument("--control", required=True, help="JSON read on SIGUSR1")
    p.add_argument("--seed", default="1")
    p.add_argument("links", nargs="+", help="LISTEN_PORT=PEER_HOST:PEER_PORT")
    args = p.parse_args()
    delay = Delay(args.seed, args.control)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, delay.turn_on)
    loop.add_signal_handler(signal.SIGUSR2, delay.turn_off)
    servers = []
    for spec in args.links:
        port, peer = spec.split("=", 1)
        host, peer_port = peer.rsplit(":", 1)
        target = (host, int(peer_port))
        servers.append(await asyncio.start_server(
            lambda r, w, target=target: serve_one(r, w, target, delay), "127.0.0.1", int(port)))
    with open(args.ready, "w") as f:
        f.write("ready\n")
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
