"""The campaign's clients: several threads, each picking a seeded random operation against a
random node, until the deadline or their share of the operation budget. Every request is
recorded with its send and receive times; the checker judges the history afterwards, so the
workload itself asserts nothing.
"""

import random
import subprocess
import threading
import time

from history import rt_name
from http_client import Client, claims

PASSWORD = "campaign password 0123"


class Session:
    def __init__(self, sid, uid, user):
        self.sid, self.uid, self.user = sid, uid, user
        self.refresh = None      # the refresh token the harness holds, if it still trusts it
        self.busy = False        # a refresh or race is in flight with it
        self.access = []         # access tokens minted in this session


class Model:
    """What the clients know: sessions and tokens (in memory only, never in the history)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = {}
        self.tokens = {}          # jti -> (token, claims)
        self.recently_revoked = []  # (monotonic, sid or None, uid or None)


class Workload:
    def __init__(self, history, cluster, seed, deadline, max_ops, threads, cli):
        self.h, self.cluster = history, cluster
        self.seed, self.deadline, self.max_ops, self.threads = seed, deadline, max_ops, threads
        self.cli = cli  # args -> argv of `jwtd` on the campaign's store, for operator revokes
        self.model = Model()
        self.client = Client(timeout=3.0)
        self.users = ["u%d" % i for i in range(6)]
        self.ops = 0

    # --- recording -------------------------------------------------------------------------

    def call(self, op, host, method, path, phase="run", **kw):
        record = {"op": op, "host": host, "phase": phase, "ts": self.h.now()}
        extra = kw.pop("record", {})
        answer = self.client.request(self.cluster.addr(host), method, path, **kw)
        record.update(extra)
        record.update({"tr": self.h.now(), "status": answer.status})
        if answer.status == 0:
            record["err"] = answer.error
        elif answer.status >= 400:
            record["err"] = answer.field("error") or ""
            record["desc"] = answer.field("error_description") or ""
        return answer, record

    def minted(self, record, answer, sid_hint=None):
        access = answer.field("access_token")
        c = claims(access)
        record.update({"jti": c.get("jti"), "sid": c.get("sid"), "uid": c.get("sub"),
                       "ver": c.get("ver"), "exp": c.get("exp")})
        refresh = answer.field("refresh_token")
        if refresh:
            record["rt"] = rt_name(refresh)
        with self.model.lock:
            self.model.tokens[c["jti"]] = (access, c)
            s = self.model.sessions.get(c["sid"])
            if s is not None:
                s.access.append(c["jti"])
        return access, refresh, c

    # --- operations --------------------------------------------------------------------------

    def register_all(self):
        for user in self.users:
            answer, record = self.call("register", "n1", "POST", "/v1/users",
                                       json_body={"username": user, "password": PASSWORD},
                                       record={"user": user}, phase="setup")
            self.h.add(record)
            if answer.status != 201:
                raise RuntimeError("registering %s failed: %d" % (user, answer.status))

    def login(self, rng, phase="run"):
        user = rng.choice(self.users)
        host = rng.choice(self.cluster.nodes)
        answer, record = self.call("login", host, "POST", "/v1/login", phase=phase,
                                   json_body={"username": user, "password": PASSWORD},
                                   record={"user": user})
        if answer.status == 200:
            c = claims(answer.field("access_token"))
            with self.model.lock:
                s = Session(c["sid"], c["sub"], user)
                s.refresh = answer.field("refresh_token")
                self.model.sessions[s.sid] = s
            self.minted(record, answer)
        self.h.add(record)

    def pick_session(self, rng, want_refresh=False, claim=False):
        with self.model.lock:
            pool = [s for s in self.model.sessions.values()
                    if not s.busy and (not want_refresh or s.refresh) and s.access]
            if not pool:
                return None
            s = rng.choice(pool)
            if claim:
                s.busy = True
            return s

    def refresh_once(self, s, token, host, phase="run", race=None):
        answer, record = self.call("refresh", host, "POST", "/oauth/token", phase=phase,
                                   form={"grant_type": "refresh_token", "refresh_token": token},
                                   record={"parent": rt_name(token), "sid": s.sid,
                                           "uid": s.uid, "race": race})
        successor = None
        if answer.status == 200:
            _, successor, _ = self.minted(record, answer)
        self.h.add(record)
        return answer.status, successor, record

    def refresh(self, rng):
        s = self.pick_session(rng, want_refresh=True, claim=True)
        if s is None:
            return
        status, successor, _ = self.refresh_once(s, s.refresh, rng.choice(self.cluster.nodes))
        with self.model.lock:
            # Only a 200 tells which token is current; after anything else the harness stops
            # using this session's refresh token (a lost 200 would make the next use a reuse).
            s.refresh = successor if status == 200 else None
            s.busy = False

    def race(self, rng):
        """The same refresh token to two nodes at once."""
        s = self.pick_session(rng, want_refresh=True, claim=True)
        if s is None:
            return
        a, b = rng.sample(self.cluster.nodes, 2)
        race_id = "r%d" % rng.randrange(1 << 30)
        results = {}
        gate = threading.Barrier(2, timeout=5)

        def one(host):
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass
            results[host] = self.refresh_once(s, s.refresh, host, race=race_id)
        workers = [threading.Thread(target=one, args=(h,)) for h in (a, b)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=10)
        with self.model.lock:
            ok = [r for r in results.values() if r[0] == 200]
            # A single winner with the loser refused as a reuse leaves the session revoked; the
            # harness keeps no refresh token of a race (the checker decides what must hold).
            s.refresh = ok[0][1] if len(results) == 2 and all(
                r[0] == 200 for r in results.values()) and ok[0][1] == ok[1][1] else None
            s.busy = False

    def latest_access(self, s):
        with self.model.lock:
            return self.model.tokens[s.access[-1]][0] if s.access else None

    def revoked(self, sid=None, uid=None):
        with self.model.lock:
            self.model.recently_revoked.append((time.monotonic(), sid, uid))
            del self.model.recently_revoked[:-50]

    def logout(self, rng):
        s = self.pick_session(rng)
        if s is None:
            return
        token = self.latest_access(s)
        answer, record = self.call("logout", rng.choice(self.cluster.nodes), "POST",
                                   "/v1/logout", token=token,
                                   record={"sid": s.sid, "uid": s.uid,
                                           "jti": claims(token)["jti"]})
        self.h.add(record)
        self.revoked(sid=s.sid)

    def logout_all(self, rng):
        s = self.pick_session(rng)
        if s is None:
            return
        token = self.latest_access(s)
        answer, record = self.call("logout_all", rng.choice(self.cluster.nodes), "POST",
                                   "/v1/logout-all", token=token,
                                   record={"sid": s.sid, "uid": s.uid,
                                           "jti": claims(token)["jti"]})
        self.h.add(record)
        self.revoked(uid=s.uid)

    def delete_session(self, rng):
        s = self.pick_session(rng)
        if s is None:
            return
        with self.model.lock:
            same_user = [o for o in self.model.sessions.values() if o.uid == s.uid]
        target = rng.choice(same_user)
        token = self.latest_access(s)
        answer, record = self.call("delete_session", rng.choice(self.cluster.nodes), "DELETE",
                                   "/v1/sessions/" + target.sid, token=token,
                                   record={"sid": target.sid, "uid": s.uid,
                                           "caller_sid": s.sid, "jti": claims(token)["jti"]})
        self.h.add(record)
        self.revoked(sid=target.sid)

    def operator_revoke(self, rng):
        s = self.pick_session(rng)
        if s is None:
            return
        record = {"op": "revoke_cli", "host": "cli", "phase": "run", "sid": s.sid,
                  "uid": s.uid, "ts": self.h.now()}
        try:
            res = subprocess.run(self.cli(["revoke", "--session", s.sid]),
                                 capture_output=True, text=True, timeout=15)
            record["exit"] = res.returncode
            # The CLI's own answer: exit 0 is the acknowledgement (committed), as a 2xx is.
            record["status"] = 204 if res.returncode == 0 else 500 + res.returncode
            if res.returncode != 0:
                record["err"] = res.stderr.strip().splitlines()[-1][:200] if res.stderr else ""
        except subprocess.TimeoutExpired:
            record["status"], record["err"] = 0, "timeout"
        record["tr"] = self.h.now()
        self.h.add(record)
        self.revoked(sid=s.sid)

    def verify(self, rng, host=None, jti=None, phase="run"):
        with self.model.lock:
            if jti is None:
                if not self.model.tokens:
                    return
                recent = [r for r in self.model.recently_revoked
                          if time.monotonic() - r[0] < 5]
                jti = None
                if recent and rng.random() < 0.6:
                    _, sid, uid = rng.choice(recent)
                    cands = [j for j, (_, c) in self.model.tokens.items()
                             if c.get("sid") == sid or (uid and c.get("sub") == uid)]
                    if cands:
                        jti = rng.choice(cands)
                if jti is None:
                    jti = rng.choice(list(self.model.tokens))
            token, c = self.model.tokens[jti]
        host = host or rng.choice(self.cluster.verifiers)
        answer, record = self.call("verify", host, "GET", "/v1/me", token=token, phase=phase,
                                   record={"jti": jti, "sid": c.get("sid"),
                                           "uid": c.get("sub"), "ver": c.get("ver"),
                                           "exp": c.get("exp")})
        self.h.add(record)

    # --- driving -----------------------------------------------------------------------------

    OPS = [("login", 3), ("refresh", 3), ("race", 1), ("logout", 1.5), ("logout_all", 0.4),
           ("delete_session", 0.7), ("operator_revoke", 0.4), ("verify", 10)]

    def client_thread(self, index, budget):
        rng = random.Random("%s-client-%d" % (self.seed, index))
        names = [n for n, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        for _ in range(budget):
            if time.monotonic() >= self.deadline:
                break
            op = rng.choices(names, weights)[0]
            if op != "login" and not self.model.sessions:
                op = "login"
            getattr(self, op)(rng)
            time.sleep(rng.uniform(0.005, 0.03))

    def run(self):
        budget = self.max_ops // self.threads
        workers = [threading.Thread(target=self.client_thread, args=(i, budget), daemon=True)
                   for i in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=max(0, self.deadline - time.monotonic()) + 30)

    def final(self):
        """After every fault healed: every minted token on every node and follower, then one
        refresh of every session's refresh token the harness still holds."""
        rng = random.Random("%s-final" % self.seed)
        with self.model.lock:
            jtis = list(self.model.tokens)
            sessions = [s for s in self.model.sessions.values() if s.refresh]
        hosts = self.cluster.verifiers
        chunks = [jtis[i::4] for i in range(4)]

        def verify_chunk(chunk):
            for jti in chunk:
                for host in hosts:
                    self.verify(rng, host=host, jti=jti, phase="final")
        workers = [threading.Thread(target=verify_chunk, args=(c,)) for c in chunks]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=600)
        for s in sessions:
            self.refresh_once(s, s.refresh, rng.choice(self.cluster.nodes), phase="final")
