"""Opening a VVG vote (admins): `/behov rösta <nr>` and the button in a need's details.
Admin rights are checked here, whatever the message the button came from.

No transaction is open while Slack is asked (a post may take a minute through its retries,
and on SQLite a transaction holds every other writer's turn): the vote is stored unposted,
posted, then opened or dropped, each step short (storage/votes.py). If the database cannot
drop it either, this process remembers it (bot/given_up.py) and drops it once the database
answers: a retry here opens the vote at once instead of waiting for the longest post.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import SV, Texts
from bot.posting import post_once
from bot.slack_client import make_client
from commands import voters
from commands.context import say, telling_user
from commands.home import refresh_home
from commands.lifecycle import clicked_modal, refresh_details, tell
from commands.notify import notify_change
from commands.render.votes import deadline_text, vote_message
from commands.status import without_number
from domain.history import EventKind
from domain.needs import parse_number
from domain.votes import may_open
from storage.models import Vote
from storage.needs import get_need, history
from storage.votes import (
    VoteError,
    drop_unposted,
    opened_with,
    publish_vote,
    refusal_for,
    start_vote,
    vote_under_way,
)

log = logging.getLogger(__name__)


def open_from_command(turn) -> None:
    """`/behov rösta <nr>`."""
    turn.ack()
    number = parse_number(turn.argument)
    if number is None:
        text, blocks = without_number(turn.tx, turn.argument, "vote.usage", "vote")
        turn.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    with telling_user(turn.respond, turn.tx, "opening a vote"):
        say(turn.respond, open_for(turn.svc, turn.client, turn.tx, turn.user_id, number))


def open_from_button(ack, body: dict, action: dict, client: WebClient, respond, context) -> None:
    """The "Öppna omröstning" button of a need's details (value = need number): the details
    then show the open vote, and the answer comes over them (a modal has no response_url)."""
    ack()
    svc, tx = context["svc"], context["tx"]
    number = parse_number(action.get("value") or "")
    if number is None:
        return
    user_id = body["user"]["id"]
    answer = tx("error.slack")  # unless Slack lets the opening through (logged if not)
    with telling_user(None, tx, "opening a vote"):
        answer = open_for(svc, client, tx, user_id, number)
    refresh_details(client, svc, tx, clicked_modal(body), number, user_id)
    tell(client, body, respond, tx, answer)


def open_for(svc, client: WebClient, tx: Texts, user_id: str, number: int) -> str:
    """Open a vote on the need and post it in the voting channel; the answer to the admin."""
    if not svc.settings.is_admin(user_id):
        return tx("vote.admins_only")
    channel = svc.settings.behov_voting_channel
    if not channel:
        return tx("vote.no_channel")
    drop_given_up(svc, client)  # this process's failed openings are over: the need is free
    given_up = svc.clock() - unposted_limit(svc.settings)
    with svc.db.session() as session:
        need = get_need(session, need_id=number)
        already = (
            vote_under_way(session, need_id=number, abandoned_before=given_up) if need else None
        )
    if need is None:
        return tx("status.no_number", number=number)
    if already is not None:  # told at once, before the channel's members are fetched
        return _refused(svc, tx, refusal_for(already), number, already.channel, already.opened_at)
    if not may_open(need.phase, need.outcome):
        return tx("vote.not_votable", number=number)
    taken_up = need.phase == 1
    try:
        eligible = voters.refresh(svc, client, channel)
        now = svc.clock()
        with svc.db.session(write=True) as session:
            need = get_need(session, need_id=number)
            vote = start_vote(
                session,
                need=need,
                channel=channel,
                opened_by=user_id,
                now=now,
                duration=svc.settings.vote_duration,
                eligible=len(eligible),
                abandoned_before=now - unposted_limit(svc.settings),
            )
        text, blocks = vote_message(
            need, vote, svc.ref, SV, svc.settings.tz, voted=0, eligible=len(eligible)
        )
        ts = _post(svc, client, vote, channel, text, blocks)
        _publish(svc, client, vote, channel, ts)
    except VoteError as refused:
        since = refused.details.get("opened_at", svc.clock())
        return _refused(svc, tx, refused.key, number, channel, since)
    except SlackApiError as exc:
        if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            return tx("vote.bot_not_in_channel", channel=channel)
        raise
    if taken_up:
        _tell_followers(svc, client, number)
    refresh_home(client, svc, [*sorted(eligible), *sorted(svc.settings.behov_admins)])
    return tx.plural("vote.opened", len(eligible), number=number, channel=channel)


def unposted_limit(settings) -> timedelta:
    """How long a vote may wait for its message before it counts as given up: comfortably
    longer than `post_once` can take (three posts and three looks through the client's
    retries, pauses and Retry-After waits, each call up to BEHOV_SLACK_TIMEOUT)."""
    return max(timedelta(minutes=15), timedelta(seconds=40 * settings.behov_slack_timeout))


def _post(svc, client: WebClient, vote: Vote, channel: str, text: str, blocks) -> str:
    """The vote's message, posted with no transaction open; if it cannot be, the vote is
    dropped (no vote, no phase change) and the failure goes on to the admin."""
    try:
        return post_once(client, channel=channel, text=text, blocks=blocks)
    except BaseException:
        _drop(svc, vote)
        raise


def _drop(svc, vote: Vote, *, channel: str | None = None, ts: str | None = None) -> bool:
    """`drop_unposted`; if the database fails, the vote is left for `drop_given_up` (with
    the message `ts` that stays in `channel`, if any) and the failure goes on."""
    try:
        with svc.db.session(write=True) as session:
            return drop_unposted(session, vote=vote)
    except SQLAlchemyError:
        svc.given_up.add(vote, channel=channel, ts=ts)
        raise


def drop_given_up(svc, client: WebClient | None = None) -> None:
    """Drop the unposted votes this process gave up on (bot/given_up.py): their openings are
    over, so nothing will post or open them. A message one left in the channel comes down,
    unless the vote did open with it after all (`client` None: the scheduler makes one)."""
    pending = svc.given_up.pending()
    if not pending:
        return
    orphans = []
    with svc.db.session(write=True) as session:
        for vote in pending:
            dropped = drop_unposted(session, vote=vote)
            if vote.ts and (dropped or not opened_with(session, vote=vote, ts=vote.ts)):
                orphans.append(vote)
    svc.given_up.forget(pending)
    log.warning("votes %s given up while the database was away: dropped", [v.id for v in pending])
    for vote in orphans:
        _take_down(client or make_client(svc.settings), vote.channel, vote.ts)


def _refused(svc, tx: Texts, key: str, number: int, channel: str, since) -> str:
    """Why no vote opens; a vote being opened tells when a new opening is sure to work (if
    its opening was cut off, it counts as given up then: `start_vote` replaces it)."""
    retry_at = deadline_text(since + unposted_limit(svc.settings), svc.settings.tz)
    return tx(key, number=number, channel=channel, retry_at=retry_at)


def _publish(svc, client: WebClient, vote: Vote, channel: str, ts: str) -> None:
    """Record the posted message: the vote is open. If the vote was dropped as given up or
    the need decided while Slack was slow, or the database failed just then, the message is
    taken down again (its buttons would do nothing) and the admin told why."""
    recorded = False
    try:
        with svc.db.session(write=True) as session:
            publish_vote(session, vote=vote, ts=ts, now=svc.clock())
            recorded = True  # from here on only the commit can fail
        return
    except VoteError as refused:
        reason = "error.slack" if refused.key == "vote.gone" else refused.key
        _drop(svc, vote, channel=channel, ts=ts)
    except SQLAlchemyError as failure:
        log.warning("recording the message %s of vote %s failed: %s", ts, vote.id, failure)
        if _opened_after_all(svc, vote, channel, ts, commit_failed=recorded):
            return
        reason = "vote.not_opened"
    _take_down(client, channel, ts)
    raise VoteError(reason)


def _opened_after_all(svc, vote: Vote, channel: str, ts: str, *, commit_failed: bool) -> bool:
    """After a database error while publishing: undo step one, unless the vote opened after
    all (a commit that went through though its answer was lost). If the database cannot
    tell and the commit may have gone through, the error goes on and the message stays: an
    unused message says so when clicked, an open vote without its message would be stuck.
    Either way the vote is left for `drop_given_up`, which settles it once it can."""
    try:
        with svc.db.session(write=True) as session:
            return not drop_unposted(session, vote=vote) and opened_with(session, vote=vote, ts=ts)
    except SQLAlchemyError as again:
        if commit_failed:
            svc.given_up.add(vote, channel=channel, ts=ts)  # the message stays for now
            raise
        svc.given_up.add(vote)  # never published: its message comes down next
        log.warning("vote %s not opened, dropped once the database is back: %s", vote.id, again)
        return False


def _take_down(client: WebClient, channel: str, ts: str) -> None:
    """Delete the message of a vote that did not open (best effort: its buttons only say
    that the message is no longer in use)."""
    try:
        client.chat_delete(channel=channel, ts=ts)
    except (SlackClientError, OSError) as exc:
        log.warning("the message %s of a vote not opened stays in %s: %s", ts, channel, exc)


def _tell_followers(svc, client: WebClient, number: int) -> None:
    """The vote took the need up to phase 2: its followers hear of it like of any move."""
    with svc.db.session() as session:
        need = get_need(session, need_id=number)
        moves = [e for e in history(session, need_id=number) if e.kind == EventKind.PHASE_CHANGED]
    if need is not None and moves:
        notify_change(client, svc, need, moves[-1])
