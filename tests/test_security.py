"""Requests Slack did not send, or sent once, are refused through the real server: nothing written.

Every accepted request leaves a row (at least its key in processed_request), so "nothing
written" is checked on every table. A control in each test shows the same bytes, properly
signed and fresh, would have written.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlencode

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from fakeslack import signature
from tests.conftest import STAFF

FORM = "application/x-www-form-urlencoded"
ORIGIN = "gemensamt_utvecklingsarbete"


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def captured(fake_slack):
    """Every request the fake Slack sends to the bot, as (body, headers)."""
    sent: list[tuple[bytes, dict]] = []
    deliver = fake_slack.post_raw

    def recording(body, headers):
        sent.append((body, dict(headers)))
        return deliver(body, headers)

    fake_slack.post_raw = recording
    return sent


def register(fake_slack, captured, title: str) -> tuple[bytes, dict]:
    """A person registers a need; the form submission Slack sent for it."""
    fake_slack.slash(STAFF, "ny " + title, channel="CGENERAL")
    fake_slack.submit(STAFF, {"description": "Beskrivning av behovet.", "origin": ORIGIN})
    body, headers = captured[-1]
    assert b"view_submission" in body
    return body, headers


def with_title(body: bytes, title: str) -> bytes:
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    values = payload["view"]["state"]["values"]["title"]
    next(iter(values.values()))["value"] = title
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(fake_slack, body: bytes, **kw) -> dict:
    return {"Content-Type": FORM, **fake_slack.sign(body, **kw)}


def test_a_replayed_registration_is_refused(bot, fake_slack, captured):
    body, headers = register(fake_slack, captured, "Samordnad vårdplanering")
    before = row_counts(bot.db)
    assert before["need"] == 1

    assert fake_slack.post_raw(body, headers).status == 401
    assert row_counts(bot.db) == before


def test_a_replayed_status_lookup_is_refused_and_shows_nothing(bot, fake_slack, captured):
    """The need is read together with the key (commands/redelivery.py `ReadAhead`); a replay
    still gets no answer."""
    register(fake_slack, captured, "Samordnad vårdplanering")
    first = fake_slack.slash(STAFF, "status 1", channel="CGENERAL")
    assert "Samordnad vårdplanering" in fake_slack.visible_text(first.json)
    body, headers = captured[-1]
    before = row_counts(bot.db)

    again = fake_slack.post_raw(body, headers)
    assert (again.status, again.body) == (401, b"")
    assert row_counts(bot.db) == before


@pytest.mark.parametrize(
    "attack",
    ["wrong secret", "old timestamp", "future timestamp", "no signature", "body changed"],
)
def test_forged_or_stale_requests_are_refused_and_write_nothing(bot, fake_slack, captured, attack):
    body, _ = register(fake_slack, captured, "Samordnad vårdplanering")
    forged = with_title(body, "Ett behov som ingen har skickat")
    now = int(time.time())
    headers = {
        "wrong secret": {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature("not-the-secret", str(now), forged),
        },
        "old timestamp": fake_slack.sign(forged, timestamp=now - 6 * 60),
        "future timestamp": fake_slack.sign(forged, timestamp=now + 6 * 60),
        "no signature": {},
        "body changed": fake_slack.sign(body),
    }[attack]
    before = row_counts(bot.db)

    answer = fake_slack.post_raw(forged, {"Content-Type": FORM, **headers})

    assert answer.status == 401
    assert row_counts(bot.db) == before
    # control: the same bytes, signed by Slack now, would have registered a need
    assert fake_slack.post_raw(forged, signed(fake_slack, forged)).status == 200
    assert row_counts(bot.db)["need"] == before["need"] + 1


@pytest.mark.parametrize(
    "body",
    [
        b"payload=%7Bnot-json",
        b'{"type": "event_callback", ',
        b"payload=%5B1%2C2%5D",
        b"payload=%22just+a+string%22",
        b"\xff\xfe\x00garbage",
    ],
    ids=["broken payload", "broken json", "payload is a list", "payload is a string", "bytes"],
)
def test_malformed_bodies_are_refused_and_write_nothing(bot, fake_slack, body):
    before = row_counts(bot.db)
    answer = fake_slack.post_raw(body, signed(fake_slack, body))
    assert answer.status in (400, 401)
    assert row_counts(bot.db) == before


def test_an_oversize_body_is_refused_before_it_is_read(bot, fake_slack):
    body = b"payload=" + b"x" * 1_100_000
    before = row_counts(bot.db)
    assert fake_slack.post_raw(body, signed(fake_slack, body)).status == 413
    assert row_counts(bot.db) == before


@pytest.mark.parametrize("field", ["title", "description"])
def test_oversize_fields_in_a_signed_form_are_answered_with_errors(
    bot, fake_slack, captured, field
):
    body, _ = register(fake_slack, captured, "Samordnad vårdplanering")
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    inputs = payload["view"]["state"]["values"][field]
    next(iter(inputs.values()))["value"] = "å" * 20_000
    crafted = urlencode({"payload": json.dumps(payload)}).encode()
    before = row_counts(bot.db)

    answer = fake_slack.post_raw(crafted, signed(fake_slack, crafted))

    assert answer.status == 200 and answer.json["response_action"] == "errors"
    assert field in answer.json["errors"]
    assert row_counts(bot.db)["need"] == before["need"]
    assert row_counts(bot.db)["need_event"] == before["need_event"]


def test_a_non_admin_replaying_an_admins_form_as_themselves_changes_nothing(bot, fake_slack, ref):
    from commands import ids
    from fakeslack import Result
    from tests.conftest import ADMIN
    from tests.public_support import build_portfolio
    from tests.test_public_slack import _crafted_click, _hidden_state

    number = build_portfolio(bot.db, ref).prioritisation
    _crafted_click(fake_slack, ADMIN, number)
    bot.settle()
    held: list[bytes] = []
    deliver = fake_slack.post_raw
    fake_slack.post_raw = lambda body, headers: held.append(body) or Result(200, b"")
    fake_slack.submit(ADMIN, {ids.HIDE_REASON: "Namn i texten"}, keep_open=True)
    fake_slack.post_raw = deliver
    payload = json.loads(parse_qs(held[0].decode())["payload"][0])
    payload["user"] = {**payload["user"], "id": STAFF, "username": "anna.andersson"}
    crafted = urlencode({"payload": json.dumps(payload)}).encode()
    before = row_counts(bot.db)

    answer = fake_slack.post_raw(crafted, signed(fake_slack, crafted))

    assert answer.status == 200 and "Bara VVG:s presidium" in json.dumps(
        answer.json, ensure_ascii=False
    )
    after = row_counts(bot.db)
    assert after.pop("processed_request") == before.pop("processed_request") + 1  # its key only
    assert after == before and _hidden_state(bot, number)[:2] == (False, None)
    # control: the admin's own submission hides it
    assert fake_slack.post_raw(held[0], signed(fake_slack, held[0])).status == 200
    assert _hidden_state(bot, number)[0]
