"""Structured logs: one line per event, the request id on each, and no secrets in any."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import logs
from bot.executor import TrackedExecutor
from bot.log_privacy import describe
from tests.conftest import make_settings

PG_URL = "postgresql+psycopg://behov:s3cret-pw@db.example.org:5432/behov"


@pytest.fixture
def captured():
    """The root logger writing JSON into a buffer, as `behov serve` configures it."""
    stream = io.StringIO()
    settings = make_settings(PG_URL, "http://127.0.0.1:1/api/", slack_app_token="xapp-1-A-secret")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure(settings, fmt="json", level="DEBUG", stream=stream)
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


# ---------------------------------------------------------------- exceptions quoting texts


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return caught


def test_exceptions_that_may_quote_a_text_are_logged_by_type_and_frames(captured):
    name = "Karin Ek"  # the frames show source lines: code, not the values in it
    try:
        try:
            int(name)
        except ValueError as error:
            raise KeyError(name) from error
    except KeyError:
        logging.getLogger("behov.test").exception("lookup of %s failed", "#7")
    [record] = lines(captured)
    assert "Karin Ek" not in json.dumps(record, ensure_ascii=False)
    assert record["message"] == "lookup of #7 failed"
    exc = record["exc"]
    assert exc.count("Traceback (most recent call last):") == 2 and "direct cause" in exc
    assert "ValueError (message left out" in exc and "KeyError (message left out" in exc
    assert "int(" in exc  # the source line of the frame stays: it is code


def test_an_exception_as_an_argument_is_described_and_safe_kinds_keep_their_message(captured):
    from sqlalchemy.exc import OperationalError

    log = logging.getLogger("behov.test")
    log.warning("failed: %s", ValueError("Karin Ek"))
    log.warning("failed: %s", TimeoutError("timed out"))
    database = OperationalError(
        "SELECT 1", {"t": "Karin Ek"}, Exception("server closed"), hide_parameters=True
    )  # as storage/db.py makes them
    log.warning("failed: %s", _raised(database))
    quoting = "invalid input syntax for type integer: \"Karin Ek\"\nCONTEXT:  parameter $1 = 'Ek'"
    log.warning("failed: %s", OperationalError("SELECT 1", {}, Exception(quoting)))
    told = [line["message"] for line in lines(captured)]
    assert told[0] == "failed: ValueError (message left out: it may quote what people wrote)"
    assert told[1] == "failed: TimeoutError: timed out"
    assert "server closed" in told[2] and "SELECT 1" in told[2]
    assert "Karin Ek" not in " ".join(told) and "integer: ***" in told[3]
    assert "Ek'" not in told[3]


def test_slack_api_errors_keep_the_method_status_and_error_code_only():
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    data = {"ok": False, "error": "invalid_blocks", "errors": ["'Karin Ek' is too long"]}
    response = SlackResponse(client=None, http_verb="POST", api_url="https://x/api/chat.update",
                             req_args={}, data=data, headers={}, status_code=200)  # fmt: skip
    told = describe(SlackApiError("The request to the Slack API failed.", response))
    assert told == "SlackApiError: chat.update answered 200 invalid_blocks"


def test_a_response_url_error_names_the_status_and_code_not_the_body():
    from bot.slack_client import ResponseUrlError

    assert (
        str(ResponseUrlError(400, "invalid_blocks")) == "response_url answered 400 invalid_blocks"
    )
    quoted = ResponseUrlError(400, '{"ok": false, "error": "no_text", "echo": "Karin Ek"}')
    assert describe(quoted) == "ResponseUrlError: response_url answered 400 no_text"
    assert "Ek" not in str(ResponseUrlError(500, "<html>Karin Ek</html>"))


def test_bolts_unhandled_request_warning_keeps_ids_not_the_typed_value(captured):
    body = {"type": "block_suggestion", "action_id": "okand", "value": "Karin Ek"}
    message = f'Unhandled request ({body})\n---\n[Suggestion] @app.options("okand")'
    logging.getLogger("slack_bolt.App").warning(message)
    [record] = lines(captured)
    assert record["message"] == "Unhandled request (type=block_suggestion, action_id=okand)"


def test_debug_lines_come_only_from_the_bots_own_modules(captured):
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request - body: Karin Ek")
    logging.getLogger("slack_bolt.App").debug("Responding with body: Karin Ek")
    logging.getLogger("commands.status").debug("lookup took 3 ms")
    logging.getLogger("slack_sdk.web.base_client").info("an info line stays")
    assert [line["message"] for line in lines(captured)] == [
        "lookup took 3 ms",
        "an info line stays",
    ]
