"""Follows jwtd's revocation feed into a RevocationView (docs/verifying.md §2, "Following it").

1. Page GET /v1/revocations from the cursor until `complete`: the view then holds every live
   entry, and the pages' read proves it current.
2. Stream GET /v1/revocations/stream with Last-Event-ID = cursor: apply `revocation` events in
   order, take each `heartbeat` as a proof of currency (Freshness) and its current_seq as the
   cursor. A `repage` event, or a gap (a revocation whose id is not its seq), sends it back to 1.
   A disconnect or a malformed event ends the stream without moving the cursor past it; the
   reconnect resumes with Last-Event-ID: nothing is lost or reordered.
3. A current_seq below the cursor means a different log (a new database): a fresh view is paged
   from 0 and replaces the old one once complete (the old, stricter view stays until then, but
   is not current: tokens are refused as stale meanwhile).
With transport 'auto', a jwtd without the stream (404) is polled: one page request per heartbeat
interval.

Thread-safety: `follow` runs on one thread (the Verifier's). `view` is replaced by assignment
and announced through `install_view`; `close_stream` may be called from any thread to unblock it.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from typing import Any, Callable

from . import strict_json
from .errors import FeedError
from .freshness import Freshness
from .http_client import HttpClient
from .sse import Event, SseParser
from .view import RevocationView

PAGE_LIMIT = 10000
_MAX_PAGE_BYTES = 32 * 1024 * 1024
_SWEEP_EVERY = 30.0  # seconds between sweeps of expired entries


def _int_field(obj: dict[str, Any], name: str) -> int:
    v = obj.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise FeedError(f"feed field {name} is missing or not a non-negative integer")
    return v


def _json(data: str | bytes, what: str) -> dict[str, Any]:
    obj = strict_json.parse_object(data if isinstance(data, bytes) else data.encode())
    if obj is None:
        raise FeedError(f"{what} is not a JSON object")
    return obj


class FeedFollower:
    def __init__(self, http: HttpClient, auth: str, pages_url: str, stream_url: str | None,
                 strategies: frozenset[str], freshness: Freshness, heartbeat_ms: int,
                 transport: str, install_view: Callable[[RevocationView], None],
                 clock: Callable[[], float], log: logging.Logger,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._http = http
        self._auth = auth
        self._pages_url = pages_url
        self._stream_url = stream_url if transport != "poll" else None
        self._poll_if_no_stream = transport == "auto"
        self._strategies = strategies
        self._freshness = freshness
        self._heartbeat_s = max(heartbeat_ms, 10) / 1000.0
        self._install_view = install_view
        self._clock = clock
        self._log = log
        self._monotonic = monotonic
        self.view = RevocationView(strategies)
        self.cursor = 0
        self.mode = "paging"
        self.counters = {"pages": 0, "entries": 0, "heartbeats": 0, "connects": 0,
                         "repages": 0, "resets": 0}
        self._need_page = True
        # A current_seq seen below the cursor: the next paging starts from 0 into a fresh view.
        self._reset_due: int | None = None
        self._swept_at = monotonic()
        self._conn_lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None  # guarded by _conn_lock

    # -- the one entry point --------------------------------------------------------------

    def follow(self, closed: threading.Event, on_healthy: Callable[[], None]) -> None:
        """Pages if needed, then streams (or polls) until `closed`, a repage, or an error
        (raised: FeedError, OSError, http.client.HTTPException). `on_healthy` is called after
        each proof of currency (the caller resets its retry backoff)."""
        if self._need_page:
            self._page()
            self._need_page = False
            on_healthy()
        if self._stream_url is None:
            self._poll(closed, on_healthy)
        else:
            self._stream(closed, on_healthy)

    def close_stream(self) -> None:
        """Unblocks a stream read in progress (from any thread)."""
        with self._conn_lock:
            sock = self._conn.sock if self._conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- pages ------------------------------------------------------------------------------

    def _get_page(self, after: int) -> tuple[dict[str, Any], float]:
        sent = self._monotonic()  # the page's log read happens after this: age counts from here
        url = f"{self._pages_url}?after={after}&limit={PAGE_LIMIT}"
        resp = self._http.get(url, {"Authorization": self._auth, "Accept": "application/json"},
                              _MAX_PAGE_BYTES)
        if resp.status != 200:
            raise FeedError(f"revocation feed page answered {resp.status}"
                            + (" (check feed_client_id/feed_client_secret and feed.allow)"
                               if resp.status in (401, 403) else ""))
        self.counters["pages"] += 1
        return _json(resp.body, "revocation feed page"), sent

    def _page(self) -> None:
        after, view, reset = self.cursor, self.view, self._reset_due is not None
        if reset:
            after, view = 0, self._start_reset(self._reset_due)
        while True:
            page, sent = self._get_page(after)
            current = _int_field(page, "current_seq")
            if current < self.cursor and not reset:
                after, view, reset = 0, self._start_reset(current), True
                continue
            entries = page.get("entries")
            if not isinstance(entries, list) or not isinstance(page.get("complete"), bool):
                raise FeedError("revocation feed page lacks entries or complete")
            for raw in entries:
                if view.apply(raw) <= after:
                    raise FeedError("revocation feed page out of seq order")
                after = max(after, raw["seq"])
            self.counters["entries"] += len(entries)
            after = max(after, _int_field(page, "next"))
            if page["complete"]:
                break
        if reset:
            self.view = view
            self._install_view(view)
            self._reset_due = None
        self.cursor = after
        self._freshness.proved(0.0, sent)
        self._sweep_if_due()

    def _start_reset(self, current: int) -> RevocationView:
        """A fresh view to page from 0; the old one serves (not current) until it is complete."""
        self._log.warning("the revocation log was reset (current_seq %d < cursor %d): following "
                          "it again from 0", current, self.cursor)
        self.counters["resets"] += 1
        self._freshness.invalidate()
        return RevocationView(self._strategies)

    def _poll(self, closed: threading.Event, on_healthy: Callable[[], None]) -> None:
        self.mode = "poll"
        while not closed.wait(self._heartbeat_s):
            self._page()
            on_healthy()

    # -- the stream ------------------------------------------------------------------------

    def _stream(self, closed: threading.Event, on_healthy: Callable[[], None]) -> None:
        # Silence this long means the connection is dead; well before that the view went stale.
        read_timeout = max(2.0, 20 * self._heartbeat_s)
        headers = {"Authorization": self._auth, "Accept": "text/event-stream",
                   "Cache-Control": "no-cache", "Last-Event-ID": str(self.cursor)}
        conn, resp = self._http.open(self._stream_url, headers, timeout=read_timeout)
        with self._conn_lock:
            self._conn = conn
        try:
            if closed.is_set():
                return
            self._check_stream_response(resp)
            if self._stream_url is None:
                return  # no stream at this jwtd: poll from now on
            self.counters["connects"] += 1
            self.mode = "stream"
            parser = SseParser()
            while not closed.is_set():
                chunk = resp.read1(65536)
                if not chunk:
                    raise FeedError("revocation stream ended")
                for event in parser.feed(chunk):
                    if not self._on_event(event, on_healthy):
                        return
        finally:
            with self._conn_lock:
                self._conn = None
            conn.close()

    def _check_stream_response(self, resp: http.client.HTTPResponse) -> None:
        if resp.status == 404 and self._poll_if_no_stream:
            self._log.warning("jwtd has no revocation stream; polling its pages "
                              "every %.0f ms instead", self._heartbeat_s * 1000)
            self._stream_url = None
            return
        if resp.status != 200:
            raise FeedError(f"revocation stream answered {resp.status}"
                            + (" (check feed_client_id/feed_client_secret and feed.allow)"
                               if resp.status in (401, 403) else ""))
        if not resp.headers.get("Content-Type", "").startswith("text/event-stream"):
            raise FeedError("revocation stream is not text/event-stream")

    def _on_event(self, event: Event, on_healthy: Callable[[], None]) -> bool:
        """Applies one event; False when the stream must end (a repage is due)."""
        arrived = self._monotonic()
        if event.type == "revocation":
            entry = _json(event.data, "revocation event")
            if event.id is not None and event.id != str(entry.get("seq")):
                return self._repage("revocation event id differs from its seq")
            seq = _int_field(entry, "seq")
            if seq > self.cursor:  # at or below the cursor: already applied (a replay)
                self.view.apply(entry)
                self.cursor = seq
                self.counters["entries"] += 1
        elif event.type == "heartbeat":
            beat = _json(event.data, "heartbeat")
            current = _int_field(beat, "current_seq")
            if current < self.cursor:
                # Not the log we followed: page it from 0 (never from our cursor, which would
                # skip its first entries).
                self._reset_due = current
                self._need_page = True
                return False
            lag = _int_field(beat, "server_time_ms") - _int_field(beat, "verified_at_ms")
            self.cursor = current
            self.counters["heartbeats"] += 1
            self._freshness.proved(float(lag), arrived)
            on_healthy()
            self._sweep_if_due()
        elif event.type == "repage":
            return self._repage("jwtd asked for a repage (cursor before its replay window)")
        return True  # other event types are for newer followers

    def _repage(self, why: str) -> bool:
        self._log.info("re-paging the revocation feed: %s", why)
        self.counters["repages"] += 1
        self._need_page = True
        return False

    def _sweep_if_due(self) -> None:
        now = self._monotonic()
        if now - self._swept_at >= _SWEEP_EVERY:
            self._swept_at = now
            self.view.sweep(self._clock())
