"""Persistent connections for the fake's requests to the app (FakeSlack(keep_alive=True)).

A load test's client threads would otherwise each open a new TCP connection per request,
which costs the client and makes the server accept one per request. Each request takes an
idle connection to the app's host and port (or opens one) and gives it back once the answer
was read whole, so N busy threads keep N connections.

A kept connection may have been closed by the server meanwhile (its idle timeout, a
restart). The request is then sent again once, on a new connection, but only if the
connection was a reused one and failed while sending or was closed without a single byte of
an answer: the usual sign that the server closed it as idle before the request came, the
rule HTTP clients follow for kept connections. Anything else (a new connection closed
unanswered, a timeout, an answer cut short) is never resent: the app may have acted on it.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from urllib.parse import urlsplit


class ConnectionPool:
    """Idle HTTP/1.1 connections per (host, port), the most recently used first."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.opened = 0  # connections opened so far (tests check that they are reused)
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def post(
        self, url: str, body: bytes, headers: dict
    ) -> tuple[int, bytes, http.client.HTTPMessage]:
        """(status, body, headers) of the app's answer."""
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"keep-alive is for http:// app URLs on loopback, not {url}")
        address = (parts.hostname, parts.port or 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection, reused = self._take(address)
        try:
            sent = self._send(connection, target, body, headers)
            if not sent and reused:
                connection.close()
                connection = self._open(address)
                sent = self._send(connection, target, body, headers)
            if not sent:
                raise http.client.RemoteDisconnected("the app closed the connection unanswered")
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close or connection.sock is None:
            connection.close()
        else:
            with self._lock:
                self._idle.setdefault(address, []).append(connection)
        return response.status, data, response.headers

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(self, address) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection still open (and whether it is reused), else a new one."""
        while True:
            with self._lock:
                idle = self._idle.get(address)
                connection = idle.pop() if idle else None
            if connection is None:
                return self._open(address), False
            if not _dropped(connection.sock):
                return connection, True
            connection.close()  # closed by the server while idle: nothing was sent on it

    def _open(self, address) -> http.client.HTTPConnection:
        self._sweep()
        connection = http.client.HTTPConnection(*address, timeout=self.timeout)
        connection.connect()
        with self._lock:
            self.opened += 1
        return connection

    def _sweep(self) -> None:
        """Close idle connections the server dropped (an app that stopped, a load test's
        earlier app), so they do not pile up; seldom, only when a connection is opened."""
        with self._lock:
            dropped = [(a, c) for a, idle in self._idle.items() for c in idle if _dropped(c.sock)]
            for address, connection in dropped:
                self._idle[address].remove(connection)
        for _, connection in dropped:
            connection.close()

    @staticmethod
    def _send(connection, target: str, body: bytes, headers: dict) -> bool:
        """Send the request; False if it could not be sent whole, or the server closed the
        connection before a byte of an answer came."""
        try:
            connection.request("POST", target, body, headers)
        except ConnectionError:  # failed while sending: the request never got there whole
            return False
        try:
            # Waits for the answer's first byte (up to the timeout, which is raised: a request
            # that may be in progress is never resent), without taking it off the socket.
            return bool(connection.sock.recv(1, socket.MSG_PEEK))
        except ConnectionError:  # reset before a byte arrived (Linux drops unread data then)
            return False


def _dropped(sock) -> bool:
    """An idle connection that is readable was closed by the server (or sent junk)."""
    if sock is None:
        return True
    poll = select.poll()  # not select(): it cannot watch descriptors past 1024
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))
