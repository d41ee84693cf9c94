"""Slack's Web API failing: retried as Slack asks, delivered once, or explained in Swedish."""

from __future__ import annotations

import logging

import pytest

from fakeslack import visible_text
from tests.conftest import STAFF

ORIGIN = "gemensamt_utvecklingsarbete"


def register(fake_slack, title: str):
    fake_slack.slash(STAFF, "ny " + title, channel="CGENERAL")
    return fake_slack.submit(STAFF, {"description": "Beskrivning.", "origin": ORIGIN})


@pytest.mark.parametrize(
    "failure",
    [dict(status=429, retry_after=1), dict(status=500), dict(status=503, times=2)],
    ids=["429 Retry-After", "500", "503 twice"],
)
def test_the_confirmation_arrives_exactly_once_through_failures(bot, fake_slack, failure):
    fake_slack.fail("chat.postMessage", **failure)
    register(fake_slack, "Samordnad vårdplanering")
    confirmations = fake_slack.dm_messages(STAFF)
    assert len(confirmations) == 1 and "#1" in visible_text(confirmations[0])
    attempts = fake_slack.calls("chat.postMessage")
    assert len(attempts) == 1 + failure.get("times", 1) and attempts[-1].ok


def test_the_form_opens_once_after_a_rate_limit(bot, fake_slack):
    fake_slack.fail("views.open", status=429, retry_after=1)
    fake_slack.slash(STAFF, "ny Trygg hemgång", channel="CGENERAL")
    assert len(fake_slack.modal_stack(STAFF)) == 1
    assert [c.status for c in fake_slack.calls("views.open")] == [429, 200]


def test_a_failure_outlasting_the_retries_is_told_in_swedish_and_logged(bot, fake_slack, caplog):
    fake_slack.fail("views.open", status=500, times=10)
    with caplog.at_level(logging.WARNING):
        fake_slack.slash(STAFF, "ny Trygg hemgång", channel="CGENERAL")
    assert fake_slack.top_view(STAFF) is None
    [told] = fake_slack.ephemerals(STAFF)
    assert "Slack svarade inte som väntat" in visible_text(told)
    assert any(
        "views.open" in r.getMessage() or "registration form" in r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING
    )
    assert len(fake_slack.calls("views.open")) == 3  # the first try and two retries
