"""Messages the handlers post arrive exactly once through Slack's failures (bot.posting).

A post that Slack stored and then answered with a 500, or answered too late, is found again
in the conversation by the delivery key in its metadata and not posted a second time; one
that Slack did not store is posted again; a 429 is waited out. End to end: signed requests
to the running bot, the fake Slack behind it, both databases.
"""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.sent_check import EVENT_TYPE
from commands import ids
from fakeslack import visible_text
from storage.models import Need, Vote
from storage.needs import history
from tests.conftest import ADMIN, IMPATIENT_TIMEOUT, STAFF, VOTING_CHANNEL, make_settings
from tests.lifecycle_support import new_need
from tests.test_lifecycle_slack import open_details
from tests.test_slack_failures import register
from tests.test_votes_slack import add_need, add_voters, vote_message

TIMEOUT = IMPATIENT_TIMEOUT  # BEHOV_SLACK_TIMEOUT of `impatient_bot`

# name: (the failure of the next call, how many calls the bot then makes)
FAILURES = {
    "500 after storing": (dict(status=500, processed=True), 1),
    "500 before storing": (dict(status=500), 2),
    "timeout, stored": (dict(delay=3 * TIMEOUT, processed=True), 1),
    "429 Retry-After": (dict(status=429, retry_after=1), 2),
}
LOOKS = {"429 Retry-After": 0}  # a 429 means Slack did nothing: nothing to look for


def confirmation(bot, fake_slack, ref, clock):
    """The registration's confirmation in the submitter's DM."""
    return lambda: register(fake_slack, "Samordnad vårdplanering"), STAFF


def follower_message(bot, fake_slack, ref, clock):
    """An admin takes the need up to phase 2: the submitter, who follows it, is told."""
    number = new_need(bot.db, ref, clock)
    open_details(fake_slack, ADMIN, number)
    fake_slack.click(ADMIN, ids.TAKE_UP, value=str(number))
    return lambda: fake_slack.submit(ADMIN, {ids.COMMENT: "Tas upp i december"}), STAFF


DIRECT_MESSAGES = {"registration confirmation": confirmation, "follower": follower_message}


def assert_marked_once(message: dict) -> None:
    metadata = message["metadata"]
    assert metadata["event_type"] == EVENT_TYPE
    assert metadata["event_payload"]["key"].startswith("post/")


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
@pytest.mark.parametrize("scenario", DIRECT_MESSAGES, ids=list(DIRECT_MESSAGES))
def test_a_direct_message_arrives_exactly_once(
    impatient_bot, fake_slack, ref, clock, scenario, failure
):
    act, user = DIRECT_MESSAGES[scenario](impatient_bot, fake_slack, ref, clock)
    injected, calls = FAILURES[failure]
    fake_slack.fail("chat.postMessage", **injected)
    act()
    [message] = fake_slack.dm_messages(user)
    assert_marked_once(message)
    assert len(fake_slack.calls("chat.postMessage")) == calls
    looked = fake_slack.calls("conversations.history")
    assert len(looked) == LOOKS.get(failure, 1)
    assert all(c.args["include_all_metadata"] in ("1", "true", True) for c in looked)


# ---------------------------------------------------------------- the vote message


def stored_votes(bot) -> list[Vote]:
    with bot.db.session() as s:
        return list(s.exec(select(Vote)))


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_the_vote_message_arrives_once_and_is_the_one_stored(
    impatient_bot, fake_slack, ref, failure
):
    add_voters(fake_slack, 2)
    number = add_need(impatient_bot, ref, phase=2)
    injected, calls = FAILURES[failure]
    fake_slack.fail("chat.postMessage", **injected)
    fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    [message] = fake_slack.messages(VOTING_CHANNEL)
    assert_marked_once(message)
    [vote] = stored_votes(impatient_bot)
    assert vote.message_ts == message["ts"] and vote.channel == VOTING_CHANNEL
    assert "har öppnats" in visible_text(fake_slack.ephemerals(ADMIN)[-1])
    assert len(fake_slack.calls("chat.postMessage")) == calls


def test_a_vote_slack_never_takes_is_told_in_swedish_and_not_opened(bot, fake_slack, ref, caplog):
    number = add_need(bot, ref)  # in phase 1: opening the vote would take it up to phase 2
    fake_slack.fail("chat.postMessage", status=500, times=10)
    with caplog.at_level(logging.WARNING):
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert "Slack svarade inte som väntat" in visible_text(fake_slack.ephemerals(ADMIN)[-1])
    assert fake_slack.messages(VOTING_CHANNEL) == []
    assert stored_votes(bot) == []
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 1
        assert [e.kind for e in history(s, need_id=number)] == ["registered"]
    assert len(fake_slack.calls("chat.postMessage")) == 3  # the first try and two more
    assert len(fake_slack.calls("conversations.history")) == 3  # looked for after each
    assert any("opening a vote" in r.getMessage() for r in caplog.records)


def test_a_vote_posted_after_a_refused_one_is_not_mistaken_for_it(bot, fake_slack, ref):
    """Each post has its own key: the earlier vote's message is not taken for the new one."""
    first, second = add_need(bot, ref, phase=2), add_need(bot, ref, title="Mobila team", phase=2)
    fake_slack.slash(ADMIN, f"rösta {first}", channel="CGENERAL")
    fake_slack.fail("chat.postMessage", status=500)
    fake_slack.slash(ADMIN, f"rösta {second}", channel="CGENERAL")
    messages = fake_slack.messages(VOTING_CHANNEL)
    votes = {v.need_id: v.message_ts for v in stored_votes(bot)}
    assert [votes[first], votes[second]] == [m["ts"] for m in messages]
    assert "Mobila team" in fake_slack.visible_text(vote_message(fake_slack))


# ---------------------------------------------------------------- when Slack cannot tell


def test_a_post_still_under_way_when_the_bot_gave_up_is_waited_for(impatient_bot, fake_slack):
    """Slack stores it 1.3 s after it came, the bot gave up after 1 s: it waits as long
    again before it looks, finds it, and does not post it again."""
    fake_slack.fail("chat.postMessage", delay=1.3 * TIMEOUT)
    register(fake_slack, "Samordnad vårdplanering")
    assert len(fake_slack.dm_messages(STAFF)) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_while_the_history_cannot_be_read_nothing_is_posted_again(bot, fake_slack, caplog):
    """A message missing is better than one shown twice: the confirmation arrived, the bot
    could not see that, and it says so in the log instead of posting blindly."""
    fake_slack.fail("chat.postMessage", status=500, processed=True)
    fake_slack.fail("conversations.history", status=503, times=20)
    with caplog.at_level(logging.WARNING):
        register(fake_slack, "Samordnad vårdplanering")
    assert len(fake_slack.dm_messages(STAFF)) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1
    logged = [r.getMessage() for r in caplog.records]
    assert any("cannot tell whether posting to" in m for m in logged)
    assert any("could not send the confirmation of #1" in m for m in logged)
    assert "#1" in visible_text(fake_slack.top_view(STAFF))  # the form says it anyway


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel"])
def test_without_access_to_the_history_the_post_is_made_again_and_logged(
    bot, fake_slack, caplog, error
):
    """As for scheduled posts: a possible duplicate, and a log line that says what to fix."""
    fake_slack.fail("chat.postMessage", status=500, processed=True)
    fake_slack.fail("conversations.history", error=error)
    with caplog.at_level(logging.WARNING):
        register(fake_slack, "Samordnad vårdplanering")
    assert len(fake_slack.dm_messages(STAFF)) == 2
    [logged] = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "bot.sent_check"
    ]
    assert error in logged.getMessage() and "posting it again" in logged.getMessage()


# ---------------------------------------------------------------- file shares


def shares(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m.get("files")]


SHARE_FAILURES = {name: FAILURES[name] for name in ("500 after storing", "500 before storing")}


@pytest.mark.parametrize("failure", SHARE_FAILURES, ids=list(SHARE_FAILURES))
def test_the_matrix_picture_is_shared_once(bot, fake_slack, ref, failure):
    add_need(bot, ref, phase=2)
    injected, calls = SHARE_FAILURES[failure]
    fake_slack.fail("files.completeUploadExternal", **injected)
    fake_slack.slash(STAFF, "matris", channel="CGENERAL")
    [share] = shares(fake_slack.dm_messages(STAFF))
    assert share["files"][0]["name"] == "behovsmatris.png"
    assert len(fake_slack.calls("files.completeUploadExternal")) == calls
    assert len(fake_slack.calls("files.getUploadURLExternal")) == 1  # one file, shared once
    assert "Slack svarade inte" not in visible_text(fake_slack.ephemerals(STAFF))


def test_the_annual_report_is_shared_once_in_its_channel(bot, fake_slack, ref):
    add_need(bot, ref, phase=2)
    fake_slack.fail("files.completeUploadExternal", status=500, processed=True)
    fake_slack.slash(ADMIN, "rapport 2026", channel="CGENERAL")
    [share] = shares(fake_slack.messages("CGENERAL"))
    assert "Årsrapport 2026" in fake_slack.visible_text(share)
    assert shares(fake_slack.dm_messages(ADMIN)) == []  # no copy by DM either
    assert len(fake_slack.calls("files.completeUploadExternal")) == 1


def test_a_report_slack_never_shares_is_told_and_not_sent_by_dm(bot, fake_slack, ref):
    """A failure that may have gone through is no refusal: no fallback to a second copy."""
    add_need(bot, ref, phase=2)
    fake_slack.fail("files.completeUploadExternal", status=500, times=10)
    fake_slack.slash(ADMIN, "rapport 2026", channel="CGENERAL")
    assert "Slack svarade inte som väntat" in visible_text(fake_slack.ephemerals(ADMIN))
    assert shares(fake_slack.messages("CGENERAL")) == []
    assert shares(fake_slack.dm_messages(ADMIN)) == []
    assert len(fake_slack.calls("files.completeUploadExternal")) == 3


# ---------------------------------------------------------------- the pieces


def test_a_message_with_metadata_of_its_own_carries_the_key_in_its_payload():
    from bot.sent_check import carrying, marked

    own = {"event_type": "behov_vote", "event_payload": {"vote": 7}}
    metadata = marked("post/abc", own)
    assert metadata == {
        "event_type": "behov_vote",
        "event_payload": {"vote": 7, EVENT_TYPE: "post/abc"},
    }
    assert own == {"event_type": "behov_vote", "event_payload": {"vote": 7}}  # not changed
    assert carrying("post/abc")({"metadata": metadata})
    assert carrying("post/abc")({"metadata": marked("post/abc")})
    assert not carrying("post/abc")({"metadata": marked("post/other", own)})
    assert not carrying("post/abc")({"text": "no metadata"})


def test_the_posting_client_retries_only_a_429():
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    from bot.posting import without_blind_retries
    from bot.slack_client import make_client

    settings = make_settings("sqlite://", "http://127.0.0.1:9/api/", behov_slack_timeout=4)
    client = make_client(settings)
    assert len(client.retry_handlers) == 3
    poster = without_blind_retries(client)
    assert [type(h) for h in poster.retry_handlers] == [RateLimitErrorRetryHandler]
    assert (poster.token, poster.base_url, poster.timeout) == (
        client.token,
        client.base_url,
        4,
    )
