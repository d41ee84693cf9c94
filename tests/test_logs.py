"""Structured logs: one line per event, the request id on each, and no secrets in any."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import logs
from bot.executor import TrackedExecutor
from tests.conftest import make_settings

PG_URL = "postgresql+psycopg://behov:s3cret-pw@db.example.org:5432/behov"


@pytest.fixture
def captured():
    """The root logger writing JSON into a buffer, as `behov serve` configures it."""
    stream = io.StringIO()
    settings = make_settings(PG_URL, "http://127.0.0.1:1/api/", slack_app_token="xapp-1-A-secret")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure(settings, fmt="json", stream=stream)
    yield stream
    root.handlers[:], root.level = saved


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_tokens_signing_secret_and_database_password_never_reach_the_log(captured):
    log = logging.getLogger("behov.test")
    log.info("client with %s and xoxb-123-456-abcDEF", "xapp-1-A-secret")
    log.warning("connecting to %s", PG_URL)
    log.info("signed with test-signing-secret")
    log.info("a user token xoxp-999-888 and a webhook https://u:hunter2@hooks.example.org/x")
    text = captured.getvalue()
    for secret in ("123-456-abcDEF", "1-A-secret", "s3cret-pw", "test-signing-secret", "hunter2"):
        assert secret not in text
    assert "xoxb-***" in text and "behov:***@db.example.org" in text
    assert len(lines(captured)) == 4


def test_a_traceback_is_redacted_and_stays_on_one_line(captured):
    try:
        raise RuntimeError("auth failed for xoxb-111-222-zzz at " + PG_URL)
    except RuntimeError:
        logging.getLogger("behov.test").exception("Slack call failed")
    [record] = lines(captured)
    assert "RuntimeError" in record["exc"] and "Traceback" in record["exc"]
    assert "111-222-zzz" not in record["exc"] and "s3cret-pw" not in record["exc"]


def test_the_request_id_follows_the_work_into_bolts_listener_threads(captured):
    executor = TrackedExecutor(max_workers=2)
    token = logs.request_id.set("1700000000-abcd1234")
    try:
        executor.submit(logging.getLogger("behov.listener").info, "after ack").result()
    finally:
        logs.request_id.reset(token)
        executor.shutdown(wait=True)
    logging.getLogger("behov.test").info("outside any request")
    after_ack, outside = lines(captured)
    assert after_ack["request_id"] == "1700000000-abcd1234"
    assert outside["request_id"] == "-"


def test_request_ids_carry_slacks_timestamp_and_are_unique():
    first, second = logs.new_request_id("1700000000"), logs.new_request_id("1700000000")
    assert first.startswith("1700000000-") and first != second
    assert logs.new_request_id("not a number").split("-")[0].isdigit()


def test_text_format_is_key_value_on_one_line():
    stream = io.StringIO()
    handler = logs.make_handler(stream, fmt="text", secrets=("topsecret",))
    record = logging.LogRecord("behov", logging.INFO, __file__, 1, "a\nb %s", ("topsecret",), None)
    handler.handle(record)
    [line] = stream.getvalue().splitlines()
    assert "level=INFO" in line and "request_id=-" in line and 'msg="a\\nb ***"' in line


def test_the_row_postgresql_quotes_in_a_constraint_error_is_left_out():
    redact = logs.Redactor()
    for detail in ("DETAIL:  Failing row contains (7, Karin Ek).", "DETALJ:  Nyckel (a)=(Ek)."):
        message = f'duplicate key value violates unique constraint "uq"\n{detail}\n[SQL: …]'
        redacted = redact(message)
        assert "Ek" not in redacted and redacted.splitlines()[0].startswith("duplicate key")
        assert redacted.splitlines()[2] == "[SQL: …]"
