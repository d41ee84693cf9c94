"""VVG votes: cast and change a ballot, add a reason, close early (opening one is in
commands/vote_opening.py).

Every request is checked again here, whatever the message it came from: admin rights for
closing, channel membership for voting, and whether the vote is still open.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from commands import ids, vote_messages, voters
from commands.context import say, telling_user
from commands.home import refresh_home
from commands.lifecycle import refresh_details, tell
from commands.render.votes import (
    confirmation,
    read_reason,
    reason_modal,
    reason_saved_view,
)
from domain.needs import parse_number
from domain.phases import Quadrant
from storage.casting import Cast, cast_ballot
from storage.needs import get_need
from storage.votes import (
    VoteError,
    ballot_of,
    clicked_message,
    close_vote,
    get_vote,
    set_reason,
)

log = logging.getLogger(__name__)
CHOICE_OF_ACTION = {action_id: Quadrant(q) for q, action_id in ids.VOTE_CAST.items()}


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
            say(respond, stored)
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
            return tx(_unless_given_up(svc, refused.key, click.vote_id))
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
            say(respond, tx(_unless_given_up(svc, refused, vote_id)))
        elif vote.closed_at is not None or svc.clock() >= vote.deadline:
            say(respond, tx("vote.closed"))
        elif ballot is None:
            say(respond, tx("vote.reason.vote_first"))
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
    """ "Stäng omröstningen" in an admin's details view (or on a vote message posted before the
    button moved there): admins only, checked here whatever the request came from."""
    ack()
    svc, tx = context["svc"], context["tx"]
    vote_id = parse_number(action.get("value") or "")
    user_id = body["user"]["id"]
    if vote_id is None:
        return
    with telling_user(respond, tx, "closing a vote"):
        if not svc.settings.is_admin(user_id):
            tell(client, body, respond, tx, tx("vote.admins_only"))
            return
        with svc.db.session() as session:
            vote = get_vote(session, vote_id=vote_id)
        view = body.get("view") or {}
        refused = _not_its_need(view, vote) if view else _not_its_message(body, vote)
        if refused:
            tell(client, body, respond, tx, tx(_unless_given_up(svc, refused, vote_id)))
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
                    message_ts=vote.message_ts,  # still the vote's message, under the lock
                )
        except VoteError as gone:
            tell(client, body, respond, tx, tx(gone.key))
            return
        if closed is None:
            tell(client, body, respond, tx, tx("vote.closed"))
            return
        vote_messages.announce(svc, client, vote_id, now=svc.clock())
        refresh_details(client, svc, tx, view.get("id"), vote.need_id, user_id)
        tell(client, body, respond, tx, tx("vote.closed_by_you", number=closed[0].need_id))


def _not_its_need(view: dict, vote) -> str | None:
    """Why a click in a details view does nothing: the vote is not that need's (a stale view
    whose vote was undone; on SQLite its id may now be another need's), or not posted yet."""
    try:
        shown = json.loads(view.get("private_metadata") or "{}").get("n")
    except (ValueError, AttributeError):
        shown = None
    if vote is None or vote.need_id != shown:
        return "vote.view_stale"
    return "vote.not_ready" if vote.message_ts is None else None


def _unless_given_up(svc, key: str, vote_id: int) -> str:
    """A vote not posted yet whose opening this process gave up on (bot/given_up.py) will
    never open: a message left of it is no longer in use, not on its way."""
    if key == "vote.not_ready" and svc.given_up.holds(vote_id):
        return "vote.message_gone"
    return key


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
