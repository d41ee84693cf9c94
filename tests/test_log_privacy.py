"""People's texts never reach the log: end to end, through failures, on both databases.

A name and a diagnosis cannot be found by pattern (bot/logs.py Redactor), so the texts carry
two made-up words, and the whole log, written as `behov serve` writes it (JSON, tracebacks,
DEBUG: every line there is), must hold neither. Standard error is checked too: nothing may
go around the log.
"""

from __future__ import annotations

import io
import json
import logging
import re
from urllib.parse import urlencode

import pytest

from bot import logs
from commands import ids
from fakeslack import visible_text
from tests.conftest import ADMIN, STAFF, make_settings
from tests.lifecycle_support import new_need

NAME, DIAGNOSIS = "Zyxqvist", "glimmerfeber"
TEXT = f"Karin {NAME} har {DIAGNOSIS}"
ORIGIN = "gemensamt_utvecklingsarbete"
FORM = "application/x-www-form-urlencoded"
# How Slack's error answers can quote what was sent (response_metadata, errors).
QUOTING = {
    "errors": [f"invalid value '{TEXT}' [json-pointer:/blocks/0/text/text]"],
    "response_metadata": {"messages": [f"[ERROR] failed to match: {TEXT}"]},
}


@pytest.fixture
def log(capfd):
    """The log as `behov serve` configures it (JSON, redacting), at DEBUG, in a buffer."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    settings = make_settings("sqlite://", "http://127.0.0.1:1/api/")
    logs.configure(settings, fmt="json", level="DEBUG", stream=stream)
    yield Log(stream, capfd)
    root.handlers[:], root.level = saved


class Log:
    def __init__(self, stream: io.StringIO, capfd):
        self.stream, self.capfd = stream, capfd

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def assert_private(self) -> list[dict]:
        """No line (nor standard error) holds the words; the lines are there and parse."""
        lines = self.lines()
        leaks = [line for line in lines if _holds_words(json.dumps(line, ensure_ascii=False))]
        assert leaks == [], leaks
        assert not _holds_words(self.capfd.readouterr().err)
        assert any(line["message"].startswith("slack ") for line in lines)  # it did log
        return lines


def _holds_words(text: str) -> bool:
    return NAME.lower() in text.lower() or DIAGNOSIS in text.lower()


def register(fake_slack, user=STAFF):
    fake_slack.slash(user, "ny " + TEXT, channel="CGENERAL")
    if fake_slack.top_view(user) is None:  # Slack did not open the form
        return None
    fake_slack.suggest(user, ids.ORGANISATION_SEARCH, NAME)  # the type-ahead
    return fake_slack.submit(user, {ids.DESCRIPTION: TEXT + ". Kontakt 070-123 45 67.",
                                    ids.ORIGIN: ORIGIN})  # fmt: skip


def look_up(fake_slack, user=STAFF):
    fake_slack.slash(user, "status " + NAME, channel="CGENERAL")
    fake_slack.slash(user, "sök " + DIAGNOSIS, channel="CGENERAL")
    fake_slack.slash(user, "bevaka " + NAME, channel="CGENERAL")
    fake_slack.slash(user, NAME + " " + DIAGNOSIS, channel="CGENERAL")  # no such subcommand


# ---------------------------------------------------------------- the surfaces, working


def test_registering_looking_up_and_every_phase_form_log_no_text(log, bot, fake_slack, ref, clock):
    register(fake_slack)
    assert f"#1 · {TEXT}" in visible_text(fake_slack.dm_messages(STAFF)[-1])
    look_up(fake_slack)
    assert NAME in visible_text(fake_slack.ephemerals(STAFF)[0])
    number = new_need(bot.db, ref, clock, title="Mobila vårdteam")
    fake_slack.slash(ADMIN, f"status {number}", channel="CGENERAL")
    fake_slack.click(ADMIN, ids.DETAILS, message=fake_slack.ephemerals(ADMIN)[-1],
                     value=str(number))  # fmt: skip
    fake_slack.click(ADMIN, ids.TAKE_UP, value=str(number))
    fake_slack.submit(ADMIN, {ids.COMMENT: TEXT})
    fake_slack.click(ADMIN, ids.DECIDE, value=str(number))
    fake_slack.submit(ADMIN, {ids.DECISION: "prioriterat", ids.REASON: TEXT})
    fake_slack.click(ADMIN, ids.MISSION, value=str(number))
    mission = {ids.PURPOSE_GOALS: TEXT, ids.PROCESS_LEADER: STAFF, ids.EXTERNAL_MEMBERS: TEXT,
               ids.TIMETABLE: f"2027-01-15 delrapport {TEXT}\n{TEXT} slutrapport"}  # fmt: skip
    fake_slack.submit(ADMIN, mission)
    assert NAME in fake_slack.top_view(ADMIN)["errors"][ids.TIMETABLE]  # told, not logged
    mission[ids.TIMETABLE] = f"2027-01-15 delrapport {TEXT}\n2027-06-01 slutrapport"
    fake_slack.submit(ADMIN, mission)
    fake_slack.click(ADMIN, ids.START, value=str(number))
    fake_slack.submit(ADMIN, {ids.COMMENT: TEXT})
    fake_slack.click(ADMIN, ids.COMPLETE, value=str(number))
    fake_slack.submit(ADMIN, {ids.FINAL_REPORT_DATE: NAME, ids.FINAL_REPORT_URL: TEXT})
    fake_slack.submit(ADMIN, {ids.FINAL_REPORT_DATE: "2026-11-20", ids.VVG_POSITION: TEXT,
                              ids.FINAL_REPORT_URL: "https://example.org/r.pdf",
                              ids.PRODUCT_URL: "https://example.org/p"})  # fmt: skip
    assert "Fas 4 av 4" in visible_text(fake_slack.top_view(ADMIN))
    fake_slack.click(ADMIN, ids.HIDE_PUBLIC, value=f"{number}:hide")
    fake_slack.submit(ADMIN, {ids.HIDE_REASON: TEXT})
    other = new_need(bot.db, ref, clock, title="Trygg hemgång")
    fake_slack.click(ADMIN, ids.DUPLICATE, channel="CGENERAL", value=str(other), force=True,
                     ts=fake_slack.post_as_user(ADMIN, "CGENERAL", "x"))  # fmt: skip
    fake_slack.submit(ADMIN, {ids.ORIGINAL: NAME})
    assert ids.ORIGINAL in fake_slack.top_view(ADMIN)["errors"]
    fake_slack.app_home_opened(STAFF)
    bot.settle()
    lines = log.assert_private()
    assert any("#1" in line["message"] or "1" in line["message"] for line in lines)


# ---------------------------------------------------------------- Slack failing


@pytest.mark.parametrize(
    "method, failure",
    [
        ("chat.postMessage", dict(status=500, times=10, details=QUOTING)),
        ("views.open", dict(error="invalid_blocks", details=QUOTING)),
        ("views.publish", dict(error="invalid_blocks", times=10, details=QUOTING)),
        ("users.info", dict(status=429, retry_after=1, times=10)),
        ("response_url", dict(error="invalid_blocks", times=10, details=QUOTING)),
    ],
    ids=[
        "postMessage 500",
        "views.open invalid_blocks",
        "views.publish invalid_blocks",
        "users.info 429",
        "response_url invalid_blocks",
    ],  # fmt: skip
)
def test_slack_failing_logs_its_error_code_but_no_text(log, bot, fake_slack, method, failure):
    fake_slack.fail(method, **failure)
    register(fake_slack)
    look_up(fake_slack)
    fake_slack.problems.clear()  # what the fake refused is the point here
    bot.settle()
    lines = log.assert_private()
    if failure.get("error"):  # the operator still learns what Slack said
        assert any("invalid_blocks" in line["message"] for line in lines), lines


def test_a_slack_that_answers_too_late_logs_no_text(log, impatient_bot, fake_slack):
    fake_slack.fail("chat.postMessage", delay=1.5, processed=True)
    fake_slack.fail("response_url", delay=1.5)
    register(fake_slack)
    look_up(fake_slack)
    impatient_bot.settle()
    lines = log.assert_private()
    assert any("may have gone through" in line["message"] for line in lines)


# ---------------------------------------------------------------- the database away


def test_a_database_outage_logs_no_text(log, bot_via_proxy, proxy, fake_slack):
    fake_slack.slash(STAFF, "ny " + TEXT, channel="CGENERAL")
    proxy.cut()
    try:
        answer = fake_slack.submit(STAFF, {ids.DESCRIPTION: TEXT, ids.ORIGIN: ORIGIN})
        assert answer.json["response_action"] == "errors"
        look_up(fake_slack)
    finally:
        proxy.restore()
    assert "Databasen svarar inte" in visible_text(fake_slack.top_view(STAFF))
    fake_slack.problems.clear()
    log.assert_private()


# ---------------------------------------------------------------- malformed requests


def _payload(fake_slack, payload: dict):
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return fake_slack.post_raw(body, {"Content-Type": FORM, **fake_slack.sign(body)})


def test_malformed_and_unknown_requests_log_no_text(log, bot, fake_slack, ref, clock):
    number = new_need(bot.db, ref, clock)
    broken = urlencode({"payload": '{"type": "block_actions", "x": "' + TEXT}).encode()
    assert fake_slack.post_raw(broken, {"Content-Type": FORM, **fake_slack.sign(broken)}).status
    user = {"id": STAFF, "username": "anna.andersson", "team_id": "T0001"}
    _payload(fake_slack, {"type": "block_suggestion", "action_id": "okand", "block_id": "b",
                          "value": TEXT, "user": user, "team": {"id": "T0001"}})  # fmt: skip
    _payload(fake_slack, {"type": "view_submission", "user": user, "team": {"id": "T0001"},
                          "view": {"callback_id": ids.REGISTER_VIEW, "id": "V1",
                                   "private_metadata": TEXT,
                                   "state": {"values": {ids.TITLE: TEXT}}}})  # fmt: skip
    _payload(fake_slack, {"type": "shortcut", "callback_id": TEXT, "user": user,
                          "team": {"id": "T0001"}, "trigger_id": "t"})  # fmt: skip
    ts = fake_slack.post_as_user(STAFF, "CGENERAL", "Titta")
    for action in (ids.DETAILS, ids.TAKE_UP, ids.FOLLOW, ids.DETAILS_OLDER, ids.OPEN_NEED):
        fake_slack.click(STAFF, action, channel="CGENERAL", ts=ts, value=TEXT, force=True)
    fake_slack.click(STAFF, ids.DETAILS, channel="CGENERAL", ts=ts, value=str(number), force=True)
    fake_slack.event({"type": "message", "user": STAFF, "text": TEXT, "channel": "CGENERAL",
                      "ts": fake_slack.new_ts()})  # fmt: skip
    fake_slack.slash(STAFF, TEXT, channel="CGENERAL", command="/okand")
    fake_slack.problems.clear()  # the bot refusing these is right
    bot.settle()
    log.assert_private()


# ---------------------------------------------------------------- a handler failing


def _failures():
    """Exceptions whose messages quote what was typed, as libraries and our code raise them."""
    import jinja2
    import pydantic
    import sqlalchemy.exc
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    def validation():
        try:
            pydantic.TypeAdapter(int).validate_python(TEXT)
        except pydantic.ValidationError as error:
            return error

    def slack_error():
        data = {"ok": False, "error": "invalid_arguments", **QUOTING}
        response = SlackResponse(client=None, http_verb="POST", api_url="x/chat.update",
                                 req_args={}, data=data, headers={}, status_code=200)  # fmt: skip
        return SlackApiError("The request to the Slack API failed.", response)

    def chained():
        try:
            {}[TEXT]
        except KeyError as error:
            wrapped = RuntimeError("lookup failed")
            wrapped.__cause__ = error
            wrapped.add_note(TEXT)
            return wrapped

    def statement():
        return sqlalchemy.exc.StatementError(TEXT, "SELECT 1", {"t": TEXT}, ValueError(TEXT))

    return {
        "ValueError": lambda: ValueError(f"invalid literal for int(): {TEXT!r}"),
        "KeyError": lambda: KeyError(TEXT),
        "pydantic": validation,
        "jinja": lambda: jinja2.UndefinedError(f"'{TEXT}' is undefined"),
        "SlackApiError": slack_error,
        "chained": chained,
        "StatementError": statement,
    }


@pytest.mark.parametrize("kind", list(_failures()))
def test_an_exception_quoting_a_text_is_logged_without_it(
    log, bot, fake_slack, ref, clock, monkeypatch, kind
):
    from commands import registration, status

    make = _failures()[kind]

    def failing(*_args, **_kwargs):
        raise make()

    new_need(bot.db, ref, clock)
    monkeypatch.setattr(status, "answer", failing)
    monkeypatch.setattr(registration, "create_need", failing)
    fake_slack.slash(STAFF, "status 1", channel="CGENERAL")  # fails before the ack
    fake_slack.slash(STAFF, "status " + TEXT, channel="CGENERAL")  # fails after it
    told = visible_text(fake_slack.ephemerals(STAFF)[-2:])
    assert told.casefold().count("fel-id") == 2  # the person is told, with the id in the log
    if kind != "StatementError":  # anything but storage: whom to ask, and what to give them
        assert told.count("kontakta VVG:s sekretariat och ange fel-id") == 2
    fake_slack.slash(STAFF, "ny " + TEXT, channel="CGENERAL")
    answer = fake_slack.submit(STAFF, {ids.DESCRIPTION: TEXT, ids.ORIGIN: ORIGIN})
    assert answer.json["response_action"] == "errors"
    lines = log.assert_private()
    failed = [line for line in lines if line["message"].startswith("unhandled error")]
    assert len(failed) == 3 and all("Traceback" in line["exc"] for line in failed)
    error_id = re.search(r"[Ff]el-id (\w{8})", told).group(1)
    assert any(error_id in line["message"] for line in failed)
