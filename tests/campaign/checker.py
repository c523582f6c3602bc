#!/usr/bin/python3
"""Reads a campaign history (JSON lines) and checks jwtd's four multi-node promises:

  1. stale_accept: no access token is accepted (200) by a node or follower on a request sent
     later than its revocation's acknowledgement + bus.staleness_bound_ms (answering 503, or
     failing /readyz, is what a node that cannot know must do instead);
  2. lost_revocation: after the faults healed, every acknowledged revocation is in force on
     every node and follower (access tokens refused, the session's refresh token refused);
  3. two_successors: no refresh token yields two different successors, across nodes and faults;
  4. over_revocation: every token that no acknowledged or possibly-applied revocation touched
     still works on every node and follower after the faults healed (final_unavailable: the
     healed system did not answer at all; unexpected_reuse: a refresh token the client used
     once was called reused).

Usage: checker.py HISTORY.jsonl   (exit 1 when there is any violation)
"""

import json
import sys
from collections import defaultdict

from history import load

ACKED = {"logout": (204,), "delete_session": (204,), "revoke_cli": (204,),
         "logout_all": (204,)}
NO_EFFECT = (400, 401, 403, 404, 409, 429)  # refused before anything changed


def unknown(status):
    return status == 0 or status >= 500


class Checker:
    def __init__(self, records):
        self.r = records
        cfg = next(x for x in records if x["op"] == "config")
        self.bound = cfg["staleness_bound_ms"] / 1000.0
        self.leeway = cfg.get("leeway_s", 30)
        self.grace = cfg.get("refresh_grace_s", 0)
        self.violations = []
        self.logins = {}                   # sid -> login record
        self.user_sessions = defaultdict(list)
        self.revoked = defaultdict(list)   # sid -> [(ack time, record)]
        self.maybe = {}                    # sid -> record that may have revoked it
        self.index()

    def clock_steps(self):
        """host -> [(start, end)] of its clock_beyond faults (a step past the NTP assumption)."""
        steps, open_at = defaultdict(list), {}
        for x in self.r:
            if x["op"] == "fault" and x["kind"] == "clock_beyond":
                if x["phase"] == "start":
                    open_at[x["target"]] = x["ts"]
                elif x["target"] in open_at:
                    steps[x["target"]].append((open_at.pop(x["target"]), x["ts"]))
        for host, start in open_at.items():
            steps[host].append((start, float("inf")))
        return steps

    def race_across_a_clock_step(self, race):
        """Whether a node of this two-node refresh race had its clock stepped beyond the bound
        while the race (and the grace window before it) ran: the grace window is measured on
        the nodes' clocks, so a step beyond it can make the replay read as outside the window,
        and reuse detection then ends the session (a false logout, never a stale accept)."""
        start = min(x["ts"] for x in race) - self.grace
        end = max(x["tr"] for x in race)
        return any(a <= end and b >= start
                   for x in race for a, b in self.steps.get(x.get("host"), ()))

    def index(self):
        self.steps = self.clock_steps()
        races = defaultdict(list)
        for x in self.r:
            if x["op"] == "refresh" and x.get("race"):
                races[x["race"]].append(x)
        for x in self.r:
            if x["op"] == "login" and x["status"] == 200:
                self.logins[x["sid"]] = x
                self.user_sessions[x["uid"]].append(x)
        for x in self.r:
            op, st = x["op"], x.get("status")
            if op in ("logout", "delete_session", "revoke_cli"):
                if st in ACKED[op]:
                    self.revoked[x["sid"]].append((x["tr"], x))
                elif unknown(st):
                    self.maybe.setdefault(x["sid"], x)
            elif op == "logout_all":
                for login in self.user_sessions[x["uid"]]:
                    if login["tr"] < x["ts"] and st in ACKED[op]:
                        self.revoked[login["sid"]].append((x["tr"], x))
                    elif login["ts"] < x["tr"] and (unknown(st) or st in ACKED[op]):
                        self.maybe.setdefault(login["sid"], x)
            elif op == "refresh" and st == 400 and "reuse" in x.get("desc", ""):
                self.revoked[x["sid"]].append((x["tr"], x))
                if not x.get("race"):
                    self.violate("unexpected_reuse", [x], "a refresh token used once was "
                                 "refused as reused")
            elif op == "refresh" and x.get("race") and unknown(st):
                self.maybe.setdefault(x["sid"], x)
            elif (op == "refresh" and x.get("race") and st == 400 and
                  self.race_across_a_clock_step(races[x["race"]])):
                # A refused race refresh is reuse detection or an already-ended family (both
                # read "revoked", api.md): across a clock step it may have ended the session.
                self.maybe.setdefault(x["sid"], x)

    def violate(self, kind, slice_, why):
        self.violations.append((kind, why, slice_))

    def context(self, sid, start, end):
        """The history slice: every record of the session and every fault in [start, end]."""
        out = []
        for x in self.r:
            if x["op"] == "fault":
                if start - 1 <= x["ts"] <= end + 1:
                    out.append(x)
            elif x.get("sid") == sid and start - 1 <= x.get("ts", 0) <= end + 1:
                out.append(x)
        return out

    def first_revocation(self, sid):
        return min(self.revoked[sid], key=lambda a: a[0]) if self.revoked.get(sid) else None

    def check_stale_accepts(self):
        for x in self.r:
            if x["op"] != "verify" or x["phase"] != "run" or x["status"] != 200:
                continue
            first = self.first_revocation(x["sid"])
            if first and x["ts"] > first[0] + self.bound:
                self.violate("stale_accept", [first[1], x] + self.context(
                    x["sid"], first[1]["ts"], x["tr"]),
                    "%s accepted jti %s %.3f s after its revocation's acknowledgement "
                    "(bound %.3f s)" % (x["host"], x["jti"], x["ts"] - first[0], self.bound))

    def check_successors(self):
        by_parent = defaultdict(list)
        for x in self.r:
            if x["op"] == "refresh" and x["status"] == 200:
                by_parent[x["parent"]].append(x)
        for parent, answers in by_parent.items():
            if len({a["rt"] for a in answers}) > 1:
                self.violate("two_successors", answers, "refresh token %s yielded %d different "
                             "successors" % (parent, len({a["rt"] for a in answers})))

    def check_final(self):
        minted = {x["jti"]: x for x in self.r
                  if x["op"] in ("login", "refresh") and x["status"] == 200 and x.get("jti")}
        for x in self.r:
            if x["phase"] != "final" or x["op"] not in ("verify", "refresh"):
                continue
            sid, st = x["sid"], x["status"]
            first = self.first_revocation(sid)
            if first:
                if st == 200:
                    self.violate("lost_revocation", [first[1], x], "%s on %s: %s of a session "
                                 "revoked at %.3f s is accepted after the faults healed" %
                                 (x["op"], x["host"], x.get("jti") or x.get("parent"),
                                  first[0]))
                elif unknown(st):
                    self.violate("final_unavailable", [x], "no answer after healing")
                continue
            if sid in self.maybe:
                continue
            if x["op"] == "verify":
                if x["exp"] <= x["wall"] + self.leeway or minted[x["jti"]]["phase"] == "final":
                    continue
            if st == 200:
                continue
            kind = "final_unavailable" if unknown(st) else "over_revocation"
            self.violate(kind, [x] + self.context(sid, 0, x["tr"])[-12:],
                         "%s on %s refused (%d %s) a token no revocation touched" %
                         (x["op"], x["host"], st, x.get("desc", x.get("err", ""))))

    def run(self):
        self.check_stale_accepts()
        self.check_successors()
        self.check_final()
        return self.violations


def summary(records, violations):
    ops = sum(1 for x in records if x["op"] not in ("fault", "config"))
    faults = defaultdict(int)
    for x in records:
        if x["op"] == "fault" and x["phase"] == "start":
            faults[x["kind"]] += 1
    kinds = defaultdict(int)
    for kind, _, _ in violations:
        kinds[kind] += 1
    fmt = lambda d: "{" + ", ".join("%s: %d" % kv for kv in sorted(d.items())) + "}"
    return ("campaign summary: operations %d; faults %d %s; violations %d %s" %
            (ops, sum(faults.values()), fmt(faults), len(violations), fmt(kinds)))


def report(records, out=sys.stdout):
    violations = Checker(records).run()
    for kind, why, slice_ in violations[:50]:
        out.write("VIOLATION %s: %s\n" % (kind, why))
        for x in slice_[:25]:
            out.write("    %s\n" % json.dumps(x, sort_keys=True))
    if len(violations) > 50:
        out.write("... and %d more violations\n" % (len(violations) - 50))
    out.write(summary(records, violations) + "\n")
    return violations


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(1 if report(load(sys.argv[1])) else 0)
