"""Run the web app under uvicorn: in the foreground for `behov serve`, or in a thread for tests."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

# Logging is ours (bot/logs.py); on SIGTERM requests in flight get 20 s to finish.
SERVER_OPTIONS = dict(log_config=None, timeout_graceful_shutdown=20, lifespan="on")


def make_server(asgi_app, host: str, port: int, *, access_log: bool = True) -> uvicorn.Server:
    options = {**SERVER_OPTIONS, "access_log": access_log}
    return uvicorn.Server(uvicorn.Config(asgi_app, host=host, port=port, **options))


class ServerThread:
    """A real server on loopback in a background thread (tests, demo, benchmarks)."""

    def __init__(self, asgi_app, host: str = "127.0.0.1", port: int = 0):
        if port == 0:
            with socket.socket() as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.host, self.port = host, port
        self.server = make_server(asgi_app, host, port, access_log=False)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
