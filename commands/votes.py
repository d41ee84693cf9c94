"""VVG votes: open one (admins), cast and change a ballot, add a reason, close early.

Every request is checked again here, whatever the message it came from: admin rights for
opening and closing, channel membership for voting, and whether the vote is still open.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import SV, Texts
from bot.posting import post_once
from commands import ids, vote_messages, voters
from commands.context import telling_user
from commands.home import refresh_home
from commands.notify import notify_change
from commands.render.votes import (
    confirmation,
    read_reason,
    reason_modal,
    reason_saved_view,
    vote_message,
)
from domain.history import EventKind
from domain.needs import parse_number
from domain.phases import Quadrant
from domain.votes import may_open
from storage.casting import Cast, cast_ballot
from storage.models import Vote
from storage.needs import get_need, history
from storage.votes import (
    VoteError,
    ballot_of,
    clicked_message,
    close_vote,
    drop_unposted,
    get_vote,
    open_vote_for,
    publish_vote,
    set_reason,
    start_vote,
)

log = logging.getLogger(__name__)
CHOICE_OF_ACTION = {action_id: Quadrant(q) for q, action_id in ids.VOTE_CAST.items()}


def _say(respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


# ---------------------------------------------------------------- opening


def open_from_command(turn) -> None:
    """`/behov rösta <nr>`."""
    turn.ack()
    number = parse_number(turn.argument)
    if number is None:
        _say(turn.respond, turn.tx("vote.usage"))
        return
    with telling_user(turn.respond, turn.tx, "opening a vote"):
        _say(turn.respond, open_for(turn.svc, turn.client, turn.tx, turn.user_id, number))


def open_from_button(ack, body: dict, action: dict, client: WebClient, respond, context) -> None:
    """The "Öppna omröstning" button of a need's details (value = need number)."""
    ack()
    svc, tx = context["svc"], context["tx"]
    number = parse_number(action.get("value") or "")
    if number is None:
        return
    with telling_user(respond, tx, "opening a vote"):
        _say(respond, open_for(svc, client, tx, body["user"]["id"], number))


def open_for(svc, client: WebClient, tx: Texts, user_id: str, number: int) -> str:
    """Open a vote on the need and post it in the voting channel; the answer to the admin.

    No transaction is open while Slack is asked (a post may take a minute through its
    retries, and on SQLite a transaction holds every other writer's turn): the vote is
    stored unposted, posted, then opened or dropped, each step short (storage/votes.py).
    """
    if not svc.settings.is_admin(user_id):
        return tx("vote.admins_only")
    channel = svc.settings.behov_voting_channel
    if not channel:
        return tx("vote.no_channel")
    with svc.db.session() as session:
        need = get_need(session, need_id=number)
        already = open_vote_for(session, need_id=number) if need else None
    if need is None:
        return tx("status.no_number", number=number)
    if already is not None:
        return tx("vote.already_open", number=number, channel=already.channel)
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
        return tx(refused.key, number=number, channel=channel)
    except SlackApiError as exc:
        if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            return tx("vote.bot_not_in_channel", channel=channel)
        raise
    if taken_up:
        _tell_followers(svc, client, number)
    refresh_home(client, svc, [*sorted(eligible), *sorted(svc.settings.behov_admins)])
    return tx("vote.opened", number=number, channel=channel, count=len(eligible))


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
        with svc.db.session(write=True) as session:
            drop_unposted(session, vote=vote)
        raise


def _publish(svc, client: WebClient, vote: Vote, channel: str, ts: str) -> None:
    """Record the posted message: the vote is open. If the vote was dropped as given up or
    the need decided while Slack was slow, the message is taken down again (its buttons
    would do nothing) and the admin told why."""
    try:
        with svc.db.session(write=True) as session:
            publish_vote(session, vote=vote, ts=ts, now=svc.clock())
        return
    except VoteError as refused:
        reason = refused.key
    with svc.db.session(write=True) as session:
        drop_unposted(session, vote=vote)
    try:
        client.chat_delete(channel=channel, ts=ts)
    except (SlackClientError, OSError) as exc:
        log.warning("the message %s of a vote not opened stays in %s: %s", ts, channel, exc)
    raise VoteError("error.slack" if reason == "vote.gone" else reason)


def _tell_followers(svc, client: WebClient, number: int) -> None:
    """The vote took the need up to phase 2: its followers hear of it like of any move."""
    with svc.db.session() as session:
        need = get_need(session, need_id=number)
        moves = [e for e in history(session, need_id=number) if e.kind == EventKind.PHASE_CHANGED]
    if need is not None and moves:
        notify_change(client, svc, need, moves[-1])


# ---------------------------------------------------------------- ballots


class Click(NamedTuple):
    """A click on a vote's choice: which vote, on which message, when."""

    vote_id: int
    message_ts: str | None
    at: datetime | None


def clicked_ts(body: dict) -> str | None:
    """The ts of the message the button was clicked in: a click acts only on the vote whose
    message that is (storage.votes.clicked_message)."""
    container = body.get("container") or {}
    return container.get("message_ts") or (body.get("message") or {}).get("ts")


def cast(ack, body: dict, action: dict, client: WebClient, respond, context) -> None:
    """A click on one of the four choices (value = vote id)."""
    ack()
    svc, tx = context["svc"], context["tx"]
    quadrant = CHOICE_OF_ACTION.get(action.get("action_id", ""))
    vote_id = parse_number(action.get("value") or "")
    if quadrant is None or vote_id is None:
        return
    user_id = body["user"]["id"]
    click = Click(vote_id, clicked_ts(body), click_time(action.get("action_ts")))
    with telling_user(respond, tx, "recording a vote"):
        stored = _cast(svc, client, tx, click, user_id, quadrant)
        if isinstance(stored, str):
            _say(respond, stored)
            return
        # The stored choice: a click overtaken by a later one confirms the later choice.
        text, blocks = confirmation(
            stored.vote.need_id, stored.vote, stored.quadrant, stored.reason, tx, svc.settings.tz
        )
        try:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        finally:  # the ballot is stored: the count must follow even if the answer failed
            if stored.counted:
                vote_messages.counted(svc, client, vote_id, stored.vote.rendered_at)
        if stored.first:  # the need leaves "Väntar på din röst"; a changed choice changes no tab
            refresh_home(client, svc, [user_id])


def click_time(action_ts) -> datetime | None:
    """Slack's "seconds.micros" time of the click, exactly; None if it is not one."""
    seconds, _, micros = str(action_ts or "").partition(".")
    if not seconds.isdigit() or not (micros.isdigit() or micros == ""):
        return None
    moment = datetime.fromtimestamp(int(seconds), UTC)
    return moment + timedelta(microseconds=int((micros + "000000")[:6]))


def _cast(svc, client, tx: Texts, click: Click, user_id, quadrant: Quadrant):
    """The stored ballot (`Cast`), or the text that tells why there is none.

    One transaction checks the vote and the voter's membership (as cached) and stores the
    ballot; only someone the cache does not list costs more: Slack is asked if the cache
    may be stale, and a member after all is let in.
    """
    try:
        return _store(svc, click, user_id, quadrant, members_only=True)
    except VoteError as refused:
        if refused.key != "vote.not_eligible":
            return tx(refused.key)
        channel = refused.details["channel"]
    if not voters.may_vote(svc, client, channel, user_id):
        return tx("vote.not_eligible", channel=channel)
    try:
        return _store(svc, click, user_id, quadrant, members_only=False)
    except VoteError as refused:
        return tx(refused.key)


def _store(svc, click: Click, user_id, quadrant, *, members_only: bool) -> Cast:
    return cast_ballot(
        svc.db,
        vote_id=click.vote_id,
        user_id=user_id,
        quadrant=quadrant,
        now=svc.clock(),
        message_ts=click.message_ts,
        clicked_at=click.at,
        members_only=members_only,
    )


def ask_reason(ack, body: dict, action: dict, client: WebClient, respond, context) -> None:
    """ "Lägg till motivering": open the short form, prefilled with the current reason."""
    ack()
    svc, tx = context["svc"], context["tx"]
    vote_id = parse_number(action.get("value") or "")
    if vote_id is None:
        return
    user_id = body["user"]["id"]
    with svc.db.session() as session:
        vote = get_vote(session, vote_id=vote_id)
        ballot = ballot_of(session, vote_id=vote_id, user_id=user_id) if vote else None
        need = get_need(session, need_id=vote.need_id) if vote else None
    refused = _not_its_message(body, vote, confirmation_too=True)
    with telling_user(respond, tx, "opening the reason form"):
        if refused:
            _say(respond, tx(refused))
        elif vote.closed_at is not None or svc.clock() >= vote.deadline:
            _say(respond, tx("vote.closed"))
        elif ballot is None:
            _say(respond, tx("vote.reason.vote_first"))
        else:
            view = reason_modal(need, vote, ballot.reason, tx)
            client.views_open(trigger_id=body["trigger_id"], view=view)


def save_reason(ack, body: dict, view: dict, context) -> None:
    svc, tx = context["svc"], context["tx"]
    vote_id, reason = read_reason(view)
    if vote_id is None:
        ack()
        return
    try:
        with svc.db.session(write=True) as session:
            ballot = set_reason(
                session,
                vote_id=vote_id,
                user_id=body["user"]["id"],
                reason=reason,
                now=svc.clock(),
            )
            need = get_need(session, need_id=get_vote(session, vote_id=vote_id).need_id)
    except VoteError as refused:
        ack(response_action="errors", errors={ids.VOTE_REASON_INPUT: tx(refused.key)})
        return
    ack(response_action="update", view=reason_saved_view(need, ballot.reason or "", tx))


# ---------------------------------------------------------------- closing early


def close_early(ack, body: dict, action: dict, client: WebClient, respond, context) -> None:
    """ "Stäng omröstningen": admins only, checked here whatever message it came from."""
    ack()
    svc, tx = context["svc"], context["tx"]
    vote_id = parse_number(action.get("value") or "")
    user_id = body["user"]["id"]
    if vote_id is None:
        return
    with telling_user(respond, tx, "closing a vote"):
        if not svc.settings.is_admin(user_id):
            _say(respond, tx("vote.admins_only"))
            return
        with svc.db.session() as session:
            vote = get_vote(session, vote_id=vote_id)
        refused = _not_its_message(body, vote)
        if refused:
            _say(respond, tx(refused))
            return
        eligible = voters.current(svc, client, vote.channel)
        try:
            with svc.db.session(write=True) as session:
                closed = close_vote(
                    session,
                    vote_id=vote_id,
                    now=svc.clock(),
                    closed_by=user_id,
                    eligible=len(eligible),
                    quorum_setting=svc.settings.behov_vote_quorum,
                    message_ts=vote.message_ts,  # still the message clicked in, under the lock
                )
        except VoteError as gone:
            _say(respond, tx(gone.key))
            return
        if closed is None:
            _say(respond, tx("vote.closed"))
            return
        vote_messages.announce(svc, client, vote_id, now=svc.clock())
        _say(respond, tx("vote.closed_by_you", number=closed[0].need_id))


def _not_its_message(body: dict, vote, *, confirmation_too: bool = False) -> str | None:
    """Why a click on a vote's button does nothing: it did not come from the vote's message
    (or, with `confirmation_too`, from the voter's own confirmation, shown only to them)."""
    if confirmation_too and vote is not None and (body.get("container") or {}).get("is_ephemeral"):
        return None
    try:
        clicked_message(vote, clicked_ts(body))
    except VoteError as refused:
        return refused.key
    return None


# ---------------------------------------------------------------- membership events


def member_joined(event: dict, client: WebClient, context) -> None:
    _membership_changed(context["svc"], client, event, joined=True)


def member_left(event: dict, client: WebClient, context) -> None:
    _membership_changed(context["svc"], client, event, joined=False)


def _membership_changed(svc, client: WebClient, event: dict, *, joined: bool) -> None:
    channel, user = event.get("channel"), event.get("user")
    if not channel or not user or channel != svc.settings.behov_voting_channel:
        return
    try:
        changed = (
            voters.joined(svc, client, channel, user) if joined else voters.left(svc, channel, user)
        )
        for vote_id in changed:
            vote_messages.refresh(svc, client, vote_id)
    except (SlackClientError, OSError) as exc:
        log.warning("membership change of %s in %s not fully handled: %s", user, channel, exc)
