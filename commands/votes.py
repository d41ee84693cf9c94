"""VVG votes: open one (admins), cast and change a ballot, add a reason, close early.

Every request is checked again here, whatever the message it came from: admin rights for
opening and closing, channel membership for voting, and whether the vote is still open.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

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
from storage.needs import get_need, history
from storage.votes import (
    VoteError,
    ballot_of,
    close_vote,
    get_vote,
    open_vote,
    open_vote_for,
    set_message,
    set_reason,
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
    """Open a vote on the need and post it in the voting channel; the answer to the admin."""
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
            vote = open_vote(
                session,
                need=need,
                channel=channel,
                opened_by=user_id,
                now=now,
                duration=svc.settings.vote_duration,
                eligible=len(eligible),
            )
            text, blocks = vote_message(
                need, vote, svc.ref, SV, svc.settings.tz, voted=0, eligible=len(eligible)
            )
            # Posted inside the transaction: if Slack refuses, no vote and no phase change.
            ts = post_once(client, channel=channel, text=text, blocks=blocks)
            set_message(session, vote=vote, ts=ts)
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


def _tell_followers(svc, client: WebClient, number: int) -> None:
    """The vote took the need up to phase 2: its followers hear of it like of any move."""
    with svc.db.session() as session:
        need = get_need(session, need_id=number)
        moves = [e for e in history(session, need_id=number) if e.kind == EventKind.PHASE_CHANGED]
    if need is not None and moves:
        notify_change(client, svc, need, moves[-1])


# ---------------------------------------------------------------- ballots


def cast(ack, body: dict, action: dict, client: WebClient, respond, context) -> None:
    """A click on one of the four choices (value = vote id)."""
    ack()
    svc, tx = context["svc"], context["tx"]
    quadrant = CHOICE_OF_ACTION.get(action.get("action_id", ""))
    vote_id = parse_number(action.get("value") or "")
    if quadrant is None or vote_id is None:
        return
    user_id = body["user"]["id"]
    clicked_at = click_time(action.get("action_ts"))
    with telling_user(respond, tx, "recording a vote"):
        stored = _cast(svc, client, tx, vote_id, user_id, quadrant, clicked_at)
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


def _cast(svc, client, tx: Texts, vote_id, user_id, quadrant: Quadrant, clicked_at=None):
    """The stored ballot (`Cast`), or the text that tells why there is none.

    One transaction checks the vote and the voter's membership (as cached) and stores the
    ballot; only someone the cache does not list costs more: Slack is asked if the cache
    may be stale, and a member after all is let in.
    """
    try:
        return _store(svc, vote_id, user_id, quadrant, clicked_at, members_only=True)
    except VoteError as refused:
        if refused.key != "vote.not_eligible":
            return tx(refused.key)
        channel = refused.details["channel"]
    if not voters.may_vote(svc, client, channel, user_id):
        return tx("vote.not_eligible", channel=channel)
    try:
        return _store(svc, vote_id, user_id, quadrant, clicked_at, members_only=False)
    except VoteError as refused:
        return tx(refused.key)


def _store(svc, vote_id, user_id, quadrant, clicked_at, *, members_only: bool) -> Cast:
    with svc.db.transaction(write=True) as conn:
        return cast_ballot(
            conn,
            vote_id=vote_id,
            user_id=user_id,
            quadrant=quadrant,
            now=svc.clock(),
            clicked_at=clicked_at,
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
    with telling_user(respond, tx, "opening the reason form"):
        if vote is None:
            _say(respond, tx("vote.not_found"))
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
        if vote is None:
            _say(respond, tx("vote.not_found"))
            return
        eligible = voters.current(svc, client, vote.channel)
        with svc.db.session(write=True) as session:
            closed = close_vote(
                session,
                vote_id=vote_id,
                now=svc.clock(),
                closed_by=user_id,
                eligible=len(eligible),
                quorum_setting=svc.settings.behov_vote_quorum,
            )
        if closed is None:
            _say(respond, tx("vote.closed"))
            return
        vote_messages.announce(svc, client, vote_id, now=svc.clock())
        _say(respond, tx("vote.closed_by_you", number=closed[0].need_id))


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
