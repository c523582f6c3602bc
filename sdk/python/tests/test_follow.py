"""The follower through jwtd's failures: SIGKILL and restart on the same data dir and port,
jwtd stopping (stale, fail closed; fail open when asked), a new log under the same address
(reset), and a cursor behind the node's replay window (repage)."""

import logging
import shutil
import tempfile

import pytest
from conftest import make_verifier
from waits import outcome, wait_for
from jwtd_server import FEED_CLIENT, FEED_SECRET, JwtdServer


def live_entries(server):
    """Every live entry in the server's log, paged directly (the reference for 'misses nothing')."""
    import base64, http.client, json
    auth = base64.b64encode(f"{FEED_CLIENT}:{FEED_SECRET}".encode()).decode()
    after, entries = 0, []
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", f"/v1/revocations?after={after}&limit=10000",
                     headers={"Authorization": f"Basic {auth}"})
        page = json.loads(conn.getresponse().read())
        conn.close()
        entries += page["entries"]
        after = page["next"]
        if page["complete"]:
            return entries, page["current_seq"]


@pytest.fixture
def server():
    s = JwtdServer().start()
    yield s
    s.remove()


def test_sigkill_and_restart_on_the_same_port_misses_nothing(server):
    v = make_verifier(server)
    try:
        assert v.wait_current(10)
        server.register("gina")
        before = [server.login("gina")["access_token"] for _ in range(3)]
        assert all(outcome(v, t) == "valid" for t in before)
        assert server.call("POST", "/v1/logout", token=before[0])[0] == 204
        server.kill()  # right after the commit: the follower may or may not have it yet
        # Nothing is written while jwtd is down: what matters is what reached the log before.
        assert wait_for(lambda: not v.status()["current"], 3.0) is not None
        assert outcome(v, before[1]) == "stale"  # fail closed while jwtd is gone
        server.start(port=server.port)
        assert v.wait_current(10), v.status()
        assert server.call("POST", "/v1/logout", token=before[1])[0] == 204
        assert wait_for(lambda: outcome(v, before[1]) == "revoked", 2.0) is not None
        assert outcome(v, before[0]) == "revoked"
        assert outcome(v, before[2]) == "valid"
        entries, current_seq = live_entries(server)
        assert wait_for(lambda: v.status()["cursor"] >= current_seq, 2.0) is not None
        s = v.status()
        assert s["view"]["session"] == sum(e["kind"] == "session" for e in entries) == 2
        assert s["counters"]["resets"] == s["counters"]["repages"] == 0
        # Resumed on the stream with Last-Event-ID, never paged again.
        assert s["mode"] == "stream" and s["counters"]["connects"] >= 2
        assert s["counters"]["pages"] == 1
    finally:
        v.close()


def test_stale_after_jwtd_stops_then_current_again(server):
    v = make_verifier(server)
    try:
        assert v.wait_current(10)
        server.register("hank")
        token = server.login("hank")["access_token"]
        assert outcome(v, token) == "valid"
        server.stop()
        took = wait_for(lambda: outcome(v, token) == "stale", 3.0)
        assert took is not None and v.status()["current"] is False
        # The bound is 1 s from the last proof of currency, so never much later than that.
        assert took < 1.5, took
        assert v.status()["age_ms"] > 1000
        server.start(port=server.port)
        assert v.wait_current(10)
        assert outcome(v, token) == "valid"
    finally:
        v.close()
    assert outcome(v, token) == "stale"  # closed: nothing vouches for the view any more


def test_fail_open_is_visible(server, caplog):
    caplog.set_level(logging.WARNING, logger="jwtd_verifier")
    v = make_verifier(server, fail_open=True, staleness_bound=0.3)
    try:
        assert v.wait_current(10)
        assert "fail_open is on" in caplog.text
        server.register("iris")
        token = server.login("iris")["access_token"]
        server.stop()
        assert wait_for(lambda: not v.status()["current"], 2.0) is not None
        assert outcome(v, token) == "valid"
        s = v.status()
        assert s["fail_open"] is True and s["accepted_while_stale"] >= 1
        assert "accepting tokens anyway (fail_open)" in caplog.text
    finally:
        v.close()


@pytest.mark.parametrize("transport", ["stream", "poll"])
def test_a_new_log_at_the_same_address_resets_the_view(server, transport):
    v = make_verifier(server, transport=transport)
    other_dir = tempfile.mkdtemp(prefix="jwtd-sdk-py-")
    try:
        assert v.wait_current(10)
        server.register("jack")
        for _ in range(3):
            token = server.login("jack")["access_token"]
            server.call("POST", "/v1/logout", token=token)
        assert wait_for(lambda: v.status()["view"]["session"] == 3, 2.0) is not None
        port = server.port
        server.stop()
        fresh = JwtdServer(data_dir=other_dir).start(port=port)
        try:
            fresh.register("kate")
            t = fresh.login("kate")["access_token"]
            fresh.call("POST", "/v1/logout", token=t)
            # The new log's current_seq (1) is below the cursor (3): start again from 0.
            assert wait_for(lambda: v.status()["counters"]["resets"] == 1, 5.0) is not None
            assert v.wait_current(10)
            assert wait_for(lambda: v.status()["view"]["session"] == 1, 2.0) is not None
            assert outcome(v, t) == "revoked"
        finally:
            fresh.stop()
    finally:
        v.close()
        shutil.rmtree(other_dir, ignore_errors=True)


def test_a_cursor_behind_the_replay_window_repages():
    server = JwtdServer(settings=["feed.replay_entries=2"]).start()
    v = make_verifier(server, transport="stream")
    try:
        assert v.wait_current(10)
        server.register("mia")
        tokens = [server.login("mia")["access_token"] for _ in range(5)]
        for t in tokens:
            assert server.call("POST", "/v1/logout", token=t)[0] == 204
        assert wait_for(lambda: v.status()["view"]["session"] == 5, 2.0) is not None
        # As if the follower had been away since seq 1: its next connect resumes from there,
        # which lies before the node's replay window of 2 entries.
        follower, rewound = v._follower, []
        stream = follower._stream

        def rewinding(closed, healthy):
            if not rewound:
                rewound.append(follower.cursor)
                follower.cursor = 1
            return stream(closed, healthy)

        follower._stream = rewinding
        follower.close_stream()
        assert wait_for(lambda: v.status()["counters"]["repages"] == 1, 5.0) is not None
        assert v.wait_current(5)
        assert wait_for(lambda: v.status()["cursor"] >= rewound[0], 2.0) is not None
        assert v.status()["mode"] == "stream"
        assert all(outcome(v, t) == "revoked" for t in tokens)
    finally:
        v.close()
        server.remove()
