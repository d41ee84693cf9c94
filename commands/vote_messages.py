"""Keeping the vote message in the voting channel true: live count, result, thread reply.

Coalescing: every ballot bumps the vote's `tally_version`. Whoever wants the message updated
asks `refresh` (a click that just counted a ballot asks `counted`, which knows the last update
from the click's own transaction and reads nothing). Both claim the right to update in the
database (one conditional UPDATE: only if the message is behind and was last updated at
least INTERVAL ago, so at most one `chat.update` per message per INTERVAL across all
processes). A request that is too early leaves one delayed refresh per vote in this process
that asks again when the interval is over; the scheduler tick asks for every message still
behind, in case a process died before its delayed refresh ran. The claim reads the count
under the vote's row lock, so the last update shows the exact count.

Throttling uses the wall clock (Slack's rate limits are real seconds), not `svc.clock`,
which is the business time (and stands still in tests).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.due import deliver_once
from bot.i18n import SV
from bot.notify import ScheduledPost, scheduled_client
from commands.home import refresh_home
from commands.render.votes import closed_message, result_details, vote_message
from storage.driver import Driver
from storage.needs import get_need, need_row
from storage.votes import (
    ballots,
    claim_render,
    finish_render,
    get_vote,
    member_count,
    next_render_at,
    render_state,
    result_of,
    tally_of,
    undo_render,
    voter_ids,
)

log = logging.getLogger(__name__)

INTERVAL = timedelta(seconds=1)
SLACK = 0.05  # seconds added to a timer so it wakes just after the interval, not before
RESULT_GRACE = timedelta(days=30)  # a result is still worth showing late; never skip it soon
RESULT_KIND = "vote_result"

_pending: set[tuple[int, int]] = set()
_pending_lock = threading.Lock()


def wall_clock() -> datetime:
    return datetime.now(UTC)


def refresh(svc, client: WebClient, vote_id: int) -> None:
    """Update the live count now if allowed, else make sure it happens within INTERVAL."""
    with svc.db.connection() as conn:  # most calls come too early: find out without a lock
        vote = render_state(conn, vote_id=vote_id)
    if vote is None or vote.closed_at is not None or vote.rendered_version >= vote.tally_version:
        return
    _when_allowed(svc, client, vote_id, vote.rendered_at)


def counted(svc, client: WebClient, vote_id: int, rendered_at: datetime | None) -> None:
    """A ballot was just counted, so the message is behind; `rendered_at` is its last update
    as the ballot's transaction found it. Like `refresh`, without reading the vote again."""
    _when_allowed(svc, client, vote_id, rendered_at)


def _when_allowed(svc, client: WebClient, vote_id: int, rendered_at: datetime | None) -> None:
    now = wall_clock()
    if rendered_at is not None and rendered_at + INTERVAL > now:
        _schedule(svc, client, vote_id, rendered_at + INTERVAL - now)
        return
    with svc.db.connection(write=True) as conn:
        vote = claim_render(conn, vote_id=vote_id, now=now, interval=INTERVAL)
        if vote is None:
            later = next_render_at(render_state(conn, vote_id=vote_id), interval=INTERVAL)
        else:
            need = need_row(Driver.of(conn), need_id=vote.need_id)
            eligible = member_count(conn, channel=vote.channel)
    if vote is None:
        if later is not None:
            _schedule(svc, client, vote_id, later - now)
        return
    text, blocks = vote_message(
        need, vote, svc.ref, SV, svc.settings.tz, voted=vote.ballots_count, eligible=eligible
    )
    try:
        client.chat_update(channel=vote.channel, ts=vote.message_ts, text=text, blocks=blocks)
    except (SlackClientError, OSError) as exc:
        log.warning("chat.update of vote %s failed, retrying later: %s", vote_id, exc)
        with svc.db.connection(write=True) as conn:
            undo_render(conn, vote_id=vote_id, version=vote.rendered_version)
        _schedule(svc, client, vote_id, INTERVAL * 5)
        return
    with svc.db.connection(write=True) as conn:
        vote = finish_render(conn, vote_id=vote_id, at=wall_clock())
    if vote is not None and vote.closed_at is not None:
        show_closed(svc, client, vote_id)  # closed while we updated: not our count over it
        return
    later = next_render_at(vote, interval=INTERVAL)
    if later is not None:
        _schedule(svc, client, vote_id, later - wall_clock())


def _schedule(svc, client: WebClient, vote_id: int, delay: timedelta) -> None:
    """One pending refresh per vote and process, run on the listener pool after `delay`.

    Running it on the pool that finishes acknowledged work means shutdown (and a test
    waiting for the bot to settle) also waits for the last, exact update.
    """
    key = (id(svc), vote_id)
    with _pending_lock:
        if key in _pending:
            return
        _pending.add(key)
    seconds = max(delay.total_seconds(), 0) + SLACK
    svc.listeners.submit(_later, svc, client, vote_id, seconds)


def _later(svc, client: WebClient, vote_id: int, seconds: float) -> None:
    time.sleep(seconds)
    with _pending_lock:
        _pending.discard((id(svc), vote_id))
    try:
        refresh(svc, client, vote_id)
    except Exception:  # nobody to tell here; the scheduler tick retries what is behind
        log.exception("refreshing the message of vote %s failed", vote_id)


# ---------------------------------------------------------------- the result


def _closed_view(svc, vote_id: int):
    with svc.db.session() as session:
        vote = get_vote(session, vote_id=vote_id)
        need = get_need(session, need_id=vote.need_id)
        outcome = result_of(vote, tally_of(session, vote_id=vote_id))
        reasons = [(b.quadrant, b.reason) for b in ballots(session, vote_id=vote_id) if b.reason]
    return vote, need, outcome, reasons


def show_closed(svc, client: WebClient, vote_id: int) -> None:
    """Replace the message with the result (no voting buttons); safe to repeat."""
    vote, need, outcome, _ = _closed_view(svc, vote_id)
    text, blocks = closed_message(need, vote, outcome, svc.ref, SV, svc.settings.tz)
    client.chat_update(channel=vote.channel, ts=vote.message_ts, text=text, blocks=blocks)


def announce(svc, client: WebClient, vote_id: int, *, now: datetime) -> str:
    """Show the result in the message and reply in its thread, exactly once across processes."""
    with svc.db.session() as session:
        vote = get_vote(session, vote_id=vote_id)
    if vote is None or vote.closed_at is None:
        return "not_closed"

    subject = f"vote:{vote_id}"
    # The reply is posted without the client's retries: a retried post could show it twice.
    reply = ScheduledPost(
        scheduled_client(svc),
        channel=vote.channel,
        thread_ts=vote.message_ts,
        kind=RESULT_KIND,
        subject=subject,
        due_at=vote.closed_at,
    )

    def send() -> None:
        show_closed(svc, client, vote_id)
        _, need, outcome, reasons = _closed_view(svc, vote_id)
        text, blocks = result_details(need, outcome, reasons, SV)
        reply.send(text=text, blocks=blocks)

    done = deliver_once(
        svc,
        kind=RESULT_KIND,
        subject=subject,
        due_at=vote.closed_at,
        now=max(now, vote.closed_at),
        send=send,
        grace=RESULT_GRACE,
        was_sent=reply.was_sent,
    )
    if done in ("sent", "found"):  # the result now waits for the presidium's decision
        with svc.db.session() as session:
            voted = voter_ids(session, vote_id=vote_id)
        refresh_home(client, svc, [*sorted(svc.settings.behov_admins), *sorted(voted)])
    return done
