#!/usr/bin/python3
"""The checker finds each kind of violation in a made-up history, and none in a clean one: the
campaign's verdict can fail."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checker import Checker, summary  # noqa: E402

CONFIG = {"op": "config", "staleness_bound_ms": 1000, "leeway_s": 30, "phase": "setup", "ts": 0}
FAR = 10 ** 10  # an exp that never passes


def login(sid, uid, t, jti, rt):
    return {"op": "login", "phase": "run", "status": 200, "sid": sid, "uid": uid, "ts": t,
            "tr": t + 0.01, "jti": jti, "rt": rt, "exp": FAR}


def verify(jti, sid, uid, t, status, phase="run", host="n2"):
    return {"op": "verify", "phase": phase, "status": status, "jti": jti, "sid": sid, "uid": uid,
            "ts": t, "tr": t + 0.01, "host": host, "exp": FAR, "wall": 0}


def op(name, sid, uid, t, status):
    return {"op": name, "phase": "run", "status": status, "sid": sid, "uid": uid, "ts": t,
            "tr": t + 0.01, "host": "n1"}


def kinds(records):
    return sorted({k for k, _, _ in Checker([CONFIG] + records).run()})


class CheckerTest(unittest.TestCase):
    def test_clean_history_has_no_violation(self):
        h = [login("s1", "1", 1, "j1", "r1"), op("logout", "s1", "1", 2, 204),
             verify("j1", "s1", "1", 2.5, 200),            # inside the bound: allowed
             verify("j1", "s1", "1", 4, 401), verify("j1", "s1", "1", 5, 503),
             login("s2", "1", 6, "j2", "r2"), verify("j2", "s2", "1", 9, 200, "final"),
             verify("j1", "s1", "1", 9, 401, "final")]
        self.assertEqual(kinds(h), [])
        self.assertIn("violations 0 {}", summary([CONFIG] + h, []))

    def test_accept_after_the_bound_is_a_stale_accept(self):
        h = [login("s1", "1", 1, "j1", "r1"), op("logout", "s1", "1", 2, 204),
             verify("j1", "s1", "1", 3.1, 200)]
        self.assertEqual(kinds(h), ["stale_accept"])

    def test_logout_all_revokes_sessions_started_before_it(self):
        h = [login("s1", "1", 1, "j1", "r1"), op("logout_all", "s1", "1", 2, 204),
             login("s2", "1", 3, "j2", "r2"), verify("j2", "s2", "1", 5, 200),
             verify("j1", "s1", "1", 5, 200)]
        self.assertEqual(kinds(h), ["stale_accept"])

    def test_revocation_not_in_force_at_the_end_is_lost(self):
        h = [login("s1", "1", 1, "j1", "r1"), op("revoke_cli", "s1", "1", 2, 204),
             verify("j1", "s1", "1", 9, 200, "final")]
        self.assertEqual(kinds(h), ["lost_revocation"])

    def test_two_successors_of_one_refresh_token(self):
        refresh = {"op": "refresh", "phase": "run", "status": 200, "parent": "r1", "sid": "s1",
                   "uid": "1", "ts": 2, "tr": 2.1, "exp": FAR}
        h = [login("s1", "1", 1, "j1", "r1"), dict(refresh, rt="r2", jti="j2", race="x"),
             dict(refresh, rt="r3", jti="j3", race="x", host="n3")]
        self.assertEqual(kinds(h), ["two_successors"])

    def test_untouched_token_refused_at_the_end_is_over_revocation(self):
        h = [login("s1", "1", 1, "j1", "r1"), verify("j1", "s1", "1", 9, 401, "final")]
        self.assertEqual(kinds(h), ["over_revocation"])

    def test_an_unanswered_logout_excuses_a_refusal_but_not_an_unreachable_host(self):
        h = [login("s1", "1", 1, "j1", "r1"), op("logout", "s1", "1", 2, 0),
             verify("j1", "s1", "1", 9, 401, "final"),
             login("s2", "1", 3, "j2", "r2"), verify("j2", "s2", "1", 9, 0, "final")]
        self.assertEqual(kinds(h), ["final_unavailable"])

    def test_a_race_refused_across_a_clock_step_excuses_the_session_but_not_without_one(self):
        cfg = dict(CONFIG, refresh_grace_s=2)
        refresh = {"op": "refresh", "phase": "run", "parent": "r1", "sid": "s1", "uid": "1",
                   "ts": 5, "tr": 5.1, "exp": FAR, "race": "x"}
        race = [login("s1", "1", 1, "j1", "r1"),
                dict(refresh, status=200, rt="r2", jti="j2", host="n1"),
                dict(refresh, status=400, desc="refresh token revoked", host="n2"),
                verify("j1", "s1", "1", 9, 401, "final")]
        step = [{"op": "fault", "kind": "clock_beyond", "phase": "start", "target": "n2",
                 "ts": 4, "offset_s": 3.0},
                {"op": "fault", "kind": "clock_beyond", "phase": "end", "target": "n2", "ts": 8}]
        elsewhere = [dict(step[0], target="n3"), dict(step[1], target="n3")]
        run = lambda records: sorted({k for k, _, _ in Checker([cfg] + records).run()})
        self.assertEqual(run(race[:1] + step + race[1:]), [])
        self.assertEqual(run(race), ["over_revocation"])
        self.assertEqual(run(race[:1] + elsewhere + race[1:]), ["over_revocation"])


if __name__ == "__main__":
    unittest.main()
