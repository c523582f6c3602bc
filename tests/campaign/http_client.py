"""A minimal HTTP client for the workload: GETs on one keep-alive connection per (thread, host),
every other request on a fresh one; every failure is an answer with status 0, never an
exception."""

import base64
import http.client
import json
import threading


def claims(jwt):
    """The payload of a JWT, not verified: the harness only needs its own tokens' ids."""
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


class Answer:
    def __init__(self, status, body=None, error=""):
        self.status, self.body, self.error = status, body, error

    def field(self, name):
        return self.body.get(name) if isinstance(self.body, dict) else None


class Client:
    def __init__(self, timeout):
        self.timeout = timeout
        self.local = threading.local()

    def _conn(self, addr):
        conns = getattr(self.local, "conns", None)
        if conns is None:
            conns = self.local.conns = {}
        if addr not in conns:
            conns[addr] = http.client.HTTPConnection(addr, 8080, timeout=self.timeout)
        return conns[addr]

    def _drop(self, addr):
        conn = getattr(self.local, "conns", {}).pop(addr, None)
        if conn is not None:
            conn.close()

    def request(self, addr, method, path, token=None, json_body=None, form=None):
        headers = {}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(json_body)
        elif form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = "&".join("%s=%s" % kv for kv in form.items())
        # A kept-open connection the server has closed meanwhile fails on the next request with
        # no answer at all. A GET is sent again once on a fresh connection; anything else goes on
        # a fresh connection from the start, so a failure always means "outcome unknown".
        if method != "GET":
            self._drop(addr)
        for attempt in (0, 1):
            reused = addr in getattr(self.local, "conns", {})
            try:
                conn = self._conn(addr)
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                if method != "GET" or resp.getheader("connection", "").lower() == "close":
                    self._drop(addr)
                break
            except Exception as e:  # timeouts, resets, refused: the outcome is unknown
                self._drop(addr)
                if attempt == 0 and reused and method == "GET" and not isinstance(e, TimeoutError):
                    continue
                return Answer(0, error=type(e).__name__)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        return Answer(resp.status, body)
