"""Slack's Web API failing: retried as Slack asks, delivered once, or explained in Swedish."""

from __future__ import annotations

import logging
import time

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


@pytest.fixture
def impatient_bot(database_url, fake_slack, clock):
    """The bot with a short Web API timeout (BEHOV_SLACK_TIMEOUT), so a slow Slack times out."""
    from tests.conftest import Bot, connect, make_settings

    running = Bot(make_settings(database_url, fake_slack.api_url, behov_slack_timeout=0.5), clock)
    connect(fake_slack, running)
    yield running
    running.stop()


def test_a_timed_out_confirmation_arrives_once_and_the_form_tells_the_number(
    impatient_bot, fake_slack, caplog
):
    # Slack posts it, but answers too late, twice: the bot looks for it, finds the first.
    fake_slack.fail("chat.postMessage", delay=1.5, processed=True)
    with caplog.at_level(logging.WARNING):
        register(fake_slack, "Samordnad vårdplanering")
    assert "#1" in visible_text(fake_slack.top_view(STAFF))  # the person is told either way
    assert len(fake_slack.dm_messages(STAFF)) == 1  # not sent a second time
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert not [r for r in caplog.records if r.name.startswith("commands") and r.levelno >= 40]
    assert any("may have gone through" in r.getMessage() for r in caplog.records)
    assert fake_slack.calls("views.publish")  # the rest of the work still ran (App Home)


def test_a_confirmation_that_never_arrives_is_logged_and_the_form_tells_the_number(
    bot, fake_slack, caplog
):
    fake_slack.fail("chat.postMessage", status=500, times=10)
    with caplog.at_level(logging.WARNING):
        register(fake_slack, "Samordnad vårdplanering")
    assert "#1" in visible_text(fake_slack.top_view(STAFF))
    assert fake_slack.dm_messages(STAFF) == []
    assert len(fake_slack.calls("chat.postMessage")) == 3  # the first try and two more
    assert any("confirmation of #1" in r.getMessage() for r in caplog.records)
    assert fake_slack.calls("views.publish")


# ---------------------------------------------------------------- response_url (respond)


def open_second_page(fake_slack, bot) -> tuple[dict, int]:
    """`/behov lista 2` over 30 needs; the list message and the response_url posts so far."""
    from tests.lists_support import add_needs

    add_needs(bot.db, 30, phase=2)
    fake_slack.slash(STAFF, "lista 2", channel="CGENERAL")
    return fake_slack.ephemerals(STAFF)[-1], len(fake_slack.calls("response_url"))


def click_next(fake_slack, message: dict) -> None:
    from tests.test_lists_slack import buttons

    nxt = buttons(message)["list_page:next"]
    fake_slack.click(STAFF, nxt["action_id"], value=nxt["value"], message=message)


@pytest.mark.parametrize(
    "failure",
    [dict(status=429, retry_after=1), dict(status=500), dict(status=503, times=2)],
    ids=["429 Retry-After", "500", "503 twice"],
)
def test_a_page_turn_arrives_exactly_once_through_response_url_failures(bot, fake_slack, failure):
    message, posts = open_second_page(fake_slack, bot)
    fake_slack.fail("response_url", **failure)
    click_next(fake_slack, message)  # the listener takes `respond` as an argument
    [shown] = fake_slack.ephemerals(STAFF)
    assert "Sida 2 av 2" in visible_text(shown)
    attempts = fake_slack.calls("response_url")[posts:]
    assert [c.status for c in attempts] == [failure["status"]] * failure.get("times", 1) + [200]


def test_a_response_url_failing_past_the_retries_is_logged(bot, fake_slack, caplog):
    fake_slack.fail("response_url", status=500, times=10)
    with caplog.at_level(logging.WARNING):
        fake_slack.slash(STAFF, "rösta 1", channel="CGENERAL")  # a slash command's respond
    assert fake_slack.ephemerals(STAFF) == []
    # Three tries of the answer, then three of the apology, both logged.
    assert [c.status for c in fake_slack.calls("response_url")] == [500] * 6
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("opening a vote" in m and "500" in m for m in logged)
    assert any("could not tell the user either" in m for m in logged)


def test_a_slow_response_url_times_out_after_behov_slack_timeout_and_the_person_is_told(
    impatient_bot, fake_slack, caplog
):
    message, posts = open_second_page(fake_slack, impatient_bot)
    fake_slack.fail("response_url", delay=1.5)  # Slack takes it, but answers too late
    with caplog.at_level(logging.WARNING):
        click_next(fake_slack, message)
    # Bolt's own respond() would have waited 30 s for it; ours gives up after 0.5 s.
    assert any("turning a list page" in r.getMessage() for r in caplog.records)
    told = fake_slack.ephemerals(STAFF)[-1]
    assert "Slack svarade inte som väntat" in visible_text(told)
    time.sleep(1.5)  # the slow post lands on Slack's side after the bot gave up on it
    page, apology = fake_slack.ephemerals(STAFF)
    assert "Sida 2 av 2" in visible_text(page) and apology == told
    pages = [c for c in fake_slack.calls("response_url")[posts:] if c.args.get("replace_original")]
    assert len(pages) == 1  # a timed-out post is not sent again


def test_respond_takes_keywords_or_one_dict_and_needs_a_response_url(fake_slack):
    from bot.slack_client import Respond, ResponseUrlError

    url = fake_slack.new_response_url(fake_slack.base_url, user=STAFF, channel="CGENERAL")
    Respond(url, timeout=1)(text="ett", blocks=[], response_type="ephemeral")
    Respond(url, timeout=1)({"text": "två", "response_type": "in_channel"})
    assert [m["text"] for m in fake_slack.ephemerals(STAFF)] == ["ett"]
    assert fake_slack.messages("CGENERAL")[-1]["text"] == "två"
    assert "blocks" not in fake_slack.calls("response_url")[0].args
    fake_slack.fail("response_url", error="invalid_blocks")
    with pytest.raises(ResponseUrlError) as refused:
        Respond(url, timeout=1)(text="tre")
    assert refused.value.status == 400 and url not in str(refused.value)
    with pytest.raises(ValueError):
        Respond(None, timeout=1)(text="no response_url here")
