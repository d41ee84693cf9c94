"""The vote's scheduled work: close at the deadline, remind who has not voted, catch up.

Each job takes (services, now), asks the database what is due and does it once across
processes: closing takes the vote's row lock, the result and each reminder go through
`deliver_once`. The deadline lives in the database, so a restart changes nothing.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackClientError

from bot.due import deliver_once
from bot.i18n import Texts
from bot.notify import ScheduledPost, scheduled_client
from bot.slack_client import make_client
from commands import vote_messages, voters
from commands.render.votes import reminder
from commands.vote_opening import drop_given_up, unposted_limit
from domain.votes import reminder_at
from storage.claims import done
from storage.needs import get_need
from storage.votes import (
    abandoned,
    behind,
    close_vote,
    closed_since,
    drop_abandoned,
    due_votes,
    members,
    open_votes,
    reminded,
    voter_ids,
)

log = logging.getLogger(__name__)
REMINDER_KIND = "vote_reminder"


def close_due_votes(services, now) -> None:
    """Close every open vote whose deadline has passed (announce_results, next, shows it)."""
    with services.db.session() as session:
        due = due_votes(session, now=now)
    if not due:
        return
    client = make_client(services.settings)
    for vote in due:
        eligible = voters.current(services, client, vote.channel)
        with services.db.session(write=True) as session:
            close_vote(
                session,
                vote_id=vote.id,
                now=now,
                closed_by=None,
                eligible=len(eligible),
                quorum_setting=services.settings.behov_vote_quorum,
            )


def announce_results(services, now) -> None:
    """Announce results not announced yet (a failed or interrupted announcement is retried)."""
    with services.db.session() as session:
        recent = closed_since(session, since=now - vote_messages.RESULT_GRACE)
        pending = [v.id for v in recent if not _announced(session, v)]
    if not pending:
        return
    client = make_client(services.settings)
    for vote_id in pending:
        vote_messages.announce(services, client, vote_id, now=now)


def _announced(session, vote) -> bool:
    return done(
        session, kind=vote_messages.RESULT_KIND, subject=f"vote:{vote.id}", due_at=vote.closed_at
    )


def remind_voters(services, now) -> None:
    """Once per member and vote: a direct message to eligible members who have not voted."""
    with services.db.session() as session:
        work = []
        for vote in open_votes(session):
            due = reminder_at(vote.opened_at, vote.deadline)
            if not due <= now < vote.deadline:
                continue
            skip = voter_ids(session, vote_id=vote.id) | reminded(session, vote_id=vote.id)
            waiting = [u for u in members(session, channel=vote.channel) if u not in skip]
            if waiting:
                work.append((vote, due, get_need(session, need_id=vote.need_id), waiting))
    if not work:
        return
    client = scheduled_client(services)  # no retries inside a tick: a retried post may double
    for vote, due, need, waiting in work:
        for user in waiting:
            subject = f"vote:{vote.id}:{user}"
            message = ScheduledPost(
                client, channel=user, kind=REMINDER_KIND, subject=subject, due_at=due
            )

            def send(user=user, vote=vote, need=need, message=message) -> None:
                tx = Texts(services.languages.language(user))
                text, blocks = reminder(need, vote, tx, services.settings.tz)
                message.send(text=text, blocks=blocks)

            deliver_once(
                services,
                kind=REMINDER_KIND,
                subject=subject,
                due_at=due,
                now=now,
                send=send,
                grace=vote.deadline - due,
                was_sent=message.was_sent,
            )


def refresh_behind_messages(services, now) -> None:
    """The backstop of coalescing: update any vote message that still shows an old count."""
    with services.db.session() as session:
        vote_ids = behind(session)
    if not vote_ids:
        return
    client = make_client(services.settings)
    for vote_id in vote_ids:
        try:
            vote_messages.refresh(services, client, vote_id)
        except (SlackClientError, OSError) as exc:
            log.warning("could not refresh the message of vote %s: %s", vote_id, exc)


def drop_abandoned_votes(services, now) -> None:
    """Votes whose opener died between storing and posting them
    (commands.vote_opening.open_for): never open, so never closed or counted; after the
    opener's longest wait they go, and a message they may have left in the channel answers
    clicks that it is no longer in use. Those this process gave up on go first, whatever
    their age."""
    drop_given_up(services)  # what this process gave up on in an outage goes at once
    before = now - unposted_limit(services.settings)
    with services.db.session() as session:
        vote_ids = abandoned(session, before=before)
    if not vote_ids:
        return
    with services.db.session(write=True) as session:
        drop_abandoned(session, vote_ids=vote_ids, before=before)
    log.warning("votes %s were never posted: dropped", vote_ids)


VOTE_JOBS = [
    close_due_votes,
    announce_results,
    remind_voters,
    refresh_behind_messages,
    drop_abandoned_votes,
]
