"""A real `jwtd serve` for the tests: an ephemeral loopback port, a temporary data dir, cheap
Argon2id, one feed client. Fails loudly when the binary is missing or does not start."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import Any

ISSUER = "http://jwtd.test"  # fixed, so that a restart on another port keeps the tokens' iss
FEED_CLIENT, FEED_SECRET = "rs1", "feed-secret-for-tests-0001"
_BANNER = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


def jwtd_binary() -> str:
    path = os.environ.get("JWTD_VERIFIER_TEST_BIN")
    if not path:
        raise RuntimeError("JWTD_VERIFIER_TEST_BIN is not set (run through run-tests.sh or ctest)")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"jwtd binary not found or not executable: {path}")
    return path


class JwtdServer:
    def __init__(self, settings: list[str] | None = None, data_dir: str | None = None) -> None:
        self.settings = list(settings or [])
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="jwtd-sdk-py-")
        os.chmod(self.data_dir, 0o755)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> "JwtdServer":
        args = [jwtd_binary(), "serve", "--data-dir", self.data_dir,
                "--listen", f"127.0.0.1:{self.port if port is None else port}",
                "--set", "password.ops_limit=1", "--set", "password.mem_limit_kib=64",
                "--set", "log.level=warn", "--set", f"tokens.issuer={ISSUER}",
                "--set", f"feed.clients={FEED_CLIENT}:{FEED_SECRET}"]
        for s in self.settings:
            args += ["--set", s]
        # Hermetic: no JWTD_* variable of the caller's environment reaches the server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("JWTD_")}
        self.output = []
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        found = threading.Event()

        def drain() -> None:  # keeps the pipe from filling; finds the banner
            for line in self.proc.stdout:
                self.output.append(line)
                m = _BANNER.search(line)
                if m and not found.is_set():
                    self.port = int(m.group(1))
                    found.set()

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + 20
        while not found.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("jwtd did not start:\n" + "".join(self.output))
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown work at all, as a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def remove(self) -> None:
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- a client of jwtd's user API ------------------------------------------------------

    def call(self, method: str, path: str, body: Any = None, token: str | None = None
             ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, None if body is None else json.dumps(body), headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, json.loads(data) if data else None
        finally:
            conn.close()

    def register(self, username: str, password: str = "correct horse battery") -> int:
        status, body = self.call("POST", "/v1/users", {"username": username, "password": password})
        assert status == 201, (status, body)
        return body["id"]

    def login(self, username: str, password: str = "correct horse battery") -> dict[str, Any]:
        status, body = self.call("POST", "/v1/login", {"username": username, "password": password})
        assert status == 200, (status, body)
        return body
