"""A real ASGI server for the end-to-end tests: uvicorn on 127.0.0.1 with an ephemeral port, in a
background thread of the test process (signal handlers stay with the main thread)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class UvicornThread:
    def __init__(self, app) -> None:
        # The socket is bound here, so the port is known before the server starts. Its proto
        # must say TCP: asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP, and
        # without it Nagle and the client's delayed ACK add ~40 ms to every keep-alive response.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        # A long keep-alive: the client's connection must outlive jwtd's restart in between.
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=60)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="uvicorn", daemon=True)

    def start(self, timeout: float = 10.0) -> "UvicornThread":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
