"""The HTTP surface: signatures, timestamps, malformed bodies, health."""

import json
import time
import urllib.parse
import urllib.request

import pytest
from sqlmodel import select

from storage.models import Need
from tests.conftest import STAFF


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def slash_body(text="ny Test") -> bytes:
    return urllib.parse.urlencode(
        {
            "command": "/behov",
            "text": text,
            "user_id": STAFF,
            "channel_id": "CGENERAL",
            "team_id": "T0001",
            "trigger_id": "1.2.bogus",
            "response_url": "http://127.0.0.1:9/x",
        }
    ).encode()


def needs(bot):
    with bot.db.session() as s:
        return s.exec(select(Need)).all()


def test_healthz(bot):
    assert get(bot.url + "/healthz") == (200, {"status": "ok"})


def fetch(url: str, method: str = "GET"):
    """Status, content type and text of an answer, without following redirects."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, method=method)  # noqa: S310 (loopback)
    try:
        response = urllib.request.build_opener(Stay).open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, response.headers, response.read().decode("utf-8")


def test_the_root_leads_to_the_public_page(bot):
    status, headers, _ = fetch(bot.url + "/")
    assert status == 307 and headers["location"] == "/public/"


@pytest.mark.parametrize(
    ("path", "method", "status", "text"),
    [
        ("/favicon.ico", "GET", 404, "Det finns ingen sida på den adressen."),
        ("/slack/other", "POST", 404, "Det finns ingen sida på den adressen."),
        ("/slack/events", "GET", 405, "Adressen tar inte emot den sortens anrop."),
        ("/healthz", "DELETE", 405, "Adressen tar inte emot den sortens anrop."),
    ],
)
def test_unknown_addresses_and_methods_are_answered_in_swedish(bot, path, method, status, text):
    got, headers, body = fetch(bot.url + path, method)
    assert got == status and body.startswith(text)
    assert headers["content-type"].startswith("text/plain")
    if status == 405:
        assert "GET" in headers["allow"] or "POST" in headers["allow"]


@pytest.mark.parametrize("case", ["no signature", "bad signature", "old timestamp"])
def test_unsigned_or_stale_requests_get_401(bot, fake_slack, case):
    body = slash_body()
    headers = fake_slack.sign(body)
    if case == "no signature":
        headers = {}
    elif case == "bad signature":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    else:
        headers = fake_slack.sign(body, timestamp=int(time.time()) - 6 * 60)
    result = fake_slack.post_raw(body, headers)
    assert result.status == 401
    assert fake_slack.calls("views.open") == []
    assert needs(bot) == []


@pytest.mark.parametrize(
    "body",
    [b"payload=not-json", b"payload=%7B%7D", b"\xff\xfe garbage", b"", b"payload=" + b"x" * 2000],
)
def test_malformed_signed_bodies_change_nothing(bot, fake_slack, body):
    result = fake_slack.post_raw(body, fake_slack.sign(body))
    assert result.status in (200, 400, 401, 404)  # 401: the bytes cannot be verified as sent
    assert needs(bot) == []


def test_oversize_bodies_are_refused(bot, fake_slack):
    body = b"payload=" + b"x" * 1_100_000
    assert fake_slack.post_raw(body, fake_slack.sign(body)).status == 413


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    from bot.runtime import build_runtime
    from bot.server import ServerThread
    from tests.conftest import make_settings

    settings = make_settings(f"sqlite:///{tmp_path}/missing/dir/behov.db", "http://127.0.0.1:9/")
    server = ServerThread(build_runtime(settings, scheduler=False).web_app).start()
    try:
        status, body = get(server.url + "/healthz")
    finally:
        server.stop()
    assert status == 503 and body["status"] != "ok"


def test_serve_applies_migrations_unless_told_not_to(tmp_path):
    from bot.runtime import build_runtime
    from storage.db import Database
    from tests.conftest import make_settings

    fresh = f"sqlite:///{tmp_path}/fresh.db"
    build_runtime(
        make_settings(fresh, "http://127.0.0.1:9/", behov_auto_migrate=False), scheduler=False
    )
    assert Database.from_url(fresh).pending_migrations()
    build_runtime(
        make_settings(fresh, "http://127.0.0.1:9/", behov_auto_migrate=True), scheduler=False
    )
    assert not Database.from_url(fresh).pending_migrations()


def test_behov_serve_runs_answers_and_stops_on_sigterm(tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL=f"sqlite:///{tmp_path}/serve.db",
        SLACK_API_URL="http://127.0.0.1:9/",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
                time.sleep(0.1)
        assert status == 200
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal: -15 is the clean exit.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    output = process.stdout.read()
    assert "Application shutdown complete" in output
    assert "xoxb-x" not in output and "Traceback" not in output


def test_a_listener_failing_right_after_its_ack_still_answers_slack(bot, caplog):
    """Bolt's thread runner takes the ack back when a listener raises after it; we keep it."""
    from slack_bolt import BoltRequest

    from bot.app import build_bolt_app
    from fakeslack.signing import signed_headers

    app = build_bolt_app(bot.services)

    @app.command("/prov")
    def acknowledge_then_fail(ack):
        ack(text="Mottaget")
        raise RuntimeError("after the ack")

    for n in range(5):  # the failure comes well inside Bolt's 10 ms wait for the ack
        body = slash_body().replace(b"%2Fbehov", b"%2Fprov").replace(b"bogus", str(n).encode())
        body = body.split(b"&response_url")[0]  # nothing to tell: the failure is over at once
        headers = signed_headers(bot.services.settings.slack_signing_secret, body)
        request = BoltRequest(
            body=body.decode(),
            headers={k.lower(): [v] for k, v in headers.items()}
            | {"content-type": ["application/x-www-form-urlencoded"]},
        )
        response = app.dispatch(request)
        assert (response.status, response.body) == (200, "Mottaget")
    assert any("after the ack" in r.getMessage() for r in caplog.records)
