"""FakeSlack: the Web API, response_urls and file uploads served on loopback, with recording."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from fakeslack import responses
from fakeslack.keepalive import ConnectionPool
from fakeslack.modals import Modals
from fakeslack.platform import Platform
from fakeslack.state import SlackError, Workspace
from fakeslack.webapi import METHODS

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "users")


@dataclass
class Call:
    """One Web API call as the fake saw it."""

    method: str
    args: dict
    time: float
    status: int = 200
    response: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


class Hold:
    """A call kept waiting until the test lets it go: what Slack does while it is still
    working on a call, for as long as a test needs to act meanwhile."""

    LIMIT = 30.0  # seconds: a test that fails before releasing does not hang the call forever

    def __init__(self):
        self.arrived = threading.Event()  # set when the held call has come in
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def wait(self) -> None:
        self.arrived.set()
        self._released.wait(self.LIMIT)


@dataclass
class Failure:
    status: int | None
    retry_after: int
    error: str | None
    delay: float
    processed: bool = False  # the call is carried out first; only its answer fails or is late
    hold: Hold | None = None  # the call (its answer, if processed) waits until released
    details: dict | None = None  # more fields of the error answer (errors, response_metadata)


class FakeSlack(Platform, Modals, Workspace):
    """A generic fake Slack workspace for tests and demos; see the package docstring."""

    def __init__(
        self,
        signing_secret: str,
        bot_token: str = "xoxb-fake",  # noqa: S107
        bot_user_id: str = "UBOT",
        team_id: str = "T0001",
        port: int = 0,
        keep_alive: bool = False,
    ):
        Workspace.__init__(self, team_id=team_id, bot_user_id=bot_user_id)
        self.signing_secret, self.bot_token, self.port = signing_secret, bot_token, port
        self.app_url: str | None = None
        # Off: a new connection per request to the app, as the tests always had. On (load
        # tests): connections to the app are kept and reused, see fakeslack/keepalive.py.
        self.keep_alive = keep_alive
        self.connections = ConnectionPool(timeout=self.request_timeout)
        self.emit_events = False
        self.problems: list[str] = []
        self._calls: list[Call] = []
        self._failures: dict[str, list[Failure]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        self._server = _Server(("127.0.0.1", self.port), _handler(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.connections.close()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since start (a kept-alive client uses one for many calls)."""
        return self._server.connections if self._server else 0

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        """What the app uses as SLACK_API_URL / WebClient(base_url=...)."""
        return self.base_url + "api/"

    # ------------------------------------------------------------ failures and recording

    def fail(
        self,
        method,
        *,
        status=None,
        retry_after=1,
        error=None,
        times=1,
        delay=0.0,
        processed=False,
        details=None,
    ):
        """Make the next `times` calls of `method` get an HTTP status, an error, or a delay.

        By default a failed call does nothing and a delayed one is carried out after the
        delay. With `processed=True` the call is carried out at once (a message is stored)
        and only then answered late, or with the status or error: what a client that timed
        out, or got a 500, cannot tell from a call that never happened.
        `method` "response_url" means posts to any response_url. `details` adds fields to
        the error answer, as Slack's `errors` and `response_metadata.messages` do.
        """
        if status is None and error is None and not delay:
            status = 429
        with self.lock:
            self._failures.setdefault(method, []).extend(
                Failure(status, retry_after, error, delay, processed, details=details)
                for _ in range(times)
            )

    def hold(self, method: str, *, processed: bool = False) -> Hold:
        """Keep the next call of `method` waiting until `release()`; `arrived` tells it came.
        With `processed=True` it is carried out first (a message is stored and visible) and
        only its answer waits."""
        held = Hold()
        with self.lock:
            failure = Failure(None, 0, None, 0.0, processed, held)
            self._failures.setdefault(method, []).append(failure)
        return held

    def calls(self, method: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self._calls if method in (None, c.method)]

    def last(self, method: str) -> Call | None:
        found = self.calls(method)
        return found[-1] if found else None

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    # ------------------------------------------------------------ request handling

    def call_api(
        self, method: str, args: dict, token: str | None, at: float | None = None
    ) -> tuple[int, dict, dict]:
        """(HTTP status, extra headers, JSON body) for one Web API request that arrived `at`."""
        return self._serve(method, args, lambda: self._carry_out(method, args, token), at=at)

    def respond(self, token: str, body, at: float | None = None) -> tuple[int, dict, dict]:
        """A POST to a response_url, recorded and failed as if it were a method "response_url";
        what it shows is stamped `at`, when it arrived (time.time(); now if not given)."""
        args = body if isinstance(body, dict) else {}
        at = time.time() if at is None else at
        # Slack's hooks answer an error with a 4xx status, not with 200 and ok: false.
        return self._serve("response_url", args, lambda: self._respond(token, body, at), 400, at)

    def _serve(self, method: str, args: dict, carry_out, error_status: int = 200, at=None):
        """Record the call (at its arrival), apply its injected failure if any, else carry it
        out."""
        call = Call(method, args, time.time() if at is None else at)
        with self.lock:
            self._calls.append(call)
            pending = self._failures.get(method)
            failure = pending.pop(0) if pending else None
        if failure and failure.processed:
            status, headers, body = carry_out()
            if failure.hold:
                failure.hold.wait()
            if failure.delay:
                time.sleep(failure.delay)
            status, headers, body = self._failed(failure, error_status) or (status, headers, body)
        else:
            if failure and failure.hold:
                failure.hold.wait()
            if failure and failure.delay:
                time.sleep(failure.delay)
            failed = self._failed(failure, error_status) if failure else None
            status, headers, body = failed or carry_out()
        call.status, call.response = status, body
        return status, headers, body

    @staticmethod
    def _failed(failure: Failure, error_status: int) -> tuple[int, dict, dict] | None:
        more = failure.details or {}
        if failure.status == 429:
            return 429, {"Retry-After": str(failure.retry_after)}, _error("ratelimited")
        if failure.status:
            return failure.status, {}, {**_error("fatal_error"), **more}
        if failure.error:
            return error_status, {}, {**_error(failure.error), **more}
        return None

    def _carry_out(self, method, args, token) -> tuple[int, dict, dict]:
        try:
            if not token:
                raise SlackError("not_authed")
            if token != self.bot_token:
                raise SlackError("invalid_auth")
            if method not in METHODS:
                raise SlackError("unknown_method")
            with self.lock:
                return 200, {}, {"ok": True, **METHODS[method](self, args)}
        except SlackError as exc:
            self.problem(f"{method}: {exc.error} {exc.extra.get('errors') or ''}".rstrip())
            return 200, {}, {**_error(exc.error), **exc.extra}

    def upload(self, file_id: str, data: bytes) -> bool:
        with self.lock:
            record = self.file_store.get(file_id)
            if record is None:
                self.problem(f"upload to unknown file {file_id}")
                return False
            record["content"] = data
            return True

    def _respond(self, token: str, body, at: float) -> tuple[int, dict, dict]:
        try:
            return 200, {}, responses.answer(self, token, body, at)
        except SlackError as exc:
            self.problem(f"response_url: {exc.error} {exc.extra.get('errors') or ''}".rstrip())
            status = 404 if exc.error in ("no_service", "expired_url", "used_url") else 400
            return status, {}, {**_error(exc.error), **exc.extra}


class _Server(ThreadingHTTPServer):
    """Slack does not refuse connections: a listen backlog of 5 (the default) would drop
    some under load, and the client's retry a second later looks like a slow Slack."""

    daemon_threads = True
    request_queue_size = 128
    connections = 0  # accepted so far: tests see whether clients keep connections alive

    def process_request(self, request, client_address) -> None:
        self.connections += 1  # called by the one accepting thread
        super().process_request(request, client_address)


def _error(error: str) -> dict:
    return {"ok": False, "error": error}


def decode_args(query: str, body: bytes, content_type: str) -> dict:
    """Arguments from the query string and a form or JSON body; JSON-in-form fields decoded."""
    args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body and "json" in content_type:
        args.update(json.loads(body))
    elif body:
        parsed = parse_qs(body.decode(), keep_blank_values=True)
        args.update({k: v[-1] for k, v in parsed.items()})
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _handler(fake: FakeSlack):
    class Handler(BaseHTTPRequestHandler):
        """Routes /api/<method>, /upload/<file>, /response/<token> and /files/<file>."""

        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm on, a kept-alive
        # client's delayed ACK would hold every body back by 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self._route(b"", time.time())

        def do_POST(self) -> None:
            arrived = time.time()  # when Slack would stamp it, before any parsing or checks
            self._route(self.rfile.read(int(self.headers.get("Content-Length") or 0)), arrived)

        def _route(self, body: bytes, arrived: float) -> None:
            url = urlsplit(self.path)
            kind, _, name = url.path.strip("/").partition("/")
            try:
                if kind == "api" and name:
                    args = decode_args(url.query, body, self.headers.get("Content-Type", ""))
                    token = args.pop("token", None)
                    auth = self.headers.get("Authorization", "")
                    if auth.startswith("Bearer "):
                        token = auth.removeprefix("Bearer ")
                    self._json(*fake.call_api(name, args, token, arrived))
                elif kind == "upload" and self.command == "POST":
                    ok = fake.upload(name, body)
                    self._send(200 if ok else 404, b"OK" if ok else b"not found", "text/plain")
                elif kind == "response" and self.command == "POST":
                    self._json(*fake.respond(name, json.loads(body or b"null"), arrived))
                elif kind == "files" and name in fake.file_store:
                    data = fake.file_store[name]["content"] or b""
                    self._send(200, data, "application/octet-stream")
                else:
                    self._send(404, b"not found", "text/plain")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout): nobody to answer
            except Exception:  # a bug in the fake or a malformed request: visible, not fatal
                fake.problem(f"{self.command} {self.path}: {traceback.format_exc(limit=-3)}")
                self._send(500, b"fake slack error", "text/plain")

        def _json(self, status: int, headers: dict, body: dict) -> None:
            self._send(status, json.dumps(body).encode(), "application/json", headers)

        def _send(self, status: int, data: bytes, ctype: str, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
